//! The acceptor: it promises not to accept a lower ballot and accepts what no promise
//! forbids, each written to disk before the answer leaves (unless `forget-promise`).

use super::{PCtx, PaxosNode};
use crate::ids::NodeId;
use crate::protocols::paxos::{Ballot, PaxosBug, PaxosMsg, PaxosNote, PaxosWrite, Val};

impl PaxosNode {
    pub(super) fn kept(&self) -> bool {
        !self.config.has(PaxosBug::ForgetPromise)
    }

    pub(super) fn on_prepare(&mut self, ctx: &mut PCtx, from: NodeId, ballot: Ballot) {
        match self.promised {
            Some(promised) if promised > ballot => {
                ctx.note(PaxosNote::Refuses {
                    ballot,
                    promised,
                    accept: false,
                });
                self.send(ctx, from, PaxosMsg::Nack { ballot, promised });
            }
            _ => {
                if self.promised != Some(ballot) {
                    self.promised = Some(ballot);
                    ctx.persist(PaxosWrite::Promise {
                        ballot,
                        kept: self.kept(),
                    });
                    ctx.note(PaxosNote::Promises {
                        ballot,
                        accepted: self.accepted,
                    });
                }
                let accepted = self.accepted;
                self.send(ctx, from, PaxosMsg::Promise { ballot, accepted });
            }
        }
    }

    pub(super) fn on_accept(&mut self, ctx: &mut PCtx, from: NodeId, ballot: Ballot, value: Val) {
        if let Some(promised) = self.promised.filter(|&p| p > ballot) {
            ctx.note(PaxosNote::Refuses {
                ballot,
                promised,
                accept: true,
            });
            self.send(ctx, from, PaxosMsg::Nack { ballot, promised });
            return;
        }
        if self.accepted != Some((ballot, value)) {
            self.promised = Some(ballot);
            self.accepted = Some((ballot, value));
            ctx.persist(PaxosWrite::Accept {
                ballot,
                value,
                kept: self.kept(),
            });
            ctx.note(PaxosNote::Accepts { ballot, value });
        }
        self.broadcast(ctx, PaxosMsg::Accepted { ballot, value });
    }
}

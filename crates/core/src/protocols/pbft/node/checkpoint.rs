//! Checkpoints: a digest of the state every [`super::CHECKPOINT_EVERY`] executions, stable with
//! 2f + 1 matching (the low-water mark moves and the logs behind it go), and the state
//! itself for a replica that fell behind a stable checkpoint, taken from f + 1.

use super::{PCtx, PbftMsg, PbftNode, PbftNote, PbftWrite, Snapshot};
use crate::ids::NodeId;

impl PbftNode {
    pub(super) fn snapshot(&self) -> Snapshot {
        Snapshot {
            kv: self.kv.clone(),
            results: self.results.clone(),
        }
    }

    /// Having executed a multiple of [`CHECKPOINT_EVERY`]: tell the others the state's
    /// digest, and keep the state until the checkpoint is stable.
    pub(super) fn take_checkpoint(&mut self, ctx: &mut PCtx) {
        let seq = self.executed;
        let snapshot = self.snapshot();
        let digest = snapshot.digest();
        self.own_checkpoints.insert(seq, (digest, snapshot));
        self.broadcast(ctx, PbftMsg::Checkpoint { seq, digest });
        self.on_checkpoint(ctx, self.id, seq, digest);
    }

    pub(super) fn on_checkpoint(&mut self, ctx: &mut PCtx, from: NodeId, seq: u64, digest: u64) {
        if seq <= self.stable {
            return;
        }
        self.checkpoints
            .entry(seq)
            .or_default()
            .insert(from, digest);
        let Some(&(mine, _)) = self.own_checkpoints.get(&seq) else {
            self.try_state(ctx, seq, digest);
            return;
        };
        if self.vouching(seq, mine) > 2 * self.f() {
            let (_, snapshot) = self.own_checkpoints.remove(&seq).unwrap_or_default();
            ctx.note(PbftNote::Stable { seq });
            self.make_stable(ctx, seq, mine, snapshot);
            self.order_heard(ctx);
        }
    }

    /// The checkpoint at `seq` is stable: the low-water mark moves to it, and everything
    /// kept for the sequence numbers up to it goes (here and on disk).
    pub(super) fn make_stable(
        &mut self,
        ctx: &mut PCtx,
        seq: u64,
        digest: u64,
        snapshot: Snapshot,
    ) {
        let keep = seq + 1;
        self.stable = seq;
        self.stable_digest = digest;
        self.stable_state = snapshot.clone();
        ctx.persist(PbftWrite::Stable { seq, snapshot });
        self.accepted = self.accepted.split_off(&keep);
        self.prepares = self.prepares.split_off(&keep);
        self.commits = self.commits.split_off(&keep);
        self.certs = self.certs.split_off(&keep);
        self.claims = self.claims.split_off(&keep);
        self.committed = self.committed.split_off(&keep);
        self.prepared = self.prepared.split_off(&keep);
        self.checkpoints = self.checkpoints.split_off(&keep);
        self.own_checkpoints = self.own_checkpoints.split_off(&keep);
        self.offers = self.offers.split_off(&(keep, 0));
        self.ordered.retain(|_, s| *s > seq);
    }

    /// How many replicas said their state at `seq` has `digest`.
    pub(super) fn vouching(&self, seq: u64, digest: u64) -> usize {
        self.checkpoints
            .get(&seq)
            .map_or(0, |m| m.values().filter(|d| **d == digest).count())
    }

    /// A replica behind another's stable checkpoint is sent the state there (which counts
    /// as the sender's checkpoint message); it takes it once f + 1 replicas vouch for that
    /// state, one of them honest.
    pub(super) fn on_state(&mut self, ctx: &mut PCtx, from: NodeId, seq: u64, snapshot: Snapshot) {
        if seq <= self.executed || seq <= self.stable {
            return;
        }
        let digest = snapshot.digest();
        self.offers.entry((seq, digest)).or_insert(snapshot);
        self.on_checkpoint(ctx, from, seq, digest);
    }

    pub(super) fn try_state(&mut self, ctx: &mut PCtx, seq: u64, digest: u64) {
        let vouching = self.vouching(seq, digest);
        if seq <= self.executed || vouching <= self.f() {
            return;
        }
        let Some(snapshot) = self.offers.remove(&(seq, digest)) else {
            return;
        };
        ctx.note(PbftNote::TakesState {
            seq,
            from: vouching,
        });
        self.kv = snapshot.kv.clone();
        self.results = snapshot.results.clone();
        self.executed = seq;
        self.stalled = 0;
        self.attempts = 0;
        let kv = &self.kv;
        self.heard.retain(|r, _| !kv.has_applied(*r));
        self.make_stable(ctx, seq, digest, snapshot);
        self.execute(ctx);
    }
}

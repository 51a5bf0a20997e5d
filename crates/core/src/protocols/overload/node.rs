//! One node: the server (n0) or a client machine running sessions.

mod client;
mod server;

pub use client::{Client, Outcome, Session};
pub use server::{Job, Server};

use super::msg::{OvDisk, OvMsg, OvNote, OvTimer};
use super::OvConfig;
use crate::check::{EndProperty, Invariant};
use crate::ids::NodeId;
use crate::protocol::{Ctx, NodeStatus, Protocol};

#[derive(Clone, Debug)]
pub struct OvNode {
    id: NodeId,
    config: OvConfig,
    /// Its clock at its latest input.
    now: i64,
    server: Option<Server>,
    client: Option<Client>,
}

pub(super) type OCtx<'a> = Ctx<'a, OvNode>;

/// The server is n0.
pub const SERVER: NodeId = NodeId(0);

impl OvNode {
    pub fn config(&self) -> &OvConfig {
        &self.config
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    /// Its clock at its latest input.
    pub fn now(&self) -> i64 {
        self.now
    }

    pub fn server(&self) -> Option<&Server> {
        self.server.as_ref()
    }

    pub fn client(&self) -> Option<&Client> {
        self.client.as_ref()
    }
}

impl Protocol for OvNode {
    type Msg = OvMsg;
    type Timer = OvTimer;
    type Disk = OvDisk;
    type Config = OvConfig;
    type Note = OvNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    /// What must be up for the service to answer: the one server, n0.
    fn needs(_config: &Self::Config, _nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::These(vec![crate::ids::NodeId(0)])
    }

    fn boot(id: NodeId, _nodes: usize, config: &OvConfig, _disk: &OvDisk) -> Self {
        OvNode {
            id,
            config: config.clone(),
            now: 0,
            server: (id == SERVER).then(Server::default),
            client: (id != SERVER).then(|| Client::new(config.sessions)),
        }
    }

    fn on_start(&mut self, ctx: &mut OCtx) {
        self.now = ctx.monotonic_clock();
        if let Some(client) = &mut self.client {
            client.start(ctx, &self.config, self.now);
        }
    }

    fn on_recover(&mut self, ctx: &mut OCtx) {
        self.on_start(ctx);
    }

    fn on_message(&mut self, ctx: &mut OCtx, from: NodeId, msg: OvMsg) {
        self.now = ctx.monotonic_clock();
        let now = self.now;
        match (msg, &mut self.server, &mut self.client) {
            (
                OvMsg::Request {
                    session,
                    request,
                    attempt,
                },
                Some(server),
                _,
            ) => server.arrive(
                ctx,
                &self.config,
                Job {
                    from,
                    session,
                    request,
                    attempt,
                    arrived: now,
                },
            ),
            (
                OvMsg::Done {
                    session, request, ..
                },
                _,
                Some(client),
            ) if from == SERVER => client.on_answer(ctx, &self.config, now, session, request),
            (
                OvMsg::Busy {
                    session,
                    request,
                    attempt,
                },
                _,
                Some(client),
            ) if from == SERVER => {
                client.refused(ctx, &self.config, now, session, request, attempt)
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut OCtx, timer: OvTimer) {
        self.now = ctx.monotonic_clock();
        let now = self.now;
        match (timer, &mut self.server, &mut self.client) {
            (OvTimer::Served, Some(server), _) => server.finish(ctx, &self.config, now),
            (OvTimer::Session(i), _, Some(client)) => client.wake(ctx, &self.config, now, i),
            _ => {}
        }
    }

    fn timer_text(timer: &OvTimer) -> String {
        match timer {
            OvTimer::Served => "the request being served is done".into(),
            OvTimer::Session(i) => format!("session {i}'s wait is over"),
        }
    }

    fn status(&self) -> NodeStatus {
        let role = match &self.server {
            Some(s) if s.queue().len() >= self.config.queue => super::roles::SATURATED,
            Some(_) => super::roles::SERVER,
            None => super::roles::CLIENT,
        };
        NodeStatus::role(role)
    }

    fn invariants(_config: &OvConfig, _nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        Vec::new()
    }

    fn end_properties(_config: &OvConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end()
    }

    fn meter(_config: &OvConfig, _nodes: usize) -> Option<Box<dyn crate::check::Meter<Self>>> {
        Some(Box::new(super::meter::Load::default()))
    }
}

//! One node: the broker (n0), the database (n1) or a consumer.

mod broker;
mod consumer;
mod database;

pub use broker::Broker;
pub use consumer::{Consumer, Doing};
pub use database::Database;

use super::msg::{QDisk, QMsg, QNote, QTimer};
use super::{QConfig, BROKER, DATABASE};
use crate::check::{EndProperty, Invariant};
use crate::ids::NodeId;
use crate::protocol::{Ctx, NodeStatus, Protocol};

#[derive(Clone, Debug)]
pub struct QNode {
    id: NodeId,
    config: QConfig,
    broker: Option<Broker>,
    database: Option<Database>,
    consumer: Option<Consumer>,
}

pub(super) type QCtx<'a> = Ctx<'a, QNode>;

impl QNode {
    pub fn config(&self) -> &QConfig {
        &self.config
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn broker(&self) -> Option<&Broker> {
        self.broker.as_ref()
    }

    pub fn database(&self) -> Option<&Database> {
        self.database.as_ref()
    }

    pub fn consumer(&self) -> Option<&Consumer> {
        self.consumer.as_ref()
    }

    fn start(&mut self, ctx: &mut QCtx) {
        if let Some(broker) = &mut self.broker {
            broker.start(ctx, &self.config);
        }
        if let Some(consumer) = &mut self.consumer {
            consumer.start(ctx);
        }
    }
}

impl Protocol for QNode {
    type Msg = QMsg;
    type Timer = QTimer;
    type Disk = QDisk;
    type Config = QConfig;
    type Note = QNote;
    const ROLES: &'static [crate::protocol::RoleDesc] = super::roles::ALL;

    /// What must be up for the service to answer: the broker (n0) and the database (n1).
    fn needs(_config: &Self::Config, _nodes: usize) -> crate::availability::Needs {
        crate::availability::Needs::These(vec![crate::ids::NodeId(0), crate::ids::NodeId(1)])
    }

    fn boot(id: NodeId, nodes: usize, config: &QConfig, disk: &QDisk) -> Self {
        QNode {
            id,
            config: config.clone(),
            broker: (id == BROKER).then(|| Broker::boot(disk, QConfig::consumers(nodes))),
            database: (id == DATABASE).then(|| Database::boot(disk)),
            consumer: (id != BROKER && id != DATABASE).then(|| Consumer::boot(disk)),
        }
    }

    fn on_start(&mut self, ctx: &mut QCtx) {
        self.start(ctx);
    }

    fn on_recover(&mut self, ctx: &mut QCtx) {
        self.start(ctx);
    }

    fn on_message(&mut self, ctx: &mut QCtx, from: NodeId, msg: QMsg) {
        let config = &self.config;
        if let Some(b) = &mut self.broker {
            b.tick(ctx);
        }
        let from_consumer = from != BROKER && from != DATABASE;
        match (
            msg,
            &mut self.broker,
            &mut self.database,
            &mut self.consumer,
        ) {
            (QMsg::Ready, Some(b), _, _) if from_consumer => b.ready(ctx, config, from),
            (QMsg::Ack { number, ready }, Some(b), _, _) if from_consumer => {
                b.ack(ctx, config, from, number, ready)
            }
            (QMsg::Release { number }, Some(b), _, _) if from_consumer => {
                b.release(ctx, config, from, number)
            }
            (QMsg::Write { number, keyed }, _, Some(d), _) if from_consumer => {
                d.write(ctx, from, number, keyed)
            }
            (QMsg::Deliver { number, count }, _, _, Some(c)) if from == BROKER => {
                c.deliver(ctx, config, number, count)
            }
            (QMsg::Written { number }, _, _, Some(c)) if from == DATABASE => {
                c.written(ctx, config, number)
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut QCtx, timer: QTimer) {
        let config = &self.config;
        if let Some(b) = &mut self.broker {
            b.tick(ctx);
        }
        match (timer, &mut self.broker, &mut self.consumer) {
            (QTimer::Produce, Some(b), _) => b.produce(ctx, config),
            (QTimer::Visible(n), Some(b), _) => b.timed_out(ctx, config, n),
            (QTimer::Back(n), Some(b), _) => b.back(ctx, config, n),
            (QTimer::Work, _, Some(c)) => c.worked(ctx, config),
            (QTimer::Again, _, Some(c)) => c.again(ctx, config),
            (QTimer::Restart, _, Some(c)) => c.restarted(ctx),
            _ => {}
        }
    }

    fn timer_text(timer: &QTimer) -> String {
        match timer {
            QTimer::Produce => "the producer makes its next message".into(),
            QTimer::Visible(n) => format!("message {n}'s visibility timeout"),
            QTimer::Back(n) => format!("message {n}'s wait in the retry queue is over"),
            QTimer::Work => "the work on its message is done".into(),
            QTimer::Again => "time to ask again".into(),
            QTimer::Restart => "it is running again after its crash".into(),
        }
    }

    fn status(&self) -> NodeStatus {
        let role = match (&self.broker, &self.database, &self.consumer) {
            (Some(_), _, _) => super::roles::BROKER,
            (_, Some(_), _) => super::roles::DATABASE,
            (_, _, Some(c)) => match c.doing() {
                Doing::Crashed => super::roles::CRASHED,
                Doing::Stopped => super::roles::STOPPED,
                _ => super::roles::CONSUMER,
            },
            _ => super::roles::CONSUMER,
        };
        NodeStatus::role(role)
    }

    fn invariants(config: &QConfig, _nodes: usize) -> Vec<Box<dyn Invariant<Self>>> {
        super::checkers::safety(config)
    }

    fn end_properties(config: &QConfig, _nodes: usize) -> Vec<Box<dyn EndProperty<Self>>> {
        super::checkers::at_end(config)
    }

    fn meter(_config: &QConfig, _nodes: usize) -> Option<Box<dyn crate::check::Meter<Self>>> {
        Some(Box::new(super::meter::Flow::default()))
    }
}

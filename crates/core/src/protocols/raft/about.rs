//! What Raft says about itself to the registry: settings, bugs, roles and the properties its
//! checkers promise.

use super::{Command, RaftBug, RaftConfig, RaftMsg, RaftNode, RaftTimer};
use crate::about::{
    About, Described, Env, Look, Scene, SettingDesc, SettingKind, Values, KV_OPERATIONS, SILENT,
};
use crate::about::{Duration, Setting};
use crate::action::Action;
use crate::card::{store_text, Card, Row};
use crate::client::{Key, Value};
use crate::describe;
use crate::ids::MAX_NODES;
use crate::protocol::Protocol;
use crate::time::Micros;
use crate::time::{MICROS_PER_MS, MICROS_PER_SEC};
use crate::trace::EventKind;

const ELECTION: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "election",
    label: "election timeout",
    kind: SettingKind::Duration {
        min_us: 10 * MICROS_PER_MS,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("150ms"),
    help: "the shortest election timeout; each timeout is drawn between it and twice it (raised to outlast three round trips on slow links); the leader's heartbeats come at most a third of it apart",
});

const ABOUT: About = About {
    name: "raft",
    title: "Raft (consensus)",
    summary:
        "one leader per term replicates a log of client commands to a majority; the CP reference",
    nodes: (1, MAX_NODES, 5),
    settings: &[ELECTION.desc],
    bugs: RaftBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: KV_OPERATIONS,
    properties: &[
        super::checkers::ElectionSafety::PROPERTY,
        super::checkers::LeaderAppendOnly::PROPERTY,
        super::checkers::LogMatching::PROPERTY,
        super::checkers::LeaderCompleteness::PROPERTY,
        super::checkers::StateMachineSafety::PROPERTY,
        super::checkers::EveryLiveNodeCatchesUp::PROPERTY,
    ],
    measures: &[],
    trigger: None,
    look: Look {
        called: "Raft",
        holds: "All Raft safety properties hold so far",
        legend: [
            "vote request / vote",
            "append entries / heartbeat",
            "append reply",
            "forwarded request",
        ],
        era: Some(("T", "term")),
        mark: None,
        cut: None,
    },
};

impl Described for RaftNode {
    fn colour_of(msg: &RaftMsg) -> u8 {
        match msg {
            RaftMsg::RequestVote { .. } | RaftMsg::Vote { .. } => 0,
            RaftMsg::AppendEntries { .. } => 1,
            RaftMsg::AppendReply { .. } => 2,
            RaftMsg::Forward { .. } => 3,
        }
    }

    fn countdown(timer: &RaftTimer, config: &RaftConfig) -> Option<Micros> {
        (*timer == RaftTimer::Election).then_some(config.election_timeout_max_us)
    }

    fn narrate(e: &EventKind, scene: &dyn Scene<RaftNode>) -> Option<String> {
        match e {
            EventKind::Fault {
                action: Action::Partition { groups },
            } => {
                let cut_off = scene.leaders_cut_off(groups);
                let leader = cut_off.first()?;
                Some(format!(
                    "{}: {leader} is cut off from the majority. It still thinks it leads, but nothing it is asked can commit without a majority; the other side will elect a new leader",
                    describe::action(&Action::Partition { groups: groups.clone() })
                ))
            }
            EventKind::RoleChange { node, role, term } if *role == super::roles::CANDIDATE => Some(format!(
                "{node} heard from no leader before its election timer ran out: it stands for term {term} and asks the others for their votes"
            )),
            EventKind::RoleChange { node, role, term } if *role == super::roles::LEADER => Some(format!(
                "{node} has the votes of a majority: it leads term {term} and sends heartbeats so that nobody else stands"
            )),
            // A leader (or one that led before a restart) learning of a newer term.
            EventKind::RoleChange { node, role, term } if *role == super::roles::FOLLOWER => {
                let earlier = scene.roles_before(*node, 4);
                let led = earlier
                    .iter()
                    .take_while(|(_, t)| t < term)
                    .find(|(r, _)| *r == super::roles::LEADER)?
                    .1;
                earlier
                    .iter()
                    .take_while(|(r, _)| *r != super::roles::LEADER)
                    .all(|(_, t)| *t == led)
                    .then(|| format!(
                        "{node}, which led term {led}, hears of term {term}: the newer term wins, so it steps down and follows"
                    ))
            }
            _ => None,
        }
    }

    fn local_value(&self, key: Key) -> Option<Value> {
        self.kv().data().get(&key).copied()
    }

    const ABOUT: &'static About = &ABOUT;

    fn card(&self) -> Card {
        let log = self.log();
        let first = log.last_index().saturating_sub(11).max(1);
        let rows = (first..=log.last_index())
            .rev()
            .filter_map(|i| {
                let e = log.get(i)?;
                let committed = i <= self.commit_index();
                let cmd = match &e.cmd {
                    Command::Noop => "no-op".into(),
                    Command::Client { op, req, .. } => format!("{} ({req})", describe::op(op)),
                };
                Some(
                    Row::new(vec![
                        i.to_string(),
                        e.term.to_string(),
                        cmd,
                        if committed { "✓" } else { "" }.into(),
                    ])
                    .marked(committed.then_some("committed")),
                )
            })
            .collect();
        let role = Self::ROLES
            .iter()
            .find(|r| r.code == self.role().0)
            .map_or("", |r| r.label);
        let mut card = Card::default()
            .fact("role", role)
            .fact("term", self.term())
            .fact(
                "voted for",
                self.voted_for().map_or("nobody".into(), |v| v.to_string()),
            )
            .fact("commit index", self.commit_index())
            .fact("store", store_text(self.kv().data().iter()));
        if let Some((f, had, holds)) = self.shrunk_followers().last() {
            card = card.fact(
                "a follower lost its log",
                format!("{f} held {holds} entries after acknowledging {had} (its disk was wiped); this leader sends it the log again"),
            );
        }
        card.table(
            format!("log ({} entries, newest first)", log.last_index()),
            &["index", "term", "command", "committed"],
            rows,
        )
    }

    fn configure(values: &Values<'_>, env: &Env) -> Result<RaftConfig, String> {
        let mut config = RaftConfig {
            bugs: values.bugs(RaftBug::parse),
            ..RaftConfig::default()
        };
        let min = values.get(&ELECTION).max(3 * env.round_trip_us);
        config.election_timeout_min_us = min;
        config.election_timeout_max_us = 2 * min;
        // Heartbeats stay well inside the shortest timeout, however short it is set.
        config.heartbeat_us = config.heartbeat_us.min(min / 3);
        config.validate()?;
        Ok(config)
    }
}

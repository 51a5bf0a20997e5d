//! What Paxos says about itself to the registry.

use super::{accepted_text, Phase};
use super::{PaxosBug, PaxosConfig, PaxosMsg, PaxosNode, PaxosTimer, RetryWait};
use crate::about::{About, Choice, Described, Env, Look, SettingDesc, SettingKind, Values, SILENT};
use crate::about::{Duration, Number, Pick, Setting};
use crate::card::Card;
use crate::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

const PROPOSERS: Setting<Number> = Setting::<Number>::new(SettingDesc {
    name: "proposers",
    label: "proposers",
    kind: SettingKind::Number { min: 1, max: 9 },
    default: Some("2"),
    help: "how many nodes propose (n0, n1, ...), each its own value; every node accepts and learns",
});

const BACKOFF: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "backoff",
    label: "retry after",
    kind: SettingKind::Duration {
        min_us: MICROS_PER_MS,
        max_us: 60 * MICROS_PER_SEC,
    },
    default: Some("100ms"),
    help: "the shortest wait before a proposer tries a higher ballot; each wait is drawn between it and twice it (raised to outlast three round trips on slow links)",
});

const WAIT: Setting<Pick> = Setting::<Pick>::new(SettingDesc {
    name: "wait",
    label: "after being overtaken",
    kind: SettingKind::Choice { choices: &[
        Choice { value: "random", meaning: "wait a random while between the backoff and twice it, so two duelling proposers soon fall out of step", also: &[] },
        Choice { value: "fixed", meaning: "wait exactly the backoff", also: &[] },
        Choice { value: "at-once", meaning: "prepare a higher ballot at once: two proposers can overtake each other for ever (a livelock)", also: &[] },
    ] },
    default: Some("random"),
    help: "what a proposer does when a higher ballot overtakes its own",
});

const STAGGER: Setting<Duration> = Setting::<Duration>::new(SettingDesc {
    name: "stagger",
    label: "start apart",
    kind: SettingKind::Duration {
        min_us: 0,
        max_us: 10 * MICROS_PER_SEC,
    },
    default: Some("0ms"),
    help: "each proposer starts this long after the one before it (n1 after n0, n2 after n1); a little over a round trip lets a later, higher ballot cut in between an earlier one's promises and its accepts",
});

const ABOUT: About = About {
    name: "paxos",
    title: "Paxos (single-decree consensus)",
    summary: "proposers ask a majority of acceptors to promise a ballot, then to accept a value; once a majority accepts one value in one ballot it is chosen, for good",
    nodes: (3, 9, 5),
    settings: &[PROPOSERS.desc, BACKOFF.desc, WAIT.desc, STAGGER.desc],
    bugs: PaxosBug::TABLE,
    behaviours: &[SILENT],
    roles: super::roles::ALL,
    operations: &[],
    properties: &[
        super::checkers::OnlyOneValueChosen::PROPERTY,
        super::checkers::LearnedWasProposed::PROPERTY,
        super::checkers::LearnersAgree::PROPERTY,
        super::checkers::EveryNodeLearns::PROPERTY,
    ],
    measures: &[],
    trigger: None,
    look: Look {
        called: "Paxos",
        holds: "At most one value has been chosen so far, and every node that learned a value learned that one",
        legend: [
            "prepare and promise (phase 1)",
            "accept and accepted (phase 2)",
            "a refusal: a higher ballot was promised",
            "asking for the chosen value, and the answer",
        ],
        era: Some(("b", "ballot round")),
        mark: None,
        cut: None,
    },
};

impl Described for PaxosNode {
    const ABOUT: &'static About = &ABOUT;

    fn colour_of(msg: &PaxosMsg) -> u8 {
        match msg {
            PaxosMsg::Prepare { .. } | PaxosMsg::Promise { .. } => 0,
            PaxosMsg::Accept { .. } | PaxosMsg::Accepted { .. } => 1,
            PaxosMsg::Nack { .. } => 2,
            PaxosMsg::Ask | PaxosMsg::Decided { .. } => 3,
        }
    }

    fn countdown(timer: &PaxosTimer, config: &PaxosConfig) -> Option<Micros> {
        (*timer == PaxosTimer::Retry).then_some(2 * config.retry_us)
    }

    fn card(&self) -> Card {
        let role = match (self.is_proposer(), self.learned().is_some()) {
            (true, false) => "proposer, acceptor and learner",
            (true, true) => "proposer (done), acceptor and learner",
            (false, _) => "acceptor and learner",
        };
        let mut card = Card::default()
            .fact("role", role)
            .fact(
                "promised",
                match self.promised() {
                    Some(b) => format!("ballot {b}: it accepts nothing lower"),
                    None => "nothing yet".into(),
                },
            )
            .fact("accepted", accepted_text(self.accepted()))
            .fact(
                "learned",
                match self.learned() {
                    Some(v) => format!("{v} ({})", self.learned_how()),
                    None => "nothing yet".into(),
                },
            );
        if self.is_proposer() {
            let me = self.id_number();
            let (ballot, phase) = match self.phase() {
                Phase::Preparing { ballot, promises } => (
                    ballot.to_string(),
                    format!(
                        "phase 1: {} of the promises it needs",
                        promises.len().min(self.majority_size())
                    ),
                ),
                Phase::Proposing { ballot, value } => (
                    ballot.to_string(),
                    format!("phase 2: asks the acceptors to accept {value}"),
                ),
                Phase::Idle if self.learned().is_some() => {
                    (self.ballot_text(), "done: it knows the chosen value".into())
                }
                Phase::Idle => (self.ballot_text(), "waiting to try a higher ballot".into()),
            };
            card = card
                .fact("own value", format!("v{me}"))
                .fact("ballot", ballot)
                .fact("phase", phase);
        }
        card
    }

    fn configure(values: &Values<'_>, env: &Env) -> Result<PaxosConfig, String> {
        let proposers = values.get(&PROPOSERS) as u32;
        if proposers as usize > env.nodes {
            return Err(format!(
                "{proposers} proposers need at least {proposers} nodes, not {}",
                env.nodes
            ));
        }
        let retry = values.get(&BACKOFF);
        Ok(PaxosConfig {
            proposers,
            // A retry sooner than a round trip would preempt every ballot it starts.
            retry_us: retry.max(3 * env.round_trip_us),
            retry: match values.get(&WAIT) {
                "fixed" => RetryWait::Fixed,
                "at-once" => RetryWait::AtOnce,
                _ => RetryWait::Random,
            },
            stagger_us: values.get(&STAGGER),
            bugs: values.bugs(PaxosBug::parse),
        })
    }

    fn remark(values: &Values<'_>, env: &Env) -> Option<String> {
        let proposers = values.get(&PROPOSERS);
        let majority = env.nodes / 2 + 1;
        Some(format!(
            "{proposers} of {} nodes propose; a ballot needs promises, and a value acceptances, from {majority} acceptors, so any two majorities share a node",
            env.nodes
        ))
    }
}

//! Claims: what a lesson's step says its run shows, as a predicate over the run that can
//! be checked headlessly. Each claim is one line in a small vocabulary:
//!
//! | claim | holds when |
//! |---|---|
//! | `safety holds` | no safety property was broken |
//! | `safety broken NAME` | the safety property `NAME` was broken (any, if `NAME` is `any`) |
//! | `end holds` | every property checked at the end holds (on a settled copy) |
//! | `end broken NAME` | the end property `NAME` does not hold (any, if `any`) |
//! | `linearizable` / `not linearizable` | the verdict on the clients' history |
//! | `stale reads at least K` | at least K reads returned an overwritten value |
//! | `leaders at once at least K` | at some event, K nodes that are up held a role that leads |
//! | `note TEXT` | some node wrote a note containing TEXT (`note gives up on call`) |
//! | `event TEXT` | some event, in words, contains TEXT (`event crashed and lost its disk`) |

use crate::check::Violation;
use crate::checkers::linearizability;
use crate::sim::Sim;
use crate::time::Micros;
use crate::view::SeenKind;

/// A checkable claim about a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    SafetyHolds,
    SafetyBroken(Option<String>),
    EndHolds,
    EndBroken(Option<String>),
    Linearizable(bool),
    StaleReadsAtLeast(u64),
    LeadersAtOnceAtLeast(usize),
    Note(String),
    Event(String),
}

/// What a claim found in a run: whether it holds, and the moment that shows it (the time
/// of the event, where there is one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub holds: bool,
    pub at_us: Option<Micros>,
    /// The finding in words (`safety property "election safety" broken at 2.3 s: ...`).
    pub says: String,
}

impl Claim {
    /// Reads one claim line; the error lists the vocabulary.
    pub fn parse(text: &str) -> Result<Claim, String> {
        let t = text.trim();
        let name = |rest: &str| {
            let rest = rest.trim().trim_matches('"');
            (rest != "any" && !rest.is_empty()).then(|| rest.to_string())
        };
        let count = |rest: &str| {
            rest.trim()
                .parse::<u64>()
                .map_err(|_| format!("{t:?}: expected a whole number after \"at least\""))
        };
        Ok(if t == "safety holds" {
            Claim::SafetyHolds
        } else if let Some(rest) = t.strip_prefix("safety broken") {
            Claim::SafetyBroken(name(rest))
        } else if t == "end holds" {
            Claim::EndHolds
        } else if let Some(rest) = t.strip_prefix("end broken") {
            Claim::EndBroken(name(rest))
        } else if t == "linearizable" {
            Claim::Linearizable(true)
        } else if t == "not linearizable" {
            Claim::Linearizable(false)
        } else if let Some(rest) = t.strip_prefix("stale reads at least") {
            Claim::StaleReadsAtLeast(count(rest)?)
        } else if let Some(rest) = t.strip_prefix("leaders at once at least") {
            Claim::LeadersAtOnceAtLeast(count(rest)? as usize)
        } else if let Some(rest) = t.strip_prefix("note ") {
            Claim::Note(rest.trim().trim_matches('"').to_string())
        } else if let Some(rest) = t.strip_prefix("event ") {
            Claim::Event(rest.trim().trim_matches('"').to_string())
        } else {
            return Err(format!(
                "unknown claim {t:?}; a claim is one of: safety holds, safety broken NAME, end holds, end broken NAME, linearizable, not linearizable, stale reads at least K, leaders at once at least K, note TEXT, event TEXT"
            ));
        })
    }

    /// Whether the claim holds in `sim`, a run that has reached its moment (it must record
    /// its trace).
    pub fn check(&self, sim: &dyn Sim) -> Finding {
        let broken = |v: &[Violation], name: &Option<String>| {
            v.iter()
                .find(|v| name.as_ref().is_none_or(|n| &v.invariant == n))
                .cloned()
        };
        let finding =
            |holds: bool, at_us: Option<Micros>, says: String| Finding { holds, at_us, says };
        match self {
            Claim::SafetyHolds => match sim.violations().first() {
                None => finding(true, None, "every safety property held".into()),
                Some(v) => finding(false, Some(v.time_us), broken_text(v)),
            },
            Claim::SafetyBroken(name) => match broken(sim.violations(), name) {
                Some(v) => finding(true, Some(v.time_us), broken_text(&v)),
                None => finding(false, None, "no such safety property was broken".into()),
            },
            Claim::EndHolds | Claim::EndBroken(_) => {
                let ends = sim.box_clone().check_end(crate::run::SETTLE_US);
                match self {
                    Claim::EndHolds => match ends.first() {
                        None => finding(true, None, "every end property held".into()),
                        Some(v) => finding(false, None, broken_text(v)),
                    },
                    Claim::EndBroken(name) => match broken(&ends, name) {
                        Some(v) => finding(true, None, broken_text(&v)),
                        None => finding(false, None, "every such end property held".into()),
                    },
                    _ => unreachable!("matched above"),
                }
            }
            Claim::Linearizable(want) => {
                let report = linearizability::check(sim.clients());
                let is = report.is_linearizable();
                let says = if is {
                    "the clients' history is linearizable".to_string()
                } else {
                    format!(
                        "the clients' history is not linearizable ({} operations prove it)",
                        report.witness.len()
                    )
                };
                finding(is == *want, None, says)
            }
            Claim::StaleReadsAtLeast(k) => {
                let stale = crate::cap::stale_reads(sim.clients());
                let n = stale.iter().filter(|s| **s).count() as u64;
                let first = sim
                    .clients()
                    .iter()
                    .zip(&stale)
                    .find(|(_, s)| **s)
                    .and_then(|(r, _)| r.completed_at);
                finding(n >= *k, first, format!("{n} stale reads"))
            }
            Claim::LeadersAtOnceAtLeast(k) => {
                let (most, at) = sim.most_leaders();
                let says = match most {
                    0 => "no node has led yet".to_string(),
                    1 => "one node led at a time".to_string(),
                    n => format!("{n} nodes led at once"),
                };
                finding(most >= *k, at.filter(|_| most >= *k), says)
            }
            Claim::Note(text) | Claim::Event(text) => {
                let is_note = matches!(self, Claim::Note(_));
                let found = sim.events_from(0).find_map(|(i, e)| {
                    if is_note && !matches!(e.kind, SeenKind::Note { .. }) {
                        return None;
                    }
                    let words = sim.event_text(i)?;
                    words.contains(text.as_str()).then_some((e.time, words))
                });
                match found {
                    Some((at, words)) => finding(true, Some(at), words),
                    None => finding(false, None, format!("nothing said {text:?}")),
                }
            }
        }
    }

    /// The claim in words, for a reader (`the end property "the generals decide alike" does
    /// not hold`).
    pub fn describe(&self) -> String {
        let named = |kind: &str, name: &Option<String>, verb: &str| match name {
            Some(n) => format!("the {kind} property \u{201c}{n}\u{201d} {verb}"),
            None => format!("a {kind} property {verb}"),
        };
        match self {
            Claim::SafetyHolds => "every safety property holds throughout".into(),
            Claim::SafetyBroken(name) => named("safety", name, "is broken"),
            Claim::EndHolds => "every property checked at the end holds".into(),
            Claim::EndBroken(name) => named("end", name, "does not hold"),
            Claim::Linearizable(true) => "the clients\u{2019} history is linearizable".into(),
            Claim::Linearizable(false) => "the clients\u{2019} history is not linearizable".into(),
            Claim::StaleReadsAtLeast(1) => "a read returns an overwritten value".into(),
            Claim::StaleReadsAtLeast(k) => format!("{k} reads return an overwritten value"),
            Claim::LeadersAtOnceAtLeast(k) => format!("{k} nodes lead at the same time"),
            Claim::Note(text) => format!("a node notes \u{201c}{text}\u{201d}"),
            Claim::Event(text) => format!("the log shows \u{201c}{text}\u{201d}"),
        }
    }

    /// Whether the claim speaks of the whole run, so it can be judged only when the run
    /// has reached its moment: that nothing went wrong, or what the end properties say.
    /// The others are shown as soon as the run shows them.
    pub fn judged_at_end(&self) -> bool {
        matches!(
            self,
            Claim::SafetyHolds | Claim::EndHolds | Claim::EndBroken(_) | Claim::Linearizable(true)
        )
    }
}

fn broken_text(v: &Violation) -> String {
    format!(
        "\"{}\" broken at {}: {}",
        v.invariant,
        crate::time::Pretty(v.time_us),
        v.message
    )
}

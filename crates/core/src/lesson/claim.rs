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
//! | `acknowledged writes lost at least K` | at least K writes the clients were told had happened are gone, although nothing that began after them replaced them (judged on a copy of the run at its moment: later actions dropped, clients stopped, 5 s to settle) |
//! | `siblings at least K` | at the moment, some node holds K or more concurrent values of one key |
//! | `replicas agree` / `replicas disagree` | once what is in flight at the moment has landed (on a copy: later actions dropped, clients stopped, 5 s to settle), the nodes holding each key the clients used hold the same values (or, for some key, do not) |
//! | `retries within DURATION at least K` (or `at most K`) | the most client retries in any stretch of DURATION (`100ms`) is at least (at most) K: a retry storm, or its absence |
//! | `availability on NODES during FROM-TO at least P%` (or `at most P%`) | of the operations invoked at NODES (`0-1`) from FROM to TO (`2s-8s`), that share got a definite answer other than "unavailable" |
//! | `search finds NAME within N runs of T` (`any` for any property) / `search finds nothing in N runs of T` | the page's "Can this break?" on the step's set-up (without the step's actions): N fuzz runs of T (`5s`) each from the set-up's seed break the promised property NAME (the first that breaks one breaks NAME), or none breaks any; judged on the set-up, not on the run on screen |
//! | `measure NAME at least V` (or `at most V`) | the protocol's measure NAME (`detection time`) reads at least (at most) V at the moment: a duration (`400ms`), a count, or a rate per minute (`2.5`) as the measure's unit has it |

use crate::check::Violation;
use crate::checkers::linearizability;
use crate::client::Key;
use crate::ids::NodeId;
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
    AcknowledgedWritesLostAtLeast(u64),
    SiblingsAtLeast(usize),
    ReplicasAgree(bool),
    /// The most client retries within any window of `window_us`: at least (or at most)
    /// `count`.
    RetriesWithin {
        window_us: Micros,
        at_least: bool,
        count: u64,
    },
    /// A measure of the protocol's meter (see `crate::check::Meter`) against a bound, kept
    /// as written until the run says the measure's unit.
    Measure {
        name: String,
        at_least: bool,
        bound: String,
    },
    Availability {
        nodes: Vec<NodeId>,
        from_us: Micros,
        to_us: Micros,
        /// `at least` (true) or `at most` (false).
        at_least: bool,
        percent: u64,
    },
    /// The share of the run so far during which the service could answer (its needed
    /// nodes up: see `crate::availability`), against a bound in thousandths of a percent.
    Uptime {
        at_least: bool,
        milli_percent: u64,
    },
    /// The share of the run's finished client operations that succeeded, likewise.
    Answered {
        at_least: bool,
        milli_percent: u64,
    },
    /// The measured uptime is within this many thousandths of a percentage point of what
    /// the random failures' rates predict.
    UptimeNearFormula {
        milli_points: u64,
    },
    /// A search of the set-up (see `crate::fuzz::FuzzSpec::search`): its first broken run
    /// breaks `property` (any, if `None`); or, with `finds` false, no run breaks anything
    /// promised.
    Search {
        finds: bool,
        property: Option<String>,
        runs: u64,
        until_us: Micros,
    },
}

/// `search finds NAME within N runs of T` or `search finds nothing in N runs of T` (after
/// `search finds `).
fn search(t: &str, rest: &str) -> Result<Claim, String> {
    let bad = || {
        format!("{t:?}: expected search finds NAME within N runs of T, or search finds nothing in N runs of T (T as 5s)")
    };
    let (finds, property, tail) = if let Some(tail) = rest.strip_prefix("nothing in ") {
        (false, None, tail)
    } else {
        let (name, tail) = rest.split_once(" within ").ok_or_else(bad)?;
        let name = name.trim().trim_matches('"');
        let property = (name != "any").then(|| name.to_string());
        (true, property, tail)
    };
    let (runs, length) = tail.split_once(" runs of ").ok_or_else(bad)?;
    let runs: u64 = runs.trim().parse().map_err(|_| bad())?;
    let until_us = crate::time::parse_duration(length.trim()).map_err(|_| bad())?;
    if runs == 0 || until_us == 0 {
        return Err(bad());
    }
    Ok(Claim::Search {
        finds,
        property,
        runs,
        until_us,
    })
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
        } else if let Some(rest) = t.strip_prefix("acknowledged writes lost at least") {
            Claim::AcknowledgedWritesLostAtLeast(count(rest)?)
        } else if let Some(rest) = t.strip_prefix("siblings at least") {
            Claim::SiblingsAtLeast(count(rest)? as usize)
        } else if t == "replicas agree" {
            Claim::ReplicasAgree(true)
        } else if t == "replicas disagree" {
            Claim::ReplicasAgree(false)
        } else if let Some(rest) = t.strip_prefix("availability on ") {
            availability(t, rest)?
        } else if let Some(rest) = t.strip_prefix("retries within ") {
            retries_within(t, rest)?
        } else if let Some(rest) = t.strip_prefix("measure ") {
            measure(t, rest)?
        } else if let Some(rest) = t.strip_prefix("search finds ") {
            search(t, rest)?
        } else if let Some(rest) = t.strip_prefix("uptime within ") {
            let points = rest
                .strip_suffix(" points of the formula")
                .or_else(|| rest.strip_suffix(" point of the formula"))
                .and_then(milli_percent)
                .ok_or_else(|| format!("{t:?}: expected uptime within P points of the formula, as in uptime within 0.5 points of the formula"))?;
            Claim::UptimeNearFormula {
                milli_points: points,
            }
        } else if let Some(rest) = t.strip_prefix("uptime ") {
            let (at_least, milli_percent) = share_bound(t, rest, "uptime")?;
            Claim::Uptime {
                at_least,
                milli_percent,
            }
        } else if let Some(rest) = t.strip_prefix("answered ") {
            let (at_least, milli_percent) = share_bound(t, rest, "answered")?;
            Claim::Answered {
                at_least,
                milli_percent,
            }
        } else {
            return Err(format!(
                "unknown claim {t:?}; a claim is one of: safety holds, safety broken NAME, end holds, end broken NAME, linearizable, not linearizable, stale reads at least K, leaders at once at least K, note TEXT, event TEXT, acknowledged writes lost at least K, siblings at least K, replicas agree, replicas disagree, availability on NODES during FROM-TO at least|at most P%, retries within DURATION at least|at most K, measure NAME at least|at most V, uptime at least|at most P%, answered at least|at most P%, uptime within P points of the formula, search finds NAME within N runs of T, search finds nothing in N runs of T"
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
            Claim::Search { .. } => finding(
                false,
                None,
                "a search is judged on the set-up (lesson::check_run), not on a run".into(),
            ),
            Claim::Linearizable(want) => {
                use linearizability::Verdict;
                let report = linearizability::check(sim.clients());
                let says = match report.verdict {
                    Verdict::Linearizable => "the clients' history is linearizable".to_string(),
                    Verdict::NotLinearizable => format!(
                        "the clients' history is not linearizable ({} operations prove it)",
                        report.witness.len()
                    ),
                    Verdict::Inconclusive => {
                        "the checker could not decide whether the clients' history is linearizable (its search ran out of steps)".to_string()
                    }
                };
                // An undecided history shows neither claim.
                let shown = if *want {
                    Verdict::Linearizable
                } else {
                    Verdict::NotLinearizable
                };
                finding(report.verdict == shown, None, says)
            }
            Claim::StaleReadsAtLeast(k) => {
                let stale = crate::cap::stale_reads(sim.clients());
                let mut times: Vec<Micros> = sim
                    .clients()
                    .iter()
                    .zip(&stale)
                    .filter(|(_, s)| **s)
                    .filter_map(|(r, _)| r.completed_at)
                    .collect();
                crate::sort::natural(&mut times);
                let n = stale.iter().filter(|s| **s).count() as u64;
                // The moment that shows the claim: when the K-th stale read came back.
                let kth = times.get((*k).max(1) as usize - 1).copied();
                finding(n >= *k, kth, format!("{n} stale read{}", plural(n)))
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
            Claim::AcknowledgedWritesLostAtLeast(k) => {
                let mut now = sim.box_clone();
                now.discard_future_actions();
                let lost = crate::cap::writes_lost_by_now(&*now);
                let n = lost.len() as u64;
                let first = lost.iter().filter_map(|c| c.completed_at).min();
                let says = match lost.first() {
                    None => "no acknowledged write was lost".to_string(),
                    Some(c) => format!(
                        "{n} acknowledged write{} lost (the first: {} at n{}, answered at {})",
                        plural(n),
                        c.id,
                        c.node.0,
                        crate::time::Pretty(c.completed_at.unwrap_or(c.invoked_at))
                    ),
                };
                finding(n >= *k, first.filter(|_| n >= *k), says)
            }
            Claim::SiblingsAtLeast(k) => {
                let mut most: Option<(usize, NodeId, Key)> = None;
                for (node, _) in sim.statuses() {
                    for key in used_keys(sim) {
                        let held = sim.stored(node, key).len();
                        if most.is_none_or(|(m, _, _)| held > m) {
                            most = Some((held, node, key));
                        }
                    }
                }
                let says = match most {
                    Some((m, node, key)) if m > 1 => {
                        format!("n{} holds {m} siblings of key {key}", node.0)
                    }
                    _ => "no node holds siblings".to_string(),
                };
                let m = most.map_or(0, |(m, _, _)| m);
                finding(m >= *k, None, says)
            }
            Claim::ReplicasAgree(want) => {
                let settled = settled(sim);
                let held = crate::cap::held_values(&*settled, settled.clients());
                let split: Vec<Key> = held
                    .iter()
                    .filter(|(_, per_node)| per_node.windows(2).any(|w| w[0] != w[1]))
                    .map(|(key, _)| *key)
                    .collect();
                let says = if split.is_empty() {
                    "the nodes holding each key hold the same values".to_string()
                } else {
                    let keys: Vec<String> = split.iter().map(|k| k.to_string()).collect();
                    format!("the nodes disagree on key(s) {}", keys.join(", "))
                };
                finding(split.is_empty() == *want, None, says)
            }
            Claim::RetriesWithin {
                window_us,
                at_least,
                count,
            } => {
                let times: Vec<Micros> = sim
                    .events_from(0)
                    .filter(|(_, e)| matches!(e.kind, SeenKind::ClientRetry { .. }))
                    .map(|(_, e)| e.time)
                    .collect();
                // The busiest stretch: for each retry, how many follow within the window.
                let (mut most, mut at) = (0u64, None);
                let mut first = 0;
                for (last, t) in times.iter().enumerate() {
                    while times[first] + window_us < *t {
                        first += 1;
                    }
                    let n = (last - first + 1) as u64;
                    if n > most {
                        most = n;
                        at = Some(*t);
                    }
                }
                let holds = if *at_least {
                    most >= *count
                } else {
                    most <= *count
                };
                let says = format!(
                    "the busiest {} held {most} client retr{} ({} in all)",
                    crate::time::Pretty(*window_us),
                    if most == 1 { "y" } else { "ies" },
                    times.len()
                );
                finding(holds, at.filter(|_| holds && *at_least), says)
            }
            Claim::Measure {
                name,
                at_least,
                bound,
            } => {
                let measures = sim.measures();
                let Some((desc, reading)) = measures.iter().find(|(m, _)| m.name == name) else {
                    let known: Vec<&str> = measures.iter().map(|(m, _)| m.name).collect();
                    return finding(
                        false,
                        None,
                        format!(
                            "the run measures no {name:?} (it measures: {})",
                            if known.is_empty() {
                                "nothing".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    );
                };
                let limit = match measure_bound(desc.unit, bound) {
                    Ok(limit) => limit,
                    Err(e) => return finding(false, None, e),
                };
                let holds =
                    reading.is_some_and(|r| if *at_least { r >= limit } else { r <= limit });
                finding(
                    holds,
                    None,
                    format!("{} is {}", desc.name, desc.show(*reading)),
                )
            }
            Claim::Availability {
                nodes,
                from_us,
                to_us,
                at_least,
                percent,
            } => {
                let ops: Vec<bool> = sim
                    .clients()
                    .iter()
                    .filter(|c| {
                        nodes.contains(&c.node) && (*from_us..*to_us).contains(&c.invoked_at)
                    })
                    .map(|c| c.succeeded())
                    .collect();
                if ops.is_empty() {
                    return finding(false, None, "no operation was invoked there then".into());
                }
                let ok = ops.iter().filter(|o| **o).count() as u64;
                let total = ops.len() as u64;
                // Compared in whole numbers: ok / total against percent / 100.
                let holds = if *at_least {
                    ok * 100 >= percent * total
                } else {
                    ok * 100 <= percent * total
                };
                let says = format!(
                    "{ok} of {total} operations succeeded ({}%)",
                    ok * 100 / total
                );
                finding(holds, None, says)
            }
            Claim::Uptime {
                at_least,
                milli_percent,
            } => {
                let a = sim.availability();
                let Some(share) = a.time_share() else {
                    return finding(false, None, "no time has passed".into());
                };
                let says = format!(
                    "the service could answer {} of the time; it needs {}",
                    crate::availability::percent(share),
                    a.needs.words(a.nodes)
                );
                finding(bounded(share, *at_least, *milli_percent), None, says)
            }
            Claim::Answered {
                at_least,
                milli_percent,
            } => {
                let a = sim.availability();
                let Some(share) = a.ops_share() else {
                    return finding(false, None, "no client operation has finished".into());
                };
                let says = format!(
                    "{} of {} finished operations succeeded ({})",
                    a.ops_succeeded,
                    a.ops_finished,
                    crate::availability::percent(share)
                );
                finding(bounded(share, *at_least, *milli_percent), None, says)
            }
            Claim::UptimeNearFormula { milli_points } => {
                let a = sim.availability();
                let (Some(share), Some((_, predicted))) = (a.time_share(), a.predicted()) else {
                    return finding(
                        false,
                        None,
                        "nodes do not fail at random in this run".into(),
                    );
                };
                let off = (share - predicted).abs() * 100.0;
                let says = format!(
                    "the service could answer {} of the time; the rates predict {}",
                    crate::availability::percent(share),
                    crate::availability::percent(predicted)
                );
                finding(off * 1000.0 <= *milli_points as f64, None, says)
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
            Claim::AcknowledgedWritesLostAtLeast(1) => "an acknowledged write is lost".into(),
            Claim::AcknowledgedWritesLostAtLeast(k) => format!("{k} acknowledged writes are lost"),
            Claim::SiblingsAtLeast(k) => {
                format!("a node keeps {k} concurrent values (siblings) of one key")
            }
            Claim::ReplicasAgree(true) => {
                "the replicas agree once what is in flight has landed".into()
            }
            Claim::ReplicasAgree(false) => {
                "the replicas still disagree once what is in flight has landed".into()
            }
            Claim::RetriesWithin {
                window_us,
                at_least,
                count,
            } => format!(
                "{} {count} client retries fall within some {}",
                if *at_least { "at least" } else { "at most" },
                crate::time::Pretty(*window_us)
            ),
            Claim::Measure {
                name,
                at_least,
                bound,
            } => format!(
                "the {name} is {} {bound}",
                if *at_least { "at least" } else { "at most" }
            ),
            Claim::Availability {
                nodes,
                from_us,
                to_us,
                at_least,
                percent,
            } => {
                let names: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
                format!(
                    "{} of the operations at {} from {} to {} are answered",
                    if *at_least {
                        format!("at least {percent}%")
                    } else {
                        format!("at most {percent}%")
                    },
                    names.join(" and "),
                    crate::time::Pretty(*from_us),
                    crate::time::Pretty(*to_us)
                )
            }
            Claim::Uptime {
                at_least,
                milli_percent,
            } => format!(
                "the service can answer {} {} of the time",
                if *at_least { "at least" } else { "at most" },
                milli_text(*milli_percent)
            ),
            Claim::Answered {
                at_least,
                milli_percent,
            } => format!(
                "{} {} of the finished operations succeed",
                if *at_least { "at least" } else { "at most" },
                milli_text(*milli_percent)
            ),
            Claim::Search {
                finds: true,
                property,
                runs,
                until_us,
            } => format!(
                "a search of {runs} runs of {} each finds a run that breaks {}",
                crate::time::Pretty(*until_us),
                match property {
                    Some(p) => format!("\u{201c}{p}\u{201d}"),
                    None => "a promised property".into(),
                }
            ),
            Claim::Search {
                finds: false,
                runs,
                until_us,
                ..
            } => format!(
                "a search of {runs} runs of {} each finds no run that breaks a promised property",
                crate::time::Pretty(*until_us)
            ),
            Claim::UptimeNearFormula { milli_points } => format!(
                "the service's measured uptime is within {} points of what the failure rates predict",
                milli_text(*milli_points).trim_end_matches('%')
            ),
        }
    }

    /// Whether the claim speaks of the whole run, so it can be judged only when the run
    /// has reached its moment: that nothing went wrong, or what the end properties say.
    /// The others are shown as soon as the run shows them.
    pub fn judged_at_end(&self) -> bool {
        matches!(
            self,
            Claim::SafetyHolds
                | Claim::EndHolds
                | Claim::EndBroken(_)
                | Claim::Linearizable(true)
                | Claim::AcknowledgedWritesLostAtLeast(_)
                | Claim::SiblingsAtLeast(_)
                | Claim::ReplicasAgree(_)
                | Claim::Availability { .. }
                | Claim::Uptime { .. }
                | Claim::Answered { .. }
                | Claim::UptimeNearFormula { .. }
                | Claim::Measure { .. }
                | Claim::RetriesWithin {
                    at_least: false,
                    ..
                }
        )
    }
}

/// A copy of `sim` once what is in flight has landed: the actions scheduled for later
/// dropped, the clients stopped, and 5 s to settle (the network as it is).
fn settled(sim: &dyn Sim) -> Box<dyn Sim> {
    let mut copy = sim.box_clone();
    copy.discard_future_actions();
    copy.act(crate::action::Action::SetWorkload {
        workload: crate::client::Workload {
            rate_per_s: 0,
            ..crate::client::Workload::default()
        },
    });
    copy.run_until(copy.now() + crate::run::SETTLE_US);
    copy
}

/// The keys the clients' operations used.
fn used_keys(sim: &dyn Sim) -> std::collections::BTreeSet<Key> {
    crate::sort::set(sim.clients().iter().map(|c| c.op.key()))
}

/// Reads `availability on NODES during FROM-TO at least|at most P%` after its first words.
fn availability(t: &str, rest: &str) -> Result<Claim, String> {
    let bad = || {
        format!("{t:?}: expected availability on NODES during FROM-TO at least P% (or at most P%), as in availability on 0-1 during 2s-8s at most 10%")
    };
    let (nodes, rest) = rest.split_once(" during ").ok_or_else(bad)?;
    let (window, rest) = rest.trim().split_once(' ').ok_or_else(bad)?;
    let (at_least, pct) = if let Some(p) = rest.trim().strip_prefix("at least") {
        (true, p)
    } else if let Some(p) = rest.trim().strip_prefix("at most") {
        (false, p)
    } else {
        return Err(bad());
    };
    let percent: u64 = pct
        .trim()
        .trim_end_matches('%')
        .parse()
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(bad)?;
    let nodes = nodes
        .trim()
        .split('-')
        .map(|n| n.trim().parse::<u32>().map(NodeId))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| bad())?;
    let (from, to) = window.split_once('-').ok_or_else(bad)?;
    let from_us = crate::time::parse_duration(from)?;
    let to_us = crate::time::parse_duration(to)?;
    if from_us >= to_us {
        return Err(format!("{t:?}: the window must start before it ends"));
    }
    Ok(Claim::Availability {
        nodes,
        from_us,
        to_us,
        at_least,
        percent,
    })
}

/// Thousandths of a percent as written: `99.95%`.
fn milli_text(milli: u64) -> String {
    let text = format!("{}.{:03}", milli / 1000, milli % 1000);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// Whether `share` (a fraction) is at least (or at most) a bound in thousandths of a
/// percent.
fn bounded(share: f64, at_least: bool, milli_percent: u64) -> bool {
    let share = (share * 100_000.0).round() as u64;
    if at_least {
        share >= milli_percent
    } else {
        share <= milli_percent
    }
}

/// A percentage with up to three decimals (`99.95%`, `0.5`) in thousandths of a percent.
fn milli_percent(text: &str) -> Option<u64> {
    let text = text.trim().trim_end_matches('%');
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let fraction: u64 = format!("{fraction:0<3}").parse().ok()?;
    Some(whole * 1000 + fraction).filter(|p| *p <= 100_000)
}

/// Reads `at least|at most P%` after a share claim's first word.
fn share_bound(t: &str, rest: &str, what: &str) -> Result<(bool, u64), String> {
    let bad = || {
        format!("{t:?}: expected {what} at least P% (or at most P%), as in {what} at least 99.9%")
    };
    let (at_least, p) = if let Some(p) = rest.trim().strip_prefix("at least") {
        (true, p)
    } else if let Some(p) = rest.trim().strip_prefix("at most") {
        (false, p)
    } else {
        return Err(bad());
    };
    Ok((at_least, milli_percent(p).ok_or_else(bad)?))
}

/// Reads `retries within DURATION at least|at most K` after its first words.
fn retries_within(t: &str, rest: &str) -> Result<Claim, String> {
    let bad = || {
        format!("{t:?}: expected retries within DURATION at least K (or at most K), as in retries within 100ms at least 20")
    };
    let (window, rest) = rest.trim().split_once(' ').ok_or_else(bad)?;
    let (at_least, k) = if let Some(k) = rest.trim().strip_prefix("at least") {
        (true, k)
    } else if let Some(k) = rest.trim().strip_prefix("at most") {
        (false, k)
    } else {
        return Err(bad());
    };
    let window_us = crate::time::parse_duration(window)?;
    if window_us == 0 {
        return Err(bad());
    }
    Ok(Claim::RetriesWithin {
        window_us,
        at_least,
        count: k.trim().parse().map_err(|_| bad())?,
    })
}

fn measure(t: &str, rest: &str) -> Result<Claim, String> {
    let bad = || {
        format!("{t:?}: expected measure NAME at least V (or at most V), as in measure detection time at most 400ms")
    };
    let (name, at_least, bound) = if let Some((name, v)) = rest.rsplit_once(" at least ") {
        (name, true, v)
    } else if let Some((name, v)) = rest.rsplit_once(" at most ") {
        (name, false, v)
    } else {
        return Err(bad());
    };
    let name = name.trim().trim_matches('"');
    if name.is_empty() || bound.trim().is_empty() {
        return Err(bad());
    }
    Ok(Claim::Measure {
        name: name.to_string(),
        at_least,
        bound: bound.trim().to_string(),
    })
}

/// A claim's bound in a measure's unit: a duration in microseconds, a count, or a rate in
/// thousandths per minute.
fn measure_bound(unit: crate::about::Unit, text: &str) -> Result<i64, String> {
    use crate::about::Unit;
    let bad = |what: &str| format!("{text:?} is not {what}");
    match unit {
        Unit::Duration => crate::time::parse_duration(text)
            .map(|us| us as i64)
            .map_err(|e| e.to_string()),
        Unit::Count => text.parse().map_err(|_| bad("a whole number")),
        Unit::PerMinute | Unit::PerSecond => {
            // Read as thousandths without floating point (which would compile a float
            // parser and its tables into the page): whole part, then up to three decimals.
            let rate = text
                .trim_end_matches(" per minute")
                .trim_end_matches(" per second")
                .trim();
            let (whole, decimals) = rate.split_once('.').unwrap_or((rate, ""));
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if !digits(whole) || (!decimals.is_empty() && !digits(decimals)) || decimals.len() > 3 {
                return Err(bad("a rate such as 2.5"));
            }
            let whole: i64 = whole.parse().map_err(|_| bad("a rate such as 2.5"))?;
            let part: i64 = format!("{decimals:0<3}").parse().unwrap_or(0);
            Ok(whole * 1000 + part)
        }
    }
}

/// `s` unless there is exactly one.
fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn broken_text(v: &Violation) -> String {
    if v.at_end {
        // Checked on a copy of the run given time to settle: its moment is not the run's.
        return format!(
            "\"{}\" does not hold once the run settles: {}",
            v.invariant, v.message
        );
    }
    format!(
        "\"{}\" broken at {}: {}",
        v.invariant,
        crate::time::Pretty(v.time_us),
        v.message
    )
}

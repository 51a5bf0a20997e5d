//! The text form of actions and schedules: one entry per action, `TIME@VERB[:ARG...]`,
//! entries joined by `,`:
//!
//! ```text
//! 1.5s@crash:2:lose,2s@partition:0-1-2/3-4,3s@cut:0-1,4s@net:lat40ms_jit80ms_loss20,5s@heal
//! ```
//!
//! Every character is safe in a URL query or fragment. Parsing never panics and names
//! the entry it could not read. The format is this module's own; the JSON schedule (with
//! serde) remains the one for files.

use super::LinkError;
use crate::action::{Action, DiskFate, Scheduled};
use crate::availability::Failures;
use crate::client::{KvOp, Retry, Workload};
use crate::ids::NodeId;
use crate::network::LinkConfig;
use crate::rng::Ppm;
pub use crate::time::format_duration;
use crate::time::parse_duration;

/// A probability as a percentage with up to four decimals (exact in parts per million).
fn format_percent(p: Ppm) -> String {
    let whole = p.0 / 10_000;
    let frac = p.0 % 10_000;
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{}", format!("{frac:04}").trim_end_matches('0'))
    }
}

fn parse_percent(text: &str) -> Result<Ppm, String> {
    let bad = || format!("{text:?} is not a percentage from 0 to 100");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || frac.len() > 4 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: u32 = whole.parse().map_err(|_| bad())?;
    let frac: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<4}").parse().map_err(|_| bad())?
    };
    let ppm = whole
        .checked_mul(10_000)
        .and_then(|w| w.checked_add(frac))
        .filter(|&p| p <= 1_000_000)
        .ok_or_else(bad)?;
    Ok(Ppm(ppm))
}

pub fn format_link(l: &LinkConfig) -> String {
    format!(
        "lat{}_jit{}_loss{}_dup{}_cor{}",
        format_duration(l.latency_us),
        format_duration(l.jitter_us),
        format_percent(l.loss),
        format_percent(l.duplicate),
        format_percent(l.corrupt)
    )
}

/// Fields left out keep the calm network's values.
/// Reads link settings (`lat20ms_jit5ms_loss1`).
pub fn parse_link(text: &str) -> Result<LinkConfig, LinkError> {
    link_text(text).map_err(LinkError::Grammar)
}

fn link_text(text: &str) -> Result<LinkConfig, String> {
    let mut l = LinkConfig::default();
    for field in text.split('_').filter(|f| !f.is_empty()) {
        let (name, value) = field.split_at(
            field
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(field.len()),
        );
        match name {
            "lat" => l.latency_us = parse_duration(value)?,
            "jit" => l.jitter_us = parse_duration(value)?,
            "loss" => l.loss = parse_percent(value)?,
            "dup" => l.duplicate = parse_percent(value)?,
            "cor" => l.corrupt = parse_percent(value)?,
            _ => {
                return Err(format!(
                    "unknown link setting {field:?} (use lat, jit, loss, dup, cor)"
                ))
            }
        }
    }
    l.validate()?;
    Ok(l)
}

/// `fixedDELAY~ATTEMPTS`, `backoffBASE~CAP~ATTEMPTS`, or nothing for no retries.
pub(crate) fn format_retry(retry: Retry) -> String {
    match retry {
        Retry::None => String::new(),
        Retry::Fixed { delay_us, attempts } => {
            format!("fixed{}~{attempts}", format_duration(delay_us))
        }
        Retry::Backoff {
            base_us,
            cap_us,
            attempts,
        } => format!(
            "backoff{}~{}~{attempts}",
            format_duration(base_us),
            format_duration(cap_us)
        ),
    }
}

/// Random failures as a link writes them: `30s:3s` (mean time to failure, then to
/// repair), or `off`.
pub fn format_failures(failures: Option<Failures>) -> String {
    match failures {
        Some(f) => format!(
            "{}:{}",
            format_duration(f.mttf_us),
            format_duration(f.mttr_us)
        ),
        None => "off".into(),
    }
}

/// Reads what [`format_failures`] writes, checking the means.
pub fn parse_failures(text: &str) -> Result<Option<Failures>, String> {
    if text == "off" {
        return Ok(None);
    }
    let (mttf, mttr) = text.split_once(':').ok_or_else(|| {
        format!("random failures are a mean time to failure and one to repair, such as 30s:3s, not {text:?}")
    })?;
    let read = |t: &str| parse_duration(t).map_err(|e| e.to_string());
    let failures = Failures {
        mttf_us: read(mttf)?,
        mttr_us: read(mttr)?,
    };
    failures.validate()?;
    Ok(Some(failures))
}

fn format_workload(w: &Workload) -> String {
    let retry = match w.retry {
        Retry::None => String::new(),
        r => format!("_{}", format_retry(r)),
    };
    format!(
        "{}_keys{}_read{}_timeout{}{retry}",
        w.rate_per_s,
        w.keys,
        w.read_percent,
        format_duration(w.timeout_us)
    )
}

fn parse_workload(text: &str) -> Result<Workload, String> {
    let mut fields = text.split('_');
    let rate = fields.next().unwrap_or_default();
    let mut w = Workload {
        rate_per_s: parse_number(rate, "client rate")?,
        ..Workload::default()
    };
    for field in fields {
        let (name, value) = field.split_at(
            field
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(field.len()),
        );
        match name {
            "keys" => w.keys = parse_number(value, "key count")?,
            "read" => w.read_percent = parse_number(value, "read percentage")?,
            "timeout" => w.timeout_us = parse_duration(value)?,
            "fixed" | "backoff" => w.retry = retry_text(field)?,
            _ => {
                return Err(format!(
                "unknown client load setting {field:?} (use keys, read, timeout, fixed, backoff)"
            ))
            }
        }
    }
    w.validate()?;
    Ok(w)
}

/// `fixedDELAY~ATTEMPTS` or `backoffBASE~CAP~ATTEMPTS`.
pub(crate) fn parse_retry(field: &str) -> Result<Retry, LinkError> {
    retry_text(field).map_err(LinkError::Grammar)
}

fn retry_text(field: &str) -> Result<Retry, String> {
    let bad = || {
        format!("retry {field:?} is not fixedDELAY~ATTEMPTS or backoffBASE~CAP~ATTEMPTS (as in backoff100ms~2s~5)")
    };
    if let Some(rest) = field.strip_prefix("fixed") {
        let (delay, attempts) = rest.split_once('~').ok_or_else(bad)?;
        return Ok(Retry::Fixed {
            delay_us: parse_duration(delay)?,
            attempts: parse_number(attempts, "attempts")?,
        });
    }
    let rest = field.strip_prefix("backoff").ok_or_else(bad)?;
    let parts: Vec<&str> = rest.split('~').collect();
    let [base, cap, attempts] = parts[..] else {
        return Err(bad());
    };
    Ok(Retry::Backoff {
        base_us: parse_duration(base)?,
        cap_us: parse_duration(cap)?,
        attempts: parse_number(attempts, "attempts")?,
    })
}

fn parse_number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{what} {text:?} is not a valid number"))
}

fn parse_node(text: &str) -> Result<NodeId, String> {
    let n: u32 = parse_number(text, "node")?;
    Ok(NodeId(n))
}

fn nodes_text(nodes: &[NodeId]) -> String {
    let parts: Vec<String> = nodes.iter().map(|n| n.0.to_string()).collect();
    parts.join("-")
}

fn parse_nodes(text: &str) -> Result<Vec<NodeId>, String> {
    text.split('-').map(parse_node).collect()
}

/// `from-to` for a directed link.
fn parse_pair(text: &str) -> Result<(NodeId, NodeId), String> {
    match parse_nodes(text)?.as_slice() {
        [a, b] => Ok((*a, *b)),
        _ => Err(format!("{text:?} is not a link (write FROM-TO, as in 0-1)")),
    }
}

fn disk_text(d: DiskFate) -> &'static str {
    match d {
        DiskFate::Keep => "keep",
        DiskFate::Lose => "lose",
    }
}

fn parse_disk(text: &str) -> Result<DiskFate, String> {
    match text {
        "keep" => Ok(DiskFate::Keep),
        "lose" => Ok(DiskFate::Lose),
        _ => Err(format!("disk must be keep or lose, not {text:?}")),
    }
}

fn value_text(v: Option<u64>) -> String {
    v.map_or("none".into(), |v| v.to_string())
}

fn parse_value(text: &str) -> Result<Option<u64>, String> {
    if text == "none" {
        Ok(None)
    } else {
        parse_number(text, "value").map(Some)
    }
}

pub fn format_action(action: &Action) -> String {
    match action {
        Action::Crash { node, disk } => format!("crash:{}:{}", node.0, disk_text(*disk)),
        Action::Restart { node } => format!("restart:{}", node.0),
        Action::CrashOnWrite {
            node,
            disk,
            restart_after_us,
        } => match restart_after_us {
            Some(after) => format!(
                "crash-on-write:{}:{}:{}",
                node.0,
                disk_text(*disk),
                format_duration(*after)
            ),
            None => format!("crash-on-write:{}:{}", node.0, disk_text(*disk)),
        },
        Action::Pause { node, for_us } => format!("pause:{}:{}", node.0, format_duration(*for_us)),
        Action::Slow { node, delay_us } => {
            format!("slow:{}:{}", node.0, format_duration(*delay_us))
        }
        Action::SkewClock { node, by_us } => {
            let sign = if *by_us < 0 { "-" } else { "" };
            format!(
                "skew:{}:{sign}{}",
                node.0,
                format_duration(by_us.unsigned_abs())
            )
        }
        Action::SetDrift { node, ppm } => format!("drift:{}:{ppm}", node.0),
        Action::Partition { groups } => {
            let parts: Vec<String> = groups.iter().map(|g| nodes_text(g)).collect();
            format!("partition:{}", parts.join("/"))
        }
        Action::CutLink { from, to } => format!("cut:{}-{}", from.0, to.0),
        Action::RestoreLink { from, to } => format!("restore:{}-{}", from.0, to.0),
        Action::Heal => "heal".into(),
        Action::SetLink { from, to, link } => {
            format!("link:{}-{}:{}", from.0, to.0, format_link(link))
        }
        Action::SetNetwork { link } => format!("net:{}", format_link(link)),
        Action::SetChecksums { on } => format!("checksums:{}", if *on { "on" } else { "off" }),
        Action::Client { node, op } => match op {
            KvOp::Get { key } => format!("client:{}:get:{key}", node.0),
            KvOp::Put { key, value } => format!("client:{}:put:{key}:{value}", node.0),
            KvOp::Cas { key, expect, new } => {
                format!("client:{}:cas:{key}:{}:{new}", node.0, value_text(*expect))
            }
        },
        Action::SetWorkload { workload } => format!("load:{}", format_workload(workload)),
        Action::SetFailures { failures } => format!("failures:{}", format_failures(*failures)),
        Action::Behave { node, behaviour } => format!("behave:{}:{behaviour}", node.0),
        Action::Trigger { node } => format!("trigger:{}", node.0),
        Action::CrashLeader {
            disk,
            restart_after_us,
        } => match restart_after_us {
            Some(after) => format!(
                "crash-leader:{}:{}",
                disk_text(*disk),
                format_duration(*after)
            ),
            None => format!("crash-leader:{}", disk_text(*disk)),
        },
        Action::PartitionLeader { with: 0 } => "partition-leader".into(),
        Action::PartitionLeader { with } => format!("partition-leader:{with}"),
    }
}

/// Reads one action in a link's text form (`crash:1:keep`).
pub fn parse_action(text: &str) -> Result<Action, LinkError> {
    action_text(text).map_err(LinkError::Grammar)
}

fn action_text(text: &str) -> Result<Action, String> {
    let args: Vec<&str> = text.split(':').collect();
    let arity = |n: usize| -> Result<(), String> {
        if args.len() == n + 1 {
            Ok(())
        } else {
            Err(format!(
                "{:?} takes {n} argument{}, as in {}",
                args[0],
                if n == 1 { "" } else { "s" },
                example(args[0])
            ))
        }
    };
    let action = match args[0] {
        "crash" => {
            arity(2)?;
            Action::Crash {
                node: parse_node(args[1])?,
                disk: parse_disk(args[2])?,
            }
        }
        "restart" => {
            arity(1)?;
            Action::Restart {
                node: parse_node(args[1])?,
            }
        }
        "trigger" => {
            arity(1)?;
            Action::Trigger {
                node: parse_node(args[1])?,
            }
        }
        "crash-on-write" => {
            if args.len() != 4 {
                arity(2)?;
            }
            Action::CrashOnWrite {
                node: parse_node(args[1])?,
                disk: parse_disk(args[2])?,
                restart_after_us: args.get(3).map(|t| parse_duration(t)).transpose()?,
            }
        }
        "pause" => {
            arity(2)?;
            Action::Pause {
                node: parse_node(args[1])?,
                for_us: parse_duration(args[2])?,
            }
        }
        "slow" => {
            arity(2)?;
            Action::Slow {
                node: parse_node(args[1])?,
                delay_us: parse_duration(args[2])?,
            }
        }
        "skew" => {
            arity(2)?;
            let (negative, magnitude) = match args[2].strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, args[2]),
            };
            let us = i64::try_from(parse_duration(magnitude)?)
                .map_err(|_| format!("clock skew {:?} is too large", args[2]))?;
            Action::SkewClock {
                node: parse_node(args[1])?,
                by_us: if negative { -us } else { us },
            }
        }
        "partition-leader" => {
            if args.len() != 1 {
                arity(1)?;
            }
            Action::PartitionLeader {
                with: match args.get(1) {
                    Some(w) => parse_number(w, "the nodes with the leader")?,
                    None => 0,
                },
            }
        }
        "crash-leader" => {
            if args.len() != 2 && args.len() != 3 {
                arity(1)?;
            }
            Action::CrashLeader {
                disk: parse_disk(args[1])?,
                restart_after_us: args.get(2).map(|t| parse_duration(t)).transpose()?,
            }
        }
        "behave" => {
            arity(2)?;
            let behaviour = args[2];
            let plain = !behaviour.is_empty()
                && behaviour
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !plain {
                return Err(format!(
                    "a behaviour is a name such as silent or honest, not {behaviour:?}"
                ));
            }
            Action::Behave {
                node: parse_node(args[1])?,
                behaviour: behaviour.to_string(),
            }
        }
        "drift" => {
            arity(2)?;
            Action::SetDrift {
                node: parse_node(args[1])?,
                ppm: parse_number(args[2], "drift")?,
            }
        }
        "partition" => {
            arity(1)?;
            Action::Partition {
                groups: args[1].split('/').map(parse_nodes).collect::<Result<_, _>>()?,
            }
        }
        "cut" | "restore" => {
            arity(1)?;
            let (from, to) = parse_pair(args[1])?;
            if args[0] == "cut" {
                Action::CutLink { from, to }
            } else {
                Action::RestoreLink { from, to }
            }
        }
        "heal" => {
            arity(0)?;
            Action::Heal
        }
        "link" => {
            arity(2)?;
            let (from, to) = parse_pair(args[1])?;
            Action::SetLink {
                from,
                to,
                link: link_text(args[2])?,
            }
        }
        "net" => {
            arity(1)?;
            Action::SetNetwork {
                link: link_text(args[1])?,
            }
        }
        "checksums" => {
            arity(1)?;
            Action::SetChecksums {
                on: match args[1] {
                    "on" => true,
                    "off" => false,
                    other => return Err(format!("checksums are on or off, not {other:?}")),
                },
            }
        }
        "client" => {
            if args.len() < 4 {
                return Err(format!("a client operation looks like {}", example("client")));
            }
            let node = parse_node(args[1])?;
            let key = parse_number(args[3], "key")?;
            let op = match (args[2], args.len()) {
                ("get", 4) => KvOp::Get { key },
                ("put", 5) => KvOp::Put {
                    key,
                    value: parse_number(args[4], "value")?,
                },
                ("cas", 6) => KvOp::Cas {
                    key,
                    expect: parse_value(args[4])?,
                    new: parse_number(args[5], "value")?,
                },
                _ => return Err(format!("a client operation looks like {}", example("client"))),
            };
            Action::Client { node, op }
        }
        "load" => {
            arity(1)?;
            Action::SetWorkload {
                workload: parse_workload(args[1])?,
            }
        }
        "failures" => {
            let failures = parse_failures(&args[1..].join(":"))
                .map_err(|e| format!("{e}, as in {}", example("failures")))?;
            Action::SetFailures { failures }
        }
        other => {
            return Err(format!(
                "unknown action {other:?} (known: crash, restart, crash-on-write, pause, slow, skew, drift, partition, cut, restore, heal, link, net, checksums, client, load, failures, behave, trigger, crash-leader, partition-leader)"
            ))
        }
    };
    Ok(action)
}

fn example(verb: &str) -> &'static str {
    match verb {
        "crash" => "crash:2:keep",
        "restart" => "restart:2",
        "trigger" => "trigger:2",
        "crash-on-write" => "crash-on-write:2:keep:1s",
        "pause" => "pause:2:500ms",
        "slow" => "slow:2:20ms",
        "skew" => "skew:2:-100ms",
        "drift" => "drift:2:50000",
        "partition" => "partition:0-1-2/3-4",
        "cut" => "cut:0-1",
        "restore" => "restore:0-1",
        "link" => "link:0-1:lat40ms_loss20",
        "net" => "net:lat40ms_jit80ms_loss20",
        "checksums" => "checksums:off",
        "client" => "client:2:put:1:7, client:2:get:1 or client:2:cas:1:none:7",
        "load" => "load:50_keys5_read40_timeout1s_backoff100ms~2s~5",
        "failures" => "failures:30s:3s (mean time to failure, mean time to repair) or failures:off",
        "behave" => "behave:0:silent or behave:0:honest",
        "crash-leader" => "crash-leader:keep:300ms",
        "partition-leader" => "partition-leader or partition-leader:1 (the leader and one more)",
        _ => "heal",
    }
}

pub fn format_schedule(schedule: &[Scheduled]) -> String {
    let entries: Vec<String> = schedule
        .iter()
        .map(|s| match s.after {
            0 => format!("{}@{}", format_duration(s.at), format_action(&s.action)),
            k => format!("{}+{k}@{}", format_duration(s.at), format_action(&s.action)),
        })
        .collect();
    entries.join(",")
}

/// Reads a schedule; the error names the entry (counted from 1) that could not be read.
/// Reads a schedule in a link's text form (`1.5s@heal,2s@crash:2:keep`).
pub fn parse_schedule(text: &str) -> Result<Vec<Scheduled>, LinkError> {
    schedule_text(text).map_err(LinkError::Grammar)
}

fn schedule_text(text: &str) -> Result<Vec<Scheduled>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .enumerate()
        .map(|(i, entry)| {
            let entry = entry.trim();
            let (at, action) = entry.split_once('@').ok_or_else(|| {
                format!(
                    "action {} ({entry:?}) has no time: write TIME@ACTION, as in 1.5s@heal",
                    i + 1
                )
            })?;
            // `1.5s+3@crash:2:keep`: after the first three events of that microsecond.
            let (at, after) = match at.split_once('+') {
                Some((at, k)) => {
                    let after = k.parse::<u32>().map_err(|_| {
                        format!(
                            "action {} ({entry:?}): after {at:?} comes the number of events of that instant before the action, not {k:?}",
                            i + 1
                        )
                    })?;
                    (at, after)
                }
                None => (at, 0),
            };
            let at =
                parse_duration(at).map_err(|e| format!("action {} ({entry:?}): {e}", i + 1))?;
            let action =
                action_text(action).map_err(|e| format!("action {} ({entry:?}): {e}", i + 1))?;
            Ok(Scheduled { at, after, action })
        })
        .collect()
}

#[cfg(test)]
mod tests;

//! `run` and `fuzz`.

use crate::{schedule_file, ClusterArgs, FuzzArgs, RunArgs, SweepArgs};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use splitbrain_core::checkers::linearizability;
use splitbrain_core::checkers::linearizability::formats::{self, Format};
use splitbrain_core::checkers::linearizability::Verdict;
use splitbrain_core::client::ClientRecord;
use splitbrain_core::fuzz::{fuzz_run, FaultMix, FuzzReport, FuzzSpec, RunOutcome};
use splitbrain_core::recipe::{query_pairs, Recipe, Setup};
use splitbrain_core::registry;
use splitbrain_core::run::{run as run_spec, RunSpec};
use splitbrain_core::time::{parse_duration, MICROS_PER_SEC};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The cluster the flags describe, as the playground's set-up (so a run here and a link
/// there are the same run).
fn setup_from(cluster: &ClusterArgs, seed: u64) -> Result<Setup, String> {
    let about = registry::find(&cluster.protocol)?.about();
    let mut setup = Setup {
        protocol: about.name.to_string(),
        nodes: cluster.nodes.unwrap_or(about.nodes.2),
        seed,
        load: cluster.rate,
        ..Setup::default()
    };
    for name in &cluster.bugs {
        setup.add_bug(name)?;
    }
    for pair in &cluster.settings {
        setup
            .settings
            .set_pair(pair)
            .map_err(|e| format!("--set: {e}"))?;
    }
    setup.check_run()?;
    Ok(setup)
}

fn spec_from(cluster: &ClusterArgs, seed: u64, until: &str) -> Result<RunSpec, String> {
    let until_us = parse_duration(until).map_err(|e| format!("--until: {e}"))?;
    let mut spec = setup_from(cluster, seed)?.spec(Vec::new());
    spec.until_us = until_us;
    spec.validate()?;
    Ok(spec)
}

/// The flags that describe a cluster, for a command line that replays a run.
fn cluster_flags(c: &ClusterArgs) -> String {
    let mut flags = format!("--protocol {} --rate {}", c.protocol, c.rate);
    if let Some(n) = c.nodes {
        flags.push_str(&format!(" --nodes {n}"));
    }
    for b in &c.bugs {
        flags.push_str(&format!(" --bug {b}"));
    }
    for s in &c.settings {
        flags.push_str(&format!(" --set {s}"));
    }
    flags
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("reports serialise")
}

pub fn run(args: RunArgs) -> Result<Value, String> {
    let until = |default: Option<u64>| -> Result<u64, String> {
        match (&args.until, default) {
            (Some(text), _) => parse_duration(text).map_err(|e| format!("--until: {e}")),
            (None, Some(at)) => Ok(at),
            (None, None) => Ok(60 * MICROS_PER_SEC),
        }
    };
    let recipe = match &args.link {
        Some(link) => {
            let mut recipe = recipe_from_link(link)?;
            recipe.at_us = Some(until(recipe.at_us)?);
            recipe
        }
        None => {
            let schedule = match &args.schedule {
                Some(path) => schedule_file::load(path)?,
                None => Vec::new(),
            };
            Recipe {
                setup: setup_from(&args.cluster, args.seed)?,
                schedule,
                at_us: Some(until(None)?),
            }
        }
    };
    let mut spec = recipe.setup.spec(recipe.schedule.clone());
    spec.until_us = recipe.at_us.unwrap_or_default();
    spec.validate().map_err(|e| match &args.schedule {
        Some(path) => format!("schedule {}: {e}", path.display()),
        None => e,
    })?;
    let started = Instant::now();
    let report = run_spec(&spec)?;
    let wall_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut out = to_json(&report);
    out["wall_ms"] = json!(round(wall_ms));
    // The same run in the playground: append to its address after `#`.
    out["playground_link"] = json!(format!("#{}", recipe.to_query()));
    Ok(out)
}

/// The run a playground link shows: the whole address, or the part after `#`. The page's
/// own names (how it is shown: `embed`, `autoplay`, `speed`, `panel`, `course`) change
/// nothing in the run; `lesson` and `step` stand for the step's run unless the link holds
/// a run of its own, as the page reads them.
pub fn recipe_from_link(link: &str) -> Result<Recipe, String> {
    let fragment = link.split_once('#').map_or(link, |(_, f)| f).trim();
    let mut run = Vec::new();
    let (mut lesson, mut step) = (None, None);
    for (name, value) in query_pairs(fragment) {
        match name {
            "embed" | "autoplay" | "speed" | "panel" | "course" => {}
            "lesson" => lesson = Some(value),
            "step" => step = Some(value),
            "z" => {
                return Err(
                    "--link: this is a compressed link; open it in the page and copy the address it expands to"
                        .into(),
                )
            }
            _ => run.push(format!("{name}={value}")),
        }
    }
    let query = match (lesson, run.is_empty()) {
        (Some(name), true) => lesson_run(name, step)?,
        (None, _) if step.is_some() => {
            return Err("--link: step needs a lesson (lesson=NAME&step=K)".into())
        }
        _ => run.join("&"),
    };
    Recipe::from_query(&query).map_err(|e| format!("--link: {e}"))
}

/// The run of step `step` (1 for the first, `challenge`) of built-in lesson `name`.
fn lesson_run(name: &str, step: Option<&str>) -> Result<String, String> {
    let lessons = splitbrain_core::lesson::builtin();
    let lesson = lessons
        .iter()
        .find(|l| l.name == name)
        .ok_or_else(|| format!("--link: there is no lesson \"{name}\""))?;
    match step.unwrap_or("1") {
        "challenge" => lesson
            .challenge
            .as_ref()
            .map(|c| c.run.clone())
            .ok_or_else(|| format!("--link: the lesson \"{name}\" has no challenge")),
        k => k
            .parse::<usize>()
            .ok()
            .and_then(|k| k.checked_sub(1))
            .and_then(|i| lesson.steps.get(i))
            .map(|s| s.run.clone())
            .ok_or_else(|| {
                format!(
                    "--link: the lesson \"{name}\" has steps 1 to {}, not \"{k}\"",
                    lesson.steps.len()
                )
            }),
    }
}

/// What a sweep is, as its report records it: enough to check that shards belong to one
/// sweep and to give the links of its failures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Sweep {
    protocol: String,
    nodes: Option<usize>,
    rate: u32,
    bugs: Vec<String>,
    settings: Vec<String>,
    seed: u64,
    runs: u64,
    until: String,
    disk_loss: bool,
    traitors: Option<u32>,
    stop_at_first: bool,
}

impl Sweep {
    fn cluster(&self) -> ClusterArgs {
        ClusterArgs {
            protocol: self.protocol.clone(),
            nodes: self.nodes,
            bugs: self.bugs.clone(),
            rate: self.rate,
            settings: self.settings.clone(),
        }
    }

    fn spec(&self) -> Result<FuzzSpec, String> {
        Ok(FuzzSpec {
            base: spec_from(&self.cluster(), 0, &self.until)?,
            runs: self.runs,
            seed: self.seed,
            mix: FaultMix {
                disk_loss: self.disk_loss,
                traitors: self.traitors,
            },
            stop_at_first: self.stop_at_first,
        })
    }
}

/// The slice `--shard K/N` names: runs `[(K - 1) * runs / N, K * runs / N)`.
fn shard_range(text: &str, runs: u64) -> Result<Range<u64>, String> {
    let bad = || format!("--shard: {text:?} is not K/N with 1 <= K <= N, such as 2/8");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || k == 0 || k > n {
        return Err(bad());
    }
    Ok((k - 1) * runs / n..k * runs / n)
}

pub fn fuzz(args: FuzzArgs) -> Result<Value, String> {
    let c = &args.cluster;
    let sweep = Sweep {
        protocol: c.protocol.clone(),
        nodes: c.nodes,
        rate: c.rate,
        bugs: c.bugs.clone(),
        settings: c.settings.clone(),
        seed: args.seed,
        runs: args.runs,
        until: args.until.clone(),
        disk_loss: args.disk_loss,
        traitors: args.traitors,
        stop_at_first: args.stop_at_first,
    };
    let spec = sweep.spec()?;
    let range = match &args.shard {
        Some(text) => shard_range(text, args.runs)?,
        None => 0..args.runs,
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    if jobs == 0 {
        return Err("--jobs: at least 1".into());
    }
    let started = Instant::now();
    let report = fuzz_parallel(&spec, range.clone(), jobs)?;
    let wall_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut out = fuzz_output(&sweep, &report)?;
    out["wall_ms"] = json!(round(wall_ms));
    if args.shard.is_some() {
        out["shard"] = json!({"from_run": range.start, "to_run": range.end});
    }
    Ok(out)
}

/// Runs `range` of the sweep on `jobs` threads; the report is the one a single thread
/// gives (runs are put together in the order of their index, and with `stop_at_first`
/// nothing after the first failure counts).
fn fuzz_parallel(spec: &FuzzSpec, range: Range<u64>, jobs: usize) -> Result<FuzzReport, String> {
    let mut report = FuzzReport::empty();
    outcomes(spec, range, jobs, |o| report.absorb(o, spec.stop_at_first))?;
    Ok(report)
}

/// Runs `range` of the sweep on `jobs` threads and hands each run's outcome to `take` in
/// the order of the runs' index, until it says stop (true).
fn outcomes(
    spec: &FuzzSpec,
    range: Range<u64>,
    jobs: usize,
    mut take: impl FnMut(RunOutcome) -> bool,
) -> Result<(), String> {
    spec.base.clone().validate()?;
    if jobs <= 1 {
        for i in range {
            if take(fuzz_run(spec, i)?) {
                break;
            }
        }
        return Ok(());
    }
    // With stop_at_first, a batch at a time, so little runs past the first failure.
    let batch = if spec.stop_at_first {
        (jobs * 4) as u64
    } else {
        range.end - range.start
    };
    let mut from = range.start;
    while from < range.end {
        let to = (from + batch).min(range.end);
        let next = AtomicU64::new(from);
        let mut done: Vec<(u64, Result<RunOutcome, String>)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..jobs)
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= to {
                                return mine;
                            }
                            mine.push((i, fuzz_run(spec, i)));
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("a fuzz thread panicked"))
                .collect()
        });
        done.sort_by_key(|(i, _)| *i);
        for (_, outcome) in done {
            if take(outcome?) {
                return Ok(());
            }
        }
        from = to;
    }
    Ok(())
}

/// `sweep`: the same fuzz sweep for every combination of settings, each given as a range
/// (`r=1..5`) or a list (`retry=none,backoff100ms~2s~5`).
pub fn sweep(args: SweepArgs) -> Result<Value, String> {
    let mut axes: Vec<(String, Vec<String>)> = Vec::new();
    for pair in &args.cluster.settings {
        let (name, values) = pair
            .split_once('=')
            .ok_or_else(|| format!("--set: {pair:?} is not NAME=VALUES"))?;
        let values: Vec<String> = match values.split_once("..") {
            Some((a, b)) => {
                let bad = || format!("--set {name}: {values:?} is not a range such as 1..5");
                let (a, b): (u64, u64) = (
                    a.trim().parse().map_err(|_| bad())?,
                    b.trim().parse().map_err(|_| bad())?,
                );
                if a > b || b - a > 1000 {
                    return Err(bad());
                }
                (a..=b).map(|v| v.to_string()).collect()
            }
            None => values.split(',').map(str::to_string).collect(),
        };
        axes.push((name.to_string(), values));
    }
    // Every combination, the first axis varying slowest.
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (name, values) in &axes {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((name.clone(), v.clone()));
                    c
                })
            })
            .collect();
    }
    if combos.len() > 10_000 {
        return Err(format!("{} settings to sweep: at most 10000", combos.len()));
    }
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let started = Instant::now();
    let mut rows = Vec::new();
    let mut table = Vec::new();
    for combo in combos {
        let mut cluster = args.cluster.clone();
        cluster.settings = combo.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let setting = combo
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        let spec = match spec_from(&cluster, 0, &args.until) {
            Ok(base) => FuzzSpec {
                base,
                runs: args.runs,
                seed: args.seed,
                mix: FaultMix::default(),
                stop_at_first: false,
            },
            Err(e) => {
                // A combination the protocol refuses (R above N, say) is a row too.
                table.push(format!("{setting:<24} refused: {e}"));
                rows.push(json!({"settings": setting, "refused": e}));
                continue;
            }
        };
        let (mut report, mut ops, mut ok, mut not_lin) = (FuzzReport::empty(), 0, 0, 0);
        outcomes(&spec, 0..args.runs, jobs, |o| {
            ops += o.client_ops;
            ok += o.client_ok;
            not_lin += u64::from(o.linearizability == Verdict::NotLinearizable);
            report.absorb(o, false)
        })?;
        let availability = if ops == 0 {
            None
        } else {
            Some(ok as f64 / ops as f64)
        };
        table.push(format!(
            "{setting:<24} {:>10} {:>10} {:>12} {:>14}",
            report.violations,
            report.end_violations + report.unpromised,
            availability.map_or("-".into(), |a| format!("{:.1}%", 100.0 * a)),
            format!("{not_lin} of {}", report.runs),
        ));
        let first = report
            .first_failure
            .as_ref()
            .or(report.first_unpromised.as_ref())
            .map(|f| f.run);
        rows.push(json!({
            "settings": setting,
            "runs": report.runs,
            "violations": report.violations,
            "end_violations": report.end_violations,
            "unpromised": report.unpromised,
            "first_failing_run": first,
            "client_ops": ops,
            "availability": availability.map(|a| round(a * 1000.0) / 1000.0),
            "not_linearizable_runs": not_lin,
        }));
    }
    let header = format!(
        "{:<24} {:>10} {:>10} {:>12} {:>14}",
        "settings", "violations", "other", "available", "not lineariz."
    );
    let mut text = vec![header];
    text.extend(table);
    Ok(json!({
        "protocol": args.cluster.protocol,
        "runs_each": args.runs,
        "seed": args.seed,
        "rows": rows,
        "table": text,
        "wall_ms": round(started.elapsed().as_secs_f64() * 1e3),
    }))
}

/// A sweep's report as `fuzz` and `merge` print it: the counts, the sweep, and how to
/// replay its first failures.
fn fuzz_output(sweep: &Sweep, report: &FuzzReport) -> Result<Value, String> {
    let mut out = to_json(report);
    out["sweep"] = to_json(sweep);
    let c = &sweep.cluster();
    if let Some(f) = &report.first_failure {
        out["replay"] = json!(format!(
            "save first_failure to failure.json, then: splitbrain run {} --until {} --seed {} --schedule failure.json",
            cluster_flags(c), sweep.until, f.seed
        ));
        // The same run for the playground: append to its address after `#`.
        let recipe = Recipe {
            setup: setup_from(c, f.seed)?,
            schedule: f.schedule.clone(),
            at_us: Some(f.violation.time_us),
        };
        out["playground_link"] = json!(format!("#{}", recipe.to_query()));
    }
    // A property the protocol does not promise, shown broken: worth watching too.
    if let Some(f) = &report.first_unpromised {
        let until = parse_duration(&sweep.until).map_err(|e| format!("--until: {e}"))?;
        let recipe = Recipe {
            setup: setup_from(c, f.seed)?,
            schedule: f.schedule.clone(),
            at_us: Some(f.violation.time_us.min(until)),
        };
        out["unpromised_link"] = json!(format!("#{}", recipe.to_query()));
    }
    Ok(out)
}

/// `merge`: the reports of one sweep's shards, joined into the whole sweep's report.
pub fn merge(paths: &[std::path::PathBuf]) -> Result<Value, String> {
    let mut shards: Vec<(Sweep, Range<u64>, FuzzReport)> = Vec::new();
    for path in paths {
        let name = path.display();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| format!("{name}: not JSON: {e}"))?;
        let sweep: Sweep = serde_json::from_value(value["sweep"].clone())
            .map_err(|e| format!("{name}: not a fuzz report (its sweep: {e})"))?;
        let range = match value.get("shard") {
            Some(s) => {
                let at = |k: &str| {
                    s[k].as_u64()
                        .ok_or_else(|| format!("{name}: shard without {k}"))
                };
                at("from_run")?..at("to_run")?
            }
            None => 0..sweep.runs,
        };
        let report: FuzzReport =
            serde_json::from_value(value).map_err(|e| format!("{name}: not a fuzz report: {e}"))?;
        shards.push((sweep, range, report));
    }
    let sweep = shards[0].0.clone();
    if let Some((other, ..)) = shards.iter().find(|(s, ..)| *s != sweep) {
        return Err(format!(
            "the reports are of different sweeps: {} and {}",
            serde_json::to_string(&sweep).unwrap_or_default(),
            serde_json::to_string(other).unwrap_or_default()
        ));
    }
    shards.sort_by_key(|(_, r, ..)| r.start);
    let mut covered = 0;
    for (_, r, report) in &shards {
        if r.start != covered {
            return Err(if r.start < covered {
                format!(
                    "runs {} to {} are in two reports",
                    r.start,
                    covered.min(r.end) - 1
                )
            } else {
                format!("runs {} to {} are in no report", covered, r.start - 1)
            });
        }
        if report.runs != r.end - r.start {
            return Err(format!(
                "the shard of runs {} to {} ran {} of them (stopped at a failure?)",
                r.start,
                r.end - 1,
                report.runs
            ));
        }
        covered = r.end;
    }
    if covered != sweep.runs {
        return Err(format!(
            "runs {} to {} are in no report",
            covered,
            sweep.runs - 1
        ));
    }
    let whole = FuzzReport::merge(shards.into_iter().map(|(_, _, r)| r));
    fuzz_output(&sweep, &whole)
}

pub fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Reads a history file: an array of client records, or an object with a "history" array
/// (such as a saved run report).
pub fn read_history(text: &str) -> Result<Vec<ClientRecord>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let records = match value {
        Value::Array(_) => value,
        Value::Object(mut map) => map
            .remove("history")
            .ok_or("expected an array of client records or an object with a \"history\" array")?,
        _ => {
            return Err(
                "expected an array of client records or an object with a \"history\" array".into(),
            )
        }
    };
    let records: Vec<Value> = match records {
        Value::Array(items) => items,
        _ => return Err("\"history\" must be an array".into()),
    };
    records
        .into_iter()
        .enumerate()
        .map(|(i, r)| serde_json::from_value(r).map_err(|e| format!("record {}: {e}", i + 1)))
        .collect()
}

pub fn check_history(path: &std::path::Path, format: Option<&str>) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let format = match format {
        Some(name) => Format::parse(name).map_err(|e| format!("--format: {e}"))?,
        None => Format::detect(&text),
    };
    let history = match format {
        Format::Json => read_history(&text),
        Format::Edn => formats::read_edn(&text),
        Format::JepsenLog => formats::read_jepsen_log(&text),
    }
    .map_err(|e| format!("{}: {e}", path.display()))?;
    let started = Instant::now();
    let report = linearizability::check(&history);
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let witness: Vec<&ClientRecord> = report
        .witness
        .iter()
        .filter_map(|id| history.iter().find(|r| r.id == *id))
        .collect();
    Ok(json!({
        "format": match format {
            Format::Json => "json",
            Format::Edn => "edn",
            Format::JepsenLog => "jepsen-log",
        },
        "linearizable": report.is_linearizable(),
        "verdict": to_json(&report.verdict),
        "ops": report.ops,
        "keys": report.keys,
        "ms": round(ms),
        "witness_key": report.witness_key,
        "witness": to_json(&witness),
        "witness_minimal": report.witness_minimal,
        "inconclusive_keys": report.inconclusive_keys,
    }))
}

/// The CAP experiment for every design of a scenario, each with its numbers.
pub fn cap(seed: u64, scenario: &str) -> Result<Value, String> {
    let scenarios = splitbrain_core::cap::scenarios();
    let (name, title, designs) = scenarios
        .iter()
        .find(|(name, _, _)| *name == scenario)
        .ok_or_else(|| {
            let names: Vec<&str> = scenarios.iter().map(|(n, _, _)| *n).collect();
            format!("unknown scenario {scenario:?}; known: {}", names.join(", "))
        })?;
    let started = Instant::now();
    let mut clusters = Vec::new();
    for design in designs {
        let report = design.run(seed)?;
        let mut out = to_json(&report);
        if let Value::Object(map) = &mut out {
            // The per-second series is for charts; the summary is what a reader compares.
            map.remove("series");
            map.insert("design".into(), to_json(design));
            // The same run in the playground, shown at its end.
            map.insert(
                "playground_link".into(),
                json!(format!("#{}", design.recipe(seed).to_query())),
            );
            map.insert(
                "readings".into(),
                to_json(&splitbrain_core::cap::readings(&report)),
            );
        }
        clusters.push(out);
    }
    Ok(json!({
        "scenario": name,
        "title": title,
        "seed": seed,
        "clusters": clusters,
        "wall_ms": round(started.elapsed().as_secs_f64() * 1e3),
    }))
}

/// Every registered protocol, described.
pub fn protocols() -> Result<Value, String> {
    let protocols: Vec<Value> = registry::PROTOCOLS
        .iter()
        .map(|p| to_json(p.about()))
        .collect();
    Ok(json!({ "protocols": protocols }))
}

/// Every built-in lesson as JSON.
pub fn lessons() -> Result<Value, String> {
    Ok(json!({ "lessons": to_json(&splitbrain_core::lesson::builtin()) }))
}

/// Checks the claims of one lesson file, or of every built-in lesson; an error names the
/// first step whose claim does not hold (or also holds without the step's actions).
pub fn lesson_check(file: Option<&std::path::Path>) -> Result<Value, String> {
    use splitbrain_core::lesson;
    let lessons = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            vec![lesson::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?]
        }
        None => lesson::builtin(),
    };
    let mut out = Vec::new();
    for l in &lessons {
        let checked = lesson::check(l).map_err(|e| format!("{}: {e}", l.name))?;
        if let Some(bad) = checked.iter().find(|c| !c.ok()) {
            let why = if bad.holds {
                "it also holds without the step's actions, so the step does not show it"
            } else {
                "it does not hold"
            };
            // Every step's finding, so one run of the check shows them all.
            let steps: Vec<String> = checked
                .iter()
                .map(|c| {
                    let mark = if c.ok() { "holds" } else { "FAILS" };
                    let without = match c.holds_without_actions {
                        Some(true) => "; also without its actions",
                        _ => "",
                    };
                    format!("  {mark}: {:?}: {}{without}", c.step, c.says)
                })
                .collect();
            return Err(format!(
                "lesson {}, step {:?}: the claim: {why} ({})\nevery step:\n{}",
                l.name,
                bad.step,
                bad.says,
                steps.join("\n")
            ));
        }
        out.push(json!({ "lesson": l.name, "steps": to_json(&checked) }));
    }
    Ok(json!({ "checked": out }))
}

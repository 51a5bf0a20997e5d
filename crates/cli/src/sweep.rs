//! Sweeps: `fuzz` on every core or one shard of a sweep, `merge` of the shards' reports,
//! and `sweep` over combinations of settings.

use crate::commands::{cluster_flags, round, setup_from, shrunk_json, spec_from, to_json};
use crate::{ClusterArgs, FuzzArgs, SweepArgs};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use splitbrain_core::checkers::linearizability::Verdict;
use splitbrain_core::fuzz::shrink::DEFAULT_BUDGET;
use splitbrain_core::fuzz::{
    fuzz_run, shrink_recipe, FaultMix, FuzzReport, FuzzSpec, RunOutcome, Target,
};
use splitbrain_core::recipe::Recipe;
use splitbrain_core::registry::Faults;
use splitbrain_core::time::parse_duration;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

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
    faults: Option<Faults>,
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
                faults: self.faults,
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
        faults: args.faults.as_deref().map(Faults::parse).transpose()?,
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
    let mut out = fuzz_output(&sweep, &report, args.shrink_budget)?;
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
                            mine.push((i, fuzz_run(spec, i).map_err(|e| e.to_string())));
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
/// replay its first failures, the first promised one also shrunk (with up to
/// `shrink_budget` re-runs; 0: not shrunk).
fn fuzz_output(sweep: &Sweep, report: &FuzzReport, shrink_budget: u32) -> Result<Value, String> {
    let mut out = to_json(report);
    out["sweep"] = to_json(sweep);
    let c = &sweep.cluster();
    if let Some(f) = &report.first_failure {
        out["replay"] = json!(format!(
            "save first_failure to failure.json, then: splitbrain run {} --until {} --seed {} --schedule failure.json",
            cluster_flags(c), sweep.until, f.seed
        ));
        // The same run for the playground: append to its address after `#`. It shows the
        // moment of a safety violation, or the run's end for a property judged once the
        // run has settled (its violation is timed at the end of the settling, and a link
        // that ran that far would settle again from there).
        let until = parse_duration(&sweep.until).map_err(|e| format!("--until: {e}"))?;
        let recipe = Recipe {
            setup: setup_from(c, f.seed)?,
            schedule: f.schedule.clone(),
            at_us: Some(f.violation.time_us.min(until)),
        };
        out["playground_link"] = json!(format!("#{}", recipe.to_query()));
        if shrink_budget > 0 {
            let started = Instant::now();
            let shrunk = shrink_recipe(&recipe, &Target::of(&f.violation), shrink_budget)
                .map_err(|e| format!("shrinking the first failure: {e}"))?;
            let wall_ms = started.elapsed().as_secs_f64() * 1e3;
            out["shrunk"] = shrunk_json(&recipe, &shrunk, wall_ms);
        }
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
    fuzz_output(&sweep, &whole, DEFAULT_BUDGET)
}

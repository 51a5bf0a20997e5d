//! `run`, `check-history`, `cap`, `protocols` and the lessons (sweeps are in `sweep.rs`).

use crate::{schedule_file, ClusterArgs, RunArgs};
use serde_json::{json, Value};
use splitbrain_core::checkers::linearizability;
use splitbrain_core::checkers::linearizability::formats::{self, Format};
use splitbrain_core::client::ClientRecord;
use splitbrain_core::fuzz::shrink::broken_by;
use splitbrain_core::fuzz::{shrink_recipe, ShrunkRecipe, Target};
use splitbrain_core::recipe::{query_pairs, Recipe, Setup};
use splitbrain_core::registry;
use splitbrain_core::run::{run as run_spec, RunSpec};
use splitbrain_core::time::{parse_duration, MICROS_PER_SEC};
use std::time::Instant;

/// The cluster the flags describe, as the playground's set-up (so a run here and a link
/// there are the same run).
pub(crate) fn setup_from(cluster: &ClusterArgs, seed: u64) -> Result<Setup, String> {
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

pub(crate) fn spec_from(cluster: &ClusterArgs, seed: u64, until: &str) -> Result<RunSpec, String> {
    let until_us = parse_duration(until).map_err(|e| format!("--until: {e}"))?;
    let mut spec = setup_from(cluster, seed)?.spec(Vec::new());
    spec.until_us = until_us;
    spec.validate()?;
    Ok(spec)
}

/// The flags that describe a cluster, for a command line that replays a run.
pub(crate) fn cluster_flags(c: &ClusterArgs) -> String {
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

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Value {
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
        None => e.to_string(),
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

/// A shrunk failure as `fuzz` and `shrink` print it: how much smaller it is, its actions
/// in words, its schedule and its link (opening at the violation, as the original's does),
/// the runs it took and the wall time (`wall_ms`, measured here: the core reads no clock).
pub(crate) fn shrunk_json(original: &Recipe, shrunk: &ShrunkRecipe, wall_ms: f64) -> Value {
    use splitbrain_core::describe;
    use splitbrain_core::time::Pretty;
    let small = &shrunk.recipe;
    let v = &shrunk.shrunk.violation;
    let mut words: Vec<String> = Vec::new();
    if small.setup.link != original.setup.link {
        words.push(format!(
            "from the start, every link: {}",
            describe::link(&small.setup.link)
        ));
    }
    let about = small.setup.about().ok();
    for s in &small.schedule {
        let action = match about {
            Some(about) => describe::action_of(&s.action, about),
            None => describe::action(&s.action),
        };
        words.push(format!("at {}: {action}", Pretty(s.at)));
    }
    words.push(if v.at_end {
        format!(
            "at the end ({}, after the run settled for {}): \"{}\" does not hold: {}",
            Pretty(v.time_us),
            Pretty(splitbrain_core::run::SETTLE_US),
            v.invariant,
            v.message
        )
    } else {
        format!(
            "at {}: \"{}\" is broken: {}",
            Pretty(v.time_us),
            v.invariant,
            v.message
        )
    });
    let mut out = json!({
        "property": v.invariant,
        "violation": to_json(v),
        "actions_before": original.schedule.len(),
        "actions_after": small.schedule.len(),
        "in_words": words,
        "schedule": to_json(&small.schedule),
        "playground_link": format!("#{}", small.to_query()),
        "runs": shrunk.shrunk.runs,
        "budget_spent": shrunk.shrunk.exhausted,
        "wall_ms": round(wall_ms),
    });
    if small.setup.nodes != original.setup.nodes {
        out["nodes_before"] = json!(original.setup.nodes);
        out["nodes_after"] = json!(small.setup.nodes);
    }
    let serves = small.setup.about().is_ok_and(|a| a.serves_clients());
    if serves && small.setup.load != original.setup.load {
        out["load_before"] = json!(original.setup.load);
        out["load_after"] = json!(small.setup.load);
    }
    out
}

/// `shrink`: the run a link shows, shrunk to a smaller one that breaks the same property
/// (one the protocol promises if it breaks one).
pub fn shrink(link: &str, budget: u32) -> Result<Value, String> {
    let mut recipe = recipe_from_link(link)?;
    let until = recipe.at_us.unwrap_or(60 * MICROS_PER_SEC);
    recipe.at_us = Some(until);
    let mut spec = recipe.setup.spec(recipe.schedule.clone());
    spec.until_us = until;
    let (violation, promised) = broken_by(&spec)?.ok_or_else(|| {
        format!(
            "the run this link shows breaks no property up to its moment t = {}: nothing to shrink (a link with a later t, such as &t=60s, runs it longer)",
            splitbrain_core::time::Pretty(until)
        )
    })?;
    let started = Instant::now();
    let shrunk =
        shrink_recipe(&recipe, &Target::of(&violation), budget).map_err(|e| e.to_string())?;
    let wall_ms = started.elapsed().as_secs_f64() * 1e3;
    Ok(json!({
        "property": violation.invariant,
        "promised": promised,
        "violation": to_json(&violation),
        "link": format!("#{}", recipe.to_query()),
        "shrunk": shrunk_json(&recipe, &shrunk, wall_ms),
    }))
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
        Format::Edn => formats::read_edn(&text).map_err(|e| e.to_string()),
        Format::JepsenLog => formats::read_jepsen_log(&text).map_err(|e| e.to_string()),
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
    let protocols: Vec<Value> = registry::all().iter().map(|p| to_json(p.about())).collect();
    Ok(json!({ "protocols": protocols }))
}

/// Every built-in lesson as JSON.
pub fn lessons() -> Result<Value, String> {
    Ok(json!({ "lessons": to_json(&splitbrain_core::lesson::builtin()) }))
}

/// Checks the claims of one lesson file, or of every built-in lesson; an error names the
/// first step whose claim does not hold (or also holds without the step's actions, or whose
/// `also:` claims do not all hold).
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
            let why = if !bad.holds {
                "the claim: it does not hold".to_string()
            } else if !bad.also_broken.is_empty() {
                format!(
                    "what its text says of the run does not hold: {}",
                    bad.also_broken.join("; ")
                )
            } else {
                "the claim: it also holds without the step's actions, so the step does not show it"
                    .to_string()
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
                    let also = if c.also_broken.is_empty() {
                        String::new()
                    } else {
                        format!("; not so: {}", c.also_broken.join("; "))
                    };
                    format!("  {mark}: {:?}: {}{without}{also}", c.step, c.says)
                })
                .collect();
            return Err(format!(
                "lesson {}, step {:?}: {why} ({})\nevery step:\n{}",
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

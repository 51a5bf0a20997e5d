//! Shrinking failing runs: every bug of every protocol, found by the fuzzer, shrinks to a
//! run no larger that breaks the same property (and that the protocol without the bug
//! survives), the same way every time; and each pass does its part on runs made by hand.
//!
//! The shrunk runs are kept in `golden/shrunk.json` for the browser to check that it shrinks
//! alike; after an intended change to the simulation, the fuzzer or the shrinker, rewrite it
//! with `SPLITBRAIN_BLESS=1 cargo test --release -p splitbrain-core --test shrink`.

#[allow(dead_code)] // the golden files of other tests
mod golden;

use golden::{bug_fuzz_spec, load_shrunk, GoldenShrunk, SHRUNK_GOLDEN_PATH};
use splitbrain_core::action::Action;
use splitbrain_core::fuzz::shrink::broken_by;
use splitbrain_core::fuzz::{
    fuzz, fuzz_run_spec, shrink, shrink_recipe, shrink_watched, ShrinkError, ShrinkOptions, Target,
};
use splitbrain_core::network::LinkConfig;
use splitbrain_core::recipe::{parse_schedule, Recipe, Setup};
use splitbrain_core::registry::PROTOCOLS;
use splitbrain_core::rng::Ppm;
use splitbrain_core::run::{run, RunSpec};
use splitbrain_core::time::{MICROS_PER_MS, MICROS_PER_SEC};

/// Whether `spec`, run as any run is, breaks `target`; its violation if so.
fn breaks(spec: &RunSpec, target: &Target) -> Option<splitbrain_core::check::Violation> {
    let report = run(spec).expect("a valid run");
    let mut all = report.violations.into_iter().chain(report.end_violations);
    all.find(|v| target.matches(v))
}

#[test]
fn every_bug_shrinks_to_a_smaller_run_that_breaks_the_same_property() {
    let bless = std::env::var_os("SPLITBRAIN_BLESS").is_some();
    let stored = load_shrunk();
    let mut fresh = Vec::new();
    for p in PROTOCOLS {
        let about = p.about();
        for bug in about.bugs {
            let name = format!("{} {}", about.name, bug.name);
            let spec = bug_fuzz_spec(about.name, bug.name);
            // The bug's first failure: found again when blessing, else the stored one.
            let (i, target) = if bless {
                let f = fuzz(&spec)
                    .unwrap()
                    .first_failure
                    .unwrap_or_else(|| panic!("{name}: no failure in {} runs", spec.runs));
                (f.run, Target::of(&f.violation))
            } else {
                let g = stored
                    .iter()
                    .find(|g| g.protocol == about.name && g.bug == bug.name)
                    .unwrap_or_else(|| panic!("{name}: not in the golden file: bless it"));
                (g.run, g.target.clone())
            };
            let original = fuzz_run_spec(&spec, i);
            let shrunk = shrink(&original, &target, ShrinkOptions::default())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(target.matches(&shrunk.violation), "{name}");
            assert_eq!(
                breaks(&shrunk.spec, &target).as_ref(),
                Some(&shrunk.violation),
                "{name}: the shrunk run replays to the same violation"
            );
            assert!(
                shrunk.spec.schedule.len() <= original.schedule.len(),
                "{name}: more actions"
            );
            assert!(shrunk.spec.nodes <= original.nodes, "{name}: more nodes");
            let mut correct = shrunk.spec.clone();
            correct.bugs.clear();
            assert_eq!(
                breaks(&correct, &target),
                None,
                "{name}: the shrunk run breaks the protocol without its bug too"
            );
            let again = shrink(&original, &target, ShrinkOptions::default()).unwrap();
            assert_eq!(again, shrunk, "{name}: shrinks differently the second time");
            eprintln!(
                "{name}: {} actions to {}, {} nodes to {}, {} runs",
                original.schedule.len(),
                shrunk.spec.schedule.len(),
                original.nodes,
                shrunk.spec.nodes,
                shrunk.runs
            );
            fresh.push(GoldenShrunk {
                protocol: about.name.to_string(),
                bug: bug.name.to_string(),
                run: i,
                target,
                shrunk,
            });
        }
    }
    if bless {
        let text = serde_json::to_string_pretty(&fresh).unwrap() + "\n";
        std::fs::write(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SHRUNK_GOLDEN_PATH),
            text,
        )
        .unwrap();
        return;
    }
    assert_eq!(stored.len(), fresh.len(), "bugs changed: bless the file");
    for (s, f) in stored.iter().zip(&fresh) {
        assert_eq!(s.shrunk, f.shrunk, "{} {}", s.protocol, s.bug);
    }
}

/// Two-phase commit whose coordinator forgets its decision: crashing it right after it
/// decides is the fault that matters, and the rest is noise a shrink takes away.
fn forgetful_coordinator(noise: &str) -> RunSpec {
    let mut spec = RunSpec::new(4, 13757245211066428519, 10 * MICROS_PER_SEC)
        .with_protocol("two-phase-commit")
        .bug("unlogged-decision");
    spec.schedule = parse_schedule(&format!("3s@crash-leader:keep:1ms,{noise}")).unwrap();
    spec
}

const NOISE: &str = "1s@pause:2:300ms,1.5s@skew:3:200ms,2s@slow:1:5ms,2.5s@slow:1:0s,\
                     4s@partition:0-1/2-3,5s@heal,6s@crash:3:keep,6.5s@restart:3";

#[test]
fn noise_is_dropped_and_the_run_ends_at_its_violation() {
    let spec = forgetful_coordinator(NOISE);
    let (violation, promised) = broken_by(&spec).unwrap().expect("the run fails");
    assert!(promised);
    let target = Target::of(&violation);
    let shrunk = shrink(&spec, &target, ShrinkOptions::default()).unwrap();
    let actions: Vec<&Action> = shrunk.spec.schedule.iter().map(|s| &s.action).collect();
    assert!(
        matches!(actions[..], [Action::CrashLeader { .. }]),
        "{actions:?}"
    );
    assert_eq!(shrunk.spec.until_us, shrunk.violation.time_us);
    assert!(shrunk.violation.time_us <= violation.time_us + MICROS_PER_SEC);
    assert!(shrunk.spec.nodes < spec.nodes, "two nodes are enough");
    assert!(!shrunk.exhausted);
    // The result is where every pass stops: shrinking it again changes nothing.
    let again = shrink(&shrunk.spec, &target, ShrinkOptions::default()).unwrap();
    assert_eq!(again.spec, shrunk.spec);
}

#[test]
fn a_watched_shrink_tells_each_run_it_makes_and_ends_where_the_shrink_does() {
    let spec = forgetful_coordinator(NOISE);
    let (violation, _) = broken_by(&spec).unwrap().unwrap();
    let target = Target::of(&violation);
    let mut told = Vec::new();
    let shrunk = shrink_watched(&spec, &target, ShrinkOptions::default(), &mut |p| {
        told.push(p)
    })
    .unwrap();
    // One word per re-run (the run as given is run 1 and is not told), within the budget.
    let runs: Vec<u32> = told.iter().map(|p| p.runs).collect();
    assert_eq!(runs, (2..=shrunk.runs).collect::<Vec<_>>());
    assert!(told
        .iter()
        .all(|p| p.budget == ShrinkOptions::default().budget));
    // The first word already counts the actions of the run as given at most; the last is the
    // shrunk run's.
    assert!(told[0].actions <= spec.schedule.len());
    assert_eq!(told.last().unwrap().actions, shrunk.spec.schedule.len());
    // Watching changes nothing.
    assert_eq!(
        shrink(&spec, &target, ShrinkOptions::default()).unwrap(),
        shrunk
    );
}

#[test]
fn a_budget_bounds_the_runs_and_a_run_that_holds_is_refused() {
    let spec = forgetful_coordinator(NOISE);
    let (violation, _) = broken_by(&spec).unwrap().unwrap();
    let target = Target::of(&violation);
    let options = ShrinkOptions {
        budget: 3,
        ..ShrinkOptions::default()
    };
    let small = shrink(&spec, &target, options).unwrap();
    assert_eq!(small.runs, 3);
    assert!(small.exhausted);
    assert!(breaks(&small.spec, &target).is_some());
    // The protocol without its bug keeps the property: nothing to shrink.
    let mut correct = spec.clone();
    correct.bugs.clear();
    let err = shrink(&correct, &target, ShrinkOptions::default()).unwrap_err();
    assert!(matches!(err, ShrinkError::Holds { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "the run does not break \"all decide alike\" by 10 s (its end)"
    );
}

#[test]
fn the_set_ups_network_keeps_its_latency_and_loses_its_fault_rates() {
    let link = LinkConfig {
        latency_us: 3 * MICROS_PER_MS,
        jitter_us: 2 * MICROS_PER_MS,
        loss: Ppm::percent(2),
        duplicate: Ppm::percent(2),
        corrupt: Ppm::percent(1),
    };
    let recipe = Recipe {
        setup: Setup {
            protocol: "two-phase-commit".into(),
            nodes: 4,
            seed: 13757245211066428519,
            bugs: vec!["unlogged-decision".into()],
            link,
            ..Setup::default()
        },
        schedule: parse_schedule(&format!("3s@crash-leader:keep:1ms,{NOISE}")).unwrap(),
        at_us: Some(10 * MICROS_PER_SEC),
    };
    let mut spec = recipe.setup.spec(recipe.schedule.clone());
    spec.until_us = 10 * MICROS_PER_SEC;
    let (violation, _) = broken_by(&spec).unwrap().expect("the run fails");
    let shrunk = shrink_recipe(&recipe, &Target::of(&violation), 400).unwrap();
    let small = &shrunk.recipe;
    // The set-up's network is still the set-up's, with the timeouts it sets, and calm.
    assert_eq!(
        small.setup.link,
        LinkConfig {
            loss: Ppm::NEVER,
            duplicate: Ppm::NEVER,
            corrupt: Ppm::NEVER,
            ..link
        }
    );
    assert_eq!(small.schedule.len(), 1, "{}", small.to_query());
    // Its link opens at the violation and replays it.
    assert_eq!(small.at_us, Some(shrunk.shrunk.violation.time_us));
    let mut replay = small.setup.spec(small.schedule.clone());
    replay.until_us = small.at_us.unwrap();
    let again = Recipe::from_query(&small.to_query()).unwrap();
    assert_eq!(&again, small);
    assert_eq!(
        breaks(&replay, &Target::of(&violation)),
        Some(shrunk.shrunk.violation.clone())
    );
}

#[test]
fn faults_get_shorter_and_an_end_property_is_judged_sooner() {
    // An overloaded server with a retry storm: a long pause starts it, and it never
    // recovers. A shorter pause and an earlier end show the same.
    let mut spec = RunSpec::new(4, 13757245211066428519, 20 * MICROS_PER_SEC)
        .with_protocol("overload")
        .bug("retry-storm");
    spec.schedule = parse_schedule("3s@pause:0:3s").unwrap();
    let (violation, _) = broken_by(&spec).unwrap().expect("the run fails");
    assert!(violation.at_end);
    let target = Target::of(&violation);
    let shrunk = shrink(&spec, &target, ShrinkOptions::default()).unwrap();
    let [Action::Pause { for_us, .. }] = shrunk.spec.schedule[..]
        .iter()
        .map(|s| &s.action)
        .collect::<Vec<_>>()[..]
    else {
        panic!("{:?}", shrunk.spec.schedule)
    };
    assert!(*for_us < 3 * MICROS_PER_SEC, "{for_us}");
    assert!(shrunk.spec.until_us < spec.until_us);
    assert!(shrunk.violation.at_end);
    assert_eq!(breaks(&shrunk.spec, &target), Some(shrunk.violation));
}

#[test]
fn a_byzantine_protocol_keeps_the_nodes_it_needs_to_tolerate_its_traitor() {
    // Oral messages with one round too few: four generals, the commander a traitor. With
    // three generals the run breaks agreement too, but three generals tolerate no traitor
    // (it takes more than three times as many), so that run would prove nothing about the
    // bug: the shrink keeps all four.
    let mut spec = RunSpec::new(4, 10987583248141275951, 20 * MICROS_PER_SEC)
        .with_protocol("byzantine-generals")
        .bug("one-round-short");
    spec.schedule = parse_schedule("0s@behave:0:random").unwrap();
    let (violation, _) = broken_by(&spec).unwrap().expect("the run fails");
    let target = Target::of(&violation);
    let shrunk = shrink(&spec, &target, ShrinkOptions::default()).unwrap();
    assert_eq!(shrunk.spec.nodes, 4);
    let three = splitbrain_core::fuzz::shrink::without_node(&spec, 3).unwrap();
    assert!(breaks(&three, &target).is_some());
    let entry = splitbrain_core::registry::find("byzantine-generals").unwrap();
    assert_eq!(entry.tolerates(&three), Ok(0));
}

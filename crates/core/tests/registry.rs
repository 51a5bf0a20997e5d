//! Every registered protocol, from its description alone: a calm run breaks nothing, its
//! correct form survives fault schedules, each of its bugs is found by the fuzzer, each
//! property it does not promise is shown broken, and links written before the registry
//! still open the same runs. A protocol added to the registry is covered here without a
//! line of its own.

use splitbrain_core::fuzz::{fuzz, FaultMix, FuzzSpec};
use splitbrain_core::recipe::Recipe;
use splitbrain_core::registry::{About, PropertyKind, PROTOCOLS};
use splitbrain_core::run::{run, RunSpec};
use splitbrain_core::time::MICROS_PER_SEC;

fn base(about: &About) -> RunSpec {
    RunSpec::new(about.nodes.2, 0, 20 * MICROS_PER_SEC).with_protocol(about.name)
}

fn fuzz_spec(base: RunSpec, runs: u64, seed: u64) -> FuzzSpec {
    FuzzSpec {
        base,
        runs,
        seed,
        mix: FaultMix::default(),
        stop_at_first: false,
    }
}

#[test]
fn every_protocol_runs_without_faults_and_breaks_nothing() {
    for p in PROTOCOLS {
        let about = p.about();
        let report = run(&base(about)).unwrap();
        assert!(
            report.violations.is_empty(),
            "{}: {:?}",
            about.name,
            report.violations
        );
        assert!(
            report.end_violations.is_empty(),
            "{}: {:?}",
            about.name,
            report.end_violations
        );
        assert!(report.events > 10, "{}: too quiet to mean much", about.name);
    }
}

#[test]
fn every_correct_protocol_survives_two_hundred_fault_schedules() {
    for p in PROTOCOLS {
        let about = p.about();
        let report = fuzz(&fuzz_spec(base(about), 200, 11)).unwrap();
        assert_eq!(report.runs, 200);
        assert_eq!(
            report.violations + report.end_violations,
            0,
            "{}: {:?}",
            about.name,
            report.first_failure
        );
    }
}

#[test]
fn every_bug_of_every_protocol_is_found_within_a_thousand_runs() {
    for p in PROTOCOLS {
        let about = p.about();
        for bug in about.bugs {
            let mut spec = fuzz_spec(base(about).bug(bug.name), 1000, 1);
            spec.stop_at_first = true;
            let report = fuzz(&spec).unwrap();
            let failure = report
                .first_failure
                .unwrap_or_else(|| panic!("{} {}: not found in 1000 runs", about.name, bug.name));
            assert!(
                about.property(&failure.violation.invariant).is_some(),
                "{}: {} is not a property the protocol describes",
                about.name,
                failure.violation.invariant
            );
            eprintln!(
                "{} {}: run {} breaks {}",
                about.name, bug.name, failure.run, failure.violation.invariant
            );
        }
    }
}

#[test]
fn every_property_a_protocol_does_not_promise_is_shown_broken() {
    for p in PROTOCOLS {
        let about = p.about();
        for prop in about.properties.iter().filter(|p| !p.promised) {
            let report = fuzz(&fuzz_spec(base(about), 1000, 1)).unwrap();
            let broken = report
                .first_unpromised
                .unwrap_or_else(|| panic!("{}: {} never broke", about.name, prop.name));
            assert_eq!(broken.violation.invariant, prop.name);
            assert_eq!(broken.violation.at_end, prop.kind == PropertyKind::AtEnd);
        }
    }
}

#[test]
fn every_protocol_describes_its_nodes_for_an_inspector() {
    for p in PROTOCOLS {
        let about = p.about();
        let cards = p.cards(&base(about), 2 * MICROS_PER_SEC).unwrap();
        assert_eq!(cards.len(), about.nodes.2, "{}", about.name);
        for card in cards.iter().flatten() {
            assert!(
                card.facts.iter().any(|(name, _)| name == "role"),
                "{}: {card:?}",
                about.name
            );
            // What a person reads: no Rust Debug rendering in it.
            let mut texts: Vec<&str> = card.facts.iter().map(|(_, v)| v.as_str()).collect();
            if let Some(t) = &card.table {
                texts.push(&t.caption);
                texts.extend(
                    t.rows
                        .iter()
                        .flat_map(|r| r.cells.iter().map(String::as_str)),
                );
            }
            for text in texts {
                for debug in ["NodeId(", "Some(", "None", "RequestId(", " { "] {
                    assert!(!text.contains(debug), "{}: {text}", about.name);
                }
            }
        }
    }
}

#[test]
fn every_checker_is_a_described_property_and_every_property_has_a_checker() {
    // Violations name their checker; the description must list exactly the checkers that
    // run, or `splitbrain protocols` and the page would promise what nobody checks. A
    // property promised only under one choice of a setting (strong accuracy, in the
    // synchronous model) is checked under that choice: every described property has a
    // checker with the defaults or with one choice changed.
    use splitbrain_core::registry::SettingKind;
    for p in PROTOCOLS {
        let about = p.about();
        let kinds = |spec: &RunSpec| {
            let mut checked = p.checkers(spec).unwrap();
            checked.sort_by_key(|c| c.0);
            checked
        };
        let mut described: Vec<(&str, PropertyKind)> =
            about.properties.iter().map(|d| (d.name, d.kind)).collect();
        described.sort_by_key(|d| d.0);
        let mut seen = kinds(&base(about));
        for setting in about.settings {
            let SettingKind::Choice { choices } = setting.kind else {
                continue;
            };
            for choice in choices.iter() {
                let mut spec = base(about);
                spec.settings.set(setting.name, choice.value);
                seen.extend(kinds(&spec));
            }
        }
        seen.sort_by_key(|c| c.0);
        seen.dedup();
        assert_eq!(seen, described, "{}", about.name);
        assert!(
            about.properties.iter().all(|d| !d.promise.is_empty()),
            "{}",
            about.name
        );
    }
}

/// Links of the format before the registry, with the trace hash and event count the page
/// gave them then (computed by that build).
const OLD_LINKS: &[(&str, &str, u64)] = &[
    (
        "v=1&protocol=quorum&nodes=5&seed=1&load=50&r=1&w=1&actions=5s@partition:0-1,35s@heal&t=12s",
        "457d7d1cc013dc35",
        5773,
    ),
    (
        "v=1&protocol=quorum&nodes=5&seed=3&load=40&n=3&r=2&w=2&conflict=vv&sloppy=1&bugs=blind-overwrite&net=lat40ms_jit20ms_loss5&t=6s",
        "446cf7068ac106a6",
        107,
    ),
    (
        "v=1&protocol=primary-backup&nodes=5&seed=4&load=20&sync=1&retry=backoff100ms~1s~4&actions=1s@partition:0-1/2-3-4,3s@heal&t=8s",
        "ff210cff1a691efd",
        5418,
    ),
    (
        "v=1&nodes=7&seed=42&load=0&bugs=forget-vote,commit-old-term&net=loss3&election=400ms&actions=1s@crash:2:keep,2s@heal&t=5s",
        "41d0a5e85e7ac5ad",
        1493,
    ),
    ("v=1&nodes=3&seed=9&load=30&net=lat300ms&t=8s", "e7e54ba54c69cfc0", 2665),
];

#[test]
fn links_of_the_earlier_format_open_the_same_runs() {
    for (link, hash, events) in OLD_LINKS {
        let recipe = Recipe::from_query(link).unwrap_or_else(|e| panic!("{link}: {e}"));
        let mut spec = recipe.setup.spec(recipe.schedule.clone());
        spec.until_us = recipe.at_us.unwrap();
        let report = run(&spec).unwrap();
        assert_eq!(
            (report.trace_hash.as_str(), report.events),
            (*hash, *events),
            "{link}"
        );
    }
}

#[test]
fn a_byzantine_behaviour_switched_on_and_off_replays_exactly_from_its_link() {
    let link = "v=1&protocol=two-generals&nodes=2&seed=5&messages=4&actions=0s@cut:0-1,0s@behave:0:wrong-time,400ms@restore:0-1,1s@behave:0:honest&t=6s";
    let recipe = Recipe::from_query(link).unwrap();
    assert_eq!(Recipe::from_query(&recipe.to_query()).unwrap(), recipe);
    let play = |r: &Recipe| {
        let mut world = r.setup.sim(r.schedule.clone()).unwrap();
        world.run_until(r.at_us.unwrap());
        (world.trace_hash(), world.trace_len())
    };
    let (hash, len) = play(&recipe);
    assert_eq!(
        play(&Recipe::from_query(&recipe.to_query()).unwrap()),
        (hash, len)
    );
    // The lie changed the run: without it the trace differs.
    let honest = Recipe::from_query(&link.replace("0s@behave:0:wrong-time,", "")).unwrap();
    assert_ne!(play(&honest).0, hash);
    // Behaviours the protocol does not define are refused, with the ones it has.
    let err = Recipe::from_query(&link.replace("wrong-time", "teleport"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("honest, silent, wrong-time"), "{err}");
}

/// Texts a person reads must not be Rust `Debug` renderings.
fn assert_in_words(protocol: &str, text: &str) {
    for debug in [
        "NodeId(",
        "MsgId(",
        "Some(",
        "None",
        "RequestId(",
        " { ",
        "::",
    ] {
        assert!(
            !text.contains(debug),
            "{protocol}: Debug text {debug:?} in {text:?}"
        );
    }
}

#[test]
fn every_protocol_is_shown_in_words_with_every_colour_in_its_legend() {
    use splitbrain_core::recipe::parse_schedule;
    use splitbrain_core::view::SeenKind;
    // Faults of every kind on the first two nodes, which every protocol has.
    let faults = "300ms@net:lat20ms_jit40ms_loss10_dup10_cor10,500ms@checksums:off,\
                  800ms@crash:1:lose,1.2s@restart:1,1.5s@partition:0/1,2s@heal,\
                  2.2s@pause:0:200ms,2.5s@behave:0:silent,2.8s@behave:0:honest";
    let mut all_countdowns = 0;
    for p in PROTOCOLS {
        let about = p.about();
        let mut spec = base(about);
        spec.schedule = parse_schedule(faults).unwrap();
        let mut sim = spec.sim(true).unwrap();
        let named = |colour: u8| !about.look.legend[usize::from(colour).min(3)].is_empty();
        let (mut sends, mut flying, mut countdowns) = (0, 0, 0);
        while sim.now() < 4 * MICROS_PER_SEC && sim.step() {
            for m in sim.flying() {
                flying += 1;
                assert!(
                    named(m.colour),
                    "{}: colour {} unnamed",
                    about.name,
                    m.colour
                );
                let text = sim
                    .message_text(m.id)
                    .expect("a message in flight has words");
                assert_in_words(about.name, &text);
            }
            if let Some((_, _, told)) = sim.narration() {
                assert_in_words(about.name, &told);
            }
            for c in sim.countdowns() {
                countdowns += 1;
                assert!(c.at >= sim.now() && c.span > 0, "{}: {c:?}", about.name);
                assert!(
                    sim.is_up(c.node.index()),
                    "{}: countdown on a node that is down",
                    about.name
                );
            }
        }
        for (i, e) in sim.events_from(0) {
            if let SeenKind::Send { colour, .. } = e.kind {
                sends += 1;
                assert!(named(colour), "{}: colour {colour} unnamed", about.name);
            }
            assert_in_words(about.name, &sim.event_text(i).unwrap());
        }
        assert_eq!(sim.events_from(0).count() as u64, sim.trace_len());
        assert!(sends > 0 && flying > 0, "{}: no messages seen", about.name);
        all_countdowns += countdowns;
    }
    // Raft's election timer and the generals' deadline are drawn.
    assert!(all_countdowns > 0, "no protocol showed a countdown");
}

/// Every setting is accepted at both ends of the range its description offers, on some
/// cluster size the protocol runs on (the page offers those values; a rule tying a setting
/// to the cluster's size, such as flooding's f below n, is stated in its refusal).
#[test]
fn every_setting_is_accepted_at_both_ends_of_its_range() {
    use splitbrain_core::registry::SettingKind;
    for p in PROTOCOLS {
        let about = p.about();
        for setting in about.settings {
            let ends: Vec<String> = match setting.kind {
                SettingKind::Number { min, max } => vec![min.to_string(), max.to_string()],
                SettingKind::NodeCount { min } => vec![min.to_string(), about.nodes.1.to_string()],
                SettingKind::Flag => vec!["0".into(), "1".into()],
                SettingKind::Choice { choices } => {
                    choices.iter().map(|c| c.value.to_string()).collect()
                }
                SettingKind::Duration { min_us, max_us } => {
                    vec![format!("{min_us}us"), format!("{max_us}us")]
                }
            };
            for value in ends {
                let refusals: Vec<String> = (about.nodes.0..=about.nodes.1)
                    .filter_map(|nodes| {
                        let mut spec = base(about);
                        spec.nodes = nodes;
                        spec.settings.set(setting.name, value.clone());
                        spec.validate().err().map(|e| e.to_string())
                    })
                    .collect();
                assert!(
                    refusals.len() < about.nodes.1 - about.nodes.0 + 1,
                    "{} {}={value} is refused on every cluster size: {:?}",
                    about.name,
                    setting.name,
                    refusals.first()
                );
            }
        }
    }
}

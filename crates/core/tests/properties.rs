//! Properties of the simulator over random inputs.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use splitbrain_core::action::Schedule;
use splitbrain_core::fuzz::{random_schedule, FaultMix};
use splitbrain_core::protocols::raft::RaftNode;
use splitbrain_core::rng::SimRng;
use splitbrain_core::run::RunSpec;
use splitbrain_core::time::{parse_duration, MICROS_PER_SEC};

fn spec(nodes: usize, seed: u64, schedule_seed: u64) -> RunSpec {
    let mut spec = RunSpec::new(nodes, seed, 4 * MICROS_PER_SEC);
    let mut rng = SimRng::new(schedule_seed);
    spec.schedule = random_schedule(
        &mut rng,
        nodes,
        spec.until_us,
        FaultMix::disk_loss(false),
        splitbrain_core::registry::PROTOCOLS[0].about(),
    );
    spec
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// An action taken live in the middle of an instant (after some of the events of that
    /// microsecond, as after seeking to an event or stepping) replays exactly from the
    /// link: the schedule in its text form gives the same trace.
    #[test]
    fn an_action_taken_between_events_of_one_instant_replays_exactly(
        seed: u64,
        steps in 50u64..3000,
        node in 0u32..5,
    ) {
        use splitbrain_core::action::{Action, DiskFate};
        use splitbrain_core::ids::NodeId;
        use splitbrain_core::recipe::{format_schedule, parse_schedule};
        let spec = RunSpec::new(5, seed, 3 * MICROS_PER_SEC);
        let mut live = spec.typed_world::<RaftNode>(true).unwrap();
        for _ in 0..steps {
            live.step();
        }
        live.act(Action::Crash { node: NodeId(node), disk: DiskFate::Keep });
        live.step();
        live.act(Action::Restart { node: NodeId(node) });
        // Stepping can carry the live run past the spec's end; the replay goes as far.
        let end = live.now().max(spec.until_us);
        live.run_until(end);
        // The workload's own action comes from the spec again.
        let text = format_schedule(&live.schedule_so_far()[1..]);
        let mut again = spec.clone();
        again.schedule = parse_schedule(&text).unwrap();
        let mut replay = again.typed_world::<RaftNode>(false).unwrap();
        replay.run_until(end);
        prop_assert_eq!(replay.trace_hash(), live.trace_hash(), "{}", text);
    }

    /// Same seed and schedule, same trace, same number of random draws.
    #[test]
    fn runs_are_deterministic(nodes in 1usize..8, seed: u64, schedule_seed: u64) {
        let spec = spec(nodes, seed, schedule_seed);
        let mut a = spec.typed_world::<RaftNode>(false).unwrap();
        let mut b = spec.typed_world::<RaftNode>(false).unwrap();
        a.run_until(spec.until_us);
        b.run_until(spec.until_us);
        prop_assert_eq!(a.trace_hash(), b.trace_hash());
        prop_assert_eq!(a.rng_draws(), b.rng_draws());
        prop_assert!(a.violations().is_empty(), "{:?}", a.violations());
    }

    /// A snapshot taken at any moment continues exactly like the original.
    #[test]
    fn snapshots_continue_identically(seed: u64, cut in 0u64..4_000_000) {
        let spec = spec(5, seed, seed ^ 1);
        let mut world = spec.typed_world::<RaftNode>(false).unwrap();
        world.run_until(cut);
        let mut snapshot = world.clone();
        world.run_until(spec.until_us);
        snapshot.run_until(spec.until_us);
        prop_assert_eq!(world.trace_hash(), snapshot.trace_hash());
    }

    /// Schedules survive a trip through their JSON file format unchanged.
    #[test]
    fn schedules_round_trip_through_json(seed: u64, nodes in 1usize..10) {
        let mut rng = SimRng::new(seed);
        let schedule = random_schedule(
            &mut rng,
            nodes,
            20 * MICROS_PER_SEC,
            FaultMix { disk_loss: true, traitors: Some(2), faults: None },
            splitbrain_core::registry::find("two-generals").unwrap().about(),
        );
        let text = serde_json::to_string(&schedule).unwrap();
        let back: Schedule = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(back, schedule);
    }

    /// The same schedules survive the compact text form used in URLs.
    #[test]
    fn schedules_round_trip_through_the_url_form(seed: u64, nodes in 1usize..10) {
        let mut rng = SimRng::new(seed);
        let schedule = random_schedule(&mut rng, nodes, 20 * MICROS_PER_SEC, FaultMix::disk_loss(true), splitbrain_core::registry::PROTOCOLS[0].about());
        let text = splitbrain_core::recipe::format_schedule(&schedule);
        prop_assert_eq!(splitbrain_core::recipe::parse_schedule(&text), Ok(schedule));
    }

    /// Durations written in microseconds, milliseconds or seconds parse back exactly.
    #[test]
    fn durations_parse(us in 0u64..10_000_000_000) {
        prop_assert_eq!(parse_duration(&format!("{us}us")), Ok(us));
        prop_assert_eq!(parse_duration(&format!("{}.{:06}s", us / 1_000_000, us % 1_000_000)), Ok(us));
        prop_assert_eq!(parse_duration(&format!("{}.{:03}ms", us / 1000, us % 1000)), Ok(us));
    }

    /// No text makes the duration parser panic.
    #[test]
    fn duration_parser_never_panics(text in ".{0,12}") {
        let _ = parse_duration(&text);
    }
}

proptest! {
    /// The schedule decoder reads untrusted text (URLs): it must never panic, and what it
    /// accepts must survive a round trip through the encoder.
    #[test]
    fn schedule_text_never_panics_and_round_trips(text in "[0-9a-z@:,./_~-]{0,60}") {
        if let Ok(schedule) = splitbrain_core::recipe::parse_schedule(&text) {
            let again = splitbrain_core::recipe::format_schedule(&schedule);
            prop_assert_eq!(splitbrain_core::recipe::parse_schedule(&again), Ok(schedule));
        }
    }
}

proptest! {
    /// Links are untrusted input: any query either reads or gives an error, never a panic,
    /// and what reads survives a round trip.
    #[test]
    fn run_links_never_panic_and_round_trip(text in "[0-9a-z@:,./_~&=#?-]{0,80}") {
        if let Ok(recipe) = splitbrain_core::recipe::Recipe::from_query(&text) {
            let again = recipe.to_query();
            prop_assert_eq!(splitbrain_core::recipe::Recipe::from_query(&again), Ok(recipe));
        }
    }

    /// The same with well-formed names and arbitrary values, which reach deeper.
    #[test]
    fn run_link_values_never_panic(
        name in prop::sample::select(vec!["v", "nodes", "seed", "load", "bugs", "net", "election", "actions", "t"]),
        value in "[0-9a-z@:,./_~%-]{0,40}",
    ) {
        let _ = splitbrain_core::recipe::Recipe::from_query(&format!("{name}={value}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A fuzz that names its kinds of fault gets only those: every action of its
    /// schedules is one of them (or no fault at all: client load, checksums, lies).
    #[test]
    fn a_fuzz_uses_only_the_fault_kinds_it_names(seed: u64, run in 0u64..1000, bits in 0u16..256) {
        use splitbrain_core::action::Action;
        use splitbrain_core::fuzz::{fuzz_run_spec, FaultMix, FuzzSpec};
        use splitbrain_core::registry::{FaultKind as F, Faults};
        let kinds: Vec<F> = F::ALL.into_iter().filter(|k| bits & (1 << (*k as u16)) != 0).collect();
        let allowed = Faults::of(&kinds);
        let fuzz = FuzzSpec {
            base: RunSpec::new(5, 0, 20 * MICROS_PER_SEC),
            runs: 1000,
            seed,
            mix: FaultMix { faults: Some(allowed), ..FaultMix::default() },
            stop_at_first: false,
        };
        for s in fuzz_run_spec(&fuzz, run).schedule {
            let kind = match &s.action {
                Action::Partition { .. } | Action::PartitionLeader { .. } | Action::Heal => F::Partition,
                Action::CutLink { .. } | Action::RestoreLink { .. } => F::Cut,
                Action::Crash { .. } | Action::Restart { .. } | Action::CrashOnWrite { .. }
                | Action::CrashLeader { .. } => F::Crash,
                Action::Pause { .. } => F::Pause,
                Action::Slow { .. } => F::Slow,
                Action::SkewClock { .. } => F::ClockStep,
                Action::SetDrift { .. } => F::ClockDrift,
                Action::SetNetwork { .. } | Action::SetLink { .. } => F::Network,
                _ => continue,
            };
            prop_assert!(allowed.has(kind), "{:?} with only {}", s.action, allowed);
        }
    }
}

//! The action and schedule text form: every action round-trips, bad text is refused with
//! the reason.

use super::*;

fn every_kind() -> Vec<Action> {
    let n = NodeId;
    vec![
        Action::Crash {
            node: n(2),
            disk: DiskFate::Lose,
        },
        Action::Restart { node: n(0) },
        Action::CrashOnWrite {
            node: n(1),
            disk: DiskFate::Keep,
            restart_after_us: Some(1_500_000),
        },
        Action::CrashOnWrite {
            node: n(1),
            disk: DiskFate::Lose,
            restart_after_us: None,
        },
        Action::Pause {
            node: n(3),
            for_us: 250_000,
        },
        Action::Slow {
            node: n(3),
            delay_us: 17,
        },
        Action::SkewClock {
            node: n(4),
            by_us: -100_000,
        },
        Action::SkewClock {
            node: n(4),
            by_us: 2_000_001,
        },
        Action::SetDrift {
            node: n(1),
            ppm: -50_000,
        },
        Action::Behave {
            node: n(2),
            behaviour: "wrong-time".into(),
        },
        Action::Behave {
            node: n(2),
            behaviour: "honest".into(),
        },
        Action::CrashLeader {
            disk: DiskFate::Keep,
            restart_after_us: Some(300_000),
        },
        Action::CrashLeader {
            disk: DiskFate::Lose,
            restart_after_us: None,
        },
        Action::PartitionLeader { with: 0 },
        Action::PartitionLeader { with: 2 },
        Action::Partition {
            groups: vec![vec![n(0), n(1), n(2)], vec![n(3), n(4)]],
        },
        Action::CutLink {
            from: n(0),
            to: n(1),
        },
        Action::RestoreLink {
            from: n(1),
            to: n(0),
        },
        Action::Heal,
        Action::SetLink {
            from: n(2),
            to: n(3),
            link: LinkConfig {
                loss: Ppm(125_000),
                corrupt: Ppm(1),
                ..LinkConfig::default()
            },
        },
        Action::SetNetwork {
            link: LinkConfig {
                latency_us: 40_000,
                jitter_us: 80_000,
                duplicate: Ppm::percent(100),
                ..LinkConfig::default()
            },
        },
        Action::SetChecksums { on: false },
        Action::Client {
            node: n(1),
            op: KvOp::Get { key: 3 },
        },
        Action::Client {
            node: n(1),
            op: KvOp::Put { key: 3, value: 99 },
        },
        Action::Client {
            node: n(1),
            op: KvOp::Cas {
                key: 3,
                expect: None,
                new: 4,
            },
        },
        Action::Client {
            node: n(1),
            op: KvOp::Cas {
                key: 3,
                expect: Some(4),
                new: 5,
            },
        },
        Action::SetWorkload {
            workload: Workload {
                rate_per_s: 0,
                ..Workload::default()
            },
        },
        Action::SetWorkload {
            workload: Workload {
                retry: Retry::Backoff {
                    base_us: 100_000,
                    cap_us: 2_000_000,
                    attempts: 5,
                },
                ..Workload::default()
            },
        },
        Action::SetWorkload {
            workload: Workload {
                retry: Retry::Fixed {
                    delay_us: 1_500,
                    attempts: 3,
                },
                ..Workload::default()
            },
        },
    ]
}

#[test]
fn every_action_round_trips() {
    let schedule: Vec<Scheduled> = every_kind()
        .into_iter()
        .enumerate()
        .map(|(i, action)| Scheduled::at(i as u64 * 333_333, action))
        .collect();
    let text = format_schedule(&schedule);
    assert_eq!(parse_schedule(&text), Ok(schedule), "{text}");
    // Only characters that need no escaping in a URL query.
    assert!(
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:@,/".contains(&b)),
        "{text}"
    );
}

#[test]
fn the_documented_example_reads() {
    let s = parse_schedule(
        "1.5s@crash:2:lose,2s@partition:0-1-2/3-4,3s@cut:0-1,4s@net:lat40ms_jit80ms_loss20,5s@heal",
    )
    .unwrap();
    assert_eq!(s.len(), 5);
    assert_eq!(s[0].at, 1_500_000);
    assert_eq!(
        s[3].action,
        Action::SetNetwork {
            link: LinkConfig {
                latency_us: 40_000,
                jitter_us: 80_000,
                loss: Ppm::percent(20),
                ..LinkConfig::default()
            }
        }
    );
}

#[test]
fn durations_are_shortest_and_exact() {
    for (us, text) in [
        (0, "0s"),
        (17, "17us"),
        (250_000, "250ms"),
        (1_500_000, "1.5s"),
        (2_000_000, "2s"),
        (1_000_001, "1000001us"),
        (1_250_000, "1.25s"),
    ] {
        assert_eq!(format_duration(us), text);
        assert_eq!(parse_duration(text), Ok(us));
    }
}

#[test]
fn bad_input_names_the_entry_and_the_problem() {
    let cases = [
        ("1s@heal,oops", "action 2"),
        ("1s@explode:3", "unknown action \"explode\""),
        ("1s@crash:2", "takes 2 arguments"),
        ("1s@crash:x:keep", "node \"x\" is not a valid number"),
        ("1s@crash:2:melt", "keep or lose"),
        ("1q@heal", "unknown time unit"),
        ("1s@net:loss120", "percentage"),
        ("1s@net:speed3", "unknown link setting"),
        ("1s@cut:0-1-2", "is not a link"),
        ("1s@client:1:put:3", "client operation"),
        ("1s@load:50_keys0", "at least one key"),
        ("1s@load:50_backoff1s~2s", "backoffBASE~CAP~ATTEMPTS"),
        ("1s@load:50_fixed1s", "fixedDELAY~ATTEMPTS"),
        ("1s@skew:1:-", "missing number"),
        (
            "1s+x@heal",
            "the number of events of that instant before the action",
        ),
        ("-2s@heal", "cannot be negative"),
    ];
    for (text, want) in cases {
        let err = parse_schedule(text).unwrap_err().to_string();
        assert!(err.contains(want), "{text}: {err}");
    }
    assert_eq!(parse_schedule(""), Ok(Vec::new()));
}

#[test]
fn an_action_after_events_of_its_instant_keeps_its_place_in_the_text() {
    let schedule = parse_schedule("1.5s@heal,1.5s+3@crash:2:keep").unwrap();
    assert_eq!(schedule[0].after, 0);
    assert_eq!(schedule[1].after, 3);
    assert_eq!(schedule[1].at, 1_500_000);
    assert_eq!(format_schedule(&schedule), "1.5s@heal,1.5s+3@crash:2:keep");
}

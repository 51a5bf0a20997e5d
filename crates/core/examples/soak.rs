//! The memory of a long recorded run as the page keeps it: a world played forward with the
//! page's [`Rewind`] (snapshots for seeking back, a window of trace events), its heap
//! measured by a counting allocator every `step` of simulated time.
//!
//! `cargo run --release -p splitbrain-core --example soak -- [PROTOCOL] [NODES] [OPS/S] [SECONDS] [unbounded]`
//! (defaults: raft 64 50 600). `unbounded` keeps what the page kept before the limits: a
//! snapshot every half second and every event.

use splitbrain_core::mem::{live_bytes, Counting};
use splitbrain_core::recipe::Setup;
use splitbrain_core::rewind::{Limits, Rewind};
use splitbrain_core::time::MICROS_PER_SEC;

#[global_allocator]
static HEAP: Counting<std::alloc::System> = Counting(std::alloc::System);

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or(default.to_string());
    let setup = Setup {
        protocol: arg(0, "raft"),
        nodes: arg(1, "64").parse().expect("a number of nodes"),
        load: arg(2, "50").parse().expect("operations per second"),
        ..Setup::default()
    };
    let seconds: u64 = arg(3, "600").parse().expect("seconds");
    let unbounded = args.get(4).is_some_and(|a| a == "unbounded");
    let limits = if unbounded {
        Limits {
            copy_rate: 0,
            snapshots: usize::MAX,
            snapshot_bytes: usize::MAX,
            events: u64::MAX / 2,
            ..Limits::default()
        }
    } else {
        Limits::default()
    };
    let mut world = setup.sim(Vec::new()).expect("a valid set-up");
    let mut rewind = Rewind::new(&*world, limits);
    println!(
        "{} on {} nodes at {} ops/s, {}",
        setup.protocol,
        setup.nodes,
        setup.load,
        if unbounded {
            "unbounded"
        } else {
            "within the page's limits"
        }
    );
    println!("sim s   events     kept events  snapshots  snapshots MB  heap MB  real s");
    let started = std::time::Instant::now();
    let step = (seconds / 20).max(1);
    let mut t = 0;
    while t < seconds {
        t = (t + step).min(seconds);
        // The page advances a frame at a time; a tenth of a second is one frame at 1x.
        let mut now = world.now();
        while now < t * MICROS_PER_SEC {
            now = (now + MICROS_PER_SEC / 10).min(t * MICROS_PER_SEC);
            rewind.run_to(&mut *world, now);
        }
        let (count, bytes) = rewind.kept();
        println!(
            "{t:>5}  {:>9}  {:>11}  {count:>9}  {:>12.1}  {:>7.1}  {:>6.1}",
            world.trace_len(),
            world.trace_len() - world.first_kept_event(),
            mb(bytes),
            mb(live_bytes().unwrap_or(0)),
            started.elapsed().as_secs_f64()
        );
    }
}

use splitbrain_core::fuzz::*;
use splitbrain_core::run::RunSpec;
use splitbrain_core::trace::EventKind;
fn main() {
    let base = RunSpec::new(5, 0, 20_000_000);
    let spec = FuzzSpec {
        base,
        runs: 1000,
        seed: 1,
        mix: FaultMix { disk_loss: false },
        stop_at_first: false,
    };
    let rs = fuzz_run_spec(&spec, 402);
    for s in &rs.schedule {
        if s.at < 1_700_000 {
            println!("SCHED {} {:?}", s.at, s.action);
        }
    }
    let mut w = rs.raft_world(true);
    w.run_until(rs.until_us);
    println!("{:?}", w.violations());
    for e in w.trace().events().unwrap() {
        match &e.kind {
            EventKind::Send { msg, from, to, .. } => {
                let k = format!("{:?}", msg);
                if !k.starts_with("AppendEntries { term: 1") || true {
                    if e.time > 1_300_000 {
                        println!(
                            "{} send {}->{} {}",
                            e.time,
                            from.0,
                            to.0,
                            &k[..k.len().min(200)]
                        );
                    }
                }
            }
            EventKind::Deliver { .. }
            | EventKind::Drop { .. }
            | EventKind::Persist { .. }
            | EventKind::ClientInvoke { .. }
            | EventKind::ClientReply { .. } => {}
            k => println!("{} {:?}", e.time, k),
        }
    }
}

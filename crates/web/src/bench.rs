//! The frame-time benchmark mode: `?bench=N` starts an N-node cluster under load at real
//! time and records, for every animation frame, the time spent in the frame's work, the
//! interval since the previous frame and the number of messages in flight. The numbers
//! are published as `window.splitbrainBench` for `scripts/bench-page.mjs` to read.
//! `latency=MS` makes the links that slow once a leader is settled, which keeps about
//! 2 × (N − 1) × latency / heartbeat messages in the air.

use crate::state::{Page, Setup};
use splitbrain_core::action::{Action, Scheduled};
use splitbrain_core::network::LinkConfig;
use splitbrain_core::recipe::format_duration;
use splitbrain_core::registry;
use splitbrain_core::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};
use std::cell::RefCell;
use wasm_bindgen::JsValue;

pub struct FrameRecorder {
    pub setup: Setup,
    /// When the links turn slow, and how slow.
    pub slow: (Micros, LinkConfig),
    pub speed: f64,
    frames: RefCell<Frames>,
}

#[derive(Default)]
struct Frames {
    last_t: Option<f64>,
    work: Vec<f64>,
    interval: Vec<f64>,
    in_flight: Vec<f64>,
}

fn query() -> Vec<(String, String)> {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The recorder asked for by the page's URL, if any.
pub fn from_url() -> Option<FrameRecorder> {
    let q = query();
    let get = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let nodes = get("bench")?
        .parse::<usize>()
        .ok()?
        .clamp(1, splitbrain_core::run::MAX_NODES);
    // Slow links keep many messages in the air at once. They are switched on once a
    // leader is settled (with fast links), and election timeouts are long enough to
    // outlast the slow round trips, so the cluster stays in its steady state of
    // heartbeats and client traffic instead of an election storm.
    let latency_ms = get("latency")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(5)
        .min(10_000);
    let load = get("load")
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(50);
    let slow = LinkConfig {
        latency_us: latency_ms * MICROS_PER_MS,
        ..LinkConfig::default()
    };
    let about = get("protocol")
        .and_then(|p| registry::find(p).ok())
        .unwrap_or(registry::PROTOCOLS[0])
        .about();
    let mut setup = Setup {
        protocol: about.name.to_string(),
        nodes,
        seed: 1,
        load: load.min(1000),
        ..Setup::default()
    };
    // Slow links from the start would mean endless elections: a protocol with an election
    // timeout gets one that outlasts them, and the links slow down once it has settled.
    let election = (latency_ms > 20).then_some(6 * (slow.latency_us + slow.jitter_us));
    if let (Some(us), Some(_)) = (election, about.setting("election")) {
        setup.settings.set("election", format_duration(us));
    }
    let slow_from = (election.unwrap_or(0) * 5 / 2).max(MICROS_PER_SEC);
    Some(FrameRecorder {
        setup,
        slow: (slow_from, slow),
        speed: 1000.0,
        frames: RefCell::default(),
    })
}

impl FrameRecorder {
    /// Schedules the switch to slow links.
    pub fn prepare(&self, page: &Page) {
        let (at, link) = self.slow;
        if link != LinkConfig::default() {
            page.world
                .borrow_mut()
                .schedule(vec![Scheduled::at(at, Action::SetNetwork { link })]);
        }
    }

    pub fn record(&self, t: f64, work_ms: f64, page: &Page) {
        let mut f = self.frames.borrow_mut();
        if let Some(last) = f.last_t.replace(t) {
            f.interval.push(t - last);
        }
        f.work.push(work_ms);
        f.in_flight.push(page.world.borrow().flying().len() as f64);
        if f.work.len().is_multiple_of(30) {
            publish(&f);
        }
    }
}

fn publish(f: &Frames) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let obj = js_sys::Object::new();
    for (name, values) in [
        ("work", &f.work),
        ("interval", &f.interval),
        ("inFlight", &f.in_flight),
    ] {
        let array = js_sys::Float64Array::from(&values[..]);
        js_sys::Reflect::set(&obj, &JsValue::from_str(name), &array).ok();
    }
    js_sys::Reflect::set(&window, &JsValue::from_str("splitbrainBench"), &obj).ok();
}

/// The page's memory for `scripts/soak-page.mjs`: the heap the counting allocator sees
/// live, and the WebAssembly memory the browser has given the module (it never shrinks,
/// so it is the peak), both in bytes.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = splitbrainMemory)]
pub fn memory() -> Vec<f64> {
    let heap = splitbrain_core::mem::live_bytes().unwrap_or(0) as f64;
    #[cfg(target_arch = "wasm32")]
    let wasm = (core::arch::wasm32::memory_size(0) * 65536) as f64;
    #[cfg(not(target_arch = "wasm32"))]
    let wasm = 0.0;
    vec![heap, wasm]
}

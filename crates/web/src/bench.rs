//! The frame-time benchmark mode: `?bench=N` starts an N-node cluster under load at real
//! time and records, for every animation frame, the time spent in the frame's work, the
//! interval since the previous frame and the number of messages in flight. The numbers
//! are published as `window.splitbrainBench` for `scripts/bench-page.mjs` to read.

use crate::state::{Setup, Sim};
use splitbrain_core::network::LinkConfig;
use splitbrain_core::time::MICROS_PER_MS;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

pub struct FrameRecorder {
    pub setup: Setup,
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
    // Slow links keep many messages in the air at once; the election timeout grows with
    // them (in `Setup::world`), so the cluster still settles on a leader.
    let latency_ms = get("latency")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(5);
    let load = get("load")
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(50);
    let setup = Setup {
        nodes,
        seed: 1,
        load: load.min(1000),
        link: LinkConfig {
            latency_us: latency_ms * MICROS_PER_MS,
            ..LinkConfig::default()
        },
        ..Setup::default()
    };
    Some(FrameRecorder {
        setup,
        speed: 1000.0,
        frames: RefCell::default(),
    })
}

impl FrameRecorder {
    pub fn record(&self, t: f64, work_ms: f64, sim: &Sim) {
        let mut f = self.frames.borrow_mut();
        if let Some(last) = f.last_t.replace(t) {
            f.interval.push(t - last);
        }
        f.work.push(work_ms);
        f.in_flight
            .push(sim.world.borrow().queue().in_flight().count() as f64);
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

//! What the page hands out: the trace file ("Export trace") and the JavaScript API's
//! objects (`state()`, `events()`), as serialisable types, so that their shapes are
//! written down once, here (the README documents the same fields). The page turns them
//! into JavaScript values with serde.

use crate::check::Violation;
use crate::run::hash_hex;
use crate::sim::Sim;
use crate::time::Micros;
use crate::view::SeenKind;
use serde::Serialize;

/// The trace file's format name and version.
pub const TRACE_FORMAT: &str = "splitbrain-trace";
pub const TRACE_VERSION: u32 = 1;

/// One trace event: its position, time, kind, the message or node it concerns, and a
/// description in words.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRecord {
    pub i: u64,
    pub t: Micros,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msg: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msg_kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<u32>,
    pub text: String,
}

/// Trace event `index` of `sim`.
pub fn event_record(sim: &dyn Sim, index: u64) -> Option<EventRecord> {
    let e = sim.event(index)?;
    let mut record = EventRecord {
        i: index,
        t: e.time,
        kind: e.kind.name(),
        msg: None,
        from: None,
        to: None,
        msg_kind: None,
        node: None,
        text: String::new(),
    };
    match e.kind {
        SeenKind::Send {
            id, from, to, kind, ..
        } => {
            (record.msg, record.from, record.to) = (Some(id.0), Some(from.0), Some(to.0));
            record.msg_kind = Some(kind);
        }
        SeenKind::Deliver { id, from, to } | SeenKind::Drop { id, from, to, .. } => {
            (record.msg, record.from, record.to) = (Some(id.0), Some(from.0), Some(to.0));
        }
        kind => record.node = kind.lane().map(|n| n.0),
    }
    record.text = sim.event_text(index)?;
    Some(record)
}

/// A whole run as a trace file: the recipe that reproduces it (a link's query), its
/// hash, and every event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceFile {
    pub format: &'static str,
    pub version: u32,
    pub recipe: String,
    pub time_us: Micros,
    pub trace_hash: String,
    pub events: Vec<EventRecord>,
}

pub fn trace_file(sim: &dyn Sim, recipe: String) -> TraceFile {
    TraceFile {
        format: TRACE_FORMAT,
        version: TRACE_VERSION,
        recipe,
        time_us: sim.now(),
        trace_hash: hash_hex(sim.trace_hash()),
        // A long run in the page keeps only its newest events (see `rewind`); each record
        // carries its position, and the recipe rebuilds the whole run.
        events: (sim.first_kept_event()..sim.trace_len())
            .filter_map(|i| event_record(sim, i))
            .collect(),
    }
}

/// What reading a trace file back needs of it (the events are for other tools): its format,
/// version, recipe and moment; missing fields are absent, so that [`TraceHead::recipe`]
/// says what is wrong in words. (A field of the wrong type fails to deserialize.)
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct TraceHead {
    pub format: Option<String>,
    pub version: Option<f64>,
    pub recipe: Option<String>,
    pub time_us: Option<f64>,
}

impl TraceHead {
    /// The run the file reproduces, at the moment it was exported; or what keeps it from
    /// being read.
    pub fn recipe(&self) -> Result<crate::recipe::Recipe, TraceFileError> {
        if self.format.as_deref() != Some(TRACE_FORMAT) {
            return Err(TraceFileError::NotATrace);
        }
        let version = self.version.unwrap_or(0.0);
        if version < 1.0 || version > f64::from(TRACE_VERSION) || version.fract() != 0.0 {
            return Err(TraceFileError::Version(version.to_string()));
        }
        let text = self.recipe.as_deref().ok_or(TraceFileError::NoRecipe)?;
        let mut recipe = crate::recipe::Recipe::from_query(text)
            .map_err(|e| TraceFileError::Recipe(Box::new(e)))?;
        recipe.at_us = self
            .time_us
            .filter(|t| *t >= 0.0 && t.is_finite())
            .map(|t| t as u64);
        Ok(recipe)
    }
}

/// Why an exported trace file was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TraceFileError {
    #[error(
        "a JSON file must be a trace exported by splitbrain (with \"format\": \"{TRACE_FORMAT}\")"
    )]
    NotATrace,
    /// The version as written in the file (kept as text: formatting a float again here
    /// would compile a second copy of the float printer into the page).
    #[error("trace format version {0} is not one this page reads (1 to {TRACE_VERSION})")]
    Version(String),
    #[error("the trace has no \"recipe\" text")]
    NoRecipe,
    #[error("its recipe: {0}")]
    Recipe(Box<crate::recipe::LinkError>),
}

/// The run now, as the JavaScript API's `state()` gives it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunState {
    pub time_us: Micros,
    pub playing: bool,
    /// A number in JavaScript (exact up to 2^53; the link keeps every seed exactly).
    pub seed: f64,
    pub protocol: String,
    /// The checker's verdict on the clients' history, for protocols with clients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linearizability: Option<LinState>,
    pub trace_hash: String,
    pub nodes: Vec<NodeState>,
    pub violations: Vec<Violation>,
    /// The protocol's measures now (see [`crate::run::measure_readings`]), for a protocol
    /// that measures itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<crate::run::MeasureReading>,
    /// The meter's warning now, if it raises one (the overloaded service's "metastable").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm: Option<crate::check::Alarm>,
    /// The service's availability so far (see [`crate::availability::Report`]).
    pub availability: crate::availability::Report,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinState {
    /// `linearizable`, `not_linearizable` or `inconclusive`.
    pub verdict: crate::checkers::linearizability::Verdict,
    /// The request ids of a small history that is not linearizable by itself.
    pub witness: Vec<u64>,
    pub ops: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeState {
    pub id: u32,
    pub up: bool,
    pub paused: bool,
    /// While it is up: its role's name, its term (or view, epoch), commit index and log
    /// length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_index: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_length: Option<u64>,
}

/// Each node of `sim` as `state()` lists it.
pub fn node_states(sim: &dyn Sim) -> Vec<NodeState> {
    (0..sim.node_count())
        .map(|i| {
            let slot = sim.node_view(i);
            let status = slot.status;
            NodeState {
                id: i as u32,
                up: slot.up,
                paused: slot.paused,
                role: status.map(|s| {
                    sim.about()
                        .roles
                        .iter()
                        .find(|r| r.code == s.role.0)
                        .map_or("unknown", |r| r.name)
                }),
                term: status.map(|s| s.term),
                commit_index: status.map(|s| s.commit),
                log_length: status.map(|s| s.log_len),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::Recipe;

    /// Three nodes, n1 crashed at 100 ms, run to 400 ms.
    fn crash_run() -> (Recipe, Box<dyn Sim>) {
        let recipe =
            Recipe::from_query("v=1&nodes=3&seed=2&actions=100ms@crash:1:keep&t=400ms").unwrap();
        let mut sim = recipe
            .setup
            .spec(recipe.schedule.clone())
            .sim(true)
            .unwrap();
        sim.run_until(400_000);
        (recipe, sim)
    }

    #[test]
    fn a_trace_file_lists_every_event_with_its_message_or_node() {
        let (recipe, sim) = crash_run();
        let file = trace_file(&*sim, recipe.to_query());
        assert_eq!(file.events.len() as u64, sim.trace_len());
        let json = serde_json::to_value(&file).unwrap();
        assert_eq!(json["format"], "splitbrain-trace");
        let send = file.events.iter().find(|e| e.kind == "send").unwrap();
        assert!(send.msg.is_some() && send.msg_kind.is_some() && send.node.is_none());
        let crash = file
            .events
            .iter()
            .find(|e| e.text.contains("crashed"))
            .unwrap();
        assert_eq!(crash.node, Some(1));
        let keys: Vec<String> = serde_json::to_value(crash)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert!(!keys.contains(&"msg".to_string()), "{keys:?}");
        let states = node_states(&*sim);
        assert_eq!((states[1].up, states[1].role), (false, None));
        assert!(states[0].role.is_some());
    }

    #[test]
    fn a_trace_file_reads_back_as_its_run_and_a_broken_one_says_why() {
        let (recipe, sim) = crash_run();
        let text = serde_json::to_string(&trace_file(&*sim, recipe.to_query())).unwrap();
        let head: TraceHead = serde_json::from_str(&text).unwrap();
        let back = head.recipe().unwrap();
        assert_eq!(back.schedule, recipe.schedule);
        assert_eq!(back.setup, recipe.setup);
        assert_eq!(back.at_us, Some(400_000));

        let says = |json: &str| {
            let head: TraceHead = serde_json::from_str(json).unwrap();
            head.recipe().unwrap_err().to_string()
        };
        assert!(serde_json::from_str::<TraceHead>(r#"{"format": 7}"#).is_err());
        assert!(says(r#"{"name": "x"}"#).contains("exported by splitbrain"));
        let head = r#""format": "splitbrain-trace""#;
        assert!(says(&format!("{{{head}, \"version\": 2}}")).contains("version 2"));
        assert!(says(&format!("{{{head}, \"version\": 1}}")).contains("no \"recipe\""));
        let bad = says(&format!(
            "{{{head}, \"version\": 1, \"recipe\": \"nodes=zero\"}}"
        ));
        assert!(bad.starts_with("its recipe:"), "{bad}");
        let at = |t: &str| {
            let json = format!("{{{head}, \"version\": 1, \"recipe\": \"v=1\", \"time_us\": {t}}}");
            let head: TraceHead = serde_json::from_str(&json).unwrap();
            head.recipe().unwrap().at_us
        };
        assert_eq!((at("-5"), at("2.5e6")), (None, Some(2_500_000)));
    }
}

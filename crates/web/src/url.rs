//! The page's URL: the run's recipe (see the core's `recipe` module) in the fragment, plus
//! names of the page's own: `embed` (which views to show inside another page), `autoplay`,
//! `speed` (`0.01x` to `10x`) and `panel` (the node or link whose panel is open). Kept up to date as the run changes,
//! so the address bar always reproduces the run; "Copy link" adds the current time.

use crate::recovery::Recipe;
use splitbrain_core::ids::NodeId;
use splitbrain_core::recipe::query_pairs;

/// Views that can be shown on their own in embed mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Topology,
    Diagram,
    Log,
    /// The CAP scoreboard.
    Cap,
    /// The step of a lesson the link names, with the cluster.
    Lesson,
}

impl View {
    pub fn name(self) -> &'static str {
        match self {
            View::Topology => "topology",
            View::Diagram => "diagram",
            View::Log => "log",
            View::Cap => "cap",
            View::Lesson => "lesson",
        }
    }

    fn parse(text: &str) -> Result<View, String> {
        match text {
            "topology" => Ok(View::Topology),
            "diagram" => Ok(View::Diagram),
            "log" => Ok(View::Log),
            "cap" => Ok(View::Cap),
            "lesson" => Ok(View::Lesson),
            other => Err(format!(
                "unknown view \"{other}\" to embed (use topology, diagram, log, cap or lesson, joined by commas)"
            )),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Node(NodeId),
    Link(NodeId, NodeId),
}

/// Everything a link can say.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageState {
    pub recipe: Recipe,
    /// Embed mode with these views (empty: the full page).
    pub embed: Vec<View>,
    pub autoplay: Option<bool>,
    pub panel: Option<Panel>,
    /// Playback speed, as simulated microseconds per real millisecond.
    pub speed: Option<f64>,
    /// The lesson and step the link opens (`lesson=NAME&step=K`).
    pub lesson: Option<crate::lessons::LessonAt>,
    /// Whether the link names a run of its own; with a lesson, that run replaces the step's
    /// (the reader played with it, or won its challenge).
    pub run_given: bool,
    /// Open the course map (`course`).
    pub course: bool,
}

impl PageState {
    pub fn parse(query: &str) -> Result<PageState, String> {
        let mut state = PageState::default();
        let (mut lesson, mut step) = (None, None);
        let mut sized = false;
        for (name, value) in query_pairs(query) {
            match name {
                "lesson" => lesson = Some(value),
                "step" => step = Some(value),
                "course" => state.course = true,
                "embed" => {
                    state.embed = value
                        .split(',')
                        .filter(|v| !v.is_empty())
                        .map(View::parse)
                        .collect::<Result<_, _>>()?;
                    if state.embed.is_empty() {
                        state.embed.push(View::Topology);
                    }
                }
                "autoplay" => {
                    state.autoplay = Some(match value {
                        "" | "1" | "true" | "yes" => true,
                        "0" | "false" | "no" => false,
                        other => return Err(format!("autoplay is 1 or 0, not \"{other}\"")),
                    })
                }
                "panel" => state.panel = Some(parse_panel(value)?),
                "z" => {
                    return Err(
                        "this is a compressed link; open it in the page itself to expand it".into(),
                    )
                }
                "speed" => {
                    let found = crate::state::SPEEDS.iter().find(|(_, name)| *name == value);
                    let names: Vec<&str> = crate::state::SPEEDS.iter().map(|(_, n)| *n).collect();
                    state.speed = Some(found.map(|(s, _)| *s).ok_or_else(|| {
                        format!("speed \"{value}\" is not one of {}", names.join(", "))
                    })?);
                }
                _ => {
                    if !state.recipe.read_pair(name, value)? {
                        return Err(format!("unknown setting \"{name}\""));
                    }
                    state.run_given = true;
                    sized |= name == "nodes";
                }
            }
        }
        match (lesson, step) {
            (Some(name), step) => {
                let at = crate::lessons::LessonAt::parse(name, step)?;
                if !state.run_given {
                    state.recipe = at.recipe();
                }
                state.lesson = Some(at);
            }
            (None, Some(_)) => return Err("step needs a lesson (lesson=NAME&step=K)".into()),
            (None, None) => {}
        }
        if state.embed.contains(&View::Lesson) && state.lesson.is_none() {
            return Err("embed=lesson needs a lesson (lesson=NAME&step=K)".into());
        }
        if !sized {
            state.recipe.setup.fit_nodes();
        }
        state.recipe.finish()?;
        let named = match state.panel {
            Some(Panel::Node(n)) => vec![n],
            Some(Panel::Link(a, b)) => vec![a, b],
            None => Vec::new(),
        };
        if let Some(n) = named.iter().find(|n| n.index() >= state.recipe.setup.nodes) {
            return Err(format!(
                "the panel names node {}, which is not in the cluster",
                n.0
            ));
        }
        Ok(state)
    }

    pub fn to_query(&self) -> String {
        let mut q = match &self.lesson {
            Some(at) if !self.run_given => at.query(),
            Some(at) => format!("{}&{}", at.query(), self.recipe.to_query()),
            None => self.recipe.to_query(),
        };
        if !self.embed.is_empty() {
            let names: Vec<&str> = self.embed.iter().map(|v| v.name()).collect();
            q.push_str(&format!("&embed={}", names.join(",")));
        }
        if let Some(a) = self.autoplay {
            q.push_str(if a { "&autoplay=1" } else { "&autoplay=0" });
        }
        if let Some(name) = self
            .speed
            .and_then(|s| crate::state::SPEEDS.iter().find(|(v, _)| *v == s))
            .map(|(_, n)| n)
        {
            q.push_str(&format!("&speed={name}"));
        }
        match self.panel {
            Some(Panel::Node(n)) => q.push_str(&format!("&panel=node{}", n.0)),
            Some(Panel::Link(a, b)) => q.push_str(&format!("&panel=link{}-{}", a.0, b.0)),
            None => {}
        }
        q
    }
}

fn parse_panel(text: &str) -> Result<Panel, String> {
    let bad = || format!("panel is nodeN or linkA-B, not \"{text}\"");
    let node = |t: &str| t.parse::<u32>().map(NodeId).map_err(|_| bad());
    if let Some(n) = text.strip_prefix("node") {
        return Ok(Panel::Node(node(n)?));
    }
    if let Some((a, b)) = text.strip_prefix("link").and_then(|l| l.split_once('-')) {
        return Ok(Panel::Link(node(a)?, node(b)?));
    }
    Err(bad())
}

/// Whether a link opens a lesson or the course map, which need the lessons fetched first.
pub fn needs_lessons(query: &str) -> bool {
    query_pairs(query).any(|(name, _)| name == "lesson" || name == "course")
}

/// The fragment of the page's address, decoded.
pub fn current_fragment() -> String {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    js_sys::decode_uri_component(&hash)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or(hash)
}

/// Puts the run in the address bar without adding a history entry or reloading.
pub fn publish(recipe: &Recipe) {
    publish_query(&recipe.to_query());
}

/// Puts `query` in the address bar's fragment without adding a history entry or reloading.
pub fn publish_query(query: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(history) = window.history() {
        let url = format!("#{query}");
        history
            .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
            .ok();
    }
}

/// The full address of this page showing `state`.
pub fn link_to(state: &PageState) -> String {
    link_with(&state.to_query())
}

/// The full address of this page with `query` as its fragment.
pub fn link_with(query: &str) -> String {
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or_default().to_string())
        .unwrap_or_default();
    format!("{base}#{query}")
}

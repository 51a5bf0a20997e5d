//! The JavaScript API: mount playgrounds into any element of a page (course notes,
//! slides) and script them.
//!
//! ```js
//! import init, { mount } from "./splitbrain-web.js";
//! await init();
//! const pg = mount(document.getElementById("demo"), { nodes: 5, seed: 3, embed: "topology,diagram" });
//! pg.act("crash:2:keep");          // any action of the recipe format
//! pg.play(); pg.pause(); pg.seek(2_000_000);
//! pg.state();                      // { time_us, playing, seed, trace_hash, nodes: [...], violations: [...], measures: [...], alarm? }
//! pg.events(0, 100);               // [{ i, t, kind, text, ... }, ...]
//! pg.recipe();                     // "v=1&nodes=5&seed=3&..." (also accepted by mount)
//! ```
//!
//! The config is an object whose fields are the link's names (`nodes`, `seed`, `load`,
//! `bugs`, `net`, `actions`, `t`, `embed`, `autoplay`, `panel`), or the same as a query
//! string. Values are read as text, exactly as in a link, so a link and a mount agree.

use crate::app::{App, AppProps, Init};
use crate::recovery::Recipe;
use crate::state::{Msg, Page};
use crate::url::PageState;
use splitbrain_core::export::{event_record, node_states, LinState, RunState};
use splitbrain_core::recipe::parse_action;
use splitbrain_core::run::hash_hex;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::UseReducerHandle;

/// A mounted playground.
#[wasm_bindgen]
pub struct Playground {
    init: Rc<Init>,
    app: Option<yew::AppHandle<App>>,
}

/// The config as a query: an object's fields become `name=value` pairs (arrays joined by
/// commas), a string is taken as it is.
fn config_query(config: &JsValue) -> Result<String, String> {
    if config.is_undefined() || config.is_null() {
        return Ok(String::new());
    }
    if let Some(text) = config.as_string() {
        return Ok(text);
    }
    if !config.is_object() {
        return Err("the config must be an object or a query string".into());
    }
    let mut pairs = Vec::new();
    for entry in js_sys::Object::entries(config.unchecked_ref()).iter() {
        let entry: js_sys::Array = entry.unchecked_into();
        let name = entry.get(0).as_string().unwrap_or_default();
        let value = entry.get(1);
        let text = if let Some(s) = value.as_string() {
            s
        } else if let Some(b) = value.as_bool() {
            (if b { "1" } else { "0" }).to_string()
        } else if let Some(n) = value.as_f64() {
            if n.fract() != 0.0 || n < 0.0 {
                // The browser writes the number: Rust's float formatting is not linked in.
                let shown: String = js_sys::Number::from(n)
                    .to_string_with_radix(10)
                    .map(String::from)
                    .unwrap_or_default();
                return Err(format!("{name} must be a whole number, not {shown}"));
            }
            format!("{}", n as u64)
        } else if js_sys::Array::is_array(&value) {
            let items: js_sys::Array = value.unchecked_into();
            items
                .iter()
                .filter_map(|v| v.as_string())
                .collect::<Vec<_>>()
                .join(",")
        } else {
            return Err(format!(
                "{name} must be text, a number, true/false or a list"
            ));
        };
        pairs.push(format!("{name}={text}"));
    }
    Ok(pairs.join("&"))
}

/// Checks a link's settings (the part after `#`, or a mount config string) without
/// opening it: returns `null` if it reads, else the reason it does not.
#[wasm_bindgen(js_name = checkLink)]
pub fn check_link(query: &str) -> Option<String> {
    PageState::parse(query).err()
}

/// Fetches the course's lessons (the files `lessons/NAME.md` served beside the module). A
/// playground mounted on a lesson (`lesson: "..."`) needs them first; the page's own
/// `index.html` fetches them by itself.
#[wasm_bindgen(js_name = loadLessons)]
pub async fn load_lessons() -> Result<(), JsError> {
    crate::lessons::load().await.map_err(|e| JsError::new(&e))
}

/// Mounts a playground into `element`. Throws (with the reason) if the config is refused.
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, config: JsValue) -> Result<Playground, JsError> {
    let query = config_query(&config).map_err(|e| JsError::new(&e))?;
    let asked = PageState::parse(&query).map_err(|e| JsError::new(&e))?;
    let init = Rc::new(Init {
        asked: Ok(asked),
        embedded: true,
        handle: Default::default(),
    });
    let app = yew::Renderer::<App>::with_root_and_props(element, AppProps { init: init.clone() })
        .render();
    Ok(Playground {
        init,
        app: Some(app),
    })
}

#[wasm_bindgen]
impl Playground {
    fn page(&self) -> Result<UseReducerHandle<Page>, JsError> {
        self.init
            .handle
            .borrow()
            .clone()
            .ok_or_else(|| JsError::new("the playground is not mounted"))
    }

    /// The run now: time, playback, seed, trace hash, each node, and violations (the
    /// core's `export::RunState`).
    pub fn state(&self) -> Result<JsValue, JsError> {
        let page = self.page()?;
        let world = page.world.borrow();
        // The verdict on the history as it is now, not as it was at the last render.
        page.check_history(crate::app::now_ms());
        let linearizability = page
            .control
            .lin
            .borrow()
            .report
            .as_ref()
            .map(|report| LinState {
                verdict: report.verdict,
                witness: report.witness.iter().map(|id| id.0).collect(),
                ops: report.ops,
            });
        let state = RunState {
            time_us: world.now(),
            playing: page.playing(),
            seed: page.setup.seed as f64,
            protocol: page.setup.protocol.clone(),
            linearizability,
            trace_hash: hash_hex(world.trace_hash()),
            nodes: node_states(&**world),
            violations: world.violations().to_vec(),
            measures: splitbrain_core::run::measure_readings(&**world),
            alarm: world.alarm(),
            availability: (&world.availability()).into(),
        };
        crate::share::to_js(&state).map_err(|e| JsError::new(&e))
    }

    /// Up to `limit` trace events from position `from`, as in an exported trace.
    pub fn events(&self, from: f64, limit: f64) -> Result<JsValue, JsError> {
        let page = self.page()?;
        let world = page.world.borrow();
        let from = from.max(0.0) as u64;
        let limit = limit.clamp(0.0, 100_000.0) as u64;
        let end = world.trace_len().min(from.saturating_add(limit));
        let events: Vec<_> = (from..end)
            .filter_map(|i| event_record(&**world, i))
            .collect();
        crate::share::to_js(&events).map_err(|e| JsError::new(&e))
    }

    /// The run as a link's query (set-up, actions and the current time).
    pub fn recipe(&self) -> Result<String, JsError> {
        let page = self.page()?;
        let now = page.world.borrow().now();
        Ok(page.recipe(Some(now)).to_query())
    }

    /// Applies one action now, written as in a link (`crash:2:keep`, `heal`, ...).
    pub fn act(&self, action: &str) -> Result<(), JsError> {
        let page = self.page()?;
        let action = parse_action(action).map_err(|e| JsError::new(&e.to_string()))?;
        action
            .validate(page.world.borrow().len())
            .map_err(|e| JsError::new(&e.to_string()))?;
        page.dispatch(Msg::Act(action));
        Ok(())
    }

    /// Opens another run (same config as `mount`, without the view settings).
    pub fn load(&self, config: JsValue) -> Result<(), JsError> {
        let page = self.page()?;
        let query = config_query(&config).map_err(|e| JsError::new(&e))?;
        let mut recipe = Recipe::from_query(&query).map_err(|e| JsError::new(&e.to_string()))?;
        recipe.finish().map_err(|e| JsError::new(&e.to_string()))?;
        page.dispatch(Msg::Load(Box::new(recipe), None));
        Ok(())
    }

    /// Opens a run from a file's text: a trace exported by the page, a link's settings, or
    /// a list of actions. Throws with the reason if the text is refused (the run is kept).
    #[wasm_bindgen(js_name = importText)]
    pub fn import_text(&self, text: &str) -> Result<(), JsError> {
        let page = self.page()?;
        let (recipe, said) =
            crate::share::read_import(text, &page.setup).map_err(|e| JsError::new(&e))?;
        page.dispatch(Msg::Load(Box::new(recipe), Some(said)));
        Ok(())
    }

    pub fn play(&self) -> Result<(), JsError> {
        self.page()?.dispatch(Msg::Play(true));
        Ok(())
    }

    pub fn pause(&self) -> Result<(), JsError> {
        self.page()?.dispatch(Msg::Play(false));
        Ok(())
    }

    /// Goes to a simulated time (microseconds), backwards or forwards.
    pub fn seek(&self, time_us: f64) -> Result<(), JsError> {
        self.page()?.dispatch(Msg::Seek(time_us.max(0.0) as u64));
        Ok(())
    }

    /// Removes the playground from its element.
    pub fn unmount(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.init.handle.borrow_mut().take();
    }
}

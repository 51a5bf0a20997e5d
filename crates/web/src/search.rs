//! "Can this break?": the fuzzer on the run's own set-up, in Web Workers on the visitor's
//! cores, and the shrinking of the first run it finds broken.
//!
//! The page hands out run numbers in batches, in order, to workers that load the page's own
//! module (`www/search-worker.js`) and call [`search_runs`]; the answers come back as
//! messages, so the page stays responsive while it searches. Fuzz run `i` of a set-up is
//! the same run here, in any worker, and in `splitbrain fuzz` (the core's `fuzz_run_spec`),
//! so the run reported is the lowest-numbered one that breaks a promised property, however
//! the batches were shared out: once a batch reports one, no later batch is handed out and
//! the earlier ones still running are awaited. That run is then shrunk in a worker
//! ([`shrink_run`]) and opened at its violation, with the few actions that matter listed in
//! words. A search that finds nothing says how many runs of which faults it tried, never
//! that the protocol is safe.

use crate::recovery::Recipe;
use crate::state::Msg;
use serde::{Deserialize, Serialize};
use splitbrain_core::fuzz::{fuzz_run, shrink_recipe_watched, FuzzSpec, ShrinkProgress, Target};
use splitbrain_core::registry::{self, Faults};
use splitbrain_core::time::{Micros, Pretty, MICROS_PER_MS};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Runs a worker does per request: small enough that progress moves a few times a second
/// and Stop is heard soon, large enough that messages cost little.
const BATCH: u64 = 8;

/// Workers at most, whatever the browser reports.
const MOST_WORKERS: u32 = 8;

/// Re-runs a shrink may make (the core's default for the command line is larger; here a
/// reader waits for it).
const SHRINK_BUDGET: u32 = 400;

/// The budgets offered, in runs.
const BUDGETS: [u64; 3] = [200, 1000, 5000];

/// The lengths offered for each run, in simulated seconds.
const LENGTHS: [u64; 3] = [5, 10, 20];

// ---------------------------------------------------------------------------------------
// In the workers.

/// What a batch of runs found.
#[derive(Serialize, Deserialize, Default)]
pub struct Batch {
    pub runs: u64,
    pub events: u64,
    pub found: Option<Found>,
}

/// A run that broke a promised property.
#[derive(Serialize, Deserialize, Clone, PartialEq)]
pub struct Found {
    /// Its number in the search.
    pub run: u64,
    pub property: String,
    /// The checker's words.
    pub message: String,
    pub at_us: Micros,
    pub at_end: bool,
    /// The run as a link's query, at the moment of the violation.
    pub query: String,
    /// Actions in it, apart from those of the set-up.
    pub actions: usize,
}

/// The shrunk run.
#[derive(Serialize, Deserialize, Clone, PartialEq)]
pub struct Small {
    pub query: String,
    pub at_us: Micros,
    /// Its actions in words, with their moments.
    pub said: Vec<String>,
    pub runs: u32,
    pub nodes: usize,
    /// The checker's words on the shrunk run, and when it broke.
    pub message: String,
    pub broke_at_us: Micros,
}

/// The sweep a search of the run `query` (a link's query) makes: runs of `until_ms`
/// simulated milliseconds from the set-up's seed, with the protocol's fault kinds and as
/// many Byzantine nodes as it tolerates; the set-up's own network and failures are kept,
/// and with `keep` the reader's actions too.
fn search_spec(query: &str, until_ms: u32, keep: bool) -> Result<(FuzzSpec, Recipe), String> {
    let recipe = Recipe::from_query(query).map_err(|e| e.to_string())?;
    let own = if keep {
        recipe.schedule.clone()
    } else {
        Vec::new()
    };
    let until_us = u64::from(until_ms) * MICROS_PER_MS;
    let spec =
        FuzzSpec::search(&recipe.setup, own, until_us, u64::MAX).map_err(|e| e.to_string())?;
    Ok((spec, recipe))
}

/// Runs `from..to` of the search of `query` (see [`search_spec`]), stopping at the first
/// that breaks a property the protocol promises. Called by a search worker.
#[wasm_bindgen(js_name = searchRuns)]
pub fn search_runs(
    query: &str,
    until_ms: u32,
    keep: bool,
    from: u32,
    to: u32,
) -> Result<JsValue, JsError> {
    let (spec, recipe) = search_spec(query, until_ms, keep).map_err(|e| JsError::new(&e))?;
    let own = spec.base.schedule.len() - if keep { recipe.schedule.len() } else { 0 };
    let mut batch = Batch::default();
    for i in u64::from(from)..u64::from(to) {
        let outcome = fuzz_run(&spec, i).map_err(|e| JsError::new(&e.to_string()))?;
        batch.runs += 1;
        batch.events += outcome.events;
        if let Some(f) = outcome.promised {
            let mut setup = recipe.setup.clone();
            setup.seed = f.seed;
            let at_us = f.violation.time_us.min(spec.base.until_us);
            let found = Recipe {
                setup,
                // The set-up puts its own actions back at the start.
                schedule: f.schedule[own..].to_vec(),
                at_us: Some(at_us),
            };
            batch.found = Some(Found {
                run: i,
                property: f.violation.invariant.clone(),
                message: f.violation.message.clone(),
                at_us,
                at_end: f.violation.at_end,
                query: found.to_query(),
                actions: found.schedule.len(),
            });
            break;
        }
    }
    serde_wasm_bindgen::to_value(&batch).map_err(|e| JsError::new(&e.to_string()))
}

/// Shrinks the run `query` shows (a [`Found`]'s) while it still breaks `property` as
/// before. Called by a search worker; `progress`, if given, is called after every re-run
/// with the runs made, the most it may make and the actions of the smallest failing run so
/// far.
#[wasm_bindgen(js_name = shrinkRun)]
pub fn shrink_run(
    query: &str,
    property: &str,
    at_end: bool,
    progress: Option<js_sys::Function>,
) -> Result<JsValue, JsError> {
    let recipe = Recipe::from_query(query).map_err(|e| JsError::new(&e.to_string()))?;
    let target = Target {
        invariant: property.to_string(),
        at_end,
    };
    let mut tell = |p: ShrinkProgress| {
        if let Some(f) = &progress {
            let args = [p.runs as f64, p.budget as f64, p.actions as f64].map(JsValue::from_f64);
            f.call3(&JsValue::NULL, &args[0], &args[1], &args[2]).ok();
        }
    };
    let shrunk = shrink_recipe_watched(&recipe, &target, SHRINK_BUDGET, &mut tell)
        .map_err(|e| JsError::new(&e.to_string()))?;
    let small = &shrunk.recipe;
    let said = small
        .schedule
        .iter()
        .map(|s| {
            format!(
                "at {}: {}",
                Pretty(to_ms(s.at)),
                splitbrain_core::describe::action(&s.action)
            )
        })
        .collect();
    let out = Small {
        query: small.to_query(),
        at_us: small.at_us.unwrap_or(0),
        said,
        runs: shrunk.shrunk.runs,
        nodes: small.setup.nodes,
        message: shrunk.shrunk.violation.message.clone(),
        broke_at_us: shrunk.shrunk.violation.time_us,
    };
    serde_wasm_bindgen::to_value(&out).map_err(|e| JsError::new(&e.to_string()))
}

// ---------------------------------------------------------------------------------------
// In the page.

#[wasm_bindgen]
extern "C" {
    /// `import.meta` of the page's module (the file wasm-bindgen writes), whose address the
    /// workers load the same module from.
    type ImportMeta;
    #[wasm_bindgen(method, getter)]
    fn url(this: &ImportMeta) -> String;
    #[wasm_bindgen(thread_local_v2, js_namespace = import, js_name = meta)]
    static IMPORT_META: ImportMeta;
}

/// Where the search is.
#[derive(Clone, PartialEq)]
enum Status {
    Idle,
    Searching {
        done: u64,
        budget: u64,
        workers: u32,
        per_second: f64,
    },
    /// The run found, the runs searched, and how far the shrink has got (once it says).
    Shrinking(Found, u64, Option<ShrinkProgress>),
    Broken {
        found: Found,
        small: Option<Small>,
        runs: u64,
        /// Seconds until the broken run was known, and then to shrink it.
        seconds: f64,
        shrink_seconds: f64,
    },
    Clean {
        runs: u64,
        seconds: f64,
    },
    Stopped(u64),
    Failed(String),
}

/// The workers and the sweep they share.
struct Pool {
    workers: Vec<web_sys::Worker>,
    /// Kept alive while the workers may answer.
    _handlers: Vec<Closure<dyn FnMut(web_sys::MessageEvent)>>,
    module: String,
    query: String,
    until_ms: u32,
    keep: bool,
    budget: u64,
    /// The next run to hand out.
    next: u64,
    /// Batches out, by their first run.
    out: Vec<u64>,
    done: u64,
    found: Option<Found>,
    started_ms: f64,
    /// No more batches are handed out (stopped, or a run was found).
    over: bool,
    /// A worker is shrinking the run found; batch answers still coming are ignored.
    shrinking: bool,
    /// When the broken run was known (the page's clock, in ms).
    found_ms: f64,
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

impl Pool {
    /// Hands worker `w` its next batch, if any is left to hand out.
    fn feed(&mut self, w: usize) {
        let limit = self.found.as_ref().map_or(self.budget, |f| f.run);
        if self.over || self.next >= limit {
            return;
        }
        let from = self.next;
        let to = (from + BATCH).min(limit);
        self.next = to;
        self.out.push(from);
        let request = [
            ("id", JsValue::from_f64(from as f64)),
            ("kind", "runs".into()),
            ("query", self.query.clone().into()),
            ("until", JsValue::from_f64(f64::from(self.until_ms))),
            ("keep", JsValue::from_bool(self.keep)),
            ("from", JsValue::from_f64(from as f64)),
            ("to", JsValue::from_f64(to as f64)),
        ];
        self.post(w, &request);
    }

    /// Sends worker `w` a request: these fields, and the module's address.
    fn post(&self, w: usize, fields: &[(&str, JsValue)]) {
        let request = js_sys::Object::new();
        for (name, value) in fields
            .iter()
            .chain([&("module", self.module.clone().into())])
        {
            let _ = js_sys::Reflect::set(&request, &(*name).into(), value);
        }
        let _ = self.workers[w].post_message(&request);
    }

    fn end(&mut self) {
        self.over = true;
        for w in &self.workers {
            w.terminate();
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The run on screen as a link's query (its set-up and the reader's actions).
    pub query: String,
    /// The protocol's fault kinds, in words, and whether it has Byzantine behaviours.
    pub protocol: &'static str,
    pub dispatch: Callback<Msg>,
    /// Runs and seconds per run a lesson's step asks for (its `search` claim).
    #[prop_or_default]
    pub preset: Option<(u64, u64)>,
}

#[component]
pub fn SearchPanel(props: &Props) -> Html {
    let status = use_state(|| Status::Idle);
    let pool: Rc<RefCell<Option<Pool>>> = use_mut_ref(|| None);
    let budget = use_state(|| props.preset.map_or(BUDGETS[1], |p| p.0));
    let length = use_state(|| props.preset.map_or(LENGTHS[1], |p| p.1));
    {
        let (budget, length) = (budget.clone(), length.clone());
        use_effect_with(props.preset, move |preset| {
            if let Some((runs, seconds)) = *preset {
                budget.set(runs);
                length.set(seconds);
            }
        });
    }
    let keep = use_state(|| false);
    // The search stops when the panel goes (another protocol, a lesson).
    {
        let pool = pool.clone();
        use_effect_with((), move |_| {
            move || {
                if let Some(p) = pool.borrow_mut().as_mut() {
                    p.end();
                }
            }
        });
    }
    let about = registry::find(props.protocol).ok().map(|e| e.about());
    let start = {
        let (status, pool, dispatch) = (status.clone(), pool.clone(), props.dispatch.clone());
        let (budget, length, keep, query) = (*budget, *length, *keep, props.query.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(p) = pool.borrow_mut().as_mut() {
                p.end();
            }
            match start_pool(
                &pool,
                &status,
                &dispatch,
                query.clone(),
                budget,
                length,
                keep,
            ) {
                Ok(workers) => status.set(Status::Searching {
                    done: 0,
                    budget,
                    workers,
                    per_second: 0.0,
                }),
                Err(e) => status.set(Status::Failed(e)),
            }
        })
    };
    let stop = {
        let (status, pool) = (status.clone(), pool.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(p) = pool.borrow_mut().as_mut() {
                p.end();
                status.set(Status::Stopped(p.done));
            }
        })
    };
    let kinds = about.map_or(String::new(), |a| tried(a, &props.query));
    let select = |offered: &[u64], current: &UseStateHandle<u64>, unit: &'static str| {
        // A lesson's own value is offered too.
        let mut values = offered.to_vec();
        if !values.contains(current) {
            values.push(**current);
            splitbrain_core::sort::natural(&mut values);
        }
        let handle = current.clone();
        let onchange = Callback::from(move |e: Event| {
            if let Some(v) = e
                .target_dyn_into::<web_sys::HtmlSelectElement>()
                .and_then(|s| s.value().parse::<u64>().ok())
            {
                handle.set(v);
            }
        });
        html! {
            <select {onchange}>
                { for values.iter().map(|v| html! {
                    <option value={v.to_string()} selected={*v == **current}>{ format!("{v} {unit}") }</option>
                }) }
            </select>
        }
    };
    let on_keep = {
        let keep = keep.clone();
        Callback::from(move |_: Event| keep.set(!*keep))
    };
    let searching = matches!(*status, Status::Searching { .. } | Status::Shrinking(..));
    let body = match &*status {
        Status::Idle => html! {
            <p class="muted">{ format!("Runs this set-up again and again from seed {}, each with random faults ({kinds}), looking for a run that breaks a property the protocol promises. The first one found is shrunk to the few actions that matter and opened.", seed_of(&props.query)) }</p>
        },
        Status::Searching {
            done,
            budget,
            workers,
            per_second,
        } => html! {
            <>
            <progress max={budget.to_string()} value={done.to_string()}></progress>
            <p role="status">{ format!("{done} of {budget} runs, {} runs per second, on {workers} worker{}.", per_second.round(), if *workers == 1 { "" } else { "s" }) }</p>
            </>
        },
        Status::Shrinking(found, runs, progress) => html! {
            <>
            if let Some(p) = progress {
                <progress max={p.budget.to_string()} value={p.runs.to_string()}></progress>
            }
            <p role="status">{ format!("Run {} broke {} ({runs} runs searched). Shrinking it to the actions that matter…", found.run + 1, found.property) }</p>
            if let Some(p) = progress {
                <p class="muted small">{ format!("{} re-runs of at most {}; the smallest run that still breaks it has {} action{} so far.", p.runs, p.budget, p.actions, if p.actions == 1 { "" } else { "s" }) }</p>
            }
            </>
        },
        Status::Broken {
            found,
            small,
            runs,
            seconds,
            shrink_seconds,
        } => {
            let open = |query: String| {
                let dispatch = props.dispatch.clone();
                Callback::from(move |_: MouseEvent| {
                    if let Ok(r) = Recipe::from_query(&query) {
                        dispatch.emit(Msg::Load(Box::new(r), None));
                    }
                })
            };
            html! {
                <>
                <p class="verdict bad">{ format!("Broken: {}, in run {} ({runs} runs searched in {seconds:.1} s), at {}: {}", found.property, found.run + 1, Pretty(to_ms(found.at_us)), found.message) }</p>
                if let Some(s) = small {
                    <p>{ format!("Shrunk in {shrink_seconds:.1} s from {} actions to {} on {} nodes ({} runs tried). The run on screen is the shrunk one, stopped where it breaks {} at {}: {}. Its actions:", found.actions, s.said.len(), s.nodes, s.runs, found.property, Pretty(to_ms(s.broke_at_us)), s.message) }</p>
                    <ol class="search-actions">{ for s.said.iter().map(|a| html! { <li>{ a.clone() }</li> }) }</ol>
                    if s.said.is_empty() { <p class="muted">{"No action at all: the set-up alone breaks it."}</p> }
                }
                <div class="buttons">
                    if let Some(s) = small { <button onclick={open(s.query.clone())}>{"Open the shrunk run again"}</button> }
                    <button onclick={open(found.query.clone())}>{ format!("Open run {} as found", found.run + 1) }</button>
                </div>
                </>
            }
        }
        Status::Clean { runs, seconds } => html! {
            <p class="verdict ok">{ format!("No run broke a promised property: {runs} runs in {seconds:.1} s, with {kinds}. That is evidence, not proof: a longer search, longer runs or another seed may still find one.") }</p>
        },
        Status::Stopped(runs) => {
            html! { <p class="muted">{ format!("Stopped after {runs} runs; none of them broke a promised property.") }</p> }
        }
        Status::Failed(e) => {
            html! { <p class="verdict bad">{ format!("The search could not run: {e}") }</p> }
        }
    };
    html! {
        <section class="search" aria-label="Can this break?">
            <h2>{"Can this break?"}</h2>
            <div class="search-controls">
                <label>{"search "}{ select(&BUDGETS, &budget, "runs") }</label>
                <label>{"of "}{ select(&LENGTHS, &length, "s") }</label>
                <label title="Every run starts with the actions you took in this run, then gets random faults">
                    <input type="checkbox" checked={*keep} onchange={on_keep} />{" keep my actions"}
                </label>
                if searching {
                    <button onclick={stop}>{"Stop"}</button>
                } else {
                    <button class="primary" onclick={start}>{"Search"}</button>
                }
            </div>
            { body }
        </section>
    }
}

/// A moment to the nearest millisecond (to the microsecond below one).
fn to_ms(us: Micros) -> Micros {
    if us < MICROS_PER_MS {
        us
    } else {
        (us + MICROS_PER_MS / 2) / MICROS_PER_MS * MICROS_PER_MS
    }
}

fn seed_of(query: &str) -> u64 {
    Recipe::from_query(query).map_or(1, |r| r.setup.seed)
}

/// The faults a search of `query` draws from, in words.
fn tried(about: &registry::About, query: &str) -> String {
    let found = Recipe::from_query(query).ok().and_then(|r| {
        let spec = r.setup.spec(Vec::new());
        let entry = registry::find(&spec.protocol).ok()?;
        Some((
            entry.faults(&spec).ok()?,
            entry.tolerates(&spec).unwrap_or(0),
        ))
    });
    let (kinds, traitors) = found.unwrap_or((Faults::ALL, 0));
    let mut text = format!("faults of the kinds {kinds}");
    if traitors > 0 && !about.behaviours.is_empty() {
        text.push_str(&format!(
            ", and up to {traitors} node{} that lie",
            if traitors == 1 { "" } else { "s" }
        ));
    }
    text
}

/// Starts the workers; the number started.
fn start_pool(
    pool: &Rc<RefCell<Option<Pool>>>,
    status: &UseStateHandle<Status>,
    dispatch: &Callback<Msg>,
    query: String,
    budget: u64,
    length_s: u64,
    keep: bool,
) -> Result<u32, String> {
    let module = IMPORT_META.with(ImportMeta::url);
    let worker_url = web_sys::Url::new_with_base("search-worker.js", &module)
        .map_err(|_| "the worker's address cannot be made".to_string())?
        .href();
    let cores = web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency());
    let count = (cores as u32).clamp(1, MOST_WORKERS);
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    let mut workers = Vec::new();
    let mut handlers = Vec::new();
    for w in 0..count as usize {
        let worker = web_sys::Worker::new_with_options(&worker_url, &options)
            .map_err(|_| "this browser cannot start a worker".to_string())?;
        let handler = {
            let (pool, status, dispatch) = (pool.clone(), status.clone(), dispatch.clone());
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                answered(&pool, &status, &dispatch, w, e.data());
            })
        };
        worker.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        workers.push(worker);
        handlers.push(handler);
    }
    let mut p = Pool {
        workers,
        _handlers: handlers,
        module,
        query,
        until_ms: (length_s * 1000) as u32,
        keep,
        budget,
        next: 0,
        out: Vec::new(),
        done: 0,
        found: None,
        started_ms: now_ms(),
        over: false,
        shrinking: false,
        found_ms: 0.0,
    };
    for w in 0..count as usize {
        p.feed(w);
    }
    *pool.borrow_mut() = Some(p);
    Ok(count)
}

fn field(value: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(value, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

/// A worker's answer.
fn answered(
    pool: &Rc<RefCell<Option<Pool>>>,
    status: &UseStateHandle<Status>,
    dispatch: &Callback<Msg>,
    w: usize,
    data: JsValue,
) {
    let mut slot = pool.borrow_mut();
    let Some(p) = slot.as_mut() else { return };
    let id = field(&data, "id").as_f64().unwrap_or(-1.0);
    // After Stop, or while the run found is shrunk, batches still coming are not counted.
    if (p.over && !p.shrinking) || (p.shrinking && id >= 0.0) {
        return;
    }
    // How far the shrink has got: a word while it works, not its answer.
    let told = field(&data, "progress");
    if !told.is_undefined() {
        let number = |name| field(&told, name).as_f64().unwrap_or(0.0);
        if let (Some(found), true) = (p.found.clone(), p.shrinking) {
            let progress = ShrinkProgress {
                runs: number("runs") as u32,
                budget: number("budget") as u32,
                actions: number("actions") as usize,
            };
            status.set(Status::Shrinking(found, p.done, Some(progress)));
        }
        return;
    }
    let ok = field(&data, "ok").as_bool() == Some(true);
    if !ok && id >= 0.0 {
        let message = field(&data, "message").as_string().unwrap_or_default();
        p.end();
        status.set(Status::Failed(message));
        return;
    }
    // (A shrink that failed still leaves the run as found.)
    let result = field(&data, "result");
    if id < 0.0 {
        // The shrink's answer.
        let seconds = (p.found_ms - p.started_ms) / 1000.0;
        let shrink_seconds = (now_ms() - p.found_ms) / 1000.0;
        let small: Option<Small> = ok
            .then(|| serde_wasm_bindgen::from_value(result).ok())
            .flatten();
        let found = p.found.clone();
        let runs = p.done;
        p.end();
        drop(slot);
        if let Some(found) = found {
            if let Some(s) = &small {
                if let Ok(r) = Recipe::from_query(&s.query) {
                    let said = format!(
                        "The search's shrunk run, stopped where it breaks {}.",
                        found.property
                    );
                    dispatch.emit(Msg::Load(Box::new(r), Some(said)));
                }
            }
            status.set(Status::Broken {
                found,
                small,
                runs,
                seconds,
                shrink_seconds,
            });
        }
        return;
    }
    let from = id as u64;
    let Ok(batch) = serde_wasm_bindgen::from_value::<Batch>(result) else {
        p.end();
        status.set(Status::Failed("a worker's answer could not be read".into()));
        return;
    };
    p.out.retain(|&f| f != from);
    p.done += batch.runs;
    if let Some(f) = batch.found {
        if p.found.as_ref().is_none_or(|g| f.run < g.run) {
            p.found = Some(f);
        }
    }
    p.feed(w);
    let seconds = ((now_ms() - p.started_ms) / 1000.0).max(1e-3);
    // Over once every batch before the lowest broken run is back, or the budget is spent.
    let limit = p.found.as_ref().map_or(p.budget, |f| f.run);
    let pending_before = p.out.iter().any(|&f| f < limit);
    if pending_before || p.next < limit {
        status.set(Status::Searching {
            done: p.done,
            budget: p.budget,
            workers: p.workers.len() as u32,
            per_second: p.done as f64 / seconds,
        });
        return;
    }
    match p.found.clone() {
        None => {
            let runs = p.done;
            p.end();
            status.set(Status::Clean { runs, seconds });
        }
        Some(found) => {
            // No more batches; one worker shrinks the run.
            p.over = true;
            p.shrinking = true;
            p.found_ms = now_ms();
            p.post(
                w,
                &[
                    ("id", JsValue::from_f64(-1.0)),
                    ("kind", "shrink".into()),
                    ("query", found.query.clone().into()),
                    ("property", found.property.clone().into()),
                    ("atEnd", JsValue::from_bool(found.at_end)),
                ],
            );
            status.set(Status::Shrinking(found, p.done, None));
        }
    }
}

//! Sharing a run: copy a link to this moment, export the trace (JSON) and the topology
//! (SVG), and import a trace or a run recipe. Imports are checked in full before anything
//! changes; a bad file gets a message and the current run stays as it is.

use crate::recovery::Recipe;
use crate::state::{Msg, Page};
use crate::url::{PageState, Panel};
use splitbrain_core::recipe::parse_schedule;
use splitbrain_core::recipe::Setup;
use splitbrain_core::sim::Sim;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

/// A value of the core's export types as a JavaScript value (numbers as numbers).
pub fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, String> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| e.to_string())
}

/// The whole run as a trace file (see the core's `export::TraceFile`), as JSON text.
pub fn trace_json(world: &dyn Sim, recipe: &Recipe) -> Result<String, String> {
    let file = splitbrain_core::export::trace_file(world, recipe.to_query());
    let value = to_js(&file)?;
    js_sys::JSON::stringify(&value)
        .map(String::from)
        .map_err(|_| "the trace could not be written as JSON".to_string())
}

/// Reads an imported file against the run on screen (`current`): a trace file (JSON) or a
/// run recipe (`nodes=5&seed=1&...`) brings its own set-up; a bare list of actions
/// (`1s@crash:2:keep,...`, one per line or comma-separated) keeps the current one. Returns
/// the run and what the import changed, in words.
pub fn read_import(text: &str, current: &Setup) -> Result<(Recipe, String), String> {
    let mut recipe = parse_import(text)?;
    let n = recipe.recipe.schedule.len();
    let actions = format!("{n} action{}", if n == 1 { "" } else { "s" });
    let said = match recipe.setup_given {
        false => {
            recipe.recipe.setup = current.clone();
            recipe.recipe.finish()?;
            format!(
                "{actions} loaded into the current set-up (seed {}, {} nodes); the run started again from zero with them.",
                current.seed, current.nodes
            )
        }
        true => {
            let new = &recipe.recipe.setup;
            let mut changed = Vec::new();
            if new.protocol != current.protocol {
                changed.push(format!(
                    "protocol {} (was {})",
                    new.protocol, current.protocol
                ));
            }
            if new.seed != current.seed {
                changed.push(format!("seed {} (was {})", new.seed, current.seed));
            }
            if new.nodes != current.nodes {
                changed.push(format!("{} nodes (was {})", new.nodes, current.nodes));
            }
            let changed = if changed.is_empty() {
                "the same set-up as before".to_string()
            } else {
                changed.join(", ")
            };
            format!("A run loaded with its own set-up: {changed}, and {actions}.")
        }
    };
    Ok((recipe.recipe, said))
}

/// An import as read: the run, and whether the file named a set-up of its own.
struct Parsed {
    recipe: Recipe,
    setup_given: bool,
}

fn parse_import(text: &str) -> Result<Parsed, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("the file is empty".into());
    }
    if trimmed.starts_with('{') {
        let value = js_sys::JSON::parse(trimmed)
            .map_err(|_| "the file starts like JSON but is not valid JSON".to_string())?;
        // Four fields read from the browser's parse: a serde deserializer here would add
        // some 4 KB (gzip) to the page for nothing more.
        let get = |name: &str| js_sys::Reflect::get(&value, &JsValue::from_str(name)).ok();
        let head = splitbrain_core::export::TraceHead {
            format: get("format").and_then(|v| v.as_string()),
            version: get("version").and_then(|v| v.as_f64()),
            recipe: get("recipe").and_then(|v| v.as_string()),
            time_us: get("time_us").and_then(|v| v.as_f64()),
        };
        let recipe = head.recipe()?;
        return Ok(Parsed {
            recipe,
            setup_given: true,
        });
    }
    if trimmed.contains('=') {
        return Ok(Parsed {
            recipe: Recipe::from_query(trimmed)?,
            setup_given: true,
        });
    }
    let one_line: Vec<&str> = trimmed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    // Checked against the set-up it joins, in `read_import`.
    Ok(Parsed {
        recipe: Recipe {
            schedule: parse_schedule(&one_line.join(","))?,
            ..Recipe::default()
        },
        setup_given: false,
    })
}

/// The messages in flight as SVG circles, coloured as on the canvas.
fn message_circles(world: &dyn Sim) -> String {
    let n = world.node_count();
    let now = world.now();
    let mut circles = String::new();
    for m in world.flying() {
        let (x, y) = crate::flight::message_point(now, &m, n);
        let colour = crate::flight::colour(m.colour);
        circles.push_str(&format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"5.5\" fill=\"{colour}\"/>",
            crate::topology::num(x),
            crate::topology::num(y)
        ));
    }
    circles
}

/// The topology as it is drawn now, as a standalone SVG file (with its messages).
pub fn topology_svg(page: &Page) -> Option<String> {
    let document = web_sys::window()?.document()?;
    let svg = document.query_selector("svg.topology").ok()??;
    let circles = message_circles(&**page.world.borrow());
    let body = svg.inner_html();
    let size = crate::topology::num(crate::topology::SIZE);
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"{size}\" height=\"{size}\"><style>{SVG_STYLE}</style><rect width=\"100%\" height=\"100%\" fill=\"white\"/>{body}{circles}</svg>\n"
    ))
}

/// The stylesheet's rules for the topology, for a standalone SVG file.
const SVG_STYLE: &str = ".link .hit{stroke:transparent}.link .stroke{stroke:#c9cdc6;stroke-width:2}.link.partitioned .stroke{stroke:#e4e6e1;stroke-dasharray:4 6}.link.cut .stroke{stroke:#d55e00;stroke-width:3;stroke-dasharray:10 6}.link.one-way .stroke{stroke:#d55e00;stroke-width:3;stroke-dasharray:2 5}.link.tuned .stroke{stroke:#b59a00;stroke-dasharray:1 4;stroke-width:3}.node .body{stroke:white;stroke-width:3}.node .halo{fill:none;stroke:transparent;stroke-width:5}.node.group-0 .halo{stroke:#5b6670}.node.group-1 .halo{stroke:#5b6670;stroke-dasharray:7 4}.node.group-2 .halo{stroke:#5b6670;stroke-dasharray:2 4}.node.group-3 .halo{stroke:#5b6670;stroke-dasharray:10 3 2 3}.node.leader .body{fill:#0072b2}.node.follower .body,.node.slow .body{fill:#009e73}.node.candidate .body{fill:#e69f00}.node.crashed .body{fill:#8a8a8a}.node.paused .body{fill:#7f6bb3}.node text{fill:white;text-anchor:middle;font:600 14px sans-serif}.node text.term{font-size:11px;font-weight:400}";

/// Offers `text` as a file to save.
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let fail = |_| format!("the browser refused to save {name}");
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(fail)?
        .dyn_into()
        .map_err(|_| "no anchor".to_string())?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url).ok();
    Ok(())
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub page: UseReducerHandle<Page>,
}

#[component]
pub fn SharePanel(props: &Props) -> Html {
    let page = &props.page;
    // The link last copied, also shown in a field (the clipboard may be blocked).
    let copied = use_state(|| None::<String>);
    let copy = {
        let page = page.clone();
        let copied = copied.clone();
        Callback::from(move |_| {
            let now = page.world.borrow().now();
            let panel = match (page.selected, page.selected_link) {
                (Some(n), _) => Some(Panel::Node(n)),
                (None, Some((a, b))) => Some(Panel::Link(a, b)),
                _ => None,
            };
            let query = PageState {
                recipe: page.recipe(Some(now)),
                panel,
                // Inside a lesson, the link opens the same step with this run.
                lesson: page.lesson.clone(),
                run_given: true,
                ..PageState::default()
            }
            .to_query();
            let copied = copied.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // Long runs (many actions) compress well; short links stay readable.
                let query = crate::deflate::shortest(query).await;
                let link = crate::url::link_with(&query);
                if let Some(window) = web_sys::window() {
                    let _ = window.navigator().clipboard().write_text(&link);
                }
                copied.set(Some(link));
            });
        })
    };
    let export_trace = {
        let page = page.clone();
        Callback::from(move |_| {
            let written = trace_json(&**page.world.borrow(), &page.recipe(None)).and_then(|text| {
                download(
                    &format!("splitbrain-seed{}.trace.json", page.setup.seed),
                    "application/json",
                    &text,
                )
            });
            if let Err(e) = written {
                page.dispatch(Msg::Notice(Some(e)));
            }
        })
    };
    let export_svg = {
        let page = page.clone();
        Callback::from(move |_| {
            let result = topology_svg(&page)
                .ok_or_else(|| "the topology is not on the page".to_string())
                .and_then(|svg| download("splitbrain-topology.svg", "image/svg+xml", &svg));
            if let Err(e) = result {
                page.dispatch(Msg::Notice(Some(e)));
            }
        })
    };
    let export_diagram = {
        let page = page.clone();
        Callback::from(move |_| {
            let width = page
                .diagram
                .cast::<web_sys::Element>()
                .map_or(1100.0, |c| f64::from(c.client_width()).max(400.0));
            let svg = crate::spacetime::svg(&**page.world.borrow(), &page.control, width);
            if let Err(e) = download("splitbrain-space-time.svg", "image/svg+xml", &svg) {
                page.dispatch(Msg::Notice(Some(e)));
            }
        })
    };
    let import = {
        let page = page.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            let page = page.clone();
            let name = file.name();
            wasm_bindgen_futures::spawn_local(async move {
                if file.size() > 20_000_000.0 {
                    page.dispatch(Msg::Notice(Some(format!(
                        "{name} is larger than 20 MB; not loaded. The current run is unchanged."
                    ))));
                    return;
                }
                let text = wasm_bindgen_futures::JsFuture::from(file.text())
                    .await
                    .ok()
                    .and_then(|v| v.as_string());
                match text.map(|t| read_import(&t, &page.setup)) {
                    Some(Ok((recipe, said))) => {
                        page.dispatch(Msg::Load(Box::new(recipe), Some(format!("{name}: {said}"))))
                    }
                    Some(Err(e)) => page.dispatch(Msg::Notice(Some(format!(
                        "{name} was not loaded: {e}. The current run is unchanged."
                    )))),
                    None => page.dispatch(Msg::Notice(Some(format!(
                        "{name} could not be read as text. The current run is unchanged."
                    )))),
                }
            });
        })
    };
    html! {
        <span class="share">
            <button onclick={copy} title="A link that opens this run at this moment">
                { if copied.is_some() { "Link copied" } else { "Copy link" } }
            </button>
            if let Some(link) = (*copied).clone() {
                <input class="link-field" type="text" readonly=true value={link} aria-label="Link to this run at this moment"
                       onfocus={Callback::from(|e: FocusEvent| {
                           if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() { i.select(); }
                       })} />
            }
            <button onclick={export_trace} title="Every event, with the recipe that reproduces the run (JSON)">{"Export trace"}</button>
            <button onclick={export_svg} title="The cluster as it is drawn now (SVG)">{"Topology SVG"}</button>
            <button onclick={export_diagram} title="The space-time diagram as it is drawn now, with any highlighted event (SVG)">{"Diagram SVG"}</button>
            <label class="import" title="A trace exported here, a run link's settings, or a list of actions such as 1s@crash:2:keep">
                {"Import…"}
                <input type="file" accept=".json,.txt,application/json,text/plain" onchange={import} aria-label="Import a trace or run recipe file" />
            </label>
        </span>
    }
}

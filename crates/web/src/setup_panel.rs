//! Cluster set-up: how many nodes, which protocol and which deliberate bugs, which seed.
//! Changing any of these starts a new run; bad values get a message and change nothing.
//! Beside them, whether nodes fail at random: changed from the moment on screen, as a fault
//! is, so that the run so far is kept.

use crate::state::{Msg, Setup};
use splitbrain_core::action::Action;
use splitbrain_core::availability::Failures;
use splitbrain_core::registry::{self, SettingDesc, SettingKind};
use splitbrain_core::run::MAX_NODES;
use splitbrain_core::time::{Pretty, MICROS_PER_SEC};
use yew::prelude::*;

pub const NODE_CHOICES: [usize; 9] = [1, 3, 5, 7, 9, 15, 25, 49, 64];

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The run's set-up, which the panel shows and changes.
    pub setup: Setup,
    /// The page's reducer: a changed set-up restarts the run.
    pub dispatch: Callback<Msg>,
    /// The random failures on in the run now (from its set-up or an action since).
    pub failures: Option<Failures>,
}

/// Reads a seed typed by the user.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    let t = text.trim();
    t.parse::<u64>().map_err(|_| {
        format!(
            "the seed must be a whole number from 0 to {}, not \"{t}\"",
            u64::MAX
        )
    })
}

#[component]
pub fn SetupPanel(props: &Props) -> Html {
    let (setup, dispatch) = (&props.setup, &props.dispatch);
    let seed_text = use_state(|| setup.seed.to_string());
    {
        // Follow the run's seed when it changes elsewhere (new seed, reset).
        let seed_text = seed_text.clone();
        use_effect_with(setup.seed, move |seed| seed_text.set(seed.to_string()));
    }
    let restart = |change: Change| {
        let (setup, dispatch) = (setup.clone(), dispatch.clone());
        move || {
            let mut next = setup.clone();
            change(&mut next);
            dispatch.emit(Msg::Restart(next));
        }
    };
    let on_nodes = {
        let (setup, dispatch) = (setup.clone(), dispatch.clone());
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                match select.value().parse::<usize>() {
                    Ok(nodes) => {
                        let mut next = setup.clone();
                        next.nodes = nodes;
                        fit_settings(&mut next);
                        dispatch.emit(Msg::Restart(next));
                    }
                    Err(_) => dispatch.emit(Msg::Notice(Some(
                        "pick a cluster size from the list".into(),
                    ))),
                }
            }
        })
    };
    // The protocol's bugs, as (name, what breaks, on, how to switch it).
    let about = setup.about().ok();
    let bugs: Vec<(&str, &str, bool, Change)> = about
        .map(|a| a.bugs)
        .unwrap_or_default()
        .iter()
        .map(|bug| {
            let name = bug.name;
            let toggle: Change = Box::new(move |s| toggle_in(&mut s.bugs, name.to_string()));
            (
                name,
                bug.breaks,
                setup.bugs.iter().any(|b| b == name),
                toggle,
            )
        })
        .collect();
    let bug_buttons = bugs.into_iter().map(|(name, describe, on, change)| {
        let toggle = restart(change);
        html! {
            <button class={classes!("chip", "bug", on.then_some("active"))} aria-pressed={on.to_string()}
                    title={describe} onclick={Callback::from(move |_| toggle())}>
                { name }
            </button>
        }
    });
    let on_protocol = {
        let (setup, dispatch) = (setup.clone(), dispatch.clone());
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                let mut next = setup.clone();
                // A new protocol starts with its own defaults and none of the old bugs.
                match next.switch_protocol(&select.value()) {
                    Ok(()) => dispatch.emit(Msg::Restart(next)),
                    Err(e) => dispatch.emit(Msg::Notice(Some(e.to_string()))),
                }
            }
        })
    };
    let settings = protocol_settings(setup, dispatch);
    let on_seed_input = {
        let seed_text = seed_text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                seed_text.set(input.value());
            }
        })
    };
    let apply_seed = {
        let (setup, dispatch) = (setup.clone(), dispatch.clone());
        let seed_text = seed_text.clone();
        move || match parse_seed(&seed_text) {
            Ok(seed) => {
                let mut next = setup.clone();
                next.seed = seed;
                dispatch.emit(Msg::Restart(next));
            }
            Err(e) => dispatch.emit(Msg::Notice(Some(e))),
        }
    };
    let on_seed_key = {
        let apply_seed = apply_seed.clone();
        Callback::from(move |e: KeyboardEvent| {
            // Typing in the field must not reach the page's shortcuts.
            e.stop_propagation();
            if e.key() == "Enter" {
                apply_seed();
            }
        })
    };
    let on_seed_change = Callback::from(move |_: Event| apply_seed());
    let new_seed = {
        let (setup, dispatch) = (setup.clone(), dispatch.clone());
        Callback::from(move |_| {
            let mut next = setup.clone();
            next.seed = fresh_seed(next.seed);
            dispatch.emit(Msg::Restart(next));
        })
    };
    // The protocol's own range: every size when it is small (the Byzantine generals' 3
    // to 10), the usual sizes within it otherwise.
    let (min, max) = about.map_or((1, MAX_NODES), |a| (a.nodes.0, a.nodes.1.min(MAX_NODES)));
    let mut choices: Vec<usize> = if max - min <= 16 {
        (min..=max).collect()
    } else {
        NODE_CHOICES
            .iter()
            .copied()
            .filter(|c| (min..=max).contains(c))
            .collect()
    };
    if !choices.contains(&setup.nodes) && setup.nodes <= MAX_NODES {
        choices.push(setup.nodes);
        splitbrain_core::sort::natural(&mut choices);
    }
    // Random failures, from none to often; rates that came with a link and are none of
    // these are offered as they are. A choice applies from now on (an action in the run).
    let failures_now = props.failures;
    let mut failure_choices: Vec<Option<Failures>> = [(0, 0), (60, 2), (9, 1)]
        .into_iter()
        .map(|(mttf, mttr)| {
            (mttf > 0).then_some(Failures {
                mttf_us: mttf * MICROS_PER_SEC,
                mttr_us: mttr * MICROS_PER_SEC,
            })
        })
        .collect();
    if !failure_choices.contains(&failures_now) {
        failure_choices.push(failures_now);
    }
    let failure_options: Vec<Html> = failure_choices
        .iter()
        .enumerate()
        .map(|(i, f)| {
            html! {
                <option value={i.to_string()} selected={*f == failures_now}>{ failures_label(*f) }</option>
            }
        })
        .collect();
    let on_failures = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let chosen = e
                .target_dyn_into::<web_sys::HtmlSelectElement>()
                .and_then(|s| s.value().parse::<usize>().ok())
                .and_then(|i| failure_choices.get(i).copied());
            if let Some(failures) = chosen {
                dispatch.emit(Msg::Act(Action::SetFailures { failures }));
            }
        })
    };
    html! {
        <section class="setup" aria-label="Cluster set-up">
            <label>{"protocol "}
                <select aria-label="Protocol" onchange={on_protocol}>
                    { for registry::all().iter().map(|p| p.about()).map(|a| html! {
                        <option value={a.name} selected={a.name == setup.protocol}>{ a.title }</option>
                    }) }
                </select>
            </label>
            <label>{"nodes "}
                <select onchange={on_nodes} aria-label="Number of nodes">
                    { for choices.iter().map(|&c| html! {
                        <option value={c.to_string()} selected={c == setup.nodes}>{ c }</option>
                    }) }
                </select>
            </label>
            <label>{"seed "}
                <input class="seed" type="text" inputmode="numeric" value={(*seed_text).clone()}
                       oninput={on_seed_input} onkeydown={on_seed_key} onchange={on_seed_change}
                       aria-label="Seed of the run (press Enter to restart with it)" />
            </label>
            <button onclick={new_seed} title="Start a new run with a seed drawn at random (the link keeps it, so the run replays)">{"New seed"}</button>
            { settings }
            <span class="label">{"bugs"}</span>
            { for bug_buttons }
            <label class="failures" title="From now on, every node fails after a random time with the mean MTTF and is repaired after one with the mean MTTR; the availability beside the cluster compares the run with what the rates predict">{"random failures "}
                <select onchange={on_failures} aria-label="Random failures">{ for failure_options }</select>
            </label>
        </section>
    }
}

/// A choice of random failures: `off`, or `up 9 s, down 1 s` (the mean times to failure
/// and to repair).
fn failures_label(failures: Option<Failures>) -> String {
    match failures {
        None => "off".into(),
        Some(f) => format!("up {}, down {}", Pretty(f.mttf_us), Pretty(f.mttr_us)),
    }
}

/// After the cluster size changed: number settings larger than the cluster (a quorum of
/// five in three nodes) go back to their defaults.
fn fit_settings(setup: &mut Setup) {
    let Ok(about) = setup.about() else { return };
    for desc in about.settings {
        let too_big = setup
            .settings
            .get(desc.name)
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|v| v > setup.nodes);
        if matches!(desc.kind, SettingKind::NodeCount { .. }) && too_big {
            setup.settings.remove(desc.name);
        }
    }
}

/// A change to the set-up.
type Change = Box<dyn Fn(&mut Setup)>;

fn toggle_in<T: PartialEq>(list: &mut Vec<T>, item: T) {
    match list.iter().position(|b| *b == item) {
        Some(i) => {
            list.remove(i);
        }
        None => list.push(item),
    }
}

/// The chosen protocol's own settings, one field each as its description says, and what
/// they mean together.
fn protocol_settings(setup: &Setup, dispatch: &Callback<Msg>) -> Html {
    let Ok(about) = setup.about() else {
        return html! {};
    };
    let remark = registry::find(&setup.protocol)
        .ok()
        .and_then(|p| p.remark(&setup.settings, &setup.bugs, &setup.spec(Vec::new()).env()));
    html! {
        <>
        { for about.settings.iter().map(|desc| setting_field(setup, dispatch, desc)) }
        { for remark.map(|r| html! { <span class="muted small">{ r }</span> }) }
        </>
    }
}

/// One setting as a form field: a select for numbers and choices, a checkbox for a flag,
/// a text field for a duration. Changing it restarts the run with the new value.
fn setting_field(setup: &Setup, dispatch: &Callback<Msg>, desc: &'static SettingDesc) -> Html {
    let name = desc.name;
    let given = setup.settings.get(name).map(str::to_string);
    let current = given.clone().or(desc.default.map(str::to_string));
    let aria = format!("{} ({})", desc.label, desc.help);
    // Sets the value from the field (`None`: back to the default).
    let on_value = {
        let (setup, dispatch) = (setup.clone(), dispatch.clone());
        move |value: Option<String>| {
            let mut next = setup.clone();
            match value {
                Some(v) if Some(v.as_str()) != desc.default => next.settings.set(name, v),
                _ => next.settings.remove(name),
            }
            dispatch.emit(Msg::Restart(next));
        }
    };
    let from_select = {
        let on_value = on_value.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                let v = select.value();
                on_value((!v.is_empty()).then_some(v));
            }
        })
    };
    match &desc.kind {
        SettingKind::Number { .. } | SettingKind::NodeCount { .. } => {
            // A number of nodes goes up to the cluster's size; other numbers to their
            // maximum (a long range is cut at 24 choices).
            let (min, top) = match &desc.kind {
                SettingKind::NodeCount { min } => (*min, (setup.nodes as u64).max(*min)),
                SettingKind::Number { min, max } => (*min, *max),
                _ => unreachable!("matched above"),
            };
            let mut values: Vec<u64> = (min..=top.min(min + 23)).collect();
            if let Some(v) = current.as_deref().and_then(|v| v.parse().ok()) {
                if !values.contains(&v) {
                    values.push(v);
                }
            }
            html! {
                <label title={desc.help}>{ format!("{} ", desc.label) }
                    <select aria-label={aria} onchange={from_select}>
                        if desc.default.is_none() {
                            <option value="" selected={given.is_none()}>{ format!("every node ({})", setup.nodes) }</option>
                        }
                        { for values.into_iter().map(|k| html! {
                            <option value={k.to_string()} selected={given.as_deref().or(desc.default) == Some(k.to_string().as_str())}>{ k }</option>
                        }) }
                    </select>
                </label>
            }
        }
        SettingKind::Choice { choices } => html! {
            <label title={desc.help}>{ format!("{} ", desc.label) }
                <select aria-label={aria} onchange={from_select}>
                    { for choices.iter().map(|c| html! {
                        <option value={c.value} selected={current.as_deref() == Some(c.value)}>{ c.meaning }</option>
                    }) }
                </select>
            </label>
        },
        SettingKind::Flag => {
            let on_change = Callback::from(move |e: Event| {
                if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                    on_value(Some(if input.checked() { "1" } else { "0" }.to_string()));
                }
            });
            html! {
                <label title={desc.help}>
                    <input type="checkbox" aria-label={aria} checked={current.as_deref() == Some("1")} onchange={on_change} />
                    { format!(" {}", desc.label) }
                </label>
            }
        }
        SettingKind::Duration { .. } => {
            let on_change = Callback::from(move |e: Event| {
                if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                    let v = input.value().trim().to_string();
                    on_value((!v.is_empty()).then_some(v));
                }
            });
            let on_key = Callback::from(|e: KeyboardEvent| e.stop_propagation());
            html! {
                <label title={desc.help}>{ format!("{} ", desc.label) }
                    <input class="duration" type="text" size="6" aria-label={aria}
                           value={current.unwrap_or_default()} onchange={on_change} onkeydown={on_key} />
                </label>
            }
        }
    }
}

/// A seed drawn at random from the browser (`crypto.getRandomValues`), from 1 to 999999 so
/// that a person can read it out and type it, and never `old`; the next seed if the browser
/// gives no randomness.
fn fresh_seed(old: u64) -> u64 {
    let mut bytes = [0u8; 8];
    let drawn = match getrandom::getrandom(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes) % 999_999 + 1,
        Err(_) => old.wrapping_add(1),
    };
    if drawn == old {
        drawn % 999_999 + 1
    } else {
        drawn
    }
}

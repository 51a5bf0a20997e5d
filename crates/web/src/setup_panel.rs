//! Cluster set-up: how many nodes, which protocol and which deliberate bugs, which seed.
//! Changing any of these starts a new run; bad values get a message and change nothing.

use crate::state::{Msg, Setup, Sim};
use splitbrain_core::protocols::raft::RaftBug;
use splitbrain_core::run::MAX_NODES;
use yew::prelude::*;

pub const NODE_CHOICES: [usize; 9] = [1, 3, 5, 7, 9, 15, 25, 49, 64];

#[derive(Properties, PartialEq)]
pub struct Props {
    pub sim: UseReducerHandle<Sim>,
}

/// Reads a seed typed by the user.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    let t = text.trim();
    t.parse::<u64>().map_err(|_| {
        format!(
            "the seed must be a whole number from 0 to {}, not {t:?}",
            u64::MAX
        )
    })
}

#[component]
pub fn SetupPanel(props: &Props) -> Html {
    let sim = &props.sim;
    let setup = &sim.setup;
    let seed_text = use_state(|| setup.seed.to_string());
    {
        // Follow the run's seed when it changes elsewhere (new seed, reset).
        let seed_text = seed_text.clone();
        use_effect_with(setup.seed, move |seed| seed_text.set(seed.to_string()));
    }
    let restart = |change: Box<dyn Fn(&mut Setup)>| {
        let sim = sim.clone();
        move || {
            let mut next = sim.setup.clone();
            change(&mut next);
            sim.dispatch(Msg::Restart(next));
        }
    };
    let on_nodes = {
        let sim = sim.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                match select.value().parse::<usize>() {
                    Ok(nodes) => {
                        let mut next = sim.setup.clone();
                        next.nodes = nodes;
                        sim.dispatch(Msg::Restart(next));
                    }
                    Err(_) => sim.dispatch(Msg::Notice(Some(
                        "pick a cluster size from the list".into(),
                    ))),
                }
            }
        })
    };
    let bug_buttons = RaftBug::ALL.iter().map(|&bug| {
        let on = setup.bugs.contains(&bug);
        let toggle = restart(Box::new(move |s: &mut Setup| {
            if let Some(i) = s.bugs.iter().position(|b| *b == bug) {
                s.bugs.remove(i);
            } else {
                s.bugs.push(bug);
            }
        }));
        html! {
            <button class={classes!("chip", "bug", on.then_some("active"))} aria-pressed={on.to_string()}
                    title={bug.describe()} onclick={Callback::from(move |_| toggle())}>
                { bug.name() }
            </button>
        }
    });
    let on_seed_input = {
        let seed_text = seed_text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                seed_text.set(input.value());
            }
        })
    };
    let apply_seed = {
        let sim = sim.clone();
        let seed_text = seed_text.clone();
        move || match parse_seed(&seed_text) {
            Ok(seed) => {
                let mut next = sim.setup.clone();
                next.seed = seed;
                sim.dispatch(Msg::Restart(next));
            }
            Err(e) => sim.dispatch(Msg::Notice(Some(e))),
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
        let sim = sim.clone();
        Callback::from(move |_| {
            let mut next = sim.setup.clone();
            next.seed = next.seed.wrapping_add(1);
            sim.dispatch(Msg::Restart(next));
        })
    };
    let mut choices: Vec<usize> = NODE_CHOICES.to_vec();
    if !choices.contains(&setup.nodes) && setup.nodes <= MAX_NODES {
        choices.push(setup.nodes);
        choices.sort_unstable();
    }
    html! {
        <section class="setup" aria-label="Cluster set-up">
            <label>{"protocol "}
                <select aria-label="Protocol" disabled=true title="More protocols arrive with the next lessons">
                    <option selected=true>{"Raft"}</option>
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
            <button onclick={new_seed} title="Start a new run with the next seed">{"New seed"}</button>
            <span class="label">{"bugs"}</span>
            { for bug_buttons }
        </section>
    }
}

//! Whole-network faults and the client load: presets the user applies with one click.

use crate::any::AnyWorld;
use crate::link_editor::LinkEditor;
use crate::state::Msg;
use splitbrain_core::action::Action;
use splitbrain_core::client::Workload;
use splitbrain_core::ids::NodeId;
use splitbrain_core::network::LinkConfig;
use splitbrain_core::rng::Ppm;
use splitbrain_core::time::MICROS_PER_MS;
use yew::prelude::*;

#[derive(Properties, PartialEq, Clone)]
pub struct Props {
    /// The link between the first two nodes, taken for the whole network's.
    pub current: LinkConfig,
    /// Whether messages carry checksums.
    pub checksums: bool,
    /// Whether the protocol serves key-value clients (then the panel offers a load).
    pub serves: bool,
    /// The page's reducer, for the actions the buttons take.
    pub dispatch: Callback<Msg>,
}

impl Props {
    /// The panel for `world`'s network.
    pub fn of(world: &AnyWorld, dispatch: Callback<Msg>) -> Props {
        let network = world.network();
        Props {
            current: *network.link(NodeId(0), NodeId(1 % world.len() as u32)),
            checksums: network.checksums,
            // Key-value client load only for a protocol that serves those clients.
            serves: world.about().serves_clients(),
            dispatch,
        }
    }
}

/// Named network conditions, from calm to hostile.
fn presets() -> Vec<(&'static str, LinkConfig)> {
    let calm = LinkConfig::default();
    vec![
        ("calm", calm),
        (
            "lossy (20% loss)",
            LinkConfig {
                loss: Ppm::percent(20),
                ..calm
            },
        ),
        (
            "slow, reordering",
            LinkConfig {
                latency_us: 40 * MICROS_PER_MS,
                jitter_us: 80 * MICROS_PER_MS,
                ..calm
            },
        ),
        (
            "duplicating (20%)",
            LinkConfig {
                duplicate: Ppm::percent(20),
                ..calm
            },
        ),
        (
            "corrupting (10%)",
            LinkConfig {
                corrupt: Ppm::percent(10),
                ..calm
            },
        ),
    ]
}

#[component]
pub fn NetworkPanel(props: &Props) -> Html {
    let (current, checksums, serves) = (props.current, props.checksums, props.serves);
    let act = |action: Action| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_| dispatch.emit(Msg::Act(action.clone())))
    };
    let buttons = presets().into_iter().map(|(name, link)| {
        let active = link == current;
        html! {
            <button class={classes!(active.then_some("active"))} aria-pressed={active.to_string()}
                    onclick={act(Action::SetNetwork { link })}>{ name }</button>
        }
    });
    let load = |rate: u32| Action::SetWorkload {
        workload: Workload {
            rate_per_s: rate,
            ..Workload::default()
        },
    };
    let on_link = props
        .dispatch
        .reform(|link: LinkConfig| Msg::Act(Action::SetNetwork { link }));
    html! {
        <section class="network-panel" aria-label="Network and clients">
          <div class="row">
            <span class="label">{"network"}</span>
            { for buttons }
            <button class={classes!(checksums.then_some("active"))} aria-pressed={checksums.to_string()}
                    onclick={act(Action::SetChecksums { on: !checksums })}>
                { if checksums { "checksums on" } else { "checksums off" } }
            </button>
            if serves {
                <span class="label">{"clients"}</span>
                <button onclick={act(load(0))}>{"stop"}</button>
                <button onclick={act(load(5))}>{"5 ops/s"}</button>
                <button onclick={act(load(50))}>{"50 ops/s"}</button>
            }
            <details class="fine-tune">
                <summary title="Loss, delay, jitter, duplication and corruption on every link at once (click a link in the picture to tune just that one)">{"fine-tune…"}</summary>
                <LinkEditor link={current} onchange={on_link} label="network" />
            </details>
          </div>
        </section>
    }
}

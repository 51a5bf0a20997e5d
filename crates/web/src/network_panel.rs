//! Whole-network faults, random failures of the nodes and the client load: presets the
//! user applies with one click.

use crate::any::AnyWorld;
use crate::link_editor::LinkEditor;
use crate::state::Msg;
use splitbrain_core::action::Action;
use splitbrain_core::availability::Failures;
use splitbrain_core::client::Workload;
use splitbrain_core::ids::NodeId;
use splitbrain_core::network::LinkConfig;
use splitbrain_core::rng::Ppm;
use splitbrain_core::time::{MICROS_PER_MS, MICROS_PER_SEC};
use yew::prelude::*;

#[derive(Properties, PartialEq, Clone)]
pub struct Props {
    /// The link between the first two nodes, taken for the whole network's.
    pub current: LinkConfig,
    /// Whether messages carry checksums.
    pub checksums: bool,
    /// Whether the protocol serves key-value clients (then the panel offers a load).
    pub serves: bool,
    /// The random failures on now, if any.
    pub failures: Option<Failures>,
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
            failures: world.availability().failures,
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
    // Random failures, from none to often: (label, MTTF, MTTR).
    let failure_buttons = [
        ("off", 0, 0),
        ("up 60 s, down 2 s", 60, 2),
        ("up 9 s, down 1 s", 9, 1),
    ]
    .into_iter()
    .map(|(name, mttf, mttr)| {
        let failures = (mttf > 0).then_some(Failures {
            mttf_us: mttf * MICROS_PER_SEC,
            mttr_us: mttr * MICROS_PER_SEC,
        });
        let active = failures == props.failures;
        html! {
            <button class={classes!(active.then_some("active"))} aria-pressed={active.to_string()}
                    onclick={act(Action::SetFailures { failures })}>{ name }</button>
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
            <details class="fine-tune">
                <summary title="Loss, delay, jitter, duplication and corruption on every link at once (click a link in the picture to tune just that one)">{"fine-tune…"}</summary>
                <LinkEditor link={current} onchange={on_link} label="network" />
            </details>
          </div>
          <div class="row">
            if serves {
                <span class="label">{"clients"}</span>
                <button onclick={act(load(0))}>{"stop"}</button>
                <button onclick={act(load(5))}>{"5 ops/s"}</button>
                <button onclick={act(load(50))}>{"50 ops/s"}</button>
            }
            <span class="label" title="Every node fails after a random time with the mean MTTF and is repaired after one with the mean MTTR (the availability beside the cluster compares the run with what the rates predict)">{"random failures"}</span>
            { for failure_buttons }
          </div>
        </section>
    }
}

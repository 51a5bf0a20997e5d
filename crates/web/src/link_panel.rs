//! One link between two nodes: cut it in either direction or both, restore it, and set
//! what goes wrong on it.

use crate::any::AnyWorld;
use crate::link_editor::LinkEditor;
use crate::state::Msg;
use splitbrain_core::action::Action;
use splitbrain_core::ids::NodeId;
use splitbrain_core::network::{LinkConfig, Network};
use yew::prelude::*;

#[derive(Properties, PartialEq, Clone)]
pub struct Props {
    pub a: NodeId,
    pub b: NodeId,
    /// Each direction's state in words: a → b, then b → a.
    pub states: [String; 2],
    /// What goes wrong on the link a → b (the panel sets both directions alike).
    pub link: LinkConfig,
    /// The page's reducer, for the actions the buttons take.
    pub dispatch: Callback<Msg>,
}

impl Props {
    /// The panel for the link between `a` and `b` in `world`.
    pub fn of(world: &AnyWorld, (a, b): (NodeId, NodeId), dispatch: Callback<Msg>) -> Props {
        let net = world.network();
        Props {
            a,
            b,
            states: [state(net, a, b), state(net, b, a)],
            link: *net.link(a, b),
            dispatch,
        }
    }
}

/// Whether messages from `from` reach `to`, in words.
fn state(net: &Network, from: NodeId, to: NodeId) -> String {
    if net.is_cut(from, to) {
        "cut by hand".to_string()
    } else if let Some(why) = net.blocked(from, to) {
        format!(
            "blocked: {}",
            splitbrain_core::describe::drop_reason(why.into())
        )
    } else {
        "open".to_string()
    }
}

#[component]
pub fn LinkPanel(props: &Props) -> Html {
    let (a, b) = (props.a, props.b);
    let dispatch = &props.dispatch;
    let act = |actions: Vec<Action>| {
        let dispatch = dispatch.clone();
        Callback::from(move |_| {
            for action in &actions {
                dispatch.emit(Msg::Act(action.clone()));
            }
        })
    };
    let direction = |from: NodeId, to: NodeId, state: &str| {
        html! { <><dt>{ format!("{from} → {to}") }</dt><dd>{ state }</dd></> }
    };
    let on_link = {
        let dispatch = dispatch.clone();
        Callback::from(move |link: LinkConfig| {
            dispatch.emit(Msg::Act(Action::SetLink {
                from: a,
                to: b,
                link,
            }));
            dispatch.emit(Msg::Act(Action::SetLink {
                from: b,
                to: a,
                link,
            }));
        })
    };
    let close = dispatch.reform(|_| Msg::SelectLink(None));
    html! {
        <section class="inspector" aria-label={format!("Link {a}–{b}")}>
            <h2>{ format!("Link {a} – {b}") }<button class="close" onclick={close} aria-label="Close">{"×"}</button></h2>
            <dl class="facts">
                { direction(a, b, &props.states[0]) }
                { direction(b, a, &props.states[1]) }
            </dl>
            <div class="buttons">
                <button onclick={act(vec![Action::CutLink { from: a, to: b }])}>{ format!("Cut {a} → {b}") }</button>
                <button onclick={act(vec![Action::CutLink { from: b, to: a }])}>{ format!("Cut {b} → {a}") }</button>
                <button onclick={act(vec![Action::CutLink { from: a, to: b }, Action::CutLink { from: b, to: a }])}>{"Cut both ways"}</button>
                <button onclick={act(vec![Action::RestoreLink { from: a, to: b }, Action::RestoreLink { from: b, to: a }])}>{"Restore"}</button>
            </div>
            <h3>{"What goes wrong on this link (both directions)"}</h3>
            <LinkEditor link={props.link} onchange={on_link} label={format!("link {a}–{b}")} />
            <p class="muted small">{"A one-way cut is the classic trap: one side hears the other but cannot answer."}</p>
        </section>
    }
}

//! One link between two nodes: cut it in either direction or both, restore it, and set
//! what goes wrong on it.

use crate::link_editor::LinkEditor;
use crate::state::{Msg, Page};
use splitbrain_core::action::Action;
use splitbrain_core::ids::NodeId;
use splitbrain_core::network::LinkConfig;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub page: UseReducerHandle<Page>,
    pub a: NodeId,
    pub b: NodeId,
}

#[component]
pub fn LinkPanel(props: &Props) -> Html {
    let page = &props.page;
    let (a, b) = (props.a, props.b);
    let world = page.world.borrow();
    let net = world.network();
    let act = |actions: Vec<Action>| {
        let page = page.clone();
        Callback::from(move |_| {
            for action in &actions {
                page.dispatch(Msg::Act(action.clone()));
            }
        })
    };
    let direction = |from: NodeId, to: NodeId| {
        let state = if net.is_cut(from, to) {
            "cut by hand".to_string()
        } else if let Some(why) = net.blocked(from, to) {
            format!(
                "blocked: {}",
                splitbrain_core::describe::drop_reason(why.into())
            )
        } else {
            "open".to_string()
        };
        html! { <><dt>{ format!("{from} → {to}") }</dt><dd>{ state }</dd></> }
    };
    let on_link = {
        let page = page.clone();
        Callback::from(move |link: LinkConfig| {
            page.dispatch(Msg::Act(Action::SetLink {
                from: a,
                to: b,
                link,
            }));
            page.dispatch(Msg::Act(Action::SetLink {
                from: b,
                to: a,
                link,
            }));
        })
    };
    let close = {
        let page = page.clone();
        Callback::from(move |_| page.dispatch(Msg::SelectLink(None)))
    };
    html! {
        <section class="inspector" aria-label={format!("Link {a}–{b}")}>
            <h2>{ format!("Link {a} – {b}") }<button class="close" onclick={close} aria-label="Close">{"×"}</button></h2>
            <dl class="facts">
                { direction(a, b) }
                { direction(b, a) }
            </dl>
            <div class="buttons">
                <button onclick={act(vec![Action::CutLink { from: a, to: b }])}>{ format!("Cut {a} → {b}") }</button>
                <button onclick={act(vec![Action::CutLink { from: b, to: a }])}>{ format!("Cut {b} → {a}") }</button>
                <button onclick={act(vec![Action::CutLink { from: a, to: b }, Action::CutLink { from: b, to: a }])}>{"Cut both ways"}</button>
                <button onclick={act(vec![Action::RestoreLink { from: a, to: b }, Action::RestoreLink { from: b, to: a }])}>{"Restore"}</button>
            </div>
            <h3>{"What goes wrong on this link (both directions)"}</h3>
            <LinkEditor link={*net.link(a, b)} onchange={on_link} label={format!("link {a}–{b}")} />
            <p class="muted small">{"A one-way cut is the classic trap: one side hears the other but cannot answer."}</p>
        </section>
    }
}

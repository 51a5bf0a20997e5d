//! Sliders for everything that can go wrong on a link: loss, latency, jitter, duplication
//! and corruption. Used for the whole network and for one link.

use splitbrain_core::network::LinkConfig;
use splitbrain_core::rng::Ppm;
use splitbrain_core::time::MICROS_PER_MS;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub link: LinkConfig,
    pub onchange: Callback<LinkConfig>,
    /// Prefix for accessible labels ("network" or "link n0–n1").
    pub label: AttrValue,
}

#[derive(Clone, Copy)]
enum Field {
    Loss,
    Latency,
    Jitter,
    Duplicate,
    Corrupt,
}

impl Field {
    const ALL: [Field; 5] = [
        Field::Loss,
        Field::Latency,
        Field::Jitter,
        Field::Duplicate,
        Field::Corrupt,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::Loss => "loss",
            Field::Latency => "latency",
            Field::Jitter => "jitter",
            Field::Duplicate => "duplicate",
            Field::Corrupt => "corrupt",
        }
    }

    /// (slider maximum, unit)
    fn range(self) -> (u64, &'static str) {
        match self {
            Field::Latency | Field::Jitter => (500, "ms"),
            _ => (100, "%"),
        }
    }

    fn get(self, l: &LinkConfig) -> u64 {
        match self {
            Field::Loss => u64::from(l.loss.0 / 10_000),
            Field::Duplicate => u64::from(l.duplicate.0 / 10_000),
            Field::Corrupt => u64::from(l.corrupt.0 / 10_000),
            Field::Latency => l.latency_us / MICROS_PER_MS,
            Field::Jitter => l.jitter_us / MICROS_PER_MS,
        }
    }

    fn set(self, l: &mut LinkConfig, v: u64) {
        let (max, _) = self.range();
        let v = v.min(max);
        match self {
            Field::Loss => l.loss = Ppm::percent(v as u32),
            Field::Duplicate => l.duplicate = Ppm::percent(v as u32),
            Field::Corrupt => l.corrupt = Ppm::percent(v as u32),
            Field::Latency => l.latency_us = v * MICROS_PER_MS,
            Field::Jitter => l.jitter_us = v * MICROS_PER_MS,
        }
    }
}

#[component]
pub fn LinkEditor(props: &Props) -> Html {
    let sliders = Field::ALL.iter().map(|&field| {
        let (max, unit) = field.range();
        let value = field.get(&props.link);
        let onchange = {
            let link = props.link;
            let cb = props.onchange.clone();
            Callback::from(move |e: Event| {
                if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                    if let Ok(v) = input.value().parse::<u64>() {
                        let mut next = link;
                        field.set(&mut next, v);
                        cb.emit(next);
                    }
                }
            })
        };
        html! {
            <label class="slider">
                <span>{ field.name() }</span>
                <input type="range" min="0" max={max.to_string()} value={value.to_string()} {onchange}
                       aria-label={format!("{} {} ({unit})", props.label, field.name())} />
                <span class="value">{ format!("{value} {unit}") }</span>
            </label>
        }
    });
    html! { <div class="link-editor">{ for sliders }</div> }
}

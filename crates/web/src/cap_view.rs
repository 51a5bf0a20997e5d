//! CAP side by side: the same partition, workload and seed run against two or three
//! designs, with availability and consistency measured for each side of the partition.
//! The experiments run in the page (the core's `cap` module); the view shows a scoreboard,
//! availability over time with the partition shaded, and the operations that prove a
//! history is not linearizable.

use crate::markup::{self, escape, Tenths};
use splitbrain_core::cap::{scenarios, CapReport, Design, SideStats};
use splitbrain_core::checkers::linearizability;
use splitbrain_core::client::{ClientRecord, KvResult, Outcome, Retry};
use splitbrain_core::time::{Pretty, MICROS_PER_SEC};
use std::cell::RefCell;
use std::fmt::Write;
use std::rc::Rc;
use yew::prelude::*;

/// The designs of scenario `index`, with the quorum store's sizes from the sliders when
/// the scenario compares quorum sizes.
fn designs(index: usize, sliders: (usize, usize), retry: Retry) -> Vec<Design> {
    let all = scenarios();
    let (name, _, mut designs) = all
        .into_iter()
        .nth(index)
        .unwrap_or_else(|| scenarios().remove(0));
    if name == "quorum-sizes" || name == "all" {
        // The last quorum design follows the sliders.
        if let Some(d) = designs.iter_mut().rev().find(|d| d.setting("r").is_some()) {
            let (r, w) = sliders;
            *d = d.clone().with("r", r).with("w", w);
            d.label = format!("Quorum R={r} W={w}");
        }
    }
    for d in &mut designs {
        d.retry = retry;
    }
    designs
}

/// The retry policies offered: (name, policy).
fn retries() -> [(&'static str, Retry); 2] {
    [
        ("no retries", Retry::None),
        (
            "retries: backoff with jitter",
            Retry::Backoff {
                base_us: 200_000,
                cap_us: 1_000_000,
                attempts: 4,
            },
        ),
    ]
}

/// The sliders' starting values for comparison `index`: the read and write quorums of its
/// last quorum design as the core describes it (so "Raft, quorum and primary-backup" starts
/// at its R=W=1, and the quorum-size comparison at R=W=3).
fn default_sliders(index: usize) -> (usize, usize) {
    let size = |d: &Design, name: &str| d.setting(name).and_then(|v| v.parse::<usize>().ok());
    scenarios()
        .get(index)
        .and_then(|(_, _, designs)| {
            let d = designs.iter().rev().find(|d| d.setting("r").is_some())?;
            Some((size(d, "r")?, size(d, "w")?))
        })
        .unwrap_or((3, 3))
}

fn uses_sliders(index: usize) -> bool {
    scenarios()
        .get(index)
        .is_some_and(|(name, _, _)| *name == "quorum-sizes" || *name == "all")
}

fn percent(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{}%", (v * 100.0).round() as i64))
}

fn latency(us: Option<u64>) -> String {
    us.map_or("–".into(), |t| Pretty(t).to_string())
}

pub fn op_text(r: &ClientRecord) -> String {
    let end = r.completed_at.map_or("…".into(), |t| Pretty(t).to_string());
    format!(
        "{} at n{}: {} [{} – {end}]",
        r.id,
        r.node.0,
        op_short(r),
        Pretty(r.invoked_at)
    )
}

/// The real-time order a witness must keep, in words (`None` if its operations all
/// overlap).
pub fn real_time_text(records: &[&ClientRecord]) -> Option<String> {
    let pairs: Vec<String> = linearizability::real_time_order(records)
        .into_iter()
        .map(|(a, b)| format!("{a} finished before {b} began"))
        .collect();
    (!pairs.is_empty()).then(|| {
        format!(
            "In real time, {}: any order of these operations must keep that, and none explains every answer.",
            pairs.join("; ")
        )
    })
}

/// An operation and its answer, such as `put k1=5 → ok`.
pub fn op_short(r: &ClientRecord) -> String {
    let op = crate::any::op_text(&r.op);
    let outcome = match &r.outcome {
        Outcome::Done { result } => match result {
            KvResult::Value { value } => {
                format!("→ {}", value.map_or("none".into(), |v| v.to_string()))
            }
            KvResult::Written => "→ ok".into(),
            KvResult::CasFailed { current } => format!(
                "→ failed (was {})",
                current.map_or("none".into(), |v| v.to_string())
            ),
            KvResult::Unavailable => "→ unavailable".into(),
            KvResult::CasRefused => "→ failed".into(),
        },
        Outcome::TimedOut => "→ timed out".into(),
        Outcome::Pending => "→ pending".into(),
    };
    format!("{op} {outcome}")
}

/// Availability per second for one side, as an SVG polyline's points.
fn line(report: &CapReport, minority: bool, w: f64, h: f64) -> String {
    let end = report
        .series
        .last()
        .map_or(1, |b| b.from_us + MICROS_PER_SEC) as f64;
    report
        .series
        .iter()
        .filter_map(|b| {
            let (ops, ok) = if minority {
                (b.minority_ops, b.minority_ok)
            } else {
                (b.majority_ops, b.majority_ok)
            };
            (ops > 0).then(|| {
                let x = (b.from_us as f64 + MICROS_PER_SEC as f64 / 2.0) / end * w;
                let y = h - ok as f64 / ops as f64 * (h - 10.0) - 5.0;
                format!("{},{}", Tenths::of(x), Tenths::of(y))
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Stale reads per second as thin bars from the bottom (the tallest is a third of the
/// chart), so consistency is seen next to availability.
fn stale_bars(out: &mut String, report: &CapReport, w: f64, h: f64) {
    let end = report
        .series
        .last()
        .map_or(1, |b| b.from_us + MICROS_PER_SEC) as f64;
    let most = report
        .series
        .iter()
        .map(|b| b.stale_reads)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let bar = w / report.series.len().max(1) as f64 * 0.6;
    for b in report.series.iter().filter(|b| b.stale_reads > 0) {
        let x = (b.from_us as f64 + MICROS_PER_SEC as f64 / 2.0) / end * w - bar / 2.0;
        let height = b.stale_reads as f64 / most * (h / 3.0);
        let _ = write!(
            out,
            r#"<rect class="stale" x="{}" y="{}" width="{}" height="{}"><title>{} stale reads in second {}</title></rect>"#,
            Tenths::of(x),
            Tenths::of(h - 5.0 - height),
            Tenths::of(bar),
            Tenths::of(height),
            b.stale_reads,
            b.from_us / MICROS_PER_SEC
        );
    }
}

/// Availability and stale reads per second of one run, the partition shaded.
fn chart(out: &mut String, report: &CapReport) {
    let (w, h) = (600.0, 140.0);
    let end = report
        .series
        .last()
        .map_or(1, |b| b.from_us + MICROS_PER_SEC) as f64;
    let x0 = report.partition_from_us as f64 / end * w;
    let x1 = report.partition_until_us as f64 / end * w;
    let (wt, ht, low) = (Tenths::of(w), Tenths::of(h), Tenths::of(h - 5.0));
    let _ = write!(
        out,
        r#"<svg class="cap-chart" viewBox="0 0 {wt} {ht}" role="img" aria-label="Share of operations that succeeded, per second, on each side; the partition is shaded"><rect class="partition" x="{}" y="0" width="{}" height="{ht}"/><text class="axis" x="{}" y="14">partition</text><line class="grid" x1="0" y1="5" x2="{wt}" y2="5"/><line class="grid" x1="0" y1="{low}" x2="{wt}" y2="{low}"/>"#,
        Tenths::of(x0),
        Tenths::of(x1 - x0),
        Tenths::of(x0 + 4.0),
    );
    stale_bars(out, report, w, h);
    let _ = write!(
        out,
        r#"<polyline class="majority" points="{}"/><polyline class="minority" points="{}"/></svg>"#,
        line(report, false, w, h),
        line(report, true, w, h)
    );
}

/// Each design with its run's report, or why it did not run.
type Reports = [(Design, Result<CapReport, String>)];

/// What a row of the scoreboard shows of a run.
type Cell = dyn Fn(&CapReport) -> String;

/// A row of the scoreboard: its label, then one cell per design (a dash for a design
/// whose run failed).
fn side_row(out: &mut String, label: &str, reports: &Reports, f: &Cell) {
    let _ = write!(out, r#"<tr><th scope="row">{}</th>"#, escape(label));
    for (_, r) in reports {
        let text = r.as_ref().map_or_else(|_| "–".to_string(), f);
        let _ = write!(out, "<td>{}</td>", escape(&text));
    }
    out.push_str("</tr>");
}

/// The consistency verdict of one run.
fn verdict(rep: &CapReport) -> String {
    if rep.linearizability.is_linearizable() {
        "linearizable".to_string()
    } else {
        format!("NOT linearizable ({} ops prove it)", rep.witness.len())
    }
}

/// The scoreboard, its charts and the operations that prove a history is not
/// linearizable, as markup (`markup.rs`): text redrawn whole when the runs finish. Each
/// design's "Open in the playground" is a link that opens a new page when `links` gives
/// the addresses, and otherwise a button that carries its index in `data-open` for the
/// one handler around the table.
fn scoreboard(reports: &Reports, links: Option<&[String]>) -> String {
    let mut out = String::from(r#"<table class="scoreboard"><thead><tr><th></th>"#);
    for (d, _) in reports {
        let _ = write!(out, r#"<th scope="col">{}</th>"#, escape(&d.label));
    }
    out.push_str("</tr></thead><tbody>");
    let rows: [(&str, &Cell); 9] = [
        (
            "availability during the partition, minority side (n0, n1)",
            &|r| percent(r.minority.availability_during_partition),
        ),
        ("availability during the partition, majority side", &|r| {
            percent(r.majority.availability_during_partition)
        }),
        ("operations", &|r| ops_text(&r.cluster)),
        ("latency p50 / p99 (successful)", &|r| {
            format!(
                "{} / {}",
                latency(r.cluster.latency_p50_us),
                latency(r.cluster.latency_p99_us)
            )
        }),
        ("stale reads", &|r| r.cluster.stale_reads.to_string()),
        ("acknowledged writes lost after healing", &|r| {
            format!(
                "{} (minority side {})",
                r.cluster.acknowledged_writes_lost, r.minority.acknowledged_writes_lost
            )
        }),
        ("keys the replicas disagree on after healing", &|r| {
            r.keys_replicas_disagree.to_string()
        }),
        ("most nodes acting as leader at once", &|r| {
            if !leads(&r.protocol) {
                "none (leaderless)".to_string()
            } else {
                r.max_leaders.to_string()
            }
        }),
        ("consistency", &verdict),
    ];
    for (label, f) in rows {
        side_row(&mut out, label, reports, f);
    }
    out.push_str(r#"<tr class="readings"><th scope="row">what these numbers say</th>"#);
    for (_, r) in reports {
        out.push_str("<td>");
        if let Ok(r) = r {
            out.push_str("<ul>");
            for t in splitbrain_core::cap::readings(r) {
                let _ = write!(out, "<li>{}</li>", escape(&t));
            }
            out.push_str("</ul>");
        }
        out.push_str("</td>");
    }
    out.push_str(r#"</tr><tr><th scope="row">every node, message and operation of this run</th>"#);
    let title = escape(crate::cap_live::OPEN_TITLE);
    for i in 0..reports.len() {
        match links.and_then(|l| l.get(i)) {
            None => {
                let _ = write!(
                    out,
                    r#"<td><button class="open-in-playground" title="{title}" data-open="{i}">Open in the playground</button></td>"#
                );
            }
            Some(href) => {
                let _ = write!(
                    out,
                    r#"<td><a class="open-in-playground" href="{}" title="{title}" target="_blank" rel="noopener">Open in the playground ↗</a></td>"#,
                    escape(href)
                );
            }
        }
    }
    out.push_str(r#"</tr><tr><th scope="row">success per second (blue: majority, orange: minority); stale reads per second (red bars)</th>"#);
    for (_, r) in reports {
        out.push_str("<td>");
        match r {
            Ok(r) => chart(&mut out, r),
            Err(e) => {
                let _ = write!(out, r#"<span class="bad">{}</span>"#, escape(e));
            }
        }
        out.push_str("</td>");
    }
    out.push_str("</tr></tbody></table>");
    for (d, r) in reports {
        let Ok(r) = r else { continue };
        if r.witness.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            r#"<details class="witness"><summary>{}: the operations that prove the history is not linearizable</summary><ol>"#,
            escape(&d.label)
        );
        for op in &r.witness {
            let _ = write!(out, "<li>{}</li>", escape(&op_text(op)));
        }
        out.push_str("</ol>");
        if let Some(t) = real_time_text(&r.witness.iter().collect::<Vec<_>>()) {
            let _ = write!(out, "<p>{}</p>", escape(&t));
        }
        out.push_str("</details>");
    }
    out
}

fn ops_text(s: &SideStats) -> String {
    format!("{} ok · {} failed · {} unknown", s.ok, s.failed, s.unknown)
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub seed: u64,
    /// The comparison shown first (an index into the core's scenarios).
    #[prop_or_default]
    pub scenario: usize,
    /// Run at once; otherwise the section starts folded and runs when opened (the runs
    /// take a moment, which the page should not spend before it is first drawn).
    #[prop_or_default]
    pub open: bool,
    /// Opens a design's run in the playground on this page; without it, the button is a
    /// link that opens a new page.
    #[prop_or_default]
    pub on_open: Option<Callback<crate::recovery::Recipe>>,
}

#[component]
pub fn CapView(props: &Props) -> Html {
    let preset = use_state(|| props.scenario);
    let sliders = use_state(|| default_sliders(props.scenario));
    let results = use_state(Vec::<(Design, Result<CapReport, String>)>::new);
    let running = use_state(|| false);
    let opened = use_state(|| props.open);
    let live = use_state(|| false);
    let retry = use_state(|| 0usize);
    let frame: Rc<RefCell<Option<gloo_render::AnimationFrame>>> = use_mut_ref(|| None);
    let seed = props.seed;

    // Runs the chosen comparison on the next frame, so that "running…" is drawn first.
    let run = {
        let results = results.clone();
        let running = running.clone();
        let frame = frame.clone();
        move |preset_index: usize, sliders: (usize, usize), retry: Retry| {
            running.set(true);
            let results = results.clone();
            let running = running.clone();
            *frame.borrow_mut() = Some(gloo_render::request_animation_frame(move |_| {
                let out = designs(preset_index, sliders, retry)
                    .into_iter()
                    .map(|d| {
                        let r = d.run(seed).map_err(|e| e.to_string());
                        (d, r)
                    })
                    .collect();
                results.set(out);
                running.set(false);
            }));
        }
    };
    {
        let run = run.clone();
        let (p, s, r) = (*preset, *sliders, *retry);
        use_effect_with((p, s, r, seed, *opened), move |(_, _, _, _, opened)| {
            if *opened {
                run(p, s, retries()[r.min(1)].1)
            }
        });
    }
    if !*opened {
        let open = {
            let opened = opened.clone();
            Callback::from(move |_| opened.set(true))
        };
        return html! {
            <section class="cap folded" aria-label="CAP side by side">
                <div class="panel-head">
                    <h2>{"CAP side by side"}</h2>
                    <span class="muted">{"Raft, a Dynamo-style quorum store and primary-backup under the same partition: availability and consistency, measured."}</span>
                    <button class="primary" onclick={open}>{"Run the comparison"}</button>
                </div>
            </section>
        };
    }
    let on_preset = {
        let preset = preset.clone();
        let sliders = sliders.clone();
        Callback::from(move |e: Event| {
            if let Some(i) = e
                .target_dyn_into::<web_sys::HtmlSelectElement>()
                .and_then(|s| s.value().parse::<usize>().ok())
            {
                sliders.set(default_sliders(i));
                preset.set(i);
            }
        })
    };
    let slider = |which: usize| {
        let sliders = sliders.clone();
        Callback::from(move |e: Event| {
            if let Some(v) = e
                .target_dyn_into::<web_sys::HtmlInputElement>()
                .and_then(|i| i.value().parse::<usize>().ok())
            {
                let (mut r, mut w) = *sliders;
                if which == 0 {
                    r = v.clamp(1, 5);
                } else {
                    w = v.clamp(1, 5);
                }
                sliders.set((r, w));
            }
        })
    };
    let (r, w) = *sliders;
    let uses_sliders = uses_sliders(*preset);
    let reports = &*results;
    // A design's "Open in the playground" button, found by its index in the runs shown.
    let open_design = {
        let on_open = props.on_open.clone();
        let results = results.clone();
        Callback::from(move |e: MouseEvent| {
            let index = markup::data_of(&e, "[data-open]", "data-open")
                .and_then(|i| i.parse::<usize>().ok());
            if let (Some(open), Some((d, _))) = (&on_open, index.and_then(|i| results.get(i))) {
                open.emit(d.recipe(seed));
            }
        })
    };
    // Without a handler, each design opens in a new page.
    let links = props.on_open.is_none().then(|| {
        reports
            .iter()
            .map(|(d, _)| {
                crate::url::link_to(&crate::url::PageState {
                    recipe: d.recipe(seed),
                    ..Default::default()
                })
            })
            .collect::<Vec<_>>()
    });
    html! {
        <section class="cap" aria-label="CAP side by side">
            <div class="panel-head">
                <h2>{"CAP side by side"}</h2>
                <select onchange={on_preset} aria-label="Which designs to compare">
                    { for scenarios().iter().enumerate().map(|(i, (_, title, _))| html! {
                        <option value={i.to_string()} selected={i == *preset}>{ *title }</option>
                    }) }
                </select>
                if uses_sliders {
                    <label class="slider">{"R"}
                        <input type="range" min="1" max="5" value={r.to_string()} onchange={slider(0)} aria-label="Read quorum R" />
                        <span class="value">{ r }</span>
                    </label>
                    <label class="slider">{"W"}
                        <input type="range" min="1" max="5" value={w.to_string()} onchange={slider(1)} aria-label="Write quorum W" />
                        <span class="value">{ w }</span>
                    </label>
                    <span class="muted">{ if r + w > 5 { "R + W > N: a read meets every finished write" } else { "R + W ≤ N: reads may miss writes" } }</span>
                }
                <select aria-label="What clients do after a timeout" onchange={{
                    let retry = retry.clone();
                    Callback::from(move |e: Event| {
                        if let Some(i) = e.target_dyn_into::<web_sys::HtmlSelectElement>().and_then(|s| s.value().parse::<usize>().ok()) {
                            retry.set(i.min(1));
                        }
                    })
                }}>
                    { for retries().iter().enumerate().map(|(i, (name, _))| html! {
                        <option value={i.to_string()} selected={i == *retry}>{ *name }</option>
                    }) }
                </select>
                if *running { <span class="muted">{"running…"}</span> }
                <span class="spacer"></span>
                <button class={classes!((!*live).then_some("active"))} aria-pressed={(!*live).to_string()}
                        onclick={{ let live = live.clone(); Callback::from(move |_| live.set(false)) }}>{"Measured experiment"}</button>
                <button class={classes!(live.then_some("active"))} aria-pressed={live.to_string()}
                        onclick={{ let live = live.clone(); Callback::from(move |_| live.set(true)) }}>{"Watch live"}</button>
            </div>
            if *live {
                <p class="muted small">{ format!("The same designs, seed {seed} and client load, animated side by side on one clock. Every fault button acts on all of them at once.") }</p>
                <crate::cap_live::CapLive seed={seed} designs={designs(*preset, *sliders, retries()[(*retry).min(1)].1)} on_open={props.on_open.clone()} />
            } else {
            <p class="muted small">{ format!("Five nodes, seed {seed}, clients at every node; nodes n0 and n1 are cut off from 5 s to 35 s; each run lasts 45 s and every client operation is checked for linearizability.") }</p>
            <div class="scoreboard-wrap" onclick={open_design}>{ markup::raw(scoreboard(reports, links.as_deref())) }</div>
            }
        </section>
    }
}

/// Whether the protocol named `name` has a role that leads.
fn leads(name: &str) -> bool {
    splitbrain_core::registry::find(name).is_ok_and(|p| p.about().has_leaders())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measures::tests::well_formed;

    #[test]
    fn the_scoreboard_is_well_formed_markup_with_one_way_into_the_playground_per_design() {
        let mut reports: Vec<_> = designs(0, default_sliders(0), Retry::None)
            .into_iter()
            .map(|d| {
                let r = d.run(1).map_err(|e| e.to_string());
                (d, r)
            })
            .collect();
        // What the page does not write itself is escaped.
        reports[0].0.label = "R<W & \"co\"".into();
        reports.push((reports[1].0.clone(), Err("no <run>".into())));
        let n = reports.len();
        let hrefs: Vec<String> = (0..n)
            .map(|i| format!("https://x.test/#run={i}&a<b"))
            .collect();
        for buttons in [true, false] {
            let markup = scoreboard(&reports, (!buttons).then_some(&hrefs[..]));
            well_formed(&markup);
            assert!(markup.contains("R&lt;W &amp; &quot;co&quot;"));
            assert!(markup.contains(r#"<span class="bad">no &lt;run&gt;</span>"#));
            assert_eq!(markup.matches("<tr").count(), 13, "a head and twelve rows");
            assert_eq!(markup.matches("<svg").count(), n - 1, "a chart per run");
            let (buttons_seen, links) = (
                markup.matches("data-open=").count(),
                markup
                    .matches(r#"<a class="open-in-playground" href=""#)
                    .count(),
            );
            if buttons {
                assert_eq!((buttons_seen, links), (n, 0));
                assert!(markup.contains(&format!(r#"data-open="{}""#, n - 1)));
            } else {
                assert_eq!((buttons_seen, links), (0, n));
                assert!(markup.contains(r#"href="https://x.test/#run=2&amp;a&lt;b""#));
            }
        }
    }
}

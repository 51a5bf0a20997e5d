//! Markup written as text, for views with many elements and no state of their own (the
//! measures panel's charts, legend and table): each is one string, formatted with `write!`
//! and inserted with Yew's raw-HTML node ([`raw`]), because every element and attribute
//! of an `html!` compiles to code of its own (the charts cost about 30 KB of WebAssembly
//! that way). What such markup shows that is not the page's own text (a protocol's names
//! and help, a run's errors) goes in through [`escape`]; numbers go in as integers or as
//! [`Tenths`], never as floats (a float printer would come into the binary).
//!
//! A raw node is replaced whole when its text changes, so it suits what is redrawn whole
//! anyway; it has no event handlers: an element inside marks itself with a `data-`
//! attribute and a handler on an element around it reads that ([`data_of`]).

use std::fmt;
use yew::{AttrValue, Html};

/// `text` escaped for markup, in an element's text or in a quoted attribute (`&`, `<`,
/// `>`, `"` and `'` as character references).
pub fn escape(text: &str) -> Escaped<'_> {
    Escaped(text)
}

/// See [`escape`].
pub struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// A coordinate in tenths of a unit, written with one decimal (`-3.5`, `120.0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tenths(pub i64);

impl Tenths {
    /// `x` to the nearest tenth.
    pub fn of(x: f64) -> Tenths {
        Tenths((x * 10.0).round() as i64)
    }
}

impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let t = self.0.unsigned_abs();
        write!(f, "{sign}{}.{}", t / 10, t % 10)
    }
}

/// Markup as a node of the page.
pub fn raw(markup: String) -> Html {
    Html::from_html_unchecked(AttrValue::from(markup))
}

/// The value of attribute `name` on the event's target or the nearest element around it
/// that has one (`having`: the selector `[name]`), for one handler on a container.
pub fn data_of(event: &web_sys::Event, having: &str, name: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    let target = event.target()?.dyn_into::<web_sys::Element>().ok()?;
    target.closest(having).ok()??.get_attribute(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup_and_keeps_the_rest() {
        assert_eq!(
            escape(r#"<b class="x">Tom & Jerry's</b>"#).to_string(),
            "&lt;b class=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;"
        );
        assert_eq!(escape("").to_string(), "");
        assert_eq!(escape("plain µs text").to_string(), "plain µs text");
        assert_eq!(escape("&amp;").to_string(), "&amp;amp;");
        assert_eq!(escape("<<>>").to_string(), "&lt;&lt;&gt;&gt;");
    }

    #[test]
    fn tenths_are_written_with_one_decimal() {
        assert_eq!(Tenths::of(360.0).to_string(), "360.0");
        assert_eq!(Tenths::of(94.333).to_string(), "94.3");
        assert_eq!(Tenths::of(0.05).to_string(), "0.1");
        assert_eq!(Tenths::of(-3.46).to_string(), "-3.5");
        assert_eq!(Tenths::of(-0.04).to_string(), "0.0");
        assert_eq!(Tenths(0).to_string(), "0.0");
    }
}

/// A chart's x axis as markup: its line at `y` from `x0` to `x1`, a tick and its label at
/// each of `ticks` (an x and a label), and the caption (the text `caption`, then the markup
/// `then`) ending at `x1` on the baseline `caption_y`. The measures' charts and the
/// protocols' figures draw their time axes alike.
pub fn x_axis(
    out: &mut String,
    (x0, x1, y): (Tenths, Tenths, Tenths),
    ticks: impl IntoIterator<Item = (Tenths, String)>,
    (caption, then, caption_y): (&str, &str, Tenths),
) {
    use std::fmt::Write;
    let _ = write!(
        out,
        r#"<line class="axis" x1="{x0}" x2="{x1}" y1="{y}" y2="{y}"/>"#
    );
    for (x, label) in ticks {
        let _ = write!(
            out,
            r#"<line class="axis" x1="{x}" x2="{x}" y1="{y}" y2="{}"/><text class="tick" x="{x}" y="{}" text-anchor="middle">{}</text>"#,
            Tenths(y.0 + 30),
            Tenths(y.0 + 140),
            escape(&label)
        );
    }
    let _ = write!(
        out,
        r#"<text class="caption" x="{x1}" y="{caption_y}" text-anchor="end">{}{then}</text>"#,
        escape(caption)
    );
}

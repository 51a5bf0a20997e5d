//! The few 2D drawing calls the space-time diagram makes, for two targets: the canvas
//! on the page, and an SVG document for export. The diagram draws once, for either.

use std::cell::RefCell;
use wasm_bindgen::JsValue;
use web_sys::CanvasRenderingContext2d;

pub trait Pen {
    fn set_stroke_style_str(&self, colour: &str);
    fn set_fill_style_str(&self, colour: &str);
    fn set_line_width(&self, width: f64);
    fn set_global_alpha(&self, alpha: f64);
    /// Dash pattern; empty for solid lines.
    fn set_dash(&self, pattern: &[f64]);
    fn set_font(&self, font: &str);
    fn set_text_align(&self, align: &str);
    fn set_text_baseline(&self, baseline: &str);
    fn begin_path(&self);
    fn move_to(&self, x: f64, y: f64);
    fn line_to(&self, x: f64, y: f64);
    fn arc(&self, x: f64, y: f64, r: f64, start: f64, end: f64) -> Result<(), JsValue>;
    fn stroke(&self);
    fn fill(&self);
    fn fill_rect(&self, x: f64, y: f64, w: f64, h: f64);
    fn stroke_rect(&self, x: f64, y: f64, w: f64, h: f64);
    fn fill_text(&self, text: &str, x: f64, y: f64) -> Result<(), JsValue>;
}

impl Pen for CanvasRenderingContext2d {
    fn set_stroke_style_str(&self, colour: &str) {
        CanvasRenderingContext2d::set_stroke_style_str(self, colour)
    }
    fn set_fill_style_str(&self, colour: &str) {
        CanvasRenderingContext2d::set_fill_style_str(self, colour)
    }
    fn set_line_width(&self, width: f64) {
        CanvasRenderingContext2d::set_line_width(self, width)
    }
    fn set_global_alpha(&self, alpha: f64) {
        CanvasRenderingContext2d::set_global_alpha(self, alpha)
    }
    fn set_dash(&self, pattern: &[f64]) {
        let array = js_sys::Array::new();
        for p in pattern {
            array.push(&JsValue::from_f64(*p));
        }
        self.set_line_dash(&array).ok();
    }
    fn set_font(&self, font: &str) {
        CanvasRenderingContext2d::set_font(self, font)
    }
    fn set_text_align(&self, align: &str) {
        CanvasRenderingContext2d::set_text_align(self, align)
    }
    fn set_text_baseline(&self, baseline: &str) {
        CanvasRenderingContext2d::set_text_baseline(self, baseline)
    }
    fn begin_path(&self) {
        CanvasRenderingContext2d::begin_path(self)
    }
    fn move_to(&self, x: f64, y: f64) {
        CanvasRenderingContext2d::move_to(self, x, y)
    }
    fn line_to(&self, x: f64, y: f64) {
        CanvasRenderingContext2d::line_to(self, x, y)
    }
    fn arc(&self, x: f64, y: f64, r: f64, start: f64, end: f64) -> Result<(), JsValue> {
        CanvasRenderingContext2d::arc(self, x, y, r, start, end)
    }
    fn stroke(&self) {
        CanvasRenderingContext2d::stroke(self)
    }
    fn fill(&self) {
        CanvasRenderingContext2d::fill(self)
    }
    fn fill_rect(&self, x: f64, y: f64, w: f64, h: f64) {
        CanvasRenderingContext2d::fill_rect(self, x, y, w, h)
    }
    fn stroke_rect(&self, x: f64, y: f64, w: f64, h: f64) {
        CanvasRenderingContext2d::stroke_rect(self, x, y, w, h)
    }
    fn fill_text(&self, text: &str, x: f64, y: f64) -> Result<(), JsValue> {
        CanvasRenderingContext2d::fill_text(self, text, x, y)
    }
}

#[derive(Default)]
struct SvgState {
    stroke: String,
    fill: String,
    width: f64,
    alpha: f64,
    dash: String,
    font_px: f64,
    anchor: &'static str,
    baseline: &'static str,
    path: String,
    out: String,
}

/// Draws into an SVG document.
pub struct SvgPen(RefCell<SvgState>);

fn n(x: f64) -> String {
    crate::topology::num(x)
}

/// Text for XML: markup characters escaped.
pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl SvgPen {
    pub fn new() -> Self {
        SvgPen(RefCell::new(SvgState {
            stroke: "#000".into(),
            fill: "#000".into(),
            width: 1.0,
            alpha: 1.0,
            font_px: 11.0,
            anchor: "start",
            baseline: "alphabetic",
            ..SvgState::default()
        }))
    }

    /// The finished document, `w` x `h` units, on a white background.
    pub fn finish(self, w: f64, h: f64) -> String {
        let s = self.0.into_inner();
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\"><rect width=\"100%\" height=\"100%\" fill=\"white\"/>{}</svg>\n",
            n(w),
            n(h),
            n(w),
            n(h),
            s.out
        )
    }

    fn opacity(s: &SvgState) -> String {
        if s.alpha < 1.0 {
            format!(" opacity=\"{}\"", n(s.alpha))
        } else {
            String::new()
        }
    }
}

impl Default for SvgPen {
    fn default() -> Self {
        SvgPen::new()
    }
}

impl Pen for SvgPen {
    fn set_stroke_style_str(&self, colour: &str) {
        self.0.borrow_mut().stroke = xml_escape(colour);
    }
    fn set_fill_style_str(&self, colour: &str) {
        self.0.borrow_mut().fill = xml_escape(colour);
    }
    fn set_line_width(&self, width: f64) {
        self.0.borrow_mut().width = width;
    }
    fn set_global_alpha(&self, alpha: f64) {
        self.0.borrow_mut().alpha = alpha;
    }
    fn set_dash(&self, pattern: &[f64]) {
        let parts: Vec<String> = pattern.iter().map(|p| n(*p)).collect();
        self.0.borrow_mut().dash = parts.join(" ");
    }
    fn set_font(&self, font: &str) {
        if let Some(px) = font
            .split_whitespace()
            .find_map(|w| w.strip_suffix("px").and_then(|v| v.parse::<u32>().ok()))
        {
            // Whole pixels only: parsing decimals would link the float parser.
            self.0.borrow_mut().font_px = f64::from(px);
        }
    }
    fn set_text_align(&self, align: &str) {
        self.0.borrow_mut().anchor = match align {
            "right" | "end" => "end",
            "center" => "middle",
            _ => "start",
        };
    }
    fn set_text_baseline(&self, baseline: &str) {
        self.0.borrow_mut().baseline = if baseline == "middle" {
            "middle"
        } else {
            "alphabetic"
        };
    }
    fn begin_path(&self) {
        self.0.borrow_mut().path.clear();
    }
    fn move_to(&self, x: f64, y: f64) {
        let d = format!("M{} {}", n(x), n(y));
        self.0.borrow_mut().path.push_str(&d);
    }
    fn line_to(&self, x: f64, y: f64) {
        let d = format!("L{} {}", n(x), n(y));
        self.0.borrow_mut().path.push_str(&d);
    }
    fn arc(&self, x: f64, y: f64, r: f64, start: f64, end: f64) -> Result<(), JsValue> {
        let point = |a: f64| (x + r * js_sys::Math::cos(a), y + r * js_sys::Math::sin(a));
        let sweep = end - start;
        let d = if sweep.abs() >= std::f64::consts::TAU - 1e-9 {
            // A full circle is two half arcs.
            let (a, b) = (point(start), point(start + std::f64::consts::PI));
            format!(
                "M{} {}A{r} {r} 0 1 1 {} {}A{r} {r} 0 1 1 {} {}",
                n(a.0),
                n(a.1),
                n(b.0),
                n(b.1),
                n(a.0),
                n(a.1),
                r = n(r)
            )
        } else {
            let (a, b) = (point(start), point(end));
            let large = u8::from(sweep.abs() > std::f64::consts::PI);
            format!(
                "M{} {}A{r} {r} 0 {large} 1 {} {}",
                n(a.0),
                n(a.1),
                n(b.0),
                n(b.1),
                r = n(r)
            )
        };
        self.0.borrow_mut().path.push_str(&d);
        Ok(())
    }
    fn stroke(&self) {
        let mut s = self.0.borrow_mut();
        if s.path.is_empty() {
            return;
        }
        let dash = if s.dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{}\"", s.dash)
        };
        let element = format!(
            "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{dash}{}/>",
            s.path,
            s.stroke,
            n(s.width),
            SvgPen::opacity(&s)
        );
        s.out.push_str(&element);
    }
    fn fill(&self) {
        let mut s = self.0.borrow_mut();
        if s.path.is_empty() {
            return;
        }
        let element = format!(
            "<path d=\"{}\" fill=\"{}\"{}/>",
            s.path,
            s.fill,
            SvgPen::opacity(&s)
        );
        s.out.push_str(&element);
    }
    fn fill_rect(&self, x: f64, y: f64, w: f64, h: f64) {
        let mut s = self.0.borrow_mut();
        let element = format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{}/>",
            n(x),
            n(y),
            n(w),
            n(h),
            s.fill,
            SvgPen::opacity(&s)
        );
        s.out.push_str(&element);
    }
    fn stroke_rect(&self, x: f64, y: f64, w: f64, h: f64) {
        let mut s = self.0.borrow_mut();
        let element = format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"/>",
            n(x),
            n(y),
            n(w),
            n(h),
            s.stroke,
            n(s.width)
        );
        s.out.push_str(&element);
    }
    fn fill_text(&self, text: &str, x: f64, y: f64) -> Result<(), JsValue> {
        let mut s = self.0.borrow_mut();
        let element = format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{}\" dominant-baseline=\"{}\" fill=\"{}\">{}</text>",
            n(x),
            n(y),
            n(s.font_px),
            s.anchor,
            s.baseline,
            s.fill,
            xml_escape(text)
        );
        s.out.push_str(&element);
        Ok(())
    }
}

/// Line segments grouped by colour, stroked with one path per colour: a canvas is much
/// faster drawing a few long paths than thousands of short ones.
#[derive(Default)]
pub struct Strokes(Vec<(&'static str, Vec<[f64; 4]>)>);

impl Strokes {
    pub fn line(&mut self, colour: &'static str, a: (f64, f64), b: (f64, f64)) {
        let segment = [a.0, a.1, b.0, b.1];
        match self.0.iter_mut().find(|(c, _)| *c == colour) {
            Some((_, segments)) => segments.push(segment),
            None => self.0.push((colour, vec![segment])),
        }
    }

    /// A line with an arrowhead at `b` (the head's sides are the direction turned by
    /// ±0.45 rad, computed without trigonometry).
    pub fn arrow(&mut self, colour: &'static str, a: (f64, f64), b: (f64, f64)) {
        self.line(colour, a, b);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt();
        if len < 1.0 {
            return;
        }
        let (ux, uy) = (dx / len * 6.0, dy / len * 6.0);
        const COS: f64 = 0.900_447;
        const SIN: f64 = 0.434_966;
        for s in [SIN, -SIN] {
            let (hx, hy) = (ux * COS - uy * s, ux * s + uy * COS);
            self.line(colour, b, (b.0 - hx, b.1 - hy));
        }
    }

    pub fn cross(&mut self, colour: &'static str, p: (f64, f64), s: f64) {
        self.line(colour, (p.0 - s, p.1 - s), (p.0 + s, p.1 + s));
        self.line(colour, (p.0 + s, p.1 - s), (p.0 - s, p.1 + s));
    }

    /// Strokes every group; a group with no colour uses the context's current style.
    pub fn stroke(&self, ctx: &dyn Pen) {
        for (colour, segments) in &self.0 {
            if !colour.is_empty() {
                ctx.set_stroke_style_str(colour);
            }
            ctx.begin_path();
            for [x1, y1, x2, y2] in segments {
                ctx.move_to(*x1, *y1);
                ctx.line_to(*x2, *y2);
            }
            ctx.stroke();
        }
    }
}

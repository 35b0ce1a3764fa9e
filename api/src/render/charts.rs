//! Report charts as SVG, drawn on the server so that they can go into slides
//! for the lokakarya mini and into a WhatsApp message as they are.
//!
//! Every chart is one self-contained SVG 1.1 document: no fonts, images,
//! styles or scripts from elsewhere, a `viewBox` with explicit `width` and
//! `height` (so that converters to PNG size it right), and a `<title>`. Text
//! is at least 12px at 800px wide, readable on a phone; colours come from the
//! Okabe–Ito palette, which people with colour-vision deficiency can tell
//! apart. Output is deterministic, and bad input (empty, NaN, infinite) draws
//! a chart anyway instead of failing.
// `write!` into a `String` cannot fail, hence the `let _ =` throughout.
use std::fmt::Write;

/// Narrowest chart; wider ones grow from here with their contents.
const MIN_WIDTH: f64 = 800.0;
const TITLE_SIZE: f64 = 20.0;
const LABEL_SIZE: f64 = 14.0;
/// Ticks and value labels: the smallest that stays readable on a phone.
const SMALL_SIZE: f64 = 12.0;
const MARGIN: f64 = 20.0;
const LEGEND_ROW: f64 = 22.0;

/// Okabe–Ito, without its yellow (too faint on white) and with black last.
const PALETTE: [&str; 7] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
];
/// Target met / not met / no target: bluish green, vermillion and blue of
/// the same palette, distinct also for red-green colour blindness.
const MET: &str = "#009E73";
const NOT_MET: &str = "#D55E00";
const NO_TARGET: &str = "#0072B2";
const INK: &str = "#222222";
const MUTED: &str = "#555555";
const GRID: &str = "#DDDDDD";
const NO_DATA: &str = "Belum ada data";

/// One posyandu (or village, …) in a grouped bar chart: one value per series.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGroup {
    pub label: String,
    pub values: Vec<f64>,
}

/// SKDN bars per posyandu: for each group (a posyandu) one bar per series (S,
/// K, D, N), value labels on top.
///
/// With many groups (up to 60) the chart grows in width (min 800px) and
/// labels rotate -45°.
pub fn grouped_bars(title: &str, series: &[&str], groups: &[BarGroup]) -> String {
    // A group with more values than named series still shows them all.
    let bars_per_group = groups
        .iter()
        .map(|g| g.values.len())
        .fold(series.len(), usize::max);
    let values: Vec<Vec<Option<f64>>> = groups
        .iter()
        .map(|g| {
            (0..bars_per_group)
                .map(|i| g.values.get(i).copied().and_then(finite))
                .collect()
        })
        .collect();
    let all: Vec<f64> = values.iter().flatten().flatten().copied().collect();
    if all.is_empty() {
        return no_data(title);
    }

    let right = MARGIN;
    let min_bar = 14.0;
    let gap = 16.0;
    let n_groups = groups.len() as f64;
    let n_bars = bars_per_group as f64;
    let layout = |left: f64| {
        let width = MIN_WIDTH.max(left + right + n_groups * (n_bars * min_bar + gap));
        (width, (width - left - right) / n_groups)
    };
    let x_labels: Vec<&str> = groups.iter().map(|g| g.label.as_str()).collect();
    let (left, width, group_w, x_axis) = fit_x_labels(&x_labels, layout);
    let bar_w = ((group_w - gap) / n_bars).min(48.0);

    let value_labels: Vec<Vec<Option<String>>> = values
        .iter()
        .map(|row| row.iter().map(|v| v.map(fmt1)).collect())
        .collect();
    // Labels wider than their bar would run into the next one: stand them up.
    let widest_value = value_labels
        .iter()
        .flatten()
        .flatten()
        .map(|l| text_width(l, SMALL_SIZE))
        .fold(0.0, f64::max);
    let upright = widest_value > bar_w + 2.0;
    let headroom = if upright {
        widest_value + 8.0
    } else {
        SMALL_SIZE + 8.0
    };

    let title_lines = wrap(title, max_chars(width - 2.0 * MARGIN, TITLE_SIZE), 2);
    let legend = Legend::new(
        (0..bars_per_group)
            .map(|i| {
                let name = series
                    .get(i)
                    .map_or_else(|| format!("Seri {}", i + 1), |s| (*s).to_owned());
                (Key::Swatch(colour(i)), name)
            })
            .collect(),
        width,
    );
    let legend_top = title_height(&title_lines);
    let plot_top = legend_top + legend.height + headroom;
    let plot_h = 320.0;
    let plot_bottom = plot_top + plot_h;
    let height = plot_bottom + x_axis.height;

    let axis = Axis::new(&all);
    let y = |v: f64| plot_bottom - (v - axis.min) / (axis.max - axis.min) * plot_h;

    let mut svg = begin(title, &title_lines, width, height);
    legend.draw(&mut svg, legend_top);
    y_grid(&mut svg, &axis, left, width - right, y, "");
    for (g, row) in values.iter().enumerate() {
        let start = left + g as f64 * group_w + (group_w - n_bars * bar_w) / 2.0;
        for (i, value) in row.iter().enumerate() {
            let (Some(v), Some(label)) = (value, &value_labels[g][i]) else {
                continue;
            };
            let x = start + i as f64 * bar_w;
            let (top, bottom) = (y(v.max(0.0)), y(v.min(0.0)));
            let _ = write!(
                svg,
                r#"<rect class="bar" x="{x:.1}" y="{top:.1}" width="{w:.1}" height="{h:.1}" fill="{c}"/>"#,
                w = (bar_w - 1.0).max(1.0),
                h = bottom - top,
                c = colour(i),
            );
            let cx = x + bar_w / 2.0;
            // Above a positive bar, below a negative one.
            let (ly, anchor) = if *v >= 0.0 {
                (top - 4.0, "start")
            } else {
                (bottom + 4.0, "end")
            };
            if upright {
                let rotate = format!(r#" transform="rotate(-90 {:.1} {ly:.1})""#, cx + 4.0);
                text(&mut svg, cx + 4.0, ly, SMALL_SIZE, anchor, label, &rotate);
            } else {
                let ly = if *v >= 0.0 { ly } else { ly + SMALL_SIZE };
                text(&mut svg, cx, ly, SMALL_SIZE, "middle", label, "");
            }
        }
    }
    baseline(&mut svg, left, width - right, y(0.0));
    x_axis.draw(&mut svg, |i| left + (i as f64 + 0.5) * group_w, plot_bottom);
    end(svg)
}

/// One line of a trend chart; `None` is a month without a value (a gap).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<Option<f64>>,
}

/// A trend line (e.g. stunting prevalence per month for 12 months), y in
/// percent of ratios 0..1 when `percent` is true; an optional dashed
/// horizontal target line labelled "Target x%".
pub fn trend_line(
    title: &str,
    x_labels: &[String],
    series: &[Series],
    target: Option<f64>,
    percent: bool,
) -> String {
    let scale = if percent { 100.0 } else { 1.0 };
    let unit = if percent { "%" } else { "" };
    let points: Vec<Vec<Option<f64>>> = series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .map(|p| p.and_then(finite).map(|v| v * scale))
                .collect()
        })
        .collect();
    let mut all: Vec<f64> = points.iter().flatten().flatten().copied().collect();
    if all.is_empty() {
        return no_data(title);
    }
    let target = target.and_then(finite).map(|t| t * scale);
    all.extend(target);

    let n = points.iter().map(Vec::len).fold(x_labels.len(), usize::max);
    let target_label = target.map(|t| format!("Target {}{unit}", fmt1(t)));
    // The target's label stands right of the plot, clear of the lines.
    let right = target_label
        .as_deref()
        .map_or(MARGIN, |l| text_width(l, SMALL_SIZE) + 8.0 + MARGIN);
    let layout = |left: f64| {
        let width = MIN_WIDTH.max(left + right + n as f64 * 40.0);
        (width, (width - left - right) / n as f64)
    };
    let labels: Vec<&str> = (0..n)
        .map(|i| x_labels.get(i).map_or("", String::as_str))
        .collect();
    let (left, width, step, x_axis) = fit_x_labels(&labels, layout);
    let x = |i: usize| left + (i as f64 + 0.5) * step;
    let title_lines = wrap(title, max_chars(width - 2.0 * MARGIN, TITLE_SIZE), 2);
    let mut keys: Vec<(Key, String)> = series
        .iter()
        .enumerate()
        .map(|(i, s)| (Key::Line(colour(i)), s.name.clone()))
        .collect();
    keys.extend(target_label.clone().map(|l| (Key::Dashed(INK), l)));
    let legend = Legend::new(keys, width);

    let legend_top = title_height(&title_lines);
    let plot_top = legend_top + legend.height + 24.0;
    let plot_h = 320.0;
    let plot_bottom = plot_top + plot_h;
    let height = plot_bottom + x_axis.height;
    let axis = Axis::new(&all);
    let y = |v: f64| plot_bottom - (v - axis.min) / (axis.max - axis.min) * plot_h;

    let mut svg = begin(title, &title_lines, width, height);
    legend.draw(&mut svg, legend_top);
    y_grid(&mut svg, &axis, left, width - right, y, unit);
    baseline(&mut svg, left, width - right, y(axis.min.max(0.0)));

    if let (Some(t), Some(label)) = (target, &target_label) {
        let ty = y(t);
        let _ = write!(
            svg,
            r#"<line class="target" x1="{left:.1}" y1="{ty:.1}" x2="{x2:.1}" y2="{ty:.1}" stroke="{INK}" stroke-width="2" stroke-dasharray="8 5"/>"#,
            x2 = width - right,
        );
        text(
            &mut svg,
            width - right + 8.0,
            ty + 4.0,
            SMALL_SIZE,
            "start",
            label,
            "",
        );
    }

    for (i, line) in points.iter().enumerate() {
        let c = colour(i);
        let path = line_path(line, x, y);
        if !path.is_empty() {
            let _ = write!(
                svg,
                r#"<path class="line" d="{path}" fill="none" stroke="{c}" stroke-width="3" stroke-linejoin="round"/>"#
            );
        }
        // Dots on every point: a month between two gaps is a dot alone.
        for (j, v) in line.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{c}"/>"#,
                    x(j),
                    y(*v)
                );
            }
        }
        // The latest value is what a meeting asks about: label it, above
        // its dot and so inside the plot, away from the target's label.
        if let Some((j, v)) = line
            .iter()
            .enumerate()
            .rev()
            .find_map(|(j, v)| v.map(|v| (j, v)))
        {
            let label = format!("{}{unit}", fmt1(v));
            text(
                &mut svg,
                x(j),
                y(v) - 10.0,
                SMALL_SIZE,
                "middle",
                &label,
                r#" font-weight="bold""#,
            );
        }
    }
    x_axis.draw(&mut svg, x, plot_bottom);
    end(svg)
}

/// One indicator against its target, e.g. D/S against 80%.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageBar {
    pub label: String,
    /// ratio 0..1
    pub value: Option<f64>,
    /// ratio 0..1
    pub target: Option<f64>,
    pub higher_is_better: bool,
}

/// Coverage against target: one horizontal bar per indicator (value in %), a
/// vertical target mark on each, the bar coloured by whether the target is
/// met (met = value >= target if higher_is_better, value <= target
/// otherwise), value label "85.3%"; a missing value shows "–" and no bar.
/// Values above 100% are drawn capped at the axis with the true label.
pub fn coverage_against_target(title: &str, bars: &[CoverageBar]) -> String {
    if bars.is_empty() {
        return no_data(title);
    }
    let width = MIN_WIDTH;
    let label_w = bars
        .iter()
        .map(|b| text_width(&b.label, LABEL_SIZE))
        .fold(100.0, f64::max)
        .min(300.0);
    let left = MARGIN + label_w + 10.0;
    // Room right of the axis for the label of a bar capped at 100%.
    let right = 80.0;
    let plot_w = width - left - right;
    let x = |ratio: f64| left + ratio.clamp(0.0, 1.0) * plot_w;
    let (row_h, bar_h) = (36.0, 22.0);

    let rows: Vec<(Option<f64>, Option<f64>)> = bars
        .iter()
        .map(|b| (b.value.and_then(finite), b.target.and_then(finite)))
        .collect();
    let mut keys = Vec::new();
    if rows.iter().any(|(_, t)| t.is_some()) {
        keys.push((Key::Swatch(MET), "Mencapai target".to_owned()));
        keys.push((Key::Swatch(NOT_MET), "Belum mencapai target".to_owned()));
        keys.push((Key::Mark(INK), "Target".to_owned()));
    }
    if rows.iter().any(|(v, t)| v.is_some() && t.is_none()) {
        keys.push((Key::Swatch(NO_TARGET), "Tanpa target".to_owned()));
    }
    let legend = Legend::new(keys, width);
    let title_lines = wrap(title, max_chars(width - 2.0 * MARGIN, TITLE_SIZE), 2);
    let legend_top = title_height(&title_lines);
    let plot_top = legend_top + legend.height + 12.0;
    let plot_bottom = plot_top + bars.len() as f64 * row_h;
    let height = plot_bottom + 32.0;

    let mut svg = begin(title, &title_lines, width, height);
    legend.draw(&mut svg, legend_top);
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let tx = x(tick);
        let _ = write!(
            svg,
            r#"<line x1="{tx:.1}" y1="{plot_top:.1}" x2="{tx:.1}" y2="{plot_bottom:.1}" stroke="{GRID}"/>"#
        );
        let label = format!("{}%", fmt1(tick * 100.0));
        text(
            &mut svg,
            tx,
            plot_bottom + 18.0,
            SMALL_SIZE,
            "middle",
            &label,
            &fill(MUTED),
        );
    }

    let label_chars = max_chars(label_w, LABEL_SIZE);
    for (i, (bar, (value, target))) in bars.iter().zip(&rows).enumerate() {
        let top = plot_top + i as f64 * row_h + (row_h - bar_h) / 2.0;
        let middle = top + bar_h / 2.0 + LABEL_SIZE * 0.35;
        text(
            &mut svg,
            left - 10.0,
            middle,
            LABEL_SIZE,
            "end",
            &ellipsis(&bar.label, label_chars),
            "",
        );
        match value {
            Some(v) => {
                let c = match target {
                    Some(t) if met(*v, *t, bar.higher_is_better) => MET,
                    Some(_) => NOT_MET,
                    None => NO_TARGET,
                };
                let end_x = x(*v);
                let _ = write!(
                    svg,
                    r#"<rect class="bar" x="{left:.1}" y="{top:.1}" width="{w:.1}" height="{bar_h:.1}" fill="{c}"/>"#,
                    w = end_x - left,
                );
                let label = format!("{}%", fmt1(v * 100.0));
                // A target mark just past the bar's end would cross the
                // label: then the label starts after the mark.
                let label_end = end_x + 6.0 + text_width(&label, LABEL_SIZE);
                let label_x = match target.map(x) {
                    Some(tx) if tx >= end_x - 2.0 && tx <= label_end + 2.0 => tx + 6.0,
                    _ => end_x + 6.0,
                };
                text(&mut svg, label_x, middle, LABEL_SIZE, "start", &label, "");
            }
            None => text(
                &mut svg,
                left + 6.0,
                middle,
                LABEL_SIZE,
                "start",
                "–",
                &fill(MUTED),
            ),
        }
        if let Some(t) = target {
            let tx = x(*t);
            let _ = write!(
                svg,
                r#"<line class="target" x1="{tx:.1}" y1="{y1:.1}" x2="{tx:.1}" y2="{y2:.1}" stroke="{INK}" stroke-width="3"/>"#,
                y1 = top - 4.0,
                y2 = top + bar_h + 4.0,
            );
        }
    }
    let _ = write!(
        svg,
        r#"<line x1="{left:.1}" y1="{plot_top:.1}" x2="{left:.1}" y2="{plot_bottom:.1}" stroke="{INK}"/>"#
    );
    end(svg)
}

fn met(value: f64, target: f64, higher_is_better: bool) -> bool {
    if higher_is_better {
        value >= target
    } else {
        value <= target
    }
}

// ------------------------------------------------------------ building blocks

/// A usable value: NaN and infinities are skipped; absurd magnitudes are
/// clamped so that the axis arithmetic stays finite (no report count comes
/// near 10^15).
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then(|| v.clamp(-1e15, 1e15))
}

fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Up to one decimal: 85.34 → "85.3", 85.0 → "85", -0.04 → "0".
fn fmt1(v: f64) -> String {
    let fixed = format!("{v:.1}");
    let text = fixed.strip_suffix(".0").unwrap_or(&fixed);
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// XML-escaped text. Control characters other than tab and line ends are
/// dropped: XML 1.0 forbids them even as character references, and one
/// pasted into a posyandu name would otherwise break the whole picture.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            '\u{FFFE}' | '\u{FFFF}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Width of a text in sans-serif, estimated (no font metrics on a server):
/// 0.6 em a character errs on the wide side, so labels rather fit.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.6
}

fn max_chars(width: f64, size: f64) -> usize {
    // The epsilon keeps a label that exactly fits from losing its last
    // character to rounding.
    (width / (size * 0.6) + 1e-9).floor().max(1.0) as usize
}

fn ellipsis(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Words into at most `max_lines` lines of at most `max_chars` characters;
/// what does not fit ends in an ellipsis.
fn wrap(text: &str, max_chars: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let len = current.chars().count();
        if len > 0 && len + 1 + word.chars().count() > max_chars {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        let rest = lines.split_off(max_lines.saturating_sub(1)).join(" ");
        lines.push(rest);
    }
    lines.iter().map(|l| ellipsis(l, max_chars)).collect()
}

fn title_height(lines: &[String]) -> f64 {
    MARGIN + lines.len() as f64 * (TITLE_SIZE + 6.0) + 8.0
}

fn fill(colour: &str) -> String {
    format!(r#" fill="{colour}""#)
}

/// `<text>` with escaped content; `extra` holds further attributes.
fn text(svg: &mut String, x: f64, y: f64, size: f64, anchor: &str, content: &str, extra: &str) {
    let _ = write!(
        svg,
        r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{anchor}"{extra}>{}</text>"#,
        escape(content)
    );
}

/// The document's start: root element, `<title>`, white background (chat
/// apps show transparency as black), and the visible title.
fn begin(title: &str, lines: &[String], width: f64, height: f64) -> String {
    let mut svg = String::with_capacity(16 * 1024);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" font-family="sans-serif" fill="{INK}">"#
    );
    let _ = write!(svg, "<title>{}</title>", escape(title));
    svg.push_str(r##"<rect width="100%" height="100%" fill="#FFFFFF"/>"##);
    for (i, line) in lines.iter().enumerate() {
        let y = MARGIN + TITLE_SIZE + i as f64 * (TITLE_SIZE + 6.0);
        text(
            &mut svg,
            MARGIN,
            y,
            TITLE_SIZE,
            "start",
            line,
            r#" font-weight="bold""#,
        );
    }
    svg
}

fn end(mut svg: String) -> String {
    svg.push_str("</svg>\n");
    svg
}

fn no_data(title: &str) -> String {
    let width = MIN_WIDTH;
    let lines = wrap(title, max_chars(width - 2.0 * MARGIN, TITLE_SIZE), 2);
    let height = title_height(&lines) + 160.0;
    let mut svg = begin(title, &lines, width, height);
    let y = title_height(&lines) + 80.0;
    text(
        &mut svg,
        width / 2.0,
        y,
        18.0,
        "middle",
        NO_DATA,
        &fill(MUTED),
    );
    end(svg)
}

/// A value axis from 0 (or below, for negatives) to a round number above
/// the data, in steps of 1, 2 or 5 times a power of ten.
struct Axis {
    min: f64,
    max: f64,
    step: f64,
}

impl Axis {
    fn new(values: &[f64]) -> Axis {
        let lo = values.iter().copied().fold(0.0, f64::min);
        let hi = values.iter().copied().fold(0.0, f64::max);
        // All zero: still an axis to draw the zeros on.
        let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
        let raw = span / 5.0;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|m| m * magnitude)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * magnitude)
            // Ticks are labelled with one decimal: finer steps would repeat.
            .max(0.1);
        let min = (lo / step).floor() * step;
        let max = ((hi / step).ceil() * step).max(min + step);
        Axis { min, max, step }
    }

    fn ticks(&self) -> impl Iterator<Item = f64> + '_ {
        let count = ((self.max - self.min) / self.step).round().clamp(1.0, 20.0) as usize;
        (0..=count).map(|k| self.min + k as f64 * self.step)
    }
}

/// Horizontal grid lines with their tick labels left of the plot.
fn y_grid(
    svg: &mut String,
    axis: &Axis,
    left: f64,
    right: f64,
    y: impl Fn(f64) -> f64,
    unit: &str,
) {
    for tick in axis.ticks() {
        let ty = y(tick);
        let _ = write!(
            svg,
            r#"<line x1="{left:.1}" y1="{ty:.1}" x2="{right:.1}" y2="{ty:.1}" stroke="{GRID}"/>"#
        );
        let label = format!("{}{unit}", fmt1(tick));
        text(
            svg,
            left - 8.0,
            ty + 4.0,
            SMALL_SIZE,
            "end",
            &label,
            &fill(MUTED),
        );
    }
}

fn baseline(svg: &mut String, left: f64, right: f64, y: f64) {
    let _ = write!(
        svg,
        r#"<line x1="{left:.1}" y1="{y:.1}" x2="{right:.1}" y2="{y:.1}" stroke="{INK}" stroke-width="1.5"/>"#
    );
}

/// Path data for a line with gaps: a new `M` after every missing point, and
/// no segment for a point that stands alone (its dot shows it).
fn line_path(points: &[Option<f64>], x: impl Fn(usize) -> f64, y: impl Fn(f64) -> f64) -> String {
    let mut d = String::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    let flush = |run: &mut Vec<(f64, f64)>, d: &mut String| {
        if run.len() > 1 {
            for (k, (px, py)) in run.iter().enumerate() {
                let op = if k == 0 { 'M' } else { 'L' };
                if !d.is_empty() {
                    d.push(' ');
                }
                let _ = write!(d, "{op}{px:.1} {py:.1}");
            }
        }
        run.clear();
    };
    for (i, p) in points.iter().enumerate() {
        match p {
            Some(v) => run.push((x(i), y(*v))),
            None => flush(&mut run, &mut d),
        }
    }
    flush(&mut run, &mut d);
    d
}

/// Category labels under the plot, turned -45° when they would not fit
/// side by side (many posyandu, long names).
struct XLabels {
    labels: Vec<String>,
    rotated: bool,
    height: f64,
}

impl XLabels {
    /// Longest label shown when turned; the rest is cut with an ellipsis.
    const MAX_ROTATED: usize = 28;

    fn new(labels: &[&str], slot: f64) -> XLabels {
        let rotated = labels
            .iter()
            .any(|l| text_width(l, LABEL_SIZE) > slot - 4.0);
        let labels: Vec<String> = if rotated {
            labels
                .iter()
                .map(|l| ellipsis(l, Self::MAX_ROTATED))
                .collect()
        } else {
            labels.iter().map(|l| (*l).to_owned()).collect()
        };
        let widest = labels
            .iter()
            .map(|l| text_width(l, LABEL_SIZE))
            .fold(0.0, f64::max);
        let height = if rotated {
            widest * std::f64::consts::FRAC_1_SQRT_2 + LABEL_SIZE + 2.0 * MARGIN
        } else {
            LABEL_SIZE + 2.0 * MARGIN
        };
        XLabels {
            labels,
            rotated,
            height,
        }
    }

    /// How far the first label reaches left of its slot.
    fn overhang(&self, slot: f64) -> f64 {
        match (self.rotated, self.labels.first()) {
            (true, Some(first)) => {
                text_width(first, LABEL_SIZE) * std::f64::consts::FRAC_1_SQRT_2 - slot / 2.0
            }
            _ => 0.0,
        }
    }

    fn draw(&self, svg: &mut String, x: impl Fn(usize) -> f64, plot_bottom: f64) {
        let y = plot_bottom + LABEL_SIZE + 6.0;
        for (i, label) in self.labels.iter().enumerate() {
            let lx = x(i);
            if self.rotated {
                let rotate = format!(r#" transform="rotate(-45 {lx:.1} {y:.1})""#);
                text(svg, lx, y, LABEL_SIZE, "end", label, &rotate);
            } else {
                text(svg, lx, y, LABEL_SIZE, "middle", label, "");
            }
        }
    }
}

/// The left margin, chart width, slot width and x labels: turned labels
/// hang down to the left of their slot, so the first one needs room there.
/// `layout` gives the width and the slot for a left margin.
fn fit_x_labels(labels: &[&str], layout: impl Fn(f64) -> (f64, f64)) -> (f64, f64, f64, XLabels) {
    let left = 60.0;
    let (width, slot) = layout(left);
    let x_axis = XLabels::new(labels, slot);
    let needed = MARGIN + x_axis.overhang(slot);
    if needed <= left {
        return (left, width, slot, x_axis);
    }
    // A wider margin only narrows the slots: turned labels stay turned.
    let (width, slot) = layout(needed);
    (needed, width, slot, XLabels::new(labels, slot))
}

/// What a legend entry shows beside its name.
enum Key {
    /// A filled square, for bars.
    Swatch(&'static str),
    /// A short line with a dot, for a series of a line chart.
    Line(&'static str),
    /// A dashed line, for a target level.
    Dashed(&'static str),
    /// A short upright stroke, for a target mark on a bar.
    Mark(&'static str),
}

/// Entries laid out left to right, wrapping onto further rows.
struct Legend {
    entries: Vec<(Key, String, f64, f64)>,
    height: f64,
}

impl Legend {
    const MAX_CHARS: usize = 40;

    fn new(keys: Vec<(Key, String)>, width: f64) -> Legend {
        let mut entries = Vec::with_capacity(keys.len());
        let (mut x, mut row) = (MARGIN, 0.0);
        for (key, name) in keys {
            let name = ellipsis(&name, Self::MAX_CHARS);
            let w = 22.0 + text_width(&name, LABEL_SIZE) + 20.0;
            if x > MARGIN && x + w > width - MARGIN {
                row += 1.0;
                x = MARGIN;
            }
            entries.push((key, name, x, row * LEGEND_ROW));
            x += w;
        }
        let height = if entries.is_empty() {
            0.0
        } else {
            (row + 1.0) * LEGEND_ROW
        };
        Legend { entries, height }
    }

    fn draw(&self, svg: &mut String, top: f64) {
        for (key, name, x, dy) in &self.entries {
            let middle = top + dy + LEGEND_ROW / 2.0;
            let _ = match key {
                Key::Swatch(c) => write!(
                    svg,
                    r#"<rect class="key" x="{x:.1}" y="{:.1}" width="14" height="14" fill="{c}"/>"#,
                    middle - 7.0
                ),
                Key::Line(c) => write!(
                    svg,
                    r#"<line x1="{x:.1}" y1="{middle:.1}" x2="{:.1}" y2="{middle:.1}" stroke="{c}" stroke-width="3"/><circle cx="{:.1}" cy="{middle:.1}" r="4" fill="{c}"/>"#,
                    x + 16.0,
                    x + 8.0
                ),
                Key::Dashed(c) => write!(
                    svg,
                    r#"<line x1="{x:.1}" y1="{middle:.1}" x2="{:.1}" y2="{middle:.1}" stroke="{c}" stroke-width="2" stroke-dasharray="5 3"/>"#,
                    x + 16.0
                ),
                Key::Mark(c) => write!(
                    svg,
                    r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{c}" stroke-width="3"/>"#,
                    x + 7.0,
                    middle - 8.0,
                    x + 7.0,
                    middle + 8.0
                ),
            };
            text(svg, x + 22.0, middle + 5.0, LABEL_SIZE, "start", name, "");
        }
    }
}

#[cfg(test)]
mod tests {
    use quick_xml::events::Event;
    use quick_xml::{Reader, XmlVersion};

    use super::*;

    /// Parses the whole document: balanced tags, quoted attributes, known
    /// entities; and one root `<svg>` with a `<title>` first.
    fn assert_well_formed(svg: &str) {
        let mut reader = Reader::from_str(svg);
        let mut depth = 0usize;
        let mut roots = 0;
        let mut first_child = None;
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    if depth == 0 {
                        roots += 1;
                        assert_eq!(e.name().as_ref(), "svg");
                    } else if depth == 1 && first_child.is_none() {
                        first_child = Some(e.name().as_ref().to_owned());
                    }
                    for attribute in e.attributes() {
                        let attribute = attribute.expect("well-formed attribute");
                        attribute
                            .normalized_value(XmlVersion::Implicit1_0)
                            .expect("known entities in attribute");
                    }
                    depth += 1;
                }
                Ok(Event::Empty(e)) => {
                    assert!(depth > 0, "element outside the root");
                    for attribute in e.attributes() {
                        let attribute = attribute.expect("well-formed attribute");
                        let value = attribute
                            .normalized_value(XmlVersion::Implicit1_0)
                            .expect("known entities");
                        assert!(
                            !value.contains("NaN")
                                && value.parse::<f64>().is_ok_and(f64::is_finite)
                                || value.parse::<f64>().is_err(),
                            "{value}"
                        );
                    }
                }
                Ok(Event::Text(t)) => {
                    let text = t.xml_content(XmlVersion::Implicit1_0);
                    assert!(depth > 0 || text.trim().is_empty(), "text outside the root");
                }
                Ok(Event::GeneralRef(r)) => {
                    let name: &str = &r;
                    assert!(
                        ["amp", "lt", "gt", "quot", "apos"].contains(&name),
                        "&{name};"
                    );
                }
                Ok(Event::End(_)) => depth -= 1,
                Ok(Event::Eof) => break,
                Ok(Event::Decl(_) | Event::Comment(_)) => {}
                Ok(other) => panic!("unexpected XML: {other:?}"),
                Err(e) => panic!("not well-formed at {}: {e}\n{svg}", reader.error_position()),
            }
        }
        assert_eq!(depth, 0, "unclosed elements");
        assert_eq!(roots, 1);
        assert_eq!(first_child.as_deref(), Some("title"));
        assert!(svg.contains(r#"xmlns="http://www.w3.org/2000/svg""#));
        assert!(svg.contains("viewBox=\"0 0 "));
        assert!(svg.contains("font-family=\"sans-serif\""));
        assert!(
            !svg.contains("<script") && !svg.contains("href"),
            "no scripts or links"
        );
        assert!(
            // As a number, not as words of a title ("Hanya NaN").
            [
                "=\"NaN", ">NaN", "=\"inf", "=\"-inf", ">inf", ">-inf", "NaN%", "inf%"
            ]
            .iter()
            .all(|bad| !svg.contains(bad)),
            "no NaN or infinity"
        );
    }

    fn count(svg: &str, needle: &str) -> usize {
        svg.matches(needle).count()
    }

    fn font_sizes(svg: &str) -> Vec<f64> {
        svg.split("font-size=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().parse().unwrap())
            .collect()
    }

    fn width(svg: &str) -> f64 {
        let rest = svg.split(" width=\"").nth(1).unwrap();
        rest.split('"').next().unwrap().parse().unwrap()
    }

    fn skdn_groups() -> Vec<BarGroup> {
        vec![
            BarGroup {
                label: "Melati <1>".into(),
                values: vec![50.0, 48.0, 40.0, 30.0],
            },
            BarGroup {
                label: "Mawar & \"Kenanga\"".into(),
                values: vec![20.0, f64::NAN, 18.0, 12.0],
            },
        ]
    }

    #[test]
    fn grouped_bars_draws_one_bar_per_value() {
        let svg = grouped_bars(
            "SKDN 'Sukasada' <Nov>",
            &["S", "K", "D", "N"],
            &skdn_groups(),
        );
        assert_well_formed(&svg);
        assert!(svg.contains("<title>SKDN &apos;Sukasada&apos; &lt;Nov&gt;</title>"));
        assert!(svg.contains("Melati &lt;1&gt;"));
        assert!(svg.contains("Mawar &amp; &quot;Kenanga&quot;"));
        // Eight values, one of them NaN: seven bars.
        assert_eq!(count(&svg, "<rect class=\"bar\""), 7);
        assert_eq!(count(&svg, "<rect class=\"key\""), 4);
        assert!(svg.contains(">48</text>"), "value label on top of the bar");
        assert!(font_sizes(&svg).iter().all(|s| *s >= 12.0));
        assert_eq!(width(&svg), 800.0);
    }

    #[test]
    fn grouped_bars_grow_and_rotate_with_many_posyandu() {
        let groups: Vec<BarGroup> = (1..=60)
            .map(|i| BarGroup {
                label: format!("Posyandu Dahlia {i}"),
                values: vec![
                    f64::from(i),
                    f64::from(i) * 0.9,
                    f64::from(i) * 0.7,
                    f64::from(i) * 0.5,
                ],
            })
            .collect();
        let svg = grouped_bars("SKDN", &["S", "K", "D", "N"], &groups);
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "<rect class=\"bar\""), 240);
        assert!(width(&svg) > 800.0);
        assert!(svg.contains("rotate(-45 "));
        assert!(font_sizes(&svg).iter().all(|s| *s >= 12.0));
    }

    #[test]
    fn grouped_bars_is_deterministic() {
        let a = grouped_bars("SKDN", &["S", "K"], &skdn_groups());
        let b = grouped_bars("SKDN", &["S", "K"], &skdn_groups());
        assert_eq!(a, b);
    }

    #[test]
    fn empty_or_unusable_input_says_no_data() {
        let charts = [
            grouped_bars("Kosong", &["S"], &[]),
            grouped_bars(
                "Hanya NaN",
                &["S"],
                &[BarGroup {
                    label: "x".into(),
                    values: vec![f64::NAN],
                }],
            ),
            trend_line("Kosong", &[], &[], Some(0.14), true),
            trend_line(
                "Tanpa nilai",
                &["Jan".to_owned()],
                &[Series {
                    name: "a".into(),
                    points: vec![None, Some(f64::INFINITY)],
                }],
                None,
                false,
            ),
            coverage_against_target("Kosong", &[]),
        ];
        for svg in &charts {
            assert_well_formed(svg);
            assert!(svg.contains(">Belum ada data</text>"), "{svg}");
            assert_eq!(count(svg, "<rect class=\"bar\""), 0);
        }
    }

    fn months() -> Vec<String> {
        [
            "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn trend_line_with_gaps_and_target() {
        let mut points: Vec<Option<f64>> =
            (0..12).map(|i| Some(0.2 - f64::from(i) * 0.005)).collect();
        points[4] = None;
        points[7] = Some(f64::NAN);
        let series = [
            Series {
                name: "Stunting <Buleleng>".into(),
                points,
            },
            Series {
                name: "Wasting".into(),
                points: vec![Some(0.05); 12],
            },
        ];
        let svg = trend_line(
            "Prevalensi stunting 2026",
            &months(),
            &series,
            Some(0.14),
            true,
        );
        assert_well_formed(&svg);
        assert!(svg.contains("<title>Prevalensi stunting 2026</title>"));
        assert!(svg.contains("Stunting &lt;Buleleng&gt;"));
        assert!(svg.contains(">Target 14%</text>"));
        assert!(svg.contains("stroke-dasharray=\"8 5\""));
        assert_eq!(count(&svg, "<path class=\"line\""), 2);
        // 10 usable points on the first line, 12 on the second, 2 legend dots.
        assert_eq!(count(&svg, "<circle"), 10 + 12 + 2);
        // Gaps start new sub-paths: Jan–Apr, Jun–Jul, Sep–Des.
        let first = svg.split("<path class=\"line\" d=\"").nth(1).unwrap();
        let d = first.split('"').next().unwrap();
        assert_eq!(d.matches('M').count(), 3, "{d}");
        assert!(svg.contains(">20%</text>"), "axis in percent");
        assert!(font_sizes(&svg).iter().all(|s| *s >= 12.0));
    }

    #[test]
    fn trend_line_plain_numbers() {
        let series = [Series {
            name: "Balita ditimbang".into(),
            points: vec![Some(120.0), Some(131.5), None],
        }];
        let svg = trend_line("D", &months()[..3], &series, None, false);
        assert_well_formed(&svg);
        assert!(svg.contains(">131.5</text>"));
        assert!(!svg.contains("Target"));
        assert!(!svg.contains("%<"), "no percent labels");
    }

    fn bar(
        label: &str,
        value: Option<f64>,
        target: Option<f64>,
        higher_is_better: bool,
    ) -> CoverageBar {
        CoverageBar {
            label: label.into(),
            value,
            target,
            higher_is_better,
        }
    }

    /// The fill of the n-th bar.
    fn bar_fill(svg: &str, n: usize) -> &str {
        let rest = svg.split("<rect class=\"bar\"").nth(n + 1).unwrap();
        rest.split("fill=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
    }

    #[test]
    fn coverage_colours_bars_by_target() {
        let bars = [
            bar("D/S", Some(0.853), Some(0.8), true),
            bar("N/D <naik>", Some(0.6), Some(0.8), true),
            bar("Stunting", Some(0.12), Some(0.14), false),
            bar("Wasting", Some(0.09), Some(0.07), false),
            bar("K/S", None, Some(0.9), true),
            bar("Cakupan ASI", Some(1.25), None, true),
            bar("Tak terhitung", Some(f64::NAN), Some(f64::NAN), true),
        ];
        let svg = coverage_against_target("Cakupan vs target", &bars);
        assert_well_formed(&svg);
        assert!(svg.contains("N/D &lt;naik&gt;"));
        // Bars only for the five usable values.
        assert_eq!(count(&svg, "<rect class=\"bar\""), 5);
        assert_eq!(bar_fill(&svg, 0), MET);
        assert_eq!(bar_fill(&svg, 1), NOT_MET);
        assert_eq!(bar_fill(&svg, 2), MET, "lower is better, under target");
        assert_eq!(bar_fill(&svg, 3), NOT_MET, "lower is better, over target");
        assert_eq!(bar_fill(&svg, 4), NO_TARGET);
        assert!(svg.contains(">85.3%</text>"));
        assert!(svg.contains(">125%</text>"), "true label above 100%");
        assert_eq!(count(&svg, ">–</text>"), 2, "missing and NaN values");
        // Five targets (NaN is none), each a mark on its bar.
        assert_eq!(count(&svg, "<line class=\"target\""), 5);
        // The 125% bar is capped at the axis, as long as a 100% bar would be.
        let capped = svg.split("<rect class=\"bar\"").nth(5).unwrap();
        let w: f64 = capped
            .split("width=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let left: f64 = capped
            .split("x=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!((left + w - (800.0 - 80.0)).abs() < 0.2, "{left} + {w}");
        assert!(font_sizes(&svg).iter().all(|s| *s >= 12.0));
    }

    #[test]
    fn helpers_format_and_escape() {
        assert_eq!(fmt1(85.34), "85.3");
        assert_eq!(fmt1(85.0), "85");
        assert_eq!(fmt1(-0.04), "0");
        assert_eq!(fmt1(1234.56), "1234.6");
        assert_eq!(
            escape("a&b<c>\"d\"'e'\u{1}\u{FFFF}"),
            "a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;"
        );
        assert_eq!(wrap("satu dua tiga", 8, 2), ["satu dua", "tiga"]);
        assert_eq!(wrap("satu dua tiga empat", 8, 2), ["satu dua", "tiga em…"]);
        let axis = Axis::new(&[0.0, 47.0]);
        assert_eq!((axis.min, axis.max, axis.step), (0.0, 50.0, 10.0));
        let axis = Axis::new(&[0.0, 0.0]);
        assert!(axis.max > axis.min);
        let axis = Axis::new(&[-3.0, 1e15]);
        assert!(axis.ticks().all(f64::is_finite));
    }
}

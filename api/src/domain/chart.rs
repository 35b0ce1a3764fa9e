//! Growth charts as SVG, like the KMS page of the Buku KIA: the WHO curves
//! at −3…+3 SD for the child's sex, the bands between them, and the
//! child's own points. Pure: measurements in, a picture out.
use std::fmt::Write;

use openapi::growth::Sex;

use crate::domain::growth::{ChartIndicator, reference_curves};

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 520.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 50.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 55.0;

/// One of the child's measurements: x is age in months (or length in cm
/// for weight-for-length/height), y the measured value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

struct Axes {
    x: (f64, f64),
    y: (f64, f64),
}

impl Axes {
    fn px(&self, x: f64) -> f64 {
        LEFT + (x - self.x.0) / (self.x.1 - self.x.0) * (WIDTH - LEFT - RIGHT)
    }

    fn py(&self, y: f64) -> f64 {
        HEIGHT - BOTTOM - (y - self.y.0) / (self.y.1 - self.y.0) * (HEIGHT - TOP - BOTTOM)
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Titles and axes of each chart, in Indonesian.
fn labels(indicator: ChartIndicator) -> (&'static str, &'static str, &'static str) {
    match indicator {
        ChartIndicator::WeightForAge => (
            "Berat badan menurut umur (BB/U)",
            "Umur (bulan)",
            "Berat badan (kg)",
        ),
        ChartIndicator::LengthForAge => (
            "Panjang/tinggi badan menurut umur (PB/U, TB/U)",
            "Umur (bulan)",
            "Panjang/tinggi (cm)",
        ),
        ChartIndicator::WeightForLength => (
            "Berat badan menurut panjang badan (BB/PB)",
            "Panjang badan (cm)",
            "Berat badan (kg)",
        ),
        ChartIndicator::WeightForHeight => (
            "Berat badan menurut tinggi badan (BB/TB)",
            "Tinggi badan (cm)",
            "Berat badan (kg)",
        ),
    }
}

/// The curves, with x converted to the chart's unit.
fn curves(indicator: ChartIndicator, sex: Sex) -> Vec<(f64, [f64; 7])> {
    match indicator {
        ChartIndicator::WeightForAge | ChartIndicator::LengthForAge => {
            reference_curves(indicator, sex, (0..=1826).step_by(7).chain([1826]))
                .into_iter()
                .map(|(day, v)| (day as f64 / 30.4375, v))
                .collect()
        }
        ChartIndicator::WeightForLength | ChartIndicator::WeightForHeight => {
            let (from, to) = if indicator == ChartIndicator::WeightForLength {
                (450, 1100)
            } else {
                (650, 1200)
            };
            reference_curves(indicator, sex, (from..=to).step_by(5))
                .into_iter()
                .map(|(tenths, v)| (tenths as f64 / 10.0, v))
                .collect()
        }
    }
}

/// Draws the chart for a child's points (in measurement order).
pub fn render(indicator: ChartIndicator, sex: Sex, name: &str, points: &[Point]) -> String {
    let curves = curves(indicator, sex);
    let x = (
        curves.first().map_or(0.0, |c| c.0),
        curves.last().map_or(60.0, |c| c.0),
    );
    let low = curves.iter().map(|c| c.1[0]).fold(f64::INFINITY, f64::min);
    let high = curves
        .iter()
        .map(|c| c.1[6])
        .fold(f64::NEG_INFINITY, f64::max);
    let in_view: Vec<&Point> = points.iter().filter(|p| p.x >= x.0 && p.x <= x.1).collect();
    let low = in_view.iter().map(|p| p.y).fold(low, f64::min).floor();
    let high = in_view.iter().map(|p| p.y).fold(high, f64::max).ceil();
    let axes = Axes { x, y: (low, high) };
    let (title, x_label, y_label) = labels(indicator);
    let sex_label = if sex == Sex::L {
        "laki-laki"
    } else {
        "perempuan"
    };

    let mut svg = String::with_capacity(64 * 1024);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">"##
    );
    svg.push_str(r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = write!(
        svg,
        r##"<text x="{LEFT}" y="22" font-size="16" font-weight="bold">{}</text><text x="{LEFT}" y="40" fill="#444">{} ({sex_label}) — WHO 2006</text>"##,
        escape(title),
        escape(name)
    );

    // Bands between the curves, as on the KMS: green within ±2 SD, yellow
    // between 2 and 3, the rest white.
    let band = |svg: &mut String, lower: usize, upper: usize, colour: &str| {
        let mut d = String::new();
        for (i, (cx, v)) in curves.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1} ",
                if i == 0 { "M" } else { "L" },
                axes.px(*cx),
                axes.py(v[upper])
            );
        }
        for (cx, v) in curves.iter().rev() {
            let _ = write!(d, "L{:.1},{:.1} ", axes.px(*cx), axes.py(v[lower]));
        }
        let _ = write!(
            svg,
            r##"<path d="{}Z" fill="{colour}" stroke="none"/>"##,
            d.trim_end()
        );
    };
    band(&mut svg, 1, 5, "#dff3df");
    band(&mut svg, 0, 1, "#fbf3c8");
    band(&mut svg, 5, 6, "#fbf3c8");

    // Grid and axes.
    let x_step =
        if indicator == ChartIndicator::WeightForAge || indicator == ChartIndicator::LengthForAge {
            6.0
        } else {
            5.0
        };
    let mut gx = (x.0 / x_step).ceil() * x_step;
    while gx <= x.1 + 1e-9 {
        let px = axes.px(gx);
        let _ = write!(
            svg,
            r##"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="#cccccc" stroke-width="0.5"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{gx}</text>"##,
            axes.py(low),
            axes.py(high),
            axes.py(low) + 16.0
        );
        gx += x_step;
    }
    let y_step = if high - low > 60.0 {
        10.0
    } else if high - low > 20.0 {
        5.0
    } else {
        1.0
    };
    let mut gy = (low / y_step).ceil() * y_step;
    while gy <= high + 1e-9 {
        let py = axes.py(gy);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#cccccc" stroke-width="0.5"/><text x="{:.1}" y="{:.1}" text-anchor="end">{gy}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            py + 4.0
        );
        gy += y_step;
    }
    let _ = write!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text transform="translate(16,{:.1}) rotate(-90)" text-anchor="middle">{}</text>"##,
        (LEFT + WIDTH - RIGHT) / 2.0,
        HEIGHT - 12.0,
        escape(x_label),
        (TOP + HEIGHT - BOTTOM) / 2.0,
        escape(y_label)
    );

    // The SD curves, labelled at their right end.
    for (i, (label, colour, width)) in [
        ("−3", "#000000", 1.2),
        ("−2", "#d32f2f", 1.2),
        ("−1", "#9e9e9e", 0.6),
        ("0", "#2e7d32", 1.6),
        ("+1", "#9e9e9e", 0.6),
        ("+2", "#d32f2f", 1.2),
        ("+3", "#000000", 1.2),
    ]
    .iter()
    .enumerate()
    {
        let mut d = String::new();
        for (j, (cx, v)) in curves.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1} ",
                if j == 0 { "M" } else { "L" },
                axes.px(*cx),
                axes.py(v[i])
            );
        }
        let _ = write!(
            svg,
            r##"<path d="{}" fill="none" stroke="{colour}" stroke-width="{width}"/>"##,
            d.trim_end()
        );
        if let Some((cx, v)) = curves.last() {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" fill="{colour}">{label}</text>"##,
                axes.px(*cx) + 6.0,
                axes.py(v[i]) + 4.0
            );
        }
    }

    // The child's points, joined in order.
    if !in_view.is_empty() {
        let line: Vec<String> = in_view
            .iter()
            .map(|p| format!("{:.1},{:.1}", axes.px(p.x), axes.py(p.y)))
            .collect();
        let _ = write!(
            svg,
            r##"<polyline points="{}" fill="none" stroke="#1565c0" stroke-width="2"/>"##,
            line.join(" ")
        );
        for p in &in_view {
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="#1565c0"><title>{:.1}: {:.1}</title></circle>"##,
                axes.px(p.x),
                axes.py(p.y),
                p.x,
                p.y
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_seven_curves_the_points_and_an_escaped_name() {
        let points = [
            Point { x: 0.0, y: 3.2 },
            Point { x: 1.0, y: 4.1 },
            Point { x: 2.0, y: 5.0 },
        ];
        let svg = render(ChartIndicator::WeightForAge, Sex::P, "Putu <Ayu>", &points);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(
            svg.matches(r#"fill="none" stroke=""#).count(),
            8,
            "7 curves and the child's line"
        );
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("Putu &lt;Ayu&gt;"));
        assert!(svg.contains("Berat badan menurut umur"));
    }

    #[test]
    fn points_off_the_chart_are_left_out() {
        let svg = render(
            ChartIndicator::WeightForLength,
            Sex::L,
            "X",
            &[Point { x: 30.0, y: 2.0 }, Point { x: 70.0, y: 8.0 }],
        );
        assert_eq!(svg.matches("<circle").count(), 1);
    }
}

//! Charts for the HTML report, drawn in Rust as SVG with plotters: latency distributions as CDFs
//! from the HDR histograms (a fixed number of points, whatever the request count), and the
//! cost / latency frontier. Colours for text and grid come from the page's CSS, so the charts follow
//! light and dark. Pure.

use plotters::prelude::*;

use crate::metrics::hist::Hist;

/// One line of a chart: its name and points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Points of a CDF drawn from a histogram: (value / `scale`, share of requests at or below).
pub fn cdf_points(h: &Hist, scale: f64) -> Vec<(f64, f64)> {
    if h.count() == 0 {
        return Vec::new();
    }
    const STEPS: usize = 64;
    (0..=STEPS)
        .filter_map(|i| {
            let q = i as f64 / STEPS as f64;
            h.quantile(q).map(|v| (v as f64 / scale, q))
        })
        .collect()
}

/// Series colours: readable on light and dark.
const COLOURS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

pub fn colour(i: usize) -> RGBColor {
    COLOURS[i % COLOURS.len()]
}

const SIZE: (u32, u32) = (560, 300);

/// A CDF chart of `series` over `x_label`; `None` when there is nothing to draw.
pub fn cdf(title: &str, x_label: &str, series: &[Series]) -> Option<String> {
    let percent = |v: &f64| format!("{:.0}%", v * 100.0);
    draw(title, x_label, "share of requests", series, 1.0, &percent)
}

/// A line chart of `series`, the y axis from 0 to a little above the highest point.
pub fn lines(title: &str, x_label: &str, y_label: &str, series: &[Series]) -> Option<String> {
    let ymax = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(0.0f64, f64::max);
    let plain = |v: &f64| {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    draw(
        title,
        x_label,
        y_label,
        series,
        ymax.max(1e-9) * 1.1,
        &plain,
    )
}

fn draw(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    ymax: f64,
    y_fmt: &dyn Fn(&f64) -> String,
) -> Option<String> {
    let xmax = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .fold(0.0f64, f64::max);
    if xmax <= 0.0 || !xmax.is_finite() || !ymax.is_finite() {
        return None;
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 15))
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..xmax * 1.05, 0.0..ymax)
            .ok()?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .y_label_formatter(y_fmt)
            .draw()
            .ok()?;
        for (i, s) in series.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))
                .ok()?
                .label(s.name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .border_style(BLACK.mix(0.2))
            .draw()
            .ok()?;
        root.present().ok()?;
    }
    Some(svg)
}

/// One target on the frontier chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub name: String,
    pub cost_per_1k_usd: f64,
    pub p50_total_ms: f64,
    /// Pass rate or judge mean, as a label.
    pub quality: Option<String>,
    pub on_frontier: bool,
}

/// Which points no other beats on both cost and latency (lower is better on both).
pub fn frontier(points: &mut [Point]) {
    let all: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (p.cost_per_1k_usd, p.p50_total_ms))
        .collect();
    for (i, p) in points.iter_mut().enumerate() {
        let (c, t) = all[i];
        p.on_frontier = !all
            .iter()
            .enumerate()
            .any(|(j, &(c2, t2))| j != i && c2 <= c && t2 <= t && (c2 < c || t2 < t));
    }
}

/// Cost per 1,000 requests against median total time, one dot per target.
pub fn scatter(points: &[Point]) -> Option<String> {
    if points.is_empty() {
        return None;
    }
    let xmax = points.iter().map(|p| p.cost_per_1k_usd).fold(0.0, f64::max);
    let ymax = points.iter().map(|p| p.p50_total_ms).fold(0.0, f64::max);
    let (xmax, ymax) = (xmax.max(1e-6) * 1.25, ymax.max(1.0) * 1.25);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .caption("cost against latency", ("sans-serif", 15))
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..xmax, 0.0..ymax)
            .ok()?;
        chart
            .configure_mesh()
            .x_desc("USD per 1,000 requests")
            .y_desc("p50 total ms")
            .draw()
            .ok()?;
        for (i, p) in points.iter().enumerate() {
            let c = colour(i);
            let label = match &p.quality {
                Some(q) => format!("{} ({q})", p.name),
                None => p.name.clone(),
            };
            let at = (p.cost_per_1k_usd, p.p50_total_ms);
            let size = if p.on_frontier { 7 } else { 4 };
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at(at)
                        + Circle::new((0, 0), size, c.filled())
                        + Text::new(label, (8, -4), ("sans-serif", 12)),
                ))
                .ok()?;
        }
        root.present().ok()?;
    }
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cdf_is_drawn_from_the_histogram_with_a_fixed_number_of_points() {
        let mut h = Hist::default();
        for v in 1..=10_000u64 {
            h.record((v * 1000) as f64);
        }
        let pts = cdf_points(&h, 1000.0);
        assert_eq!(pts.len(), 65, "whatever the count");
        assert!(pts.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 < w[1].1));
        assert!((pts[32].0 - 5000.0).abs() < 10.0, "{:?}", pts[32]);
        assert!(cdf_points(&Hist::default(), 1.0).is_empty());
        let svg = cdf(
            "TTFT",
            "ms",
            &[Series {
                name: "m<1>".into(),
                points: pts,
            }],
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(svg.contains("<polyline"), "a line");
        assert!(svg.contains("m&lt;1&gt;"), "the name is escaped");
        assert!(!svg.contains("m<1>"));
        assert_eq!(cdf("x", "ms", &[]), None);
    }

    #[test]
    fn the_frontier_keeps_those_no_other_beats_on_both() {
        let p = |name: &str, cost: f64, ms: f64| Point {
            name: name.into(),
            cost_per_1k_usd: cost,
            p50_total_ms: ms,
            quality: None,
            on_frontier: false,
        };
        let mut pts = vec![
            p("cheap-slow", 1.0, 900.0),
            p("dear-fast", 5.0, 100.0),
            p("dear-slow", 6.0, 950.0),
            p("middle", 2.0, 400.0),
            p("same-as-middle", 2.0, 400.0),
        ];
        frontier(&mut pts);
        let on: Vec<&str> = pts
            .iter()
            .filter(|p| p.on_frontier)
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(
            on,
            vec!["cheap-slow", "dear-fast", "middle", "same-as-middle"]
        );
        let svg = scatter(&pts).unwrap();
        assert_eq!(svg.matches("<circle").count(), 5);
        assert_eq!(scatter(&[]), None);
    }
}

//! The frontier chart: every model with both figures, cost per 1k output tokens across, median
//! TTFT up, marked with its rank and rating. Dominated models (dearer, slower and rated no higher
//! than another) are drawn as ✗ in the error colour; the frontier as ● in the ok colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::Canvas;
use ratatui::widgets::{Block, Paragraph};

use super::Theme;
use crate::app::board::Board;
use crate::format::{fmt_ms, fmt_usd};

/// (rank, x = cost per 1k, y = TTFT, label, dominated) for the models with both figures.
pub fn points(b: &Board) -> Vec<(usize, f64, f64, String, bool)> {
    b.standings
        .iter()
        .enumerate()
        .filter_map(|(i, st)| {
            let x = st.figures.cost_per_1k_output_usd?;
            let y = st.figures.median_ttft_ms?;
            let rating = st.rating.map_or("unrated".into(), |r| format!("{r:.0}"));
            Some((
                i + 1,
                x,
                y,
                format!("{} {rating}", i + 1),
                st.dominated_by.is_some(),
            ))
        })
        .collect()
}

fn bounds(v: impl Iterator<Item = f64> + Clone) -> [f64; 2] {
    let lo = v.clone().fold(f64::INFINITY, f64::min);
    let hi = v.fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi - lo) * 0.15).max(hi.abs() * 0.1).max(1e-9);
    [(lo - pad).max(0.0), hi + pad]
}

pub fn render(b: &Board, theme: &Theme, f: &mut Frame, area: Rect) {
    let pts = points(b);
    let block = Block::bordered()
        .title(" frontier: cost per 1k output → · TTFT p50 ↑ ")
        .border_style(theme.border(false));
    if pts.is_empty() {
        f.render_widget(
            Paragraph::new("No model has both a priced answer and a TTFT yet.")
                .style(theme.dim())
                .block(block),
            area,
        );
        return;
    }
    let xb = bounds(pts.iter().map(|p| p.1));
    let yb = bounds(pts.iter().map(|p| p.2));
    let (ok, bad) = (
        Style::default().fg(theme.ok),
        Style::default().fg(theme.error),
    );
    let axis = format!(
        "{}–{} per 1k · {}–{}",
        fmt_usd(Some(xb[0])),
        fmt_usd(Some(xb[1])),
        fmt_ms(Some(yb[0])),
        fmt_ms(Some(yb[1]))
    );
    let canvas = Canvas::default()
        .block(block.title_bottom(Line::styled(format!(" {axis} "), theme.dim())))
        .x_bounds(xb)
        .y_bounds(yb)
        .paint(move |ctx| {
            for (_, x, y, label, dominated) in &pts {
                let (mark, style) = if *dominated {
                    ("✗", bad)
                } else {
                    ("●", ok)
                };
                ctx.print(
                    *x,
                    *y,
                    Line::from(vec![
                        Span::styled(mark, style),
                        Span::styled(label.clone(), style),
                    ]),
                );
            }
        });
    f.render_widget(canvas, area);
}

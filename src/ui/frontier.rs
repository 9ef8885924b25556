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
    // One column's width in cost units: a label that would run off the right edge goes to the
    // left of its marker instead.
    let col = (xb[1] - xb[0]) / f64::from(area.width.saturating_sub(2).max(1));
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
                let width = label.chars().count() as f64 + 1.0;
                let (at, spans) = if *x + width * col > xb[1] {
                    let left = *x - (width - 1.0) * col;
                    (
                        left,
                        vec![
                            Span::styled(label.clone(), style),
                            Span::styled(mark, style),
                        ],
                    )
                } else {
                    (
                        *x,
                        vec![
                            Span::styled(mark, style),
                            Span::styled(label.clone(), style),
                        ],
                    )
                };
                ctx.print(at.max(xb[0]), *y, Line::from(spans));
            }
        });
    f.render_widget(canvas, area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::leaderboard::{ModelFigures, standings};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[test]
    fn every_model_with_figures_is_drawn_and_labelled() {
        let fig = |ttft: f64, cost: f64| ModelFigures {
            answers: 1,
            median_ttft_ms: Some(ttft),
            cost_per_1k_output_usd: Some(cost),
        };
        let figures = [
            ("a".to_string(), fig(587.0, 0.012)),
            ("b".to_string(), fig(146.0, 0.000731)),
            ("c".to_string(), fig(1940.0, 0.00487)),
        ]
        .into();
        let votes = vec![crate::history::VoteInfo {
            turn: 1,
            models: vec!["a".into(), "b".into(), "c".into()],
            winner: Some("a".into()),
        }];
        let board = Board {
            standings: standings(&votes, &figures),
            votes: 1,
            source: "the history",
        };
        let theme = Theme::builtin("dark").unwrap();
        for width in [30, 50, 66] {
            let mut t = Terminal::new(TestBackend::new(width, 16)).unwrap();
            t.draw(|f| render(&board, &theme, f, f.area())).unwrap();
            let shown = t.backend().to_string();
            let rating = |i: usize| format!("{:.0}", board.standings[i].rating.unwrap());
            // Whole labels: rank and rating, on the marker's left at the right edge.
            for (i, mark) in [(0, "●"), (1, "●"), (2, "✗")] {
                let right = format!("{mark}{} {}", i + 1, rating(i));
                let left = format!("{} {}{mark}", i + 1, rating(i));
                assert!(
                    shown.contains(&right) || shown.contains(&left),
                    "{right}:\n{shown}"
                );
            }
        }
    }
}

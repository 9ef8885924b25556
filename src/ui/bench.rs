//! The workbench's benchmark overlay: a run going, its summary (the same table `gatebench bench`
//! prints), or the runs stored in the history.

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use super::Theme;
use super::judge::{big_area, small_box};
use crate::app::benchrun::BenchView;
use crate::clock::fmt_utc;

/// `keys`: the list layer's scroll keys, for the bottom line.
pub fn render(v: &BenchView, keys: &str, theme: &Theme, f: &mut Frame) {
    match v {
        BenchView::Running { requests, spend } => small_box(
            "Benchmark",
            vec![
                Line::raw(format!("sending {requests} requests…")),
                Line::styled(format!("spend: {spend}"), theme.dim()),
                Line::styled("Esc stops; what finished is kept", theme.dim()),
            ],
            theme,
            f,
        ),
        BenchView::Loading => small_box(
            "Benchmark runs",
            vec![Line::styled("reading the history…", theme.dim())],
            theme,
            f,
        ),
        BenchView::Failed(e) => small_box(
            "Benchmark runs",
            vec![
                Line::raw(crate::clean::terminal_safe(e)),
                Line::styled("any key closes", theme.dim()),
            ],
            theme,
            f,
        ),
        BenchView::Done {
            summary,
            scroll,
            back,
        } => {
            let area = big_area(f, 1);
            let text = crate::bench::output::table(summary);
            let lines: Vec<Line> = text.lines().map(Line::raw).collect();
            let hint = if back.is_some() {
                format!(" {keys} scroll · Esc back to the runs ")
            } else {
                format!(" {keys} scroll · any other key closes · shift-r: stored runs ")
            };
            let block = Block::bordered()
                .title(" Benchmark ")
                .title_bottom(hint)
                .border_style(theme.border(true));
            f.render_widget(
                Paragraph::new(lines).block(block).scroll((*scroll, 0)),
                area,
            );
        }
        BenchView::Runs { runs, selected } => {
            let area = big_area(f, 2);
            let mut lines: Vec<Line> = runs
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let text = format!(
                        "{:>5}  {}  {}  {}",
                        r.id,
                        fmt_utc(r.started_ms),
                        crate::clean::terminal_safe(&r.workload),
                        crate::clean::terminal_safe(&r.targets)
                    );
                    if i == *selected {
                        Line::styled(text, theme.highlight())
                    } else {
                        Line::raw(text)
                    }
                })
                .collect();
            if lines.is_empty() {
                lines.push(Line::styled(
                    "No runs stored yet: ctrl-b benchmarks the prompt, `gatebench bench` a workload.",
                    theme.dim(),
                ));
            }
            // Keep the selection in view.
            let rows = area.height.saturating_sub(2) as usize;
            let scroll = selected.saturating_sub(rows.saturating_sub(1)) as u16;
            let block = Block::bordered()
                .title(format!(" Benchmark runs · {} ", runs.len()))
                .title_bottom(" ↑↓ choose · Enter opens · Esc closes ")
                .border_style(theme.border(true));
            f.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
        }
    }
}

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use super::Theme;
use crate::app::State;
use crate::app::pane::Status;
use crate::format::{fmt_ms, fmt_usd};

pub fn render(s: &State, theme: &Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let total = format!(
        " session {}{} ",
        fmt_usd(Some(s.session_cost)),
        if s.session_cost_partial {
            " + unpriced"
        } else {
            ""
        }
    );
    let block = Block::bordered()
        .title(" Latency / cost ")
        .title_bottom(
            Line::from(Span::styled(
                total,
                theme.base().add_modifier(Modifier::BOLD),
            ))
            .right_aligned(),
        )
        .border_style(theme.border(false));
    let header = Row::new([
        "#", "model", "state", "TTFT", "tok/s", "total", "in", "out", "cost",
    ])
    .style(theme.dim().add_modifier(Modifier::BOLD));
    let rows: Vec<Row> = s
        .selected_panes()
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let pane = &s.panes[p];
            let live = pane.live(s.now);
            let est = if live.estimated { "~" } else { "" };
            let cost = match (&pane.cost, &pane.status) {
                (Some(c), _) => format!("{} {}", fmt_usd(Some(c.usd)), c.source.label()),
                (None, st) if st.is_running() => "…".into(),
                (None, Status::Idle) => String::new(),
                (None, _) => fmt_usd(None),
            };
            let state_style = match pane.status {
                Status::Error(_) => Style::default().fg(theme.error),
                Status::Done => Style::default().fg(theme.ok),
                Status::Cancelled => Style::default().fg(theme.warn),
                _ => theme.base(),
            };
            Row::new(vec![
                Cell::from(format!("{}", i + 1)),
                Cell::from(pane.model.clone()),
                Cell::from(pane.status.label()).style(state_style),
                Cell::from(fmt_ms(live.ttft_ms)),
                Cell::from(live.tokens_per_s.map_or("-".into(), |v| format!("{v:.1}"))),
                Cell::from(fmt_ms(live.total_ms)),
                Cell::from(live.input_tokens.map_or("-".into(), |v| v.to_string())),
                Cell::from(
                    live.output_tokens
                        .map_or("-".into(), |v| format!("{est}{v}")),
                ),
                Cell::from(cost),
            ])
            .style(if pane.enabled {
                theme.base()
            } else {
                theme.dim()
            })
        })
        .collect();
    let widths = [
        Constraint::Length(2),
        Constraint::Fill(3),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Fill(2),
    ];
    f.render_widget(Table::new(rows, widths).header(header).block(block), area);
}

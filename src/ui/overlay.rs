use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::Theme;
use crate::app::{PARAM_LABELS, ParamsForm, State};

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn help(s: &State, theme: &Theme, f: &mut Frame) {
    let mut rows = s.keymap.help_rows();
    rows.push((
        "↑ ↓ PgUp PgDn Home End".into(),
        "scroll the pane (wheel: the one under the pointer)".into(),
    ));
    rows.push(("← →".into(), "previous / next pane".into()));
    rows.push(("Ctrl-U".into(), "clear the model filter".into()));
    let kw = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(10) as u16;
    let dw = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(10) as u16;
    let area = centered(f.area(), kw + dw + 7, rows.len() as u16 + 4);
    let lines: Vec<Line> = rows
        .iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(
                    format!(" {k:>w$}  ", w = kw as usize),
                    Style::default()
                        .fg(theme.accent)
                        .add_modifier(Modifier::BOLD),
                ),
                Span::styled(d.as_str(), theme.base()),
            ])
        })
        .collect();
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(" Keys ")
                .title_bottom(" plain keys type inside the editor and filter; any key closes ")
                .border_style(theme.border(true)),
        ),
        area,
    );
}

pub fn confirm_quit(theme: &Theme, f: &mut Frame) {
    let area = centered(f.area(), 50, 5);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(vec![
            Line::styled("Requests are still running.", theme.base()),
            Line::styled(
                "Quit and cancel them? y / n",
                Style::default().fg(theme.warn).add_modifier(Modifier::BOLD),
            ),
        ])
        .block(
            Block::bordered()
                .title(" Quit ")
                .border_style(theme.border(true)),
        ),
        area,
    );
}

pub fn confirm_budget(s: &State, theme: &Theme, f: &mut Frame) {
    let area = centered(f.area(), 56, 6);
    let spent = crate::format::fmt_usd(Some(s.session_cost));
    let budget = crate::format::fmt_usd(s.budget_usd);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(vec![
            Line::styled(
                format!("This session has spent {spent} of its {budget} budget."),
                theme.base(),
            ),
            Line::styled(
                "Send anyway? y / n",
                Style::default()
                    .fg(theme.error)
                    .add_modifier(Modifier::BOLD),
            ),
        ])
        .block(
            Block::bordered()
                .title(" Budget ")
                .border_style(theme.border(true)),
        ),
        area,
    );
}

pub fn params(form: &ParamsForm, theme: &Theme, f: &mut Frame) {
    let area = centered(f.area(), 64, 10);
    let mut lines = Vec::new();
    for (i, label) in PARAM_LABELS.iter().enumerate() {
        let active = i == form.field;
        let value = if active {
            format!("{}▏", form.values[i])
        } else {
            form.values[i].clone()
        };
        let placeholder = if form.values[i].is_empty() && !active {
            "(default)"
        } else {
            ""
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{label:>14}: "),
                if active {
                    Style::default()
                        .fg(theme.accent)
                        .add_modifier(Modifier::BOLD)
                } else {
                    theme.dim()
                },
            ),
            Span::styled(
                value,
                if active {
                    theme.base().patch(theme.highlight())
                } else {
                    theme.base()
                },
            ),
            Span::styled(placeholder, theme.dim()),
        ]));
    }
    lines.push(Line::raw(""));
    if let Some(e) = &form.error {
        lines.push(Line::styled(e.as_str(), Style::default().fg(theme.error)));
    }
    lines.push(Line::styled(
        "Tab/↑↓ field · Enter apply · Esc close",
        theme.dim(),
    ));
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(" Parameters ")
                .border_style(theme.border(true)),
        ),
        area,
    );
}

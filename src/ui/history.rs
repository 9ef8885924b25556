//! The history view (search line, entries, keys) and the rating form.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, Wrap};

use super::Theme;
use super::overlay::{centered, cursor_spans};
use crate::app::State;
use crate::app::history::{HistoryView, RateForm};
use crate::clock::fmt_utc;
use crate::format::{fmt_usd, shorten_middle};

pub fn view(s: &State, v: &HistoryView, theme: &Theme, f: &mut Frame) {
    let a = f.area();
    let area = centered(
        a,
        a.width.saturating_sub(4).max(40),
        a.height.saturating_sub(2).max(10),
    );
    f.render_widget(Clear, area);
    let place = s.history().place.trim_start_matches("history: ");
    let title = format!(
        " History · {} ",
        shorten_middle(place, area.width.saturating_sub(14) as usize)
    );
    let block = Block::bordered()
        .title(title)
        .border_style(theme.border(true));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height < 4 {
        return;
    }
    let status = if v.loading {
        "searching…".to_string()
    } else if let Some(e) = &v.error {
        e.clone()
    } else {
        format!("{} found", v.entries.len())
    };
    let mut search = vec![Span::styled(
        "search: ",
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD),
    )];
    search.extend(cursor_spans(&v.query, theme.base()));
    search.push(Span::styled(
        format!("   {status}"),
        if v.error.is_some() {
            Style::default().fg(theme.error)
        } else {
            theme.dim()
        },
    ));
    f.render_widget(
        Paragraph::new(Line::from(search)),
        Rect { height: 1, ..inner },
    );
    let keys = "↑↓ choose · Enter open its panes · Ctrl-S re-send to today's models · Esc close";
    let foot = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
    f.render_widget(Paragraph::new(Line::styled(keys, theme.dim())), foot);
    let list = Rect::new(
        inner.x,
        inner.y + 2,
        inner.width,
        inner.height.saturating_sub(3),
    );
    entries(v, theme, f, list);
}

fn entries(v: &HistoryView, theme: &Theme, f: &mut Frame, area: Rect) {
    if v.entries.is_empty() && !v.loading {
        let msg = if v.query.text.trim().is_empty() {
            "nothing stored yet: send a prompt and it appears here"
        } else {
            "no prompt or answer matches"
        };
        f.render_widget(Paragraph::new(msg).style(theme.dim()), area);
        return;
    }
    // Two rows an entry when it has a snippet; keep the chosen one in view.
    let per = if v.entries.iter().any(|e| e.snippet.is_some()) {
        2
    } else {
        1
    };
    let fit = (area.height as usize / per).max(1);
    let top = v.selected.saturating_sub(fit - 1);
    let wide = area.width >= 100;
    let rows: Vec<Row> = v
        .entries
        .iter()
        .enumerate()
        .skip(top)
        .take(fit)
        .map(|(i, e)| {
            let rating = e.rating_mean.map_or("-".into(), |m| format!("★{m:.1}"));
            let cost = fmt_usd(e.cost_usd)
                + if e.cost_partial && e.cost_usd.is_some() {
                    "+"
                } else {
                    ""
                };
            let mut prompt = crate::clean::plain_line(&e.prompt, 200);
            if let Some(snip) = &e.snippet {
                prompt = format!("{prompt}\n  {}", crate::clean::plain_line(snip, 200));
            }
            let mut cells = vec![Cell::from(e.id())];
            if wide {
                cells.push(Cell::from(fmt_utc(e.sent_ms)));
            }
            cells.extend([
                Cell::from(e.targets.join(", ")),
                Cell::from(cost),
                Cell::from(rating),
                Cell::from(prompt),
            ]);
            let style = if i == v.selected {
                theme.base().patch(theme.highlight())
            } else {
                theme.base()
            };
            Row::new(cells).style(style).height(per as u16)
        })
        .collect();
    let mut widths = vec![Constraint::Length(7)];
    if wide {
        widths.push(Constraint::Length(20));
    }
    widths.extend([
        // On narrow screens the prompt gets the room; models are shortened.
        if area.width < 80 {
            Constraint::Length(12)
        } else {
            Constraint::Percentage(28)
        },
        Constraint::Length(10),
        Constraint::Length(5),
        Constraint::Fill(1),
    ]);
    let mut head = vec!["id"];
    if wide {
        head.push("when");
    }
    head.extend(["models", "cost", "rated", "prompt"]);
    let header = Row::new(head).style(theme.dim().add_modifier(Modifier::BOLD));
    f.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

pub fn rate(r: &RateForm, theme: &Theme, f: &mut Frame) {
    let area = centered(f.area(), 64, 8);
    let score = match r.score {
        Some(n) => format!(
            "{}{} {n}/5",
            "★".repeat(n as usize),
            "☆".repeat(5 - n as usize)
        ),
        None => "type 1-5 (or + for 5, - for 1)".into(),
    };
    let mut note = vec![Span::styled("note: ", theme.dim())];
    note.extend(cursor_spans(&r.note, theme.base()));
    let mut lines = vec![
        Line::from(vec![
            Span::styled("score: ", theme.dim()),
            Span::styled(score, Style::default().fg(theme.accent)),
        ]),
        Line::from(note),
        Line::raw(""),
    ];
    if let Some(e) = &r.error {
        lines.push(Line::styled(e.clone(), Style::default().fg(theme.error)));
    }
    lines.push(Line::styled(
        "score first, then an optional note · Enter save · Esc cancel",
        theme.dim(),
    ));
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(format!(" Rate {} ", shorten_middle(&r.model, 40)))
                .border_style(theme.border(true)),
        ),
        area,
    );
}

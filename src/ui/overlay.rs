use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::Theme;
use crate::app::forms::{Form, TextField};
use crate::app::{ParamsForm, RouteForm, State};

pub(super) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn help(s: &State, scroll: u16, theme: &Theme, f: &mut Frame) {
    let mut rows = s.keymap().help_rows();
    rows.push((
        "↑ ↓ PgUp PgDn Home End".into(),
        "scroll the pane (wheel: the one under the pointer)".into(),
    ));
    rows.push((
        "← → / Ctrl-U".into(),
        "previous / next pane / clear the model filter".into(),
    ));
    rows.push((
        "T S R (model list)".into(),
        "the last `gatebench probe` found tools, json_schema, reasoning".into(),
    ));
    let kw = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(10);
    let dw = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(10);
    let screen = f.area();
    let width = ((kw + dw + 7) as u16).min(screen.width);
    // Descriptions wrap at word boundaries under their key when the screen is narrow.
    let room = (width as usize).saturating_sub(kw + 5).max(10);
    let key_style = Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = Vec::new();
    for (k, d) in &rows {
        for (i, part) in crate::markdown::wrap_words(d, room).into_iter().enumerate() {
            let key = if i == 0 { k.as_str() } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {key:>kw$}  "), key_style),
                Span::styled(part, theme.base()),
            ]));
        }
    }
    let area = centered(screen, width, lines.len() as u16 + 2);
    let shown = area.height.saturating_sub(2) as usize;
    let top = (scroll as usize).min(lines.len().saturating_sub(shown));
    let more = lines.len() > top + shown;
    let bottom = if more || top > 0 {
        format!(
            " {} scroll · any other key closes ",
            s.keymap().scroll_keys(false)
        )
    } else {
        " plain keys type inside the editor and filter; any key closes ".to_string()
    };
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines.split_off(top)).block(
            Block::bordered()
                .title(" Keys ")
                .title_bottom(bottom)
                .border_style(theme.border(true)),
        ),
        area,
    );
}

pub fn confirm_quit(theme: &Theme, f: &mut Frame) {
    confirm(
        theme,
        f,
        " Quit ",
        "Requests are still running.",
        "Quit and cancel them? y / n",
    );
}

pub fn confirm_new(theme: &Theme, f: &mut Frame) {
    confirm(
        theme,
        f,
        " New conversation ",
        "The panes hold answers and their conversations.",
        "Clear them all? y / n",
    );
}

pub fn confirm_export(theme: &Theme, f: &mut Frame) {
    confirm(
        theme,
        f,
        " Export this session ",
        "Into the current folder, as gatebench-session-N.md or .html.",
        "Markdown: y or Enter · HTML page: h · any other key: no",
    );
}

fn confirm(theme: &Theme, f: &mut Frame, title: &str, what: &str, question: &str) {
    let area = centered(f.area(), 56, 5);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(vec![
            Line::styled(what.to_string(), theme.base()),
            Line::styled(
                question.to_string(),
                Style::default().fg(theme.warn).add_modifier(Modifier::BOLD),
            ),
        ])
        .block(
            Block::bordered()
                .title(title.to_string())
                .border_style(theme.border(true)),
        ),
        area,
    );
}

pub fn confirm_budget(s: &State, theme: &Theme, f: &mut Frame) {
    // The same figures as the flash message.
    let spent = crate::format::fmt_usd(Some(s.panel().session_cost));
    let budget = crate::format::fmt_usd(s.panel().budget_usd);
    let text = format!("This session has spent {spent} of its {budget} budget.");
    money_question(" Budget ", &text, "Send anyway? y / n", theme, f);
}

pub fn confirm_spend(worst_usd: f64, left_usd: f64, theme: &Theme, f: &mut Frame) {
    use crate::format::fmt_money;
    let text = format!(
        "At worst the benchmark spends {}; the gateway says {} is left.",
        fmt_money(worst_usd),
        fmt_money(left_usd)
    );
    money_question(" Spend ", &text, "Run it anyway? y / n", theme, f);
}

/// A question about money: the figures wrapped between words to fit the screen, the question in
/// the error colour.
fn money_question(title: &str, text: &str, question: &str, theme: &Theme, f: &mut Frame) {
    let width = 56.min(f.area().width);
    let mut lines: Vec<Line> = crate::markdown::wrap_words(text, width.saturating_sub(2) as usize)
        .into_iter()
        .map(|l| Line::styled(l, theme.base()))
        .collect();
    lines.push(Line::styled(
        question.to_string(),
        Style::default()
            .fg(theme.error)
            .add_modifier(Modifier::BOLD),
    ));
    let area = centered(f.area(), width, lines.len() as u16 + 2);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(title.to_string())
                .border_style(theme.border(true)),
        ),
        area,
    );
}

/// A text field's text with a bar at its cursor.
pub(super) fn cursor_spans(field: &TextField, style: Style) -> Vec<Span<'static>> {
    let at = field
        .text
        .char_indices()
        .nth(field.cursor)
        .map_or(field.text.len(), |(b, _)| b);
    let (before, after) = field.text.split_at(at);
    vec![
        Span::styled(before.to_string(), style),
        Span::styled("▏", style),
        Span::styled(after.to_string(), style),
    ]
}

/// A form of labelled one-line fields, the active one highlighted with its cursor.
fn form(
    form: &impl Form,
    title: &str,
    error: Option<&str>,
    help: &str,
    theme: &Theme,
    f: &mut Frame,
) {
    let fields = form.fields();
    let active = form.active();
    let area = centered(f.area(), 72, fields.len() as u16 + 7);
    let mut lines = Vec::new();
    for (i, (label, field)) in fields.iter().enumerate() {
        let on = i == active;
        let label_style = if on {
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD)
        } else {
            theme.dim()
        };
        let mut spans = vec![Span::styled(format!("{label:>14}: "), label_style)];
        if on {
            spans.extend(cursor_spans(field, theme.base().patch(theme.highlight())));
        } else if field.text.is_empty() {
            spans.push(Span::styled("(default)", theme.dim()));
        } else {
            spans.push(Span::styled(field.text.clone(), theme.base()));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    if let Some(e) = error {
        lines.push(Line::styled(
            e.to_string(),
            Style::default().fg(theme.error),
        ));
    }
    lines.push(Line::styled(help.to_string(), theme.dim()));
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(format!(" {title} "))
                .border_style(theme.border(true)),
        ),
        area,
    );
}

pub fn params(p: &ParamsForm, theme: &Theme, f: &mut Frame) {
    let help = "Tab/↑↓ field · ←→ Home End Ctrl-U/W/K edit · Enter apply · Esc cancel";
    form(p, "Parameters", p.error.as_deref(), help, theme, f);
}

pub fn route_form(r: &RouteForm, theme: &Theme, f: &mut Frame) {
    let title = format!("Route {}", r.name);
    let help = "chain and failures comma-separated; failures: rate_limited (429), server_error \
                (5xx), connect, timeout, first_token_timeout, context_length, content_filter, \
                cut · Enter save (this session) · Esc cancel";
    form(r, &title, r.error.as_deref(), help, theme, f);
}

pub fn rehearsal(report: Option<&crate::bench::rehearsal::Report>, theme: &Theme, f: &mut Frame) {
    let text = match report {
        Some(r) => r.table(),
        None => format!(
            "Rehearsing: {} requests, {} at a time...\n(any key hides this; the report opens when done)",
            crate::app::TUI_REHEARSAL.0,
            crate::app::TUI_REHEARSAL.1
        ),
    };
    text_box(" Rehearsal ", &text, theme, f)
}

/// The watch: each target's state, last probes and alerts, then what it saw hour by hour.
pub fn watch(text: Option<&str>, theme: &Theme, f: &mut Frame) {
    text_box(
        " Watch ",
        text.unwrap_or("Reading the watch's probes..."),
        theme,
        f,
    )
}

/// A report as text in a box over the screen; any key closes it.
fn text_box(title: &str, text: &str, theme: &Theme, f: &mut Frame) {
    let w = (text.lines().map(|l| l.chars().count()).max().unwrap_or(20) as u16 + 4)
        .max(40)
        .min(f.area().width);
    // Lines too long for the screen wrap between words (indented table rows keep their start).
    let room = w.saturating_sub(2).max(10) as usize;
    let lines: Vec<Line> = text
        .lines()
        .flat_map(|l| {
            if l.chars().count() <= room {
                vec![l.to_string()]
            } else {
                crate::markdown::wrap_words(l, room)
            }
        })
        .map(|l| Line::styled(l, theme.base()))
        .collect();
    let area = centered(f.area(), w, lines.len() as u16 + 2);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(title.to_string())
                .title_bottom(" any key closes ")
                .border_style(theme.border(true)),
        ),
        area,
    );
}

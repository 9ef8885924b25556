//! Drawing: `render(&State, &Theme, &mut Frame)`, one file per region. Reads state, never changes
//! it, and never reads the clock.

pub mod bench;
pub mod frontier;
pub mod history;
pub mod judge;
pub mod ladder;
pub mod overlay;
pub mod paint;
pub mod panel;
pub mod panes;
pub mod picker;
pub mod theme;
pub mod views;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::keymap::Command;
use crate::app::{Focus, State};
use crate::layout;
pub use theme::Theme;

pub fn render(s: &State, theme: &Theme, f: &mut Frame) {
    if layout::too_small(f.area()) {
        let (w, h) = layout::MIN_SIZE;
        let a = f.area();
        let msg = format!(
            "make the terminal at least {w}×{h} (now {}×{})",
            a.width, a.height
        );
        f.render_widget(
            Paragraph::new(msg).style(Style::default().fg(theme.warn)),
            Rect::new(a.x, a.y, a.width, 1.min(a.height)),
        );
        return;
    }
    let areas = s.areas();
    if let Some(b) = &s.banner() {
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(
                b.as_str(),
                Style::default().fg(theme.warn),
            ))),
            areas.banner,
        );
    }
    picker::render(s, theme, f, areas.picker);
    render_editor(s, theme, f, areas.editor);
    panes::render(s, theme, f, &areas.panes);
    panel::render(s, theme, f, areas.panel);
    render_status(s, theme, f, areas.status);
    if let Some(view) = views::drawable(s.overlay()) {
        view.draw(s, theme, f);
    }
}

fn render_editor(s: &State, theme: &Theme, f: &mut Frame, area: Rect) {
    let focused = s.focus() == Focus::Editor && !s.overlay().is_open();
    let inner = layout::inner(area);
    paint::Bordered::new()
        .title(" Prompt ")
        .border_style(theme.border(focused))
        .render(area, f.buffer_mut());
    if inner.height == 0 {
        return;
    }
    let params_h = 1.min(inner.height);
    let text_area = Rect::new(inner.x, inner.y, inner.width, inner.height - params_h);
    f.render_widget(&s.editor().area, text_area);
    let p = &s.editor().params;
    let mut parts = vec![
        format!(
            "max {}",
            p.max_tokens.map_or("default".into(), |v| v.to_string())
        ),
        format!(
            "temp {}",
            p.temperature.map_or("default".into(), |v| v.to_string())
        ),
    ];
    if !p.system.trim().is_empty() {
        parts.push("system ✓".into());
    }
    if let Some(a) = crate::app::attachments::summary(s) {
        parts.push(a);
    }
    let line = Line::from(vec![
        Span::styled(parts.join(" · "), theme.dim()),
        Span::styled(
            format!(
                "  {}",
                s.keymap().key_for(Command::Params).unwrap_or_default()
            ),
            theme.dim().add_modifier(Modifier::ITALIC),
        ),
    ]);
    let params = Rect::new(
        inner.x,
        inner.y + inner.height - params_h,
        inner.width,
        params_h,
    );
    paint::lines(f.buffer_mut(), params, &[line]);
}

/// `key what` for each command that has a key where the focus is; hints follow `[keys]`.
fn hints(s: &State, items: &[(Command, &str)]) -> String {
    let in_text = matches!(s.focus(), Focus::Editor | Focus::Picker);
    items
        .iter()
        .filter_map(|(c, what)| {
            let key = s.keymap().key_in(*c, in_text)?;
            // The nine pane keys read as one range: `1-9`.
            let key = match (c, s.keymap().key_in(Command::JumpPane(9), in_text)) {
                (Command::JumpPane(1), Some(last)) => format!("{key}-{last}"),
                _ => key,
            };
            Some(format!("{key} {what}"))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn render_status(s: &State, theme: &Theme, f: &mut Frame, area: Rect) {
    let (fixed, cmds): (&str, &[(Command, &str)]) = match s.focus() {
        Focus::Picker => (
            "type to filter · ↑↓ move · Enter select · ",
            &[(Command::FocusNext, "next")],
        ),
        Focus::Editor => (
            "Enter newline · ",
            &[
                (Command::Send, "send"),
                (Command::FocusNext, "next"),
                (Command::Cancel, "cancel"),
            ],
        ),
        Focus::Panes => (
            "↑↓ PgUp PgDn scroll · ",
            &[
                (Command::JumpPane(1), "pane"),
                (Command::Maximize, "maximise"),
                (Command::Rerun, "re-run"),
                (Command::Cancel, "cancel"),
            ],
        ),
    };
    let hint = format!("{fixed}{}", hints(s, cmds));
    let tail = hints(s, &[(Command::Help, "help"), (Command::Quit, "quit")]);
    let mut spans = Vec::new();
    if let Some(m) = &s.status_msg() {
        spans.push(Span::styled(
            format!(" {m} "),
            Style::default().fg(theme.warn),
        ));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(hint, theme.dim()));
    spans.push(Span::styled(format!("  {tail}"), theme.dim()));
    if !s.mouse_capture() {
        spans.push(Span::styled(
            "  [mouse: terminal]",
            Style::default().fg(theme.warn),
        ));
    }
    paint::lines(f.buffer_mut(), area, &[Line::from(spans)]);
}

//! Drawing: `render(&State, &Theme, &mut Frame)`, one file per region. Reads state, never changes
//! it, and never reads the clock.

pub mod overlay;
pub mod panel;
pub mod panes;
pub mod picker;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::app::{Focus, Overlay, State};
use crate::layout;
pub use theme::Theme;

pub fn render(s: &State, theme: &Theme, f: &mut Frame) {
    let areas = s.areas();
    if let Some(b) = &s.banner {
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
    match &s.overlay {
        Overlay::None => {}
        Overlay::Help => overlay::help(s, theme, f),
        Overlay::ConfirmQuit => overlay::confirm_quit(theme, f),
        Overlay::Params(form) => overlay::params(form, theme, f),
        Overlay::ConfirmBudget(_) => overlay::confirm_budget(s, theme, f),
        Overlay::RouteForm(form) => overlay::route_form(form, theme, f),
        Overlay::Rehearsal(report) => overlay::rehearsal(report.as_deref(), theme, f),
    }
}

fn render_editor(s: &State, theme: &Theme, f: &mut Frame, area: Rect) {
    let focused = s.focus == Focus::Editor && s.overlay == Overlay::None;
    let block = Block::bordered()
        .title(" Prompt ")
        .border_style(theme.border(focused));
    let inner = layout::inner(area);
    f.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let params_h = 1.min(inner.height);
    let text_area = Rect::new(inner.x, inner.y, inner.width, inner.height - params_h);
    f.render_widget(&s.editor, text_area);
    let p = &s.params;
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
    let line = Line::from(vec![
        Span::styled(parts.join(" · "), theme.dim()),
        Span::styled("  Ctrl-P", theme.dim().add_modifier(Modifier::ITALIC)),
    ]);
    f.render_widget(
        Paragraph::new(line),
        Rect::new(
            inner.x,
            inner.y + inner.height - params_h,
            inner.width,
            params_h,
        ),
    );
}

fn render_status(s: &State, theme: &Theme, f: &mut Frame, area: Rect) {
    let hint = match s.focus {
        Focus::Picker => "type to filter · ↑↓ move · Enter select · Tab next",
        Focus::Editor => "Enter newline · Ctrl-S send · Tab next · Esc cancel",
        Focus::Panes => "1-9 pane · ↑↓ PgUp PgDn scroll · m maximise · r re-run · Esc cancel",
    };
    let mut spans = Vec::new();
    if let Some(m) = &s.status_msg {
        spans.push(Span::styled(
            format!(" {m} "),
            Style::default().fg(theme.warn),
        ));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(hint, theme.dim()));
    spans.push(Span::styled("  ? help  q quit", theme.dim()));
    if !s.mouse_capture {
        spans.push(Span::styled(
            "  [mouse: terminal]",
            Style::default().fg(theme.warn),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

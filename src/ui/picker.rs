use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::Theme;
use crate::app::{Focus, State};
use crate::format::fmt_ctx;
use crate::layout;

pub fn render(s: &State, theme: &Theme, f: &mut Frame, area: Rect) {
    let focused = s.focus() == Focus::Picker && !s.overlay().is_open();
    let title = format!(
        " Models {}/{} ",
        s.selected().len(),
        s.picker().models.len()
    );
    super::paint::Bordered::new()
        .title(title)
        .border_style(theme.border(focused))
        .render(area, f.buffer_mut());
    let inner = layout::inner(area);
    if inner.height == 0 {
        return;
    }
    let mut lines = Vec::with_capacity(inner.height as usize);
    let cursor = if focused { "▏" } else { "" };
    lines.push(Line::from(vec![
        Span::styled("filter: ", theme.dim()),
        Span::styled(format!("{}{cursor}", s.picker().filter), theme.base()),
    ]));
    let list_h = inner.height.saturating_sub(1) as usize;
    if s.picker().loading {
        lines.push(Line::styled("loading /v1/models…", theme.dim()));
    } else if let Some(e) = &s.picker().error {
        lines.push(Line::styled(
            format!("cannot list models: {e}"),
            Style::default().fg(theme.error),
        ));
    } else if s.picker().matches.is_empty() {
        lines.push(Line::styled("no model matches", theme.dim()));
    }
    // Keep the cursor in view.
    let start = s.picker().cursor.saturating_sub(list_h.saturating_sub(1));
    let width = inner.width as usize;
    // The panes' order, once per frame (a blind round shuffles it).
    let order = s.selected_panes();
    for (row, &mi) in s
        .picker()
        .matches
        .iter()
        .enumerate()
        .skip(start)
        .take(list_h)
    {
        let m = &s.picker().models[mi];
        // The pane number, as the panes are ordered; a blind round gives no hint.
        let pane = s.panes().iter().position(|p| p.model == m.id);
        let pos = pane.and_then(|p| order.iter().position(|&x| x == p));
        let mark = match pos {
            Some(_) if s.blind().hidden() => "[•] ".to_string(),
            Some(i) => format!("[{}] ", i + 1),
            None => "[ ] ".to_string(),
        };
        // Capabilities the last `gatebench probe` found (the help says what each letter means).
        let marks = s.probe_marks(&m.id);
        let ctx = m.context_length.map(fmt_ctx).unwrap_or_default();
        let ctx = if marks.is_empty() {
            ctx
        } else {
            format!("{marks} {ctx}")
        };
        let price = match (m.prices.input, m.prices.output) {
            (Some(i), Some(o)) => format!(" ${i}/{o}"),
            _ => String::new(),
        };
        let full = format!(" {ctx}{price}");
        // Prices go first when space is short: the id is what the user is choosing.
        let meta = if width >= mark.len() + m.id.chars().count() + full.chars().count() {
            full
        } else {
            format!(" {ctx}")
        };
        let room = width.saturating_sub(mark.chars().count() + meta.chars().count());
        let id: String = if m.id.chars().count() > room {
            m.id.chars()
                .take(room.saturating_sub(1))
                .chain(['…'])
                .collect()
        } else {
            format!("{:<room$}", m.id)
        };
        let mut style = if pos.is_some() {
            Style::default()
                .fg(theme.selected)
                .add_modifier(Modifier::BOLD)
        } else {
            theme.base()
        };
        if row == s.picker().cursor && focused {
            style = style.patch(theme.highlight());
        }
        lines.push(Line::from(vec![
            Span::styled(mark, style),
            Span::styled(id, style),
            Span::styled(
                meta,
                theme.dim().patch(if row == s.picker().cursor && focused {
                    theme.highlight()
                } else {
                    Style::default()
                }),
            ),
        ]));
    }
    super::paint::lines(f.buffer_mut(), inner, &lines);
}

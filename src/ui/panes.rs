use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::Theme;
use crate::app::keymap::Command;
use crate::app::pane::{Pane, Status};
use crate::app::transcript::Row;
use crate::app::{Focus, State};
use crate::layout;

pub fn render(s: &State, theme: &Theme, f: &mut Frame, areas: &[Rect]) {
    if areas.is_empty() {
        let tab = s.keymap().key_for(Command::FocusNext).unwrap_or_default();
        let msg = if s.selected().is_empty() {
            format!(
                "No model selected. {tab} to the model picker and press Enter on a model (up to nine)."
            )
        } else {
            String::new()
        };
        let area = Rect::new(
            s.areas().editor.right(),
            s.areas().picker.y,
            s.size().width.saturating_sub(s.areas().editor.right()),
            s.areas().picker.height + s.areas().editor.height,
        );
        f.render_widget(
            Paragraph::new(Line::styled(msg, theme.dim()))
                .block(Block::bordered().border_style(theme.border(false))),
            area,
        );
        return;
    }
    let visible = s.visible();
    let numbers: Vec<usize> = if s.maximized() {
        vec![s.focused_pane()]
    } else {
        (0..visible.len()).collect()
    };
    for ((&p, &area), &n) in visible.iter().zip(areas).zip(&numbers) {
        let focused = s.focus() == Focus::Panes && n == s.focused_pane() && !s.overlay().is_open();
        let pane = &s.panes()[p];
        let failing = pane.alias.is_none() && s.failing_its_watch(pane.target());
        render_pane(pane, n + 1, (focused, failing), theme, f, area);
    }
}

fn status_style(st: &Status, theme: &Theme) -> Style {
    let c = match st {
        Status::Idle => theme.dim,
        Status::Waiting | Status::Thinking => theme.reasoning,
        Status::Streaming => theme.accent,
        Status::Done => theme.ok,
        Status::Error => theme.error,
        Status::Cancelled | Status::Tool => theme.warn,
    };
    Style::default().fg(c).add_modifier(Modifier::BOLD)
}

/// `marks`: the pane has the focus; its model or route is failing its watch.
fn render_pane(
    p: &Pane,
    number: usize,
    marks: (bool, bool),
    theme: &Theme,
    f: &mut Frame,
    area: Rect,
) {
    let (focused, failing) = marks;
    // The state comes before the name; a name too long for the pane is shortened in the middle,
    // so two panes never read alike (`demo/…-context`).
    let state = p.state_label();
    let name = match &p.alias {
        Some(a) => format!("answer {a}"),
        None => p.target().to_string(),
    };
    let rating = p.rating.map_or(String::new(), |n| format!(" ★{n}"));
    let room =
        (area.width as usize).saturating_sub(state.chars().count() + rating.chars().count() + 9);
    let mut title = vec![
        Span::styled(format!(" {number} "), theme.border(focused)),
        Span::styled(state, status_style(&p.status, theme)),
        Span::styled(rating, Style::default().fg(theme.accent)),
    ];
    // Too narrow for a readable name: the number ties the pane to its row in the panel.
    if room >= 4 {
        title.push(Span::styled(" · ", theme.dim()));
        title.push(Span::styled(
            crate::format::shorten_middle(&name, room),
            theme.base().add_modifier(Modifier::BOLD),
        ));
    }
    if p.route.is_some()
        && p.alias.is_none()
        && let Some(served) = &p.served_by
    {
        title.push(Span::styled(format!(" → {served}"), theme.dim()));
    }
    if p.route.is_some() && !p.fallback {
        title.push(Span::styled(
            " · fallback off",
            Style::default().fg(theme.warn),
        ));
    }
    if failing {
        title.push(Span::styled(
            " · ✗ failing its watch",
            Style::default().fg(theme.error),
        ));
    }
    if !p.enabled {
        title.push(Span::styled(" · off", Style::default().fg(theme.warn)));
    }
    title.push(Span::raw(" "));
    let inner = layout::inner(area);
    let h = inner.height as usize;
    let rows = p.transcript.rows();
    let top = p.top_row(h);
    let mut block = super::paint::Bordered::new()
        .title(Line::from(title))
        .border_style(theme.border(focused));
    if top + h < rows.len() {
        block = block.title_bottom(Line::styled(
            format!(" ↓ {} more ", rows.len() - top - h),
            Style::default().fg(theme.warn),
        ));
    }
    if let Some(find) = &p.find {
        block = block.title_bottom(
            Line::styled(
                format!(" /{} {} ", find.query, find.count()),
                Style::default().fg(theme.accent),
            )
            .right_aligned(),
        );
    }
    if p.transcript.raw() {
        block = block.title(Line::styled(" raw ", theme.dim()).right_aligned());
    }
    block.render(area, f.buffer_mut());
    // Only the visible rows are drawn, and they are already wrapped to this width: write them
    // straight into the buffer. Drawing cost is independent of the response's length.
    let width = inner.width as usize;
    let end = (top + h).min(rows.len());
    let marks = p.lit(top..end);
    for (y, r) in rows[top..end].iter().enumerate() {
        let at = (inner.x, inner.y + y as u16);
        let lit: Vec<(usize, usize, Style)> = marks
            .iter()
            .filter(|m| m.row == top + y)
            .map(|m| (m.start, m.end, theme.found(m.current)))
            .collect();
        paint_row(f.buffer_mut(), at, width, r, theme, &lit);
    }
}

/// One row into the buffer: the kind's style, its styled runs, then any highlighted byte ranges.
fn paint_row(
    buf: &mut Buffer,
    (x, y): (u16, u16),
    width: usize,
    r: &Row,
    theme: &Theme,
    lit: &[(usize, usize, Style)],
) {
    let base = theme.row(r.kind);
    if r.text.is_ascii() {
        // Most answer text is ASCII: one cell per byte, one style per run.
        let bytes = &r.text.as_bytes()[..r.text.len().min(width)];
        let mut start = 0;
        let whole = [crate::markdown::Run {
            end: bytes.len() as u32,
            mark: crate::markdown::Mark::PLAIN,
        }];
        let runs = if r.runs.is_empty() {
            &whole[..]
        } else {
            &r.runs[..]
        };
        for run in runs {
            let end = (run.end as usize).min(bytes.len());
            let style = if r.runs.is_empty() {
                base
            } else {
                theme.mark(base, run.mark)
            };
            for (i, &b) in bytes.iter().enumerate().take(end).skip(start) {
                if let Some(cell) = buf.cell_mut((x + i as u16, y)) {
                    let c = if b < b' ' { ' ' } else { b as char };
                    cell.set_char(c).set_style(style);
                }
            }
            start = end;
        }
        for &(a, b, l) in lit {
            for i in a..b.min(bytes.len()) {
                if let Some(cell) = buf.cell_mut((x + i as u16, y)) {
                    let patched = cell.style().patch(l);
                    cell.set_style(patched);
                }
            }
        }
        return;
    }
    let mut run = 0;
    let mut col = 0;
    let style_of = |run: usize| r.runs.get(run).map_or(base, |x| theme.mark(base, x.mark));
    let mut run_style = style_of(0);
    for (i, ch) in r.text.char_indices() {
        if r.runs.get(run).is_some_and(|x| (x.end as usize) <= i) {
            while r.runs.get(run).is_some_and(|x| (x.end as usize) <= i) {
                run += 1;
            }
            run_style = style_of(run);
        }
        let mut style = run_style;
        if !lit.is_empty()
            && let Some((_, _, l)) = lit.iter().find(|(a, b, _)| (*a..*b).contains(&i))
        {
            style = style.patch(*l);
        }
        let w = crate::markdown::char_width(ch);
        if col + w > width {
            break;
        }
        // A control character (a tab) is blank across its width; a wide one fills two cells.
        let c = if ch.is_control() { ' ' } else { ch };
        if let Some(cell) = buf.cell_mut((x + col as u16, y)) {
            cell.set_char(c).set_style(style);
        }
        for extra in 1..w {
            if let Some(cell) = buf.cell_mut((x + (col + extra) as u16, y)) {
                if ch.is_control() {
                    cell.set_char(' ');
                } else {
                    cell.set_symbol("");
                }
                cell.set_style(style);
            }
        }
        col += w;
    }
}

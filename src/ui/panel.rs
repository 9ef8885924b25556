//! The latency / cost panel: live rows per pane, per-model session statistics with a sparkline of
//! recent TTFTs, and bars comparing models on one metric.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::Theme;
use crate::app::keymap::Command;
use crate::app::pane::Status;
use crate::app::{CompareMetric, PanelView, SORT_KEYS, SortKey, State};
use crate::format::{fmt_ms, fmt_usd};
use crate::layout;
use crate::metrics::stats::{ModelStats, sparkline};

pub fn render(s: &State, theme: &Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let mut total = vec![Span::styled(
        format!(
            " session {}{}",
            fmt_usd(Some(s.panel().session_cost)),
            if s.panel().session_cost_partial {
                " + unpriced"
            } else {
                ""
            }
        ),
        theme.base().add_modifier(Modifier::BOLD),
    )];
    if let Some(b) = s.panel().budget_usd {
        let color = if s.panel().session_cost >= b {
            theme.error
        } else if s.panel().session_cost >= 0.8 * b {
            theme.warn
        } else {
            theme.dim
        };
        total.push(Span::styled(
            format!(" of {} budget", fmt_usd(Some(b))),
            Style::default().fg(color),
        ));
    }
    total.push(Span::raw(" "));
    let tabs = [PanelView::Now, PanelView::Session, PanelView::Compare]
        .iter()
        .map(|v| {
            let name = match v {
                PanelView::Now => "now",
                PanelView::Session => "session",
                PanelView::Compare => "compare",
            };
            let style = if *v == s.panel().view {
                Style::default()
                    .fg(theme.accent)
                    .add_modifier(Modifier::BOLD)
            } else {
                theme.dim()
            };
            Span::styled(format!(" {name}"), style)
        })
        .collect::<Vec<_>>();
    let mut title = vec![Span::styled(" Latency / cost ·", theme.base())];
    title.extend(tabs);
    title.push(Span::styled(" (v) ", theme.dim()));
    let mut block = super::paint::Bordered::new()
        .title(Line::from(title))
        .title_bottom(Line::from(total).right_aligned());
    if let Some(line) = account_line(s) {
        block = block.title_bottom(Line::styled(format!(" {line} "), theme.dim()).left_aligned());
    }
    block
        .border_style(theme.border(false))
        .render(area, f.buffer_mut());
    let inner = layout::inner(area);
    let now_h = (s.selected().len().max(1) + 1) as u16;
    let below = if s.panel().view == PanelView::Now {
        PanelView::Session
    } else {
        s.panel().view
    };
    // Two sections when they fit, otherwise the chosen one alone.
    if inner.height >= now_h + 3 {
        let top = Rect::new(inner.x, inner.y, inner.width, now_h);
        let bottom = Rect::new(
            inner.x,
            inner.y + now_h + 1,
            inner.width,
            inner.height - now_h - 1,
        );
        now(s, theme, f, top);
        f.render_widget(
            Paragraph::new(Line::styled(
                "─".repeat(inner.width as usize),
                Style::default().fg(theme.border),
            )),
            Rect::new(inner.x, inner.y + now_h, inner.width, 1),
        );
        section(s, below, theme, f, bottom);
    } else {
        section(s, s.panel().view, theme, f, inner);
    }
}

fn section(s: &State, view: PanelView, theme: &Theme, f: &mut Frame, area: Rect) {
    if s.blind().hidden() && view != PanelView::Now {
        // Per-model figures would tell which answer is whose.
        let vote = s.keymap().key_for(Command::Vote).unwrap_or_default();
        f.render_widget(
            Paragraph::new(Line::styled(
                format!("Blind round: per-model figures are hidden until you vote ({vote})."),
                theme.dim(),
            )),
            area,
        );
        return;
    }
    match view {
        PanelView::Now => now(s, theme, f, area),
        PanelView::Session => session(s, theme, f, area),
        PanelView::Compare => compare(s, theme, f, area),
    }
}

fn now(s: &State, theme: &Theme, f: &mut Frame, area: Rect) {
    let keep = now_columns(area.width);
    let pick = |v: Vec<Cell<'static>>| -> Vec<Cell<'static>> {
        v.into_iter()
            .zip(&keep)
            .filter_map(|(c, k)| k.then_some(c))
            .collect()
    };
    let names: Vec<Cell> = NOW_COLUMNS.iter().map(|c| Cell::from(c.0)).collect();
    let header = Row::new(pick(names)).style(theme.dim().add_modifier(Modifier::BOLD));
    let mut rows: Vec<Row> = s
        .selected_panes()
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let pane = &s.panes()[p];
            let live = pane.live(s.now());
            let est = if live.estimated { " est." } else { "" };
            let cost = match (&pane.cost(), &pane.status) {
                // `≠`: the gateway billed more than 1% apart from tokens x price.
                (Some(c), _) if pane.bill_differs() => {
                    format!("{}{est} {} ≠", fmt_usd(Some(c.usd)), c.source.label())
                }
                (Some(c), _) => format!("{}{est} {}", fmt_usd(Some(c.usd)), c.source.label()),
                (None, st) if st.is_running() => "…".into(),
                (None, Status::Idle) => String::new(),
                // Nothing was billed (or nothing is known to be): not an unknown price.
                (None, Status::Error | Status::Cancelled) => "-".into(),
                (None, _) => fmt_usd(None),
            };
            let state_style = match pane.status {
                Status::Error => Style::default().fg(theme.error),
                Status::Done => Style::default().fg(theme.ok),
                Status::Cancelled => Style::default().fg(theme.warn),
                _ => theme.base(),
            };
            let cells = vec![
                Cell::from(format!("{}", i + 1)),
                Cell::from(match (&pane.alias, &pane.route, &pane.served_by) {
                    (Some(a), _, _) => format!("answer {a}"),
                    (None, Some(r), Some(m)) => format!("{r} → {m}"),
                    (None, Some(r), None) => r.clone(),
                    _ => pane.model.clone(),
                }),
                Cell::from(pane.state_label()).style(state_style),
                Cell::from(fmt_ms(live.ttft_ms)),
                Cell::from(live.tokens_per_s.map_or("-".into(), |v| format!("{v:.1}"))),
                Cell::from(fmt_ms(live.total_ms)),
                Cell::from(
                    live.input_tokens
                        .map_or("-".into(), |v| format!("{v}{est}")),
                ),
                Cell::from(
                    live.output_tokens
                        .map_or("-".into(), |v| format!("{v}{est}")),
                ),
                Cell::from(cost),
                Cell::from(pane.rate_limit.map(|r| r.headroom()).unwrap_or_default()),
            ];
            Row::new(pick(cells)).style(if pane.enabled {
                theme.base()
            } else {
                theme.dim()
            })
        })
        .collect();
    // Rows that do not fit say how many there are instead of vanishing.
    let room = area.height.saturating_sub(1) as usize;
    if rows.len() > room && room > 0 {
        let hidden = rows.len() - (room - 1);
        rows.truncate(room - 1);
        rows.push(
            Row::new(vec![Cell::from(""), Cell::from(format!("+{hidden} more"))])
                .style(Style::default().fg(theme.warn)),
        );
    }
    let widths: Vec<Constraint> = NOW_COLUMNS
        .iter()
        .zip(&keep)
        .filter_map(|(c, k)| k.then_some(c.1))
        .collect();
    f.render_widget(Table::new(rows, widths).header(header), area);
}

/// The live table's columns: header, width, the least width that still shows its values whole,
/// and priority (0 always shown; higher ones give way first on narrow screens).
const NOW_COLUMNS: [(&str, Constraint, u16, u8); 10] = [
    ("#", Constraint::Length(2), 2, 0),
    ("model", Constraint::Fill(1), 14, 0),
    ("state", Constraint::Length(9), 9, 1),
    ("TTFT", Constraint::Length(8), 8, 1),
    ("tok/s", Constraint::Length(7), 7, 3),
    ("total", Constraint::Length(8), 8, 3),
    ("in", Constraint::Length(11), 11, 4),
    ("out", Constraint::Length(11), 11, 2),
    ("cost", Constraint::Length(21), 21, 1),
    ("rate limit", Constraint::Fill(2), 14, 5),
];

/// Which columns fit `width`: whole columns are left out, least important first, rather than
/// values clipped mid-number.
pub fn now_columns(width: u16) -> Vec<bool> {
    let specs: Vec<(u16, u8)> = NOW_COLUMNS.iter().map(|c| (c.2, c.3)).collect();
    fit_columns(&specs, width)
}

/// Columns given as (least width, priority) that fit `width`, taken by priority (0 always); the
/// first one that does not fit ends it, so nothing less important takes its place.
pub fn fit_columns(specs: &[(u16, u8)], width: u16) -> Vec<bool> {
    let mut keep = vec![false; specs.len()];
    let mut used = 0u16;
    let top = specs.iter().map(|c| c.1).max().unwrap_or(0);
    for prio in 0..=top {
        for (i, c) in specs.iter().enumerate().filter(|(_, c)| c.1 == prio) {
            let need = c.0 + u16::from(used > 0);
            if prio > 0 && used + need > width {
                return keep;
            }
            keep[i] = true;
            used += need;
        }
    }
    keep
}
fn opt(v: Option<f64>, fmt: impl Fn(f64) -> String) -> String {
    v.map_or("-".into(), fmt)
}

fn session(s: &State, theme: &Theme, f: &mut Frame, area: Rect) {
    if s.panel().stats.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled(
                "Session statistics appear after the first answer (percentiles over every run per model).",
                theme.dim(),
            )),
            area,
        );
        return;
    }
    let sort_col = SORT_KEYS
        .iter()
        .position(|k| *k == s.panel().sort)
        .unwrap_or(0);
    let mut head: Vec<Cell> = SORT_KEYS
        .iter()
        .enumerate()
        .map(|(i, k)| {
            if i == sort_col {
                let arrow = if s.panel().sort_desc { "▼" } else { "▲" };
                Cell::from(format!("{}{arrow}", k.title())).style(
                    Style::default()
                        .fg(theme.accent)
                        .add_modifier(Modifier::BOLD),
                )
            } else {
                Cell::from(k.title())
            }
        })
        .collect();
    head.push(Cell::from("recent TTFT"));
    // The rating column earns its room once something is rated.
    let mut columns = SESSION_COLUMNS;
    if s.panel().rated.is_empty() {
        columns[RATING_COLUMN].1 = 8;
    }
    let keep = fit_columns(&columns, area.width);
    let pick = |v: Vec<Cell<'static>>| -> Vec<Cell<'static>> {
        v.into_iter()
            .zip(&keep)
            .filter_map(|(c, k)| k.then_some(c))
            .collect()
    };
    let header = Row::new(pick(head)).style(theme.dim().add_modifier(Modifier::BOLD));
    let rows: Vec<Row> = s
        .panel()
        .sorted_stats()
        .into_iter()
        .map(|(model, m)| {
            let mut cells = vec![Cell::from(model.clone()), Cell::from(m.runs.to_string())];
            for k in &SORT_KEYS[2..] {
                let v = k.value(m);
                cells.push(Cell::from(match k {
                    SortKey::ItlP50 | SortKey::ItlP95 | SortKey::ItlP99 => {
                        opt(v, |v| format!("{v:.1} ms"))
                    }
                    SortKey::TpsP50 | SortKey::TpsP95 => opt(v, |v| format!("{v:.1}")),
                    SortKey::CostPer1k => v.map_or("?".into(), |v| fmt_usd(Some(v))),
                    SortKey::Rating => opt(v, |v| format!("{v:.1}×{}", m.ratings)),
                    _ => fmt_ms(v),
                }));
            }
            cells.push(
                Cell::from(sparkline(m.recent_ttft_ms.iter().copied()))
                    .style(Style::default().fg(theme.accent)),
            );
            Row::new(pick(cells)).style(theme.base())
        })
        .collect();
    let mut widths = vec![Constraint::Fill(3), Constraint::Length(5)];
    widths.extend(SORT_KEYS[2..].iter().map(|k| match k {
        SortKey::TtftP50
        | SortKey::ItlP50
        | SortKey::TpsP50
        | SortKey::TotalP50
        | SortKey::CostPer1k => Constraint::Length(10),
        _ => Constraint::Length(8),
    }));
    widths.push(Constraint::Fill(2));
    let widths: Vec<Constraint> = widths
        .into_iter()
        .zip(&keep)
        .filter_map(|(w, k)| k.then_some(w))
        .collect();
    f.render_widget(Table::new(rows, widths).header(header), area);
}

/// The session table's columns (model, runs, the sort keys' figures, recent TTFT) as (least
/// width, priority): TTFT p50 and cost per 1k output stay longest, the spread goes first.
const RATING_COLUMN: usize = 13;
const SESSION_COLUMNS: [(u16, u8); 15] = [
    (14, 0), // model
    (5, 2),  // runs
    (10, 1), // TTFT p50
    (8, 3),  // p95
    (8, 5),  // p99
    (10, 4), // ITL p50
    (8, 6),  // p95
    (8, 6),  // p99
    (10, 3), // total p50
    (8, 6),  // p95
    (10, 2), // tok/s p50
    (8, 6),  // p95
    (10, 1), // $/1k out
    (8, 2),  // rating
    (8, 7),  // recent TTFT
];

fn compare(s: &State, theme: &Theme, f: &mut Frame, area: Rect) {
    let label = metric_label(s.panel().compare);
    let value = |m: &ModelStats| metric_value(s.panel().compare, m);
    let fmt = |v: f64| metric_fmt(s.panel().compare, v);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            label,
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD),
        ),
        Span::styled("  (b: next metric)", theme.dim()),
    ])];
    let values: Vec<(&String, Option<f64>)> =
        s.panel().stats.iter().map(|(k, m)| (k, value(m))).collect();
    let max = values.iter().filter_map(|v| v.1).fold(0.0_f64, f64::max);
    let name_w = values
        .iter()
        .map(|v| v.0.chars().count())
        .max()
        .unwrap_or(5)
        .min(28);
    let bar_w = (area.width as usize).saturating_sub(name_w + 16).max(1);
    for (name, v) in values.iter().take(area.height.saturating_sub(1) as usize) {
        let name: String = name.chars().take(name_w).collect();
        let (bar, text) = match v {
            Some(v) if max > 0.0 => (bar(*v / max, bar_w), fmt(*v)),
            Some(v) => (String::new(), fmt(*v)),
            None => (String::new(), "?".into()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{name:<name_w$} "), theme.base()),
            Span::styled(bar, Style::default().fg(theme.accent)),
            Span::styled(format!(" {text}"), theme.base()),
        ]));
    }
    if values.is_empty() {
        lines.push(Line::styled(
            "Bars appear after the first answer.",
            theme.dim(),
        ));
    }
    super::paint::lines(f.buffer_mut(), area, &lines);
}

fn metric_label(c: CompareMetric) -> &'static str {
    match c {
        CompareMetric::Ttft => "TTFT p50 (lower is better)",
        CompareMetric::TokensPerSecond => "tokens/s p50 (higher is better)",
        CompareMetric::CostPer1kOutput => "cost per 1k output tokens (lower is better)",
    }
}

/// The gateway's word on the account, when it gave one: what is left first.
fn account_line(s: &State) -> Option<String> {
    use crate::gateway::account::AccountReport;
    let key_spend = || {
        let usd = s.panel().key_spend_usd?;
        Some(format!(
            "account: key spent {} (x-litellm-key-spend)",
            crate::format::fmt_money(usd)
        ))
    };
    match s.panel().account.as_ref() {
        Some(Ok(AccountReport::Reported(a))) => Some(a.line()),
        Some(Ok(AccountReport::NotReported { .. })) | None => key_spend(),
        Some(Err(_)) => {
            key_spend().or_else(|| Some("account: no answer (`gatebench account` says why)".into()))
        }
    }
}

fn metric_value(c: CompareMetric, m: &ModelStats) -> Option<f64> {
    match c {
        CompareMetric::Ttft => m.ttft_ms(0.5),
        CompareMetric::TokensPerSecond => m.tps(0.5),
        CompareMetric::CostPer1kOutput => m.cost_per_1k_output(),
    }
}

fn metric_fmt(c: CompareMetric, v: f64) -> String {
    match c {
        CompareMetric::Ttft => fmt_ms(Some(v)),
        CompareMetric::TokensPerSecond => format!("{v:.1} tok/s"),
        CompareMetric::CostPer1kOutput => fmt_usd(Some(v)),
    }
}

/// A horizontal bar of `frac` (0..=1) of `width` cells, in eighths.
fn bar(frac: f64, width: usize) -> String {
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let eighths = (frac.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        s.push(PARTS[eighths % 8]);
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn bars_in_eighths() {
        assert_eq!(super::bar(1.0, 4), "████");
        assert_eq!(super::bar(0.5, 3), "█▌");
        assert_eq!(super::bar(0.0, 4), "");
    }

    use super::*;

    fn shown(width: u16) -> Vec<&'static str> {
        now_columns(width)
            .iter()
            .zip(NOW_COLUMNS.iter())
            .filter_map(|(k, c)| k.then_some(c.0))
            .collect()
    }

    #[test]
    fn narrow_panels_leave_out_whole_columns_least_important_first() {
        assert_eq!(shown(200).len(), NOW_COLUMNS.len());
        assert_eq!(
            shown(78),
            ["#", "model", "state", "TTFT", "tok/s", "out", "cost"]
        );
        assert_eq!(shown(58), ["#", "model", "state", "TTFT", "cost"]);
        // The number and the model are always there.
        assert_eq!(shown(10), ["#", "model"]);
    }
}

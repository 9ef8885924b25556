//! Reading and judging overlays: the pane search line, copy mode's hint, the diff, the blind
//! vote and the leaderboard with its cost / TTFT frontier.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row as TableRow, Table};

use super::Theme;
use super::overlay::{centered, cursor_spans};
use crate::app::State;
use crate::app::board::Board;
use crate::app::diff::DiffView;
use crate::app::forms::TextField;
use crate::format::{fmt_ms, fmt_usd};
use crate::markdown::{RowKind, Spans};

/// A one-line bar over the status line.
fn bar(spans: Vec<Span>, f: &mut Frame, s: &State) {
    let area = s.areas().status;
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn find_bar(s: &State, field: &TextField, theme: &Theme, f: &mut Frame) {
    let count = s
        .focused_pane_ref()
        .and_then(|p| p.find.as_ref())
        .filter(|x| !x.query.is_empty())
        .map_or(String::new(), |x| format!("  {}", x.count()));
    let mut spans = vec![Span::styled("/", Style::default().fg(theme.accent))];
    spans.extend(cursor_spans(field, theme.base()));
    spans.push(Span::styled(count, Style::default().fg(theme.accent)));
    spans.push(Span::styled(
        "  Enter keep · Esc clear · n / N next / previous",
        theme.dim(),
    ));
    bar(spans, f, s);
}

/// The bar for typing a tool call's result.
pub fn tool_result_bar(s: &State, pane: usize, field: &TextField, theme: &Theme, f: &mut Frame) {
    let name = crate::app::agent::waiting_call(s, pane).map_or("?", |c| c.name.as_str());
    let mut spans = vec![Span::styled(
        format!("{name} ← "),
        Style::default().fg(theme.accent),
    )];
    spans.extend(cursor_spans(field, theme.base()));
    spans.push(Span::styled("  Enter send · Esc later", theme.dim()));
    bar(spans, f, s);
}

pub fn copy_hint(theme: &Theme, f: &mut Frame, s: &State) {
    let n = s
        .focused_pane_ref()
        .map_or(0, |p| p.transcript.code_blocks().len());
    let at = s
        .focused_pane_ref()
        .and_then(|p| p.copy_sel)
        .map_or(0, |i| i + 1);
    bar(
        vec![
            Span::styled(
                format!(" copy mode: block {at} of {n} "),
                Style::default()
                    .fg(theme.accent)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                " ↑↓ (j k n N) pick · Enter / y copy · Esc leave",
                theme.dim(),
            ),
        ],
        f,
        s,
    );
}

pub(super) fn small_box(title: &str, lines: Vec<Line>, theme: &Theme, f: &mut Frame) {
    let w = lines.iter().map(Line::width).max().unwrap_or(20) as u16 + 4;
    let area = centered(
        f.area(),
        w.max(title.len() as u16 + 4),
        lines.len() as u16 + 2,
    );
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(format!(" {title} "))
                .border_style(theme.border(true)),
        ),
        area,
    );
}

pub fn diff_pick(s: &State, theme: &Theme, f: &mut Frame) {
    let n = s.selected_panes().len();
    small_box(
        "Diff",
        vec![Line::styled(
            format!("Compare the focused pane with pane 1-{n}: its number · any other key cancels"),
            theme.base(),
        )],
        theme,
        f,
    );
}

pub fn vote(s: &State, theme: &Theme, f: &mut Frame) {
    let n = s.blind().round.as_ref().map_or(0, |r| r.order.len());
    let letters: Vec<String> = (0..n)
        .map(|i| format!("{} = answer {}", i + 1, crate::app::blind::letter(i)))
        .collect();
    small_box(
        "Vote",
        vec![
            Line::styled(
                "Which answer is best?",
                theme.base().add_modifier(Modifier::BOLD),
            ),
            Line::styled(letters.join(" · "), theme.base()),
            Line::styled("= (or t) a tie · any other key: no vote yet", theme.dim()),
        ],
        theme,
        f,
    );
}

/// Styled spans as a ratatui line, through the theme.
fn line_of(spans: &Spans, theme: &Theme) -> Line<'static> {
    let base = theme.row(RowKind::Text);
    Line::from(
        spans
            .iter()
            .map(|(t, m)| Span::styled(t.clone(), theme.mark(base, *m)))
            .collect::<Vec<_>>(),
    )
}

/// A cleared area nearly the whole screen, `margin` columns in from each side.
pub(super) fn big_area(f: &mut Frame, margin: u16) -> Rect {
    let screen = f.area();
    let area = centered(
        screen,
        screen.width.saturating_sub(margin * 2),
        screen.height.saturating_sub(2),
    );
    f.render_widget(Clear, area);
    area
}

pub fn diff(v: &DiffView, keys: &str, theme: &Theme, f: &mut Frame) {
    let area = big_area(f, 2);
    let title = match &v.result {
        Some(d) => format!(
            " Diff · {:.0}% alike · {} words in, {} out ",
            d.similarity * 100.0,
            d.inserted,
            d.deleted
        ),
        None => " Diff · comparing… ".to_string(),
    };
    let block = Block::bordered()
        .title(title)
        .title_bottom(format!(" {keys} scroll · any other key closes "))
        .border_style(theme.border(true));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [head, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(inner);
    let removed = theme.mark(theme.base(), crate::app::diff::removed());
    let added = theme.mark(theme.base(), crate::app::diff::added());
    f.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled("− ", removed),
                Span::styled(v.sides[0].clone(), removed),
            ]),
            Line::from(vec![
                Span::styled("+ ", added),
                Span::styled(v.sides[1].clone(), added),
            ]),
            Line::styled("─".repeat(head.width as usize), theme.dim()),
        ]),
        head,
    );
    let lines: Vec<Line> = v
        .result
        .as_ref()
        .map(|d| d.lines.iter().map(|l| line_of(l, theme)).collect())
        .unwrap_or_default();
    f.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .scroll((v.scroll, 0)),
        body,
    );
}

pub fn leaderboard(board: Option<&Board>, theme: &Theme, f: &mut Frame) {
    let area = big_area(f, 1);
    let Some(b) = board else {
        small_box(
            "Leaderboard",
            vec![Line::styled("reading votes…", theme.dim())],
            theme,
            f,
        );
        return;
    };
    let block = Block::bordered()
        .title(format!(
            " Leaderboard · {} blind vote{} from {} ",
            b.votes,
            if b.votes == 1 { "" } else { "s" },
            b.source
        ))
        .title_bottom(" rating: Bradley-Terry on the Elo scale · ✗ dominated · any key closes ")
        .border_style(theme.border(true));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if b.standings.is_empty() {
        f.render_widget(
            Paragraph::new(
                "No votes or answers yet. Shift-B arms a blind round; send, read, then w to vote.",
            )
            .style(theme.dim()),
            inner,
        );
        return;
    }
    let wide = inner.width >= 110;
    let [table, chart] = if wide {
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(inner)
    } else {
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(inner)
    };
    standings_table(b, theme, f, table);
    super::frontier::render(b, theme, f, chart);
}

fn standings_table(b: &Board, theme: &Theme, f: &mut Frame, area: Rect) {
    let head = TableRow::new(
        [
            "#",
            "model",
            "rating",
            "win rate (95% CI)",
            "votes",
            "TTFT p50",
            "$/1k out",
            "",
        ]
        .map(Cell::from),
    )
    .style(theme.dim().add_modifier(Modifier::BOLD));
    let rows: Vec<TableRow> = b
        .standings
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let rate = match (st.win_rate, st.win_rate_low, st.win_rate_high) {
                (Some(r), Some(lo), Some(hi)) => {
                    format!("{:.0}% ({:.0}-{:.0})", r * 100.0, lo * 100.0, hi * 100.0)
                }
                _ => "-".into(),
            };
            let style = if st.dominated_by.is_some() {
                theme.dim()
            } else {
                theme.base()
            };
            TableRow::new(vec![
                Cell::from(format!("{}", i + 1)),
                Cell::from(st.model.clone()),
                Cell::from(st.rating.map_or("-".into(), |r| format!("{r:.0}"))),
                Cell::from(rate),
                Cell::from(format!("{}", st.games)),
                Cell::from(fmt_ms(st.figures.median_ttft_ms)),
                Cell::from(fmt_usd(st.figures.cost_per_1k_output_usd)),
                Cell::from(if st.dominated_by.is_some() { "✗" } else { "" })
                    .style(Style::default().fg(theme.error)),
            ])
            .style(style)
        })
        .collect();
    let widths = [
        Constraint::Length(3),
        Constraint::Min(12),
        Constraint::Length(6),
        Constraint::Length(17),
        Constraint::Length(5),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(1),
    ];
    f.render_widget(Table::new(rows, widths).header(head), area);
}

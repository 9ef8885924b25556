//! The context ladder overlay: TTFT and cost against input tokens per model (ratatui `Chart`,
//! logarithmic x), and the step table below.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph};

use super::Theme;
use super::judge::big_area;
use crate::app::ladder::LadderView;
use crate::format::{fmt_ctx, fmt_ms, fmt_usd};
use crate::ladder::{Ladder, Step};

pub fn render(v: &LadderView, theme: &Theme, f: &mut Frame) {
    let area = big_area(f, 2);
    let l = &v.ladder;
    let title = match v.at {
        Some((i, size)) => format!(
            " Context ladder · {} of {} · {} tokens… · Esc stops ",
            i + 1,
            l.sizes.len(),
            fmt_ctx(size)
        ),
        None if v.running => " Context ladder · starting… · Esc stops ".into(),
        None => " Context ladder · any key closes ".into(),
    };
    let block = Block::bordered()
        .title(title)
        .title_bottom(Line::styled(format!(" spend: {} ", v.spend), theme.dim()))
        .border_style(theme.border(true));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [charts, table] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Min(3)]).areas(inner);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(charts);
    chart(
        l,
        "TTFT",
        |s| s.ttft_ms,
        |v| fmt_ms(Some(v)),
        theme,
        f,
        left,
    );
    chart(
        l,
        "cost per request",
        |s| s.cost_usd,
        |v| fmt_usd(Some(v)),
        theme,
        f,
        right,
    );
    let lines: Vec<Line> = l
        .table()
        .lines()
        .map(|r| Line::raw(crate::clean::terminal_safe(r).into_owned()))
        .collect();
    f.render_widget(Paragraph::new(lines), table);
}

/// The colours series are drawn in, in model order.
fn colour(i: usize, theme: &Theme) -> Color {
    [
        theme.accent,
        theme.ok,
        theme.warn,
        theme.reasoning,
        theme.error,
        theme.heading,
    ][i % 6]
}

fn chart(
    l: &Ladder,
    what: &str,
    value: fn(&Step) -> Option<f64>,
    fmt: impl Fn(f64) -> String,
    theme: &Theme,
    f: &mut Frame,
    area: Rect,
) {
    // x is log10(input tokens), so 1k..128k spread evenly.
    let series: Vec<(String, Vec<(f64, f64)>)> = l
        .models
        .iter()
        .map(|m| {
            let pts = l.series(m, value).into_iter().filter(|(x, _)| *x > 0.0);
            (m.clone(), pts.map(|(x, y)| (x.log10(), y)).collect())
        })
        .collect();
    let xs = l.sizes.iter().map(|s| (*s as f64).log10());
    let (x0, x1) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    let (x0, x1) = if x0 < x1 {
        (x0 - 0.1, x1 + 0.2)
    } else {
        (x0 - 0.5, x0 + 0.5)
    };
    let y1 = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .fold(0.0f64, f64::max);
    let y1 = if y1 > 0.0 { y1 * 1.1 } else { 1.0 };
    let datasets: Vec<Dataset> = series
        .iter()
        .enumerate()
        .map(|(i, (name, pts))| {
            Dataset::default()
                .name(name.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::default().fg(colour(i, theme)))
                .data(pts)
        })
        .collect();
    let x_labels: Vec<Span> = [x0, (x0 + x1) / 2.0, x1]
        .iter()
        .map(|x| Span::raw(fmt_ctx(10f64.powf(*x).round() as u64)))
        .collect();
    let y_labels: Vec<Span> = [0.0, y1 / 2.0, y1]
        .iter()
        .map(|y| Span::raw(fmt(*y)))
        .collect();
    let c = Chart::new(datasets)
        .block(
            Block::bordered()
                .title(format!(" {what} against input tokens "))
                .border_style(theme.border(false)),
        )
        .x_axis(
            Axis::default()
                .title("tokens (log)")
                .bounds([x0, x1])
                .labels(x_labels)
                .style(theme.dim()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, y1])
                .labels(y_labels)
                .style(theme.dim()),
        );
    f.render_widget(c, area);
}

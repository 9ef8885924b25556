//! A text chart of a few series against input tokens (logarithmic x, linear y from zero), for a
//! terminal or a CI log. One mark per series; where two meet, `*`.

/// The marks series are drawn with, in order.
pub const MARKS: [char; 6] = ['o', 'x', '+', '#', '@', '%'];

/// `log10` of the x range, widened a little when it is a single point.
fn x_range(series: &[(String, Vec<(f64, f64)>)]) -> Option<(f64, f64)> {
    let xs = series.iter().flat_map(|(_, p)| p.iter().map(|(x, _)| *x));
    let (lo, hi) = xs
        .filter(|x| *x > 0.0)
        .fold((f64::MAX, f64::MIN), |(l, h), x| (l.min(x), h.max(x)));
    (lo <= hi).then(|| {
        let (l, h) = (lo.log10(), hi.log10());
        if h - l < 1e-9 {
            (l - 0.5, h + 0.5)
        } else {
            (l, h)
        }
    })
}

/// Draw `series` in a plot area of `width` x `height` cells, with a title, y labels by `fmt_y`, x
/// labels as token counts, and a legend.
pub fn text(
    title: &str,
    series: &[(String, Vec<(f64, f64)>)],
    width: usize,
    height: usize,
    fmt_y: impl Fn(f64) -> String,
) -> String {
    let (width, height) = (width.max(10), height.max(3));
    let mut out = format!("{title}\n");
    let Some((x0, x1)) = x_range(series) else {
        out.push_str("  (no data)\n");
        return out;
    };
    let y_max = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .filter(|y| y.is_finite())
        .fold(0.0f64, f64::max);
    let y_max = if y_max > 0.0 { y_max } else { 1.0 };
    let mut grid = vec![vec![' '; width]; height];
    for (i, (_, pts)) in series.iter().enumerate() {
        let mark = MARKS[i % MARKS.len()];
        for &(x, y) in pts.iter().filter(|(x, y)| *x > 0.0 && y.is_finite()) {
            let col = ((x.log10() - x0) / (x1 - x0) * (width - 1) as f64).round() as usize;
            let row = ((y / y_max).clamp(0.0, 1.0) * (height - 1) as f64).round() as usize;
            let cell = &mut grid[height - 1 - row][col.min(width - 1)];
            *cell = if *cell == ' ' || *cell == mark {
                mark
            } else {
                '*'
            };
        }
    }
    let labels = [fmt_y(y_max), fmt_y(y_max / 2.0), fmt_y(0.0)];
    let lw = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    for (r, row) in grid.iter().enumerate() {
        let label = match r {
            0 => labels[0].as_str(),
            r if r == (height - 1) / 2 && height > 2 => labels[1].as_str(),
            r if r == height - 1 => labels[2].as_str(),
            _ => "",
        };
        let line: String = row.iter().collect();
        out.push_str(&format!("{label:>lw$} │{}\n", line.trim_end()));
    }
    out.push_str(&format!("{:>lw$} └{}\n", "", "─".repeat(width)));
    let left = crate::format::fmt_ctx(10f64.powf(x0).round() as u64);
    let right = crate::format::fmt_ctx(10f64.powf(x1).round() as u64);
    let gap = width.saturating_sub(left.len() + right.len());
    out.push_str(&format!(
        "{:>lw$}  {left}{}{right}  input tokens (log)\n",
        "",
        " ".repeat(gap)
    ));
    let legend: Vec<String> = series
        .iter()
        .enumerate()
        .map(|(i, (name, _))| format!("{} {name}", MARKS[i % MARKS.len()]))
        .collect();
    out.push_str(&format!("{:>lw$}  {}\n", "", legend.join("   ")));
    out
}

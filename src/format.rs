//! Number formatting shared by the CLI tables and the TUI.

/// `1.5 s`, `320 ms`, or `-`.
pub fn fmt_ms(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(ms) if ms >= 10_000.0 => format!("{:.1} s", ms / 1000.0),
        Some(ms) if ms >= 1000.0 => format!("{:.2} s", ms / 1000.0),
        Some(ms) => format!("{ms:.0} ms"),
    }
}

/// `$0.000123`, `$1.23`, or `?` when unknown: never a made-up zero.
pub fn fmt_usd(v: Option<f64>) -> String {
    match v {
        None => "?".into(),
        Some(0.0) => "$0".into(),
        Some(u) if u < 0.01 => format!("${u:.6}"),
        Some(u) => format!("${u:.4}"),
    }
}

/// An account's money (credits, budgets, spend): cents from a dollar up, else four decimals,
/// so a balance reads `$19.87` and a first day's spend `$0.0131`.
pub fn fmt_money(usd: f64) -> String {
    if usd >= 1.0 || usd == 0.0 {
        format!("${usd:.2}")
    } else {
        format!("${usd:.4}")
    }
}

/// A figure as short as it stays exact to 4 decimals: `800`, `0.0125`, `2.5`.
pub fn trim_float(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size people read: `512 B`, `3.4 KiB`, `5.2 MiB`, `1.1 GiB`; a whole number of its unit
/// without a fraction (`4 MiB`, as limits are set).
pub fn size(n: u64) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let (mut unit, mut scale) = (0, 1024u64);
    while n / scale >= 1024 && unit < UNITS.len() - 1 {
        unit += 1;
        scale *= 1024;
    }
    if n.is_multiple_of(scale) {
        format!("{} {}", n / scale, UNITS[unit])
    } else {
        format!("{:.1} {}", n as f64 / scale as f64, UNITS[unit])
    }
}

/// `128k`, `1M`, `8192`.
pub fn fmt_ctx(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 {
        format!("{}k", (n as f64 / 1000.0).round() as u64)
    } else {
        n.to_string()
    }
}

/// `s` in at most `max` characters, shortened in the middle: `demo-fal…st-mini`.
pub fn shorten_middle(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max || max < 3 {
        return s.to_string();
    }
    let keep = max - 1;
    let head: String = s.chars().take(keep - keep / 2).collect();
    let tail: String = s.chars().skip(n - keep / 2).collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_and_sizes() {
        let t: Vec<String> = [0, 999, 1000, 12_345, 1_234_567]
            .map(super::thousands)
            .into();
        assert_eq!(t, ["0", "999", "1,000", "12,345", "1,234,567"]);
        let s: Vec<String> = [0, 1023, 1024, 1536, 5_452_595, 4 << 20, 3 << 30, 5 << 40]
            .map(super::size)
            .into();
        assert_eq!(
            s,
            [
                "0 B", "1023 B", "1 KiB", "1.5 KiB", "5.2 MiB", "4 MiB", "3 GiB", "5120 GiB"
            ]
        );
    }

    use super::*;

    #[test]
    fn shortened_in_the_middle() {
        assert_eq!(
            shorten_middle("demo-fallback → demo/fast-mini", 12),
            "demo-f…-mini"
        );
        assert_eq!(shorten_middle("short", 12), "short");
        assert_eq!(
            shorten_middle("demo-fallback → demo/fast-mini", 12)
                .chars()
                .count(),
            12
        );
        assert_eq!(shorten_middle("demo/long-context", 2), "demo/long-context");
    }
}

/// One CSV record (RFC 4180) with its line end: a field holding a comma, a quote or a line break
/// is quoted, its quotes doubled.
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut out = String::new();
    for (i, c) in cells.iter().enumerate() {
        let c = c.as_ref();
        if i > 0 {
            out.push(',');
        }
        if c.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&c.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(c);
        }
    }
    out.push('\n');
    out
}

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Rows of cells as aligned text, one line each: every column as wide as its widest cell (in
/// terminal columns), two spaces between columns, no trailing spaces. A row shorter than `align`
/// leaves its last columns empty; `align` shorter than a row aligns the rest left.
pub fn text_table<R: AsRef<[String]>>(rows: &[R], align: &[Align]) -> String {
    use unicode_width::UnicodeWidthStr;
    let cols = rows.iter().map(|r| r.as_ref().len()).max().unwrap_or(0);
    let mut width = vec![0; cols];
    for r in rows {
        for (w, c) in width.iter_mut().zip(r.as_ref()) {
            *w = (*w).max(c.width());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, (c, w)) in r.as_ref().iter().zip(&width).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = " ".repeat(w - c.width());
            match align.get(i).copied().unwrap_or(Align::Left) {
                Align::Left => {
                    line.push_str(c);
                    line.push_str(&pad);
                }
                Align::Right => {
                    line.push_str(&pad);
                    line.push_str(c);
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod table_tests {
    use super::{Align, text_table};

    #[test]
    fn columns_are_as_wide_as_their_widest_cell_in_terminal_columns() {
        let rows = [
            ["model", "ttft", "note"].map(String::from),
            ["fast → 日本", "5 ms", ""].map(String::from),
        ];
        let t = text_table(&rows, &[Align::Left, Align::Right]);
        assert_eq!(t, "model        ttft  note\nfast → 日本  5 ms\n");
        assert_eq!(text_table::<[String; 0]>(&[], &[]), "");
    }

    #[test]
    fn csv_quotes_only_what_needs_it() {
        let line = super::csv_line(&["plain", "a,b", "say \"hi\"", "two\nlines", ""]);
        assert_eq!(line, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\n");
    }
}

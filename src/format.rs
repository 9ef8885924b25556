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

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

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

/// A size people read: `512 B`, `3.4 KiB`, `5.2 MiB`, `1.1 GiB`.
pub fn size(n: u64) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
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
        let s: Vec<String> = [0, 1023, 1024, 5_452_595, 3 << 30].map(super::size).into();
        assert_eq!(s, ["0 B", "1023 B", "1.0 KiB", "5.2 MiB", "3.0 GiB"]);
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

/// Unix milliseconds as `2026-11-24 08:42 UTC` (no time-zone database needed).
pub fn fmt_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(test)]
mod utc_tests {
    #[test]
    fn dates_from_unix_millis() {
        assert_eq!(super::fmt_utc(0), "1970-01-01 00:00 UTC");
        // 2026-11-24 08:42:05 UTC
        assert_eq!(super::fmt_utc(1_795_509_725_000), "2026-11-24 08:42 UTC");
        // A leap day, and the day before the epoch.
        assert_eq!(super::fmt_utc(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(super::fmt_utc(-60_000), "1969-12-31 23:59 UTC");
    }
}

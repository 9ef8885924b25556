//! The wall clock, in one place: Unix milliseconds for stored records, their UTC rendering, and a
//! seed that differs run to run. Measurements never use it: they take `Instant`s.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in Unix milliseconds (0 on a clock set before 1970).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A seed that differs from run to run and process to process (backoff jitter, blind shuffles).
pub fn seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    mix(nanos, std::process::id())
}

/// The clock's nanoseconds and the process id, each bit of both kept.
fn mix(nanos: u64, pid: u32) -> u64 {
    nanos ^ u64::from(pid)
}

/// Unix milliseconds as `2026-11-24 08:42 UTC`; out of the calendar's range, the number itself.
pub fn fmt_utc(ms: i64) -> String {
    let nanos = i128::from(ms.div_euclid(60_000)) * 60_000_000_000;
    match time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => format!("{ms} ms after 1970 UTC"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_unix_millis() {
        assert_eq!(fmt_utc(0), "1970-01-01 00:00 UTC");
        // 2026-11-24 08:42:05 UTC
        assert_eq!(fmt_utc(1_795_509_725_000), "2026-11-24 08:42 UTC");
        // A leap day, and the day before the epoch.
        assert_eq!(fmt_utc(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(fmt_utc(-60_000), "1969-12-31 23:59 UTC");
        assert_eq!(fmt_utc(-1), "1969-12-31 23:59 UTC");
        assert_eq!(fmt_utc(i64::MAX), format!("{} ms after 1970 UTC", i64::MAX));
    }

    #[test]
    fn a_seed_keeps_the_bits_of_both_the_time_and_the_process() {
        assert_eq!(mix(0b1100, 0b1010), 0b0110);
        assert_eq!(mix(u64::MAX, 1), u64::MAX - 1);
        assert_ne!(seed(), 0);
    }

    #[test]
    fn now_is_after_this_code_was_written() {
        assert!(now_ms() > 1_795_509_725_000);
    }
}

//! How figures are rounded in JSON output: milliseconds to the microsecond, rates to the
//! hundredth, dollars to the billionth; a figure that is not finite is null.

use serde::Serializer;

/// JSON numbers people read: milliseconds to the microsecond, rates to 0.01, USD to 1e-9.
fn rounded<S: Serializer>(v: &Option<f64>, s: S, scale: f64) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.is_finite() => s.serialize_f64((x * scale).round() / scale),
        _ => s.serialize_none(),
    }
}

pub fn round_ms<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    rounded(v, s, 1e3)
}

pub fn round_rate<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    rounded(v, s, 1e2)
}

pub fn round_usd<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    rounded(v, s, 1e9)
}

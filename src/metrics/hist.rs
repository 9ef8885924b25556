//! A latency or rate distribution, for the workbench's session statistics and `bench` alike: an
//! HDR histogram (1 .. 3.6e9, three significant digits) that survives JSON, written as its
//! recorded buckets, so runs from several machines merge without loss (`bench merge`).

use hdrhistogram::Histogram;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq)]
pub struct Hist(Histogram<u64>);

/// The largest value kept (1 hour in microseconds); larger ones count as it.
pub const HIGH: u64 = 3_600_000_000;

impl Default for Hist {
    fn default() -> Self {
        // 1 us .. 1 hour at 3 significant digits, as oha and the notes recommend. The counts grow
        // with the largest value recorded (auto-resize, capped at `HIGH` by `record`): allocated
        // for the whole range at once they are 188 KB apiece and zero-filled, 0.75 MB of memory
        // per model in the workbench's panel.
        let mut h = Histogram::new_with_bounds(1, 2, 3).expect("static bounds are valid");
        h.auto(true);
        Self(h)
    }
}

impl Hist {
    /// Record a value (rounded; values below 1 count as 1, above the bound as the bound).
    pub fn record(&mut self, v: f64) {
        if v.is_finite() && v >= 0.0 {
            self.record_n(v.round() as u64, 1);
        }
    }

    pub fn record_n(&mut self, v: u64, n: u64) {
        let _ = self.0.record_n(v.clamp(1, HIGH), n);
    }

    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The value at quantile `q` (0..1), `None` while empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        (!self.0.is_empty()).then(|| self.0.value_at_quantile(q))
    }

    pub fn mean(&self) -> Option<f64> {
        (!self.0.is_empty()).then(|| self.0.mean())
    }

    /// Add every count of `other` (exact: both have the same bounds).
    pub fn merge(&mut self, other: &Hist) {
        for b in other.0.iter_recorded() {
            self.record_n(b.value_iterated_to(), b.count_at_value());
        }
    }

    /// The recorded buckets as (highest value of the bucket, count).
    pub fn buckets(&self) -> Vec<(u64, u64)> {
        self.0
            .iter_recorded()
            .map(|b| (b.value_iterated_to(), b.count_at_value()))
            .collect()
    }
}

impl Serialize for Hist {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.buckets().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Hist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut h = Hist::default();
        for (v, n) in Vec::<(u64, u64)>::deserialize(d)? {
            h.record_n(v, n);
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(values: &[f64]) -> Hist {
        let mut h = Hist::default();
        for v in values {
            h.record(*v);
        }
        h
    }

    #[test]
    fn quantiles_of_known_values() {
        let h = of(&(1..=100).map(f64::from).collect::<Vec<_>>());
        assert_eq!(h.count(), 100);
        assert_eq!(h.quantile(0.5), Some(50));
        assert_eq!(h.quantile(0.95), Some(95));
        assert_eq!(h.quantile(0.99), Some(99));
        assert!((h.mean().unwrap() - 50.5).abs() < 1e-9);
        assert_eq!(Hist::default().quantile(0.5), None);
        assert_eq!(Hist::default().mean(), None);
        // Below 1 counts as 1; negative and NaN are not values.
        let h = of(&[0.2, -3.0, f64::NAN]);
        assert_eq!(h.count(), 1);
        assert_eq!(h.quantile(1.0), Some(1));
        // Past an hour counts as an hour, and the counts grow only as far as the values go.
        let h = of(&[1e12, 5.0]);
        assert_eq!(
            h.quantile(1.0),
            Some(h.0.equivalent_range(HIGH) + h.0.lowest_equivalent(HIGH) - 1)
        );
        let small = of(&[100.0, 2000.0]);
        assert!(small.0.distinct_values() < of(&[3e9]).0.distinct_values() / 4);
    }

    #[test]
    fn merging_halves_equals_the_whole_and_survives_json() {
        let all: Vec<f64> = (0..5000).map(|i| (i * 7919 % 100_003) as f64).collect();
        let whole = of(&all);
        let (a, b) = all.split_at(1234);
        let (ha, hb) = (of(a), of(b));
        let ja = serde_json::to_string(&ha).unwrap();
        let jb = serde_json::to_string(&hb).unwrap();
        let mut merged: Hist = serde_json::from_str(&ja).unwrap();
        merged.merge(&serde_json::from_str(&jb).unwrap());
        assert_eq!(merged.count(), whole.count());
        assert_eq!(merged.buckets(), whole.buckets());
        for q in [0.0, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
            assert_eq!(merged.quantile(q), whole.quantile(q), "q={q}");
        }
    }
}

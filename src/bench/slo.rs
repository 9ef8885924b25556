//! Service-level objectives for goodput: `--slo 'ttft_ms<=500,itl_ms<=50,total_ms<=8000'`. A
//! request meets them when it succeeded and every figure named is within its limit. Pure.

use serde::{Deserialize, Serialize};

use crate::answer::AnswerRecord;

/// The limits a request must keep to count in goodput (milliseconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Slo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub itl_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_ms: Option<f64>,
}

impl Slo {
    /// Read `ttft_ms<=500,itl_ms<=50,total_ms<=8000` (`<` is taken as `<=`).
    pub fn parse(spec: &str) -> Result<Slo, String> {
        let mut slo = Slo::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once("<=")
                .or_else(|| part.split_once('<'))
                .ok_or_else(|| format!("--slo {part:?}: write it as name<=milliseconds"))?;
            let ms = value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
                .ok_or_else(|| {
                    format!("--slo {part:?}: {value:?} is not a positive number of ms")
                })?;
            let slot = match name.trim() {
                "ttft_ms" => &mut slo.ttft_ms,
                "itl_ms" => &mut slo.itl_ms,
                "total_ms" => &mut slo.total_ms,
                other => {
                    return Err(format!(
                        "--slo: unknown objective {other:?}; known: ttft_ms, itl_ms, total_ms"
                    ));
                }
            };
            *slot = Some(ms);
        }
        if slo == Slo::default() {
            return Err("--slo names no objective".into());
        }
        Ok(slo)
    }

    /// The request succeeded and kept every limit (a figure it lacks does not keep one).
    pub fn met(&self, r: &AnswerRecord) -> bool {
        let keeps =
            |limit: Option<f64>, v: Option<f64>| limit.is_none_or(|l| v.is_some_and(|v| v <= l));
        r.succeeded()
            && keeps(self.ttft_ms, r.ttft_ms)
            && keeps(self.itl_ms, r.itl_ms)
            && keeps(self.total_ms, r.total_ms)
    }
}

impl std::fmt::Display for Slo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = [
            ("ttft_ms", self.ttft_ms),
            ("itl_ms", self.itl_ms),
            ("total_ms", self.total_ms),
        ]
        .into_iter()
        .filter_map(|(n, v)| Some(format!("{n}<={}", v?)))
        .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectives_parse_and_a_request_meets_them_or_not() {
        let slo = Slo::parse("ttft_ms<=500, total_ms<8000").unwrap();
        assert_eq!(
            (slo.ttft_ms, slo.itl_ms, slo.total_ms),
            (Some(500.0), None, Some(8000.0))
        );
        assert_eq!(slo.to_string(), "ttft_ms<=500,total_ms<=8000");
        let mut r = crate::bench::report::tests::rec(400.0, 7000.0, (1, 1), None);
        assert!(slo.met(&r));
        r.ttft_ms = Some(500.5);
        assert!(!slo.met(&r), "over the TTFT limit");
        r.ttft_ms = None;
        assert!(!slo.met(&r), "no TTFT keeps no TTFT limit");
        r.ttft_ms = Some(500.0);
        r.error = Some(crate::gateway::GatewayError::Other("x".into()));
        assert!(!slo.met(&r), "a failure meets nothing");
        for (bad, says) in [
            ("ttfb_ms<=1", "unknown objective"),
            ("ttft_ms>=1", "name<=milliseconds"),
            ("ttft_ms<=-5", "positive number"),
            ("", "names no objective"),
        ] {
            assert!(Slo::parse(bad).unwrap_err().contains(says), "{bad}");
        }
    }
}

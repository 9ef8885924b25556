//! `--fail-if 'p95_ttft_ms>800,error_rate>0.01'`: gates a run must not cross, for CI, and the
//! limits of a `--sweep`. Pure.

use super::report::{Results, metric_names, number};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }

    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Lt => a < b,
            Op::Le => a <= b,
        }
    }
}

/// One gate: the run fails when `metric op value` is true.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub metric: String,
    pub op: Op,
    pub value: f64,
}

impl std::fmt::Display for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.metric, self.op.as_str(), self.value)
    }
}

/// Read `name>value,name<=value,...`; an unknown name lists the known ones.
pub fn parse(spec: &str) -> Result<Vec<Gate>, String> {
    let names = metric_names();
    let mut gates = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let at = part
            .find(['<', '>', '='])
            .ok_or_else(|| format!("`{part}`: expected NAME>VALUE or NAME<VALUE"))?;
        let (metric, rest) = part.split_at(at);
        let (op, value) = match rest.strip_prefix(">=").or(rest.strip_prefix("=>")) {
            Some(v) => (Op::Ge, v),
            None => match rest.strip_prefix("<=").or(rest.strip_prefix("=<")) {
                Some(v) => (Op::Le, v),
                None if rest.starts_with('>') => (Op::Gt, &rest[1..]),
                None if rest.starts_with('<') => (Op::Lt, &rest[1..]),
                None => {
                    return Err(format!(
                        "`{part}`: expected >, >=, < or <= after `{metric}`"
                    ));
                }
            },
        };
        let metric = metric.trim();
        if !names.iter().any(|n| n == metric) {
            return Err(format!(
                "`{part}`: unknown metric `{metric}`; known: {}",
                names.join(", ")
            ));
        }
        let value: f64 = value
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| format!("`{part}`: `{}` is not a number", value.trim()))?;
        gates.push(Gate {
            metric: metric.to_string(),
            op,
            value,
        });
    }
    if gates.is_empty() {
        return Err("no gate given (e.g. p95_ttft_ms>800,error_rate>0.01)".into());
    }
    Ok(gates)
}

/// A gate a target crossed, and what it measured (`None`: nothing to measure, which counts as
/// crossed: a gate on TTFT is not passed by a model that never answered).
#[derive(Debug, Clone, PartialEq)]
pub struct Crossed {
    pub target: String,
    pub gate: Gate,
    pub actual: Option<f64>,
}

impl std::fmt::Display for Crossed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.actual {
            Some(v) => write!(
                f,
                "{}: {} = {} (gate {})",
                self.target,
                self.gate.metric,
                crate::format::trim_float(v),
                self.gate
            ),
            None => write!(
                f,
                "{}: {} has no value (gate {})",
                self.target, self.gate.metric, self.gate
            ),
        }
    }
}

pub fn evaluate(gates: &[Gate], results: &[Results]) -> Vec<Crossed> {
    let mut out = Vec::new();
    for r in results {
        for g in gates {
            let actual = number(r, &g.metric);
            if actual.is_none_or(|a| g.op.holds(a, g.value)) {
                out.push(Crossed {
                    target: r.target.clone(),
                    gate: g.clone(),
                    actual,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_operator_and_refuses_nonsense() {
        let g = parse(" p95_ttft_ms>800, error_rate>=0.01,pass_rate<0.95 ,judge_mean<=4").unwrap();
        let shown: Vec<String> = g.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "p95_ttft_ms>800",
                "error_rate>=0.01",
                "pass_rate<0.95",
                "judge_mean<=4"
            ]
        );
        assert_eq!(parse("cost_per_1k_usd=>2").unwrap()[0].op, Op::Ge);
        assert_eq!(parse("cost_per_1k_usd=<2").unwrap()[0].op, Op::Le);
        let e = parse("p95_tfft_ms>800").unwrap_err();
        assert!(
            e.contains("unknown metric `p95_tfft_ms`") && e.contains("p95_ttft_ms"),
            "{e}"
        );
        assert!(
            parse("error_rate>lots")
                .unwrap_err()
                .contains("not a number")
        );
        assert!(
            parse("error_rate>inf")
                .unwrap_err()
                .contains("not a number")
        );
        assert!(parse("error_rate").unwrap_err().contains("expected"));
        assert!(parse("error_rate=1").unwrap_err().contains("expected >"));
        assert!(parse(" , ").unwrap_err().contains("no gate"));
        // Names that are not numbers are not gates.
        assert!(parse("target>1").is_err());
        assert!(parse("cost_source>1").is_err());
    }

    #[test]
    fn crossing_is_judged_per_target_and_missing_values_cross() {
        let fast = Results {
            target: "fast".into(),
            p95_ttft_ms: Some(500.0),
            error_rate: Some(0.0),
            ..Default::default()
        };
        let slow = Results {
            target: "slow".into(),
            p95_ttft_ms: Some(800.0),
            error_rate: Some(0.02),
            ..Default::default()
        };
        let dead = Results {
            target: "dead".into(),
            error_rate: Some(1.0),
            ..Default::default()
        };
        let gates = parse("p95_ttft_ms>800,error_rate>0.01").unwrap();
        let crossed = evaluate(&gates, &[fast.clone(), slow.clone(), dead]);
        let shown: Vec<String> = crossed.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "slow: error_rate = 0.02 (gate error_rate>0.01)",
                "dead: p95_ttft_ms has no value (gate p95_ttft_ms>800)",
                "dead: error_rate = 1 (gate error_rate>0.01)",
            ]
        );
        // At the limit: > does not cross, >= does.
        assert!(
            evaluate(
                &parse("p95_ttft_ms>800").unwrap(),
                std::slice::from_ref(&slow)
            )
            .is_empty()
        );
        assert_eq!(
            evaluate(
                &parse("p95_ttft_ms>=800").unwrap(),
                std::slice::from_ref(&slow)
            )
            .len(),
            1
        );
        assert_eq!(
            evaluate(
                &parse("p95_ttft_ms<600").unwrap(),
                std::slice::from_ref(&fast)
            )
            .len(),
            1
        );
        // At the limit: < does not cross, <= does.
        assert!(
            evaluate(
                &parse("p95_ttft_ms<500").unwrap(),
                std::slice::from_ref(&fast)
            )
            .is_empty()
        );
        assert_eq!(
            evaluate(
                &parse("p95_ttft_ms<=500").unwrap(),
                std::slice::from_ref(&fast)
            )
            .len(),
            1
        );
        assert!(evaluate(&parse("p95_ttft_ms<=499").unwrap(), &[fast]).is_empty());
    }
}

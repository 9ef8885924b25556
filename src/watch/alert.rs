//! Alerts from a target's state over time: one when it goes wrong, again at most once per
//! `min_gap` while it stays wrong (or sooner when it gets worse), and one recovery.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Crossed, State};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub at_ms: i64,
    pub target: String,
    /// `drifting`, `failing`, or `ok` for a recovery.
    pub state: State,
    pub crossed: Vec<Crossed>,
}

impl Alert {
    /// One line: `ALERT demo/flaky failing: error_rate 0.60 > 0.50 (6 of the last 10 probes failed)`.
    pub fn line(&self) -> String {
        if self.state == State::Ok {
            return format!(
                "RECOVERED {}: every threshold is within its limit again",
                self.target
            );
        }
        let why: Vec<String> = self
            .crossed
            .iter()
            .map(|c| {
                if c.threshold == "served_by_changed" {
                    c.detail.clone()
                } else {
                    format!(
                        "{} {:.2} > {:.2} ({})",
                        c.threshold, c.value, c.limit, c.detail
                    )
                }
            })
            .collect();
        format!(
            "ALERT {} {}: {}",
            self.target,
            self.state.name(),
            why.join("; ")
        )
    }
}

#[derive(Debug, Default)]
struct Seen {
    state: Option<State>,
    last_alert_ms: Option<i64>,
}

/// Each target's state and when it was last alerted on.
#[derive(Debug)]
pub struct Alerter {
    min_gap_ms: i64,
    targets: BTreeMap<String, Seen>,
}

impl Alerter {
    pub fn new(min_gap_ms: i64) -> Alerter {
        Alerter {
            min_gap_ms,
            targets: BTreeMap::new(),
        }
    }

    /// The target's state now; the alert to raise, if any.
    pub fn step(&mut self, target: &str, now_ms: i64, crossed: Vec<Crossed>) -> Option<Alert> {
        let state = super::drift::state(&crossed);
        let seen = self.targets.entry(target.to_string()).or_default();
        let before = seen.state.replace(state);
        let alert = |state| Alert {
            at_ms: now_ms,
            target: target.to_string(),
            state,
            crossed,
        };
        match (before, state) {
            // Healthy, or healthy again: a recovery is said once.
            (None | Some(State::Ok), State::Ok) => None,
            (Some(_), State::Ok) => {
                seen.last_alert_ms = None;
                Some(alert(State::Ok))
            }
            (b, s) => {
                let worse = b != Some(s);
                let due = seen
                    .last_alert_ms
                    .is_none_or(|t| now_ms - t >= self.min_gap_ms);
                (worse || due).then(|| {
                    seen.last_alert_ms = Some(now_ms);
                    alert(s)
                })
            }
        }
    }

    pub fn state(&self, target: &str) -> Option<State> {
        self.targets.get(target).and_then(|s| s.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str) -> Vec<Crossed> {
        vec![Crossed {
            threshold: name.into(),
            value: 0.6,
            limit: 0.5,
            detail: "6 of the last 10 probes failed".into(),
        }]
    }

    #[test]
    fn alerts_are_rate_limited_and_a_recovery_is_said_once() {
        let mut a = Alerter::new(60_000);
        assert_eq!(
            a.step("m", 0, vec![]),
            None,
            "healthy from the start: nothing"
        );
        let first = a.step("m", 1_000, c("p95_ttft_ms")).unwrap();
        assert_eq!(first.state, State::Drifting);
        assert_eq!(
            a.step("m", 2_000, c("p95_ttft_ms")),
            None,
            "still drifting, within the gap"
        );
        // Worse: said at once.
        let worse = a.step("m", 3_000, c("error_rate")).unwrap();
        assert_eq!(worse.state, State::Failing);
        assert!(
            worse
                .line()
                .starts_with("ALERT m failing: error_rate 0.60 > 0.50 (6 of the last 10"),
            "{}",
            worse.line()
        );
        assert_eq!(a.step("m", 30_000, c("error_rate")), None);
        assert!(
            a.step("m", 63_000, c("error_rate")).is_some(),
            "again after the gap"
        );
        let back = a.step("m", 64_000, vec![]).unwrap();
        assert_eq!(back.state, State::Ok);
        assert!(back.line().starts_with("RECOVERED m"));
        assert_eq!(a.step("m", 65_000, vec![]), None, "once");
        assert_eq!(a.state("m"), Some(State::Ok));
        // Targets are apart.
        assert!(a.step("n", 65_000, c("error_rate")).is_some());
        // The gap is counted from the last alert, late in a run as early in it.
        assert_eq!(a.step("n", 100_000, c("error_rate")), None);
        assert!(a.step("n", 125_000, c("error_rate")).is_some());
    }
}

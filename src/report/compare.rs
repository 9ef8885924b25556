//! A bench run against an earlier one: every figure old and new, and whether it got better. Pure.

use serde::Serialize;

use crate::bench::report::numbers;
use crate::bench::summary::Summary;

#[derive(Serialize)]
pub(super) struct Delta {
    name: String,
    old: String,
    new: String,
    change: String,
    class: &'static str,
}

#[derive(Serialize)]
pub(super) struct Compared {
    target: String,
    rows: Vec<Delta>,
    note: Option<String>,
}

/// Whether a larger value of a figure is better (`None`: neither).
fn higher_is_better(name: &str) -> Option<bool> {
    const HIGHER: [&str; 6] = [
        "tps",
        "pass_rate",
        "judge_mean",
        "goodput",
        "cache_hit_rate",
        "schema_valid_rate",
    ];
    const LOWER: [&str; 4] = ["_ms", "error_rate", "cost", "fallback_rate"];
    if HIGHER.iter().any(|h| name.contains(h)) {
        Some(true)
    } else if LOWER.iter().any(|l| name.contains(l)) {
        Some(false)
    } else {
        None
    }
}

pub(super) fn compare(old: &Summary, new: &Summary) -> Vec<Compared> {
    let show = |v: Option<f64>| {
        v.map_or("-".into(), |x| {
            format!("{x:.4}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        })
    };
    new.results
        .iter()
        .map(|r| {
            let Some(o) = old.results.iter().find(|o| o.target == r.target) else {
                return Compared {
                    target: r.target.clone(),
                    rows: Vec::new(),
                    note: Some("not in the earlier run".into()),
                };
            };
            let rows = numbers(r)
                .into_iter()
                .zip(numbers(o))
                .filter(|((_, n), (_, o))| n.is_some() || o.is_some())
                .map(|((name, new_v), (_, old_v))| {
                    let (change, class) = match (old_v, new_v) {
                        (Some(a), Some(b)) if a == b => ("=".to_string(), ""),
                        (Some(a), Some(b)) => {
                            let change = if a == 0.0 {
                                "from 0".into()
                            } else {
                                format!("{:+.1}%", (b - a) / a.abs() * 100.0)
                            };
                            let class = match higher_is_better(&name) {
                                Some(up) if (b > a) == up => "good",
                                Some(_) => "bad",
                                None => "",
                            };
                            (change, class)
                        }
                        (None, _) => ("new".into(), ""),
                        (_, None) => ("gone".into(), ""),
                    };
                    Delta {
                        name,
                        old: show(old_v),
                        new: show(new_v),
                        change,
                        class,
                    }
                })
                .collect();
            Compared {
                target: r.target.clone(),
                rows,
                note: None,
            }
        })
        .collect()
}

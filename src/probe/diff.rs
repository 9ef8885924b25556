//! A probe against the last one of the same targets: what each target lost or gained since.

use std::collections::BTreeMap;

use super::{Probe, TargetProbe, Verdict};

/// One line per target: what changed since its last probe on this gateway, or that nothing did.
pub fn lines(now: &Probe, earlier: &BTreeMap<String, (i64, TargetProbe)>) -> Vec<String> {
    now.targets
        .iter()
        .map(|t| match earlier.get(&t.target) {
            None => format!(
                "{}: no earlier probe on this gateway to compare with",
                t.target
            ),
            Some((at, old)) => {
                let since = crate::clock::fmt_utc(*at);
                let changes = changes(old, t);
                if changes.is_empty() {
                    format!("{}: nothing changed since {since}", t.target)
                } else {
                    format!("{}: {} since {since}", t.target, changes.join("; "))
                }
            }
        })
        .collect()
}

/// "lost json_schema", "gained tools", "stop: no -> error" for every capability both probed.
pub fn changes(old: &TargetProbe, new: &TargetProbe) -> Vec<String> {
    let mut out = Vec::new();
    for cell in &new.cells {
        let Some(before) = old.cell(cell.capability) else {
            continue;
        };
        let (a, b) = (before.verdict, cell.verdict);
        let name = cell.capability.name();
        match (a, b) {
            _ if a == b => {}
            (Verdict::Yes, _) => out.push(format!("lost {name} (now {})", b.name())),
            (_, Verdict::Yes) => out.push(format!("gained {name}")),
            _ => out.push(format!("{name}: {} -> {}", a.name(), b.name())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::{Capability, Cell};

    fn target(cells: &[(Capability, Verdict)]) -> TargetProbe {
        TargetProbe {
            target: "m".into(),
            cells: cells
                .iter()
                .map(|(c, v)| Cell {
                    capability: *c,
                    verdict: *v,
                    reason: String::new(),
                    evidence: Default::default(),
                    claimed: None,
                    refuted: false,
                })
                .collect(),
            violations: vec![],
            tolerated: Default::default(),
            streams_checked: 0,
        }
    }

    #[test]
    fn lost_gained_and_changed_are_said_with_the_date() {
        use Capability as C;
        let old = target(&[
            (C::JsonSchema, Verdict::Yes),
            (C::Tools, Verdict::No),
            (C::Stop, Verdict::No),
            (C::Seed, Verdict::Yes),
        ]);
        let new = target(&[
            (C::JsonSchema, Verdict::Partial),
            (C::Tools, Verdict::Yes),
            (C::Stop, Verdict::Error),
            (C::Seed, Verdict::Yes),
            (C::N, Verdict::No),
        ]);
        assert_eq!(
            changes(&old, &new),
            [
                "lost json_schema (now partial)",
                "gained tools",
                "stop: no -> error"
            ]
        );
        let probe = Probe {
            format: String::new(),
            gatebench_version: String::new(),
            at_unix_ms: 0,
            base_url: String::new(),
            targets: vec![new.clone()],
        };
        let earlier = BTreeMap::from([("m".to_string(), (1_795_509_725_000, old))]);
        assert_eq!(
            lines(&probe, &earlier),
            [
                "m: lost json_schema (now partial); gained tools; stop: no -> error since 2026-11-24 08:42 UTC"
            ]
        );
        let same = BTreeMap::from([("m".to_string(), (0, new))]);
        assert_eq!(
            lines(&probe, &same),
            ["m: nothing changed since 1970-01-01 00:00 UTC"]
        );
        assert_eq!(
            lines(&probe, &BTreeMap::new()),
            ["m: no earlier probe on this gateway to compare with"]
        );
    }
}

//! Golden files of every output format, from hand-made statistics.

use super::*;
use crate::answer::Hop;
use crate::bench::report::tests::{fixture, hop, rec};
use crate::bench::stats::TargetStats;
use crate::bench::summary::FORMAT;
use crate::gateway::ErrorKind;
use crate::metrics::CostSource;

fn summary() -> Summary {
    let mut route = TargetStats::new("fb, \"quoted\"", &["a".into(), "b".into()]);
    let mut fell = rec(500.0, 900.0, (100, 40), Some((0.002, CostSource::Gateway)));
    fell.hops = vec![
        hop("a", Some(ErrorKind::ServerError)),
        Hop { ..hop("b", None) },
    ];
    fell.served_total_ms = Some(600.0);
    route.add(&fell, 1, &[], None);
    let mut direct = rec(0.42, 8.1, (100, 60), Some((0.004, CostSource::Gateway)));
    direct.hops = vec![hop("a", None)];
    route.add(&direct, 2, &[], None);
    let mut s = Summary {
        format: FORMAT.into(),
        gatebench_version: "0.1.0".into(),
        started_unix_ms: 1_700_000_000_000,
        elapsed_s: 12.5,
        base_url: "http://127.0.0.1:4000/v1".into(),
        workload: "w.jsonl".into(),
        load: "closed loop, 4 in flight per target".into(),
        per_day: Some(50_000),
        targets: vec![fixture(), route],
        ..Default::default()
    };
    s.derive();
    s
}

#[test]
fn table() {
    insta::assert_snapshot!(super::table(&summary()));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(super::markdown(&summary()));
}

#[test]
fn csv() {
    insta::assert_snapshot!(super::csv(&summary()));
}

#[test]
fn json_round_trips_to_the_same_figures() {
    let s = summary();
    let text = render(&s, Format::Json);
    let back = Summary::from_json(&text).unwrap();
    assert_eq!(back, s);
    assert!(Summary::from_json("{\"format\":\"other\"}").is_err());
    let wrong = text.replace(FORMAT, "gatebench-bench/0");
    assert!(
        Summary::from_json(&wrong)
            .unwrap_err()
            .contains("not a gatebench bench summary")
    );
}

#[test]
fn comparison() {
    let old = summary();
    let mut new = summary();
    new.targets[0].ttft_us.record(900_000.0);
    new.targets[0].requests += 1;
    new.targets[0].succeeded += 1;
    new.targets.pop();
    new.derive();
    insta::assert_snapshot!(compare(&old, &new));
}

#[test]
fn a_bill_more_than_one_percent_from_tokens_x_price_is_noted_and_merges_exactly() {
    let mut t = TargetStats::new("m", &["m".into()]);
    let mut r = rec(10.0, 20.0, (100, 40), Some((0.0102, CostSource::Gateway)));
    (r.cost_gateway_usd, r.cost_computed_usd) = (Some(0.0102), Some(0.0100));
    t.add(&r, 1, &[], None);
    assert_eq!(t.bill.requests, 1);
    assert!(t.bill.differs());
    let note = bills(std::slice::from_ref(&t));
    assert_eq!(
        note,
        "note: m: the gateway billed $0.0102 for 1 answers; tokens x price give $0.0100 (+2.0%)\n"
    );
    // Within 1%: nothing to say. A shard merges its sums.
    let mut close = TargetStats::new("m", &["m".into()]);
    (r.cost_gateway_usd, r.cost_computed_usd) = (Some(0.01005), Some(0.0100));
    close.add(&r, 1, &[], None);
    assert!(bills(std::slice::from_ref(&close)).is_empty());
    close.merge(&t);
    assert_eq!(close.bill.requests, 2);
    assert!((close.bill.gateway_usd - 0.02025).abs() < 1e-12);
    assert!((close.bill.diff_pct().unwrap() - 1.25).abs() < 1e-9);
    // Answers without both figures are not in it.
    r.cost_gateway_usd = None;
    close.add(&r, 1, &[], None);
    assert_eq!(close.bill.requests, 2);
}

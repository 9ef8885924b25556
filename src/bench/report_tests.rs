//! Aggregation maths against hand-computed fixtures.

use std::collections::BTreeMap;

use super::*;
use crate::answer::{AnswerRecord, Hop};
use crate::bench::checks::{CheckKind, Verdict};
use crate::bench::stats::{JudgeVerdict, TargetStats};
use crate::gateway::{ErrorKind, GatewayError};
use crate::metrics::CostSource;

pub(crate) fn rec(
    ttft: f64,
    total: f64,
    tokens: (u64, u64),
    cost: Option<(f64, CostSource)>,
) -> AnswerRecord {
    AnswerRecord {
        model: "m".into(),
        text: "an answer".into(),
        reasoning: String::new(),
        ttft_ms: Some(ttft),
        ttfr_ms: None,
        total_ms: Some(total),
        served_ttft_ms: Some(ttft),
        served_total_ms: Some(total),
        itl_ms: Some(10.0),
        input_tokens: Some(tokens.0),
        cached_input_tokens: Some(0),
        output_tokens: Some(tokens.1),
        reasoning_tokens: Some(0),
        tokens_per_s: None,
        decode_tokens_per_s: Some(100.0),
        cost_usd: cost.map(|c| c.0),
        cost_source: cost.map(|c| c.1),
        cost_gateway_usd: cost.filter(|c| c.1 == CostSource::Gateway).map(|c| c.0),
        cost_computed_usd: cost.filter(|c| c.1 != CostSource::Gateway).map(|c| c.0),
        gateway_overhead_ms: None,
        key_spend_usd: None,
        estimated: false,
        finish_reason: None,
        served_model: None,
        route: None,
        rule: None,
        hops: vec![hop("m", None)],
        gateway_fallbacks: None,
        gateway_target: None,
        gateway_retries: None,
        gateway_cache: None,
        gateway_provider: None,
        tool_calls: Vec::new(),
        steps: Vec::new(),
        stopped: None,
        rate_limit: None,
        generation_id: None,
        server_timings: None,
        error: None,
        error_kind: None,
        hop_model: "m".into(),
        gaps: Default::default(),
    }
}

pub(crate) fn hop(model: &str, failure: Option<ErrorKind>) -> Hop {
    Hop {
        model: model.into(),
        attempt: 0,
        error: failure.map(|_| "x".into()),
        brief: None,
        failure,
        ms: 1.0,
        backoff_ms: None,
        failed_after_content: false,
    }
}

fn failed(kind: ErrorKind) -> AnswerRecord {
    AnswerRecord {
        error: Some(GatewayError::Other("boom".into())),
        error_kind: Some(kind),
        cost_usd: None,
        cost_source: None,
        input_tokens: None,
        output_tokens: None,
        hops: vec![hop("m", Some(kind))],
        ..rec(0.0, 0.0, (0, 0), None)
    }
}

fn pass(check: CheckKind, passed: bool) -> Verdict {
    Verdict {
        check,
        passed,
        why: (!passed).then(|| "nope".into()),
    }
}

/// Four answers and one failure, by hand:
/// TTFT 100, 200, 300, 400 ms; tokens in 10+20+30+40 = 100 over 4, out 5+5+5+5 = 20 over 4;
/// costs 0.001 x 3 (models) and one unpriced; 1 of 5 failed.
pub(crate) fn fixture() -> TargetStats {
    let mut s = TargetStats::new("m", &[]);
    for (r, line, verdicts, judge) in requests() {
        s.add(&r, line, &verdicts, judge.as_ref());
    }
    s
}

type Request = (AnswerRecord, usize, Vec<Verdict>, Option<JudgeVerdict>);

/// The fixture's five requests, in order.
fn requests() -> Vec<Request> {
    let models = Some((0.001, CostSource::Models));
    let judged = JudgeVerdict {
        score: Some(4),
        reason: "fine".into(),
        input_tokens: Some(50),
        output_tokens: Some(6),
        cost_usd: Some(0.5),
    };
    vec![
        (
            rec(100.0, 1000.0, (10, 5), models),
            1,
            vec![pass(CheckKind::Expect, true)],
            None,
        ),
        (
            rec(200.0, 1000.0, (20, 5), models),
            2,
            vec![pass(CheckKind::Expect, false)],
            None,
        ),
        (
            rec(300.0, 1000.0, (30, 5), models),
            3,
            vec![pass(CheckKind::Regex, true)],
            None,
        ),
        (rec(400.0, 1000.0, (40, 5), None), 4, vec![], Some(judged)),
        (failed(ErrorKind::RateLimited), 5, vec![], None),
    ]
}

/// HDR histograms keep three significant digits: a quantile is its bucket's highest value.
fn near(a: Option<f64>, b: f64) {
    let a = a.unwrap_or(f64::NAN);
    assert!((a - b).abs() <= b.abs() * 1e-3, "{a} vs {b}");
}

#[test]
fn figures_from_a_hand_computed_fixture() {
    let r = results(&fixture(), Some(10_000));
    assert_eq!((r.requests, r.succeeded), (5, 4));
    assert_eq!(r.error_rate, Some(0.2));
    assert_eq!(r.errors, BTreeMap::from([(ErrorKind::RateLimited, 1)]));
    near(r.p50_ttft_ms, 200.0);
    near(r.p95_ttft_ms, 400.0);
    near(r.p99_ttft_ms, 400.0);
    near(r.p50_itl_ms, 10.0);
    near(r.p50_total_ms, 1000.0);
    near(r.p50_decode_tps, 100.0);
    assert_eq!(r.mean_input_tokens, Some(25.0));
    assert_eq!(r.mean_output_tokens, Some(5.0));
    assert_eq!(r.tokens_estimated, Some(0.0));
    // Three priced at 0.001: 0.001 a request, 1.0 per 1k, 10 a day, 300 per 30 days.
    let close = |a: Option<f64>, b: f64| assert!((a.unwrap() - b).abs() < 1e-9, "{a:?} vs {b}");
    close(r.cost_per_request_usd, 0.001);
    close(r.cost_per_1k_usd, 1.0);
    close(r.cost_per_day_usd, 10.0);
    close(r.cost_per_30_days_usd, 300.0);
    assert_eq!(r.cost_source.as_deref(), Some("models"));
    assert_eq!(r.priced_rate, Some(0.6));
    // Checks: expect 1 of 2, regex 1 of 1: 2 of 3 overall.
    close(r.pass_rate, 2.0 / 3.0);
    assert_eq!(r.pass_rates["expect"], 0.5);
    assert_eq!(r.pass_rates["regex"], 1.0);
    assert_eq!(r.judge_mean, Some(4.0));
    assert_eq!(r.judge_scored, 1);
    assert_eq!(r.judge_cost_usd, Some(0.5), "the judge's cost, apart");
    assert_eq!(r.fallback_rate, Some(0.0));
    assert_eq!(r.served_by, BTreeMap::from([("m".to_string(), 4)]));
    // The failed expect is listed with its line.
    let s = fixture();
    assert_eq!(s.failed_checks.len(), 1);
    assert_eq!(
        (s.failed_checks[0].line, s.failed_checks[0].check.as_str()),
        (2, "expect")
    );
}

#[test]
fn routes_count_who_served_and_what_fallback_added() {
    let mut s = TargetStats::new("r", &["a".into(), "b".into()]);
    let mut fell = rec(500.0, 900.0, (1, 1), Some((0.01, CostSource::Gateway)));
    fell.hops = vec![hop("a", Some(ErrorKind::ServerError)), hop("b", None)];
    fell.served_total_ms = Some(600.0);
    s.add(&fell, 1, &[], None);
    let mut direct = rec(100.0, 400.0, (1, 1), Some((0.02, CostSource::Config)));
    direct.hops = vec![hop("a", None)];
    s.add(&direct, 1, &[], None);
    let r = results(&s, None);
    assert_eq!(
        r.served_by,
        BTreeMap::from([("a".into(), 1), ("b".into(), 1)])
    );
    assert_eq!(r.fallback_rate, Some(0.5));
    near(r.fallback_added_p50_ms, 300.0);
    assert_eq!(r.cost_source.as_deref(), Some("mixed"));
    assert_eq!(r.cost_per_day_usd, None, "no --per-day, no projection");
    assert_eq!(r.pass_rate, None);
    assert_eq!(r.judge_cost_usd, None);
}

#[test]
fn nothing_priced_has_no_source_and_a_failed_judge_still_costs() {
    let mut s = TargetStats::new("m", &[]);
    s.add(&failed(ErrorKind::ServerError), 1, &[], None);
    let r = results(&s, Some(10));
    assert_eq!(
        (r.cost_source, r.cost_per_request_usd, r.cost_per_day_usd),
        (None, None, None)
    );
    assert_eq!(r.error_rate, Some(1.0));
    // The judge answered without a score: no mean, but its cost is counted.
    let unscored = JudgeVerdict {
        score: None,
        reason: "no score".into(),
        input_tokens: Some(10),
        output_tokens: Some(3),
        cost_usd: Some(0.25),
    };
    s.add(&rec(1.0, 2.0, (1, 1), None), 2, &[], Some(&unscored));
    let r = results(&s, None);
    assert_eq!(
        (r.judge_mean, r.judge_scored, r.judge_cost_usd),
        (None, 0, Some(0.25))
    );
    assert_eq!(s.failed_checks[0].check, "judge");
}

#[test]
fn the_gateways_own_fallbacks_are_counted_apart() {
    let mut s = TargetStats::new("flaky", &[]);
    for (fallbacks, served) in [
        (Some(1), "small"),
        (Some(2), "small"),
        (Some(0), "flaky"),
        (None, "flaky"),
    ] {
        let mut r = rec(10.0, 20.0, (1, 1), None);
        r.gateway_fallbacks = fallbacks;
        r.served_model = Some(served.into());
        s.add(&r, 1, &[], None);
    }
    let r = results(&s, None);
    assert_eq!(r.gateway_fallback_rate, Some(0.5));
    assert_eq!(
        r.gateway_served,
        BTreeMap::from([("flaky".into(), 2), ("small".into(), 2)])
    );
    // A failed request counts in neither.
    s.add(&failed(ErrorKind::ServerError), 2, &[], None);
    assert_eq!(results(&s, None).gateway_fallback_rate, Some(0.5));
    // A failed check read back from an older file without `times` counts once.
    let f: crate::bench::stats::FailedCheck =
        serde_json::from_str(r#"{"line":1,"check":"regex","why":"x","answer_start":"y"}"#).unwrap();
    assert_eq!(f.times, 1);
}

#[test]
fn sums_estimates_judge_spend_and_repeated_failures_are_kept_exactly() {
    let mut s = TargetStats::new("m", &[]);
    let mut est = rec(1.0, 2.0, (10, 4), Some((0.5, CostSource::Config)));
    est.estimated = true;
    s.add(&est, 1, &[], None);
    s.add(
        &rec(1.0, 2.0, (30, 6), Some((0.25, CostSource::Config))),
        1,
        &[],
        None,
    );
    assert_eq!(
        (s.counted, s.input_tokens, s.output_tokens, s.estimated),
        (2, 40, 10, 1)
    );
    assert_eq!(s.cost_sources, BTreeMap::from([(CostSource::Config, 2)]));
    assert_eq!(results(&s, None).tokens_estimated, Some(0.5));
    let j = |score| JudgeVerdict {
        score,
        reason: "r".into(),
        input_tokens: Some(100),
        output_tokens: Some(7),
        cost_usd: Some(0.125),
    };
    s.add(&rec(1.0, 2.0, (1, 1), None), 1, &[], Some(&j(Some(5))));
    s.add(&rec(1.0, 2.0, (1, 1), None), 1, &[], Some(&j(Some(2))));
    let js = &s.judge;
    assert_eq!((js.scored, js.score_sum, js.unscored), (2, 7, 0));
    assert_eq!(
        (js.input_tokens, js.output_tokens, js.cost_usd),
        (200, 14, 0.25)
    );
    // The same failure on the same line is counted on one entry; another line is its own.
    let no = |check| [pass(check, false)];
    for line in [3, 3, 3, 4] {
        s.add(
            &rec(1.0, 2.0, (1, 1), None),
            line,
            &no(CheckKind::Regex),
            None,
        );
    }
    s.add(
        &rec(1.0, 2.0, (1, 1), None),
        3,
        &no(CheckKind::Expect),
        None,
    );
    let kept: Vec<(usize, &str, u64)> = s
        .failed_checks
        .iter()
        .map(|f| (f.line, f.check.as_str(), f.times))
        .collect();
    assert_eq!(kept, [(3, "regex", 3), (4, "regex", 1), (3, "expect", 1)]);
    // At most KEEP_FAILED distinct failures are kept; repeats of kept ones still count.
    let mut full = TargetStats::new("m", &[]);
    for line in 0..crate::bench::stats::KEEP_FAILED + 5 {
        full.add(
            &rec(1.0, 2.0, (1, 1), None),
            line,
            &no(CheckKind::Regex),
            None,
        );
    }
    full.add(&rec(1.0, 2.0, (1, 1), None), 0, &no(CheckKind::Regex), None);
    assert_eq!(full.failed_checks.len(), crate::bench::stats::KEEP_FAILED);
    assert_eq!(full.failed_checks[0].times, 2);
    // Merged, the counts add up and repeats join.
    let mut twice = s.clone();
    twice.merge(&s);
    assert_eq!((twice.estimated, twice.judge.input_tokens), (2, 400));
    assert_eq!(twice.failed_checks[0].times, 6);
    assert_eq!(
        twice.cost_sources,
        BTreeMap::from([(CostSource::Config, 4)])
    );
}

/// Requests of every kind a target can see: fallbacks of ours and the gateway's, estimates, checks,
/// a scored and an unscored judge, failures. Costs are exact in binary, so sums do not round.
fn every_kind() -> Vec<Request> {
    let mut fell = rec(500.0, 900.0, (100, 40), Some((0.5, CostSource::Gateway)));
    fell.hops = vec![hop("a", Some(ErrorKind::ServerError)), hop("b", None)];
    fell.served_total_ms = Some(600.0);
    let mut theirs = rec(50.0, 90.0, (10, 4), Some((0.25, CostSource::Models)));
    theirs.gateway_fallbacks = Some(1);
    theirs.served_model = Some("small".into());
    let mut est = rec(5.0, 9.0, (1, 1), None);
    est.estimated = true;
    let judge = |score| JudgeVerdict {
        score,
        reason: "r".into(),
        input_tokens: Some(10),
        output_tokens: Some(2),
        cost_usd: Some(0.125),
    };
    vec![
        (
            fell,
            1,
            vec![pass(CheckKind::Regex, false)],
            Some(judge(Some(3))),
        ),
        (
            theirs,
            2,
            vec![pass(CheckKind::Expect, true)],
            Some(judge(None)),
        ),
        (est, 1, vec![pass(CheckKind::Regex, false)], None),
        (failed(ErrorKind::Timeout), 3, vec![], None),
    ]
}

#[test]
fn any_split_merged_equals_the_whole() {
    let reqs = every_kind();
    let mut whole = TargetStats::new("t", &[]);
    for (r, line, v, j) in &reqs {
        whole.add(r, *line, v, j.as_ref());
    }
    for cut in 0..=reqs.len() {
        let (mut a, mut b) = (TargetStats::new("t", &[]), TargetStats::new("t", &[]));
        for (i, (r, line, v, j)) in reqs.iter().enumerate() {
            let into = if i < cut { &mut a } else { &mut b };
            into.add(r, *line, v, j.as_ref());
        }
        a.merge(&b);
        assert_eq!(a, whole, "split at {cut}");
    }
    assert_eq!((whole.fallback_requests, whole.gateway_fallbacks), (1, 1));
    assert_eq!((whole.judge.scored, whole.judge.unscored), (1, 1));
    assert_eq!(whole.failed_checks[0].times, 2);
}

#[test]
fn merged_halves_give_the_figures_of_the_whole() {
    let whole = fixture();
    let mut a = TargetStats::new("m", &[]);
    let mut b = TargetStats::new("m", &[]);
    // The first and the last request in one shard, the rest in the other.
    for (i, (r, line, verdicts, judge)) in requests().into_iter().enumerate() {
        let into = if i == 0 || i == 4 { &mut a } else { &mut b };
        into.add(&r, line, &verdicts, judge.as_ref());
    }
    a.merge(&b);
    assert_eq!(results(&a, Some(7)), results(&whole, Some(7)));
    // And through JSON, as `bench merge` reads shard files.
    let back: TargetStats = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(results(&back, None), results(&whole, None));
}

#[test]
fn every_numeric_figure_has_a_name_and_nothing_else_does() {
    let names = metric_names();
    for n in [
        "requests",
        "error_rate",
        "p95_ttft_ms",
        "cost_per_1k_usd",
        "pass_rate",
        "judge_mean",
        "cost_per_day_usd",
    ] {
        assert!(names.iter().any(|x| x == n), "{n}");
    }
    for n in ["target", "errors", "cost_source", "pass_rates", "served_by"] {
        assert!(!names.iter().any(|x| x == n), "{n}");
    }
    let r = results(&fixture(), None);
    assert_eq!(number(&r, "error_rate"), Some(0.2));
    near(number(&r, "p50_ttft_ms"), 200.0);
    assert_eq!(number(&r, "cost_per_day_usd"), None);
    assert_eq!(number(&r, "no_such"), None);
}

#[test]
fn cached_answers_are_counted_apart_and_kept_out_of_latency_unless_asked() {
    let hit = AnswerRecord {
        gateway_cache: Some("HIT".into()),
        ..rec(1.0, 2.0, (1, 1), None)
    };
    let fresh = rec(300.0, 900.0, (1, 1), None);
    let run = |in_latency: bool| {
        let mut s = TargetStats {
            cached_in_latency: in_latency,
            ..TargetStats::new("m", &[])
        };
        s.add(&hit, 1, &[], None);
        s.add(&fresh, 2, &[], None);
        s
    };
    let apart = run(false);
    assert_eq!((apart.succeeded, apart.cached), (2, 1));
    assert_eq!(
        apart.ttft_us.count(),
        1,
        "the cached answer's TTFT is left out"
    );
    let r = results(&apart, None);
    assert_eq!((r.cached, r.cached_in_latency), (1, false));
    assert_eq!(r.p50_ttft_ms.map(f64::round), Some(300.0));
    let counted = run(true);
    assert_eq!((counted.cached, counted.ttft_us.count()), (1, 2));
    let mut merged = apart.clone();
    merged.merge(&apart);
    assert_eq!(merged.cached, 2);
}

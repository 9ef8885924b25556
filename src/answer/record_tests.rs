//! Settling answers: cost sources, estimates, prices, gateway headers, routes, failures.
use std::time::Instant;

use super::*;
use crate::answer::Collector;
use crate::gateway::wire::{Chunk, Message};

fn rec(o: Outcome, listed: &[ModelInfo], config: Option<&Prices>) -> AnswerRecord {
    let configured = config
        .map(|p| [("m".to_string(), *p)].into())
        .unwrap_or_default();
    settle(
        &RouteOutcome::single(o),
        false,
        &PriceBook::new(listed, &configured),
    )
}

fn outcome(usage: Option<Usage>, header: Option<&str>) -> Outcome {
    let t0 = Instant::now();
    let mut c = Collector::new(t0);
    c.push(
        t0,
        &Chunk {
            content: Some("hello world".into()),
            ..Default::default()
        },
    );
    c.push(
        t0,
        &Chunk {
            usage,
            finish_reason: Some(FinishReason::Stop),
            ..Default::default()
        },
    );
    c.finish(t0);
    let headers = header.map(|h| {
        let mut m = reqwest::header::HeaderMap::new();
        m.insert("x-litellm-response-cost", h.parse().unwrap());
        m
    });
    Outcome {
        model: "m".into(),
        prompt: vec![Message::user("say hello world")],
        collector: c,
        headers,
        error: None,
    }
}

fn listed() -> Vec<ModelInfo> {
    vec![ModelInfo {
        id: "m".into(),
        prices: Prices {
            input: Some(1.0),
            output: Some(2.0),
            ..Default::default()
        },
        ..Default::default()
    }]
}

#[test]
fn each_cost_source() {
    let u = Usage {
        input_tokens: 1_000_000,
        output_tokens: 1_000_000,
        ..Default::default()
    };
    let gw = Usage {
        cost_usd: Some(0.5),
        ..u
    };
    let r = rec(outcome(Some(gw), None), &listed(), None);
    assert_eq!(
        (r.cost_usd, r.cost_source),
        (Some(0.5), Some(CostSource::Gateway))
    );
    let r = rec(outcome(Some(u), Some("0.25")), &listed(), None);
    assert_eq!(
        (r.cost_usd, r.cost_source),
        (Some(0.25), Some(CostSource::Gateway))
    );
    let r = rec(outcome(Some(u), None), &listed(), None);
    assert_eq!(
        (r.cost_usd, r.cost_source),
        (Some(3.0), Some(CostSource::Models))
    );
    let cfg = Prices {
        input: Some(10.0),
        output: Some(10.0),
        ..Default::default()
    };
    let r = rec(outcome(Some(u), None), &[], Some(&cfg));
    assert_eq!(
        (r.cost_usd, r.cost_source),
        (Some(20.0), Some(CostSource::Config))
    );
    let r = rec(outcome(Some(u), None), &[], None);
    assert_eq!((r.cost_usd, r.cost_source), (None, None));
    assert!(!r.estimated);
}

#[test]
fn estimate_path_is_marked() {
    let r = rec(outcome(None, None), &listed(), None);
    assert!(r.estimated);
    assert_eq!(r.output_tokens, Some(2));
    assert_eq!(
        r.input_tokens,
        Some(crate::metrics::estimate_prompt_tokens(&[Message::user(
            "say hello world"
        )]))
    );
    assert_eq!(r.cost_source, Some(CostSource::Models));
}

#[test]
fn prices_listed_first_then_configured() {
    let cfg = Prices {
        input: Some(9.0),
        output: Some(9.0),
        ..Default::default()
    };
    let book = PriceBook::new(
        &listed(),
        &[("m".to_string(), cfg), ("c".to_string(), cfg)].into(),
    );
    assert_eq!(book.get("m").unwrap().input, Some(1.0));
    assert_eq!(book.get("c").unwrap().input, Some(9.0));
    assert_eq!(book.get("nope"), None);
    // A listed model without prices does not hide the configured ones.
    let unpriced = vec![ModelInfo {
        id: "c".into(),
        ..Default::default()
    }];
    assert_eq!(
        PriceBook::new(&unpriced, &[("c".to_string(), cfg)].into()).get("c"),
        Some(cfg)
    );
}

#[test]
fn gateway_headers_and_routes_settle_into_the_record() {
    let mut o = outcome(None, None);
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("x-litellm-model-group", "backup-model".parse().unwrap());
    h.insert("x-litellm-attempted-fallbacks", "2".parse().unwrap());
    h.insert("x-generation-id", "gen-1".parse().unwrap());
    h.insert("x-litellm-model-id", " ".parse().unwrap());
    o.headers = Some(h);
    let first = Hop {
        model: "m".into(),
        attempt: 0,
        error: Some("boom".into()),
        brief: None,
        failure: Some(ErrorKind::ServerError),
        ms: 5.0,
        backoff_ms: Some(10.0),
        failed_after_content: false,
    };
    let other = Hop {
        model: "x".into(),
        ..first.clone()
    };
    let t0 = o.collector.sent_at();
    let r = RouteOutcome {
        rule: None,
        route: "r".into(),
        hops: vec![first.clone(), other, first],
        last: o,
        started: t0,
        ended: t0,
    };
    let rec = settle(&r, true, &PriceBook::new(&listed(), &BTreeMap::new()));
    assert_eq!(rec.model, "r");
    assert_eq!(rec.route.as_deref(), Some("r"));
    assert_eq!(rec.hop_model, "m");
    assert_eq!(rec.served_model.as_deref(), Some("backup-model"));
    assert_eq!(rec.gateway_fallbacks, Some(2));
    assert_eq!(rec.generation_id.as_deref(), Some("gen-1"));
    assert_eq!(rec.hops.len(), 4);
    // The answering hop counts the earlier attempts on the same model (two on m, one on x).
    assert_eq!(rec.hops[3].attempt, 2);
    assert!(rec.hops[3].error.is_none());
    assert!(rec.succeeded());
    let u = rec.usage().unwrap();
    assert_eq!(u.output_tokens, rec.output_tokens.unwrap());
    assert_eq!(u.input_tokens, rec.input_tokens.unwrap());
    // Unnamed: the model is the hop's own.
    let plain = settle(&r, false, &PriceBook::default());
    assert_eq!(plain.model, "m");
    assert_eq!(plain.route, None);
    assert_eq!(plain.cost_usd, None);
}

#[test]
fn failed_answers_and_missing_counts() {
    let mut o = outcome(None, None);
    o.error = Some(GatewayError::Cancelled);
    o.collector = Collector::new(o.collector.sent_at());
    let rec = settle(&RouteOutcome::single(o), false, &PriceBook::default());
    assert!(!rec.succeeded());
    assert_eq!(rec.error_kind, Some(ErrorKind::Cancelled));
    assert_eq!(rec.usage(), None);
    assert!(!rec.estimated);
    assert_eq!(
        rec.hops.len(),
        0,
        "a failed single attempt adds no answering hop"
    );
    let json = serde_json::to_value(&rec).unwrap();
    assert_eq!(json["ttft_ms"], serde_json::Value::Null);
    let mut r2 = rec.clone();
    r2.total_ms = Some(1641.3350799999998);
    r2.cost_usd = Some(0.000_123_456_789_9);
    r2.tokens_per_s = Some(161.234_567);
    let j = serde_json::to_string(&r2).unwrap();
    assert!(j.contains("\"total_ms\":1641.335,"), "{j}");
    assert!(j.contains("\"cost_usd\":0.000123457,"), "{j}");
    assert!(j.contains("\"tokens_per_s\":161.23,"), "{j}");
    assert_eq!(json["error"], "cancelled");
    assert_eq!(json["error_kind"], "cancelled");
    assert!(json.get("hop_model").is_none() && json.get("figures").is_none());
}

#[test]
fn scrubbing_reaches_every_text_of_the_record() {
    let key = crate::secret::Secret::new("sk-test-0123456789");
    let k = key.expose();
    let mut r = rec(outcome(None, None), &listed(), None);
    r.text = format!("echo {k}");
    r.model = format!("m-{k}");
    r.served_model = Some(format!("served {k}"));
    r.generation_id = Some(k.to_string());
    r.finish_reason = Some(FinishReason::Other(format!("odd {k}")));
    r.server_timings = Some(serde_json::json!({ "note": [format!("{k}")], k: 1 }));
    r.hops = vec![Hop {
        model: "h".into(),
        attempt: 0,
        error: Some(format!("HTTP 500 Bearer {k}")),
        brief: Some(k.to_string()),
        failure: None,
        ms: 1.0,
        backoff_ms: None,
        failed_after_content: false,
    }];
    r.tool_calls = vec![ToolCall {
        id: Some(k.to_string()),
        name: "f".into(),
        arguments: format!("{{\"key\":\"{k}\"}}"),
    }];
    r.steps = vec![crate::answer::steps::AgentStep {
        step: 1,
        ttft_ms: None,
        total_ms: None,
        input_tokens: None,
        output_tokens: None,
        cost_usd: None,
        finish_reason: Some(k.to_string()),
        tool_calls: vec![crate::answer::steps::CallReport {
            id: "c".into(),
            name: "f".into(),
            arguments: k.to_string(),
            invalid: Some(k.to_string()),
            result: Some(k.to_string()),
        }],
        error: Some(k.to_string()),
    }];
    r.scrub(Some(&key));
    let all = format!("{r:?}");
    assert!(!all.contains(k), "{all}");
    assert_eq!(r.text, "echo ****");
    assert_eq!(r.server_timings.unwrap()["****"], 1);
}

//! Routes against the demo gateway with injected faults: each failure kind triggers exactly the
//! configured behaviour, and the server counts every request, so nothing is ever sent twice.

use std::collections::HashMap;
use std::time::Duration;

use gatebench::demo::models::FaultSpec;
use gatebench::demo::{self, DemoConfig, DemoHandle};
use gatebench::gateway::ErrorKind as Failure;
use gatebench::gateway::wire::{ChatRequest, Message};
use gatebench::gateway::{Client, Endpoint, GatewayError, Timeouts};
use gatebench::route::{self, Next, Route, RouteConfig, RouteEvent, RouteOutcome};
use gatebench::secret::Secret;
use tokio_util::sync::CancellationToken;

const PRIMARY: &str = "demo/pro-large";
const BACKUP: &str = "demo/fast-mini";

async fn gateway(speed: f64, faults: &[(&str, FaultSpec)]) -> DemoHandle {
    demo::spawn(DemoConfig {
        speed,
        faults: faults
            .iter()
            .map(|(m, f)| (m.to_string(), f.clone()))
            .collect(),
        ..Default::default()
    })
    .await
    .unwrap()
}

fn client(base_url: &str, key: &str) -> Client {
    Client::new(Endpoint {
        base_url: base_url.into(),
        api_key: Some(Secret::new(key)),
        key_env: None,
        headers: vec![],
        key_header: None,
        timeouts: Timeouts::default(),
        limits: Default::default(),
        api: Default::default(),
    })
    .unwrap()
}

fn route(chain: &[&str], f: impl FnOnce(&mut RouteConfig)) -> Route {
    let mut c = RouteConfig {
        chain: chain.iter().map(|s| s.to_string()).collect(),
        backoff_ms: 10,
        ..Default::default()
    };
    f(&mut c);
    Route::from_config("test", &c).unwrap()
}

fn req(prompt: &str) -> ChatRequest {
    ChatRequest {
        messages: vec![Message::user(prompt)],
        ..Default::default()
    }
}

async fn go(gw: &DemoHandle, r: &Route, prompt: &str) -> RouteOutcome {
    route::run(
        &client(&gw.base_url, &gw.key),
        r,
        req(prompt),
        CancellationToken::new(),
        7,
        |_| {},
    )
    .await
}

/// Requests the server received, per model, must equal the attempts the route recorded.
fn assert_counted_once(gw: &DemoHandle, o: &RouteOutcome) {
    let mut attempts: HashMap<String, u64> = HashMap::new();
    for h in &o.hops {
        *attempts.entry(h.model.clone()).or_default() += 1;
    }
    if o.succeeded() {
        *attempts.entry(o.last.model.clone()).or_default() += 1;
    }
    assert_eq!(gw.request_counts(), attempts, "hops: {}", o.hops_summary());
}

fn always(f: impl FnOnce(&mut FaultSpec)) -> FaultSpec {
    let mut s = FaultSpec::default();
    f(&mut s);
    s
}

#[tokio::test]
async fn each_failure_kind_moves_on_to_the_next_hop() {
    let long_prompt = "word ".repeat(9000);
    // (what fails, faults on the primary, primary model, prompt)
    let cases: Vec<(Failure, FaultSpec, &str, &str)> = vec![
        (
            Failure::ServerError,
            always(|f| f.rate_500 = 1.0),
            PRIMARY,
            "hi",
        ),
        (
            Failure::ServerError,
            always(|f| f.rate_503 = 1.0),
            PRIMARY,
            "hi",
        ),
        (
            Failure::RateLimited,
            always(|f| f.rate_429 = 1.0),
            PRIMARY,
            "hi",
        ),
        (
            Failure::Cut,
            always(|f| {
                f.rate_cut = 1.0;
                f.cut_after_tokens = 0;
            }),
            PRIMARY,
            "hi",
        ),
        (
            Failure::ContentFilter,
            always(|f| f.rate_filter = 1.0),
            PRIMARY,
            "hi",
        ),
        // demo/local-free has an 8k window; the long-context model takes over.
        (
            Failure::ContextLength,
            FaultSpec::default(),
            "demo/local-free",
            long_prompt.as_str(),
        ),
    ];
    for (kind, fault, primary, prompt) in cases {
        let gw = gateway(f64::INFINITY, &[(primary, fault)]).await;
        let backup = if kind == Failure::ContextLength {
            "demo/long-context"
        } else {
            BACKUP
        };
        let r = route(&[primary, backup], |_| {});
        let o = go(&gw, &r, prompt).await;
        assert!(o.succeeded(), "{kind:?}: {:?}", o.last.error);
        assert_eq!(o.answered_by(), Some(backup), "{kind:?}");
        assert_eq!(o.hops.len(), 1, "{kind:?}: {}", o.hops_summary());
        assert_eq!(o.hops[0].failure, Some(kind), "{kind:?}");
        assert_eq!(o.hops[0].model, primary);
        assert_counted_once(&gw, &o);
    }
}

#[tokio::test]
async fn failures_not_listed_in_on_give_up_without_fallback() {
    let gw = gateway(f64::INFINITY, &[(PRIMARY, always(|f| f.rate_429 = 1.0))]).await;
    let r = route(&[PRIMARY, BACKUP], |c| c.on = vec!["5xx".into()]);
    let o = go(&gw, &r, "hi").await;
    assert!(!o.succeeded());
    assert_eq!(o.last.error.as_ref().unwrap().status(), Some(429));
    assert_counted_once(&gw, &o);
    assert!(!gw.request_counts().contains_key(BACKUP));
}

#[tokio::test]
async fn retries_honour_retry_after_then_fall_back() {
    let spec = always(|f| {
        f.rate_429 = 1.0;
        f.retry_after_s = 0.05;
    });
    let gw = gateway(f64::INFINITY, &[(PRIMARY, spec)]).await;
    let r = route(&[PRIMARY, BACKUP], |c| {
        c.retries = 2;
        c.max_backoff_ms = 1000;
    });
    let mut waits = Vec::new();
    let o = route::run(
        &client(&gw.base_url, &gw.key),
        &r,
        req("hi"),
        CancellationToken::new(),
        1,
        |ev| {
            if let RouteEvent::Failed { next, .. } = ev {
                waits.push(next);
            }
        },
    )
    .await;
    assert_eq!(o.answered_by(), Some(BACKUP));
    // Two retries on the same hop, each waiting exactly what Retry-After asked, then the fallback.
    assert_eq!(
        waits,
        vec![
            Next::RetryAfter(Duration::from_millis(50)),
            Next::RetryAfter(Duration::from_millis(50)),
            Next::MoveOn(BACKUP.into())
        ]
    );
    assert_eq!(
        o.hops.iter().map(|h| h.attempt).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert_eq!(o.hops[0].backoff_ms, Some(50.0));
    assert_counted_once(&gw, &o);
    // The settled figures are what the user waited: both backoffs and every failed attempt count
    // into TTFT and total; the answering attempt's own figures stay apart.
    let rec = gatebench::answer::settle(&o, true, &Default::default());
    let (ttft, served) = (rec.ttft_ms.unwrap(), rec.served_ttft_ms.unwrap());
    let waited: f64 = o
        .hops
        .iter()
        .map(|h| h.ms + h.backoff_ms.unwrap_or(0.0))
        .sum();
    assert!(
        ttft >= served + waited - 1.0,
        "ttft {ttft}, served {served}, waited {waited}"
    );
    assert!(ttft >= 100.0, "two 50 ms backoffs: {ttft}");
    assert!(rec.total_ms.unwrap() >= rec.served_total_ms.unwrap() + 100.0);
    // A Retry-After longer than the route allows moves on at once instead of waiting.
    let gw = gateway(
        f64::INFINITY,
        &[(
            PRIMARY,
            always(|f| {
                f.rate_429 = 1.0;
                f.retry_after_s = 120.0;
            }),
        )],
    )
    .await;
    let r = route(&[PRIMARY, BACKUP], |c| c.retries = 3);
    let o = go(&gw, &r, "hi").await;
    assert_eq!(o.answered_by(), Some(BACKUP));
    assert_eq!(o.hops.len(), 1);
    assert_counted_once(&gw, &o);
}

#[tokio::test]
async fn first_token_deadline_moves_on() {
    // Real pacing; the primary stalls a minute before its first byte, the deadline is 200 ms.
    let gw = gateway(1.0, &[(PRIMARY, always(|f| f.stall_first_ms = 60_000))]).await;
    let r = route(&[PRIMARY, "demo/local-free"], |c| {
        c.first_token_timeout_ms = Some(200)
    });
    let o = go(&gw, &r, "hi").await;
    assert_eq!(
        o.answered_by(),
        Some("demo/local-free"),
        "{:?}",
        o.last.error
    );
    assert_eq!(o.hops[0].failure, Some(Failure::FirstTokenTimeout));
    assert_counted_once(&gw, &o);
}

#[tokio::test]
async fn a_stream_cut_after_content_is_never_glued_silently() {
    let cut = always(|f| {
        f.rate_cut = 1.0;
        f.cut_after_tokens = 5;
    });
    // Policy: stop. The partial answer is kept and the error says what happened.
    let gw = gateway(f64::INFINITY, &[(PRIMARY, cut.clone())]).await;
    let o = go(&gw, &route(&[PRIMARY, BACKUP], |_| {}), "hi").await;
    assert!(!o.succeeded());
    assert!(o.hops[0].failed_after_content);
    assert_eq!(
        gatebench::demo::text::count_tokens(&o.last.collector.text),
        5
    );
    assert_counted_once(&gw, &o);
    // Policy: restart from scratch on the next hop; the failed hop stays on record.
    let gw = gateway(f64::INFINITY, &[(PRIMARY, cut)]).await;
    let o = go(
        &gw,
        &route(&[PRIMARY, BACKUP], |c| c.restart_after_content = true),
        "hi",
    )
    .await;
    assert_eq!(o.answered_by(), Some(BACKUP));
    assert!(o.hops[0].failed_after_content);
    assert_eq!(o.last.collector.served_model.as_deref(), Some(BACKUP));
    assert_counted_once(&gw, &o);
}

#[tokio::test]
async fn every_hop_down_lists_every_hop() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = client(&format!("http://127.0.0.1:{port}/v1"), "k");
    let r = route(&["model-a", "model-b", "model-c"], |c| c.retries = 1);
    let o = route::run(&c, &r, req("hi"), CancellationToken::new(), 1, |_| {}).await;
    assert!(!o.succeeded());
    assert_eq!(o.hops.len(), 6);
    let msg = o.last.error.as_ref().unwrap().to_string();
    for m in ["model-a", "model-b", "model-c"] {
        assert!(msg.contains(m), "{msg}");
    }
    assert!(msg.contains("cannot reach"), "{msg}");
    assert_eq!(o.last.error.as_ref().unwrap().kind(), Failure::Connect);
}

#[tokio::test]
async fn cancellation_stops_a_route_mid_backoff() {
    let spec = always(|f| {
        f.rate_429 = 1.0;
        f.retry_after_s = 30.0;
    });
    let gw = gateway(f64::INFINITY, &[(PRIMARY, spec)]).await;
    let r = route(&[PRIMARY, BACKUP], |c| {
        c.retries = 1;
        c.max_backoff_ms = 60_000;
    });
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let o = route::run(
        &client(&gw.base_url, &gw.key),
        &r,
        req("hi"),
        cancel,
        1,
        move |ev| {
            if let RouteEvent::Failed {
                next: Next::RetryAfter(d),
                ..
            } = ev
            {
                assert_eq!(d, Duration::from_secs(30));
                c2.cancel();
            }
        },
    )
    .await;
    assert!(
        matches!(o.last.error, Some(GatewayError::Cancelled)),
        "{:?}",
        o.last.error
    );
    assert_eq!(gw.request_counts().get(PRIMARY), Some(&1));
    assert!(!gw.request_counts().contains_key(BACKUP));
}

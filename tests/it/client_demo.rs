//! The gateway client against the real demo gateway, over loopback HTTP.

use std::time::Duration;

use gatebench::demo::{self, DemoConfig, DemoHandle, text};
use gatebench::gateway::wire::{ChatRequest, FinishReason, Message};
use gatebench::gateway::{Client, Endpoint, GatewayError, TimeoutPhase, Timeouts};
use gatebench::route as run;
use gatebench::secret::Secret;
use tokio_util::sync::CancellationToken;

async fn gateway() -> DemoHandle {
    demo::spawn(DemoConfig {
        speed: f64::INFINITY,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn client_with(gw: &DemoHandle, key: &str, headers: &[(&str, &str)], timeouts: Timeouts) -> Client {
    Client::new(Endpoint {
        base_url: gw.base_url.clone(),
        api_key: Some(Secret::new(key)),
        key_env: Some("DEMO_TEST_KEY".into()),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        key_header: None,
        timeouts,
        limits: Default::default(),
        api: Default::default(),
    })
    .unwrap()
}

fn client(gw: &DemoHandle, headers: &[(&str, &str)]) -> Client {
    client_with(gw, &gw.key, headers, Timeouts::default())
}

fn req(model: &str, prompt: &str) -> ChatRequest {
    ChatRequest {
        model: model.into(),
        messages: vec![Message::user(prompt)],
        ..Default::default()
    }
}

async fn ask(c: &Client, model: &str) -> gatebench::answer::Outcome {
    run::stream(
        c,
        req(model, "compare gateways"),
        CancellationToken::new(),
        |_| {},
    )
    .await
}

#[tokio::test]
async fn lists_models_with_prices_and_context() {
    let gw = gateway().await;
    let models = client(&gw, &[]).models().await.unwrap();
    assert!(models.len() >= 5, "{models:?}");
    let fast = models.iter().find(|m| m.id == "demo/fast-mini").unwrap();
    assert_eq!(fast.context_length, Some(128_000));
    assert!((fast.prices.input.unwrap() - 0.15).abs() < 1e-9);
    assert!((fast.prices.output.unwrap() - 0.60).abs() < 1e-9);
    let long = models.iter().find(|m| m.id == "demo/long-context").unwrap();
    assert_eq!(long.context_length, Some(1_000_000));
}

#[tokio::test]
async fn streams_text_with_true_usage_and_timeline() {
    let gw = gateway().await;
    let o = ask(&client(&gw, &[]), "demo/fast-mini").await;
    assert!(o.error.is_none(), "{:?}", o.error);
    let c = &o.collector;
    assert!(c.text.len() > 100);
    let usage = c.usage.expect("usage chunk");
    assert_eq!(usage.output_tokens as usize, text::count_tokens(&c.text));
    assert!(usage.input_tokens > 0);
    assert_eq!(c.finish_reason, Some(FinishReason::Stop));
    assert_eq!(c.served_model.as_deref(), Some("demo/fast-mini"));
    let tl = &c.timeline;
    assert!(tl.first_content.unwrap() <= tl.last_token.unwrap());
    assert!(tl.last_token.unwrap() <= tl.end.unwrap());
    assert_eq!(tl.gaps_us.len() as u64, tl.token_chunks - 1);
    let headers = o.headers.unwrap();
    assert_eq!(headers["content-type"], "text/event-stream");
}

#[tokio::test]
async fn non_streaming_matches_streaming() {
    let gw = gateway().await;
    let c = client(&gw, &[]);
    let once = c
        .chat_once(
            req("demo/reasoner", "same prompt"),
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let streamed = run::stream(
        &c,
        req("demo/reasoner", "same prompt"),
        CancellationToken::new(),
        |_| {},
    )
    .await;
    assert_eq!(
        once.chunk.content.as_deref(),
        Some(streamed.collector.text.as_str())
    );
    assert_eq!(
        once.chunk.reasoning.as_deref(),
        Some(streamed.collector.reasoning.as_str())
    );
    assert_eq!(once.chunk.usage, streamed.collector.usage);
}

#[tokio::test]
async fn reasoning_streams_before_the_answer() {
    let gw = gateway().await;
    let o = ask(&client(&gw, &[]), "demo/reasoner").await;
    let c = &o.collector;
    assert!(!c.reasoning.is_empty());
    assert!(c.timeline.first_reasoning.unwrap() < c.timeline.first_content.unwrap());
    let u = c.usage.unwrap();
    assert_eq!(
        u.reasoning_tokens as usize,
        text::count_tokens(&c.reasoning)
    );
    assert_eq!(
        u.output_tokens as usize,
        text::count_tokens(&c.reasoning) + text::count_tokens(&c.text)
    );
}

#[tokio::test]
async fn max_tokens_is_honoured() {
    let gw = gateway().await;
    let mut r = req("demo/pro-large", "long please");
    r.max_tokens = Some(7);
    let o = run::stream(&client(&gw, &[]), r, CancellationToken::new(), |_| {}).await;
    assert_eq!(o.collector.usage.unwrap().output_tokens, 7);
    assert_eq!(o.collector.finish_reason, Some(FinishReason::Length));
}

#[tokio::test]
async fn wrong_key_is_401_naming_the_variable_not_the_key() {
    let gw = gateway().await;
    let secret = "wrong-key-0123456789abcdef";
    let c = client_with(&gw, secret, &[], Timeouts::default());
    let err = c.models().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    let msg = err.to_string();
    assert!(msg.contains("$DEMO_TEST_KEY"), "{msg}");
    assert!(!msg.contains(secret), "{msg}");
    let o = ask(&c, "demo/fast-mini").await;
    assert_eq!(o.error.unwrap().status(), Some(401));
}

#[tokio::test]
async fn unknown_model_is_404_with_the_gateway_message() {
    let gw = gateway().await;
    let o = ask(&client(&gw, &[]), "demo/nope").await;
    let err = o.error.unwrap();
    assert_eq!(err.status(), Some(404));
    assert!(
        err.to_string().contains("`demo/nope` does not exist"),
        "{err}"
    );
}

#[tokio::test]
async fn rate_limit_carries_retry_after() {
    let gw = gateway().await;
    let o = ask(&client(&gw, &[("x-demo-fault", "429")]), "demo/fast-mini").await;
    let err = o.error.unwrap();
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.kind().name(), "rate_limited");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    let o = ask(&client(&gw, &[("x-demo-fault", "503")]), "demo/fast-mini").await;
    assert_eq!(o.error.unwrap().status(), Some(503));
}

#[tokio::test]
async fn cut_stream_keeps_what_arrived() {
    let gw = gateway().await;
    let o = ask(&client(&gw, &[("x-demo-fault", "cut:5")]), "demo/fast-mini").await;
    assert!(
        matches!(o.error, Some(GatewayError::Cut { .. })),
        "{:?}",
        o.error
    );
    assert_eq!(text::count_tokens(&o.collector.text), 5);
    assert!(o.collector.usage.is_none());
    // An aborted connection is reported the same way.
    let o = ask(
        &client(&gw, &[("x-demo-fault", "drop:5")]),
        "demo/fast-mini",
    )
    .await;
    assert!(
        matches!(o.error, Some(GatewayError::Cut { .. })),
        "{:?}",
        o.error
    );
    assert!(text::count_tokens(&o.collector.text) <= 5);
}

#[tokio::test]
async fn error_object_mid_stream_and_malformed_chunks() {
    let gw = gateway().await;
    let o = ask(
        &client(&gw, &[("x-demo-fault", "error:4")]),
        "demo/fast-mini",
    )
    .await;
    match o.error {
        Some(GatewayError::Upstream { message }) => assert!(message.contains("server_error")),
        other => panic!("{other:?}"),
    }
    assert_eq!(text::count_tokens(&o.collector.text), 4);
    let o = ask(
        &client(&gw, &[("x-demo-fault", "malformed:3")]),
        "demo/fast-mini",
    )
    .await;
    assert!(
        matches!(o.error, Some(GatewayError::Malformed { .. })),
        "{:?}",
        o.error
    );
    assert_eq!(text::count_tokens(&o.collector.text), 3);
}

#[tokio::test]
async fn idle_and_first_byte_timeouts() {
    let gw = gateway().await;
    let t = Timeouts {
        first_byte: Duration::from_millis(300),
        idle: Duration::from_millis(200),
        ..Default::default()
    };
    let c = client_with(&gw, &gw.key, &[("x-demo-fault", "hang:3")], t);
    let o = ask(&c, "demo/fast-mini").await;
    match o.error {
        Some(GatewayError::Timeout { phase, .. }) => assert_eq!(phase, TimeoutPhase::Idle),
        other => panic!("{other:?}"),
    }
    assert_eq!(text::count_tokens(&o.collector.text), 3);
    let c = client_with(&gw, &gw.key, &[("x-demo-fault", "hang-first")], t);
    match ask(&c, "demo/fast-mini").await.error {
        Some(GatewayError::Timeout { phase, .. }) => assert_eq!(phase, TimeoutPhase::FirstByte),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn cancellation_stops_a_stream_and_keeps_partial_text() {
    let gw = gateway().await;
    let c = client(&gw, &[("x-demo-fault", "hang:6")]);
    let cancel = CancellationToken::new();
    let mut seen = 0;
    let o = run::stream(&c, req("demo/fast-mini", "x"), cancel.clone(), |ch| {
        if ch.item.content.as_deref().is_some_and(|t| !t.is_empty()) {
            seen += 1;
            if seen == 6 {
                cancel.cancel();
            }
        }
    })
    .await;
    assert!(
        matches!(o.error, Some(GatewayError::Cancelled)),
        "{:?}",
        o.error
    );
    assert_eq!(text::count_tokens(&o.collector.text), 6);
    // Cancelled before sending: nothing goes out.
    let before = gw.request_counts().get("demo/fast-mini").copied();
    let cancel = CancellationToken::new();
    cancel.cancel();
    let o = run::stream(&c, req("demo/fast-mini", "x"), cancel, |_| {}).await;
    assert!(matches!(o.error, Some(GatewayError::Cancelled)));
    assert_eq!(gw.request_counts().get("demo/fast-mini").copied(), before);
}

#[tokio::test]
async fn dead_port_is_a_connect_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = Client::new(Endpoint {
        base_url: format!("http://127.0.0.1:{port}/v1"),
        api_key: None,
        key_env: None,
        headers: vec![],
        key_header: None,
        timeouts: Timeouts::default(),
        limits: Default::default(),
        api: Default::default(),
    })
    .unwrap();
    let err = c.models().await.unwrap_err();
    assert!(matches!(err, GatewayError::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains(&port.to_string()));
}

#[tokio::test]
async fn every_request_is_sent_exactly_once() {
    let gw = gateway().await;
    let c = client(&gw, &[]);
    for _ in 0..3 {
        ask(&c, "demo/local-free").await;
    }
    // Failures are not retried behind the user's back either.
    ask(&client(&gw, &[("x-demo-fault", "cut:2")]), "demo/pro-large").await;
    ask(&client(&gw, &[("x-demo-fault", "503")]), "demo/pro-large").await;
    let counts = gw.request_counts();
    assert_eq!(counts.get("demo/local-free"), Some(&3));
    assert_eq!(counts.get("demo/pro-large"), Some(&2));
}

#[tokio::test]
async fn flaky_model_fails_part_of_the_time_and_repeats_for_a_seed() {
    async fn outcomes(seed: u64) -> Vec<Option<&'static str>> {
        let gw = demo::spawn(DemoConfig {
            speed: f64::INFINITY,
            seed,
            ..Default::default()
        })
        .await
        .unwrap();
        let c = client(&gw, &[]);
        let mut out = Vec::new();
        for _ in 0..30 {
            out.push(ask(&c, "demo/flaky").await.error.map(|e| e.kind().name()));
        }
        out
    }
    let a = outcomes(3).await;
    assert_eq!(a, outcomes(3).await);
    let fails = a.iter().filter(|e| e.is_some()).count();
    assert!((3..=27).contains(&fails), "{a:?}");
    assert!(
        a.contains(&Some("rate_limited")) || a.contains(&Some("cut")),
        "{a:?}"
    );
}

#[tokio::test]
async fn the_demo_gateway_answers_an_oversized_body_with_openais_error_shape() {
    let gw = gateway().await;
    let body = vec![b' '; (32 << 20) + 1];
    let resp = reqwest::Client::new()
        .post(format!("{}/chat/completions", gw.base_url))
        .bearer_auth(&gw.key)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "request_too_large", "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("32 MiB"));
}

//! OpenRouter's `/generation` stats: asked with a bounded backoff, over loopback in random pieces
//! (garbage, HTML, never-ready and stalled endpoints included), and from the demo gateway end to end.

use std::collections::BTreeMap;
use std::time::Duration;

use gatebench::gateway::generation::fetch;
use gatebench::gateway::{Api, Client, Timeouts};

use crate::account::serve;
use crate::common::demo::{run, start_demo};

const ASK: &str = "/v1/generation?id=gen-1";
const NO_WAIT: [Duration; 3] = [Duration::ZERO; 3];

fn client(url: String, first_byte: Duration) -> Client {
    let timeouts = Timeouts {
        first_byte,
        ..Timeouts::default()
    };
    crate::common::replay::client_with(url, Api::Chat, timeouts)
}

async fn ask(
    status: u16,
    body: &[u8],
    seed: u64,
) -> Result<gatebench::gateway::generation::Generation, String> {
    let url = serve(BTreeMap::from([(ASK, (status, body.to_vec()))]), seed).await;
    fetch(&client(url, Duration::from_secs(10)), "gen-1", &NO_WAIT).await
}

#[tokio::test]
async fn openrouters_stats_at_any_split() {
    let body = br#"{"data":{"id":"gen-1","total_cost":0.00042,"cache_discount":null,"provider_name":"Together","latency":820,"generation_time":700,"native_tokens_prompt":9,"native_tokens_completion":31,"native_tokens_reasoning":0,"native_tokens_cached":0}}"#;
    for seed in 0..5 {
        let g = ask(200, body, seed).await.unwrap();
        assert_eq!(g.total_cost_usd, Some(0.00042));
        assert_eq!(g.provider.as_deref(), Some("Together"));
        assert_eq!(g.overhead_ms(), Some(120.0));
        assert_eq!(g.native_completion_tokens, Some(31));
    }
}

#[tokio::test]
async fn never_ready_garbage_html_and_errors_end_in_a_clear_line() {
    let never = ask(404, br#"{"error":{"message":"Generation not found"}}"#, 1).await;
    assert!(never.unwrap_err().contains("gave up after 3 asks"));
    let html = ask(200, b"<html><body>Bad gateway</body></html>", 2).await;
    let e = html.unwrap_err();
    assert!(e.contains("did not return JSON"), "{e}");
    let wrong = ask(200, br#"{"data":[1,2,3]}"#, 3).await;
    assert!(wrong.unwrap_err().contains("no data object"));
    let broken = ask(500, br#"{"error":{"message":"upstream exploded"}}"#, 4).await;
    let e = broken.unwrap_err();
    assert!(e.contains("500") && e.contains("upstream exploded"), "{e}");
    // Impossible money is left out and said, never made up.
    let g = ask(200, br#"{"data":{"total_cost":"NaN","latency":-5}}"#, 5)
        .await
        .unwrap();
    assert_eq!((g.total_cost_usd, g.latency_ms), (None, None));
    assert_eq!(g.notes.len(), 2, "{:?}", g.notes);
}

#[tokio::test]
async fn a_stalled_endpoint_is_a_timeout_not_a_hang() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    // Accepts and never answers.
    let held = tokio::spawn(async move {
        let mut socks = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            socks.push(s);
        }
    });
    let e = fetch(&client(url, Duration::from_millis(200)), "gen-1", &NO_WAIT)
        .await
        .unwrap_err();
    assert!(e.contains("timed out") || e.contains("timeout"), "{e}");
    held.abort();
}

#[test]
fn ask_takes_the_demo_gateways_generation_stats_when_the_profile_asks() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("config/gatebench");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        "[profiles.custom]\ngeneration_stats = true\n",
    )
    .unwrap();
    let demo = start_demo(home.path(), &[]);
    let (code, out, err) = run(demo.gatebench(
        home.path(),
        &[
            "ask",
            "-m",
            "demo/fast-mini",
            "-m",
            "demo/pro-large",
            "--json",
            "hello",
        ],
    ));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for r in v.as_array().unwrap() {
        assert_eq!(r["gateway_provider"], "demo", "{r}");
        assert_eq!(r["gateway_overhead_ms"], 12.0, "{r}");
        assert_eq!(r["cost_source"], "gateway", "{r}");
        let (g, c) = (
            r["cost_gateway_usd"].as_f64().unwrap(),
            r["cost_computed_usd"].as_f64().unwrap(),
        );
        assert!(
            (g - c).abs() < 1e-9,
            "the demo bills what the list prices say: {r}"
        );
    }
    // Without the setting nothing is asked for.
    std::fs::remove_file(cfg.join("config.toml")).unwrap();
    let (_, out, _) = run(demo.gatebench(
        home.path(),
        &["ask", "-m", "demo/fast-mini", "--json", "hello"],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v[0].get("gateway_provider").is_none(), "{out}");
}

//! Real wire captures (llama-server direct and through a LiteLLM proxy), replayed over loopback at
//! random splits through the real client and stream decoder.

use crate::common::replay::{client, replay, request};
use gatebench::answer::Collector;
use gatebench::gateway::Api;
use tokio_util::sync::CancellationToken;

async fn decode(bytes: &[u8], seed: u64) -> Collector {
    let url = replay(bytes.to_vec(), seed).await;
    let c = client(url, Api::Chat);
    let o = gatebench::route::stream(&c, request(), CancellationToken::new(), |_| {}).await;
    assert!(o.error.is_none(), "{:?}", o.error);
    o.collector
}

#[tokio::test]
async fn captures_decode_identically_at_any_split() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/realstack");
    for (file, want_usage, want_cost) in [
        ("sse-direct-usage.txt", true, false),
        ("sse-direct-nousage.txt", false, false),
        ("sse-proxy-usage.txt", true, true),
        ("sse-proxy-nousage.txt", false, false),
    ] {
        let bytes = std::fs::read(format!("{dir}/{file}")).unwrap();
        let first = decode(&bytes, 0).await;
        assert!(!first.text.is_empty(), "{file}");
        assert!(first.finish_reason.is_some(), "{file}");
        assert_eq!(first.usage.is_some(), want_usage, "{file}");
        if want_usage {
            assert!(first.usage.unwrap().output_tokens > 0);
        }
        assert_eq!(
            first.usage.and_then(|u| u.cost_usd).is_some(),
            want_cost,
            "{file}"
        );
        for seed in 1..20 {
            let again = decode(&bytes, seed).await;
            assert_eq!(again.text, first.text, "{file}");
            assert_eq!(again.usage, first.usage, "{file}");
        }
    }
    // llama-server's usage chunk carries its own timings object.
    let direct = decode(
        &std::fs::read(format!("{dir}/sse-direct-usage.txt")).unwrap(),
        7,
    )
    .await;
    assert!(direct.llama_timings.is_some());
}

//! Real wire captures (llama-server direct and through a LiteLLM proxy) decoded at random splits.

use gatebench::gateway::Collector;
use gatebench::gateway::sse::SseParser;
use gatebench::gateway::wire::RawChunk;
use gatebench::rng::SplitMix64;
use std::time::Instant;

fn decode(bytes: &[u8], rng: &mut SplitMix64) -> Collector {
    let mut p = SseParser::new();
    let mut c = Collector::new(Instant::now());
    let mut events = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = (1 + rng.below(40)).min(rest.len());
        events.extend(p.feed(&rest[..n]));
        rest = &rest[n..];
    }
    events.extend(p.finish());
    for ev in events {
        if ev.data == "[DONE]" {
            break;
        }
        let raw: RawChunk = serde_json::from_str(&ev.data).unwrap();
        c.push(Instant::now(), raw.into_chunk());
    }
    c
}

#[test]
fn captures_decode_identically_at_any_split() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/realstack");
    let mut rng = SplitMix64::new(9);
    for (file, want_usage, want_cost) in [
        ("sse-direct-usage.txt", true, false),
        ("sse-direct-nousage.txt", false, false),
        ("sse-proxy-usage.txt", true, true),
        ("sse-proxy-nousage.txt", false, false),
    ] {
        let bytes = std::fs::read(format!("{dir}/{file}")).unwrap();
        let first = decode(&bytes, &mut rng);
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
        for _ in 0..50 {
            let again = decode(&bytes, &mut rng);
            assert_eq!(again.text, first.text, "{file}");
            assert_eq!(again.usage, first.usage, "{file}");
        }
    }
    // llama-server's usage chunk carries its own timings object.
    let direct = decode(
        &std::fs::read(format!("{dir}/sse-direct-usage.txt")).unwrap(),
        &mut rng,
    );
    assert!(direct.llama_timings.is_some());
}

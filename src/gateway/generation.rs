//! OpenRouter's `GET /api/v1/generation?id=...`: what it billed for one answer and how long the
//! provider took, filled in seconds after the answer. Asked with a bounded backoff, off the UI
//! thread, and only where the profile enables it (`generation_stats = true`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::account::{count, money, text};
use super::{Client, GatewayError};

/// The waits before each ask: the stats are usually there after a second or two. About 7.5 s in
/// all, then gatebench gives up and says so.
pub const BACKOFF: [Duration; 4] = [
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];

/// One generation's stats, as far as the gateway gave them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    pub total_cost_usd: Option<f64>,
    pub cache_discount_usd: Option<f64>,
    pub provider: Option<String>,
    /// From the gateway receiving the request to the end, and the provider's own share (ms).
    pub latency_ms: Option<f64>,
    pub generation_time_ms: Option<f64>,
    /// Token counts by the provider's own tokenizer.
    pub native_prompt_tokens: Option<u64>,
    pub native_completion_tokens: Option<u64>,
    pub native_reasoning_tokens: Option<u64>,
    pub native_cached_tokens: Option<u64>,
    /// Fields left out because they were not what they should be.
    pub notes: Vec<String>,
}

impl Generation {
    /// Time the gateway added itself: its latency less the provider's generation time.
    pub fn overhead_ms(&self) -> Option<f64> {
        let (l, g) = (self.latency_ms?, self.generation_time_ms?);
        (l >= g).then_some(l - g)
    }
}

/// Read `{data: {...}}`.
pub fn parse(v: &Value) -> Result<Generation, String> {
    let d = v
        .get("data")
        .filter(|d| d.is_object())
        .ok_or("no data object")?;
    let mut notes = Vec::new();
    let g = Generation {
        total_cost_usd: money(d, "total_cost", &mut notes),
        cache_discount_usd: discount(d, &mut notes),
        provider: text(d, "provider_name"),
        latency_ms: money(d, "latency", &mut notes),
        generation_time_ms: money(d, "generation_time", &mut notes),
        native_prompt_tokens: count(d, "native_tokens_prompt"),
        native_completion_tokens: count(d, "native_tokens_completion"),
        native_reasoning_tokens: count(d, "native_tokens_reasoning"),
        native_cached_tokens: count(d, "native_tokens_cached"),
        notes,
    };
    Ok(g)
}

/// The cache discount may be negative (a cache write costs extra); only a finite number is kept.
fn discount(d: &Value, notes: &mut Vec<String>) -> Option<f64> {
    match d.get("cache_discount")? {
        Value::Null => None,
        v => match v.as_f64().filter(|x| x.is_finite()) {
            Some(x) => Some(x),
            None => {
                notes.push("cache_discount left out: not an amount of money".into());
                None
            }
        },
    }
}

/// Ask for generation `id` until the gateway has it (404 until then), waiting `waits` between
/// asks. Any other failure ends the asking at once: a clear error, never a made-up figure.
pub async fn fetch(client: &Client, id: &str, waits: &[Duration]) -> Result<Generation, String> {
    let path = format!("/generation?id={}", encode(id));
    let mut last = String::from("not asked");
    for wait in waits {
        tokio::time::sleep(*wait).await;
        match client.get_json(&path, false).await {
            Ok(v) => return parse(&v).map_err(|e| format!("/generation: {e}")),
            Err(GatewayError::Http { status: 404, .. }) => {
                last = "the gateway had no stats for it yet".into();
            }
            Err(e) => return Err(format!("/generation: {}", e.brief())),
        }
    }
    Err(format!(
        "/generation: gave up after {} asks: {last}",
        waits.len()
    ))
}

/// Percent-encode an id for a query string (ids are plain, but a server chose this one).
fn encode(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openrouters_shape_is_read() {
        let g = parse(&json!({"data": {
            "id": "gen-1", "total_cost": 0.0012, "cache_discount": -0.0001,
            "provider_name": "Fireworks", "latency": 1450, "generation_time": 1200,
            "native_tokens_prompt": 12, "native_tokens_completion": 40,
            "native_tokens_reasoning": 0, "native_tokens_cached": 8
        }}))
        .unwrap();
        assert_eq!(g.total_cost_usd, Some(0.0012));
        assert_eq!(g.cache_discount_usd, Some(-0.0001));
        assert_eq!(g.provider.as_deref(), Some("Fireworks"));
        assert_eq!(g.overhead_ms(), Some(250.0));
        assert_eq!(
            (
                g.native_prompt_tokens,
                g.native_completion_tokens,
                g.native_cached_tokens
            ),
            (Some(12), Some(40), Some(8))
        );
        assert!(g.notes.is_empty());
    }

    #[test]
    fn garbage_is_left_out_and_said_never_made_up() {
        assert!(parse(&json!({"data": "x"})).is_err());
        assert!(parse(&json!([1, 2])).is_err());
        let g = parse(&json!({"data": {
            "total_cost": -1, "latency": "fast", "generation_time": 900,
            "cache_discount": "NaN", "provider_name": {"x": 1}
        }}))
        .unwrap();
        assert_eq!(
            (g.total_cost_usd, g.latency_ms, g.cache_discount_usd),
            (None, None, None)
        );
        assert_eq!(g.provider, None);
        assert_eq!(g.overhead_ms(), None);
        assert_eq!(g.notes.len(), 3, "{:?}", g.notes);
        // Latency shorter than generation time makes no overhead, not a negative one.
        let g = parse(&json!({"data": {"latency": 100, "generation_time": 900}})).unwrap();
        assert_eq!(g.overhead_ms(), None);
    }

    #[test]
    fn an_id_is_encoded_for_the_query() {
        assert_eq!(encode("gen-1_a.b~"), "gen-1_a.b~");
        assert_eq!(encode("a&b=c d"), "a%26b%3Dc%20d");
    }
}

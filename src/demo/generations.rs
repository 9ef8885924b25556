//! The demo gateway's generation stats in OpenRouter's shape (`GET /v1/generation?id=`): each
//! answer gets an `x-generation-id`; its stats are "not ready" (404) the first time they are asked
//! for, as OpenRouter's fill in seconds after the answer, and there from then on. The newest
//! `KEEP` are kept.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};

/// How many generations the demo remembers.
pub const KEEP: usize = 4096;
/// What the demo gateway adds to the model's time, as a real gateway's routing would.
const OVERHEAD_MS: f64 = 12.0;

#[derive(Debug, Clone)]
struct Stats {
    id: String,
    model: String,
    prompt_tokens: usize,
    completion_tokens: usize,
    cost_usd: f64,
    generation_ms: f64,
    asked: u32,
}

#[derive(Debug, Default)]
pub struct Generations {
    next: Mutex<(u64, VecDeque<Stats>)>,
}

impl Generations {
    /// Remember one answer; its id for the `x-generation-id` header.
    pub fn add(
        &self,
        model: &str,
        prompt_tokens: usize,
        completion_tokens: usize,
        cost_usd: f64,
        took: Duration,
    ) -> String {
        let mut g = self.next.lock().unwrap_or_else(|e| e.into_inner());
        g.0 += 1;
        let id = format!("gen-demo-{}", g.0);
        if g.1.len() >= KEEP {
            g.1.pop_front();
        }
        g.1.push_back(Stats {
            id: id.clone(),
            model: model.to_string(),
            prompt_tokens,
            completion_tokens,
            cost_usd,
            generation_ms: took.as_secs_f64() * 1000.0,
            asked: 0,
        });
        id
    }

    /// The stats of `id`: `None` while not ready (the first ask) or unknown.
    pub fn get(&self, id: &str) -> Option<Value> {
        let mut g = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let s = g.1.iter_mut().find(|s| s.id == id)?;
        s.asked += 1;
        if s.asked == 1 {
            return None;
        }
        let r = |x: f64| (x * 1e9).round() / 1e9;
        Some(json!({"data": {
            "id": s.id,
            "model": s.model,
            "total_cost": r(s.cost_usd),
            "cache_discount": null,
            "provider_name": "demo",
            "latency": (s.generation_ms + OVERHEAD_MS).round(),
            "generation_time": s.generation_ms.round(),
            "tokens_prompt": s.prompt_tokens,
            "tokens_completion": s.completion_tokens,
            "native_tokens_prompt": s.prompt_tokens,
            "native_tokens_completion": s.completion_tokens,
            "native_tokens_reasoning": 0,
            "native_tokens_cached": 0,
            "streamed": true,
            "cancelled": false,
        }}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_are_not_ready_at_first_then_there_and_the_oldest_are_forgotten() {
        let g = Generations::default();
        let id = g.add("demo/fast-mini", 10, 20, 0.5, Duration::from_millis(300));
        assert_eq!(id, "gen-demo-1");
        assert!(g.get(&id).is_none(), "not ready at the first ask");
        let v = g.get(&id).unwrap();
        assert_eq!(v["data"]["total_cost"], 0.5);
        assert_eq!(v["data"]["latency"], 312.0);
        assert_eq!(v["data"]["generation_time"], 300.0);
        assert!(g.get("gen-demo-99").is_none());
        for _ in 0..KEEP {
            g.add("m", 1, 1, 0.0, Duration::ZERO);
        }
        assert!(g.get(&id).is_none(), "forgotten after KEEP newer ones");
    }
}

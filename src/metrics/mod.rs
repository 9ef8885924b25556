//! Timing, token and cost maths. Pure: no IO, no clock.

pub mod cost;
pub mod hist;
pub mod leaderboard;
pub mod stats;
pub mod timing;

pub use cost::{Cost, CostSource};
pub use timing::{Figures, Gaps, Timeline, TokenCount, figures};

/// Tokens in `text` by the o200k_base tokenizer (GPT-4o and later), offline. Used only when the
/// server reports no usage, and always marked as an estimate where shown.
pub fn estimate_tokens(text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    tiktoken_rs::o200k_base_singleton().count_ordinary(text) as u64
}

/// Prompt tokens of a chat by OpenAI's rule of thumb: each message's text plus 4 tokens of framing,
/// plus 3 that prime the reply.
pub fn estimate_prompt_tokens(messages: &[crate::gateway::wire::Message]) -> u64 {
    messages
        .iter()
        .map(|m| estimate_tokens(&m.content) + 4)
        .sum::<u64>()
        + 3
}

/// Add `from`'s counts into `into`, key by key.
/// `a / b` as a share; `None` when there is nothing to divide by.
pub fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

pub fn add_counts<K: Ord + Clone>(
    into: &mut std::collections::BTreeMap<K, u64>,
    from: &std::collections::BTreeMap<K, u64>,
) {
    for (k, n) in from {
        *into.entry(k.clone()).or_default() += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn o200k_estimates() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("hello world"), 2);
        let long = "The quick brown fox jumps over the lazy dog. ".repeat(100);
        let n = estimate_tokens(&long);
        assert!((900..=1100).contains(&n), "{n}");
        let msgs = [crate::gateway::wire::Message::user("hello world")];
        assert_eq!(estimate_prompt_tokens(&msgs), 2 + 4 + 3);
    }
}

//! What a gateway says about an answer in its response headers: LiteLLM's `x-litellm-*` and
//! Portkey's `x-portkey-*`. One reading for every front end; values a server could make absurd are
//! bounded, checked and dropped when they make no sense, never guessed.

use reqwest::header::HeaderMap;

/// The longest header text kept (a target path, a model name, a cache status).
const MAX_TEXT: usize = 96;

/// One response's gateway headers, read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Said {
    /// The gateway's own cost for the answer (`x-litellm-response-cost`).
    pub cost_usd: Option<f64>,
    /// Time the gateway added itself (`x-litellm-overhead-duration-ms`).
    pub overhead_ms: Option<f64>,
    /// What the key has spent in all (`x-litellm-key-spend`).
    pub key_spend_usd: Option<f64>,
    /// The model or deployment the gateway says answered (`x-litellm-model-group`, `-model-id`).
    pub served_model: Option<String>,
    /// Fallbacks the gateway made itself (`x-litellm-attempted-fallbacks`).
    pub fallbacks: Option<u32>,
    /// Which target of the gateway's config answered (Portkey's
    /// `x-portkey-last-used-option-index`, such as `config.targets[1]`); only when it names one.
    pub target: Option<String>,
    /// Retries the gateway made on the answering target (`x-portkey-retry-attempt-count`).
    pub retries: Option<u32>,
    /// The gateway's cache verdict, upper-case as sent (`x-portkey-cache-status`: `HIT`, `MISS`,
    /// `SEMANTIC HIT`, `DISABLED`, ...).
    pub cache: Option<String>,
}

impl Said {
    pub fn read(h: &HeaderMap) -> Self {
        let money = |name| number(h, name).filter(|v| *v >= 0.0);
        Self {
            cost_usd: money("x-litellm-response-cost"),
            overhead_ms: money("x-litellm-overhead-duration-ms"),
            key_spend_usd: money("x-litellm-key-spend"),
            served_model: text(h, "x-litellm-model-group")
                .or_else(|| text(h, "x-litellm-model-id")),
            fallbacks: count(h, "x-litellm-attempted-fallbacks"),
            target: text(h, "x-portkey-last-used-option-index").filter(|t| t.contains('[')),
            retries: count(h, "x-portkey-retry-attempt-count"),
            cache: text(h, "x-portkey-cache-status").map(|s| s.to_ascii_uppercase()),
        }
    }
}

/// True when a cache verdict says the answer came from the gateway's cache (`HIT`, `SEMANTIC HIT`).
pub fn is_cache_hit(status: &str) -> bool {
    status
        .split([' ', '_', '-'])
        .any(|w| w.eq_ignore_ascii_case("hit"))
}

/// A header's text, trimmed, printable and bounded; `None` when empty or not text.
pub fn text(h: &HeaderMap, name: &str) -> Option<String> {
    let v = h.get(name)?.to_str().ok()?.trim();
    let clean: String = v
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT)
        .collect();
    (!clean.is_empty()).then_some(clean)
}

/// A header's finite number.
fn number(h: &HeaderMap, name: &str) -> Option<f64> {
    h.get(name)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// A header's count.
fn count(h: &HeaderMap, name: &str) -> Option<u32> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_bytes(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn portkey_headers_name_the_target_the_retries_and_the_cache() {
        let s = Said::read(&headers(&[
            ("x-portkey-last-used-option-index", b"config.targets[1]"),
            ("x-portkey-retry-attempt-count", b"2"),
            ("x-portkey-cache-status", b"hit"),
        ]));
        assert_eq!(s.target.as_deref(), Some("config.targets[1]"));
        assert_eq!(s.retries, Some(2));
        assert_eq!(s.cache.as_deref(), Some("HIT"));
        assert!(is_cache_hit(s.cache.as_deref().unwrap()));
    }

    #[test]
    fn a_direct_provider_names_no_target() {
        let s = Said::read(&headers(&[
            ("x-portkey-last-used-option-index", b"config"),
            ("x-portkey-cache-status", b"DISABLED"),
        ]));
        assert_eq!(s.target, None);
        assert!(!is_cache_hit("DISABLED") && !is_cache_hit("MISS"));
        assert!(is_cache_hit("SEMANTIC HIT") && is_cache_hit("semantic_hit"));
    }

    #[test]
    fn litellm_headers_are_read_and_absurd_values_dropped() {
        let s = Said::read(&headers(&[
            ("x-litellm-response-cost", b"0.0021"),
            ("x-litellm-overhead-duration-ms", b"NaN"),
            ("x-litellm-key-spend", b"-3"),
            ("x-litellm-model-id", b"abc"),
            ("x-litellm-attempted-fallbacks", b"99999999999"),
        ]));
        assert_eq!(s.cost_usd, Some(0.0021));
        assert_eq!((s.overhead_ms, s.key_spend_usd), (None, None));
        assert_eq!(s.served_model.as_deref(), Some("abc"));
        assert_eq!(s.fallbacks, None);
    }

    #[test]
    fn header_text_is_bounded_and_printable() {
        let long = format!("config.targets[1]\t{}", "x".repeat(500));
        let h = headers(&[("x-portkey-last-used-option-index", long.as_bytes())]);
        let t = Said::read(&h).target.unwrap();
        assert_eq!(t.chars().count(), MAX_TEXT);
        assert!(!t.contains('\t'));
        let h = headers(&[("x-litellm-model-group", b"   ")]);
        assert_eq!(Said::read(&h).served_model, None);
    }
}

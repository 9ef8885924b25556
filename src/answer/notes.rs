//! What the gateway says about an answer, in one line for the pane, `ask` and exports.

use super::AnswerRecord;

impl AnswerRecord {
    /// "gateway: served by gemma3 via config.targets[1] after 2 retries", or `None` when the
    /// gateway said nothing beyond the model that was asked. `asked`: the model gatebench asked.
    pub fn gateway_note(&self, asked: &str) -> Option<String> {
        let mut parts = Vec::new();
        let served = self.served_model.as_deref().filter(|g| *g != asked);
        let fallbacks = self.gateway_fallbacks.filter(|n| *n > 0);
        if served.is_some() || fallbacks.is_some() || self.gateway_target.is_some() {
            let mut s = format!("served by {}", served.unwrap_or(asked));
            if let Some(t) = &self.gateway_target {
                s.push_str(&format!(" via {t}"));
            }
            if let Some(n) = fallbacks {
                s.push_str(&format!(", after {n} fallback(s) of its own"));
            }
            parts.push(s);
        }
        if let Some(n) = self.gateway_retries.filter(|n| *n > 0) {
            parts.push(format!(
                "{n} retr{} of its own",
                if n == 1 { "y" } else { "ies" }
            ));
        }
        if self.cached() {
            let status = self.gateway_cache.as_deref().unwrap_or("HIT");
            parts.push(format!(
                "from its cache ({status}): timings are the cache's"
            ));
        }
        (!parts.is_empty()).then(|| format!("gateway: {}", parts.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use crate::answer::{AnswerRecord, Collector, Outcome, PriceBook, RouteOutcome, settle};

    /// An answer settled from these response headers.
    fn rec_with(headers: &[(&'static str, &'static str)]) -> AnswerRecord {
        let t0 = std::time::Instant::now();
        let mut c = Collector::new(t0);
        c.finish(t0);
        let mut h = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        let o = Outcome {
            model: "m".into(),
            prompt: Vec::new(),
            collector: c,
            headers: Some(h),
            error: None,
        };
        settle(&RouteOutcome::single(o), false, &PriceBook::default())
    }

    fn rec() -> AnswerRecord {
        rec_with(&[])
    }

    #[test]
    fn portkey_headers_reach_the_record_and_its_json() {
        let r = rec_with(&[
            ("x-portkey-last-used-option-index", "config.targets[1]"),
            ("x-portkey-retry-attempt-count", "1"),
            ("x-portkey-cache-status", "HIT"),
        ]);
        assert!(r.cached());
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["gateway_target"], "config.targets[1]");
        assert_eq!(v["gateway_retries"], 1);
        assert_eq!(v["gateway_cache"], "HIT");
        let plain = serde_json::to_value(rec()).unwrap();
        assert!(plain.get("gateway_cache").is_none());
        assert!(!rec_with(&[("x-portkey-cache-status", "MISS")]).cached());
    }

    #[test]
    fn a_plain_answer_has_no_note() {
        let mut r = rec();
        r.served_model = Some("m".into());
        r.gateway_cache = Some("MISS".into());
        r.gateway_retries = Some(0);
        assert_eq!(r.gateway_note("m"), None);
    }

    #[test]
    fn portkey_target_retries_and_cache_are_said() {
        let mut r = rec();
        r.served_model = Some("gemma3".into());
        r.gateway_target = Some("config.targets[1]".into());
        r.gateway_retries = Some(2);
        r.gateway_cache = Some("HIT".into());
        assert_eq!(
            r.gateway_note("smollm2").unwrap(),
            "gateway: served by gemma3 via config.targets[1], 2 retries of its own, \
             from its cache (HIT): timings are the cache's"
        );
        r.gateway_retries = Some(1);
        r.gateway_cache = None;
        r.gateway_target = None;
        r.gateway_fallbacks = Some(1);
        assert_eq!(
            r.gateway_note("smollm2").unwrap(),
            "gateway: served by gemma3, after 1 fallback(s) of its own, 1 retry of its own"
        );
    }
}

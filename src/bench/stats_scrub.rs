//! Scrubbing the key out of a target's statistics: every text field, named one by one.

use std::collections::BTreeMap;

use super::stats::{FailedCheck, TargetStats};

impl TargetStats {
    /// Remove the key from every text: names, failed checks, and the model names counted by.
    pub fn scrub(&mut self, c: crate::secret::Scrubber) {
        let TargetStats {
            target,
            chain,
            requests: _,
            succeeded: _,
            errors: _,
            ttft_us: _,
            itl_us: _,
            total_us: _,
            decode_tps_x100: _,
            counted: _,
            input_tokens: _,
            output_tokens: _,
            estimated: _,
            cached_input_tokens: _,
            by_turn: _,
            priced: _,
            cost_usd: _,
            cost_sources: _,
            served_by,
            fallback_requests: _,
            fallback_added_us: _,
            gateway_fallbacks: _,
            gateway_served,
            cached: _,
            cached_in_latency: _,
            slo: _,
            slo_met: _,
            slo_met_output_tokens: _,
            checks: _,
            rules,
            judge: _,
            failed_checks,
            bill: _,
        } = self;
        c.text(target);
        chain.iter_mut().for_each(|s| c.text(s));
        for f in failed_checks {
            let FailedCheck {
                line: _,
                check,
                why,
                answer_start,
                times: _,
            } = f;
            for s in [check, why, answer_start] {
                c.text(s);
            }
        }
        scrub_keys(served_by, c);
        scrub_keys(gateway_served, c);
        scrub_keys(rules, c);
        for r in rules.values_mut() {
            scrub_keys(&mut r.served_by, c);
        }
    }
}

/// A map's keys scrubbed (keys made equal by scrubbing keep the last value).
fn scrub_keys<V>(m: &mut BTreeMap<String, V>, c: crate::secret::Scrubber) {
    let old = std::mem::take(m);
    for (mut k, v) in old {
        c.text(&mut k);
        m.insert(k, v);
    }
}

//! What a run will spend, before it runs: each request's input counted with the tokenizer at its
//! model's input price, and its output at `max_tokens` (the worst case) and at the length the
//! history has seen for the model (the likely case). A route's worst case is its dearest hop.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::run::Target;
use super::workload::Item;
use crate::answer::PriceBook;
use crate::gateway::wire::Prices;

/// A run's spend, as a range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Spend {
    /// Requests counted (every target, warm-up included).
    pub requests: u64,
    pub input_tokens: u64,
    /// Every answer as long as `max_tokens` allows, on the dearest model of each route.
    pub worst_usd: f64,
    /// Every answer as long as the history's median for its model; `None` when some model has
    /// no such length yet.
    pub likely_usd: Option<f64>,
    /// Targets whose requests have no bound on their output (no `max_tokens`, no known context
    /// window): the worst case leaves their output out.
    pub unbounded: Vec<String>,
    /// Targets with a model of no known price: left out of both figures.
    pub unpriced: Vec<String>,
}

/// What the estimate needs to know about the models.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub prices: PriceBook,
    /// Context windows by model, for a worst case without `max_tokens`.
    pub context: BTreeMap<String, u64>,
    /// The history's median output tokens by model.
    pub typical_output: BTreeMap<String, u64>,
}

impl Known {
    /// Prices, and the context windows of the models the gateway lists; typical lengths apart.
    pub fn new(
        prices: PriceBook,
        listed: &[crate::gateway::wire::ModelInfo],
        typical_output: BTreeMap<String, u64>,
    ) -> Self {
        Self {
            prices,
            context: listed
                .iter()
                .filter_map(|m| m.context_length.map(|c| (m.id.clone(), c)))
                .collect(),
            typical_output,
        }
    }
}

/// The requests of a context ladder, by shape: each size of context with the question in,
/// `max_tokens` out.
pub fn ladder_shapes(sizes: &[u64], question: &str, max_tokens: u32) -> Vec<(u64, Option<u64>)> {
    let question = crate::metrics::estimate_tokens(question) + 8;
    sizes
        .iter()
        .map(|s| (s + question, Some(u64::from(max_tokens))))
        .collect()
}

/// Tokens of a request's messages: their text by the tokenizer, and a few for each message's frame.
pub fn input_tokens(item: &Item) -> u64 {
    item.messages
        .iter()
        .map(|m| crate::metrics::estimate_tokens(&m.content) + 4)
        .sum()
}

fn usd(tokens: u64, per_mtok: Option<f64>) -> f64 {
    tokens as f64 * per_mtok.unwrap_or(0.0) / 1e6
}

/// The spend of `repeat` passes over `items` against each target, `max_tokens` the run's default.
pub fn estimate(
    items: &[Item],
    repeat: u64,
    targets: &[Target],
    max_tokens: Option<u32>,
    known: &Known,
) -> Spend {
    let shapes: Vec<(u64, Option<u64>)> = items
        .iter()
        .flat_map(|i| shapes_of(i, max_tokens))
        .collect();
    estimate_shapes(&shapes, repeat, targets, known)
}

/// The requests of one workload line, by shape. A conversation's turn resends the turns before
/// it, their answers counted as long as their bound allows.
fn shapes_of(item: &Item, max_tokens: Option<u32>) -> Vec<(u64, Option<u64>)> {
    let bound = |b: Option<u32>| b.or(item.max_tokens).or(max_tokens).map(u64::from);
    if item.turns.is_empty() {
        return vec![(input_tokens(item), bound(None))];
    }
    let mut history = input_tokens(item);
    item.turns
        .iter()
        .map(|t| {
            history += crate::metrics::estimate_tokens(&t.prompt) + 4;
            let out = bound(t.max_tokens);
            let shape = (history, out);
            history += out.unwrap_or(0) + 4;
            shape
        })
        .collect()
}

/// The same for requests given by their shape: input tokens, and the bound on their output.
pub fn estimate_shapes(
    shapes: &[(u64, Option<u64>)],
    repeat: u64,
    targets: &[Target],
    known: &Known,
) -> Spend {
    estimate_stream(|| shapes.iter().copied(), repeat, targets, known)
}

/// The same over shapes read afresh for each target (a trace, streamed from its file).
pub fn estimate_stream<I: IntoIterator<Item = (u64, Option<u64>)>>(
    shapes: impl Fn() -> I,
    repeat: u64,
    targets: &[Target],
    known: &Known,
) -> Spend {
    let mut s = Spend::default();
    let mut likely = Some(0.0);
    for t in targets {
        let chain = &t.route.chain;
        let priced: Vec<(&String, Prices)> = chain
            .iter()
            .filter_map(|m| known.prices.get(m).map(|p| (m, p)))
            .collect();
        if priced.len() < chain.len() || priced.is_empty() {
            s.unpriced.push(t.name().to_string());
            continue;
        }
        for (input, bound) in shapes() {
            s.requests += repeat;
            s.input_tokens += input * repeat;
            // The dearest hop: each request might be served by any of them.
            let mut worst: f64 = 0.0;
            for (m, p) in &priced {
                let out = bound.or_else(|| known.context.get(*m).map(|c| c.saturating_sub(input)));
                if out.is_none() && !s.unbounded.contains(&t.name().to_string()) {
                    s.unbounded.push(t.name().to_string());
                }
                worst = worst.max(usd(input, p.input) + usd(out.unwrap_or(0), p.output));
            }
            s.worst_usd += worst * repeat as f64;
            let (first, p) = &priced[0];
            likely = likely.and_then(|sum: f64| {
                let typical = known.typical_output.get(*first)?;
                let out = bound.map_or(*typical, |b| (*typical).min(b));
                Some(sum + (usd(input, p.input) + usd(out, p.output)) * repeat as f64)
            });
        }
    }
    s.likely_usd = likely.filter(|_| s.requests > 0);
    s
}

impl Spend {
    /// `$0.42 at most (likely $0.12) for 40 requests`, and what it leaves out.
    pub fn line(&self) -> String {
        use crate::format::fmt_money;
        let mut out = format!(
            "{} at most{} for {} requests",
            fmt_money(self.worst_usd),
            self.likely_usd
                .map_or(String::new(), |l| format!(" (likely {})", fmt_money(l))),
            self.requests
        );
        if !self.unbounded.is_empty() {
            out.push_str(&format!(
                "; no bound on the output of {} (set --max-tokens): their output is not counted",
                self.unbounded.join(", ")
            ));
        }
        if !self.unpriced.is_empty() {
            out.push_str(&format!(
                "; no price known for {}: not counted",
                self.unpriced.join(", ")
            ));
        }
        out
    }

    /// The estimate against what the run spent (`None`: some answer had no known cost), so a
    /// user learns how far to trust it.
    pub fn against(&self, actual_usd: Option<f64>) -> String {
        use crate::format::fmt_money;
        format!(
            "spend: estimated {} at most{}; spent {}",
            fmt_money(self.worst_usd),
            self.likely_usd
                .map_or(String::new(), |l| format!(", likely {}", fmt_money(l))),
            match actual_usd {
                Some(a) => format!(
                    "{} (as priced: the gateway's figure where it gave one)",
                    fmt_money(a)
                ),
                None => "an unknown amount (some answers had no known price)".into(),
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::Route;

    fn target(chain: &[&str]) -> Target {
        let mut r = Route::single(chain[0]);
        r.chain = chain.iter().map(|m| m.to_string()).collect();
        Target {
            route: r,
            named: chain.len() > 1,
        }
    }

    fn known() -> Known {
        let p = |i: f64, o: f64| Prices {
            input: Some(i),
            output: Some(o),
            ..Default::default()
        };
        Known {
            prices: PriceBook {
                listed: [
                    ("cheap".into(), p(1.0, 2.0)),
                    ("dear".into(), p(10.0, 20.0)),
                ]
                .into(),
                configured: BTreeMap::new(),
            },
            context: [("cheap".to_string(), 1_000)].into(),
            typical_output: [("cheap".to_string(), 100)].into(),
        }
    }

    #[test]
    fn worst_at_max_tokens_on_the_dearest_hop_likely_at_the_typical_length() {
        let items = vec![Item::prompt(1, "hello world")];
        let input = input_tokens(&items[0]);
        assert_eq!(input, crate::metrics::estimate_tokens("hello world") + 4);
        let s = estimate(&items, 3, &[target(&["cheap"])], Some(500), &known());
        assert_eq!((s.requests, s.input_tokens), (3, 3 * input));
        let per = |i: f64, o: f64, out: u64| (input as f64 * i + out as f64 * o) / 1e6;
        assert!((s.worst_usd - 3.0 * per(1.0, 2.0, 500)).abs() < 1e-12);
        assert!((s.likely_usd.unwrap() - 3.0 * per(1.0, 2.0, 100)).abs() < 1e-12);
        // A route that may fall back to a dearer model is as dear as it, at worst.
        let s = estimate(
            &items,
            1,
            &[target(&["cheap", "dear"])],
            Some(500),
            &known(),
        );
        assert!((s.worst_usd - per(10.0, 20.0, 500)).abs() < 1e-12);
        assert!((s.likely_usd.unwrap() - per(1.0, 2.0, 100)).abs() < 1e-12);
    }

    #[test]
    fn a_conversations_turns_each_resend_the_history_before_them() {
        let (items, bad) = crate::bench::workload::parse(
            r#"{"system":"be brief","turns":["one two",{"prompt":"three","max_tokens":7}]}"#,
        );
        assert!(bad.is_empty());
        let tok = |t: &str| crate::metrics::estimate_tokens(t) + 4;
        let first = tok("be brief") + tok("one two");
        let second = first + 50 + 4 + tok("three");
        assert_eq!(
            shapes_of(&items[0], Some(50)),
            vec![(first, Some(50)), (second, Some(7))]
        );
        let s = estimate(&items, 2, &[target(&["cheap"])], Some(50), &known());
        assert_eq!((s.requests, s.input_tokens), (4, 2 * (first + second)));
    }

    #[test]
    fn a_ladder_is_each_size_with_its_question_and_a_route_with_an_unpriced_hop_is_unpriced() {
        let q = crate::metrics::estimate_tokens("Where is it?") + 8;
        assert_eq!(
            ladder_shapes(&[1_000, 8_000], "Where is it?", 256),
            [(1_000 + q, Some(256)), (8_000 + q, Some(256))]
        );
        // One hop without a price: the route's worst case is unknown, so it is left out whole.
        let s = estimate_shapes(&[(10, Some(5))], 1, &[target(&["cheap", "nope"])], &known());
        assert_eq!((&s.unpriced, s.requests), (&vec!["cheap".to_string()], 0));
        // Nothing counted: no likely figure, not a likely zero.
        assert_eq!(s.likely_usd, None);
        let s = estimate_shapes(&[], 1, &[target(&["cheap"])], &known());
        assert_eq!((s.requests, s.likely_usd), (0, None));
    }

    #[test]
    fn without_max_tokens_the_window_bounds_it_and_unknowns_are_said() {
        let items = vec![Item::prompt(1, "hi")];
        let input = input_tokens(&items[0]);
        let s = estimate(&items, 1, &[target(&["cheap"])], None, &known());
        let whole = (input as f64 * 1.0 + (1_000 - input) as f64 * 2.0) / 1e6;
        assert!((s.worst_usd - whole).abs() < 1e-12);
        assert!(s.unbounded.is_empty());
        // `dear` has no known window and no typical length; `nope` no price.
        let s = estimate(
            &items,
            1,
            &[target(&["dear"]), target(&["nope"])],
            None,
            &known(),
        );
        assert_eq!(s.unbounded, ["dear"]);
        assert_eq!(s.unpriced, ["nope"]);
        assert_eq!(s.likely_usd, None);
        assert!(
            s.line().contains("no bound on the output of dear"),
            "{}",
            s.line()
        );
        assert!(s.line().contains("no price known for nope"), "{}", s.line());
    }

    #[test]
    fn the_estimate_is_said_against_what_was_spent() {
        let s = Spend {
            requests: 2,
            worst_usd: 0.02,
            likely_usd: Some(0.006),
            ..Default::default()
        };
        assert_eq!(
            s.against(Some(0.0058)),
            "spend: estimated $0.0200 at most, likely $0.0060; spent $0.0058 \
             (as priced: the gateway's figure where it gave one)"
        );
        let unsure = Spend {
            likely_usd: None,
            ..s
        };
        assert_eq!(
            unsure.against(None),
            "spend: estimated $0.0200 at most; spent an unknown amount (some answers had no known price)"
        );
    }
}

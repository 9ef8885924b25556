//! Cost of one response in USD, and where the figure came from.

use serde::{Deserialize, Serialize};

use crate::gateway::wire::{Prices, Usage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CostSource {
    /// The gateway's own figure for this response (`usage.cost`, `x-litellm-response-cost`).
    Gateway,
    /// Prices listed by the gateway's `/v1/models`.
    Models,
    /// Prices from the user's config.
    Config,
}

impl CostSource {
    pub fn label(self) -> &'static str {
        match self {
            CostSource::Gateway => "gateway",
            CostSource::Models => "models",
            CostSource::Config => "config",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cost {
    pub usd: f64,
    pub source: CostSource,
}

/// Tokens x price per 1M. Cached input is a subset of input tokens (OpenAI's convention) and is
/// charged at the cached price when one is known; reasoning tokens are a subset of output tokens
/// and are charged at the reasoning price when one is known.
pub fn priced(usage: &Usage, p: &Prices) -> Option<f64> {
    let (input, output) = (p.input?, p.output?);
    let cached = usage.cached_input_tokens.min(usage.input_tokens);
    let reasoning = usage.reasoning_tokens.min(usage.output_tokens);
    let per = |tokens: u64, price: f64| tokens as f64 * price / 1_000_000.0;
    Some(
        per(usage.input_tokens - cached, input)
            + per(cached, p.cached_input.unwrap_or(input))
            + per(usage.output_tokens - reasoning, output)
            + per(reasoning, p.reasoning.unwrap_or(output)),
    )
}

/// The first source that knows: the gateway's own figure, then `/v1/models` prices, then config.
pub fn resolve(
    usage: Option<&Usage>,
    gateway_usd: Option<f64>,
    models: Option<&Prices>,
    config: Option<&Prices>,
) -> Option<Cost> {
    if let Some(usd) = gateway_usd.filter(|v| v.is_finite() && *v >= 0.0) {
        return Some(Cost {
            usd,
            source: CostSource::Gateway,
        });
    }
    computed(usage?, models, config)
}

/// Tokens x price: `/v1/models` prices first, then the config's.
pub fn computed(usage: &Usage, models: Option<&Prices>, config: Option<&Prices>) -> Option<Cost> {
    [(models, CostSource::Models), (config, CostSource::Config)]
        .into_iter()
        .find_map(|(p, source)| priced(usage, p?).map(|usd| Cost { usd, source }))
}

/// The gateway's bill beside tokens x price, summed over the answers that had both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Bill {
    pub requests: u64,
    pub gateway_usd: f64,
    pub computed_usd: f64,
}

impl Bill {
    pub fn add(&mut self, gateway_usd: f64, computed_usd: f64) {
        self.requests += 1;
        self.gateway_usd += gateway_usd;
        self.computed_usd += computed_usd;
    }

    pub fn merge(&mut self, o: &Bill) {
        let Bill {
            requests,
            gateway_usd,
            computed_usd,
        } = o;
        self.requests += requests;
        self.gateway_usd += gateway_usd;
        self.computed_usd += computed_usd;
    }

    /// How far the gateway's bill is from tokens x price, in percent of the latter.
    pub fn diff_pct(&self) -> Option<f64> {
        (self.requests > 0 && self.computed_usd > 0.0)
            .then(|| (self.gateway_usd - self.computed_usd) / self.computed_usd * 100.0)
    }

    pub fn differs(&self) -> bool {
        self.requests > 0 && differs(self.gateway_usd, self.computed_usd)
    }
}

/// The gateway's bill differs from tokens x price by more than 1% (of the larger).
pub fn differs(gateway_usd: f64, computed_usd: f64) -> bool {
    let big = gateway_usd.abs().max(computed_usd.abs());
    big > 0.0 && (gateway_usd - computed_usd).abs() > 0.01 * big
}

/// USD per 1,000 tokens: `usd` spent on `tokens`; `None` for no tokens.
pub fn per_1k(usd: f64, tokens: u64) -> Option<f64> {
    (tokens > 0).then(|| usd / tokens as f64 * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage() -> Usage {
        Usage {
            input_tokens: 1_000_000,
            output_tokens: 500_000,
            cached_input_tokens: 200_000,
            reasoning_tokens: 100_000,
            cost_usd: None,
        }
    }

    #[test]
    fn priced_splits_cached_and_reasoning() {
        let p = Prices {
            input: Some(2.0),
            cached_input: Some(0.5),
            output: Some(10.0),
            reasoning: Some(20.0),
        };
        // 0.8M*2 + 0.2M*0.5 + 0.4M*10 + 0.1M*20
        let got = priced(&usage(), &p).unwrap();
        assert!((got - (1.6 + 0.1 + 4.0 + 2.0)).abs() < 1e-9, "{got}");
        let plain = Prices {
            input: Some(2.0),
            output: Some(10.0),
            ..Default::default()
        };
        assert!((priced(&usage(), &plain).unwrap() - 7.0).abs() < 1e-9);
        assert_eq!(priced(&usage(), &Prices::default()), None);
    }

    #[test]
    fn labels_and_unusable_gateway_figures() {
        assert_eq!(CostSource::Gateway.label(), "gateway");
        assert_eq!(CostSource::Models.label(), "models");
        assert_eq!(CostSource::Config.label(), "config");
        let p = Prices {
            input: Some(1.0),
            output: Some(1.0),
            ..Default::default()
        };
        for bad in [f64::NAN, -0.5, f64::INFINITY] {
            let c = resolve(Some(&usage()), Some(bad), Some(&p), None).unwrap();
            assert_eq!(c.source, CostSource::Models, "{bad}");
        }
        assert_eq!(resolve(None, Some(f64::NAN), Some(&p), None), None);
    }

    #[test]
    fn sources_in_order() {
        let u = usage();
        let models = Prices {
            input: Some(1.0),
            output: Some(1.0),
            ..Default::default()
        };
        let config = Prices {
            input: Some(3.0),
            output: Some(3.0),
            ..Default::default()
        };
        let c = resolve(Some(&u), Some(0.42), Some(&models), Some(&config)).unwrap();
        assert_eq!(c.source, CostSource::Gateway);
        assert_eq!(c.usd, 0.42);
        let c = resolve(Some(&u), None, Some(&models), Some(&config)).unwrap();
        assert_eq!(c.source, CostSource::Models);
        let c = resolve(Some(&u), None, Some(&Prices::default()), Some(&config)).unwrap();
        assert_eq!(c.source, CostSource::Config);
        assert_eq!(resolve(Some(&u), None, None, None), None);
        assert_eq!(resolve(None, None, Some(&models), None), None);
    }
}

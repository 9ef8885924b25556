//! `/v1/models` in every shape seen: OpenAI, OpenRouter (prices as strings per token), llama-server
//! (`meta.n_ctx_train`), vLLM (`max_model_len`), LiteLLM. Normalised into `ModelInfo`.

use serde::{Deserialize, Serialize};

use super::{lenient_f64, lenient_u64};

#[derive(Debug, Deserialize, Default)]
pub struct RawModelList {
    #[serde(default)]
    pub data: Vec<RawModel>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawModel {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub owned_by: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub context_length: Option<u64>,
    /// vLLM
    #[serde(default, deserialize_with = "lenient_u64")]
    pub max_model_len: Option<u64>,
    #[serde(default)]
    pub pricing: Option<RawPricing>,
    #[serde(default)]
    pub top_provider: Option<RawTopProvider>,
    /// llama-server
    #[serde(default)]
    pub meta: Option<RawLlamaMeta>,
}

/// OpenRouter-style prices: USD per token, usually as strings.
#[derive(Debug, Deserialize, Default)]
pub struct RawPricing {
    #[serde(default, deserialize_with = "lenient_f64")]
    pub prompt: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub completion: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub input_cache_read: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub internal_reasoning: Option<f64>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawTopProvider {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub context_length: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawLlamaMeta {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub n_ctx: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub n_ctx_train: Option<u64>,
}

/// Prices in USD per 1M tokens, the unit people quote.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Prices {
    pub input: Option<f64>,
    pub cached_input: Option<f64>,
    pub output: Option<f64>,
    pub reasoning: Option<f64>,
}

impl Prices {
    pub fn is_known(&self) -> bool {
        self.input.is_some() && self.output.is_some()
    }
}

/// What we know of one model, normalised across server kinds.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ModelInfo {
    pub id: String,
    pub context_length: Option<u64>,
    pub prices: Prices,
    pub owned_by: Option<String>,
}

impl From<RawModel> for ModelInfo {
    fn from(m: RawModel) -> Self {
        let per_m = |v: Option<f64>| v.map(|p| p * 1_000_000.0);
        let prices = m
            .pricing
            .map(|p| Prices {
                input: per_m(p.prompt),
                cached_input: per_m(p.input_cache_read),
                output: per_m(p.completion),
                reasoning: per_m(p.internal_reasoning),
            })
            .unwrap_or_default();
        let context_length = m
            .context_length
            .or(m.top_provider.and_then(|t| t.context_length))
            .or(m.max_model_len)
            .or(m.meta.and_then(|x| x.n_ctx.or(x.n_ctx_train)));
        Self {
            id: m.id,
            context_length,
            prices,
            owned_by: m.owned_by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_all_shapes() {
        let body = r#"{"object":"list","data":[
            {"id":"gpt-4o","object":"model","created":1,"owned_by":"openai"},
            {"id":"or/x","context_length":"131072","pricing":{"prompt":"0.0000025","completion":"0.00001","input_cache_read":"0.00000125"},"extra":{"nested":[1,2]}},
            {"id":"llama","owned_by":"llamacpp","meta":{"n_ctx_train":8192,"n_vocab":32000}},
            {"id":"vllm","max_model_len":32768},
            {"id":"weird","context_length":null,"pricing":{"prompt":"free","completion":-1}}
        ],"models":[{"name":"ignored"}]}"#;
        let list: RawModelList = serde_json::from_str(body).unwrap();
        let m: Vec<ModelInfo> = list.data.into_iter().map(ModelInfo::from).collect();
        assert_eq!(m.len(), 5);
        assert_eq!(m[0].context_length, None);
        assert!(!m[0].prices.is_known());
        assert_eq!(m[1].context_length, Some(131072));
        assert!((m[1].prices.input.unwrap() - 2.5).abs() < 1e-9);
        assert!((m[1].prices.output.unwrap() - 10.0).abs() < 1e-9);
        assert!((m[1].prices.cached_input.unwrap() - 1.25).abs() < 1e-9);
        assert_eq!(m[2].context_length, Some(8192));
        assert_eq!(m[3].context_length, Some(32768));
        assert_eq!(m[4].prices.input, None);
    }
}

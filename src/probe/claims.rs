//! What the gateway claims a model supports: OpenRouter's `/models` `supported_parameters`, and
//! LiteLLM's `/model/info` `supports_*` flags. Set beside the probe's results, where a claim the
//! probe refutes is flagged.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Capability, Cell, Verdict};
use crate::gateway::Client;

/// Claims by model: capability -> claimed or not.
pub type Claims = BTreeMap<String, BTreeMap<Capability, bool>>;

/// OpenRouter's parameter names, by capability (any one of them claims it).
fn openrouter_params(c: Capability) -> &'static [&'static str] {
    use Capability as C;
    match c {
        C::Tools | C::ParallelTools => &["tools"],
        C::ToolChoiceRequired | C::ToolChoiceNone => &["tool_choice"],
        C::JsonObject => &["response_format"],
        C::JsonSchema => &["structured_outputs"],
        C::Logprobs => &["logprobs", "top_logprobs"],
        C::Seed => &["seed"],
        C::Stop => &["stop"],
        C::MaxTokens => &["max_tokens"],
        C::N => &["n"],
        C::Reasoning => &["reasoning", "include_reasoning"],
        C::Streaming | C::UsageAsked | C::UsageUnasked | C::SystemRole | C::ResponsesApi => &[],
    }
}

/// LiteLLM's `model_info` flag, by capability.
fn litellm_flag(c: Capability) -> Option<&'static str> {
    use Capability as C;
    match c {
        C::Tools => Some("supports_function_calling"),
        C::ParallelTools => Some("supports_parallel_function_calling"),
        C::ToolChoiceRequired | C::ToolChoiceNone => Some("supports_tool_choice"),
        C::JsonSchema => Some("supports_response_schema"),
        C::Reasoning => Some("supports_reasoning"),
        C::SystemRole => Some("supports_system_messages"),
        C::Streaming
        | C::UsageAsked
        | C::UsageUnasked
        | C::JsonObject
        | C::Logprobs
        | C::Seed
        | C::Stop
        | C::MaxTokens
        | C::N
        | C::ResponsesApi => None,
    }
}

/// Claims from an OpenRouter-shaped model list: `data[].{id, supported_parameters}`.
pub fn from_openrouter(v: &Value) -> Claims {
    let mut out = Claims::new();
    for m in v["data"].as_array().into_iter().flatten() {
        let (Some(id), Some(params)) = (m["id"].as_str(), m["supported_parameters"].as_array())
        else {
            continue;
        };
        let has = |p: &str| params.iter().any(|x| x.as_str() == Some(p));
        let claims = Capability::ALL
            .iter()
            .filter(|c| !openrouter_params(**c).is_empty())
            .map(|c| (*c, openrouter_params(*c).iter().any(|p| has(p))))
            .collect();
        out.insert(id.to_string(), claims);
    }
    out
}

/// Claims from LiteLLM's `/model/info`: `data[].{model_name, model_info: {supports_*}}`.
pub fn from_litellm(v: &Value) -> Claims {
    let mut out = Claims::new();
    for m in v["data"].as_array().into_iter().flatten() {
        let Some(id) = m["model_name"].as_str() else {
            continue;
        };
        let info = &m["model_info"];
        let claims: BTreeMap<Capability, bool> = Capability::ALL
            .iter()
            .filter_map(|c| Some((*c, info.get(litellm_flag(*c)?)?.as_bool()?)))
            .collect();
        if !claims.is_empty() {
            out.entry(id.to_string()).or_default().extend(claims);
        }
    }
    out
}

/// Ask both shapes; a gateway that serves neither claims nothing (never an error).
pub async fn fetch(client: &Client) -> Claims {
    let mut claims = match client.get_json("/models", false).await {
        Ok(v) => from_openrouter(&v),
        Err(_) => Claims::new(),
    };
    if let Ok(v) = client.get_json("/model/info", true).await {
        for (m, c) in from_litellm(&v) {
            claims.entry(m).or_default().extend(c);
        }
    }
    claims
}

/// Set the claims beside the cells: a claimed capability the probe found absent is refuted.
pub fn apply(cells: &mut [Cell], claims: Option<&BTreeMap<Capability, bool>>) {
    let Some(claims) = claims else { return };
    for cell in cells {
        cell.claimed = claims.get(&cell.capability).copied();
        cell.refuted = cell.claimed == Some(true) && cell.verdict == Verdict::No;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openrouter_and_litellm_claims_are_read() {
        let or = from_openrouter(&json!({"data": [
            {"id": "a", "supported_parameters": ["tools", "tool_choice", "seed"]},
            {"id": "b"}
        ]}));
        let a = &or["a"];
        assert!(a[&Capability::Tools]);
        assert!(!a[&Capability::JsonSchema]);
        assert!(!a.contains_key(&Capability::Streaming));
        assert!(!or.contains_key("b"), "no list: no claims");
        let ll = from_litellm(&json!({"data": [
            {"model_name": "m", "model_info": {"supports_function_calling": true,
             "supports_response_schema": false, "max_tokens": 10}},
            {"model_name": "n", "model_info": {}}
        ]}));
        assert!(ll["m"][&Capability::Tools]);
        assert!(!ll["m"][&Capability::JsonSchema]);
        assert!(!ll.contains_key("n"));
    }

    #[test]
    fn a_claim_the_probe_refutes_is_flagged() {
        let cell = |c, v| Cell {
            capability: c,
            verdict: v,
            reason: String::new(),
            evidence: Default::default(),
            claimed: None,
            refuted: false,
        };
        let mut cells = vec![
            cell(Capability::Tools, Verdict::No),
            cell(Capability::Seed, Verdict::Yes),
            cell(Capability::Stop, Verdict::No),
        ];
        let claims = BTreeMap::from([(Capability::Tools, true), (Capability::Stop, false)]);
        apply(&mut cells, Some(&claims));
        assert!(cells[0].refuted);
        assert_eq!((cells[1].claimed, cells[1].refuted), (None, false));
        assert_eq!((cells[2].claimed, cells[2].refuted), (Some(false), false));
    }
}

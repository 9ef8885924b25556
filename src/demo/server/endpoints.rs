//! The demo gateway's read-only endpoints: the model list, the simulated account in OpenRouter's
//! and LiteLLM's shapes, generation stats in OpenRouter's, and the test hooks (`/demo/stats`,
//! `/demo/trace`).

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::script::per_token;
use super::{LIMIT_REQUESTS, LIMIT_TOKENS, Shared, authorized};

pub(super) async fn list_models(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(r) = authorized(&shared, &headers) {
        return r;
    }
    let data: Vec<Value> = shared
        .models
        .iter()
        .map(|m| {
            let mut pricing = json!({
                "prompt": per_token(m.input_per_mtok),
                "completion": per_token(m.output_per_mtok),
            });
            if let Some(c) = m.cached_input_per_mtok {
                pricing["input_cache_read"] = json!(per_token(c));
            }
            // What the listing claims, OpenRouter's way; `demo/local-free` claims tools it
            // ignores, so a probe has a wrong claim to refute.
            let mut params = vec![
                "max_tokens",
                "temperature",
                "tools",
                "tool_choice",
                "response_format",
                "structured_outputs",
                "logprobs",
                "top_logprobs",
                "seed",
                "stop",
            ];
            if m.reasoning_tokens > 0 {
                params.push("reasoning");
            }
            json!({
                "id": m.id,
                "supported_parameters": params,
                "object": "model",
                "created": 1_735_689_600,
                "owned_by": "gatebench-demo",
                "name": m.name,
                "description": m.description,
                "context_length": m.context_length,
                "pricing": pricing,
            })
        })
        .collect();
    axum::Json(json!({"object": "list", "data": data})).into_response()
}

/// The account endpoints: OpenRouter's `/key` and `/credits`, LiteLLM's `/key/info`.
pub(super) async fn account_key(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    match authorized(&shared, &headers) {
        Ok(()) => axum::Json(shared.account.key(LIMIT_REQUESTS)).into_response(),
        Err(r) => r,
    }
}

pub(super) async fn account_credits(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    match authorized(&shared, &headers) {
        Ok(()) => axum::Json(shared.account.credits()).into_response(),
        Err(r) => r,
    }
}

pub(super) async fn account_key_info(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    match authorized(&shared, &headers) {
        Ok(()) => axum::Json(shared.account.key_info(LIMIT_REQUESTS, LIMIT_TOKENS)).into_response(),
        Err(r) => r,
    }
}

/// OpenRouter's `GET /api/v1/generation?id=`: 404 until the stats are ready (the first ask).
pub(super) async fn generation(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    if let Err(r) = authorized(&shared, &headers) {
        return r;
    }
    let found = q.get("id").and_then(|id| shared.generations.get(id));
    match found {
        Some(v) => axum::Json(v).into_response(),
        None => super::error(
            axum::http::StatusCode::NOT_FOUND,
            "Generation not found (stats arrive a moment after the answer)",
            "not_found_error",
            None,
        ),
    }
}

pub(super) async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    let requests = shared
        .requests
        .lock()
        .map(|m| m.clone())
        .unwrap_or_default();
    axum::Json(json!({ "requests": requests })).into_response()
}

pub(super) async fn trace(State(shared): State<Arc<Shared>>) -> Response {
    let t = shared.trace.lock().map(|t| t.clone()).unwrap_or_default();
    axum::Json(json!({ "streams": t })).into_response()
}

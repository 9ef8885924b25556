//! The demo gateway's simulated account: trial credits that each answer's cost comes off, a 402
//! once they are spent, and the account endpoints in OpenRouter's shape (`/v1/key`,
//! `/v1/credits`) and LiteLLM's (`/key/info`), so the account figures work offline.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::script::{ApiError, Ask, unix_now};
use super::server::{Shared, authorized};

/// What the demo account has spent: in all, and on the current UTC day.
#[derive(Debug, Default)]
pub struct Spent {
    pub total_usd: f64,
    pub day: u64,
    pub today_usd: f64,
}

/// What an answer of `output_tokens` (reasoning included) to `ask` costs at its model's prices:
/// the figure a client computes from the usage the answer reports.
pub fn cost(ask: &Ask, output_tokens: usize) -> f64 {
    let m = &ask.model;
    (ask.prompt_tokens as f64 * m.input_per_mtok + output_tokens as f64 * m.output_per_mtok) / 1e6
}

fn spent(shared: &Shared) -> std::sync::MutexGuard<'_, Spent> {
    shared.spent.lock().unwrap_or_else(|e| e.into_inner())
}

/// Take an answer's cost off the credits.
pub(super) fn charge(shared: &Shared, ask: &Ask, output_tokens: usize) {
    let usd = cost(ask, output_tokens);
    let day = unix_now() / 86_400;
    let mut s = spent(shared);
    if s.day != day {
        s.day = day;
        s.today_usd = 0.0;
    }
    s.total_usd += usd;
    s.today_usd += usd;
}

/// The 402 a request gets once the credits are spent.
pub(super) fn out_of_credits(shared: &Shared) -> Option<ApiError> {
    let left = shared.cfg.credits_usd - spent(shared).total_usd;
    (left <= 0.0).then(|| {
        ApiError::new(
            402,
            &format!(
                "Insufficient credits: the demo account's ${:.2} of trial credits are spent. \
                 Restart the demo gateway (or pass --demo-credits) for more.",
                shared.cfg.credits_usd
            ),
            "insufficient_quota",
            Some("insufficient_credits"),
        )
    })
}

/// Limit, left, spent: rounded to the cent's hundredth, as gateways report money.
fn figures(shared: &Shared) -> (f64, f64, f64, f64) {
    let r = |x: f64| (x * 1e6).round() / 1e6;
    let s = spent(shared);
    let limit = shared.cfg.credits_usd;
    (
        r(limit),
        r((limit - s.total_usd).max(0.0)),
        r(s.total_usd),
        r(s.today_usd),
    )
}

/// OpenRouter's `GET /api/v1/key`.
pub(super) async fn key(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(r) = authorized(&shared, &headers) {
        return r;
    }
    let (limit, left, total, today) = figures(&shared);
    axum::Json(json!({"data": {
        "label": "demo trial key",
        "limit": limit,
        "limit_remaining": left,
        "limit_reset": null,
        "include_byok_in_limit": false,
        "usage": total,
        "usage_daily": today,
        "usage_weekly": total,
        "usage_monthly": total,
        "is_free_tier": true,
        "rate_limit": {"requests": super::server::LIMIT_REQUESTS, "interval": "1m"},
    }}))
    .into_response()
}

/// OpenRouter's `GET /api/v1/credits` (a management key's view there; the demo key may see it).
pub(super) async fn credits(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(r) = authorized(&shared, &headers) {
        return r;
    }
    let (limit, _, total, _) = figures(&shared);
    axum::Json(json!({"data": {"total_credits": limit, "total_usage": total}})).into_response()
}

/// LiteLLM's `GET /key/info`, in the nested shape of newer proxies.
pub(super) async fn key_info(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(r) = authorized(&shared, &headers) {
        return r;
    }
    let (limit, _, total, _) = figures(&shared);
    axum::Json(json!({
        "key": "demo",
        "info": {
            "key_alias": "demo trial key",
            "spend": total,
            "max_budget": limit,
            "models": [],
            "tpm_limit": super::server::LIMIT_TOKENS,
            "rpm_limit": super::server::LIMIT_REQUESTS,
            "expires": null,
            "budget_reset_at": null,
        }
    }))
    .into_response()
}

//! The demo gateway's simulated account: trial credits that each answer's cost comes off, a 402
//! once they are spent, and the account endpoints in OpenRouter's shape (`/v1/key`,
//! `/v1/credits`) and LiteLLM's (`/key/info`), so the account figures work offline.

use std::sync::Mutex;

use serde_json::{Value, json};

use super::script::{ApiError, Ask, cost, unix_now};

/// What the demo account has spent: in all, and on the current UTC day.
#[derive(Debug, Default)]
pub struct Spent {
    pub total_usd: f64,
    pub day: u64,
    pub today_usd: f64,
}

/// The demo account: its trial credits, and what it has spent.
#[derive(Debug)]
pub struct DemoAccount {
    pub credits_usd: f64,
    pub spent: Mutex<Spent>,
}

impl DemoAccount {
    pub fn new(credits_usd: f64) -> Self {
        Self {
            credits_usd,
            spent: Mutex::new(Spent::default()),
        }
    }

    fn spent(&self) -> std::sync::MutexGuard<'_, Spent> {
        self.spent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Take an answer's cost off the credits.
    pub fn charge(&self, ask: &Ask, output_tokens: usize) {
        let usd = cost(ask, output_tokens);
        let day = unix_now() / 86_400;
        let mut s = self.spent();
        if s.day != day {
            s.day = day;
            s.today_usd = 0.0;
        }
        s.total_usd += usd;
        s.today_usd += usd;
    }

    /// The 402 a request gets once the credits are spent.
    pub fn out_of_credits(&self) -> Option<ApiError> {
        let left = self.credits_usd - self.spent().total_usd;
        (left <= 0.0).then(|| {
            ApiError::new(
                402,
                &format!(
                    "Insufficient credits: the demo account's ${:.2} of trial credits are spent. \
                     Restart the demo gateway (or pass --demo-credits) for more.",
                    self.credits_usd
                ),
                "insufficient_quota",
                Some("insufficient_credits"),
            )
        })
    }

    /// Limit, left, spent in all and today: to the micro-dollar, as gateways report money.
    fn figures(&self) -> (f64, f64, f64, f64) {
        let r = |x: f64| (x * 1e6).round() / 1e6;
        let s = self.spent();
        let limit = self.credits_usd;
        (
            r(limit),
            r((limit - s.total_usd).max(0.0)),
            r(s.total_usd),
            r(s.today_usd),
        )
    }

    /// OpenRouter's `GET /api/v1/key`.
    pub fn key(&self, requests_per_minute: u64) -> Value {
        let (limit, left, total, today) = self.figures();
        json!({"data": {
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
            "rate_limit": {"requests": requests_per_minute, "interval": "1m"},
        }})
    }

    /// OpenRouter's `GET /api/v1/credits` (a management key's view there; the demo key sees it).
    pub fn credits(&self) -> Value {
        let (limit, _, total, _) = self.figures();
        json!({"data": {"total_credits": limit, "total_usage": total}})
    }

    /// LiteLLM's `GET /key/info`, in the nested shape of newer proxies.
    pub fn key_info(&self, requests_per_minute: u64, tokens_per_minute: u64) -> Value {
        let (limit, _, total, _) = self.figures();
        json!({
            "key": "demo",
            "info": {
                "key_alias": "demo trial key",
                "spend": total,
                "max_budget": limit,
                "models": [],
                "tpm_limit": tokens_per_minute,
                "rpm_limit": requests_per_minute,
                "expires": null,
                "budget_reset_at": null,
            }
        })
    }
}

//! The gateway's own word on the account: credits or budget left, spend, limits, free tier and key
//! expiry, from the shapes gateways document (OpenRouter's `/key` and `/credits`, LiteLLM's
//! `/key/info`, flat and nested). Lenient: a field of the wrong type, or money that is negative or
//! not a number, is left out and said so, never turned into a made-up figure.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Client, GatewayError};

/// Which account endpoints a profile asks (`account = "auto"` in its config).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountApi {
    /// Try the known shapes once per session; a 404 means the gateway reports none.
    #[default]
    Auto,
    OpenRouter,
    LiteLlm,
    None,
}

/// What the gateway said about the account; every figure optional, in USD where money.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Where it came from: `openrouter /key`, `litellm /key/info`.
    pub source: String,
    /// The key's name (anything in it that looks like a key masked).
    pub label: Option<String>,
    /// Credits or budget left.
    pub left_usd: Option<f64>,
    /// The key's limit or budget.
    pub limit_usd: Option<f64>,
    /// Spent in all, today, this week, this month.
    pub spent_usd: Option<f64>,
    pub spent_today_usd: Option<f64>,
    pub spent_week_usd: Option<f64>,
    pub spent_month_usd: Option<f64>,
    /// Credits bought in all (OpenRouter's `/credits`, a management key's view).
    pub credits_usd: Option<f64>,
    /// When the limit or budget resets, as the gateway writes it.
    pub resets: Option<String>,
    pub free_tier: Option<bool>,
    pub requests_per_minute: Option<u64>,
    pub tokens_per_minute: Option<u64>,
    /// A rate limit the gateway states in its own words (`20 requests / 10s`).
    pub rate_limit: Option<String>,
    pub expires: Option<String>,
    /// Models the key may use, where the gateway restricts them.
    pub models: Vec<String>,
    /// What was left out, and why; what a further endpoint said.
    pub notes: Vec<String>,
}

/// The answer to "what does the gateway say about this account".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum AccountReport {
    Reported(Box<Account>),
    /// Every endpoint tried answered 404 (or the profile says `none`): not an error, not zero.
    /// `note` says why when the gateway said more (a LiteLLM proxy without a database).
    NotReported {
        tried: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

/// Money from a JSON value: a finite, non-negative number (or a numeric string).
pub(super) fn money(v: &Value, field: &str, notes: &mut Vec<String>) -> Option<f64> {
    let x = match v.get(field)? {
        Value::Null => return None,
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match x {
        Some(x) if x.is_finite() && x >= 0.0 => Some(x),
        _ => {
            notes.push(format!("{field} left out: not an amount of money"));
            None
        }
    }
}

pub(super) fn count(v: &Value, field: &str) -> Option<u64> {
    let x = v.get(field)?;
    x.as_u64().or_else(|| {
        x.as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| f as u64)
    })
}

/// A short text field, cleaned for a terminal and with key-like words masked.
pub(super) fn text(v: &Value, field: &str) -> Option<String> {
    let s = match v.get(field)? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let s = crate::clean::plain_line(&s, 120);
    (!s.is_empty()).then(|| crate::secret::mask_keylike(&s))
}

/// OpenRouter `GET /api/v1/key`: `data.{label, limit, limit_remaining, usage, ...}`.
pub fn from_openrouter_key(v: &Value) -> Result<Account, String> {
    let d = v
        .get("data")
        .filter(|d| d.is_object())
        .ok_or("no data object")?;
    let mut a = Account {
        source: "openrouter /key".into(),
        label: text(d, "label"),
        resets: text(d, "limit_reset"),
        free_tier: d.get("is_free_tier").and_then(Value::as_bool),
        ..Default::default()
    };
    let notes = &mut a.notes;
    a.limit_usd = money(d, "limit", notes);
    a.left_usd = money(d, "limit_remaining", notes);
    a.spent_usd = money(d, "usage", notes);
    a.spent_today_usd = money(d, "usage_daily", notes);
    a.spent_week_usd = money(d, "usage_weekly", notes);
    a.spent_month_usd = money(d, "usage_monthly", notes);
    if let Some(r) = d.get("rate_limit") {
        let (n, every) = (count(r, "requests"), text(r, "interval"));
        a.rate_limit = n.map(|n| match every {
            Some(i) => format!("{n} requests / {i}"),
            None => format!("{n} requests"),
        });
    }
    Ok(a)
}

/// OpenRouter `GET /api/v1/credits` into `a`: `data.{total_credits, total_usage}`.
pub fn add_openrouter_credits(a: &mut Account, v: &Value) -> Result<(), String> {
    let d = v
        .get("data")
        .filter(|d| d.is_object())
        .ok_or("no data object")?;
    let notes = &mut a.notes;
    let (total, used) = (
        money(d, "total_credits", notes),
        money(d, "total_usage", notes),
    );
    a.credits_usd = total;
    if let (Some(t), Some(u)) = (total, used) {
        // The account's balance; a key's own limit, when it has one, is the tighter figure.
        let balance = (t - u).max(0.0);
        a.left_usd = Some(a.left_usd.map_or(balance, |l| l.min(balance)));
    }
    Ok(())
}

/// LiteLLM `GET /key/info`: flat `{spend, max_budget, ...}` or nested `{key, info: {...}}`.
pub fn from_litellm_key_info(v: &Value) -> Result<Account, String> {
    let d = match v.get("info") {
        Some(i) if i.is_object() => i,
        _ if v.get("spend").is_some() || v.get("max_budget").is_some() => v,
        _ => return Err("neither a key's info nor its spend".into()),
    };
    let mut a = Account {
        source: "litellm /key/info".into(),
        label: text(d, "key_alias").or_else(|| text(d, "key_name")),
        resets: text(d, "budget_reset_at"),
        expires: text(d, "expires"),
        requests_per_minute: count(d, "rpm_limit"),
        tokens_per_minute: count(d, "tpm_limit"),
        models: d
            .get("models")
            .and_then(Value::as_array)
            .map(|m| {
                m.iter()
                    .filter_map(Value::as_str)
                    .take(200)
                    .map(|s| crate::clean::plain_line(s, 120))
                    .collect()
            })
            .unwrap_or_default(),
        ..Default::default()
    };
    let notes = &mut a.notes;
    a.spent_usd = money(d, "spend", notes);
    a.limit_usd = money(d, "max_budget", notes);
    if let (Some(limit), Some(spent)) = (a.limit_usd, a.spent_usd) {
        a.left_usd = Some((limit - spent).max(0.0));
    }
    Ok(a)
}

/// The gateway's answer for one endpoint: a document, "not here" (404), or an error.
async fn ask(client: &Client, path: &str, at_root: bool) -> Result<Option<Value>, GatewayError> {
    match client.get_json(path, at_root).await {
        Ok(v) => Ok(Some(v)),
        Err(GatewayError::Http { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Ask the gateway about the account, by the profile's setting.
/// `management`: OpenRouter's management key (the profile's `management_key_env`), used for
/// `/credits` only.
pub async fn fetch(
    client: &Client,
    api: AccountApi,
    management: Option<&crate::secret::Secret>,
) -> Result<AccountReport, GatewayError> {
    let mut tried = Vec::new();
    if matches!(api, AccountApi::Auto | AccountApi::OpenRouter) {
        tried.push("/key".to_string());
        if let Some(v) = ask(client, "/key", false).await? {
            let mut a = from_openrouter_key(&v).map_err(|e| malformed("/key", &e))?;
            let credits = match client.get_json_as("/credits", false, management).await {
                Ok(v) => Ok(Some(v)),
                Err(GatewayError::Http { status: 404, .. }) => Ok(None),
                Err(e) => Err(e),
            };
            match credits {
                Ok(Some(c)) => {
                    if let Err(e) = add_openrouter_credits(&mut a, &c) {
                        a.notes.push(format!("/credits: {e}"));
                    }
                }
                Ok(None) => {}
                Err(GatewayError::Http {
                    status: 401 | 403, ..
                }) => a.notes.push(match management {
                    Some(_) => "the management key was refused at /credits (401/403); these \
                                figures are the key's own"
                        .into(),
                    None => "credits bought and used need a management key (/credits answered \
                             401/403: set management_key_env in the profile); these figures are \
                             the key's own"
                        .into(),
                }),
                Err(e) => a.notes.push(format!("/credits: {e}")),
            }
            return Ok(AccountReport::Reported(Box::new(a)));
        }
    }
    if matches!(api, AccountApi::Auto | AccountApi::LiteLlm) {
        tried.push("/key/info".to_string());
        match ask(client, "/key/info", true).await {
            Ok(Some(v)) => {
                let a = from_litellm_key_info(&v).map_err(|e| malformed("/key/info", &e))?;
                return Ok(AccountReport::Reported(Box::new(a)));
            }
            Ok(None) => {}
            // A LiteLLM proxy without a database keeps no key data: it says so with a 500.
            Err(GatewayError::Http {
                status: 500,
                message,
                ..
            }) if message.contains("Database not connected") => {
                let note = "a LiteLLM proxy without a database keeps no key data (spend, budgets)";
                return Ok(AccountReport::NotReported {
                    tried,
                    note: Some(note.into()),
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(AccountReport::NotReported { tried, note: None })
}

fn malformed(path: &str, why: &str) -> GatewayError {
    GatewayError::Malformed {
        reason: format!("{path} did not describe an account: {why}"),
    }
}

impl Account {
    /// One line for the workbench: what is left first.
    pub fn line(&self) -> String {
        use crate::format::fmt_money;
        let mut parts = Vec::new();
        match (self.left_usd, self.limit_usd) {
            (Some(l), Some(t)) => parts.push(format!("{} left of {}", fmt_money(l), fmt_money(t))),
            (Some(l), None) => parts.push(format!("{} left", fmt_money(l))),
            (None, _) => {}
        }
        if let Some(d) = self.spent_today_usd {
            parts.push(format!("today {}", fmt_money(d)));
        } else if let Some(s) = self.spent_usd {
            parts.push(format!("spent {}", fmt_money(s)));
        }
        if self.free_tier == Some(true) {
            parts.push("free tier".into());
        }
        if parts.is_empty() {
            parts.push("no figures".into());
        }
        format!("account: {}", parts.join(" · "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/account");
        serde_json::from_str(&std::fs::read_to_string(p.join(name)).unwrap()).unwrap()
    }

    #[test]
    fn openrouter_s_key_and_credits() {
        let mut a = from_openrouter_key(&fixture("openrouter-key.json")).unwrap();
        assert_eq!(a.source, "openrouter /key");
        assert_eq!(
            (a.limit_usd, a.left_usd, a.spent_usd),
            (Some(25.0), Some(18.6231), Some(6.3769))
        );
        assert_eq!(
            (a.spent_today_usd, a.spent_week_usd, a.spent_month_usd),
            (Some(0.412), Some(2.05), Some(6.3769))
        );
        assert_eq!(
            (a.resets.as_deref(), a.free_tier),
            (Some("monthly"), Some(false))
        );
        // `requests: -1` is no count of requests.
        assert_eq!(a.rate_limit, None);
        assert_eq!(a.label.as_deref(), Some("****…3d3"));
        assert!(a.notes.is_empty(), "{:?}", a.notes);
        add_openrouter_credits(&mut a, &fixture("openrouter-credits.json")).unwrap();
        assert_eq!((a.credits_usd, a.left_usd), (Some(50.0), Some(9.75)));
        assert!(add_openrouter_credits(&mut a, &serde_json::json!({"data": 1})).is_err());
        assert!(from_openrouter_key(&serde_json::json!({"nodata": {}})).is_err());
        let limited =
            serde_json::json!({"data": {"rate_limit": {"requests": 20, "interval": "10s"}}});
        let a = from_openrouter_key(&limited).unwrap();
        assert_eq!(a.rate_limit.as_deref(), Some("20 requests / 10s"));
        assert_eq!(a.left_usd, None);
    }

    #[test]
    fn litellm_s_key_info_flat_and_nested() {
        let a = from_litellm_key_info(&fixture("litellm-key-info-flat.json")).unwrap();
        assert_eq!((a.spent_usd, a.limit_usd), (Some(3.2518), Some(10.0)));
        assert_eq!(a.left_usd, Some(10.0 - 3.2518));
        assert_eq!(
            (a.requests_per_minute, a.tokens_per_minute),
            (Some(60), Some(100_000))
        );
        assert_eq!(a.label.as_deref(), Some("team-eval"));
        assert_eq!(a.models, ["gpt-4o-mini", "llama-local"]);
        assert_eq!(a.resets.as_deref(), Some("2026-12-31T00:00:00Z"));
        let a = from_litellm_key_info(&fixture("litellm-key-info-nested.json")).unwrap();
        // No alias: the key's name, which is key-like, masked.
        assert_eq!(a.label.as_deref(), Some("****"));
        assert_eq!(
            (a.spent_usd, a.limit_usd, a.left_usd),
            (Some(0.25), None, None)
        );
        assert!(from_litellm_key_info(&serde_json::json!({"other": 1})).is_err());
    }

    #[test]
    fn money_numbers_and_strings_and_what_is_not_money() {
        let v = serde_json::json!({
            "n": 1.5, "s": " 2.25 ", "null": null, "neg": -1, "nan": "NaN", "word": "lots",
            "list": [1], "big": 7_000_000_000u64, "frac": 2.9, "negc": -3
        });
        let mut notes = Vec::new();
        assert_eq!(money(&v, "n", &mut notes), Some(1.5));
        assert_eq!(money(&v, "s", &mut notes), Some(2.25));
        assert_eq!(money(&v, "missing", &mut notes), None);
        assert_eq!(money(&v, "null", &mut notes), None);
        assert!(notes.is_empty());
        for bad in ["neg", "nan", "word", "list"] {
            assert_eq!(money(&v, bad, &mut notes), None, "{bad}");
        }
        assert_eq!(notes.len(), 4, "{notes:?}");
        assert_eq!(count(&v, "big"), Some(7_000_000_000));
        assert_eq!(count(&v, "frac"), Some(2));
        assert_eq!((count(&v, "negc"), count(&v, "word")), (None, None));
        assert_eq!(text(&v, "n").as_deref(), Some("1.5"));
        assert_eq!(text(&serde_json::json!({"t": "  "}), "t"), None);
        assert_eq!(text(&v, "list"), None);
    }

    #[test]
    fn the_workbench_line_puts_what_is_left_first() {
        let mut a = Account {
            left_usd: Some(19.87),
            limit_usd: Some(20.0),
            spent_today_usd: Some(0.13),
            ..Default::default()
        };
        assert_eq!(a.line(), "account: $19.87 left of $20.00 · today $0.1300");
        (a.limit_usd, a.spent_today_usd, a.spent_usd) = (None, None, Some(3.0));
        a.free_tier = Some(true);
        assert_eq!(a.line(), "account: $19.87 left · spent $3.00 · free tier");
        assert_eq!(Account::default().line(), "account: no figures");
    }
}

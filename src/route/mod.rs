//! Routes: an ordered chain of models and the rules that move a request to the next hop.
//!
//! Every attempt is an explicit decision of the pure policy (`policy`); the thin async runner
//! (`runner`) carries it out. The client itself never re-sends. Each hop tried is recorded (model,
//! error, time it cost), so a fallback is always visible, never silent.

pub mod policy;
pub mod rules;
pub mod runner;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use crate::answer::{Hop, RouteOutcome};
use crate::gateway::ErrorKind;
pub use policy::Next;
pub use runner::{RouteEvent, run, stream};

/// A route as written in the config: `[routes.NAME]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouteConfig {
    pub chain: Vec<String>,
    /// Failures that move on (after retries); default: every failure but auth, not_found and bad_request.
    pub on: Vec<String>,
    /// Extra attempts on the same hop before moving on.
    pub retries: u32,
    pub backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// Give up on a hop when no answer token arrived within this long.
    pub first_token_timeout_ms: Option<u64>,
    /// When a stream fails after its answer started: `false` keeps the partial answer and stops,
    /// `true` starts again from scratch on the next hop (the partial answer is kept, marked).
    pub restart_after_content: bool,
    /// Rules that pick the first model by what the request is, before the chain (first match).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<rules::RuleConfig>,
}

impl Default for RouteConfig {
    fn default() -> Self {
        Self {
            chain: Vec::new(),
            on: Vec::new(),
            retries: 0,
            backoff_ms: 250,
            max_backoff_ms: 10_000,
            first_token_timeout_ms: None,
            restart_after_content: false,
            rules: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub name: String,
    pub chain: Vec<String>,
    pub on: Vec<ErrorKind>,
    pub retries: u32,
    pub backoff: Duration,
    pub max_backoff: Duration,
    pub first_token_timeout: Option<Duration>,
    pub restart_after_content: bool,
    /// Rules that pick the first model (see `rules`).
    pub rules: Vec<rules::Rule>,
}

/// What a route moves on after unless it says otherwise: the first eight routable kinds (not
/// `upstream`/`malformed` on their own, nor `auth`, `not_found`, `client_error`).
pub const DEFAULT_ON: &[ErrorKind] = ErrorKind::ROUTABLE.split_at(8).0;

impl Route {
    pub fn from_config(name: &str, c: &RouteConfig) -> Result<Self, String> {
        if c.chain.is_empty() {
            return Err(format!(
                "route {name:?}: chain is empty; list at least one model"
            ));
        }
        let on = if c.on.is_empty() {
            DEFAULT_ON.to_vec()
        } else {
            c.on.iter()
                .map(|s| {
                    let kind = ErrorKind::parse(s).filter(|k| ErrorKind::ROUTABLE.contains(k));
                    kind.ok_or_else(|| {
                        let known: Vec<&str> =
                            ErrorKind::ROUTABLE.iter().map(|f| f.name()).collect();
                        format!(
                            "route {name:?}: unknown failure {s:?} in `on` (known: {})",
                            known.join(", ")
                        )
                    })
                })
                .collect::<Result<_, _>>()?
        };
        Ok(Self {
            name: name.to_string(),
            chain: c.chain.clone(),
            on,
            retries: c.retries,
            backoff: Duration::from_millis(c.backoff_ms),
            max_backoff: Duration::from_millis(c.max_backoff_ms.max(c.backoff_ms)),
            first_token_timeout: c.first_token_timeout_ms.map(Duration::from_millis),
            restart_after_content: c.restart_after_content,
            rules: c
                .rules
                .iter()
                .map(|r| rules::Rule::from_config(name, r))
                .collect::<Result<_, _>>()?,
        })
    }

    /// A single model, no fallback: what a pane without a route does.
    pub fn single(model: &str) -> Self {
        Self {
            name: model.to_string(),
            chain: vec![model.to_string()],
            on: Vec::new(),
            retries: 0,
            backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
            first_token_timeout: None,
            restart_after_content: false,
            rules: Vec::new(),
        }
    }

    /// The config this route came from (the inverse of `from_config`).
    pub fn to_config(&self) -> RouteConfig {
        let ms = |d: Duration| d.as_millis().min(u64::MAX as u128) as u64;
        RouteConfig {
            chain: self.chain.clone(),
            on: self.on.iter().map(|k| k.name().to_string()).collect(),
            retries: self.retries,
            backoff_ms: ms(self.backoff),
            max_backoff_ms: ms(self.max_backoff),
            first_token_timeout_ms: self.first_token_timeout.map(ms),
            restart_after_content: self.restart_after_content,
            rules: self.rules.iter().map(rules::Rule::to_config).collect(),
        }
    }

    /// The same route with only its first hop (fallback turned off); retries stay.
    pub fn primary_only(&self) -> Self {
        Self {
            chain: self.chain[..1].to_vec(),
            ..self.clone()
        }
    }
}

/// The built-in routes of the demo profile.
pub fn demo_routes() -> BTreeMap<String, RouteConfig> {
    let mut m = BTreeMap::new();
    m.insert(
        "demo-fallback".to_string(),
        RouteConfig {
            chain: vec!["demo/flaky".into(), "demo/fast-mini".into()],
            retries: 1,
            backoff_ms: 200,
            max_backoff_ms: 2_000,
            first_token_timeout_ms: Some(5_000),
            restart_after_content: true,
            ..Default::default()
        },
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_to_route() {
        let c = RouteConfig {
            chain: vec!["a".into(), "b".into()],
            on: vec!["429".into(), "5xx".into(), "cut".into()],
            retries: 2,
            backoff_ms: 100,
            max_backoff_ms: 50,
            first_token_timeout_ms: Some(700),
            restart_after_content: true,
            rules: Vec::new(),
        };
        let r = Route::from_config("r", &c).unwrap();
        assert_eq!(
            r.on,
            vec![
                ErrorKind::RateLimited,
                ErrorKind::ServerError,
                ErrorKind::Cut
            ]
        );
        assert_eq!(r.retries, 2);
        assert_eq!(r.backoff, Duration::from_millis(100));
        // The cap is never below the base.
        assert_eq!(r.max_backoff, Duration::from_millis(100));
        assert_eq!(r.first_token_timeout, Some(Duration::from_millis(700)));
        assert!(r.restart_after_content);
        assert_eq!(r.primary_only().chain, vec!["a".to_string()]);
        assert_eq!(r.primary_only().retries, 2);
        for bad in ["sometimes", "cancelled", "other"] {
            let c = RouteConfig {
                on: vec![bad.into()],
                ..c.clone()
            };
            assert!(Route::from_config("r", &c).unwrap_err().contains(bad));
        }
        assert!(Route::from_config("r", &RouteConfig::default()).is_err());
        let plain = RouteConfig {
            chain: vec!["a".into()],
            ..Default::default()
        };
        assert_eq!(
            Route::from_config("r", &plain).unwrap().on,
            DEFAULT_ON.to_vec()
        );
        assert_eq!(Route::from_config("r", &r.to_config()).unwrap(), r);
        let single = Route::single("m");
        assert_eq!((single.chain.len(), single.on.len()), (1, 0));
    }

    #[test]
    fn demo_route_restarts_after_content() {
        let r = &demo_routes()["demo-fallback"];
        assert_eq!(r.chain, ["demo/flaky", "demo/fast-mini"]);
        assert!(r.restart_after_content);
        assert_eq!((r.retries, r.backoff_ms, r.max_backoff_ms), (1, 200, 2_000));
        assert_eq!(r.first_token_timeout_ms, Some(5_000));
    }
}

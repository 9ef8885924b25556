//! A resolved profile with a ready client; starts the in-process demo gateway when needed.

use crate::config::{Config, Env, ProcessEnv, Profile, Selection};
use crate::demo::{self, DemoConfig, DemoHandle};
use crate::gateway::{Client, Endpoint};
use crate::secret::Secret;

pub struct Session {
    pub config: Config,
    pub profile: Profile,
    pub base_url: String,
    pub client: Client,
    pub has_key: bool,
    /// Scrubbed from everything stored.
    pub key: Option<Secret>,
    /// OpenRouter's management key, from the profile's `management_key_env`: sent to `/credits`
    /// only, at the same origin.
    pub management_key: Option<Secret>,
    /// Kept alive for as long as the session: dropping it stops the demo gateway.
    pub demo: Option<DemoHandle>,
}

impl Session {
    pub async fn open(
        config: Config,
        sel: &Selection,
        demo_cfg: DemoConfig,
    ) -> anyhow::Result<Self> {
        let profile = crate::config::resolve(&config, sel, &ProcessEnv)?;
        let (base_url, key, demo) = match &profile.base_url {
            Some(url) => {
                let key = profile
                    .api_key_env
                    .as_deref()
                    .and_then(|k| ProcessEnv.var(k))
                    .map(Secret::new);
                (url.clone(), key, None)
            }
            None => {
                let handle = demo::spawn(demo_cfg).await.map_err(|e| {
                    anyhow::anyhow!("cannot start the demo gateway on 127.0.0.1: {e}")
                })?;
                (
                    handle.base_url.clone(),
                    Some(Secret::new(handle.key.clone())),
                    Some(handle),
                )
            }
        };
        let management_key = profile
            .management_key_env
            .as_deref()
            .and_then(|k| ProcessEnv.var(k))
            .map(Secret::new);
        let client = Client::new(Endpoint {
            base_url: base_url.clone(),
            api_key: key.clone(),
            key_env: profile.api_key_env.clone(),
            headers: profile.headers.clone(),
            key_header: profile.key_header.clone(),
            timeouts: profile.timeouts,
            limits: profile.limits,
            api: profile.api,
        })?;
        Ok(Self {
            config,
            profile,
            base_url,
            client,
            has_key: key.is_some(),
            key,
            management_key,
            demo,
        })
    }

    /// Typical output tokens by model, for a spend estimate's likely case: the history's median
    /// where it has one, else (on the demo gateway) the simulated model's own.
    pub fn typical_output(
        &self,
        history: Option<&crate::history::Store>,
    ) -> std::collections::BTreeMap<String, u64> {
        let mut typical = if self.demo.is_some() {
            demo::models::typical_output()
        } else {
            Default::default()
        };
        let seen = history
            .and_then(|s| crate::history::board::typical_output(s).ok())
            .unwrap_or_default();
        typical.extend(seen);
        typical
    }

    /// The gateway a probe is kept under in the history: its base URL, or the built-in demo
    /// (whose port changes every run).
    pub fn gateway_id(&self) -> String {
        if self.profile.is_demo() {
            "built-in demo gateway".into()
        } else {
            self.base_url.clone()
        }
    }

    /// The last probe of every target on this gateway, from the history (empty without one).
    pub fn last_probes(
        &self,
        history: Option<&crate::history::Store>,
    ) -> std::collections::BTreeMap<String, (i64, crate::probe::TargetProbe)> {
        history
            .and_then(|s| s.last_probes(&self.gateway_id()).ok())
            .unwrap_or_default()
    }

    /// `[watch]` when it names targets: its gateway and thresholds (the config's, else the
    /// defaults), and the targets failing their watch now, from the history's last day.
    pub fn watch_setup(
        &self,
        history: Option<&crate::history::Store>,
    ) -> Option<(
        String,
        crate::watch::Thresholds,
        std::collections::BTreeSet<String>,
    )> {
        use crate::watch::{State, Thresholds, drift, report::by_target};
        let w = &self.config.watch;
        if w.targets.is_empty() {
            return None;
        }
        let thresholds = w
            .thresholds
            .as_deref()
            .and_then(|t| Thresholds::default().parse_over(t).ok())
            .unwrap_or_default();
        let since = crate::clock::now_ms() - 24 * 3_600_000;
        let samples = history
            .and_then(|s| s.watch_samples(&self.gateway_id(), since, 100_000).ok())
            .unwrap_or_default();
        let failing = by_target(samples)
            .into_iter()
            .filter(|(_, s)| {
                let from = s.len().saturating_sub(thresholds.window);
                let crossed = drift::evaluate(&s[from..], &s[..from], &thresholds);
                drift::state(&crossed) == State::Failing
            })
            .map(|(t, _)| t)
            .collect();
        Some((self.gateway_id(), thresholds, failing))
    }

    /// The models to use when none are named.
    pub fn default_models(&self) -> Vec<String> {
        if !self.profile.default_models.is_empty() {
            self.profile.default_models.clone()
        } else if self.profile.is_demo() {
            demo::DEFAULT_MODELS.iter().map(|s| s.to_string()).collect()
        } else {
            Vec::new()
        }
    }

    /// What `-m MODEL` and `-r ROUTE` name, in that order; the profile's default models when
    /// neither is given.
    pub fn targets(
        &self,
        models: &[String],
        routes: &[String],
    ) -> anyhow::Result<Vec<crate::bench::run::Target>> {
        use crate::bench::run::Target;
        let models = if models.is_empty() && routes.is_empty() {
            self.default_models()
        } else {
            models.to_vec()
        };
        let mut out: Vec<Target> = models
            .iter()
            .map(|m| Target {
                route: crate::route::Route::single(m),
                named: false,
            })
            .collect();
        for r in routes {
            out.push(Target {
                route: self.config.route(r, self.profile.is_demo())?,
                named: true,
            });
        }
        if out.is_empty() {
            anyhow::bail!(
                "no model named: pass -m MODEL (run `gatebench models` to list them) or -r ROUTE, \
                 or set default_models in the profile"
            );
        }
        Ok(out)
    }

    /// One line saying where requests go and why, plus how to connect a real gateway on demo.
    pub fn describe(&self) -> String {
        if self.profile.is_demo() {
            format!(
                "gatebench: using the built-in demo gateway at {} (simulated models; {}). \
                 To use InferGate: export INFERGATE_API_KEY=...; for another gateway: \
                 --profile openrouter|openai|litellm|portkey|ollama|llamacpp or --base-url URL --api-key-env VAR.",
                self.base_url, self.profile.reason
            )
        } else {
            let key = match (&self.profile.api_key_env, self.has_key) {
                (Some(env), true) => format!("key from ${env}"),
                (Some(env), false) => format!("no key: ${env} is not set"),
                (None, _) => "no key".to_string(),
            };
            format!(
                "gatebench: using profile {} at {} ({key}; {}).",
                self.profile.name, self.base_url, self.profile.reason
            )
        }
    }
}

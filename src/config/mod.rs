//! The TOML config file, built-in profiles, and how a profile is chosen.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::demo::models::FaultSpec;
use crate::gateway::wire::Prices;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Profile used when no flag names one (after `INFERGATE_API_KEY` / demo detection).
    pub default_profile: Option<String>,
    pub theme: Option<String>,
    pub budget_usd: Option<f64>,
    /// `false`: record nothing in the history database.
    pub history: Option<bool>,
    /// `false`: panes show answers as written, not rendered markdown.
    pub markdown: Option<bool>,
    pub profiles: BTreeMap<String, ProfileConfig>,
    pub prices: BTreeMap<String, Prices>,
    pub keys: BTreeMap<String, String>,
    pub routes: BTreeMap<String, crate::route::RouteConfig>,
    /// `[tools.NAME]`: function definitions offered with every `ask` (as `--tools FILE` does).
    pub tools: BTreeMap<String, crate::tools::ToolConfig>,
    pub demo: DemoSection,
    pub limits: LimitsConfig,
    /// `[watch]`: what `gatebench watch` keeps testing, how often, and what counts as drift.
    pub watch: WatchSection,
}

/// `[watch]`, every key optional; flags override.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WatchSection {
    /// Models and routes (`route:NAME`) to watch.
    pub targets: Vec<String>,
    pub prompt: Option<String>,
    /// Several prompts, asked in turn (instead of `prompt`).
    pub prompts: Vec<String>,
    /// `5m`, `30s`...
    pub interval: Option<String>,
    pub max_tokens: Option<u32>,
    /// `p95_ttft_ms=2000,error_rate=0.2,...`, over the defaults.
    pub thresholds: Option<String>,
    /// How far back the history gives the baseline (`7d`).
    pub baseline: Option<String>,
    /// A command run with each alert as JSON on its stdin.
    pub on_alert: Option<String>,
    /// A URL each alert is POSTed to as JSON.
    pub webhook: Option<String>,
    /// Refuse to start when the watch could spend more than this a day (USD).
    pub max_spend_per_day: Option<f64>,
}

/// `[limits]`: how much of a server's answer is held in memory at once (KiB).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    pub max_event_kib: Option<usize>,
    pub max_body_kib: Option<usize>,
    pub max_error_kib: Option<usize>,
}

impl LimitsConfig {
    pub fn limits(&self) -> crate::gateway::Limits {
        let d = crate::gateway::Limits::default();
        let kib = |v: Option<usize>, dflt: usize| v.map_or(dflt, |k| k.max(1).saturating_mul(1024));
        crate::gateway::Limits {
            max_event_bytes: kib(self.max_event_kib, d.max_event_bytes),
            max_body_bytes: kib(self.max_body_kib, d.max_body_bytes),
            max_error_bytes: kib(self.max_error_kib, d.max_error_bytes),
        }
    }
}

impl Config {
    /// The `[tools]` of the config, checked; None when it defines none.
    pub fn tool_set(&self) -> Result<Option<crate::tools::ToolSet>, ConfigError> {
        if self.tools.is_empty() {
            return Ok(None);
        }
        crate::tools::ToolSet::from_tables(self.tools.clone())
            .map(Some)
            .map_err(|e| ConfigError::Invalid(format!("[tools]: {e}")))
    }

    /// One route by name, or an error that lists the ones there are.
    pub fn route(&self, name: &str, demo: bool) -> Result<crate::route::Route, ConfigError> {
        let all = self.routes(demo)?;
        all.get(name).cloned().ok_or_else(|| {
            let known: Vec<&str> = all.keys().map(String::as_str).collect();
            ConfigError::Invalid(format!(
                "unknown route {name:?}; routes: {}",
                if known.is_empty() {
                    "none (add [routes.NAME] to the config)".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })
    }

    /// Every route, checked: the config's, plus the demo profile's built-in ones (which a config
    /// route of the same name replaces).
    pub fn routes(&self, demo: bool) -> Result<BTreeMap<String, crate::route::Route>, ConfigError> {
        let mut all = if demo {
            crate::route::demo_routes()
        } else {
            BTreeMap::new()
        };
        all.extend(self.routes.clone());
        all.iter()
            .map(|(name, c)| {
                crate::route::Route::from_config(name, c)
                    .map(|r| (name.clone(), r))
                    .map_err(ConfigError::Invalid)
            })
            .collect()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileConfig {
    pub base_url: Option<String>,
    pub api_key_env: Option<String>,
    pub default_models: Option<Vec<String>>,
    pub headers: BTreeMap<String, String>,
    /// Send the key in this header as it is, instead of `Authorization: Bearer` (hosted Portkey:
    /// `x-portkey-api-key`).
    pub key_header: Option<String>,
    pub timeouts: TimeoutsConfig,
    /// `chat` (default) or `responses`.
    pub api: Option<crate::gateway::Api>,
    /// Which account endpoints to ask: `auto` (default), `openrouter`, `litellm` or `none`.
    pub account: Option<crate::gateway::account::AccountApi>,
    /// Ask OpenRouter's `/generation` for each answer's bill and provider (a few seconds after it).
    pub generation_stats: Option<bool>,
    /// The variable holding OpenRouter's management key, for `/credits` only.
    pub management_key_env: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimeoutsConfig {
    pub connect_ms: Option<u64>,
    pub first_byte_ms: Option<u64>,
    pub idle_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSection {
    pub seed: Option<u64>,
    pub speed: Option<f64>,
    pub faults: BTreeMap<String, FaultSpec>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("config file {path}, {location}: {message}")]
    Parse {
        path: PathBuf,
        location: String,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
}

pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "gatebench").map(|d| d.config_dir().join("config.toml"))
}

pub fn config_dir() -> Option<PathBuf> {
    default_path().and_then(|p| p.parent().map(Path::to_path_buf))
}

/// Load from `explicit` (must exist) or the default path (may be missing: defaults).
pub fn load(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
    let (path, must_exist) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return Ok((Config::default(), None)),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
            return Ok((Config::default(), None));
        }
        Err(cause) => return Err(ConfigError::Read { path, cause }),
    };
    let cfg = parse(&text, &path)?;
    Ok((cfg, Some(path)))
}

pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let cfg = parse_toml(text, path)?;
    validate(&cfg)
        .map_err(|m| ConfigError::Invalid(format!("config file {}: {m}", path.display())))?;
    Ok(cfg)
}

/// Values TOML accepts that make no sense: every price finite and not negative, a budget above 0,
/// a demo speed above 0.
pub fn validate(cfg: &Config) -> Result<(), String> {
    for (model, p) in &cfg.prices {
        for (name, v) in [
            ("input", p.input),
            ("output", p.output),
            ("cached_input", p.cached_input),
            ("reasoning", p.reasoning),
        ] {
            if let Some(v) = v.filter(|v| !v.is_finite() || *v < 0.0) {
                return Err(format!(
                    "[prices.\"{model}\"] {name} = {v}: a price must be a finite number of USD per \
                     1M tokens, 0 or more"
                ));
            }
        }
    }
    if let Some(b) = cfg.budget_usd.filter(|b| !b.is_finite() || *b < 0.0) {
        return Err(format!(
            "budget_usd = {b}: must be a finite number of USD, 0 or more"
        ));
    }
    if let Some(v) = cfg.demo.speed.filter(|v| v.is_nan() || *v <= 0.0) {
        return Err(format!(
            "[demo] speed = {v}: must be above 0 (inf sends at once)"
        ));
    }
    Ok(())
}

fn parse_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
    toml::from_str::<Config>(text).map_err(|e| {
        let location = match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                let src_line = text.lines().nth(line - 1).unwrap_or("").trim();
                format!("line {line}, column {col} (`{src_line}`)")
            }
            None => "somewhere".to_string(),
        };
        ConfigError::Parse {
            path: path.to_path_buf(),
            location,
            message: e.message().to_string(),
        }
    })
}

pub mod profile;
pub use profile::{BUILTIN, Env, ProcessEnv, Profile, Selection, resolve};

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn default_choice_is_demo_without_key_and_infergate_with_it() {
        let cfg = Config::default();
        let p = resolve(&cfg, &Selection::default(), &env(&[])).unwrap();
        assert!(p.is_demo());
        let p = resolve(
            &cfg,
            &Selection::default(),
            &env(&[
                ("INFERGATE_API_KEY", "k"),
                ("INFERGATE_MODEL", "gpt-x"),
                ("INFERGATE_BASE_URL", "https://gw.example/v1"),
            ]),
        )
        .unwrap();
        assert_eq!(p.name, "infergate");
        assert_eq!(p.base_url.as_deref(), Some("https://gw.example/v1"));
        assert_eq!(p.api_key_env.as_deref(), Some("INFERGATE_API_KEY"));
        assert_eq!(p.default_models, vec!["gpt-x"]);
    }

    #[test]
    fn account_endpoints_by_profile_and_by_setting() {
        use crate::gateway::account::AccountApi;
        let cfg = parse(
            "[profiles.mine]\nbase_url = \"http://127.0.0.1:9/v1\"\naccount = \"none\"\n",
            Path::new("t.toml"),
        )
        .unwrap();
        let api = |name: &str| {
            let sel = Selection {
                profile: Some(name.into()),
                ..Default::default()
            };
            resolve(&cfg, &sel, &env(&[])).unwrap().account
        };
        assert_eq!(api("mine"), AccountApi::None);
        assert_eq!(api("openrouter"), AccountApi::OpenRouter);
        assert_eq!(api("litellm"), AccountApi::LiteLlm);
        assert_eq!(api("openai"), AccountApi::Auto);
        let bad = parse(
            "[profiles.x]\naccount = \"sometimes\"\n",
            Path::new("t.toml"),
        );
        assert!(bad.unwrap_err().to_string().contains("account"));
    }

    #[test]
    fn flags_and_user_profiles() {
        let cfg = parse(
            r#"
            [profiles.mine]
            base_url = "http://127.0.0.1:9999/v1"
            api_key_env = "MY_KEY"
            default_models = ["a", "b"]
            headers = { "x-team" = "perf" }
            timeouts = { idle_ms = 500 }

            [profiles.litellm]
            base_url = "http://127.0.0.1:14000/v1"
            "#,
            Path::new("t.toml"),
        )
        .unwrap();
        let sel = Selection {
            profile: Some("mine".into()),
            ..Default::default()
        };
        let p = resolve(&cfg, &sel, &env(&[])).unwrap();
        assert_eq!(p.default_models, vec!["a", "b"]);
        assert_eq!(p.timeouts.idle, Duration::from_millis(500));
        assert_eq!(p.headers, vec![("x-team".to_string(), "perf".to_string())]);
        // A user section overrides the built-in's URL but keeps its key variable.
        let sel = Selection {
            profile: Some("litellm".into()),
            ..Default::default()
        };
        let p = resolve(&cfg, &sel, &env(&[])).unwrap();
        assert_eq!(p.base_url.as_deref(), Some("http://127.0.0.1:14000/v1"));
        assert_eq!(p.api_key_env.as_deref(), Some("LITELLM_API_KEY"));
        // --base-url alone makes a custom profile.
        let sel = Selection {
            base_url: Some("http://127.0.0.1:1/v1".into()),
            api_key_env: Some("K".into()),
            ..Default::default()
        };
        let p = resolve(&cfg, &sel, &env(&[])).unwrap();
        assert_eq!(p.name, "custom");
        assert_eq!(p.api_key_env.as_deref(), Some("K"));
        // --demo wins over everything.
        let sel = Selection {
            demo: true,
            base_url: Some("http://x/v1".into()),
            ..Default::default()
        };
        assert!(
            resolve(&cfg, &sel, &env(&[("INFERGATE_API_KEY", "k")]))
                .unwrap()
                .is_demo()
        );
    }

    #[test]
    fn errors_name_line_and_key() {
        let err = parse(
            "budget_usd = 5.0\n[profiles.x]\nbase_url = 42\n",
            Path::new("/tmp/c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("/tmp/c.toml"), "{err}");
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("base_url"), "{err}");
        let err = parse("[profiles.x]\nbase_ulr = \"x\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("base_ulr") && err.contains("line 2"), "{err}");
        let err = resolve(
            &Config::default(),
            &Selection {
                profile: Some("nope".into()),
                ..Default::default()
            },
            &env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("known profiles"), "{err}");
    }
}

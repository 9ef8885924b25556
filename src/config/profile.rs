//! Profiles: where requests go. The built-in ones, the config's, and the flags and environment
//! variables that choose between them and override their parts.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Config, ConfigError};
use crate::gateway::Timeouts;

/// A built-in profile: (name, base URL, key variable, what it is).
pub const BUILTIN: &[(&str, &str, Option<&str>, &str)] = &[
    (
        "infergate",
        "https://api.useinfergate.com/v1",
        Some("INFERGATE_API_KEY"),
        "InferGate",
    ),
    (
        "openai",
        "https://api.openai.com/v1",
        Some("OPENAI_API_KEY"),
        "OpenAI",
    ),
    (
        "openrouter",
        "https://openrouter.ai/api/v1",
        Some("OPENROUTER_API_KEY"),
        "OpenRouter",
    ),
    (
        "litellm",
        "http://127.0.0.1:4000/v1",
        Some("LITELLM_API_KEY"),
        "a LiteLLM proxy",
    ),
    (
        "portkey",
        "http://127.0.0.1:8787/v1",
        None,
        "Portkey's open-source gateway",
    ),
    (
        "ollama",
        "http://127.0.0.1:11434/v1",
        None,
        "a local Ollama",
    ),
    (
        "llamacpp",
        "http://127.0.0.1:8080/v1",
        None,
        "a local llama.cpp llama-server",
    ),
    ("demo", "(built-in)", None, "the built-in demo gateway"),
];

/// Where requests go, fully resolved.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// `None` for the demo profile: the caller starts the demo gateway and fills it in.
    pub base_url: Option<String>,
    pub api_key_env: Option<String>,
    pub default_models: Vec<String>,
    pub headers: Vec<(String, String)>,
    pub key_header: Option<String>,
    pub timeouts: Timeouts,
    pub limits: crate::gateway::Limits,
    pub api: crate::gateway::Api,
    /// Which account endpoints `gatebench account` and the workbench ask.
    pub account: crate::gateway::account::AccountApi,
    /// Ask the gateway's `/generation` for each answer's stats (`generation_stats = true`).
    pub generation_stats: bool,
    /// The variable holding a management key (OpenRouter's `/credits`).
    pub management_key_env: Option<String>,
    /// Why this profile was chosen, for the "using ..." line.
    pub reason: String,
}

impl Profile {
    pub fn is_demo(&self) -> bool {
        self.base_url.is_none()
    }
}

/// Command-line choices that pick the profile.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub profile: Option<String>,
    pub base_url: Option<String>,
    pub api_key_env: Option<String>,
    pub demo: bool,
    /// Overrides the profile's API.
    pub api: Option<crate::gateway::Api>,
}

/// Environment lookups go through this so tests can resolve without touching the process env.
pub trait Env {
    fn var(&self, key: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.trim().is_empty())
    }
}

impl Env for BTreeMap<String, String> {
    fn var(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

/// Which profile, and why: flags first, then the config, then the environment.
fn choose(cfg: &Config, sel: &Selection, env: &dyn Env) -> (String, String) {
    if sel.demo {
        ("demo".to_string(), "--demo".to_string())
    } else if let Some(p) = &sel.profile {
        (p.clone(), "--profile".to_string())
    } else if sel.base_url.is_some() {
        ("custom".to_string(), "--base-url".to_string())
    } else if let Some(p) = &cfg.default_profile {
        (p.clone(), "default_profile in the config".to_string())
    } else if env.var("INFERGATE_API_KEY").is_some() {
        (
            "infergate".to_string(),
            "INFERGATE_API_KEY is set".to_string(),
        )
    } else {
        (
            "demo".to_string(),
            "no INFERGATE_API_KEY is set".to_string(),
        )
    }
}

/// The environment variables a built-in profile honours.
fn from_env(name: &str, env: &dyn Env, base_url: &mut Option<String>, models: &mut Vec<String>) {
    match name {
        "infergate" => {
            if let Some(u) = env.var("INFERGATE_BASE_URL") {
                *base_url = Some(u);
            }
            if models.is_empty()
                && let Some(m) = env.var("INFERGATE_MODEL")
            {
                *models = vec![m];
            }
        }
        "openai" => {
            if let Some(u) = env.var("OPENAI_BASE_URL") {
                *base_url = Some(u);
            }
        }
        _ => {}
    }
}

pub fn resolve(cfg: &Config, sel: &Selection, env: &dyn Env) -> Result<Profile, ConfigError> {
    let (name, reason) = choose(cfg, sel, env);
    let builtin = BUILTIN.iter().find(|b| b.0 == name);
    let user = cfg.profiles.get(&name);
    if builtin.is_none() && user.is_none() && name != "custom" {
        let mut known: Vec<&str> = BUILTIN.iter().map(|b| b.0).collect();
        known.extend(cfg.profiles.keys().map(String::as_str));
        return Err(ConfigError::Invalid(format!(
            "unknown profile {name:?}; known profiles: {}",
            known.join(", ")
        )));
    }
    let user = user.cloned().unwrap_or_default();

    let mut base_url = user
        .base_url
        .clone()
        .or_else(|| builtin.filter(|b| b.0 != "demo").map(|b| b.1.to_string()));
    let mut key_env = user
        .api_key_env
        .clone()
        .or_else(|| builtin.and_then(|b| b.2.map(str::to_string)));
    let mut default_models = user.default_models.clone().unwrap_or_default();
    from_env(&name, env, &mut base_url, &mut default_models);
    if sel.base_url.is_some() && !sel.demo {
        base_url = sel.base_url.clone();
    }
    if let Some(k) = &sel.api_key_env {
        key_env = Some(k.clone());
    }
    if name == "demo" && !sel.demo && sel.base_url.is_none() {
        base_url = user.base_url.clone();
    }
    if let Some(u) = &base_url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        return Err(ConfigError::Invalid(format!(
            "base URL {u:?} of profile {name:?} must start with http:// or https://"
        )));
    }
    let d = Timeouts::default();
    let t = &user.timeouts;
    let ms = |v: Option<u64>, dflt: Duration| v.map(Duration::from_millis).unwrap_or(dflt);
    let api = sel.api.or(user.api).unwrap_or_default();
    use crate::gateway::account::AccountApi;
    let account = user.account.unwrap_or(match name.as_str() {
        "openrouter" => AccountApi::OpenRouter,
        "litellm" => AccountApi::LiteLlm,
        _ => AccountApi::Auto,
    });
    Ok(Profile {
        api,
        account,
        name,
        base_url,
        api_key_env: key_env,
        default_models,
        headers: user.headers.into_iter().collect(),
        key_header: user.key_header,
        generation_stats: user.generation_stats.unwrap_or(false),
        management_key_env: user.management_key_env,
        limits: cfg.limits.limits(),
        timeouts: Timeouts {
            connect: ms(t.connect_ms, d.connect),
            first_byte: ms(t.first_byte_ms, d.first_byte),
            idle: ms(t.idle_ms, d.idle),
        },
        reason,
    })
}

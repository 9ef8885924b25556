use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What went wrong, as one vocabulary: `error_kind` in JSON, the failures a route's `on` lists
/// (`429` and `5xx` are accepted there as aliases), and the rehearsal's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    #[serde(alias = "429")]
    RateLimited,
    #[serde(alias = "5xx")]
    ServerError,
    Connect,
    Timeout,
    FirstTokenTimeout,
    ContextLength,
    ContentFilter,
    /// The stream broke before it finished.
    Cut,
    /// The gateway sent an error event after starting a 200 stream.
    Upstream,
    /// Bytes that are not the protocol.
    Malformed,
    Auth,
    NotFound,
    #[serde(alias = "bad_request")]
    ClientError,
    Cancelled,
    Other,
}

impl ErrorKind {
    /// Every kind a route may move on after; the first eight are a route's default (`DEFAULT_ON`).
    pub const ROUTABLE: [ErrorKind; 13] = [
        ErrorKind::RateLimited,
        ErrorKind::ServerError,
        ErrorKind::Connect,
        ErrorKind::Timeout,
        ErrorKind::FirstTokenTimeout,
        ErrorKind::ContextLength,
        ErrorKind::ContentFilter,
        ErrorKind::Cut,
        ErrorKind::Upstream,
        ErrorKind::Malformed,
        ErrorKind::Auth,
        ErrorKind::NotFound,
        ErrorKind::ClientError,
    ];

    /// The serde name, as JSON and the config write it.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::ServerError => "server_error",
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::FirstTokenTimeout => "first_token_timeout",
            ErrorKind::ContextLength => "context_length",
            ErrorKind::ContentFilter => "content_filter",
            ErrorKind::Cut => "cut",
            ErrorKind::Upstream => "upstream",
            ErrorKind::Malformed => "malformed",
            ErrorKind::Auth => "auth",
            ErrorKind::NotFound => "not_found",
            ErrorKind::ClientError => "client_error",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Other => "other",
        }
    }

    /// A name as the config writes it, aliases included.
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.trim().to_string())).ok()
    }

    /// What a route's `on` list matches this kind as: an error event mid-stream counts as a server
    /// error, garbage on the wire as a cut. `None`: never a reason to try elsewhere.
    pub fn route_trigger(self) -> Option<Self> {
        match self {
            ErrorKind::Upstream => Some(ErrorKind::ServerError),
            ErrorKind::Malformed => Some(ErrorKind::Cut),
            ErrorKind::Cancelled | ErrorKind::Other => None,
            k => Some(k),
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Context-window overflow, in the words OpenAI, vLLM, llama.cpp, LiteLLM, OpenRouter, Ollama and
/// Anthropic (through a gateway) use; `tests/fixtures/context-errors/` holds one body of each.
pub fn is_context_length(message: &str) -> bool {
    const WORDS: [&str; 9] = [
        "context_length",         // OpenAI's code `context_length_exceeded`
        "context length",         // OpenAI, vLLM, OpenRouter, Ollama: "maximum context length"
        "context window",         // generic
        "contextwindowexceeded",  // LiteLLM's `ContextWindowExceededError`
        "available context size", // llama.cpp
        "exceed_context_size",    // llama.cpp's error type
        "maximum model length",   // vLLM: "longer than the maximum model length"
        "prompt is too long",     // Anthropic
        "maximum prompt length",  // others
    ];
    let m = message.to_ascii_lowercase();
    WORDS.iter().any(|w| m.contains(w))
}

/// Which wait ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutPhase {
    Connect,
    FirstByte,
    Idle,
}

impl std::fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "connecting",
            TimeoutPhase::FirstByte => "waiting for the first byte",
            TimeoutPhase::Idle => "waiting for the next chunk",
        })
    }
}

/// Everything that can go wrong talking to a gateway, in words a user can act on. No variant
/// carries the API key, so printing one never leaks it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GatewayError {
    #[error("HTTP {status} from {url}: {message}{}", hint(*status, key_env.as_deref(), message))]
    Http {
        status: u16,
        url: String,
        message: String,
        retry_after: Option<Duration>,
        key_env: Option<String>,
    },
    #[error("cannot reach {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error(
        "HTTP {status} from {url}: redirected to {location}; gatebench does not follow redirects \
         (the API key would go along): point the base URL at the right place"
    )]
    Redirect {
        status: u16,
        url: String,
        location: String,
    },
    #[error("timed out after {} ms {phase}", after.as_millis())]
    Timeout {
        phase: TimeoutPhase,
        after: Duration,
    },
    #[error("no answer token within the route's first-token deadline of {} ms", after.as_millis())]
    Deadline { after: Duration },
    #[error("the gateway reported an error mid-stream: {message}")]
    Upstream { message: String },
    #[error("the stream was cut before the answer finished: {reason}")]
    Cut { reason: String },
    #[error("malformed data from the gateway: {reason}")]
    Malformed { reason: String },
    #[error("route {route} gave up after {attempts} attempts: {hops}")]
    Exhausted {
        route: String,
        attempts: usize,
        hops: String,
        last: Box<GatewayError>,
    },
    #[error("the provider's content filter refused the answer")]
    ContentFilter,
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Other(String),
}

fn hint(status: u16, key_env: Option<&str>, message: &str) -> String {
    match (status, key_env) {
        (400..=499, _) if is_context_length(message) => {
            " (context too long: the prompt does not fit this model's context window; shorten it \
             or pick a model with a longer one)"
                .into()
        }
        (400, _) if message.contains("x-portkey-provider") => {
            " (Portkey routes by headers: give the profile `headers = { \"x-portkey-provider\" = \
             \"openai\", \"x-portkey-custom-host\" = \"...\" }` or an `x-portkey-config`; see \
             docs/src/configuration.md)"
                .into()
        }
        (401, Some(env)) => format!(" (check the API key in ${env})"),
        (401, None) => " (this gateway wants an API key: set one with --api-key-env)".into(),
        (402, _) => {
            " (out of credits or over budget: `gatebench account` shows what the gateway says is left)"
                .into()
        }
        (403, _) => " (the key is not allowed to use this model or route)".into(),
        (404, _) => {
            " (unknown model or path: `gatebench models` lists what this key can use)".into()
        }
        // 429 says "rate limited" by itself, and gateways add their own kind: no hint.
        _ => String::new(),
    }
}

impl GatewayError {
    /// The kind, for JSON, fallback rules and counts.
    pub fn kind(&self) -> ErrorKind {
        match self {
            GatewayError::Http {
                status, message, ..
            } => match status {
                429 => ErrorKind::RateLimited,
                401 | 403 => ErrorKind::Auth,
                404 => ErrorKind::NotFound,
                s if *s >= 500 => ErrorKind::ServerError,
                _ if is_context_length(message) => ErrorKind::ContextLength,
                _ => ErrorKind::ClientError,
            },
            GatewayError::Connect { .. } => ErrorKind::Connect,
            GatewayError::Redirect { .. } => ErrorKind::ClientError,
            GatewayError::Timeout { .. } => ErrorKind::Timeout,
            GatewayError::Deadline { .. } => ErrorKind::FirstTokenTimeout,
            GatewayError::Upstream { message } if is_context_length(message) => {
                ErrorKind::ContextLength
            }
            GatewayError::Upstream { .. } => ErrorKind::Upstream,
            GatewayError::Cut { .. } => ErrorKind::Cut,
            GatewayError::Malformed { .. } => ErrorKind::Malformed,
            GatewayError::ContentFilter => ErrorKind::ContentFilter,
            GatewayError::Exhausted { last, .. } => last.kind(),
            GatewayError::Cancelled => ErrorKind::Cancelled,
            GatewayError::Other(_) => ErrorKind::Other,
        }
    }

    /// The error without the URL, for the workbench, whose top line already names the gateway.
    pub fn brief(&self) -> String {
        match self {
            GatewayError::Http {
                status,
                message,
                key_env,
                ..
            } => format!(
                "HTTP {status}: {message}{}",
                hint(*status, key_env.as_deref(), message)
            ),
            GatewayError::Exhausted {
                route,
                attempts,
                last,
                ..
            } => format!(
                "route {route} gave up after {attempts} attempts; the last: {}",
                last.brief()
            ),
            other => other.to_string(),
        }
    }

    /// The same error with the key, and any `Bearer …` token, removed from everything the server
    /// wrote into it.
    pub fn scrub(self, key: Option<&crate::secret::Secret>) -> Self {
        let clean = |s: String| crate::secret::scrub(&s, key).into_owned();
        match self {
            GatewayError::Http {
                status,
                url,
                message,
                retry_after,
                key_env,
            } => GatewayError::Http {
                status,
                url,
                message: clean(message),
                retry_after,
                key_env,
            },
            GatewayError::Redirect {
                status,
                url,
                location,
            } => GatewayError::Redirect {
                status,
                url,
                location: clean(location),
            },
            GatewayError::Upstream { message } => GatewayError::Upstream {
                message: clean(message),
            },
            GatewayError::Cut { reason } => GatewayError::Cut {
                reason: clean(reason),
            },
            GatewayError::Malformed { reason } => GatewayError::Malformed {
                reason: clean(reason),
            },
            GatewayError::Connect { url, reason } => GatewayError::Connect {
                url,
                reason: clean(reason),
            },
            GatewayError::Other(m) => GatewayError::Other(clean(m)),
            other => other,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            GatewayError::Http { status, .. } => Some(*status),
            GatewayError::Exhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            GatewayError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The longest wait any header can ask for; longer values are clamped to it.
pub const MAX_HEADER_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Seconds from a server's header as a `Duration`: `None` for NaN, negatives and garbage, clamped
/// to `MAX_HEADER_WAIT` (so `inf` and `1e300` mean "a very long time", never a panic).
pub fn header_secs(secs: f64) -> Option<Duration> {
    if secs.is_nan() || secs < 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(
        secs.min(MAX_HEADER_WAIT.as_secs_f64()),
    ))
}

/// `retry-after-ms` first (finer), then `retry-after` in seconds or as an HTTP date.
pub fn parse_retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    retry_after_at(headers, std::time::SystemTime::now())
}

/// `parse_retry_after` with the clock given: an HTTP date is the wait from `now` until it (none
/// for a date already past), clamped like any other value.
pub fn retry_after_at(
    headers: &reqwest::header::HeaderMap,
    now: std::time::SystemTime,
) -> Option<Duration> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let num = |name: &str| get(name).and_then(|v| v.trim().parse::<f64>().ok());
    if let Some(d) = num("retry-after-ms").and_then(|ms| header_secs(ms / 1000.0)) {
        return Some(d);
    }
    if let Some(d) = num("retry-after").and_then(header_secs) {
        return Some(d);
    }
    let date = httpdate::parse_http_date(get("retry-after")?.trim()).ok()?;
    let wait = date.duration_since(now).unwrap_or(Duration::ZERO);
    header_secs(wait.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unauthorized_names_env_not_key() {
        let e = GatewayError::Http {
            status: 401,
            url: "http://x/v1/models".into(),
            message: "Invalid API key".into(),
            retry_after: None,
            key_env: Some("INFERGATE_API_KEY".into()),
        };
        let s = e.to_string();
        assert!(s.contains("HTTP 401"), "{s}");
        assert!(s.contains("$INFERGATE_API_KEY"), "{s}");
        assert_eq!(e.kind(), ErrorKind::Auth);
    }

    #[test]
    fn kinds_and_their_names() {
        let http = |status: u16, message: &str| GatewayError::Http {
            status,
            url: String::new(),
            message: message.into(),
            retry_after: None,
            key_env: None,
        };
        let cases = [
            (http(429, ""), ErrorKind::RateLimited),
            (http(401, ""), ErrorKind::Auth),
            (http(403, ""), ErrorKind::Auth),
            (http(404, ""), ErrorKind::NotFound),
            (http(500, "context length"), ErrorKind::ServerError),
            (http(503, ""), ErrorKind::ServerError),
            (
                http(400, "This model's maximum context length is 8192 tokens"),
                ErrorKind::ContextLength,
            ),
            (
                http(400, "the request exceeds the available context size"),
                ErrorKind::ContextLength,
            ),
            (http(400, "bad"), ErrorKind::ClientError),
            (http(499, "bad"), ErrorKind::ClientError),
            (
                GatewayError::Upstream {
                    message: "Context window exceeded".into(),
                },
                ErrorKind::ContextLength,
            ),
            (
                GatewayError::Upstream {
                    message: "overloaded".into(),
                },
                ErrorKind::Upstream,
            ),
            (GatewayError::ContentFilter, ErrorKind::ContentFilter),
            (GatewayError::Cancelled, ErrorKind::Cancelled),
        ];
        for (e, k) in cases {
            assert_eq!(e.kind(), k, "{e}");
        }
        for k in ErrorKind::ROUTABLE {
            assert_eq!(ErrorKind::parse(k.name()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
        }
        assert_eq!(ErrorKind::parse(" 429"), Some(ErrorKind::RateLimited));
        assert_eq!(ErrorKind::parse("5xx"), Some(ErrorKind::ServerError));
        assert_eq!(
            ErrorKind::parse("bad_request"),
            Some(ErrorKind::ClientError)
        );
        assert_eq!(ErrorKind::parse("sometimes"), None);
        assert_eq!(
            ErrorKind::Upstream.route_trigger(),
            Some(ErrorKind::ServerError)
        );
        assert_eq!(ErrorKind::Malformed.route_trigger(), Some(ErrorKind::Cut));
        assert_eq!(ErrorKind::Cancelled.route_trigger(), None);
        assert_eq!(ErrorKind::Other.route_trigger(), None);
        assert_eq!(ErrorKind::Auth.route_trigger(), Some(ErrorKind::Auth));
    }

    #[test]
    fn brief_leaves_out_the_url() {
        let e = GatewayError::Http {
            status: 401,
            url: "http://gw.example/v1/chat/completions".into(),
            message: "Invalid API key".into(),
            retry_after: None,
            key_env: Some("K".into()),
        };
        assert_eq!(
            e.brief(),
            "HTTP 401: Invalid API key (check the API key in $K)"
        );
        let x = GatewayError::Exhausted {
            route: "r".into(),
            attempts: 2,
            hops: "a; b".into(),
            last: Box::new(e),
        };
        assert!(
            x.brief()
                .starts_with("route r gave up after 2 attempts; the last: HTTP 401")
        );
        assert!(!x.brief().contains("gw.example"));
        assert_eq!(GatewayError::Cancelled.brief(), "cancelled");
    }

    #[test]
    fn retry_after_headers() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "2".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", "1500".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::from_millis(1500)));
        let h = reqwest::header::HeaderMap::new();
        assert_eq!(parse_retry_after(&h), None);
        // Hostile values: never a panic, clamped or ignored.
        for (name, v, want) in [
            ("retry-after", "inf", Some(MAX_HEADER_WAIT)),
            ("retry-after", "1e300", Some(MAX_HEADER_WAIT)),
            ("retry-after", "-1", None),
            ("retry-after", "NaN", None),
            (
                "retry-after",
                "Wed, 21 Oct 2015 07:28:00 GMT",
                Some(Duration::ZERO),
            ),
            ("retry-after", "Wed, 32 Oct 2015 07:28:00 GMT", None),
            ("retry-after-ms", "1e300", Some(MAX_HEADER_WAIT)),
            ("retry-after-ms", "-5", None),
        ] {
            let mut h = reqwest::header::HeaderMap::new();
            h.insert(name, v.parse().unwrap());
            assert_eq!(parse_retry_after(&h), want, "{name}: {v}");
        }
        assert_eq!(header_secs(1.5), Some(Duration::from_millis(1500)));
        assert_eq!(header_secs(0.0), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_as_a_date_is_the_wait_until_it() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:30 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after_at(&h, now), Some(Duration::from_secs(30)));
        // Days away: clamped like a number would be.
        h.insert(
            "retry-after",
            "Sat, 31 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after_at(&h, now), Some(MAX_HEADER_WAIT));
    }
}

#[cfg(test)]
mod context_errors {
    use super::*;

    /// Every server's own wording of a context overflow, as its HTTP 400 body.
    const BODIES: [(&str, &str); 8] = [
        (
            "openai",
            include_str!("../../tests/fixtures/context-errors/openai.json"),
        ),
        (
            "llama.cpp",
            include_str!("../../tests/fixtures/context-errors/llamacpp.json"),
        ),
        (
            "litellm",
            include_str!("../../tests/fixtures/context-errors/litellm.json"),
        ),
        (
            "vllm",
            include_str!("../../tests/fixtures/context-errors/vllm.json"),
        ),
        (
            "vllm-decoder",
            include_str!("../../tests/fixtures/context-errors/vllm-decoder.json"),
        ),
        (
            "openrouter",
            include_str!("../../tests/fixtures/context-errors/openrouter.json"),
        ),
        (
            "ollama",
            include_str!("../../tests/fixtures/context-errors/ollama.json"),
        ),
        (
            "anthropic",
            include_str!("../../tests/fixtures/context-errors/anthropic-via-gateway.json"),
        ),
    ];

    fn http(status: u16, body: &str) -> GatewayError {
        let code = reqwest::StatusCode::from_u16(status).unwrap();
        GatewayError::Http {
            status,
            url: "http://gw/v1/chat/completions".into(),
            message: super::super::body::error_body_message(body, code),
            retry_after: None,
            key_env: None,
        }
    }

    #[test]
    fn every_servers_wording_is_a_context_length_error_and_says_so() {
        for (server, body) in BODIES {
            let e = http(400, body);
            assert_eq!(e.kind(), ErrorKind::ContextLength, "{server}: {e}");
            assert!(
                e.brief().contains("context too long"),
                "{server}: {}",
                e.brief()
            );
            let upstream = GatewayError::Upstream { message: e.brief() };
            assert_eq!(
                upstream.kind(),
                ErrorKind::ContextLength,
                "{server} mid-stream"
            );
        }
    }

    #[test]
    fn other_client_errors_are_not() {
        for body in [
            r#"{"error":{"message":"Invalid value for 'temperature'","code":"invalid_value"}}"#,
            r#"{"error":{"message":"max_tokens is too large","type":"invalid_request_error"}}"#,
            "plain text",
        ] {
            let e = http(400, body);
            assert_eq!(e.kind(), ErrorKind::ClientError, "{e}");
            assert!(!e.brief().contains("context too long"));
        }
        // A server error stays one even when its words mention the context.
        assert_eq!(http(500, BODIES[0].1).kind(), ErrorKind::ServerError);
        assert!(!http(500, BODIES[0].1).brief().contains("context too long"));
    }
}

use std::time::Duration;

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
#[derive(Debug, Clone, thiserror::Error)]
pub enum GatewayError {
    #[error("HTTP {status} from {url}: {message}{}", hint(*status, key_env.as_deref()))]
    Http {
        status: u16,
        url: String,
        message: String,
        retry_after: Option<Duration>,
        key_env: Option<String>,
    },
    #[error("cannot reach {url}: {reason}")]
    Connect { url: String, reason: String },
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
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Other(String),
}

fn hint(status: u16, key_env: Option<&str>) -> String {
    match (status, key_env) {
        (401, Some(env)) => format!(" (check the API key in ${env})"),
        (401, None) => " (this gateway wants an API key: set one with --api-key-env)".into(),
        (403, _) => " (the key is not allowed to use this model or route)".into(),
        (404, _) => {
            " (unknown model or path: `gatebench models` lists what this key can use)".into()
        }
        (429, _) => " (rate limited)".into(),
        _ => String::new(),
    }
}

impl GatewayError {
    /// Short machine-friendly kind, used in JSON output and for fallback rules.
    pub fn kind(&self) -> &'static str {
        match self {
            GatewayError::Http { status: 429, .. } => "rate_limited",
            GatewayError::Http { status: 401, .. } | GatewayError::Http { status: 403, .. } => {
                "auth"
            }
            GatewayError::Http { status: 404, .. } => "not_found",
            GatewayError::Http { status, .. } if *status >= 500 => "server_error",
            GatewayError::Http { .. } => "client_error",
            GatewayError::Connect { .. } => "connect",
            GatewayError::Timeout { .. } => "timeout",
            GatewayError::Deadline { .. } => "first_token_timeout",
            GatewayError::Upstream { .. } => "upstream",
            GatewayError::Cut { .. } => "cut",
            GatewayError::Malformed { .. } => "malformed",
            GatewayError::Exhausted { last, .. } => last.kind(),
            GatewayError::Cancelled => "cancelled",
            GatewayError::Other(_) => "other",
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

/// `retry-after-ms` first (finer), then `retry-after` in seconds. HTTP-date values are rare from
/// gateways and need a clock to interpret, so they are ignored rather than guessed.
pub fn parse_retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return (ms >= 0.0).then(|| Duration::from_secs_f64(ms / 1000.0));
    }
    get("retry-after")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| *s >= 0.0)
        .map(Duration::from_secs_f64)
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
        assert_eq!(e.kind(), "auth");
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
    }
}

//! Rate-limit headroom from `x-ratelimit-*` headers (OpenAI's names; LiteLLM forwards the same).

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RateLimit {
    pub limit_requests: Option<u64>,
    pub remaining_requests: Option<u64>,
    /// Seconds until the request budget resets.
    pub reset_requests_s: Option<f64>,
    pub limit_tokens: Option<u64>,
    pub remaining_tokens: Option<u64>,
    pub reset_tokens_s: Option<f64>,
}

impl RateLimit {
    /// `None` when the response carries none of the headers.
    pub fn from_headers(h: &HeaderMap) -> Option<Self> {
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let num = |name: &str| get(name).and_then(|v| v.parse::<u64>().ok());
        let dur = |name: &str| get(name).and_then(parse_duration).map(|d| d.as_secs_f64());
        let r = Self {
            limit_requests: num("x-ratelimit-limit-requests"),
            remaining_requests: num("x-ratelimit-remaining-requests"),
            reset_requests_s: dur("x-ratelimit-reset-requests"),
            limit_tokens: num("x-ratelimit-limit-tokens"),
            remaining_tokens: num("x-ratelimit-remaining-tokens"),
            reset_tokens_s: dur("x-ratelimit-reset-tokens"),
        };
        (r != Self::default()).then_some(r)
    }

    /// `req 58/60 · tok 149k/150k`, or what of it is known.
    pub fn headroom(&self) -> String {
        let part = |name: &str, rem: Option<u64>, lim: Option<u64>| match (rem, lim) {
            (Some(r), Some(l)) => Some(format!("{name} {}/{}", short(r), short(l))),
            (Some(r), None) => Some(format!("{name} {} left", short(r))),
            _ => None,
        };
        [
            part("req", self.remaining_requests, self.limit_requests),
            part("tok", self.remaining_tokens, self.limit_tokens),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

fn short(n: u64) -> String {
    match n {
        n if n >= 10_000_000 => format!("{}M", n / 1_000_000),
        n if n >= 10_000 => format!("{}k", n / 1000),
        n => n.to_string(),
    }
}

/// Go-style durations as OpenAI sends them (`12ms`, `6m0s`, `1h2m3.5s`), or plain seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    if let Ok(secs) = s.parse::<f64>() {
        return super::error::header_secs(secs);
    }
    let mut total = 0.0;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let v: f64 = num.parse().ok()?;
        num.clear();
        let unit = match c {
            'h' => 3600.0,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                0.001
            }
            'm' => 60.0,
            's' => 1.0,
            'u' | 'µ' if chars.peek() == Some(&'s') => {
                chars.next();
                0.000_001
            }
            _ => return None,
        };
        total += v * unit;
        any = true;
    }
    if !any || !num.is_empty() {
        return None;
    }
    super::error::header_secs(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("12ms"), Some(Duration::from_millis(12)));
        assert_eq!(parse_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(
            parse_duration("1h2m3.5s"),
            Some(Duration::from_secs_f64(3723.5))
        );
        assert_eq!(parse_duration("20"), Some(Duration::from_secs(20)));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("5"), Some(Duration::from_secs(5)));
        let max = Some(crate::gateway::error::MAX_HEADER_WAIT);
        for hostile in ["inf", "1e300", "99999999999999999999s", "9999999999999999h"] {
            assert_eq!(parse_duration(hostile), max, "{hostile}");
        }
        assert_eq!(parse_duration("NaN"), None);
        assert_eq!(parse_duration("-3s"), None);
    }

    #[test]
    fn headroom_from_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(RateLimit::from_headers(&h), None);
        h.insert("x-ratelimit-limit-requests", "60".parse().unwrap());
        h.insert("x-ratelimit-remaining-requests", "58".parse().unwrap());
        h.insert("x-ratelimit-remaining-tokens", "149984".parse().unwrap());
        h.insert("x-ratelimit-limit-tokens", "150000".parse().unwrap());
        h.insert("x-ratelimit-reset-tokens", "6m0s".parse().unwrap());
        let r = RateLimit::from_headers(&h).unwrap();
        assert_eq!(r.reset_tokens_s, Some(360.0));
        assert_eq!(r.headroom(), "req 58/60 · tok 149k/150k");
    }
}

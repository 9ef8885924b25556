//! The route policy, pure: after a failed attempt, what happens next, and how long to wait.

use std::time::Duration;

use super::Route;
use crate::gateway::ErrorKind;
use crate::rng::SplitMix64;

#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    RetryAfter(Duration),
    MoveOn(String),
    GiveUp,
}

impl Next {
    pub fn describe(&self) -> String {
        match self {
            Next::RetryAfter(d) => format!("retrying in {:.1} s", d.as_secs_f64()),
            Next::MoveOn(m) => format!("falling back to {m}"),
            Next::GiveUp => "giving up".into(),
        }
    }
}

/// A failed attempt, as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Failed {
    pub kind: ErrorKind,
    /// Index of the hop in the chain.
    pub hop: usize,
    /// 0 for the first try on this hop.
    pub attempt: u32,
    /// Answer text had started before it failed.
    pub after_content: bool,
    /// The server's Retry-After, when it sent one.
    pub retry_after: Option<Duration>,
}

/// Does a route listing `on` move on after a failure of this kind?
pub fn moves_on_after(on: &[ErrorKind], kind: ErrorKind) -> bool {
    match kind.route_trigger() {
        Some(t) => on.contains(&kind) || on.contains(&t),
        None => false,
    }
}

/// What comes after a failed attempt: retry the same hop after a wait, move to the next hop, or
/// give up. A failure the route does not list, or one after the answer started (unless the route
/// restarts), ends the request.
pub fn decide_next(route: &Route, f: Failed, rng: &mut SplitMix64) -> Next {
    let moves_on =
        moves_on_after(&route.on, f.kind) && (!f.after_content || route.restart_after_content);
    let next_hop = || match route.chain.get(f.hop + 1) {
        Some(m) => Next::MoveOn(m.clone()),
        None => Next::GiveUp,
    };
    if !moves_on {
        Next::GiveUp
    } else if f.attempt < route.retries {
        match backoff_for(route, f.attempt + 1, f.retry_after, rng) {
            Some(d) => Next::RetryAfter(d),
            None => next_hop(),
        }
    } else {
        next_hop()
    }
}

/// How long to wait before attempt `retry` (1-based) on the same hop: the server's Retry-After when
/// it sent one, else exponential backoff with +-25% jitter; never above `max_backoff`. `None`
/// means the server asks for longer than we allow: move on instead.
pub fn backoff_for(
    route: &Route,
    retry: u32,
    retry_after: Option<Duration>,
    rng: &mut SplitMix64,
) -> Option<Duration> {
    if let Some(ra) = retry_after {
        return (ra <= route.max_backoff).then_some(ra);
    }
    let base = route.backoff.as_secs_f64() * 2f64.powi(retry.saturating_sub(1).min(62) as i32);
    let jitter = 0.75 + 0.5 * rng.next_f64();
    Some(Duration::from_secs_f64(
        (base * jitter).min(route.max_backoff.as_secs_f64()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::RouteConfig;

    fn route(retries: u32, restart: bool) -> Route {
        Route::from_config(
            "r",
            &RouteConfig {
                chain: vec!["a".into(), "b".into()],
                on: vec!["429".into(), "5xx".into(), "cut".into()],
                retries,
                backoff_ms: 100,
                max_backoff_ms: 1000,
                restart_after_content: restart,
                ..Default::default()
            },
        )
        .unwrap()
    }

    fn failed(kind: ErrorKind, hop: usize, attempt: u32) -> Failed {
        Failed {
            kind,
            hop,
            attempt,
            after_content: false,
            retry_after: None,
        }
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        let r = route(2, false);
        let mut rng = SplitMix64::new(1);
        let mut seen = Vec::new();
        for retry in 1..=6 {
            let d = backoff_for(&r, retry, None, &mut rng).unwrap();
            let base = 100.0 * 2f64.powi(retry as i32 - 1);
            let ms = d.as_secs_f64() * 1000.0;
            assert!(
                ms >= (base * 0.75).min(1000.0) - 1e-6 && ms <= (base * 1.25).min(1000.0) + 1e-6,
                "{retry}: {ms}"
            );
            seen.push(ms);
        }
        // Jitter: the first three are not exactly the base.
        assert!(
            seen[..3]
                .iter()
                .zip([100.0, 200.0, 400.0])
                .any(|(a, b)| (a - b).abs() > 1e-3)
        );
        assert!(backoff_for(&r, u32::MAX, None, &mut rng).unwrap() <= Duration::from_secs(1));
        assert_eq!(
            backoff_for(&r, 1, Some(Duration::from_millis(300)), &mut rng),
            Some(Duration::from_millis(300))
        );
        assert_eq!(
            backoff_for(&r, 1, Some(Duration::from_millis(1000)), &mut rng),
            Some(Duration::from_millis(1000))
        );
        assert_eq!(
            backoff_for(&r, 1, Some(Duration::from_millis(1001)), &mut rng),
            None
        );
    }

    #[test]
    fn which_failures_move_on() {
        let on = [ErrorKind::ServerError, ErrorKind::Cut];
        assert!(moves_on_after(&on, ErrorKind::ServerError));
        assert!(moves_on_after(&on, ErrorKind::Upstream));
        assert!(moves_on_after(&on, ErrorKind::Malformed));
        assert!(!moves_on_after(&on, ErrorKind::RateLimited));
        assert!(moves_on_after(&[ErrorKind::Upstream], ErrorKind::Upstream));
        assert!(!moves_on_after(
            &[ErrorKind::Upstream],
            ErrorKind::ServerError
        ));
        assert!(!moves_on_after(
            &[ErrorKind::Cancelled],
            ErrorKind::Cancelled
        ));
        assert!(!moves_on_after(&[ErrorKind::Other], ErrorKind::Other));
    }

    #[test]
    fn decisions() {
        let mut rng = SplitMix64::new(7);
        let r = route(1, false);
        // Retry first, then the next hop, then give up at the end of the chain.
        assert!(matches!(
            decide_next(&r, failed(ErrorKind::ServerError, 0, 0), &mut rng),
            Next::RetryAfter(_)
        ));
        assert_eq!(
            decide_next(&r, failed(ErrorKind::ServerError, 0, 1), &mut rng),
            Next::MoveOn("b".into())
        );
        assert_eq!(
            decide_next(&r, failed(ErrorKind::ServerError, 1, 1), &mut rng),
            Next::GiveUp
        );
        // Not listed: give up at once.
        assert_eq!(
            decide_next(&r, failed(ErrorKind::Auth, 0, 0), &mut rng),
            Next::GiveUp
        );
        // Retry-After above the cap: move on instead of waiting.
        let long = Failed {
            retry_after: Some(Duration::from_secs(30)),
            ..failed(ErrorKind::RateLimited, 0, 0)
        };
        assert_eq!(decide_next(&r, long, &mut rng), Next::MoveOn("b".into()));
        let long_last = Failed { hop: 1, ..long };
        assert_eq!(decide_next(&r, long_last, &mut rng), Next::GiveUp);
        // After content: stop, unless the route restarts.
        let broke = Failed {
            after_content: true,
            ..failed(ErrorKind::Cut, 0, 1)
        };
        assert_eq!(decide_next(&r, broke, &mut rng), Next::GiveUp);
        assert_eq!(
            decide_next(&route(1, true), broke, &mut rng),
            Next::MoveOn("b".into())
        );
        // No retries: straight to the next hop.
        assert_eq!(
            decide_next(&route(0, false), failed(ErrorKind::Cut, 0, 0), &mut rng),
            Next::MoveOn("b".into())
        );
        assert_eq!(Next::GiveUp.describe(), "giving up");
        assert_eq!(Next::MoveOn("b".into()).describe(), "falling back to b");
        assert_eq!(
            Next::RetryAfter(Duration::from_millis(1500)).describe(),
            "retrying in 1.5 s"
        );
    }

    #[test]
    fn exact_backoff_for_a_seed_and_the_retry_it_is_for() {
        let r = route(2, false);
        let jitter = |seed| 0.75 + 0.5 * SplitMix64::new(seed).next_f64();
        for (retry, base) in [(1, 0.1), (2, 0.2), (3, 0.4)] {
            let d = backoff_for(&r, retry, None, &mut SplitMix64::new(9)).unwrap();
            assert!(
                (d.as_secs_f64() - base * jitter(9)).abs() < 1e-9,
                "{retry}: {d:?}"
            );
        }
        // The second try on a hop waits the backoff of retry 2, not retry 1.
        let next = decide_next(&r, failed(ErrorKind::Cut, 0, 1), &mut SplitMix64::new(9));
        let want = backoff_for(&r, 2, None, &mut SplitMix64::new(9)).unwrap();
        assert_eq!(next, Next::RetryAfter(want));
    }
}

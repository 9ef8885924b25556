//! When requests start: a closed loop (K in flight, the next starts when one ends) or an open
//! loop at a fixed or Poisson rate (starts on schedule whatever is still in flight), as guidellm
//! and AIPerf offer. The arrival times are pure and seeded; `drive` is the thin async part, on
//! tokio's clock so tests run it on a paused one.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::rng::SplitMix64;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Load {
    /// `concurrency` requests in flight, per target.
    Closed { concurrency: usize },
    /// `per_s` requests a second, per target; Poisson arrivals or evenly spaced.
    Open { per_s: f64, poisson: bool },
}

impl std::fmt::Display for Load {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Load::Closed { concurrency } => {
                write!(f, "closed loop, {concurrency} in flight per target")
            }
            Load::Open { per_s, poisson } => write!(
                f,
                "open loop, {} {per_s}/s per target",
                if *poisson { "Poisson" } else { "fixed" }
            ),
        }
    }
}

/// Start offsets of an open loop: `k / rate`, or exponential gaps of mean `1 / rate`.
pub struct Arrivals {
    per_s: f64,
    poisson: bool,
    rng: SplitMix64,
    at: f64,
    n: u64,
}

impl Arrivals {
    pub fn new(per_s: f64, poisson: bool, seed: u64) -> Self {
        Self {
            per_s,
            poisson,
            rng: SplitMix64::from_parts(&[b"arrivals", &seed.to_le_bytes()]),
            at: 0.0,
            n: 0,
        }
    }
}

impl Iterator for Arrivals {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let t = if self.poisson {
            let now = self.at;
            // Inverse transform of U(0,1]: never ln(0).
            let u = 1.0 - self.rng.next_f64();
            self.at += -u.ln() / self.per_s;
            now
        } else {
            self.n as f64 / self.per_s
        };
        self.n += 1;
        Some(Duration::from_secs_f64(t))
    }
}

/// What to start: job numbers `0..count` (or without end), until `until` passes or `cancel`.
#[derive(Debug, Clone, Copy)]
pub struct Jobs {
    pub count: Option<usize>,
    pub until: Option<Instant>,
}

impl Jobs {
    fn open(&self, j: usize) -> bool {
        self.count.is_none_or(|c| j < c) && self.until.is_none_or(|u| Instant::now() < u)
    }
}

/// Run jobs under `load`: `start(j)` is each job's future, spawned on its own task. Returns when
/// no more jobs may start and every started one has ended.
pub async fn drive<F, Fut>(load: Load, jobs: Jobs, seed: u64, cancel: CancellationToken, start: F)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let start = Arc::new(start);
    let mut tasks = tokio::task::JoinSet::new();
    match load {
        Load::Closed { concurrency } => {
            let next = Arc::new(AtomicUsize::new(0));
            for _ in 0..concurrency.max(1) {
                let (next, start, cancel) = (next.clone(), start.clone(), cancel.clone());
                tasks.spawn(async move {
                    loop {
                        let j = next.fetch_add(1, Ordering::Relaxed);
                        if cancel.is_cancelled() || !jobs.open(j) {
                            return;
                        }
                        start(j).await;
                    }
                });
            }
        }
        Load::Open { per_s, poisson } => {
            let t0 = Instant::now();
            for (j, at) in Arrivals::new(per_s, poisson, seed).enumerate() {
                tokio::select! {
                    biased;
                    _ = cancel.cancelled() => break,
                    _ = tokio::time::sleep_until(t0 + at) => {}
                }
                if !jobs.open(j) {
                    break;
                }
                tasks.spawn(start(j));
                // Reap finished tasks as we go, so a long run holds only those in flight.
                while tasks.try_join_next().is_some() {}
            }
        }
    }
    while tasks.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn ms(d: Duration) -> u64 {
        d.as_millis() as u64
    }

    /// Run `load` with jobs that each take `service(j)`; the start offsets in ms, by job.
    async fn starts(load: Load, jobs: Jobs, service: fn(usize) -> u64) -> Vec<(usize, u64)> {
        let t0 = Instant::now();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        drive(load, jobs, 7, CancellationToken::new(), move |j| {
            let s = s.clone();
            async move {
                s.lock().unwrap().push((j, ms(Instant::now() - t0)));
                tokio::time::sleep(Duration::from_millis(service(j))).await;
            }
        })
        .await;
        let mut v = seen.lock().unwrap().clone();
        v.sort();
        v
    }

    #[tokio::test(start_paused = true)]
    async fn a_closed_loop_starts_the_next_job_when_one_ends() {
        let jobs = Jobs {
            count: Some(5),
            until: None,
        };
        // Two in flight; job times 10, 30, 10, 10, 10 ms.
        let got = starts(Load::Closed { concurrency: 2 }, jobs, |j| {
            if j == 1 { 30 } else { 10 }
        })
        .await;
        assert_eq!(got, vec![(0, 0), (1, 0), (2, 10), (3, 20), (4, 30)]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_open_loop_keeps_its_schedule_whatever_is_in_flight() {
        let jobs = Jobs {
            count: Some(4),
            until: None,
        };
        // 10 a second while each job takes 1 s: they overlap, and start on time anyway.
        let got = starts(
            Load::Open {
                per_s: 10.0,
                poisson: false,
            },
            jobs,
            |_| 1000,
        )
        .await;
        assert_eq!(got, vec![(0, 0), (1, 100), (2, 200), (3, 300)]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_stops_new_starts_and_waits_for_those_in_flight() {
        let until = Some(Instant::now() + Duration::from_millis(250));
        let t0 = Instant::now();
        let jobs = Jobs { count: None, until };
        let got = starts(
            Load::Open {
                per_s: 10.0,
                poisson: false,
            },
            jobs,
            |_| 1000,
        )
        .await;
        assert_eq!(
            got.len(),
            3,
            "starts at 0, 100, 200 ms; 300 is past the deadline"
        );
        // The last one started at 200 ms and ran its full second.
        assert_eq!(ms(Instant::now() - t0), 1200);
        let got = starts(
            Load::Closed { concurrency: 1 },
            Jobs {
                count: None,
                until: Some(Instant::now() + Duration::from_millis(25)),
            },
            |_| 10,
        )
        .await;
        assert_eq!(got.len(), 3, "0, 10, 20 ms");
    }

    #[tokio::test(start_paused = true)]
    async fn cancelling_stops_both_loops() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let count = Arc::new(AtomicUsize::new(0));
        for load in [
            Load::Closed { concurrency: 3 },
            Load::Open {
                per_s: 5.0,
                poisson: true,
            },
        ] {
            let c = count.clone();
            drive(
                load,
                Jobs {
                    count: None,
                    until: None,
                },
                1,
                cancel.clone(),
                move |_| {
                    c.fetch_add(1, Ordering::Relaxed);
                    async {}
                },
            )
            .await;
        }
        assert_eq!(count.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn poisson_arrivals_are_seeded_with_the_asked_mean() {
        let a: Vec<Duration> = Arrivals::new(50.0, true, 3).take(20_000).collect();
        let b: Vec<Duration> = Arrivals::new(50.0, true, 3).take(20_000).collect();
        assert_eq!(a, b);
        assert_ne!(
            a,
            Arrivals::new(50.0, true, 4)
                .take(20_000)
                .collect::<Vec<_>>()
        );
        assert_eq!(a[0], Duration::ZERO);
        assert!(a.windows(2).all(|w| w[0] <= w[1]));
        let mean_gap = a.last().unwrap().as_secs_f64() / (a.len() - 1) as f64;
        assert!((mean_gap - 0.02).abs() < 0.001, "{mean_gap}");
        // Exponential gaps: about 1/e of them are longer than the mean.
        let long = a
            .windows(2)
            .filter(|w| (w[1] - w[0]).as_secs_f64() > 0.02)
            .count();
        let share = long as f64 / a.len() as f64;
        assert!((share - (-1f64).exp()).abs() < 0.02, "{share}");
        let fixed: Vec<u64> = Arrivals::new(4.0, false, 3).take(3).map(ms).collect();
        assert_eq!(fixed, vec![0, 250, 500]);
    }
}

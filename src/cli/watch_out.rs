//! Where a watch's probes and alerts go: a line each on stdout (JSON lines with `--json`), and
//! each alert to the hook command's stdin and the webhook, both bounded in time. A hook or webhook
//! that fails is said on stderr; the watch goes on.

use std::time::Duration;

use serde_json::json;

use crate::format::{fmt_ms, fmt_usd};
use crate::secret::Secret;
use crate::session::Session;
use crate::watch::Sample;
use crate::watch::alert::Alert;

/// How long a hook command or a webhook may take by default (`--hook-timeout`).
pub const HOOK_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Out {
    json: bool,
    timeout: Duration,
    on_alert: Option<String>,
    webhook: Option<(reqwest::Client, String)>,
    key: Option<Secret>,
}

impl Out {
    /// Alerts as JSON lines with `json`; `on_alert` and `webhook` over the config's.
    pub fn new(
        json: bool,
        hooks: (Option<String>, Option<String>, Duration),
        session: &Session,
    ) -> Out {
        let (on_alert, webhook, timeout) = hooks;
        let w = &session.config.watch;
        let url = webhook.or_else(|| w.webhook.clone());
        // Its own client: no gateway key, no redirects, a deadline.
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .ok();
        Out {
            json,
            timeout,
            on_alert: on_alert.or_else(|| w.on_alert.clone()),
            webhook: client.zip(url),
            key: session.key.clone(),
        }
    }

    fn clean(&self, text: &str) -> String {
        crate::secret::scrub(text, self.key.as_ref()).into_owned()
    }

    /// The sample with the key out of its texts (for labels).
    pub fn scrubbed(&self, s: &Sample) -> Sample {
        let mut s = s.clone();
        s.target = self.clean(&s.target);
        s
    }

    pub fn probe(&self, s: &Sample) {
        if self.json {
            let mut v = json!({"type": "probe", "probe": s});
            crate::secret::Scrubber(self.key.as_ref()).json(&mut v);
            println!("{v}");
            return;
        }
        let what = match (&s.error_kind, s.ok) {
            (Some(k), false) => format!("error {k}"),
            _ => format!(
                "ok  ttft {}  total {}  {}",
                fmt_ms(s.ttft_ms),
                fmt_ms(s.total_ms),
                fmt_usd(s.cost_usd)
            ),
        };
        let line = format!("{}  {}  {what}", crate::clock::fmt_utc(s.at_ms), s.target);
        println!("{}", crate::clean::terminal_safe(&self.clean(&line)));
    }

    pub async fn alert(&self, a: &Alert) {
        let mut body = json!({"type": "alert", "alert": a});
        crate::secret::Scrubber(self.key.as_ref()).json(&mut body);
        if self.json {
            println!("{body}");
        } else {
            println!("{}", crate::clean::terminal_safe(&self.clean(&a.line())));
        }
        let (hook, post) = tokio::join!(self.hook(&body), self.post(&body));
        for e in [hook, post].into_iter().flatten() {
            eprintln!("warning: {}", crate::clean::terminal_safe(&self.clean(&e)));
        }
    }

    /// The hook command, with the alert on stdin; killed when it outlives the timeout.
    async fn hook(&self, body: &serde_json::Value) -> Option<String> {
        use tokio::io::AsyncWriteExt;
        let cmd = self.on_alert.as_ref()?;
        // Its own process group, so that a timeout stops what it started too (a `sleep` under
        // `sh -c` would otherwise outlive it, holding our output open).
        let mut child = match tokio::process::Command::new("sh")
            .args(["-c", cmd])
            .stdin(std::process::Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => return Some(format!("on_alert {cmd:?} did not start: {e}")),
        };
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(format!("{body}\n").as_bytes()).await;
        }
        match tokio::time::timeout(self.timeout, child.wait()).await {
            Ok(Ok(s)) if s.success() => None,
            Ok(Ok(s)) => Some(format!("on_alert {cmd:?} failed ({s})")),
            Ok(Err(e)) => Some(format!("on_alert {cmd:?}: {e}")),
            Err(_) => {
                if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
                    // SAFETY: kill(2) with a negative pid signals the process group `pid` leads:
                    // the hook's own group (`process_group(0)` above), nothing else.
                    unsafe {
                        libc::kill(-pid, libc::SIGKILL);
                    }
                }
                let _ = child.kill().await;
                Some(format!(
                    "on_alert {cmd:?} was still running after {} and was stopped",
                    fmt_ms(Some(self.timeout.as_secs_f64() * 1000.0))
                ))
            }
        }
    }

    async fn post(&self, body: &serde_json::Value) -> Option<String> {
        let (client, url) = self.webhook.as_ref()?;
        match client.post(url).json(body).send().await {
            Ok(r) if r.status().is_success() => None,
            Ok(r) => Some(format!("the webhook answered HTTP {}", r.status().as_u16())),
            Err(e) if e.is_timeout() => Some(format!(
                "the webhook did not answer within {}",
                fmt_ms(Some(self.timeout.as_secs_f64() * 1000.0))
            )),
            Err(e) => Some(format!("the webhook failed: {e}")),
        }
    }
}

/// Serve `/metrics` on `addr` for as long as the watch runs, and keep the credits gauge fed from
/// the gateway's account (asked every `ACCOUNT_EVERY`) where it reports one.
pub async fn serve_metrics(
    addr: std::net::SocketAddr,
    session: &Session,
) -> anyhow::Result<std::sync::Arc<crate::watch::metrics::Metrics>> {
    use crate::watch::metrics::{CONTENT_TYPE, Metrics};
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("--metrics-addr {addr}: {e}"))?;
    let metrics = std::sync::Arc::new(Metrics::new());
    let m = metrics.clone();
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let m = m.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, CONTENT_TYPE)],
                    m.encode(),
                )
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    eprintln!("watch: metrics on http://{addr}/metrics");
    let (client, api) = (session.client.clone(), session.profile.account);
    let management = session.management_key.clone();
    let m = metrics.clone();
    tokio::spawn(async move {
        use crate::gateway::account::{AccountApi, AccountReport, fetch};
        if api == AccountApi::None {
            return;
        }
        loop {
            match fetch(&client, api, management.as_ref()).await {
                Ok(AccountReport::Reported(a)) => {
                    if let Some(left) = a.left_usd {
                        m.credits_left(left);
                    }
                }
                Ok(AccountReport::NotReported { .. }) => return,
                Err(_) => {}
            }
            tokio::time::sleep(ACCOUNT_EVERY).await;
        }
    });
    Ok(metrics)
}

/// How often the credits gauge asks the account.
pub const ACCOUNT_EVERY: Duration = Duration::from_secs(300);

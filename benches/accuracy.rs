//! How exact are the client's timings? 8 concurrent streams through the real client against the
//! demo gateway (real HTTP on loopback, real pacing), while another thread renders TUI frames
//! non-stop. For every stream, the instant the client stamped the first answer token and the last
//! token is compared with the instant the server handed those bytes to its socket (same process,
//! same monotonic clock). Reports p50/p99/max of the differences.
//!
//! Run: `cargo bench --bench accuracy` (about 15 s).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use gatebench::app::keymap::Keymap;
use gatebench::app::{Action, State, update};
use gatebench::demo::{self, DemoConfig};
use gatebench::gateway::wire::{ChatRequest, Message};
use gatebench::gateway::{Client, Endpoint, Timeouts};
use gatebench::metrics::timing::percentile;
use gatebench::route as run;
use gatebench::secret::Secret;
use gatebench::ui::{Theme, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio_util::sync::CancellationToken;

const CONCURRENCY: usize = 8;
const ROUNDS: usize = 6;

/// Keeps one core busy the way the TUI does: update + render of four full panes, continuously.
fn render_load(stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let km = Keymap::new(&BTreeMap::new()).unwrap();
        let models = ["m/a", "m/b", "m/c", "m/d"].map(String::from).to_vec();
        let mut s = State::new(km, models, None);
        update(&mut s, Action::Resize(160, 48));
        let theme = Theme::builtin("dark").unwrap();
        let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
        let mut frames = 0;
        while !stop.load(Ordering::Relaxed) {
            for p in &mut s.panes {
                p.transcript
                    .push(gatebench::app::transcript::Seg::Answer, "streaming words ");
            }
            term.draw(|f| render(&s, &theme, f)).unwrap();
            frames += 1;
        }
        frames
    })
}

fn summary(name: &str, mut us: Vec<u32>) {
    us.sort_unstable();
    let p = |q| percentile(&us, q).unwrap_or(0) as f64 / 1000.0;
    println!(
        "{name:<34} n={:<4} p50 {:.3} ms   p99 {:.3} ms   max {:.3} ms",
        us.len(),
        p(0.5),
        p(0.99),
        us.last().copied().unwrap_or(0) as f64 / 1000.0
    );
}

fn main() {
    // `cargo bench` passes --bench; a test run (`cargo test --benches`) only checks it builds.
    if !std::env::args().any(|a| a == "--bench") {
        println!("accuracy: run with `cargo bench --bench accuracy`");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let gw = demo::spawn(DemoConfig::default()).await.unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let load = render_load(stop.clone());
        let mut first = Vec::new();
        let mut last = Vec::new();
        let mut n = 0;
        for round in 0..ROUNDS {
            let tasks: Vec<_> = (0..CONCURRENCY)
                .map(|i| {
                    n += 1;
                    let id = format!("acc-{round}-{i}");
                    let client = Client::new(Endpoint {
                        base_url: gw.base_url.clone(),
                        api_key: Some(Secret::new(gw.key.clone())),
                        key_env: None,
                        headers: vec![("x-request-id".into(), id.clone())],
                        timeouts: Timeouts::default(),
                        api: Default::default(),
                    })
                    .unwrap();
                    let model = if i % 2 == 0 { "demo/fast-mini" } else { "demo/local-free" };
                    let req = ChatRequest {
                        model: model.into(),
                        messages: vec![Message::user(format!("accuracy run {round} {i}"))],
                        ..Default::default()
                    };
                    tokio::spawn(async move {
                        (id, run::stream(&client, req, CancellationToken::new(), |_| {}).await)
                    })
                })
                .collect();
            for t in tasks {
                let (id, o) = t.await.unwrap();
                assert!(o.error.is_none(), "{:?}", o.error);
                let trace = gw
                    .trace()
                    .into_iter()
                    .find(|t| t.request_id.as_deref() == Some(id.as_str()))
                    .expect("the server traced the stream");
                let c = &o.collector;
                let sent = c.sent_at();
                let client_first = sent + c.timeline.first_content.unwrap();
                let client_last = sent + c.timeline.last_token.unwrap();
                let us = |a: Instant, b: Option<Instant>| {
                    a.saturating_duration_since(b.unwrap()).as_micros() as u32
                };
                first.push(us(client_first, trace.first_content_at));
                last.push(us(client_last, trace.last_byte_at));
            }
        }
        stop.store(true, Ordering::Relaxed);
        let frames = load.join().unwrap();
        println!("{n} streams, {CONCURRENCY} at a time, while rendering {frames} frames on another thread");
        println!("client stamp minus server send time:");
        summary("first answer token (TTFT)", first);
        summary("last token (total time)", last);
    });
}

//! How exact are the client's timings, in the workbench's own arrangement? The demo gateway runs
//! on a runtime of its own (as a separate gateway would); requests run through `tui::task::route_task` on
//! the workbench's network runtime (`tui::net_runtime`); their messages go to this thread, which
//! folds them into the workbench `State` and renders 160x48 frames non-stop, as the event loop does
//! at its busiest. For every stream, the instant the client stamped the first answer token and the
//! last token is compared with the instant the server handed those bytes to its socket (same
//! process, same monotonic clock). Reports p50/p99/max of the differences.
//!
//! Run: `cargo bench --bench accuracy` (about 15 s).

use std::collections::BTreeMap;
use std::time::Instant;

use gatebench::answer::RouteOutcome;
use gatebench::app::keymap::Keymap;
use gatebench::app::{Action, State, update};
use gatebench::demo::{self, DemoConfig};
use gatebench::gateway::wire::{ChatRequest, Message};
use gatebench::gateway::{Client, Endpoint, Timeouts};
use gatebench::metrics::timing::percentile;
use gatebench::route::Route;
use gatebench::secret::Secret;
use gatebench::ui::{Theme, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio_util::sync::CancellationToken;

const CONCURRENCY: usize = 8;
const ROUNDS: usize = 6;

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
    let gw_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let gw = gw_rt.block_on(demo::spawn(DemoConfig::default())).unwrap();
    let net = gatebench::tui::net_runtime().unwrap();
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    // One pane per concurrent stream, so every message is folded and drawn.
    let models = (0..CONCURRENCY).map(|i| format!("pane-{i}")).collect();
    let mut s = State::new(km, models, None);
    update(&mut s, Action::Resize(160, 48));
    let theme = Theme::builtin("dark").unwrap();
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let (mut first, mut last) = (Vec::new(), Vec::new());
    let (mut n, mut frames) = (0, 0u64);
    for round in 0..ROUNDS {
        let (tx, rx) = gatebench::tui::inbox::inbox();
        let mut ids = BTreeMap::new();
        for i in 0..CONCURRENCY {
            n += 1;
            let id = format!("acc-{round}-{i}");
            let client = Client::new(Endpoint {
                base_url: gw.base_url.clone(),
                api_key: Some(Secret::new(gw.key.clone())),
                key_env: None,
                headers: vec![("x-request-id".into(), id.clone())],
                key_header: None,
                timeouts: Timeouts::default(),
                limits: Default::default(),
                api: Default::default(),
            })
            .unwrap();
            let model = if i % 2 == 0 {
                "demo/fast-mini"
            } else {
                "demo/local-free"
            };
            let req = ChatRequest {
                model: model.into(),
                messages: vec![Message::user(format!("accuracy run {round} {i}"))],
                ..Default::default()
            };
            let request_id = (round * CONCURRENCY + i) as u64 + 1;
            s.pane_mut_for_tests(i).begin(request_id, "accuracy");
            ids.insert(request_id, id);
            let route = Route::single(model);
            let token = CancellationToken::new();
            net.spawn(gatebench::tui::task::route_task(
                client,
                request_id,
                req,
                route,
                token,
                tx.clone(),
            ));
        }
        drop(tx);
        // The UI thread: fold every message into the state and draw, without pause.
        let mut ended: Vec<(u64, Box<RouteOutcome>)> = Vec::new();
        while ended.len() < CONCURRENCY {
            for a in rx.take(usize::MAX) {
                match a {
                    Action::Ended {
                        request_id,
                        outcome,
                    } => ended.push((request_id, outcome)),
                    other => {
                        update(&mut s, other);
                    }
                }
            }
            term.draw(|f| render(&s, &theme, f)).unwrap();
            frames += 1;
        }
        let traces = gw.trace();
        for (request_id, o) in ended {
            let o = &o.last;
            assert!(o.error.is_none(), "{:?}", o.error);
            let id = &ids[&request_id];
            let trace = traces
                .iter()
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
    println!(
        "{n} streams, {CONCURRENCY} at a time, while this thread rendered {frames} frames non-stop"
    );
    println!("client stamp minus server send time:");
    summary("first answer token (TTFT)", first);
    summary("last token (total time)", last);
    net.shutdown_background();
    gw_rt.shutdown_background();
}

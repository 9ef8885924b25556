//! The history at scale: a database of 50,000 stored answers of about 1,000 tokens each (built
//! once under `target/history-bench/`, a few minutes), then
//!
//! - `search_first_page/*`: open the database and run a full-text search for the first page (50
//!   entries); the history view keeps its connection, so this is an upper bound of a key typed;
//!   target under 50 ms;
//! - `open_view`: open the database and list the newest 50 entries, as opening the history view
//!   does; target under 100 ms.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gatebench::answer::AnswerRecord;
use gatebench::demo::text;
use gatebench::history::{RequestInfo, SessionInfo, Status, Store, TurnInfo, TurnParams};
use gatebench::history::{maintain, query};
use gatebench::rng::SplitMix64;

const ANSWERS: u64 = 50_000;
const PANES: u64 = 4;
const MODELS: [&str; 4] = [
    "demo/fast-mini",
    "demo/pro-large",
    "demo/reasoner",
    "demo/local-free",
];
const TOPICS: [&str; 10] = [
    "gateway latency",
    "fallback routes",
    "prompt caching",
    "token pricing",
    "rate limits",
    "streaming metrics",
    "context windows",
    "tool calls",
    "model quality",
    "batch workloads",
];
const PAGE: usize = 50;

fn record(model: &str, text: String, i: u64) -> AnswerRecord {
    let v = serde_json::json!({
        "model": model, "text": text, "reasoning": "", "ttft_ms": 80.0 + (i % 400) as f64,
        "ttfr_ms": null, "total_ms": 2000.0 + (i % 900) as f64, "served_ttft_ms": null,
        "served_total_ms": null, "itl_ms": 12.5, "input_tokens": 40, "cached_input_tokens": 0,
        "output_tokens": 1000, "reasoning_tokens": 0, "tokens_per_s": 480.0,
        "decode_tokens_per_s": 510.0, "cost_usd": 0.0012, "cost_source": "models",
        "estimated": false, "finish_reason": "stop", "served_model": null, "route": null,
        "hops": [], "gateway_fallbacks": null, "tool_calls": [], "rate_limit": null,
        "generation_id": null, "server_timings": null, "error": null, "error_kind": null
    });
    serde_json::from_value(v).expect("a valid record")
}

/// The database, built on first use (and rebuilt when incomplete).
fn database() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/history-bench");
    let path = dir.join("history-50k.db");
    if let Ok(store) = Store::open(&path)
        && maintain::stats(&store).is_ok_and(|s| s.answers == ANSWERS)
    {
        return path;
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "building {} ({ANSWERS} answers of ~1,000 tokens)…",
        path.display()
    );
    let store = Store::open(&path).expect("create the bench database");
    let mut rng = SplitMix64::new(11);
    let turns = ANSWERS / PANES;
    let mut session = 0;
    store.begin().unwrap();
    for t in 0..turns {
        if t % 25 == 0 {
            if t > 0 {
                store.commit().unwrap();
                store.begin().unwrap();
            }
            let info = SessionInfo {
                kind: "workbench".into(),
                profile: "demo".into(),
                base_url: "http://x/v1".into(),
            };
            session = store.new_session(&info, t as i64 * 60_000).unwrap();
        }
        let topic = TOPICS[(t % TOPICS.len() as u64) as usize];
        let seq = t % 25 + 1;
        let prompt = format!("question {t}: how do {topic} behave under load?");
        let turn = TurnInfo {
            seq,
            prompt: prompt.clone(),
            system: None,
            params: TurnParams::default(),
        };
        store.add_turn(session, &turn, t as i64 * 60_000).unwrap();
        for p in 0..PANES {
            let req_seq = (seq - 1) * PANES + p + 1;
            let model = MODELS[p as usize];
            let req = RequestInfo {
                seq: req_seq,
                turn: seq,
                pane: p as u32,
                pane_model: model.into(),
                conversation: 0,
                target: model.into(),
                route: None,
            };
            store.add_request(session, &req, 0).unwrap();
            let text = text::answer(&mut rng, &prompt, 1000);
            store
                .finish(session, req_seq, Status::Done, &record(model, text, t), 0)
                .unwrap();
        }
    }
    store.commit().unwrap();
    path
}

fn bench(c: &mut Criterion) {
    // Another database (e.g. a copy after `gatebench history prune`) with GATEBENCH_HISTORY_DB.
    let path = std::env::var_os("GATEBENCH_HISTORY_DB").map_or_else(database, PathBuf::from);
    let mut g = c.benchmark_group("history_50k");
    g.measurement_time(Duration::from_secs(5)).sample_size(30);
    for q in [
        "latency",
        "fallback routes",
        "cach",
        "question 12345",
        "zebra",
    ] {
        g.bench_function(format!("search_first_page/{q}"), |b| {
            b.iter(|| {
                let store = Store::open(&path).unwrap();
                query::search(&store, q, PAGE).unwrap()
            })
        });
    }
    g.bench_function("open_view", |b| {
        b.iter(|| {
            let store = Store::open(&path).unwrap();
            query::list(&store, PAGE).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Rendering cost must not grow with the length of a response.
//!
//! - `frame_4_panes_200k_tokens`: one 160x48 frame of four panes each holding a 200,000-token answer.
//! - `stream_1m_tokens`: 1,000,000 streamed tokens through `update`, drawing every 100 chunks (the
//!   event loop drains many chunks per frame; at 60 frames/s that is 6,000 tokens/s).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gatebench::app::keymap::Keymap;
use gatebench::app::{Action, Effect, State, update};
use gatebench::demo::text;
use gatebench::rng::SplitMix64;
use gatebench::testkit::Req;
use gatebench::ui::{Theme, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const MODELS: [&str; 4] = ["m/a", "m/b", "m/c", "m/d"];

fn tokens(n: usize) -> Vec<String> {
    let answer = text::answer(&mut SplitMix64::new(7), "benchmark rendering", n);
    text::tokenize(&answer)
        .into_iter()
        .take(n)
        .map(String::from)
        .collect()
}

/// The workbench with a request running on each model; `Req` folds each chunk as the route task
/// does, so the streaming figure includes that work too.
fn started(models: &[&str]) -> (State, Vec<Req>, Instant) {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let mut s = State::new(km, models.iter().map(|m| m.to_string()).collect(), None);
    update(&mut s, Action::Resize(160, 48));
    update(&mut s, Action::ModelsLoaded(Ok(vec![])));
    for c in "go".chars() {
        update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    let ids: Vec<u64> = update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    )
    .into_iter()
    .filter_map(|e| match e {
        Effect::Send { request_id, .. } => Some(request_id),
        _ => None,
    })
    .collect();
    let t0 = Instant::now();
    let reqs = ids.iter().map(|&id| Req::start(&mut s, id, t0)).collect();
    (s, reqs, t0)
}

fn benches(c: &mut Criterion) {
    let theme = Theme::builtin("dark").unwrap();
    let toks = tokens(200_000);
    let (mut s, mut reqs, t0) = started(&MODELS);
    for r in &mut reqs {
        for (i, t) in toks.iter().enumerate() {
            r.content(&mut s, t0 + Duration::from_micros(i as u64), t);
        }
    }
    let rows: usize = s.panes.iter().map(|p| p.transcript.rows().len()).sum();
    eprintln!("4 panes hold {rows} wrapped rows in all");
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    c.bench_function("frame_4_panes_200k_tokens", |b| {
        b.iter(|| {
            term.draw(|f| render(&s, &theme, f)).unwrap();
        })
    });

    let million = tokens(1_000_000);
    let mut g = c.benchmark_group("stream");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("stream_1m_tokens", |b| {
        b.iter(|| {
            let (mut s, mut reqs, t0) = started(&MODELS[..1]);
            let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
            for (i, t) in million.iter().enumerate() {
                reqs[0].content(&mut s, t0 + Duration::from_micros(i as u64), t);
                if i % 100 == 0 {
                    term.draw(|f| render(&s, &theme, f)).unwrap();
                }
            }
            term.draw(|f| render(&s, &theme, f)).unwrap();
        })
    });
    g.finish();
}

criterion_group!(render_benches, benches);
criterion_main!(render_benches);

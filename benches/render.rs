//! Rendering cost must not grow with the length of a response.
//!
//! - `frame_4_panes_200k_tokens`: one 160x48 frame of four panes each holding a 200,000-token answer.
//! - `stream_1m_tokens`: 1,000,000 streamed tokens through `update`, drawing every 100 chunks (the
//!   event loop drains many chunks per frame; at 60 frames/s that is 6,000 tokens/s).
//! - `markdown/*`: a 16,000-token answer with 40 code blocks, rendered against raw: one frame at
//!   its end and in its middle, and the whole answer streamed (drawing every 100 chunks).
//!
//! The demo answers are markdown (headings, lists, tables, fenced code), so the 200k figures are
//! rendered markdown too.

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
    // The answers end: every block closed and rendered.
    for r in reqs {
        r.end(&mut s, t0 + Duration::from_secs(1));
    }
    let rows: usize = s.panes().iter().map(|p| p.transcript.rows().len()).sum();
    eprintln!("4 panes hold {rows} wrapped rows in all");
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    c.bench_function("frame_4_panes_200k_tokens", |b| {
        b.iter(|| {
            term.draw(|f| render(&s, &theme, f)).unwrap();
        })
    });

    markdown(c, &theme);

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

/// 16,000 tokens of prose, lists and inline styles around 40 fenced code blocks.
fn code_heavy() -> Vec<String> {
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!("## Step {i}\n\n"));
        for _ in 0..4 {
            text.push_str(
                "The gateway sends **each** request to the `fastest` model, and the *fallback* \
                 route covers errors and [rate limits](https://example.com/limits) on the way. ",
            );
        }
        text.push_str("\n\n- first point\n- second point with `code`\n\n```rust\n");
        for j in 0..5 {
            text.push_str(&format!(
                "    let value_{j} = client.send(request.clone()).await?; // step {j}\n"
            ));
        }
        text.push_str("```\n\n");
    }
    let toks: Vec<String> = text::tokenize(&text)
        .into_iter()
        .map(String::from)
        .collect();
    eprintln!("code-heavy answer: {} tokens, 40 code blocks", toks.len());
    toks
}

fn markdown(c: &mut Criterion, theme: &Theme) {
    let toks = code_heavy();
    let mut g = c.benchmark_group("markdown");
    for raw in [false, true] {
        let mode = if raw { "raw" } else { "rendered" };
        let (mut s, mut reqs, t0) = started(&MODELS[..1]);
        s.set_raw_default(raw);
        for (i, t) in toks.iter().enumerate() {
            reqs[0].content(&mut s, t0 + Duration::from_micros(i as u64), t);
        }
        reqs.pop().unwrap().end(&mut s, t0 + Duration::from_secs(1));
        let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
        g.bench_function(format!("frame_16k_40_code_{mode}_end"), |b| {
            b.iter(|| {
                term.draw(|f| render(&s, theme, f)).unwrap();
            })
        });
        let rows = s.panes()[0].transcript.rows().len();
        s.pane_mut_for_tests(0).follow = false;
        s.pane_mut_for_tests(0).scroll = rows / 2;
        g.bench_function(format!("frame_16k_40_code_{mode}_middle"), |b| {
            b.iter(|| {
                term.draw(|f| render(&s, theme, f)).unwrap();
            })
        });
    }
    g.sample_size(20);
    for raw in [false, true] {
        let mode = if raw { "raw" } else { "rendered" };
        g.bench_function(format!("stream_16k_40_code_{mode}"), |b| {
            b.iter(|| {
                let (mut s, mut reqs, t0) = started(&MODELS[..1]);
                s.set_raw_default(raw);
                let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
                for (i, t) in toks.iter().enumerate() {
                    reqs[0].content(&mut s, t0 + Duration::from_micros(i as u64), t);
                    if i % 100 == 0 {
                        term.draw(|f| render(&s, theme, f)).unwrap();
                    }
                }
                reqs.pop().unwrap().end(&mut s, t0 + Duration::from_secs(1));
                term.draw(|f| render(&s, theme, f)).unwrap();
            })
        });
    }
    g.finish();
}

criterion_group!(render_benches, benches);
criterion_main!(render_benches);

//! Screens as a user sees them, at 80x24 and 160x48, rendered into ratatui's TestBackend.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gatebench::app::keymap::Keymap;
use gatebench::app::{Action, Effect, State, update};
use gatebench::gateway::GatewayError;
use gatebench::gateway::wire::{Chunk, FinishReason, ModelInfo, Prices, Usage};
use gatebench::testkit::Req;
use gatebench::ui::{Theme, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SIZES: [(u16, u16); 3] = [(60, 20), (80, 24), (160, 48)];

fn models() -> Vec<ModelInfo> {
    [
        ("demo/fast-mini", 128_000, 0.15, 0.6),
        ("demo/flaky", 32_000, 0.5, 1.5),
        ("demo/local-free", 8_192, 0.0, 0.0),
        ("demo/long-context", 1_000_000, 1.25, 5.0),
        ("demo/pro-large", 200_000, 2.5, 10.0),
        ("demo/reasoner", 128_000, 1.1, 4.4),
    ]
    .iter()
    .map(|(id, ctx, i, o)| ModelInfo {
        id: id.to_string(),
        context_length: Some(*ctx),
        prices: Prices {
            input: Some(*i),
            output: Some(*o),
            ..Default::default()
        },
        owned_by: None,
    })
    .collect()
}

fn state(size: (u16, u16), selected: &[&str]) -> State {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let banner = Some(
        "Demo gateway: simulated models. Connect a real one: export INFERGATE_API_KEY=…"
            .to_string(),
    );
    let mut s = State::new(km, selected.iter().map(|m| m.to_string()).collect(), banner);
    update(&mut s, Action::Resize(size.0, size.1));
    update(&mut s, Action::ModelsLoaded(Ok(models())));
    s
}

fn key(s: &mut State, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    update(s, Action::Key(KeyEvent::new(code, mods)))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

fn screen(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(s.size().width, s.size().height)).unwrap();
    let theme = Theme::builtin("dark").unwrap();
    t.draw(|f| render(s, &theme, f)).unwrap();
    t.backend().to_string()
}

fn send(s: &mut State, prompt: &str) -> Vec<u64> {
    typed(s, prompt);
    key(s, KeyCode::Char('s'), KeyModifiers::CONTROL)
        .into_iter()
        .filter_map(|e| match e {
            Effect::Send { request_id, .. } => Some(request_id),
            _ => None,
        })
        .collect()
}

fn chunk(s: &mut State, r: &mut Req, at: Instant, content: Option<&str>, reasoning: Option<&str>) {
    let c = Chunk {
        content: content.map(String::from),
        reasoning: reasoning.map(String::from),
        ..Default::default()
    };
    r.chunk(s, at, c);
}

fn usage(input_tokens: u64, output_tokens: u64) -> Chunk {
    Chunk {
        finish_reason: Some(FinishReason::Stop),
        usage: Some(Usage {
            input_tokens,
            output_tokens,
            ..Default::default()
        }),
        ..Default::default()
    }
}

const ANSWER: &str = "## Latency\n\nTime to first token dominates short answers, while decode speed dominates long ones.\n\n- **fast-mini**: quick and cheap\n- **pro-large**: slower, better\n\n```python\nprint(\"hello\")\n```\n";

#[test]
fn empty_start() {
    for size in SIZES {
        let s = state(size, &[]);
        insta::assert_snapshot!(format!("empty_start_{}x{}", size.0, size.1), screen(&s));
    }
}

#[test]
fn picker_filtered() {
    for size in SIZES {
        let mut s = state(size, &[]);
        typed(&mut s, "pro");
        key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
        insta::assert_snapshot!(format!("picker_filtered_{}x{}", size.0, size.1), screen(&s));
    }
}

#[test]
fn three_panes_streaming() {
    for size in SIZES {
        let mut s = state(size, &["demo/fast-mini", "demo/pro-large", "demo/reasoner"]);
        let ids = send(&mut s, "Compare latency");
        let t0 = Instant::now();
        let mut reqs: Vec<Req> = ids.iter().map(|&id| Req::start(&mut s, id, t0)).collect();
        let ms = |n| t0 + Duration::from_millis(n);
        // Pane 1 finished, pane 2 half way, pane 3 still thinking.
        let words: Vec<&str> = ANSWER.split_inclusive(' ').collect();
        let mut first = reqs.remove(0);
        for (i, w) in words.iter().enumerate() {
            chunk(&mut s, &mut first, ms(120 + 10 * i as u64), Some(w), None);
        }
        first.chunk(&mut s, ms(400), usage(12, 40));
        first.end(&mut s, ms(410));
        for (i, w) in words.iter().take(12).enumerate() {
            chunk(&mut s, &mut reqs[0], ms(500 + 20 * i as u64), Some(w), None);
        }
        chunk(
            &mut s,
            &mut reqs[1],
            ms(300),
            None,
            Some("The user compares latency. Consider TTFT first."),
        );
        update(&mut s, Action::Tick(ms(900)));
        insta::assert_snapshot!(
            format!("three_panes_streaming_{}x{}", size.0, size.1),
            screen(&s)
        );
    }
}

#[test]
fn error_pane() {
    for size in SIZES {
        let mut s = state(size, &["demo/fast-mini", "demo/flaky"]);
        let ids = send(&mut s, "hello");
        let t0 = Instant::now();
        let mut ok = Req::start(&mut s, ids[0], t0);
        let at = t0 + Duration::from_millis(80);
        chunk(&mut s, &mut ok, at, Some("Hello there."), None);
        ok.end(&mut s, t0 + Duration::from_millis(90));
        let limited = GatewayError::Http {
            status: 429,
            url: "http://127.0.0.1:4000/v1/chat/completions".into(),
            message: "Rate limit reached for this model. Please retry later. (rate_limit_error)"
                .into(),
            retry_after: None,
            key_env: None,
        };
        let failed = Req::start(&mut s, ids[1], t0);
        failed.end_with(&mut s, t0 + Duration::from_millis(40), Some(limited), None);
        insta::assert_snapshot!(format!("error_pane_{}x{}", size.0, size.1), screen(&s));
    }
}

#[test]
fn help_overlay() {
    for size in SIZES {
        let mut s = state(size, &["demo/fast-mini"]);
        key(&mut s, KeyCode::F(1), KeyModifiers::NONE);
        insta::assert_snapshot!(format!("help_overlay_{}x{}", size.0, size.1), screen(&s));
    }
}

#[test]
fn session_stats_and_compare() {
    for size in SIZES {
        let mut s = state(size, &["demo/fast-mini", "demo/pro-large"]);
        let t0 = Instant::now();
        for round in 0..4u64 {
            let ids = send(&mut s, "again");
            for (i, &id) in ids.iter().enumerate() {
                let begin = t0 + Duration::from_secs(round * 10);
                let ttft = Duration::from_millis(100 + 300 * i as u64 + 20 * round);
                let ms = |n| begin + ttft + Duration::from_millis(n);
                let mut r = Req::start(&mut s, id, begin);
                chunk(&mut s, &mut r, ms(0), Some("some answer text"), None);
                chunk(&mut s, &mut r, ms(500), Some(" more"), None);
                let mut last = usage(100, 51);
                last.finish_reason = None;
                r.chunk(&mut s, ms(510), last);
                r.end(&mut s, ms(520));
            }
        }
        insta::assert_snapshot!(format!("session_stats_{}x{}", size.0, size.1), screen(&s));
        key(&mut s, KeyCode::Tab, KeyModifiers::NONE);
        key(&mut s, KeyCode::Char('v'), KeyModifiers::NONE);
        insta::assert_snapshot!(format!("session_table_{}x{}", size.0, size.1), screen(&s));
        key(&mut s, KeyCode::Char('v'), KeyModifiers::NONE);
        insta::assert_snapshot!(format!("compare_bars_{}x{}", size.0, size.1), screen(&s));
    }
}

#[test]
fn hints_follow_the_key_map() {
    let keys: BTreeMap<String, String> = [
        ("send".to_string(), "ctrl-x".to_string()),
        ("quit".to_string(), "ctrl-q".to_string()),
        ("focus_next".to_string(), "f6".to_string()),
    ]
    .into();
    let km = Keymap::new(&keys).unwrap();
    let mut s = State::new(km, vec![], None);
    update(&mut s, Action::Resize(160, 48));
    update(&mut s, Action::ModelsLoaded(Ok(models())));
    let screen_text = screen(&s);
    // Picker focus: the quit key that works there, and the rebound focus key.
    assert!(screen_text.contains("F6 next"), "{screen_text}");
    assert!(screen_text.contains("Ctrl-Q quit"), "{screen_text}");
    assert!(
        screen_text.contains("F6 to the model picker"),
        "{screen_text}"
    );
    assert!(!screen_text.contains("Ctrl-C quit"), "{screen_text}");
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    key(&mut s, KeyCode::F(6), KeyModifiers::NONE);
    let screen_text = screen(&s);
    assert!(screen_text.contains("Ctrl-X send"), "{screen_text}");
    assert!(screen_text.contains("Ctrl-X: send"), "{screen_text}");
    assert!(!screen_text.contains("Ctrl-S"), "{screen_text}");
    // The old binding no longer sends; the new one does.
    assert!(key(&mut s, KeyCode::Char('s'), KeyModifiers::CONTROL).is_empty());
    typed(&mut s, "hi");
    let sent = key(&mut s, KeyCode::Char('x'), KeyModifiers::CONTROL);
    assert!(matches!(sent[..], [Effect::Send { .. }]), "{sent:?}");
}

#[test]
fn too_small_says_how_big_instead_of_drawing() {
    let s = state((48, 10), &["demo/fast-mini"]);
    let screen_text = screen(&s);
    assert!(
        screen_text.contains("make the terminal at least 50×14 (now 48×10)"),
        "{screen_text}"
    );
    assert!(!screen_text.contains("Models"), "{screen_text}");
}

#[test]
fn maximise_gives_the_pane_the_screen_and_hidden_rows_are_counted() {
    let mut s = state((80, 24), &["demo/fast-mini", "demo/pro-large"]);
    key(&mut s, KeyCode::Tab, KeyModifiers::NONE);
    key(&mut s, KeyCode::Char('2'), KeyModifiers::NONE);
    key(&mut s, KeyCode::Char('m'), KeyModifiers::NONE);
    let full = screen(&s);
    assert!(
        !full.contains("Models") && !full.contains("Latency / cost"),
        "{full}"
    );
    let top = full.lines().next().unwrap();
    assert!(
        top.contains("demo/pro-large") && top.ends_with("┐\""),
        "{top}"
    );
    // Esc (nothing running) gives the pane its place back.
    key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert!(screen(&s).contains("Latency / cost"));

    let all: Vec<&str> = [
        "demo/fast-mini",
        "demo/flaky",
        "demo/local-free",
        "demo/long-context",
        "demo/pro-large",
        "demo/reasoner",
    ]
    .to_vec();
    let s = state((80, 24), &all);
    let text = screen(&s);
    assert!(text.contains("more"), "hidden rows are counted:\n{text}");
    let more = text.lines().find(|l| l.contains("more")).unwrap();
    assert!(more.contains("+") && more.contains(" more"), "{more}");
}

#[test]
fn forms_and_questions() {
    for size in SIZES {
        let name = |what: &str| format!("{what}_{}x{}", size.0, size.1);
        let mut s = state(size, &["demo/fast-mini", "demo/reasoner"]);
        key(&mut s, KeyCode::Char('p'), KeyModifiers::CONTROL);
        typed(&mut s, "be brief");
        insta::assert_snapshot!(name("params_form"), screen(&s));
        key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
        key(&mut s, KeyCode::Tab, KeyModifiers::NONE);
        key(&mut s, KeyCode::Char('1'), KeyModifiers::NONE);
        key(&mut s, KeyCode::Char('e'), KeyModifiers::NONE);
        insta::assert_snapshot!(name("route_form"), screen(&s));
        key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
        send(&mut s, "go");
        key(&mut s, KeyCode::Char('c'), KeyModifiers::CONTROL);
        insta::assert_snapshot!(name("confirm_quit"), screen(&s));
    }
}

#[test]
fn budget_question_and_rehearsal_report() {
    use gatebench::bench::rehearsal::{HopReport, Report};
    use gatebench::gateway::ErrorKind;
    for size in SIZES {
        let name = |what: &str| format!("{what}_{}x{}", size.0, size.1);
        let mut s = state(size, &["demo/fast-mini"]);
        s.configure(gatebench::app::Setup {
            budget_usd: Some(0.5),
            ..Default::default()
        });
        s.set_spent_for_tests(0.75);
        send(&mut s, "one more");
        insta::assert_snapshot!(name("confirm_budget"), screen(&s));
        key(&mut s, KeyCode::Char('n'), KeyModifiers::NONE);
        let hop = |model: &str, attempts, served, errors: &[(ErrorKind, u64)]| HopReport {
            model: model.into(),
            attempts,
            served,
            errors: errors.iter().copied().collect(),
        };
        let report = Report {
            route: "demo-fallback".into(),
            chain: vec!["demo/flaky".into(), "demo/fast-mini".into()],
            requests: 20,
            succeeded: 20,
            success_rate_primary_only: 0.85,
            success_rate_with_fallback: 1.0,
            fallback_requests: 3,
            added_latency_p50_ms: Some(212.0),
            added_latency_p95_ms: Some(431.5),
            cost_usd: Some(0.0123),
            cost_delta_usd: Some(0.0004),
            hops: vec![
                hop(
                    "demo/flaky",
                    23,
                    17,
                    &[(ErrorKind::ServerError, 4), (ErrorKind::Cut, 2)],
                ),
                hop("demo/fast-mini", 3, 3, &[]),
            ],
            failures: Default::default(),
        };
        update(&mut s, Action::Rehearsed(Box::new(report)));
        insta::assert_snapshot!(name("rehearsal_report"), screen(&s));
    }
}

fn entry(
    turn: u64,
    prompt: &str,
    snippet: Option<&str>,
    rating: Option<f64>,
) -> gatebench::history::query::Entry {
    gatebench::history::query::Entry {
        session_id: 3,
        turn,
        sent_ms: 1_795_509_725_000 + turn as i64 * 60_000,
        prompt: prompt.into(),
        targets: vec!["demo/fast-mini".into(), "demo/pro-large".into()],
        cost_usd: Some(0.0021 * turn as f64),
        cost_partial: turn == 2,
        rating_mean: rating,
        ratings: rating.map_or(0, |_| 2),
        snippet: snippet.map(str::to_string),
    }
}

#[test]
fn history_view_and_rating_form() {
    for size in SIZES {
        let mut s = state(size, &["demo/fast-mini", "demo/pro-large"]);
        s.configure(gatebench::app::Setup {
            recording: true,
            place: "history: ~/.local/share/gatebench/history.db".into(),
            ..Default::default()
        });
        key(&mut s, KeyCode::Char('r'), KeyModifiers::CONTROL);
        typed(&mut s, "latency");
        let rows = vec![
            entry(
                3,
                "Compare gateway latency for streaming",
                Some("…time to first token and latency…"),
                Some(4.5),
            ),
            entry(2, "latency budget for a chat app", None, None),
        ];
        update(
            &mut s,
            Action::HistoryRows {
                generation: 8,
                rows: Ok(rows),
            },
        );
        key(&mut s, KeyCode::Down, KeyModifiers::NONE);
        insta::assert_snapshot!(format!("history_view_{}x{}", size.0, size.1), screen(&s));
        key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
        // Rating needs a finished answer in the focused pane.
        let ids = send(&mut s, "hello");
        let t0 = Instant::now();
        for id in ids {
            gatebench::testkit::answer(
                &mut s,
                id,
                t0,
                80,
                "an answer",
                Some(Usage {
                    input_tokens: 3,
                    output_tokens: 2,
                    ..Default::default()
                }),
            );
        }
        // From the editor to the panes.
        key(&mut s, KeyCode::Tab, KeyModifiers::NONE);
        key(&mut s, KeyCode::Char('*'), KeyModifiers::NONE);
        typed(&mut s, "4clear and short");
        insta::assert_snapshot!(format!("rate_form_{}x{}", size.0, size.1), screen(&s));
    }
}

/// A step of the ladder as the climb reports it.
fn rung(model: &str, size: u64, ttft: f64, cost: f64, found: bool) -> Action {
    Action::Laddered(Some(gatebench::ladder::run::Event::Step(
        gatebench::ladder::Step {
            model: model.into(),
            size,
            input_tokens: Some(size - 20),
            ttft_ms: Some(ttft),
            total_ms: Some(ttft + 400.0),
            cost_usd: Some(cost),
            cost_source: Some(gatebench::metrics::CostSource::Models),
            estimated: false,
            found: Some(found),
            skipped: None,
            error_kind: None,
        },
    )))
}

#[test]
fn the_context_ladder_charts_ttft_and_cost() {
    for size in SIZES {
        let mut s = state(size, &["demo/fast-mini", "demo/local-free"]);
        let effects = key(&mut s, KeyCode::Char('l'), KeyModifiers::CONTROL);
        assert!(
            matches!(effects[..], [Effect::Ladder { .. }]),
            "{effects:?}"
        );
        for (i, k) in [1_000u64, 8_000, 32_000, 128_000].into_iter().enumerate() {
            let step = gatebench::ladder::run::Event::Size {
                index: i,
                size: k,
                tokens: k,
            };
            update(&mut s, Action::Laddered(Some(step)));
            let f = i as f64;
            update(
                &mut s,
                rung(
                    "demo/fast-mini",
                    k,
                    150.0 + 130.0 * f,
                    0.0002 * (1.0 + 4.0 * f),
                    i < 2,
                ),
            );
            if i == 0 {
                update(&mut s, rung("demo/local-free", k, 60.0, 0.0, true));
            }
        }
        update(&mut s, Action::Laddered(None));
        insta::assert_snapshot!(format!("context_ladder_{}x{}", size.0, size.1), screen(&s));
    }
}

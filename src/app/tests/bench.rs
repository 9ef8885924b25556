//! Benchmarks from the workbench: the key, the effect it asks for, the summary on the screen,
//! the history record, stopping, and the stored runs.

use super::*;
use crate::app::benchrun::{BenchView, StoredRun};
use crate::bench::summary::Summary;

fn summary(interrupted: bool) -> Box<Summary> {
    let mut s = Summary {
        format: crate::bench::summary::FORMAT.into(),
        workload: "prompt \"hi\"".into(),
        interrupted,
        targets: vec![crate::bench::stats::TargetStats::new("a/fast", &[])],
        ..Default::default()
    };
    s.derive();
    Box::new(s)
}

#[test]
fn ctrl_b_benchmarks_the_prompt_on_every_enabled_pane() {
    let mut s = state(&["a/fast", "b/large", "c/reasoner"]);
    assert!(update(&mut s, ctrl('b')).is_empty(), "no prompt yet");
    assert_eq!(s.status_msg.as_deref(), Some("write a prompt to benchmark"));
    typed(&mut s, "how fast");
    s.panes[2].enabled = false;
    s.editor.params.max_tokens = Some(64);
    match &update(&mut s, ctrl('b'))[..] {
        [
            Effect::Bench {
                targets,
                prompt,
                system,
                max_tokens,
                prices,
            },
        ] => {
            let names: Vec<&str> = targets.iter().map(|t| t.name()).collect();
            assert_eq!(
                names,
                ["a/fast", "b/large"],
                "the turned-off pane is left out"
            );
            assert!(targets.iter().all(|t| !t.named));
            assert_eq!(
                (prompt.as_str(), system, *max_tokens),
                ("how fast", &None, Some(64))
            );
            assert!(prices.get("a/fast").is_some());
        }
        e => panic!("{e:?}"),
    }
    // Ten sends each to two models at $1 / $2 per 1M tokens, at most 64 tokens out.
    let input = crate::metrics::estimate_tokens("how fast") + 4;
    let worst = 2.0 * benchrun::REPEAT as f64 * (input as f64 + 64.0 * 2.0) / 1e6;
    assert_eq!(
        s.overlay,
        Overlay::Bench(Box::new(BenchView::Running {
            requests: 2 * benchrun::REPEAT,
            spend: format!(
                "{} at most for 20 requests",
                crate::format::fmt_money(worst)
            ),
        }))
    );
    // Esc stops it.
    assert_eq!(update(&mut s, key(KeyCode::Esc)), vec![Effect::CancelBench]);
    assert_eq!(s.overlay, Overlay::None);
}

#[test]
fn the_summary_is_shown_and_recorded_and_stored_runs_reopen() {
    let mut s = state(&["a/fast"]);
    s.history.recording = true;
    typed(&mut s, "hi");
    update(&mut s, ctrl('b'));
    let effects = update(&mut s, Action::Benched(summary(false)));
    assert_eq!(
        effects,
        vec![Effect::Record(Box::new(crate::history::Record::Bench(
            summary(false)
        )))]
    );
    let Overlay::Bench(v) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert!(matches!(
        **v,
        BenchView::Done {
            back: None,
            scroll: 0,
            ..
        }
    ));
    update(&mut s, key(KeyCode::Down));
    assert!(
        matches!(&s.overlay, Overlay::Bench(v) if matches!(**v, BenchView::Done { scroll: 1, .. }))
    );
    // R goes from the summary to the stored runs.
    assert_eq!(
        update(&mut s, key(KeyCode::Char('R'))),
        vec![Effect::LoadBenchRuns]
    );
    assert!(matches!(&s.overlay, Overlay::Bench(v) if **v == BenchView::Loading));
    update(&mut s, key(KeyCode::Char('x')));
    assert_eq!(s.overlay, Overlay::None);
    // A run stopped while another overlay was up is stored, not shown.
    s.overlay = Overlay::Help(HelpView { scroll: 0 });
    update(&mut s, Action::Benched(summary(true)));
    assert_eq!(s.overlay, Overlay::Help(HelpView { scroll: 0 }));
    assert!(
        s.status_msg
            .as_deref()
            .unwrap()
            .starts_with("benchmark stopped")
    );
    // The stored runs: listed, chosen, opened, and back.
    s.overlay = Overlay::None;
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(
        update(&mut s, key(KeyCode::Char('R'))),
        vec![Effect::LoadBenchRuns]
    );
    let run = |id| StoredRun {
        id,
        started_ms: 0,
        workload: "w".into(),
        targets: "a/fast".into(),
        summary: summary(false),
    };
    update(&mut s, Action::BenchRuns(Ok(vec![run(2), run(1)])));
    update(&mut s, key(KeyCode::Down));
    update(&mut s, key(KeyCode::Down));
    assert!(
        matches!(&s.overlay, Overlay::Bench(v) if matches!(**v, BenchView::Runs { selected: 1, .. }))
    );
    update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(&s.overlay, Overlay::Bench(v) if matches!(**v, BenchView::Done { back: Some(_), .. }))
    );
    update(&mut s, key(KeyCode::Esc));
    assert!(
        matches!(&s.overlay, Overlay::Bench(v) if matches!(**v, BenchView::Runs { selected: 1, .. })),
        "back at the run it came from"
    );
    // Runs arriving after the list was closed change nothing.
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, Action::BenchRuns(Err("history: broken".into())));
    assert_eq!(s.overlay, Overlay::None);
}

#[test]
fn a_benchmark_past_the_credits_left_asks_first() {
    use crate::gateway::account::{Account, AccountReport};
    let mut s = state(&["a/fast"]);
    let left = |usd: f64| {
        Action::Account(Ok(AccountReport::Reported(Box::new(Account {
            left_usd: Some(usd),
            ..Default::default()
        }))))
    };
    update(&mut s, left(0.000_001));
    typed(&mut s, "how fast");
    assert!(update(&mut s, ctrl('b')).is_empty());
    assert!(
        matches!(s.overlay, Overlay::Confirm(Confirm::Spend { left_usd, .. }) if left_usd == 0.000_001),
        "{:?}",
        s.overlay
    );
    let shown = super::judging::screen(&s);
    assert!(shown.contains("Run it anyway? y / n"), "{shown}");
    assert!(shown.contains("is left."), "{shown}");
    // No: nothing runs, and the line says why.
    assert!(update(&mut s, key(KeyCode::Char('n'))).is_empty());
    assert_eq!(s.overlay, Overlay::None);
    assert!(
        s.status_msg
            .as_deref()
            .unwrap()
            .contains("past the credits left")
    );
    // Yes: it runs.
    update(&mut s, ctrl('b'));
    let effects = update(&mut s, key(KeyCode::Char('y')));
    assert!(
        matches!(effects.as_slice(), [Effect::Bench { .. }]),
        "{effects:?}"
    );
    assert!(matches!(&s.overlay, Overlay::Bench(v) if matches!(**v, BenchView::Running { .. })));
    // With credits enough, no question.
    let mut s = state(&["a/fast"]);
    update(&mut s, left(100.0));
    typed(&mut s, "how fast");
    assert!(matches!(
        update(&mut s, ctrl('b')).as_slice(),
        [Effect::Bench { .. }]
    ));
}

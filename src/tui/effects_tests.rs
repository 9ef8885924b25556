//! The effect runner: its exhaustive dispatch, completions, and one history search at a time.
use super::*;
use crate::gateway::Endpoint;
use crate::history::{Record, SessionInfo, TurnInfo, TurnParams};
use std::time::Instant;

/// A client whose port answers nothing: these tests send no request.
fn dead_client() -> Client {
    Client::new(Endpoint {
        base_url: "http://127.0.0.1:9/v1".into(),
        api_key: None,
        key_env: None,
        headers: Default::default(),
        key_header: None,
        timeouts: Default::default(),
        limits: Default::default(),
        api: Default::default(),
    })
    .unwrap()
}

#[test]
fn history_searches_run_one_at_a_time_and_only_the_newest_waits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let w = Writer::start(Store::open(&path).unwrap(), None, Box::new(|_| {})).unwrap();
    w.send(Record::NewSession(SessionInfo {
        kind: "workbench".into(),
        profile: "p".into(),
        base_url: "u".into(),
    }));
    w.send(Record::Turn(TurnInfo {
        seq: 1,
        prompt: "penguins".into(),
        system: None,
        params: TurnParams::default(),
    }));
    assert!(w.flush(std::time::Duration::from_secs(10)));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (tx, rx) = crate::tui::inbox::inbox();
    let mut runner = Runner::new(dead_client(), rt.handle().clone(), tx);
    runner.db = Some(path);
    for (generation, q) in [(1, "pen"), (2, "peng"), (3, "penguins")] {
        runner.run(Effect::HistoryQuery {
            generation,
            query: q.into(),
        });
    }
    // The next message, waiting for a task to send it.
    let next = |rx: &crate::tui::inbox::Inbox| loop {
        if let Some(a) = rx.take(1).pop() {
            return a;
        }
        rt.block_on(rx.woken());
    };
    let first = next(&rx);
    assert!(
        matches!(
            &first,
            Action::HistoryRows {
                generation: 1,
                rows: Ok(_)
            }
        ),
        "{first:?}"
    );
    assert!(rx.take(1).is_empty(), "the second waits for the first");
    assert!(runner.finished(&first));
    let next = next(&rx);
    assert!(
        matches!(&next, Action::HistoryRows { generation: 3, .. }),
        "{next:?}"
    );
    runner.finished(&next);
    assert!(rx.take(1).is_empty(), "generation 2 never ran");
}

#[test]
fn the_terminal_effects_come_back_to_the_event_loop_and_the_rest_do_not() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (tx, _rx) = crate::tui::inbox::inbox();
    let mut runner = Runner::new(dead_client(), rt.handle().clone(), tx);
    assert_eq!(runner.run(Effect::Quit), Some(TermOp::Quit));
    assert_eq!(
        runner.run(Effect::MouseCapture(false)),
        Some(TermOp::MouseCapture(false))
    );
    assert_eq!(runner.run(Effect::CancelBench), None);
}

#[test]
fn a_task_result_is_drawn_at_once_and_a_chunk_or_tick_waits_for_the_frame() {
    let now = Instant::now();
    assert!(
        Action::Copied {
            what: "answer".into(),
            chars: 1,
            local: Ok(())
        }
        .is_completion()
    );
    assert!(Action::Laddered(None).is_completion());
    assert!(Action::HistoryFailed("disk full".into()).is_completion());
    assert!(!Action::Tick(now).is_completion());
    assert!(!Action::Resize(80, 24).is_completion());
}

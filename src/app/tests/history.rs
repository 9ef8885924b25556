//! The workbench and its history: what a send records, ratings, the history view, and a whole
//! round trip through a real store (record, reopen, compare).

use std::time::{Duration, Instant};

use super::*;
use crate::history::query::{self, Entry};
use crate::history::{Record, Status as Stored, Store, Writer};

fn recording(selected: &[&str]) -> State {
    let mut s = state(selected);
    s.history.recording = true;
    s.history.place = "history: /tmp/x.db".into();
    s
}

/// Recording, with one question sent to one model and its answer started.
fn streaming() -> (State, u64, Req, Instant) {
    let mut s = recording(&["a/fast"]);
    typed(&mut s, "q");
    let id = sends(&update(&mut s, ctrl('s')))[0].0;
    let t0 = Instant::now();
    let r = Req::start(&mut s, id, t0);
    (s, id, r, t0)
}

fn records(effects: &[Effect]) -> Vec<Record> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Record(r) => Some((**r).clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_send_records_its_turn_and_a_request_per_pane() {
    let mut s = recording(&["a/fast", "b/large"]);
    update(&mut s, Action::Paste("system".into()));
    typed(&mut s, "q1");
    let effects = update(&mut s, ctrl('s'));
    let r = records(&effects);
    assert_eq!(r.len(), 3, "{r:?}");
    let Record::Turn(t) = &r[0] else {
        panic!("{r:?}")
    };
    assert_eq!((t.seq, t.prompt.as_str()), (1, "systemq1"));
    let models: Vec<(u64, u32, String)> = r[1..]
        .iter()
        .map(|x| match x {
            Record::Request(q) => (q.seq, q.pane, q.pane_model.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    let ids: Vec<u64> = sends(&effects).iter().map(|(id, _)| *id).collect();
    assert_eq!(
        models,
        vec![(ids[0], 0, "a/fast".into()), (ids[1], 1, "b/large".into())]
    );
    // The next send is the next turn.
    typed(&mut s, "q2");
    let r = records(&update(&mut s, ctrl('s')));
    assert!(matches!(&r[0], Record::Turn(t) if t.seq == 2));
}

#[test]
fn streamed_text_is_handed_over_at_most_once_a_period() {
    use crate::app::history::HAND_OVER;
    let (mut s, id, mut r, t0) = streaming();
    r.content(&mut s, t0, "a");
    assert_eq!(records(&update(&mut s, Action::Tick(t0))).len(), 1);
    r.content(&mut s, t0, "b");
    let soon = t0 + HAND_OVER - Duration::from_millis(1);
    assert!(
        records(&update(&mut s, Action::Tick(soon))).is_empty(),
        "a frame's tick does not wake the writer"
    );
    r.content(&mut s, t0, "c");
    assert_eq!(
        records(&update(&mut s, Action::Tick(t0 + HAND_OVER))),
        vec![Record::Delta {
            seq: id,
            content: "bc".into(),
            reasoning: String::new()
        }]
    );
}

#[test]
fn nothing_is_recorded_when_history_is_off() {
    let mut s = state(&["a/fast"]);
    typed(&mut s, "q");
    let effects = update(&mut s, ctrl('s'));
    assert!(records(&effects).is_empty());
    let t0 = Instant::now();
    let id = sends(&effects)[0].0;
    let mut r = Req::start(&mut s, id, t0);
    assert!(records(&r.content(&mut s, t0, "hi")).is_empty());
    assert!(records(&update(&mut s, Action::Tick(t0))).is_empty());
    assert!(
        s.history.unsaved.is_empty(),
        "nothing kept for a writer that is not there"
    );
    assert!(records(&r.end(&mut s, t0)).is_empty());
    // Ratings still work for the session, and say they are not kept.
    s.focus = Focus::Panes;
    update(&mut s, key(KeyCode::Char('1')));
    assert!(update(&mut s, key(KeyCode::Char('+'))).is_empty());
    assert!(s.status_msg.as_deref().unwrap().contains("not kept"));
    update(&mut s, ctrl('o'));
    assert!(s.status_msg.as_deref().unwrap().contains("cannot export"));
}

#[test]
fn streamed_text_a_restart_and_the_end_are_recorded() {
    let (mut s, id, mut r, t0) = streaming();
    // Chunks wait for the next tick, and leave together.
    assert!(records(&r.content(&mut s, t0, "pa")).is_empty());
    let thinking = Chunk {
        reasoning: Some("hm".into()),
        ..Default::default()
    };
    r.chunk(&mut s, t0, thinking);
    r.content(&mut s, t0, "r");
    assert_eq!(
        records(&update(&mut s, Action::Tick(t0))),
        vec![Record::Delta {
            seq: id,
            content: "par".into(),
            reasoning: "hm".into()
        }]
    );
    assert!(
        records(&update(&mut s, Action::Tick(t0))).is_empty(),
        "nothing new"
    );
    let usage_only = Chunk {
        usage: Some(Usage::default()),
        ..Default::default()
    };
    r.chunk(&mut s, t0, usage_only);
    assert!(
        records(&update(&mut s, Action::Tick(t0))).is_empty(),
        "a chunk without text hands nothing over"
    );
    r.content(&mut s, t0, "lost");
    let e = r.fail_hop(
        &mut s,
        t0,
        GatewayError::Other("x".into()),
        crate::route::Next::MoveOn("b".into()),
    );
    assert_eq!(records(&e), vec![Record::Restart { seq: id }]);
    assert!(
        records(&update(&mut s, Action::Tick(t0))).is_empty(),
        "a failed attempt's text is dropped"
    );
    r.attempt(&mut s, "b", t0);
    r.content(&mut s, t0, "whole");
    let end = records(&r.end(&mut s, t0 + Duration::from_millis(5)));
    assert!(
        s.history.unsaved.is_empty(),
        "the end carries the whole text"
    );
    assert!(
        matches!(&end[..], [Record::Ended { seq, status: Stored::Done, record }] if *seq == id && record.text == "whole"),
        "{end:?}"
    );
}

#[test]
fn a_cancelled_answer_is_recorded_as_cancelled() {
    let (mut s, _, mut r, t0) = streaming();
    r.content(&mut s, t0, "so far");
    update(&mut s, key(KeyCode::Esc));
    let end = records(&r.end(&mut s, t0));
    assert!(
        matches!(
            &end[..],
            [Record::Ended {
                status: Stored::Cancelled,
                ..
            }]
        ),
        "{end:?}"
    );
}

#[test]
fn rating_takes_a_score_then_a_note_and_shows_in_title_and_stats() {
    let mut s = recording(&["a/fast", "b/large"]);
    let ids = send_ids(&mut s, "q");
    // Nothing to rate while it runs.
    s.focus = Focus::Panes;
    update(&mut s, key(KeyCode::Char('1')));
    update(&mut s, key(KeyCode::Char('*')));
    assert_eq!(s.overlay, Overlay::None);
    assert!(s.status_msg.as_deref().unwrap().contains("nothing to rate"));
    let t0 = Instant::now();
    for id in &ids {
        testkit::answer(&mut s, *id, t0, 100, "text", None);
    }
    update(&mut s, key(KeyCode::Char('*')));
    assert!(matches!(s.overlay, Overlay::Rate(_)));
    // Enter without a score asks for one.
    update(&mut s, key(KeyCode::Enter));
    let Overlay::Rate(f) = &s.overlay else {
        panic!()
    };
    assert!(f.error.as_deref().unwrap().contains("score"));
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.overlay, Overlay::None, "Esc cancels");
    assert_eq!(s.panes[0].rating, None);
    update(&mut s, key(KeyCode::Char('*')));
    typed(&mut s, "4");
    typed(&mut s, "clear, 5 stars");
    update(&mut s, Action::Paste(" no".into()));
    let r = records(&update(&mut s, key(KeyCode::Enter)));
    assert_eq!(
        r,
        vec![Record::Rate {
            seq: ids[0],
            score: 4,
            note: "clear, 5 stars no".into()
        }]
    );
    assert_eq!(s.panes[0].rating, Some(4));
    // + and - rate at once; a new rating of the same answer replaces the old in the mean.
    update(&mut s, key(KeyCode::Char('2')));
    update(&mut s, key(KeyCode::Char('-')));
    update(&mut s, key(KeyCode::Char('+')));
    assert_eq!(s.panes[1].rating, Some(5));
    assert_eq!(s.panel.stats["b/large"].rating_mean(), Some(5.0));
    assert_eq!(s.panel.stats["a/fast"].rating_mean(), Some(4.0));
    update(&mut s, key(KeyCode::Char('1')));
    update(&mut s, key(KeyCode::Char('-')));
    assert_eq!(s.panel.stats["a/fast"].rating_mean(), Some(1.0));
    assert_eq!(s.panel.stats["a/fast"].ratings, 1);
    // A new send clears the pane's rating: it belongs to the old answer.
    s.focus = Focus::Editor;
    typed(&mut s, "x");
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    assert_eq!(s.panes[0].rating, None);
}

pub(super) fn entry(session: i64, turn: u64, prompt: &str) -> Entry {
    Entry {
        session_id: session,
        turn,
        sent_ms: 0,
        prompt: prompt.into(),
        targets: vec!["a/fast".into()],
        cost_usd: None,
        cost_partial: false,
        rating_mean: None,
        ratings: 0,
        snippet: None,
    }
}

#[test]
fn the_history_view_searches_as_you_type_and_drops_stale_answers() {
    let mut s = recording(&["a/fast"]);
    let e = update(&mut s, ctrl('r'));
    assert_eq!(
        e,
        vec![Effect::HistoryQuery {
            generation: 1,
            query: String::new()
        }]
    );
    typed(&mut s, "ca");
    let e = update(&mut s, key(KeyCode::Char('t')));
    assert_eq!(
        e,
        vec![Effect::HistoryQuery {
            generation: 4,
            query: "cat".into()
        }]
    );
    // An answer to an older query is dropped; the newest is shown.
    update(
        &mut s,
        Action::HistoryRows {
            generation: 2,
            rows: Ok(vec![entry(1, 1, "stale")]),
        },
    );
    let Overlay::History(v) = &s.overlay else {
        panic!()
    };
    assert!(v.entries.is_empty() && v.loading);
    let rows = vec![entry(1, 1, "cats"), entry(1, 2, "more cats")];
    update(
        &mut s,
        Action::HistoryRows {
            generation: 4,
            rows: Ok(rows),
        },
    );
    update(&mut s, key(KeyCode::Down));
    update(&mut s, key(KeyCode::Down));
    let Overlay::History(v) = &s.overlay else {
        panic!()
    };
    assert_eq!(v.selected, 1, "stops at the last entry");
    update(&mut s, key(KeyCode::Up));
    let Overlay::History(v) = &s.overlay else {
        panic!()
    };
    assert_eq!(v.selected, 0);
    update(&mut s, key(KeyCode::PageDown));
    let Overlay::History(v) = &s.overlay else {
        panic!()
    };
    assert_eq!(v.selected, 1, "a page down stops at the last entry");
    update(&mut s, key(KeyCode::PageUp));
    let Overlay::History(v) = &s.overlay else {
        panic!()
    };
    assert_eq!(v.selected, 0);
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.overlay, Overlay::None, "Esc closes the view");
    update(&mut s, ctrl('r'));
    update(&mut s, ctrl('c'));
    assert_eq!(s.overlay, Overlay::None, "so does Ctrl-C");
    // A plain s types; a paste searches too.
    update(&mut s, ctrl('r'));
    let e = update(&mut s, key(KeyCode::Char('s')));
    assert!(sends(&e).is_empty());
    let e = update(&mut s, Action::Paste("hark\nignored".into()));
    assert_eq!(
        e,
        vec![Effect::HistoryQuery {
            generation: 3,
            query: "shark".into()
        }]
    );
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, ctrl('r'));
    update(
        &mut s,
        Action::HistoryRows {
            generation: 1,
            rows: Ok(vec![entry(1, 1, "cats"), entry(1, 2, "more cats")]),
        },
    );
    update(&mut s, key(KeyCode::Down));
    update(&mut s, key(KeyCode::Down));
    // Enter opens the entry; Ctrl-S instead re-sends its prompt to today's models.
    assert_eq!(
        update(&mut s, key(KeyCode::Enter)),
        vec![Effect::LoadSession {
            id: Some(1),
            turn: Some(2)
        }]
    );
    assert_eq!(s.overlay, Overlay::None);
    update(&mut s, ctrl('r'));
    update(
        &mut s,
        Action::HistoryRows {
            generation: 1,
            rows: Ok(vec![entry(1, 1, "again please")]),
        },
    );
    let e = update(&mut s, ctrl('s'));
    assert_eq!(
        sends(&e)[0].1.messages.last().unwrap().content,
        "again please"
    );
    // Errors show in the view.
    update(&mut s, ctrl('r'));
    update(
        &mut s,
        Action::HistoryRows {
            generation: 1,
            rows: Err("history: disk I/O error".into()),
        },
    );
    let Overlay::History(v) = &s.overlay else {
        panic!()
    };
    assert_eq!(v.error.as_deref(), Some("history: disk I/O error"));
}

#[test]
fn the_history_view_says_why_when_history_is_off() {
    let mut s = state(&["a/fast"]);
    s.history.place = "history off (--no-history)".into();
    assert!(update(&mut s, ctrl('r')).is_empty());
    assert_eq!(s.overlay, Overlay::None);
    assert_eq!(s.status_msg.as_deref(), Some("history off (--no-history)"));
}

/// Run the effects' records through a real writer.
fn write_all(w: &Writer, effects: Vec<Effect>) {
    for e in effects {
        if let Effect::Record(r) = e {
            w.send(*r);
        }
    }
}

#[test]
fn a_session_round_trips_through_the_store_with_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let w = Writer::start(Store::open(&path).unwrap(), None, Box::new(|_| {})).unwrap();
    w.send(Record::NewSession(crate::history::SessionInfo {
        kind: "workbench".into(),
        profile: "demo".into(),
        base_url: "http://x/v1".into(),
    }));
    let mut s = recording(&["a/fast", "b/large"]);
    let t0 = Instant::now();
    for (turn, prompt) in ["first question", "second question"].iter().enumerate() {
        typed(&mut s, prompt);
        let effects = update(&mut s, ctrl('s'));
        let ids: Vec<u64> = sends(&effects).iter().map(|x| x.0).collect();
        write_all(&w, effects);
        for (i, id) in ids.iter().enumerate() {
            let mut r = Req::start(&mut s, *id, t0);
            let text = format!("answer {turn} from pane {i}");
            write_all(
                &w,
                r.content(
                    &mut s,
                    t0 + Duration::from_millis(40 + 10 * i as u64),
                    &text,
                ),
            );
            let usage = Usage {
                input_tokens: 10,
                output_tokens: 20,
                ..Default::default()
            };
            let last = Chunk {
                usage: Some(usage),
                ..Default::default()
            };
            write_all(&w, r.chunk(&mut s, t0 + Duration::from_millis(90), last));
            write_all(&w, r.end(&mut s, t0 + Duration::from_millis(100)));
        }
    }
    s.focus = Focus::Panes;
    update(&mut s, key(KeyCode::Char('2')));
    write_all(&w, update(&mut s, key(KeyCode::Char('+'))));
    assert!(w.flush(Duration::from_secs(10)));
    let session = w.session_id();

    let store = Store::open(&path).unwrap();
    let view = query::session(&store, session, None).unwrap().unwrap();
    // Reopened at its first prompt, a session still goes on after its last one.
    let mut early = view.clone();
    early.turns.truncate(1);
    let mut at_first = state(&[]);
    at_first.history.recording = true;
    update(&mut at_first, Action::SessionLoaded(Ok(Box::new(early))));
    assert!(
        at_first
            .status_msg
            .as_deref()
            .unwrap()
            .contains(": 1 prompt;")
    );
    assert_eq!(
        at_first.panes[0].history.len(),
        2,
        "the conversation up to that prompt"
    );
    at_first.focus = Focus::Editor;
    typed(&mut at_first, "branch");
    let r = records(&update(&mut at_first, ctrl('s')));
    assert!(matches!(&r[0], Record::Turn(t) if t.seq == 3), "{r:?}");
    assert!(matches!(&r[1], Record::Request(q) if q.seq == 5), "{r:?}");
    let mut back = state(&[]);
    back.history.recording = true;
    let e = update(&mut back, Action::SessionLoaded(Ok(Box::new(view))));
    assert_eq!(records(&e), vec![Record::Adopt(session)]);
    assert!(back.status_msg.as_deref().unwrap().contains(": 2 prompts;"));
    assert_eq!(back.selected, s.selected);
    for (a, b) in s.panes.iter().zip(&back.panes) {
        assert_eq!(
            texts(a)[..],
            texts(b)[..texts(a).len()],
            "transcript of {}",
            a.model
        );
        let ja = serde_json::to_value(a.answer.as_ref().unwrap()).unwrap();
        let jb = serde_json::to_value(b.answer.as_ref().unwrap()).unwrap();
        assert_eq!(ja, jb, "answer of {}", a.model);
        assert_eq!(a.history, b.history, "conversation of {}", a.model);
        assert_eq!((a.rating, a.status.clone()), (b.rating, b.status.clone()));
    }
    assert_eq!(back.panel.stats["a/fast"].runs, 2);
    assert_eq!(back.panel.stats["b/large"].rating_mean(), Some(5.0));
    assert!((back.panel.session_cost - s.panel.session_cost).abs() < 1e-12);
    assert_eq!(back.editor.last_prompt.as_deref(), Some("second question"));
    // A send after reopening is the session's next turn with the next request ids.
    back.focus = Focus::Editor;
    typed(&mut back, "third");
    let r = records(&update(&mut back, ctrl('s')));
    assert!(matches!(&r[0], Record::Turn(t) if t.seq == 3), "{r:?}");
    assert!(matches!(&r[1], Record::Request(q) if q.seq == 5), "{r:?}");
}

#[test]
fn reopening_refuses_while_requests_run_and_reports_load_errors() {
    let mut s = recording(&["a/fast"]);
    typed(&mut s, "q");
    update(&mut s, ctrl('s'));
    update(&mut s, ctrl('r'));
    update(
        &mut s,
        Action::HistoryRows {
            generation: 1,
            rows: Ok(vec![entry(1, 1, "x")]),
        },
    );
    assert!(update(&mut s, key(KeyCode::Enter)).is_empty());
    assert!(s.status_msg.as_deref().unwrap().contains("running"));
    update(
        &mut s,
        Action::SessionLoaded(Err("no earlier session to open".into())),
    );
    assert_eq!(s.status_msg.as_deref(), Some("no earlier session to open"));
}

fn stored(seq: u64, pane: u32, model: &str) -> query::StoredAnswer {
    query::StoredAnswer {
        seq,
        pane,
        pane_model: model.into(),
        conversation: 0,
        target: model.into(),
        route: None,
        status: Stored::Done,
        text: format!("answer {seq}"),
        reasoning: String::new(),
        answer: None,
        rating: None,
        figures: None,
    }
}

#[test]
fn reopened_panes_come_in_the_order_of_the_last_send_then_the_others() {
    let turn = |seq: u64, answers: Vec<query::StoredAnswer>| query::TurnView {
        seq,
        sent_ms: 0,
        prompt: format!("prompt {seq}"),
        system: None,
        params: Default::default(),
        answers,
    };
    let view = query::SessionView {
        id: 4,
        started_ms: 0,
        kind: "workbench".into(),
        profile: "demo".into(),
        base_url: "u".into(),
        last_turn: 2,
        last_request: 3,
        turns: vec![
            turn(1, vec![stored(1, 0, "a/fast"), stored(2, 1, "b/large")]),
            // b/large was turned off for the second prompt.
            turn(2, vec![stored(3, 1, "a/fast")]),
        ],
    };
    let mut s = state(&[]);
    update(&mut s, Action::SessionLoaded(Ok(Box::new(view))));
    assert_eq!(s.selected, ["a/fast", "b/large"]);
    assert_eq!(
        texts(&s.panes[0])[..],
        [
            "> prompt 1",
            "",
            "answer 1",
            "",
            "> prompt 2",
            "",
            "answer 3"
        ][..]
    );
    assert_eq!(s.panes[0].history.len(), 4, "two exchanges of context");
}

#[test]
fn ctrl_o_asks_markdown_or_html_and_exports_the_one_chosen() {
    use crate::report::ExportFormat;
    let exports = |effects: &[Effect]| -> Vec<ExportFormat> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Export(f) => Some(*f),
                _ => None,
            })
            .collect()
    };
    for (answer, want) in [
        (key(KeyCode::Char('y')), vec![ExportFormat::Md]),
        (key(KeyCode::Enter), vec![ExportFormat::Md]),
        (key(KeyCode::Char('h')), vec![ExportFormat::Html]),
        (key(KeyCode::Char('x')), vec![]),
    ] {
        let mut s = recording(&["a/fast"]);
        // The question first: nothing is exported yet.
        assert_eq!(exports(&update(&mut s, ctrl('o'))), vec![]);
        assert!(matches!(
            s.overlay,
            Overlay::Confirm(crate::app::simple::Confirm::Export)
        ));
        assert_eq!(exports(&update(&mut s, answer)), want);
        assert!(matches!(s.overlay, Overlay::None));
    }
    // Without a history there is nothing to ask about.
    let mut s = state(&["a/fast"]);
    assert_eq!(exports(&update(&mut s, ctrl('o'))), vec![]);
    assert!(matches!(s.overlay, Overlay::None));
    assert!(s.status_msg.as_deref().unwrap().contains("cannot export"));
}

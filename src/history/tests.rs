//! The store, its queries and exports, on real SQLite files in a temporary folder.

use std::time::{Duration, Instant};

use super::maintain;
use super::maintain::parse_age;
use super::query::{self, fts_query};
use super::*;
use crate::answer::{Collector, Outcome, PriceBook, RouteOutcome, settle};
use crate::gateway::wire::{Chunk, FinishReason, Message, Usage};

pub(crate) fn record(model: &str, text: &str, cost: Option<f64>) -> AnswerRecord {
    let t0 = Instant::now();
    let mut c = Collector::new(t0);
    let at = |ms| t0 + Duration::from_millis(ms);
    c.push(
        at(120),
        &Chunk {
            content: Some(text.into()),
            ..Default::default()
        },
    );
    c.push(
        at(300),
        &Chunk {
            usage: Some(Usage {
                input_tokens: 12,
                output_tokens: 40,
                cost_usd: cost,
                ..Default::default()
            }),
            finish_reason: Some(FinishReason::Stop),
            ..Default::default()
        },
    );
    c.finish(at(310));
    let o = Outcome {
        model: model.into(),
        prompt: vec![Message::user("q")],
        collector: c,
        headers: None,
        error: None,
    };
    settle(&RouteOutcome::single(o), false, &PriceBook::default())
}

fn session() -> SessionInfo {
    SessionInfo {
        kind: "workbench".into(),
        profile: "demo".into(),
        base_url: "http://127.0.0.1:1/v1".into(),
    }
}

fn turn(seq: u64, prompt: &str) -> TurnInfo {
    TurnInfo {
        seq,
        prompt: prompt.into(),
        system: Some("be brief".into()),
        params: TurnParams {
            max_tokens: Some(64),
            temperature: Some(0.5),
        },
    }
}

fn req(seq: u64, turn: u64, pane: u32, model: &str) -> RequestInfo {
    RequestInfo {
        seq,
        turn,
        pane,
        pane_model: model.into(),
        conversation: 0,
        target: model.into(),
        route: None,
    }
}

type Answers<'a> = &'a [(&'a str, &'a str, Option<f64>)];

/// A store with one session: `answers` is (turn, prompt, [(model, text, cost)]), at times 1000, 2000...
fn filled(dir: &std::path::Path, answers: &[(&str, Answers)]) -> (Store, i64) {
    let store = Store::open(&dir.join(DB_FILE)).unwrap();
    let s = store.new_session(&session(), 500).unwrap();
    let mut seq = 0;
    for (i, (prompt, outs)) in answers.iter().enumerate() {
        let t = i as u64 + 1;
        store
            .add_turn(s, &turn(t, prompt), 1000 * t as i64)
            .unwrap();
        for (pane, (model, text, cost)) in outs.iter().enumerate() {
            seq += 1;
            store
                .add_request(s, &req(seq, t, pane as u32, model), 0)
                .unwrap();
            let r = record(model, text, *cost);
            store.finish(s, seq, Status::Done, &r, 0).unwrap();
        }
    }
    (store, s)
}

#[test]
fn a_stored_answer_reads_back_with_every_field_of_its_json() {
    let dir = tempfile::tempdir().unwrap();
    let (store, s) = filled(
        dir.path(),
        &[(
            "why is the sky blue",
            &[("a/x", "Rayleigh scattering.", Some(0.002))],
        )],
    );
    let view = query::session(&store, s, None).unwrap().unwrap();
    let a = &view.turns[0].answers[0];
    let original =
        serde_json::to_value(record("a/x", "Rayleigh scattering.", Some(0.002))).unwrap();
    assert_eq!(a.answer.as_ref().unwrap(), &original);
    assert_eq!(a.status, Status::Done);
    assert_eq!(a.text, "Rayleigh scattering.");
    assert_eq!(view.turns[0].system.as_deref(), Some("be brief"));
    assert_eq!(view.turns[0].params.max_tokens, Some(64));
    // The typed record comes back too, with its figures for the session statistics.
    let back: AnswerRecord = serde_json::from_value(original).unwrap();
    assert_eq!(back.cost_usd, Some(0.002));
    assert_eq!(a.figures.unwrap().ttft_ms, Some(120.0));
}

#[test]
fn entries_are_newest_first_with_targets_cost_and_ratings() {
    let dir = tempfile::tempdir().unwrap();
    let (store, s) = filled(
        dir.path(),
        &[
            (
                "first",
                &[("a", "one", Some(0.01)), ("b", "two", Some(0.02))],
            ),
            ("second", &[("a", "three", Some(0.5)), ("b", "four", None)]),
        ],
    );
    assert!(store.rate(s, 1, 4, "clear", 0).unwrap());
    assert!(store.rate(s, 2, 1, "", 0).unwrap());
    // A second rating replaces the first.
    assert!(store.rate(s, 2, 2, "meh", 0).unwrap());
    assert!(!store.rate(s, 99, 2, "", 0).unwrap(), "no such answer");
    let list = query::list(&store, 10).unwrap();
    assert_eq!(
        list.iter().map(Entry::id).collect::<Vec<_>>(),
        [format!("{s}.2"), format!("{s}.1")]
    );
    let first = &list[1];
    assert_eq!(first.targets, ["a", "b"]);
    assert!((first.cost_usd.unwrap() - 0.03).abs() < 1e-12);
    assert!(!first.cost_partial);
    assert_eq!((first.ratings, first.rating_mean), (2, Some(3.0)));
    assert!(list[0].cost_partial, "one answer had no cost");
    assert_eq!(list[0].rating_mean, None);
    let by_model = query::ratings_by_model(&store).unwrap();
    assert_eq!(
        by_model,
        vec![("a".to_string(), 4.0, 1), ("b".to_string(), 2.0, 1)]
    );
}

use query::Entry;

#[test]
fn search_ranks_the_better_match_first_and_reads_any_input() {
    let dir = tempfile::tempdir().unwrap();
    let (store, s) = filled(
        dir.path(),
        &[
            (
                "tell me about cats",
                &[("a", "Dogs are loyal. A cat appears once.", None)],
            ),
            (
                "pets",
                &[("a", "Cats, cats and more cats: cats everywhere.", None)],
            ),
            ("weather", &[("a", "Rain tomorrow.", None)]),
        ],
    );
    let hits = query::search(&store, "cats", 10).unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert_eq!(hits[0].id(), format!("{s}.2"), "more mentions rank higher");
    assert!(hits[0].snippet.as_deref().unwrap().contains("Cats"));
    // As you type: the last word is a prefix.
    assert_eq!(query::search(&store, "tomor", 10).unwrap()[0].turn, 3);
    // FTS syntax in the input is just text, never an error.
    for q in [
        "\"",
        "cats AND",
        "NEAR(",
        "*",
        "a:b",
        "(((",
        "-cats",
        "'; DROP TABLE turns; --",
    ] {
        assert!(query::search(&store, q, 10).is_ok(), "{q}");
    }
    assert_eq!(
        query::search(&store, "", 10).unwrap().len(),
        3,
        "empty lists everything"
    );
    assert!(query::search(&store, "zebra", 10).unwrap().is_empty());
}

#[test]
fn fts_queries_quote_every_word() {
    assert_eq!(fts_query("foo bar").as_deref(), Some("\"foo\" \"bar\"*"));
    assert_eq!(fts_query("foo bar ").as_deref(), Some("\"foo\" \"bar\""));
    assert_eq!(fts_query("a\"b").as_deref(), Some("\"a\" \"b\"*"));
    assert_eq!(fts_query("  ;; "), None);
}

#[test]
fn a_database_written_by_the_first_schema_opens_migrated_and_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        schema::migrate_to(&mut conn, 1).unwrap();
        assert_eq!(schema::version(&conn).unwrap(), 1);
        conn.execute_batch(
            "INSERT INTO sessions VALUES (1, 100, 'ask', 'demo', 'http://x/v1', NULL);
             INSERT INTO turns VALUES (1, 1, 1, 200, 'old prompt about penguins', NULL, '{}');
             INSERT INTO requests (id, session_id, turn_id, seq, pane, pane_model, conversation,
                 target, status, text, updated_ms)
             VALUES (1, 1, 1, 1, 0, 'm', 0, 'm', 'done', 'Penguins live in the south.', 300);",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(schema::version(&store.conn).unwrap(), schema::LATEST);
    let hits = query::search(&store, "penguins", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].prompt, "old prompt about penguins");
    let view = query::session(&store, 1, None).unwrap().unwrap();
    assert_eq!(
        view.turns[0].answers[0].answer, None,
        "no record: still readable"
    );
}

#[test]
fn a_newer_or_damaged_database_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let e = Store::open(&path).err().unwrap().to_string();
    assert!(e.contains("newer") && e.contains("99"), "{e}");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 8192]).unwrap();
    let e = Store::open(&junk).err().unwrap();
    assert!(matches!(e, HistoryError::Corrupt { .. }), "{e}");
    assert!(e.to_string().contains("junk.db"), "{e}");
}

#[test]
fn orphans_of_a_dead_process_become_incomplete_and_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let store = Store::open(&path).unwrap();
    let s = store.new_session(&session(), 0).unwrap();
    store.add_turn(s, &turn(1, "count"), 0).unwrap();
    store.add_request(s, &req(1, 1, 0, "m"), 0).unwrap();
    store.save_partial(s, 1, "one two thr", "", 0).unwrap();
    // Our own streaming answer is left alone.
    drop(store);
    let store = Store::open(&path).unwrap();
    let a = &query::session(&store, s, None).unwrap().unwrap().turns[0].answers[0];
    assert_eq!(a.status, Status::Streaming);
    // A process id that cannot be running.
    store
        .conn
        .execute("UPDATE sessions SET pid = 2147483647", [])
        .unwrap();
    drop(store);
    let store = Store::open(&path).unwrap();
    let a = &query::session(&store, s, None).unwrap().unwrap().turns[0].answers[0];
    assert_eq!(
        (a.status, a.text.as_str()),
        (Status::Incomplete, "one two thr")
    );
    assert_eq!(query::search(&store, "thr", 5).unwrap().len(), 1);
}

#[test]
fn prune_removes_old_prompts_and_their_index_entries() {
    let dir = tempfile::tempdir().unwrap();
    let (store, s) = filled(
        dir.path(),
        &[
            ("old", &[("a", "ancient", None)]),
            ("new", &[("a", "fresh", None)]),
        ],
    );
    assert!(store.rate(s, 1, 3, "", 0).unwrap());
    let size = |p: std::path::PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
    let db = dir.path().join(DB_FILE);
    let wal = dir.path().join(format!("{DB_FILE}-wal"));
    let before = maintain::stats(&store).unwrap().bytes;
    assert!(
        size(wal.clone()) > 0,
        "writes so far are in the write-ahead log"
    );
    assert_eq!(
        before,
        size(db.clone()) + size(wal.clone()),
        "the file and its log"
    );
    assert_eq!(maintain::prune(&store, 1500).unwrap(), 1);
    let st = maintain::stats(&store).unwrap();
    assert_eq!(
        (st.sessions, st.prompts, st.answers, st.ratings),
        (1, 1, 1, 0)
    );
    assert!(query::search(&store, "ancient", 5).unwrap().is_empty());
    assert_eq!(query::search(&store, "fresh", 5).unwrap().len(), 1);
    assert_eq!(st.bytes, size(db) + size(wal));
}

#[test]
fn ages_parse_with_units_and_refuse_nonsense() {
    assert_eq!(parse_age("90d"), Ok(90 * 86_400_000));
    assert_eq!(parse_age("2w"), Ok(14 * 86_400_000));
    assert_eq!(parse_age("12h"), Ok(12 * 3_600_000));
    assert_eq!(parse_age("30m"), Ok(1_800_000));
    assert_eq!(parse_age("45"), Ok(45_000));
    assert!(parse_age("soon").unwrap_err().contains("90d"));
    assert!(parse_age("3y").unwrap_err().contains("unit"));
    assert!(parse_age("99999999999999999d").is_err());
}

#[test]
fn scores_from_keys() {
    assert_eq!(score_of('1'), Some(1));
    assert_eq!(score_of('5'), Some(5));
    assert_eq!(score_of('+'), Some(5));
    assert_eq!(score_of('-'), Some(1));
    assert_eq!(score_of('6'), None);
    assert_eq!(score_of('0'), None);
}

#[test]
fn the_writer_saves_streaming_text_whole_and_scrubbed_then_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let key = crate::secret::Secret::new("sk-test-0123456789abcdef");
    let w = Writer::start(Store::open(&path).unwrap(), Some(key), Box::new(|_| {})).unwrap();
    w.send(Record::NewSession(session()));
    w.send(Record::Turn(turn(1, "hi sk-test-0123456789abcdef")));
    w.send(Record::Request(req(1, 1, 0, "m")));
    // The key split across two chunks is still caught.
    for part in ["echo sk-test-0123", "456789abcdef done"] {
        w.send(Record::Delta {
            seq: 1,
            content: part.into(),
            reasoning: String::new(),
        });
    }
    assert!(w.flush(Duration::from_secs(10)));
    let s = w.session_id();
    let reader = Store::open(&path).unwrap();
    let view = query::session(&reader, s, None).unwrap().unwrap();
    assert_eq!(view.turns[0].prompt, "hi ****");
    assert_eq!(view.turns[0].answers[0].text, "echo **** done");
    assert_eq!(view.turns[0].answers[0].status, Status::Streaming);
    let mut r = record("m", "final sk-test-0123456789abcdef", Some(0.1));
    r.hops.push(crate::route::Hop {
        model: "m".into(),
        attempt: 0,
        error: Some("401 key sk-test-0123456789abcdef".into()),
        brief: None,
        failure: None,
        ms: 1.0,
        backoff_ms: None,
        failed_after_content: false,
    });
    w.send(writer::ended(1, &r, false));
    w.send(Record::Rate {
        seq: 1,
        score: 5,
        note: "good".into(),
    });
    assert!(w.flush(Duration::from_secs(10)));
    let view = query::session(&reader, s, None).unwrap().unwrap();
    let a = &view.turns[0].answers[0];
    assert_eq!((a.status, a.text.as_str()), (Status::Done, "final ****"));
    assert_eq!(
        a.rating,
        Some(query::Rating {
            score: 5,
            note: "good".into()
        })
    );
    drop((w, reader));
    let bytes = std::fs::read(&path).unwrap();
    let needle = b"0123456789abcdef";
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "the key reached the file"
    );
}

#[test]
fn exports_carry_the_prompt_each_answer_and_a_metrics_row() {
    let dir = tempfile::tempdir().unwrap();
    let (store, s) = filled(
        dir.path(),
        &[(
            "compare, \"quoted\"\nand two lines",
            &[
                ("a/x", "Answer | one", Some(0.0021)),
                ("b/y", "Answer two", None),
            ],
        )],
    );
    store.rate(s, 1, 4, "crisp", 0).unwrap();
    let view = query::session(&store, s, None).unwrap().unwrap();
    let md = export::render(&view, export::Format::Md);
    insta::assert_snapshot!("export_md", md);
    let csv = export::render(&view, export::Format::Csv);
    insta::assert_snapshot!("export_csv", csv);
    let json: serde_json::Value =
        serde_json::from_str(&export::render(&view, export::Format::Json)).unwrap();
    assert_eq!(json["turns"][0]["answers"][1]["answer"]["model"], "b/y");
    assert_eq!(json["turns"][0]["answers"][0]["rating"]["score"], 4);
    let csv_of = Box::new(|v: &super::query::SessionView| export::render(v, export::Format::Csv));
    let path = export::to_dir(&store, s, csv_of, "csv", dir.path()).unwrap();
    assert_eq!(std::fs::read_to_string(path).unwrap(), csv);
    let empty = store.new_session(&session(), 0).unwrap();
    assert!(
        export::to_dir(
            &store,
            empty,
            Box::new(|v| export::render(v, export::Format::Md)),
            "md",
            dir.path()
        )
        .unwrap_err()
        .contains("nothing")
    );
}

#[test]
fn two_openers_of_a_new_database_race_safely() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let p = path.clone();
            std::thread::spawn(move || Store::open(&p).map(|_| ()).map_err(|e| e.to_string()))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), Ok(()));
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(schema::version(&store.conn).unwrap(), schema::LATEST);
}

#[test]
fn a_record_that_cannot_be_written_costs_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let errors = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = errors.clone();
    let on_error = Box::new(move |e: String| log.lock().unwrap().push(e));
    let w = Writer::start(Store::open(&path).unwrap(), None, on_error).unwrap();
    w.send(Record::NewSession(session()));
    w.send(Record::Turn(turn(1, "first")));
    // The same prompt number again (two writers on one session): refused, nothing replaced.
    w.send(Record::Turn(turn(1, "clash")));
    w.send(Record::Request(req(1, 1, 0, "m")));
    w.send(writer::ended(1, &record("m", "kept", None), false));
    assert!(w.flush(Duration::from_secs(10)));
    let reader = Store::open(&path).unwrap();
    let view = query::session(&reader, w.session_id(), None)
        .unwrap()
        .unwrap();
    assert_eq!(view.turns[0].prompt, "first");
    assert_eq!(view.turns[0].answers[0].text, "kept");
    let errors = errors.lock().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("history not saved") && errors[0].contains("UNIQUE"),
        "{errors:?}"
    );
}

#[test]
fn search_ranks_the_newest_answers_first_then_looks_further_back() {
    let dir = tempfile::tempdir().unwrap();
    let (store, s) = filled(
        dir.path(),
        &[
            ("one", &[("a", "cats cats cats cats cats", None)]),
            ("two", &[("a", "a cat and cats", None)]),
            ("three", &[("a", "dogs, and one of the cats", None)]),
        ],
    );
    let ids = |v: Vec<Entry>| v.iter().map(|e| e.turn).collect::<Vec<_>>();
    // Everything in the window: by relevance.
    assert_eq!(
        ids(query::search_within(&store, "cats", 10, 100).unwrap())[0],
        1
    );
    // A window of the newest two answers: those first (best first), then the older one.
    assert_eq!(
        ids(query::search_within(&store, "cats", 10, 2).unwrap()),
        [2, 3, 1]
    );
    // The page is cut at its limit, the best of the window kept.
    assert_eq!(
        ids(query::search_within(&store, "cats", 1, 2).unwrap()),
        [2]
    );
    let _ = s;
}

#[test]
fn a_prompt_whose_answers_all_match_counts_once_and_leaves_room_for_others() {
    let dir = tempfile::tempdir().unwrap();
    let strong = ("m", "owl owl owl owl", None);
    let (store, _) = filled(
        dir.path(),
        &[
            // More answers than panes (ask takes any number of models).
            ("twenty answers", &[strong; 20]),
            (
                "one answer",
                &[("m", "an owl among many other words here", None)],
            ),
        ],
    );
    let hits = query::search(&store, "owl", 2).unwrap();
    assert_eq!(hits.iter().map(|e| e.turn).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(hits[0].targets.len(), 20);
}

#[test]
fn the_last_session_is_the_newest_with_a_prompt_of_that_kind() {
    let dir = tempfile::tempdir().unwrap();
    let (store, wb) = filled(dir.path(), &[("q", &[("a", "x", None)])]);
    assert_eq!(query::last_session(&store, None).unwrap(), Some(wb));
    let ask = SessionInfo {
        kind: "ask".into(),
        ..session()
    };
    let a = store.new_session(&ask, 9).unwrap();
    store.add_turn(a, &turn(1, "asked"), 9).unwrap();
    // A workbench opened and closed without a prompt does not count.
    store.new_session(&session(), 10).unwrap();
    assert_eq!(
        query::last_session(&store, Some("workbench")).unwrap(),
        Some(wb)
    );
    assert_eq!(query::last_session(&store, None).unwrap(), Some(a));
    assert_eq!(query::last_session(&store, Some("bench")).unwrap(), None);
}

#[test]
fn a_snippet_is_never_taken_from_a_misaligned_offset() {
    let words = vec!["cats".to_string()];
    assert_eq!(
        query::snippet("some cats here", &words).as_deref(),
        Some("some cats here…")
    );
    // Lower-casing İ takes more bytes: no snippet rather than a wrong one.
    assert_eq!(query::snippet("İİİİ cats", &words), None);
    assert_eq!(query::snippet("no match", &words), None);
}

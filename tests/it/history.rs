//! History through the real binary: `ask` on the demo gateway and on a hostile server, the CLI
//! commands, kill -9 mid-stream, and damaged or unwritable databases.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::demo::{BIN, start_demo};
use crate::common::raw;
use gatebench::history::{Status, Store, query};
use serde_json::Value;

const KEY_VAR: &str = "GB_HISTORY_KEY";

pub(crate) fn gb(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(["--data-dir", home.join("data").to_str().unwrap()])
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("INFERGATE_API_KEY")
        .env_remove("GATEBENCH_DATA_DIR")
        .env("GATEBENCH_DEMO_SPEED", "inf");
    c
}

fn run(mut c: Command) -> (i32, String, String) {
    let o: Output = c.output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        o.status.code().unwrap_or(-1),
        text(&o.stdout),
        text(&o.stderr),
    )
}

/// `gatebench ask` against the demo gateway `demo`, its key in the environment.
fn ask_on(h: &Path, demo: &crate::common::demo::DemoProcess) -> Command {
    let mut c = gb(
        h,
        &[
            "--base-url",
            &demo.base_url,
            "--api-key-env",
            KEY_VAR,
            "ask",
        ],
    );
    c.env(KEY_VAR, &demo.key);
    c
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

#[test]
fn ask_answers_round_trip_through_the_history_with_every_field() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let demo = start_demo(h, &[]);
    let ask = |extra: &[&str], prompt: &str| {
        let mut c = ask_on(h, &demo);
        c.args(extra).arg(prompt);
        run(c)
    };
    let (code, out, err) = ask(
        &["--json", "-m", "demo/fast-mini", "-m", "demo/pro-large"],
        "why is the sky blue",
    );
    assert_eq!(code, 0, "{err}");
    let asked = json(&out);
    let (code, shown, err) = run(gb(h, &["history", "show", "1", "--json"]));
    assert_eq!(code, 0, "{err}");
    let shown = json(&shown);
    let turn = &shown["turns"][0];
    assert_eq!(turn["prompt"], "why is the sky blue");
    for i in 0..2 {
        let a = &turn["answers"][i];
        assert_eq!(
            a["answer"], asked[i],
            "answer {i}: every field as ask --json printed it"
        );
        assert_eq!(a["text"], asked[i]["text"]);
        assert_eq!(a["status"], "done");
    }
    assert_eq!(shown["kind"], "ask");

    let (_, list, _) = run(gb(h, &["history", "list", "--json"]));
    let list = json(&list);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        list[0]["targets"],
        serde_json::json!(["demo/fast-mini", "demo/pro-large"])
    );
    let word = asked[0]["text"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .nth(3)
        .unwrap()
        .to_string();
    let word: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
    let (_, found, _) = run(gb(h, &["history", "search", &word, "--json"]));
    assert_eq!(json(&found)[0]["session_id"], 1, "searching {word:?}");

    // Exports: Markdown report, JSON with everything, CSV one row per answer.
    let md_path = h.join("report.md");
    let (code, _, err) = run(gb(
        h,
        &[
            "export",
            "--last",
            "--format",
            "md",
            "-o",
            md_path.to_str().unwrap(),
        ],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("report.md"), "says where the file went: {err}");
    let md = std::fs::read_to_string(&md_path).unwrap();
    assert!(
        md.contains("> why is the sky blue") && md.contains("| 2 | demo/pro-large | done |"),
        "{md}"
    );
    let (_, exported, _) = run(gb(h, &["export", "--session", "1", "--format", "json"]));
    assert_eq!(json(&exported)["turns"], shown["turns"]);
    let (_, csv, _) = run(gb(h, &["export", "--format", "csv"]));
    assert!(csv.starts_with("session,prompt_no,sent_ms,pane,target"));
    assert!(
        csv.contains("\n1,1,") && csv.contains(",demo/pro-large,done,"),
        "{csv}"
    );

    // --no-history records nothing; stats count what is there.
    let (code, _, _) = ask(&["--no-history", "-m", "demo/fast-mini"], "not kept");
    assert_eq!(code, 0);
    let (_, stats, _) = run(gb(h, &["history", "stats", "--json"]));
    let stats = json(&stats);
    assert_eq!(
        (stats["prompts"].as_u64(), stats["answers"].as_u64()),
        (Some(1), Some(2))
    );
    assert!(stats["bytes"].as_u64().unwrap() > 0);
    // Prune: nothing is a day old; everything is older than nothing.
    let (_, pruned, _) = run(gb(h, &["history", "prune", "--older-than", "1d"]));
    assert!(pruned.starts_with("removed 0 prompt"), "{pruned}");
    let (code, _, err) = run(gb(h, &["history", "prune", "--older-than", "soon"]));
    assert_eq!(code, 1);
    assert!(err.contains("90d"), "{err}");
    let (code, _, err) = run(gb(h, &["history", "show", "7"]));
    assert_eq!(code, 1);
    assert!(err.contains("no entry 7"), "{err}");
}

const KEY: &str = "sk-history-test-9f8e7d6c5b4a39281706";

#[test]
fn an_echoed_key_never_reaches_the_database_or_an_export() {
    let server = raw::serve(|req, sock| {
        if req.path.ends_with("/models") {
            return raw::models(sock);
        }
        raw::stream_head(sock, "200 OK", &[("content-type", "text/event-stream")]);
        // The key echoed back, split across two chunks, and a bearer token in full.
        let (a, b) = KEY.split_at(11);
        let body = raw::chunk(&format!("you sent {a}"))
            + &raw::chunk(&format!("{b} as Authorization: Bearer {KEY}"))
            + &raw::chunk(" \u{1b}]0;retitled\u{7}")
            + &raw::finish();
        raw::send(sock, body.as_bytes());
    });
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let mut c = gb(
        h,
        &[
            "--base-url",
            &server.url,
            "--api-key-env",
            KEY_VAR,
            "ask",
            "-m",
            "m",
            "--json",
            "hi",
        ],
    );
    c.env(KEY_VAR, KEY);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains(&KEY[12..]) || out.contains("****"), "{out}");
    let mut texts = Vec::new();
    for f in ["history.db", "history.db-wal"] {
        if let Ok(b) = std::fs::read(h.join("data").join(f)) {
            texts.push((f.to_string(), String::from_utf8_lossy(&b).into_owned()));
        }
    }
    for args in [
        &["history", "show", "1", "--json"][..],
        &["export", "--format", "md"],
        &["export", "--format", "csv"],
        &["export", "--format", "html"],
    ] {
        let (code, out, err) = run(gb(h, args));
        assert_eq!(code, 0, "{err}");
        texts.push((args.join(" "), out));
    }
    assert!(texts[0].1.len() > 1000, "the database was written");
    for (what, text) in &texts {
        // No part of the key long enough to matter, in any file or export.
        for w in KEY.as_bytes().windows(12) {
            let w = std::str::from_utf8(w).unwrap();
            assert!(!text.contains(w), "{w:?} of the key is in {what}");
        }
    }
    let shown = json(&texts[2].1);
    assert_eq!(
        shown["turns"][0]["answers"][0]["text"],
        "you sent **** as Authorization: Bearer **** \u{1b}]0;retitled\u{7}",
        "stored as sent (JSON escapes it)"
    );
    // Read as a report, a server's escape sequences never reach the terminal.
    let (_, report, _) = run(gb(h, &["history", "show", "1"]));
    assert!(
        report.contains("Bearer ****") && !report.contains('\u{1b}'),
        "{report:?}"
    );
}

/// Poll the database (never the clock as a signal) until `cond` holds, for at most `secs`.
fn wait_db(
    path: &Path,
    secs: u64,
    cond: impl Fn(&query::SessionView) -> bool,
) -> query::SessionView {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if path.exists()
            && let Ok(store) = Store::open(path)
            && let Ok(Some(v)) = query::session(&store, 1, None)
            && cond(&v)
        {
            return v;
        }
        if Instant::now() >= deadline {
            let seen = Store::open(path).map(|st| query::session(&st, 1, None));
            panic!("the database never got there: {seen:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn kill_9_mid_stream_keeps_finished_answers_and_marks_the_partial_one_incomplete() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let db = h.join("data").join("history.db");
    // Real time: the small model ends in about 2 s, the large one streams for about 10.
    let mut c = gb(
        h,
        &[
            "--demo",
            "--demo-speed",
            "0.5",
            "ask",
            "-m",
            "demo/fast-mini",
            "-m",
            "demo/pro-large",
            "count",
        ],
    );
    c.stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    let seen = wait_db(&db, 60, |v| {
        let a = v.turns.first().map(|t| &t.answers[..]).unwrap_or_default();
        a.len() == 2
            && a[0].status == Status::Done
            && a[1].status == Status::Streaming
            && a[1].text.len() > 20
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let partial = seen.turns[0].answers[1].text.clone();
    let (code, out, err) = run(gb(h, &["history", "show", "1", "--json"]));
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    let answers = &v["turns"][0]["answers"];
    assert_eq!(answers[0]["status"], "done");
    assert_eq!(answers[0]["text"], seen.turns[0].answers[0].text);
    assert!(
        answers[0]["answer"]["output_tokens"].as_u64().unwrap() > 0,
        "the finished answer's figures are intact"
    );
    assert_eq!(answers[1]["status"], "incomplete");
    let kept = answers[1]["text"].as_str().unwrap();
    assert!(
        kept.starts_with(&partial) && !kept.is_empty(),
        "what had arrived is kept"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let (_, found, _) = run(gb(h, &["history", "search", "count", "--json"]));
    assert_eq!(json(&found).as_array().unwrap().len(), 1);
}

#[test]
fn a_damaged_or_unwritable_database_is_named_and_ask_still_answers() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    std::fs::create_dir_all(h.join("data")).unwrap();
    std::fs::write(h.join("data").join("history.db"), vec![b'#'; 16384]).unwrap();
    let (code, out, err) = run(gb(h, &["--demo", "ask", "-m", "demo/fast-mini", "hello"]));
    assert_eq!(code, 0, "{err}");
    assert!(!out.trim().is_empty(), "the answer still comes");
    assert!(
        err.contains("history off") && err.contains("damaged") && err.contains("history.db"),
        "{err}"
    );
    let (code, _, err) = run(gb(h, &["history", "list"]));
    assert_eq!(code, 1);
    assert!(err.contains("damaged"), "{err}");
    // A data dir that cannot be made (a file is in the way).
    let blocked = tempfile::tempdir().unwrap();
    std::fs::write(blocked.path().join("data"), "a file").unwrap();
    let (code, out, err) = run(gb(
        blocked.path(),
        &["--demo", "ask", "-m", "demo/fast-mini", "hello"],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(!out.trim().is_empty());
    assert!(
        err.contains("history off") && err.contains("cannot be written"),
        "{err}"
    );
    // No history yet: a clear message, not an empty database made by reading.
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = run(gb(empty.path(), &["history", "list"]));
    assert_eq!(code, 1);
    assert!(err.contains("no history yet"), "{err}");
    assert!(!empty.path().join("data").exists());
}

#[test]
fn the_leaderboard_reads_votes_and_figures_from_the_history() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // No history yet: a clear error, not an empty table.
    let (code, _, err) = run(gb(h, &["leaderboard"]));
    assert_ne!(code, 0);
    assert!(err.contains("no history yet"), "{err}");
    let demo = start_demo(h, &[]);
    let models = ["demo/fast-mini", "demo/pro-large", "demo/local-free"];
    let mut c = ask_on(h, &demo);
    c.arg("--json");
    for m in models {
        c.args(["-m", m]);
    }
    c.arg("Compare these.");
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    // Votes as the workbench stores them: pro-large wins twice, fast-mini once, one tie.
    let store = Store::open(&h.join("data/history.db")).unwrap();
    let session = query::last_session(&store, None).unwrap().unwrap();
    let vote = |turn: u64, winner: Option<&str>| gatebench::history::VoteInfo {
        turn,
        models: models.iter().map(|m| m.to_string()).collect(),
        winner: winner.map(str::to_string),
    };
    for (turn, w) in [
        (1, Some("demo/pro-large")),
        (2, Some("demo/pro-large")),
        (3, Some("demo/fast-mini")),
        (4, None),
    ] {
        store
            .vote(session, &vote(turn, w), 1_000 + turn as i64)
            .unwrap();
    }
    drop(store);
    let (code, out, err) = run(gb(h, &["leaderboard", "--json"]));
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["votes"], 4);
    assert!(
        v["rating_method"]
            .as_str()
            .unwrap()
            .contains("Bradley-Terry")
    );
    let rows = v["models"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["model"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["demo/pro-large", "demo/fast-mini", "demo/local-free"]
    );
    // pro-large: 2 wins of 2 games in each of votes 1-2, 0 of 1 in vote 3, 1 of 2 in the tie.
    assert_eq!(rows[0]["wins"], 5.0);
    assert_eq!(rows[0]["games"], 7);
    let (lo, hi) = (
        rows[0]["win_rate_low"].as_f64().unwrap(),
        rows[0]["win_rate_high"].as_f64().unwrap(),
    );
    assert!(lo < 5.0 / 7.0 && hi > 5.0 / 7.0, "{lo} {hi}");
    for r in rows {
        assert!(r["median_ttft_ms"].as_f64().unwrap() > 0.0, "{r}");
        assert_eq!(r["answers"], 1);
    }
    // The frontier is exactly the models nothing dominates.
    let frontier: Vec<&str> = v["frontier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    for r in rows {
        let m = r["model"].as_str().unwrap();
        assert_eq!(
            frontier.contains(&m),
            r["dominated_by"].is_null() && !r["cost_per_1k_output_usd"].is_null(),
            "{m}"
        );
    }
    let (code, out, _) = run(gb(h, &["leaderboard"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("4 blind votes"), "{out}");
    assert!(
        out.contains("demo/pro-large") && out.contains("win rate (95% CI)"),
        "{out}"
    );
}

//! The HTML reports, written by the real binary and opened in a real headless Chromium (Debian's
//! package, installed by scripts/test.sh): the tables and charts are in the page's DOM, no script
//! error is logged, and a hostile answer (scripts, event handlers, `javascript:` links, a closing
//! `</style>`) shows as text and never runs.

use std::path::Path;
use std::process::Command;

use crate::bench::{bench, json, out};
use crate::common::demo::start_demo;
use crate::common::raw;

/// What a hostile model answers: each part would change the page if it ran.
const HOSTILE: &str = "Here:\n\n<script>document.title='pwned';document.body.insertAdjacentHTML('beforeend','<div id=pwned-script></div>')</script>\n\n\
    <img src=x onerror=\"document.body.insertAdjacentHTML('beforeend','<div id=pwned-img></div>')\">\n\n\
    [click me](javascript:alert(1)) </style><style>body{display:none}</style>\n\n```rust\nfn main() {}\n```\n";

fn chromium() -> Option<&'static str> {
    let ok = Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    crate::common::needs(
        "Chromium",
        (!ok).then(|| "chromium is not installed".to_string()),
    )
    .then_some("chromium")
}

/// The page's DOM after its scripts ran, Chromium's log, and a screenshot's size in bytes.
fn open(browser: &str, page: &Path, dir: &Path) -> (String, String, u64) {
    let url = format!("file://{}", page.display());
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
    ];
    let profile = format!("--user-data-dir={}", dir.join("profile").display());
    let dom = Command::new(browser)
        .args(base)
        .arg(&profile)
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    let shot = dir.join("shot.png");
    let s = Command::new(browser)
        .args(base)
        .arg(&profile)
        .arg(format!("--screenshot={}", shot.display()))
        .args(["--window-size=1280,1600", &url])
        .output()
        .unwrap();
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    let log =
        String::from_utf8_lossy(&dom.stderr).into_owned() + &String::from_utf8_lossy(&s.stderr);
    let size = std::fs::metadata(&shot).map_or(0, |m| m.len());
    (String::from_utf8_lossy(&dom.stdout).into_owned(), log, size)
}

fn no_script_ran(dom: &str, log: &str) {
    assert!(!dom.contains("id=\"pwned"), "a hostile script ran");
    assert!(!dom.contains("<title>pwned"), "a hostile script ran");
    assert!(!log.contains("Uncaught"), "a script error: {log}");
    assert!(!log.contains("pwned"), "{log}");
}

/// A server whose one model answers with `HOSTILE`, streamed.
fn hostile_server() -> raw::RawServer {
    raw::serve(|req, sock| {
        if req.path.ends_with("/models") {
            return raw::models(sock);
        }
        raw::stream_head(sock, "200 OK", &[("content-type", "text/event-stream")]);
        let body = raw::chunk(HOSTILE) + &raw::finish();
        raw::send(sock, body.as_bytes());
    })
}

/// The binary in a home of its own (the history's helper), with a key to scrub.
fn gb(home: &Path, args: &[&str]) -> Command {
    let mut c = crate::history::gb(home, args);
    c.env("GB_REPORT_KEY", "sk-report-test-0123456789abcdef");
    c
}

/// A session of two answers from the hostile server, exported as a page.
fn hostile_session(home: &Path) -> std::path::PathBuf {
    let server = hostile_server();
    let (code, _, err) = out(gb(
        home,
        &[
            "--base-url",
            &server.url,
            "--api-key-env",
            "GB_REPORT_KEY",
            "ask",
            "-m",
            "m",
            "-m",
            "m2",
            "<b>prompt</b> with sk-report-test-0123456789abcdef",
        ],
    ));
    assert_eq!(code, 0, "{err}");
    let page = home.join("session.html");
    let (code, _, err) = out(gb(
        home,
        &["export", "--format", "html", "-o", page.to_str().unwrap()],
    ));
    assert_eq!(code, 0, "{err}");
    page
}

#[test]
fn a_session_page_shows_hostile_answers_as_text_side_by_side() {
    let home = tempfile::tempdir().unwrap();
    let page = hostile_session(home.path());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    for bad in [
        "<script>document",
        "<img",
        "href=\"javascript",
        "sk-report-test",
        "<b>prompt",
    ] {
        assert!(!html.contains(bad), "{bad:?} in the page");
    }
    assert_eq!(html.matches("</style>").count(), 1, "the page's own only");
    assert_eq!(html.matches("<article class=\"answer\">").count(), 2);
    assert!(
        html.contains("&lt;script&gt;document.title"),
        "shown as text"
    );
    assert!(
        html.contains("<span class=\"t-kw\">fn</span>"),
        "code coloured"
    );
    assert!(html.contains("Word diff: 2. m2"), "{html}");
    assert!(
        html.contains("&lt;b&gt;prompt&lt;&#x2f;b&gt; with ****"),
        "the prompt, scrubbed"
    );
    // Nothing to fetch: no absolute source of any kind.
    for fetch in ["src=\"http", "href=\"//", "@import", "url(http"] {
        assert!(!html.contains(fetch), "{fetch}");
    }
}

#[test]
fn reports_open_in_a_real_browser_with_their_charts_and_tables() {
    let Some(browser) = chromium() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // A bench page, with a check that fails on hostile text.
    let demo = start_demo(h, &[]);
    let workload = h.join("w.jsonl");
    std::fs::write(
        &workload,
        r#"{"prompt": "hi", "expect": "<script>document.title='pwned'</script>"}
{"prompt": "Explain a gateway", "max_tokens": 40}
"#,
    )
    .unwrap();
    let run = h.join("run.json");
    let (code, page, err) = out(bench(
        h,
        &demo,
        &[
            "--workload",
            workload.to_str().unwrap(),
            "-m",
            "demo/fast-mini",
            "-m",
            "demo/pro-large",
            "--repeat",
            "3",
            "--slo",
            "ttft_ms<=2000",
            "--format",
            "html",
            "--out",
            run.to_str().unwrap(),
        ],
    ));
    assert_eq!(code, 0, "{err}");
    let bench_page = h.join("bench.html");
    std::fs::write(&bench_page, &page).unwrap();
    assert!(json(&std::fs::read_to_string(&run).unwrap())["results"].is_array());
    let (dom, log, shot) = open(browser, &bench_page, h);
    no_script_ran(&dom, &log);
    assert!(shot > 10_000, "a screenshot of the page: {shot} bytes");
    assert!(dom.contains("id=\"summary-table\""), "{dom}");
    assert_eq!(
        dom.matches("<svg").count(),
        5,
        "four distributions and the frontier"
    );
    assert!(dom.contains("Details: failed checks"));
    assert!(
        dom.contains("&lt;script&gt;document.title="),
        "the check shown as text"
    );
    // The summary table sorts when a heading is clicked: the rows are still all there.
    assert_eq!(dom.matches("<td class=\"text\">demo/").count(), 2);
    // `bench show` draws the same page from the history.
    let (code, shown, err) = out(bench(h, &demo, &["show", "1", "--format", "html"]));
    assert_eq!(code, 0, "{err}");
    assert!(shown.contains("id=\"summary-table\""));

    // A session page.
    let session = hostile_session(h);
    let (dom, log, shot) = open(browser, &session, h);
    no_script_ran(&dom, &log);
    assert!(shot > 10_000, "{shot}");
    assert!(dom.contains("<pre><code>"), "code rendered");
    assert_eq!(dom.matches("class=\"answer\"").count(), 2);
    assert!(
        dom.contains("<title>Session"),
        "the title is the page's own"
    );
}

#[test]
fn ladder_leaderboard_and_watch_report_write_pages_too() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let run = |args: &[&str]| {
        let mut c = gb(h, &["--demo", "--demo-speed", "inf"]);
        c.args(args);
        out(c)
    };
    let page = |text: &str, heading: &str| {
        assert!(text.starts_with("<!doctype html>"), "{text}");
        assert!(text.contains(heading), "{heading} not in the page");
        assert_eq!(text.matches("</html>").count(), 1);
    };
    let (code, html, err) = run(&[
        "ladder",
        "-m",
        "demo/fast-mini",
        "--sizes",
        "1k,2k",
        "--format",
        "html",
    ]);
    assert_eq!(code, 0, "{err}");
    page(&html, "<h2>Each size of context</h2>");
    assert_eq!(
        html.matches("<svg").count(),
        2,
        "TTFT and cost against input tokens"
    );
    assert_eq!(
        html.matches("<td class=\"text\">demo&#x2f;fast-mini</td>")
            .count(),
        2
    );
    let (code, _, err) = run(&["watch", "-m", "demo/fast-mini", "--once"]);
    assert_eq!(code, 0, "{err}");
    let (code, html, err) = run(&["leaderboard", "--format", "html"]);
    assert_eq!(code, 0, "{err}");
    page(&html, "<h2>Standings</h2>");
    assert!(html.contains("no answers or votes yet"), "{html}");
    let (code, html, err) = run(&["watch", "report", "--since", "1h", "--format", "html"]);
    assert_eq!(code, 0, "{err}");
    page(&html, "<h2>demo&#x2f;fast-mini</h2>");
    assert!(
        html.contains("demo&#x2f;fast-mini: 1 probes, 0 failed"),
        "{html}"
    );
    // No probes in the time asked: still a page, saying so.
    let (code, html, err) = run(&["watch", "report", "--since", "1ms", "--format", "html"]);
    assert_eq!(code, 0, "{err}");
    page(&html, "No watch probes on");
    // A merge of shards draws the same bench page.
    let run_json = h.join("shard.json");
    let (code, _, err) = run(&[
        "bench",
        "--prompt",
        "hi",
        "-m",
        "demo/fast-mini",
        "--repeat",
        "2",
        "--out",
        run_json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, html, err) = run(&[
        "bench",
        "merge",
        run_json.to_str().unwrap(),
        "--format",
        "html",
    ]);
    assert_eq!(code, 0, "{err}");
    page(&html, "id=\"summary-table\"");
    assert!(html.contains("<dt>merged from</dt>"), "{html}");
    // --json and --format cannot both be given.
    let (code, _, err) = run(&["leaderboard", "--json", "--format", "html"]);
    assert_eq!(code, 2, "{err}");
}

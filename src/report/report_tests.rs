//! The HTML report: hostile text stays text, the key never appears, a large run stays small, and
//! the structure of each page is pinned (the SVG charts' drawing aside).

use super::*;
use crate::bench::checks::{CheckKind, Verdict};
use crate::bench::report::tests::rec;
use crate::bench::stats::TargetStats;
use crate::bench::summary::{FORMAT, Summary};
use crate::metrics::CostSource;
use crate::secret::Secret;

const KEY: &str = "sk-live-0123456789abcdefghij";
const HOSTILE: &str = "<script>alert(1)</script> <img src=x onerror=alert(2)> </style> \
                       [x](javascript:alert(3)) sk-live-0123456789abcdefghij";

fn summary(requests: usize) -> Summary {
    let mut a = TargetStats::new("demo/fast-mini", &[]);
    let mut b = TargetStats::new("<b>evil</b> model", &[]);
    for i in 0..requests {
        let t = 100.0 + (i % 97) as f64 * 7.0;
        let r = rec(t, t * 4.0, (120, 60), Some((0.0004, CostSource::Models)));
        let ok = Verdict {
            check: CheckKind::Expect,
            passed: i % 10 != 0,
            why: (i % 10 == 0).then(|| "missing \"Paris\"".to_string()),
        };
        a.add(&r, i % 30 + 1, std::slice::from_ref(&ok), None);
        let mut hostile = rec(
            t * 2.0,
            t * 6.0,
            (120, 90),
            Some((0.003, CostSource::Models)),
        );
        hostile.text = HOSTILE.into();
        let bad = Verdict {
            check: CheckKind::Regex,
            passed: false,
            why: Some(HOSTILE.into()),
        };
        b.add(&hostile, i % 60 + 1, std::slice::from_ref(&bad), None);
    }
    let mut s = Summary {
        format: FORMAT.into(),
        gatebench_version: "0.1.0".into(),
        started_unix_ms: 1_700_000_000_000,
        elapsed_s: 30.0,
        base_url: "http://127.0.0.1:4000/v1".into(),
        workload: format!("w.jsonl {HOSTILE}"),
        load: "closed loop, 4 in flight per target".into(),
        per_day: Some(10_000),
        targets: vec![a, b],
        ..Default::default()
    };
    s.derive();
    s
}

fn key() -> Secret {
    Secret::new(KEY)
}

/// Nothing hostile came through as markup, and no key in any form.
fn assert_safe(html: &str) {
    for bad in [
        "<script>alert",
        "<img",
        "onerror=alert(2)>",
        "<a href=\"javascript",
        "<b>evil",
        KEY,
        "sk-live",
    ] {
        assert!(!html.contains(bad), "{bad:?} is in the page");
    }
    // The page's own style element is closed once, by the page.
    assert_eq!(html.matches("</style>").count(), 1);
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's sorter"
    );
}

/// The page with its charts' drawing and its date taken out, for a snapshot of its structure.
fn structure(html: &str) -> String {
    let svg = regex::Regex::new(r"(?s)<svg.*?</svg>").unwrap();
    let when = regex::Regex::new(r"written [^<]*").unwrap();
    let style = regex::Regex::new(r"(?s)<style>.*?</style>").unwrap();
    let script = regex::Regex::new(r"(?s)<script>.*?</script>").unwrap();
    let out = svg.replace_all(html, "<svg/>");
    let out = when.replace_all(&out, "written WHEN");
    let out = style.replace_all(&out, "<style/>");
    script.replace_all(&out, "<script/>").into_owned()
}

#[test]
fn a_bench_page_escapes_everything_and_holds_every_part() {
    let s = summary(200);
    let mut old = summary(100);
    old.results[0].p50_ttft_ms = Some(1.0);
    old.results[0].cost_per_1k_usd = Some(99.0);
    let html = bench(&s, Some((&old, "old.json")), Some(&key()));
    assert_safe(&html);
    assert!(
        html.contains("&lt;b&gt;evil&lt;&#x2f;b&gt; model"),
        "escaped, still shown"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    for part in [
        "id=\"settings\"",
        "id=\"summary-table\"",
        "time to first token",
        "inter-token latency",
        "total time",
        "cost against latency",
        "id=\"checks\"",
        "Details: failed checks",
        "at most 50 kept per target",
        "Against old.json",
        "<td class=\"bad\">",
        "<td class=\"good\">",
    ] {
        assert!(html.contains(part), "{part} is missing");
    }
    assert_eq!(
        html.matches("<svg").count(),
        5,
        "four distributions and the frontier"
    );
    insta::assert_snapshot!("bench_page", structure(&html));
}

#[test]
fn a_ten_thousand_request_bench_makes_a_page_under_a_megabyte() {
    let html = bench(&summary(10_000), None, Some(&key()));
    assert!(html.len() < 1_000_000, "{} bytes", html.len());
    eprintln!("a 10,000-request bench page: {} bytes", html.len());
    let small = bench(&summary(100), None, Some(&key()));
    // Aggregates only: the page hardly grows with the requests.
    assert!(
        html.len() < small.len() * 2,
        "{} against {}",
        html.len(),
        small.len()
    );
}

#[test]
fn a_tables_page_cuts_long_tables_and_says_so() {
    let page = TablesPage {
        title: format!("Ladder {HOSTILE}"),
        settings: vec![("model".into(), "<i>m</i>".into())],
        tables: vec![Table {
            heading: "context sizes".into(),
            columns: vec!["size".into(), "TTFT".into(), "recall".into()],
            rows: (0..MAX_ROWS + 7)
                .map(|i| vec![format!("{i}"), format!("{i} ms"), HOSTILE.to_string()])
                .collect(),
            notes: vec!["a note <u>".into()],
            charts: Vec::new(),
        }],
    };
    let html = tables(&page, Some(&key()));
    assert_safe(&html);
    assert!(html.contains("7 more row(s) left out"), "the cut is said");
    assert_eq!(
        html.matches("<tr>").count(),
        MAX_ROWS + 1,
        "header and the rows kept"
    );
    assert!(html.contains("&lt;i&gt;m&lt;&#x2f;i&gt;") && html.contains("a note &lt;u&gt;"));
}

#[test]
fn cells_sort_by_their_number_and_seconds_by_milliseconds() {
    use super::tables::sort_key;
    assert_eq!(sort_key("1,024"), Some(1024.0));
    assert_eq!(sort_key("$0.25"), Some(0.25));
    assert_eq!(sort_key("42.5%"), Some(42.5));
    assert_eq!(sort_key("320 ms"), Some(320.0));
    assert_eq!(sort_key("1.5 s"), Some(1500.0));
    assert_eq!(sort_key("demo/fast-mini"), None);
    assert_eq!(sort_key("2026-12-06 09:00 UTC"), None);
    assert_eq!(sort_key("-"), None);
    assert_eq!(sort_key("8k"), Some(8000.0));
    assert_eq!(sort_key("1M"), Some(1e6));
}

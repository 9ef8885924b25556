//! A stored session as a page: each prompt, its answers side by side rendered from Markdown (code
//! coloured, no raw HTML), each answer's figures, and a word diff of each answer against the first,
//! folded until asked for.

use serde::Serialize;

use super::markup::{markdown, spans};
use super::{Head, render};
use crate::clock::fmt_utc;
use crate::format::fmt_ms;
use crate::history::Status;
use crate::history::export::{cost, num, text_field, tokens, who};
use crate::history::query::{SessionView, StoredAnswer};
use crate::secret::{Secret, keyless};

#[derive(Serialize)]
struct Answer {
    n: usize,
    who: String,
    status: &'static str,
    figures: Vec<(String, String)>,
    error: String,
    body_html: String,
    incomplete: bool,
    rating: Option<String>,
}

#[derive(Serialize)]
struct Diff {
    against: String,
    similarity: String,
    body_html: String,
}

#[derive(Serialize)]
struct Turn {
    seq: u64,
    sent: String,
    system: Option<String>,
    prompt: String,
    answers: Vec<Answer>,
    diffs: Vec<Diff>,
    first: String,
}

#[derive(Serialize)]
struct Page {
    head: Head,
    settings: Vec<(String, String)>,
    turns: Vec<Turn>,
}

/// Longest answer diffed; past it the diff is left out and the page says so.
const MAX_DIFF: usize = 64 * 1024;

fn answer(i: usize, a: &StoredAnswer, key: Option<&Secret>) -> Answer {
    let rate = num(a, "decode_tokens_per_s").or(num(a, "tokens_per_s"));
    Answer {
        n: i + 1,
        who: keyless(&who(a), key),
        status: a.status.as_str(),
        figures: vec![
            ("TTFT".into(), fmt_ms(num(a, "ttft_ms"))),
            ("ITL".into(), fmt_ms(num(a, "itl_ms"))),
            ("total".into(), fmt_ms(num(a, "total_ms"))),
            (
                "tok/s".into(),
                rate.map_or("-".into(), |r| format!("{r:.1}")),
            ),
            ("in".into(), tokens(a, "input_tokens")),
            ("out".into(), tokens(a, "output_tokens")),
            ("cost".into(), cost(a)),
        ],
        error: keyless(&text_field(a, "error"), key),
        body_html: markdown(&keyless(&a.text, key)),
        incomplete: a.status == Status::Incomplete,
        rating: a
            .rating
            .as_ref()
            .map(|r| keyless(&format!("{}/5 {}", r.score, r.note), key)),
    }
}

fn diffs(answers: &[StoredAnswer], key: Option<&Secret>) -> Vec<Diff> {
    let Some(first) = answers.first() else {
        return Vec::new();
    };
    answers[1..]
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let against = format!("{}. {} against 1. {}", i + 2, who(a), who(first));
            if first.text.len() > MAX_DIFF || a.text.len() > MAX_DIFF {
                return Diff {
                    against: keyless(&against, key),
                    similarity: "-".into(),
                    body_html: "(left out: an answer is longer than 64 KiB)".into(),
                };
            }
            let d = crate::markdown::diff::word_diff(
                &keyless(&first.text, key),
                &keyless(&a.text, key),
            );
            Diff {
                against: keyless(&against, key),
                similarity: format!("{:.0}%", d.similarity * 100.0),
                body_html: spans(&d.lines),
            }
        })
        .collect()
}

/// The page for a session. Texts were scrubbed when stored; they are scrubbed again here of `key`
/// and of anything that looks like a key.
pub fn session(v: &SessionView, key: Option<&Secret>) -> String {
    let page = Page {
        head: Head::new(format!("Session {}", v.id)),
        settings: vec![
            ("started".into(), fmt_utc(v.started_ms)),
            ("kind".into(), v.kind.clone()),
            ("profile".into(), v.profile.clone()),
            ("gateway".into(), keyless(&v.base_url, key)),
            ("prompts".into(), v.turns.len().to_string()),
        ],
        turns: v
            .turns
            .iter()
            .map(|t| Turn {
                seq: t.seq,
                sent: fmt_utc(t.sent_ms),
                system: t
                    .system
                    .as_deref()
                    .filter(|s| !s.is_empty())
                    .map(|s| keyless(s, key)),
                prompt: keyless(&t.prompt, key),
                answers: t
                    .answers
                    .iter()
                    .enumerate()
                    .map(|(i, a)| answer(i, a, key))
                    .collect(),
                diffs: diffs(&t.answers, key),
                first: t
                    .answers
                    .first()
                    .map_or(String::new(), |a| keyless(&who(a), key)),
            })
            .collect(),
    };
    render("session.html", &page)
}

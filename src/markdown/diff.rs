//! Word diff of two answers: deletions and insertions marked, and how alike they are. Shared by
//! the workbench's diff view and the HTML report.

use std::time::Duration;

use similar::{Algorithm, ChangeTag, TextDiff};

use super::{Mark, Spans, Tint};

/// A slow diff (two long, unrelated answers) gives up on finding the shortest edit after this and
/// shows a coarser one.
const DIFF_TIMEOUT: Duration = Duration::from_millis(300);

/// What a word diff found.
#[derive(Debug, Clone, PartialEq)]
pub struct WordDiff {
    /// The merged text, line by line, with deletions and insertions marked.
    pub lines: Vec<Spans>,
    /// Share of the words the two answers have in common, 0-1.
    pub similarity: f64,
    pub inserted: usize,
    pub deleted: usize,
}

pub fn removed() -> Mark {
    Mark {
        strike: true,
        ..Mark::tint(Tint::Removed)
    }
}

pub fn added() -> Mark {
    Mark {
        underline: true,
        ..Mark::tint(Tint::Added)
    }
}

/// The word diff of `old` and `new` (a task runs it: it reads the clock for its timeout).
pub fn word_diff(old: &str, new: &str) -> WordDiff {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(DIFF_TIMEOUT)
        .diff_words(old, new);
    let mut lines: Vec<Spans> = vec![Vec::new()];
    let (mut ins, mut del) = (0, 0);
    for ch in diff.iter_all_changes() {
        let mark = match ch.tag() {
            ChangeTag::Equal => Mark::PLAIN,
            ChangeTag::Delete => {
                del += usize::from(!ch.value().trim().is_empty());
                removed()
            }
            ChangeTag::Insert => {
                ins += usize::from(!ch.value().trim().is_empty());
                added()
            }
        };
        for (i, part) in ch.value().split('\n').enumerate() {
            if i > 0 {
                lines.push(Vec::new());
            }
            if !part.is_empty() {
                let line = lines.last_mut().expect("one line at least");
                match line.last_mut() {
                    Some((s, m)) if *m == mark => s.push_str(part),
                    _ => line.push((part.to_string(), mark)),
                }
            }
        }
    }
    WordDiff {
        lines,
        similarity: f64::from(diff.ratio()),
        inserted: ins,
        deleted: del,
    }
}

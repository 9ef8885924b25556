//! Word diff of two panes' answers (`d`, then the other pane's number): deletions and insertions
//! marked, each side's figures, and how alike they are.

use super::view::{Ask, Ctx, Keyed, Outcome, View, scroll_or_close};
use super::{Effect, Overlay, State, copy};
use crate::format::{fmt_ms, fmt_usd};
pub use crate::markdown::diff::{WordDiff, added, removed, word_diff};

#[derive(Debug, Clone, PartialEq)]
pub struct DiffView {
    /// One header line per side: its pane, name and figures.
    pub sides: [String; 2],
    /// `None` while the diff is computed off the event loop.
    pub result: Option<WordDiff>,
    pub scroll: u16,
}

/// The task's diff arrived.
pub fn diffed(s: &mut State, d: WordDiff) {
    if let Overlay::Diff(v) = &mut s.overlay
        && v.result.is_none()
    {
        v.result = Some(d);
    }
}

/// `d`: pick the pane to compare the focused one with.
pub fn open(s: &mut State) -> Vec<Effect> {
    if s.focused().is_none() || s.selected_panes().len() < 2 {
        s.flash("a diff needs two panes with answers");
        return vec![];
    }
    s.overlay = Overlay::DiffPick(DiffPick);
    vec![]
}

/// Waiting for the number of the pane to diff the focused one with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiffPick;

impl View for DiffPick {
    fn on(&mut self, key: &Keyed, _: &mut Ctx) -> Outcome {
        // The pane's number: whatever key focuses that pane.
        match key.global {
            Some(super::keymap::Command::JumpPane(n)) => Outcome::Then(Ask::DiffWith(n)),
            _ => Outcome::Close,
        }
    }
}

/// Diff the focused pane with pane number `c` (from 1).
pub fn with(s: &mut State, c: u8) -> Vec<Effect> {
    let Some(a) = s.focused() else {
        return vec![];
    };
    let panes = s.selected_panes();
    let Some(&b) = panes.get(usize::from(c) - 1) else {
        s.flash(format!("there is no pane {c}"));
        return vec![];
    };
    if a == b {
        s.flash("pick another pane than the focused one");
        return vec![];
    }
    let text = |p: usize| {
        s.panes[p]
            .answer
            .as_ref()
            .map(|x| x.text.clone())
            .filter(|t| !t.is_empty())
    };
    let (Some(old), Some(new)) = (text(a), text(b)) else {
        s.flash("both panes need a finished answer to compare");
        return vec![];
    };
    let number = |p: usize| panes.iter().position(|&x| x == p).map_or(0, |i| i + 1);
    s.overlay = Overlay::Diff(Box::new(DiffView {
        sides: [side(s, a, number(a)), side(s, b, number(b))],
        result: None,
        scroll: 0,
    }));
    vec![Effect::Diff { old, new }]
}

fn side(s: &State, p: usize, number: usize) -> String {
    let name = copy::label(s, p);
    let Some(a) = &s.panes[p].answer else {
        return format!("{number} {name}");
    };
    let tokens = a.output_tokens.map_or("? tokens".into(), |n| {
        format!("{n}{} tokens", if a.estimated { "~" } else { "" })
    });
    format!(
        "{number} {name}: {tokens} · TTFT {} · total {} · {}",
        fmt_ms(a.ttft_ms),
        fmt_ms(a.total_ms),
        fmt_usd(a.cost_usd)
    )
}

impl View for DiffView {
    fn on(&mut self, key: &Keyed, _: &mut Ctx) -> Outcome {
        scroll_or_close(&mut self.scroll, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::{Mark, Spans};

    fn text_of(lines: &[Spans], mark: Mark) -> String {
        lines
            .iter()
            .flatten()
            .filter(|(_, m)| *m == mark)
            .map(|(s, _)| s.as_str())
            .collect::<Vec<_>>()
            .join("|")
    }

    #[test]
    fn words_in_and_out_and_similarity() {
        let d = word_diff("the quick brown fox", "the slow brown fox");
        let (lines, sim, ins, del) = (d.lines, d.similarity, d.inserted, d.deleted);
        assert_eq!(text_of(&lines, removed()), "quick");
        assert_eq!(text_of(&lines, added()), "slow");
        assert_eq!((ins, del), (1, 1));
        // 7 tokens a side (words and spaces), 6 in common: 2*6/14.
        assert!((sim - 12.0 / 14.0).abs() < 1e-6, "{sim}");
        let same = word_diff("a b\nc", "a b\nc");
        assert_eq!((same.similarity, same.inserted, same.deleted), (1.0, 0, 0));
        let none = word_diff("alpha", "omega");
        assert_eq!(none.similarity, 0.0);
        assert_eq!(none.lines.len(), 1);
    }

    #[test]
    fn lines_follow_the_newlines_of_both_sides() {
        let d = word_diff("one\ntwo\nthree", "one\n2\nthree\nfour");
        let shown: Vec<String> = d
            .lines
            .iter()
            .map(|l| l.iter().map(|(s, _)| s.as_str()).collect())
            .collect();
        assert_eq!(shown, vec!["one", "two2", "three", "four"]);
    }
}

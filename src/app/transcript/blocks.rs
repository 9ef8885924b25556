//! Answers as markdown blocks: a paragraph, a list, a heading or a fence is one block, shown as
//! written while it is open and rendered once when it closes. A blank line followed by unindented
//! text closes a block; a fence or a heading at the start of a line is a block of its own.

use std::sync::Arc;

use super::{Row, RowKind, Transcript};
use crate::markdown;

#[derive(Debug, Clone, Default)]
pub(super) struct OpenBlock {
    pub(super) src: String,
    pub(super) first_row: usize,
    /// Inside a fence opened at the start of a line: its character and length.
    fence: Option<(char, usize)>,
    /// A blank line ended the block's text so far: the next unindented line starts a new one.
    blank: bool,
}

/// A fence opening at the line's start: ``` or ~~~, three or more.
fn fence_of(line: &str) -> Option<(char, usize)> {
    let c = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = line.chars().take_while(|x| *x == c).count();
    (n >= 3 && !(c == '`' && line[n..].contains('`'))).then_some((c, n))
}

fn closes_fence(line: &str, (c, n): (char, usize)) -> bool {
    let t = line.trim_start_matches(' ');
    line.len() - t.len() <= 3
        && t.chars().take_while(|x| *x == c).count() >= n
        && t.trim_start_matches(c).trim().is_empty()
}

fn is_heading(line: &str) -> bool {
    let n = line.bytes().take_while(|b| *b == b'#').count();
    (1..=6).contains(&n)
        && line[n..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t')
}

fn hash_of(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

impl Transcript {
    pub(super) fn line_starts(&mut self, part: &str) {
        let o = &self.open;
        if o.blank && o.fence.is_none() && part.starts_with(|c: char| !c.is_whitespace()) {
            self.close_open();
        }
    }

    /// The answer line in `self.line` is complete. Fences and headings are blocks of their own;
    /// returns whether the block closes with this line.
    pub(super) fn line_ends(&mut self) -> bool {
        let line = self.line.as_str();
        if let Some(f) = self.open.fence {
            if closes_fence(line, f) {
                self.open.fence = None;
                return true;
            }
            return false;
        }
        let fence = fence_of(line);
        let heading = is_heading(line);
        if fence.is_some() || heading {
            // Everything before this line is a block of its own.
            let nl = usize::from(self.open.src.ends_with('\n'));
            let before = self.open.src.len().saturating_sub(line.len() + nl);
            if !self.open.src[..before].trim().is_empty() {
                self.split_before(before);
            }
            self.open.fence = fence;
            return heading;
        }
        self.open.blank = line.trim().is_empty() && !self.open.src.trim().is_empty();
        false
    }

    /// Close the open block at byte `cut` of its text; the rest (the current line) stays open.
    fn split_before(&mut self, cut: usize) {
        let rest = self.open.src.split_off(cut);
        let line_rows = self
            .rows
            .split_off(self.line_first_row.min(self.rows.len()));
        self.close_open();
        self.line_first_row = self.rows.len();
        self.rows.extend(line_rows);
        self.open.src = rest;
    }

    /// Render the open block (markdown), once; raw mode keeps its rows as written.
    pub(super) fn close_open(&mut self) {
        self.version += 1;
        let src = std::mem::take(&mut self.open.src);
        let first = self.open.first_row.min(self.rows.len());
        self.open = OpenBlock::default();
        if src.trim().is_empty() {
            self.open.first_row = self.rows.len();
            return;
        }
        let ordinal = self.closed;
        self.closed += 1;
        if !self.raw {
            let hash = hash_of(&src);
            let parsed = match self.cache.get(ordinal) {
                Some((h, p)) if *h == hash => p.clone(),
                _ => {
                    let p = Arc::new(markdown::parse(&src));
                    self.cache.truncate(ordinal);
                    self.cache.push((hash, p.clone()));
                    p
                }
            };
            self.rows.truncate(first);
            // A blank line before the block (after a fence, which closes at once) or after it
            // (before the next block) is one blank row.
            let blank = |r: &[Row]| r.last().is_none_or(|x| x.text.is_empty());
            let lead = &src[..src.len() - src.trim_start().len()];
            if lead.contains('\n') && !blank(&self.rows) {
                self.rows.push(Row::plain(String::new(), RowKind::Text));
            }
            markdown::lay_out(&parsed, self.width, &mut self.rows, &mut self.code);
            let gap = &src[src.trim_end().len()..];
            if gap.matches('\n').count() >= 2 {
                self.rows.push(Row::plain(String::new(), RowKind::Text));
            }
        }
        self.open.first_row = self.rows.len();
        self.line_first_row = self.rows.len();
    }
}

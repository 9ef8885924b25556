//! A pane's text, wrapped once, incrementally, as it arrives.
//!
//! Appending re-wraps only the last row of the line being written (greedy wrapping never changes
//! earlier rows), so the cost of a chunk does not grow with the length of the response, and
//! drawing takes just the visible rows. A width change re-wraps everything once.

use std::sync::Arc;

use crate::markdown::{self, Parsed, wrap_starts};
pub use crate::markdown::{CodeSpan, Row, RowKind};

/// What a segment of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg {
    User,
    Reasoning,
    Answer,
    Error,
    Info,
}

#[derive(Debug, Clone, Default)]
pub struct Transcript {
    width: usize,
    /// Everything appended, merged by kind, to re-wrap on resize.
    segs: Vec<(Seg, String)>,
    rows: Vec<Row>,
    /// The logical line still being written, and where its rows start.
    line: String,
    line_seg: Option<Seg>,
    line_first_row: usize,
    /// Byte offsets in `line` where each of its rows starts.
    line_row_starts: Vec<usize>,
    in_code: bool,
    /// Answers as written, or (the default) as markdown.
    raw: bool,
    /// The answer block still being written: plain until it closes, then rendered once.
    open: OpenBlock,
    /// How many answer blocks have closed; their parses, by that order, survive a re-wrap.
    closed: usize,
    cache: Vec<(u64, Arc<Parsed>)>,
    /// The code blocks of rendered answers, for copy mode.
    code: Vec<CodeSpan>,
    /// Bumped by every change to the rows (searches re-run when it moves).
    version: u64,
}

#[derive(Debug, Clone, Default)]
struct OpenBlock {
    src: String,
    first_row: usize,
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
    pub fn new(width: u16) -> Self {
        Self {
            width: width.max(1) as usize,
            ..Default::default()
        }
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn width(&self) -> u16 {
        self.width as u16
    }

    pub fn is_empty(&self) -> bool {
        self.segs.is_empty()
    }

    pub fn set_width(&mut self, width: u16) {
        let width = width.max(1) as usize;
        if width != self.width {
            self.rebuild(width, self.raw);
        }
    }

    pub fn raw(&self) -> bool {
        self.raw
    }

    /// Show answers as written (true) or rendered; everything is laid out again.
    pub fn set_raw(&mut self, raw: bool) {
        if raw != self.raw {
            self.rebuild(self.width, raw);
        }
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// The code blocks of rendered answers, in order.
    pub fn code_blocks(&self) -> &[CodeSpan] {
        &self.code
    }

    /// Everything again from the segments, at this width and mode; closed blocks reuse their
    /// parses, and a block still being written stays open.
    fn rebuild(&mut self, width: usize, raw: bool) {
        let segs = std::mem::take(&mut self.segs);
        let cache = std::mem::take(&mut self.cache);
        let was_open = !self.open.src.is_empty();
        *self = Self {
            width,
            raw,
            cache,
            version: self.version + 1,
            ..Default::default()
        };
        for (seg, text) in segs {
            self.push(seg, &text);
        }
        if !was_open {
            self.seal();
        }
    }

    /// The answer being written has ended: render its last block.
    pub fn seal(&mut self) {
        self.end_line();
        self.close_open();
    }

    /// Start a new block (a turn, an error line) on a fresh line after a blank one.
    pub fn block(&mut self, seg: Seg, text: &str) {
        if !self.segs.is_empty() {
            self.end_line();
            self.push(Seg::Info, "\n");
        }
        self.push(seg, text);
    }

    pub fn push(&mut self, seg: Seg, text: &str) {
        if text.is_empty() {
            return;
        }
        self.version += 1;
        if self.line_seg.is_some_and(|s| s != seg) {
            self.end_line();
            self.close_open();
        }
        match self.segs.last_mut() {
            Some((s, t)) if *s == seg => t.push_str(text),
            _ => self.segs.push((seg, text.to_string())),
        }
        self.line_seg = Some(seg);
        let mut parts = text.split('\n').peekable();
        while let Some(part) = parts.next() {
            let more = parts.peek().is_some();
            if seg == Seg::Answer {
                if self.open.src.is_empty() {
                    self.open.first_row = self.rows.len();
                }
                if self.line.is_empty() && !part.is_empty() {
                    self.line_starts(part);
                }
                self.open.src.push_str(part);
                if more {
                    self.open.src.push('\n');
                }
            }
            if !part.is_empty() {
                self.line.push_str(part);
                self.rewrap_tail(seg);
            } else if more && self.line_row_starts.is_empty() {
                // An empty logical line still takes one row.
                self.rewrap_tail(seg);
            }
            if more {
                self.finish_line(seg);
            }
        }
    }

    fn end_line(&mut self) {
        if let Some(seg) = self.line_seg
            && !self.line.is_empty()
        {
            self.finish_line(seg);
        }
    }

    fn finish_line(&mut self, seg: Seg) {
        let mut close_after = false;
        if seg == Seg::Answer {
            if self.line.trim_start().starts_with("```") {
                self.in_code = !self.in_code;
            }
            close_after = self.line_ends();
        }
        self.line.clear();
        self.line_row_starts.clear();
        self.line_first_row = self.rows.len();
        if close_after {
            self.close_open();
        }
    }

    /// A new answer line begins with `part`: after a blank line, unindented text starts a block.
    fn line_starts(&mut self, part: &str) {
        let o = &self.open;
        if o.blank && o.fence.is_none() && part.starts_with(|c: char| !c.is_whitespace()) {
            self.close_open();
        }
    }

    /// The answer line in `self.line` is complete. Fences and headings are blocks of their own;
    /// returns whether the block closes with this line.
    fn line_ends(&mut self) -> bool {
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
    fn close_open(&mut self) {
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
            markdown::lay_out(&parsed, self.width, &mut self.rows, &mut self.code);
            let gap = &src[src.trim_end().len()..];
            if gap.matches('\n').count() >= 2 {
                self.rows.push(Row::plain(String::new(), RowKind::Text));
            }
        }
        self.open.first_row = self.rows.len();
        self.line_first_row = self.rows.len();
    }

    fn rewrap_tail(&mut self, seg: Seg) {
        let kind = classify(seg, &self.line, self.in_code);
        // Rows before the last one of this line are final; re-wrap from the last one.
        let from_row = self.line_row_starts.len().saturating_sub(1);
        let from_byte = self.line_row_starts.get(from_row).copied().unwrap_or(0);
        self.line_row_starts.truncate(from_row);
        wrap_starts(&self.line, from_byte, self.width, &mut self.line_row_starts);
        self.rows.truncate(self.line_first_row + from_row);
        let starts = &self.line_row_starts;
        for (i, &s) in starts.iter().enumerate().skip(from_row) {
            let e = starts.get(i + 1).copied().unwrap_or(self.line.len());
            self.rows
                .push(Row::plain(self.line[s..e].trim_end().to_string(), kind));
        }
        // The line's kind can settle only after its first characters ("#" -> "## Title").
        if from_row > 0 && self.rows[self.line_first_row].kind != kind {
            for r in &mut self.rows[self.line_first_row..] {
                r.kind = kind;
            }
        }
    }
}

fn classify(seg: Seg, line: &str, in_code: bool) -> RowKind {
    match seg {
        Seg::User => RowKind::User,
        Seg::Reasoning => RowKind::Reasoning,
        Seg::Error => RowKind::Error,
        Seg::Info => RowKind::Info,
        Seg::Answer => {
            let t = line.trim_start();
            if t.starts_with("```") {
                RowKind::Fence
            } else if in_code {
                RowKind::Code
            } else if t.starts_with('#') {
                RowKind::Heading
            } else if t.starts_with("- ") || t.starts_with("* ") || starts_numbered(t) {
                RowKind::List
            } else if t.starts_with('>') {
                RowKind::Quote
            } else {
                RowKind::Text
            }
        }
    }
}

fn starts_numbered(t: &str) -> bool {
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && t[digits..].starts_with(". ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &Transcript) -> Vec<&str> {
        t.rows().iter().map(|r| r.text.as_str()).collect()
    }

    #[test]
    fn wraps_words_and_breaks_long_ones() {
        let mut t = Transcript::new(10);
        t.push(Seg::Answer, "hello world this is x\nabcdefghijklmnop");
        assert_eq!(
            texts(&t),
            vec!["hello", "world this", "is x", "abcdefghij", "klmnop"]
        );
    }

    #[test]
    fn incremental_equals_one_shot_at_any_chunking() {
        let text = "# Title here\n\nSome words that wrap across rows nicely.\n```rust\nfn main() { println!(\"hi\"); }\n```\n- item one is long enough to wrap\n1. numbered\n\nverylongwordwithoutanyspacesatall end";
        for raw in [false, true] {
            let mut whole = Transcript::new(12);
            whole.set_raw(raw);
            whole.push(Seg::Answer, text);
            whole.seal();
            for step in 1..8 {
                let mut inc = Transcript::new(12);
                inc.set_raw(raw);
                let chars: Vec<char> = text.chars().collect();
                for c in chars.chunks(step) {
                    inc.push(Seg::Answer, &c.iter().collect::<String>());
                }
                inc.seal();
                assert_eq!(inc.rows(), whole.rows(), "step {step} raw {raw}");
                assert_eq!(inc.code_blocks(), whole.code_blocks());
            }
            let kinds: Vec<RowKind> = whole.rows().iter().map(|r| r.kind).collect();
            assert_eq!(kinds[0], RowKind::Heading);
            assert!(kinds.contains(&RowKind::Fence));
            assert!(kinds.contains(&RowKind::Code));
            assert_eq!(whole.code_blocks().len(), usize::from(!raw));
        }
    }

    fn texts_all(t: &Transcript) -> Vec<String> {
        t.rows().iter().map(|r| r.text.clone()).collect()
    }

    #[test]
    fn blocks_render_as_they_close_and_an_open_fence_stays_plain() {
        let mut t = Transcript::new(40);
        t.push(Seg::Answer, "Some **bold** text.\n\n```python\nprint(1)\n");
        // The paragraph closed when the fence began: rendered, markers gone.
        assert_eq!(t.rows()[0].text, "Some bold text.");
        assert!(!t.rows()[0].runs.is_empty());
        // The fence is still open: shown as written, plain, nothing to copy yet.
        let shown = texts_all(&t);
        assert!(shown.contains(&"```python".to_string()), "{shown:?}");
        assert!(t.code_blocks().is_empty());
        let v = t.version();
        t.push(Seg::Answer, "```\nafter");
        assert!(t.version() > v);
        let shown = texts_all(&t);
        assert!(shown.contains(&"▌ python".to_string()), "{shown:?}");
        assert_eq!(t.code_blocks().len(), 1);
        assert_eq!(t.code_blocks()[0].code, "print(1)");
        // The last paragraph is open until the answer ends.
        assert_eq!(shown.last().unwrap(), "after");
        t.seal();
        assert_eq!(texts_all(&t).last().unwrap(), "after");
        // Raw shows everything as written, and back again.
        t.set_raw(true);
        assert!(texts_all(&t).contains(&"Some **bold** text.".to_string()));
        t.set_raw(false);
        assert_eq!(t.rows()[0].text, "Some bold text.");
    }

    #[test]
    fn a_resize_keeps_an_open_block_open() {
        let mut t = Transcript::new(40);
        t.push(Seg::Answer, "para one\n\n**still writing");
        t.set_width(30);
        assert_eq!(texts_all(&t).last().unwrap(), "**still writing");
        t.push(Seg::Answer, "**\n");
        t.seal();
        assert_eq!(texts_all(&t).last().unwrap(), "still writing");
    }

    #[test]
    fn resize_rewraps_everything_and_segments_stay_apart() {
        let mut t = Transcript::new(40);
        t.block(Seg::User, "a question");
        t.block(Seg::Reasoning, "thinking about it");
        t.push(Seg::Answer, "the answer");
        let kinds: Vec<RowKind> = t.rows().iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            vec![
                RowKind::User,
                RowKind::Info,
                RowKind::Reasoning,
                RowKind::Text
            ]
        );
        let before = t.rows().to_vec();
        t.set_width(5);
        assert!(t.rows().len() > before.len());
        t.set_width(40);
        assert_eq!(t.rows(), &before[..]);
    }

    #[test]
    fn wide_chars_count_double() {
        let mut t = Transcript::new(4);
        t.push(Seg::Answer, "日本語です");
        assert_eq!(texts(&t), vec!["日本", "語で", "す"]);
    }
}

//! A pane's text, wrapped once, incrementally, as it arrives.
//!
//! Appending re-wraps only the last row of the line being written (greedy wrapping never changes
//! earlier rows), so the cost of a chunk does not grow with the length of the response, and
//! drawing takes just the visible rows. A width change re-wraps everything once.

use std::sync::Arc;

use crate::markdown::{Parsed, wrap_starts};

mod blocks;
pub use crate::markdown::{CodeSpan, Row, RowKind};
use blocks::OpenBlock;

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
mod tests;

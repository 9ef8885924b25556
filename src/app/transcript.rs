//! A pane's text, wrapped once, incrementally, as it arrives.
//!
//! Appending re-wraps only the last row of the line being written (greedy wrapping never changes
//! earlier rows), so the cost of a chunk does not grow with the length of the response, and
//! drawing takes just the visible rows. A width change re-wraps everything once.

use unicode_width::UnicodeWidthChar;

/// What a segment of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg {
    User,
    Reasoning,
    Answer,
    Error,
    Info,
}

/// How a row is drawn; the theme maps kinds to styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    User,
    Reasoning,
    Text,
    Heading,
    Code,
    Fence,
    List,
    Quote,
    Error,
    Info,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub text: String,
    pub kind: RowKind,
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
        if width == self.width {
            return;
        }
        let segs = std::mem::take(&mut self.segs);
        *self = Self {
            width,
            ..Default::default()
        };
        for (seg, text) in segs {
            self.push(seg, &text);
        }
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
        if self.line_seg.is_some_and(|s| s != seg) {
            self.end_line();
        }
        match self.segs.last_mut() {
            Some((s, t)) if *s == seg => t.push_str(text),
            _ => self.segs.push((seg, text.to_string())),
        }
        self.line_seg = Some(seg);
        let mut parts = text.split('\n').peekable();
        while let Some(part) = parts.next() {
            let more = parts.peek().is_some();
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
        if seg == Seg::Answer && self.line.trim_start().starts_with("```") {
            self.in_code = !self.in_code;
        }
        self.line.clear();
        self.line_row_starts.clear();
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
            self.rows.push(Row {
                text: self.line[s..e].trim_end().to_string(),
                kind,
            });
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

/// Greedy word wrap of `text[from..]`, pushing the byte offset where each row starts.
fn wrap_starts(text: &str, from: usize, width: usize, starts: &mut Vec<usize>) {
    let mut row_start = from;
    starts.push(row_start);
    let mut col = 0;
    // Where the current row could break: just after the last space.
    let mut break_at: Option<(usize, usize)> = None;
    for (i, ch) in text[from..].char_indices() {
        let i = i + from;
        let w = if ch == '\t' {
            4
        } else {
            ch.width().unwrap_or(0)
        };
        // A space may hang past the edge: it is trimmed, and the break comes after it.
        if col + w > width && i > row_start && ch != ' ' {
            let (next, carried) = match break_at {
                Some((b, bcol)) if b > row_start => (b, col - bcol),
                _ => (i, 0),
            };
            row_start = next;
            starts.push(row_start);
            col = carried;
            break_at = None;
        }
        col += w;
        if ch == ' ' {
            break_at = Some((i + 1, col));
        }
    }
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
        let mut whole = Transcript::new(12);
        whole.push(Seg::Answer, text);
        for step in 1..8 {
            let mut inc = Transcript::new(12);
            let chars: Vec<char> = text.chars().collect();
            for c in chars.chunks(step) {
                inc.push(Seg::Answer, &c.iter().collect::<String>());
            }
            assert_eq!(inc.rows(), whole.rows(), "step {step}");
        }
        let kinds: Vec<RowKind> = whole.rows().iter().map(|r| r.kind).collect();
        assert_eq!(kinds[0], RowKind::Heading);
        assert!(kinds.contains(&RowKind::Fence));
        assert!(kinds.contains(&RowKind::Code));
        assert!(kinds.contains(&RowKind::List));
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

//! Markdown for the panes. A closed block of an answer is parsed once (pulldown-cmark) into
//! width-independent styled lines, its code coloured by syntect grammars (two-face's set); laying
//! those out at a width wraps them into rows. Styles are semantic (`Tint`, `Mark`): the theme
//! turns them into colours, so `NO_COLOR` keeps bold, italics, bullets, bars and borders.

pub mod diff;
pub mod highlight;
mod layout;
mod parse;
mod table;
#[cfg(test)]
mod tests;

pub use highlight::warm_up;
pub use layout::lay_out;
pub use parse::parse;

use unicode_width::UnicodeWidthChar;

/// How a row is drawn as a whole; the theme maps kinds to styles, runs refine them.
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

/// A colour slot of the theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tint {
    Dim,
    Heading,
    Code,
    Link,
    Keyword,
    Str,
    Comment,
    Number,
    Function,
    Type,
    /// Diffs: text only one side has.
    Added,
    Removed,
}

/// The style of a run of text: an optional colour slot (else the row's) and modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Mark {
    pub tint: Option<Tint>,
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
    pub strike: bool,
}

impl Mark {
    pub const PLAIN: Mark = Mark {
        tint: None,
        bold: false,
        italic: false,
        underline: false,
        strike: false,
    };

    pub fn tint(t: Tint) -> Mark {
        Mark {
            tint: Some(t),
            ..Mark::PLAIN
        }
    }

    pub fn bold(self) -> Mark {
        Mark { bold: true, ..self }
    }
}

/// `text[previous end..end]` is drawn with `mark`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub end: u32,
    pub mark: Mark,
}

/// One screen row of a pane, already wrapped to the pane's width.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub text: String,
    pub kind: RowKind,
    /// Styled runs covering `text`; empty: all of it in the kind's style.
    pub runs: Vec<Run>,
}

impl Row {
    pub fn plain(text: String, kind: RowKind) -> Self {
        Row {
            text,
            kind,
            runs: Vec::new(),
        }
    }
}

/// Styled text as a list of pieces: a line's body, a prefix, a table cell.
pub type Spans = Vec<(String, Mark)>;

/// Builds a row's text and runs piece by piece, merging neighbours of one style.
#[derive(Debug, Default)]
pub struct RowBuilder {
    text: String,
    runs: Vec<Run>,
}

impl RowBuilder {
    pub fn push(&mut self, s: &str, mark: Mark) {
        if s.is_empty() {
            return;
        }
        self.text.push_str(s);
        let end = self.text.len() as u32;
        match self.runs.last_mut() {
            Some(r) if r.mark == mark => r.end = end,
            _ => self.runs.push(Run { end, mark }),
        }
    }

    pub fn push_spans(&mut self, spans: &[(String, Mark)]) {
        for (s, m) in spans {
            self.push(s, *m);
        }
    }

    /// The text and its runs so far, piece by piece.
    pub fn pieces(&self) -> impl Iterator<Item = (&str, Mark)> {
        let mut start = 0;
        self.runs.iter().map(move |r| {
            let s = &self.text[start..r.end as usize];
            start = r.end as usize;
            (s, r.mark)
        })
    }

    pub fn into_parts(self) -> (String, Vec<Run>) {
        (self.text, self.runs)
    }

    pub fn finish(mut self, kind: RowKind) -> Row {
        // Trailing spaces would only paint the background; the wrap trims them too.
        let keep = self.text.trim_end().len();
        self.text.truncate(keep);
        let mut prev = 0;
        self.runs.retain_mut(|r| {
            r.end = r.end.min(keep as u32);
            let nonempty = r.end > prev;
            prev = r.end;
            nonempty
        });
        if self.runs.iter().all(|r| r.mark == Mark::PLAIN) {
            self.runs.clear();
        }
        Row {
            text: self.text,
            kind,
            runs: self.runs,
        }
    }
}

pub fn char_width(ch: char) -> usize {
    if ch == '\t' {
        4
    } else {
        ch.width().unwrap_or(0)
    }
}

pub fn str_width(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    s.chars().map(char_width).sum()
}

/// Greedy word wrap of `text[from..]` at `width` columns, pushing the byte offset where each row
/// starts. A word longer than a row is broken where the row ends.
pub fn wrap_starts(text: &str, from: usize, width: usize, starts: &mut Vec<usize>) {
    let width = width.max(1);
    let mut row_start = from;
    starts.push(row_start);
    let mut col = 0;
    // Where the current row could break: just after the last space.
    let mut break_at: Option<(usize, usize)> = None;
    for (i, ch) in text[from..].char_indices() {
        let i = i + from;
        let w = char_width(ch);
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

/// `text` as lines of at most `width` terminal columns, broken between words (runs of white
/// space become one space); a word longer than a line is broken where the line ends.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut starts = Vec::new();
    wrap_starts(&text, 0, width, &mut starts);
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    starts
        .iter()
        .zip(ends)
        .map(|(&a, b)| text[a..b].trim_end().to_string())
        .collect()
}

/// Hard wrap (code): rows of exactly `width` columns, breaking anywhere.
pub fn wrap_chars(text: &str, width: usize, starts: &mut Vec<usize>) {
    let width = width.max(1);
    starts.push(0);
    let mut col = 0;
    for (i, ch) in text.char_indices() {
        let w = char_width(ch);
        if col + w > width && i > 0 {
            starts.push(i);
            col = 0;
        }
        col += w;
    }
}

/// A parsed block, independent of the width it is shown at.
#[derive(Debug, Clone, PartialEq)]
pub enum Elem {
    /// Text that wraps; continuation rows take `rest` as their prefix.
    Line {
        first: Spans,
        rest: Spans,
        body: Spans,
        kind: RowKind,
        /// Code: break anywhere and keep spaces.
        hard: bool,
    },
    /// A horizontal rule across the width.
    Rule {
        prefix: Spans,
    },
    Table {
        prefix: Spans,
        table: table::Table,
    },
    /// A fenced or indented code block: which lines of the block's rows it is, for copying.
    CodeStart {
        lang: String,
        code: String,
    },
    CodeEnd,
}

pub type Parsed = Vec<Elem>;

/// A code block as laid out: its rows, language and text (for copy mode).
#[derive(Debug, Clone, PartialEq)]
pub struct CodeSpan {
    pub rows: std::ops::Range<usize>,
    pub lang: String,
    pub code: String,
}

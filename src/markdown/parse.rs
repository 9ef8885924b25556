//! pulldown-cmark events to width-independent styled lines.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::table::{Align, Table};
use super::{Elem, Mark, Parsed, RowKind, Spans, Tint, highlight};

/// A container that prefixes its lines: a block quote's bar, a list item's bullet.
struct Container {
    first: Spans,
    rest: Spans,
    used: bool,
}

#[derive(Default)]
struct Inline {
    bold: u8,
    italic: u8,
    strike: u8,
    link: u8,
    heading: bool,
}

impl Inline {
    fn mark(&self) -> Mark {
        Mark {
            tint: if self.link > 0 {
                Some(Tint::Link)
            } else if self.heading {
                Some(Tint::Heading)
            } else {
                None
            },
            bold: self.bold > 0 || self.heading,
            italic: self.italic > 0,
            underline: self.link > 0,
            strike: self.strike > 0,
        }
    }
}

#[derive(Default)]
struct Building {
    out: Parsed,
    stack: Vec<Container>,
    /// The next number of each open list (`None`: bullets).
    lists: Vec<Option<u64>>,
    inline: Inline,
    body: Spans,
    kind: Option<RowKind>,
    need_blank: bool,
    quotes: usize,
    links: Vec<String>,
    code: Option<(String, String)>,
    table: Option<(Table, bool, Vec<Spans>)>,
    /// Containers past `MAX_DEPTH`, opened but not drawn.
    too_deep: usize,
}

const BULLETS: [&str; 3] = ["• ", "◦ ", "▪ "];

/// Quotes and list items nested deeper than this add no more indentation: a hostile answer of
/// thousands of `>` must not make every row thousands of columns of prefix.
const MAX_DEPTH: usize = 12;

/// Parse one closed block of markdown.
pub fn parse(src: &str) -> Parsed {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut b = Building::default();
    for ev in Parser::new_ext(src, opts) {
        b.event(ev);
    }
    b.flush();
    b.out
}

impl Building {
    fn push_container(&mut self, c: Container) {
        if self.stack.len() >= MAX_DEPTH {
            self.too_deep += 1;
        } else {
            self.stack.push(c);
        }
    }

    fn pop_container(&mut self) {
        if self.too_deep > 0 {
            self.too_deep -= 1;
        } else {
            self.stack.pop();
        }
    }

    fn prefixes(&mut self) -> (Spans, Spans) {
        let (mut first, mut rest) = (Spans::new(), Spans::new());
        for c in &mut self.stack {
            first.extend(if c.used { &c.rest } else { &c.first }.iter().cloned());
            rest.extend(c.rest.iter().cloned());
            c.used = true;
        }
        (first, rest)
    }

    fn line_kind(&self) -> RowKind {
        self.kind.unwrap_or(if self.quotes > 0 {
            RowKind::Quote
        } else {
            RowKind::Text
        })
    }

    /// End the line being written, if it has anything.
    fn flush(&mut self) {
        if self.body.is_empty() {
            return;
        }
        let (first, rest) = self.prefixes();
        let body = std::mem::take(&mut self.body);
        let kind = self.line_kind();
        self.out.push(Elem::Line {
            first,
            rest,
            body,
            kind,
            hard: false,
        });
    }

    fn blank(&mut self) {
        let rest: Spans = self.stack.iter().flat_map(|c| c.rest.clone()).collect();
        let kind = self.line_kind();
        self.out.push(Elem::Line {
            first: rest.clone(),
            rest,
            body: Spans::new(),
            kind,
            hard: false,
        });
    }

    /// A block element starts: one blank line after the previous block.
    fn open_block(&mut self) {
        self.flush();
        if self.need_blank {
            self.blank();
            self.need_blank = false;
        }
    }

    fn text(&mut self, s: &str, mark: Mark) {
        if let Some((_, code)) = &mut self.code {
            code.push_str(s);
        } else if let Some((_, _, cells)) = &mut self.table {
            if let Some(cell) = cells.last_mut() {
                push_span(cell, s, mark);
            }
        } else {
            push_span(&mut self.body, s, mark);
        }
    }

    fn event(&mut self, ev: Event) {
        match ev {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.text(&t, self.inline.mark()),
            Event::Code(t) => {
                let m = Mark {
                    tint: Some(Tint::Code),
                    ..self.inline.mark()
                };
                self.text(&t, m);
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t, Mark::tint(Tint::Code)),
            Event::Html(t) | Event::InlineHtml(t) => {
                for (i, l) in t.lines().enumerate() {
                    if i > 0 {
                        self.flush();
                    }
                    self.text(l, Mark::tint(Tint::Dim));
                }
            }
            Event::FootnoteReference(t) => self.text(&format!("[^{t}]"), Mark::tint(Tint::Dim)),
            Event::SoftBreak => self.text(" ", self.inline.mark()),
            Event::HardBreak => self.flush(),
            Event::Rule => {
                self.open_block();
                let (prefix, _) = self.prefixes();
                self.out.push(Elem::Rule { prefix });
                self.need_blank = true;
            }
            Event::TaskListMarker(done) => {
                let (s, m) = if done {
                    ("[x] ", Mark::tint(Tint::Keyword))
                } else {
                    ("[ ] ", Mark::tint(Tint::Dim))
                };
                self.text(s, m);
            }
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Paragraph => self.open_block(),
            Tag::Heading { level, .. } => {
                self.open_block();
                self.inline.heading = true;
                self.kind = Some(RowKind::Heading);
                let n = heading_level(level);
                self.text(&format!("{} ", "#".repeat(n)), Mark::tint(Tint::Dim).bold());
            }
            Tag::BlockQuote(_) => {
                self.open_block();
                self.quotes += 1;
                let bar = vec![("│ ".to_string(), Mark::tint(Tint::Dim))];
                self.push_container(Container {
                    first: bar.clone(),
                    rest: bar,
                    used: false,
                });
            }
            Tag::CodeBlock(kind) => {
                self.open_block();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
                        .next()
                        .unwrap_or("")
                        .to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::List(start) => {
                if self.lists.is_empty() {
                    self.open_block();
                } else {
                    self.flush();
                }
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => BULLETS[depth % BULLETS.len()].to_string(),
                };
                let pad = " ".repeat(super::str_width(&marker));
                self.push_container(Container {
                    first: vec![(marker, Mark::tint(Tint::Dim).bold())],
                    rest: vec![(pad, Mark::PLAIN)],
                    used: false,
                });
            }
            Tag::Table(aligns) => {
                self.open_block();
                let aligns = aligns.iter().map(|a| Align::from(*a)).collect();
                self.table = Some((Table::new(aligns), true, Vec::new()));
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some((_, _, cells)) = &mut self.table {
                    cells.clear();
                }
            }
            Tag::TableCell => {
                if let Some((_, _, cells)) = &mut self.table {
                    cells.push(Spans::new());
                }
            }
            Tag::Emphasis => self.inline.italic += 1,
            Tag::Strong => self.inline.bold += 1,
            Tag::Strikethrough => self.inline.strike += 1,
            Tag::Link { dest_url, .. } => {
                self.inline.link += 1;
                self.links.push(dest_url.to_string());
            }
            Tag::Image { dest_url, .. } => {
                self.text("[image: ", Mark::tint(Tint::Dim));
                self.links.push(dest_url.to_string());
            }
            Tag::HtmlBlock => self.open_block(),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock => {
                self.flush();
                self.need_blank = true;
            }
            TagEnd::Heading(_) => {
                self.flush();
                self.inline.heading = false;
                self.kind = None;
                self.need_blank = true;
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.pop_container();
                self.quotes = self.quotes.saturating_sub(1);
                self.need_blank = true;
            }
            TagEnd::CodeBlock => self.end_code(),
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                self.need_blank = self.lists.is_empty();
            }
            TagEnd::Item => {
                self.flush();
                self.pop_container();
            }
            TagEnd::Table => {
                let (prefix, _) = self.prefixes();
                if let Some((table, _, _)) = self.table.take() {
                    self.out.push(Elem::Table { prefix, table });
                }
                self.need_blank = true;
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some((table, head, cells)) = &mut self.table {
                    let cells = std::mem::take(cells);
                    if *head {
                        table.head = cells;
                        *head = false;
                    } else {
                        table.rows.push(cells);
                    }
                }
            }
            TagEnd::Emphasis => self.inline.italic = self.inline.italic.saturating_sub(1),
            TagEnd::Strong => self.inline.bold = self.inline.bold.saturating_sub(1),
            TagEnd::Strikethrough => self.inline.strike = self.inline.strike.saturating_sub(1),
            TagEnd::Link => {
                self.inline.link = self.inline.link.saturating_sub(1);
                self.end_link(false);
            }
            TagEnd::Image => self.end_link(true),
            _ => {}
        }
    }

    /// A link shows its address after the text, unless the text is the address.
    fn end_link(&mut self, image: bool) {
        let Some(url) = self.links.pop() else { return };
        let shown = url.trim_start_matches("mailto:");
        let text_is_url = self.body.last().is_some_and(|(s, _)| s == shown);
        if image {
            self.text(&format!("]({url})"), Mark::tint(Tint::Dim));
        } else if !url.is_empty() && !text_is_url && self.table.is_none() {
            self.text(&format!(" ({url})"), Mark::tint(Tint::Dim));
        }
    }

    fn end_code(&mut self) {
        let Some((lang, code)) = self.code.take() else {
            return;
        };
        let code = code.strip_suffix('\n').unwrap_or(&code).to_string();
        let (first, rest) = self.prefixes();
        let bar = (String::from("▌ "), Mark::tint(Tint::Dim));
        let label = if lang.is_empty() { "code" } else { &lang };
        self.out.push(Elem::CodeStart {
            lang: lang.clone(),
            code: code.clone(),
        });
        let with_bar = |p: &Spans| {
            let mut p = p.clone();
            p.push(bar.clone());
            p
        };
        self.out.push(Elem::Line {
            first: with_bar(&first),
            rest: with_bar(&rest),
            body: vec![(
                label.to_string(),
                Mark {
                    italic: true,
                    ..Mark::tint(Tint::Dim)
                },
            )],
            kind: RowKind::Fence,
            hard: false,
        });
        for line in highlight::highlight(&lang, &code) {
            self.out.push(Elem::Line {
                first: with_bar(&rest),
                rest: with_bar(&rest),
                body: line,
                kind: RowKind::Code,
                hard: true,
            });
        }
        self.out.push(Elem::CodeEnd);
        self.need_blank = true;
    }
}

fn heading_level(l: HeadingLevel) -> usize {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Text after a piece of the same style joins it: the parser splits a paragraph's text at
/// entities, quotes and line breaks, and a piece each would be a string each.
fn push_span(spans: &mut Spans, s: &str, mark: Mark) {
    match spans.last_mut() {
        Some((last, m)) if *m == mark => last.push_str(s),
        _ => spans.push((s.to_string(), mark)),
    }
}

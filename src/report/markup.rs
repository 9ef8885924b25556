//! Model output as safe HTML: Markdown rendered with no raw HTML at all (it shows as text), links
//! kept only to http(s) and mailto, images shown as their alt text (a report loads nothing), code
//! coloured by the same grammars as the workbench, and a word diff marked. Pure.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::markdown::{Mark, Spans, Tint};

/// Escape text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A link target a report may hold: absolute http(s) or mailto, nothing that runs or loads.
fn safe_url(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    u.starts_with("https://") || u.starts_with("http://") || u.starts_with("mailto:")
}

fn class(t: Tint) -> &'static str {
    match t {
        Tint::Dim => "t-dim",
        Tint::Heading => "t-heading",
        Tint::Code => "t-code",
        Tint::Link => "t-link",
        Tint::Keyword => "t-kw",
        Tint::Str => "t-str",
        Tint::Comment => "t-comment",
        Tint::Number => "t-num",
        Tint::Function => "t-fn",
        Tint::Type => "t-type",
        Tint::Added => "t-add",
        Tint::Removed => "t-del",
    }
}

/// Marked lines as HTML: each span escaped, wrapped in a class for its colour.
pub fn spans(lines: &[Spans]) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (text, mark) in line {
            push_span(&mut out, text, *mark);
        }
    }
    out
}

fn push_span(out: &mut String, text: &str, mark: Mark) {
    let tag = match mark {
        m if m.strike => Some("del"),
        m if m.underline && m.tint == Some(Tint::Added) => Some("ins"),
        _ => None,
    };
    let class = mark.tint.map(class);
    if let Some(t) = tag {
        out.push_str(&format!("<{t}>"));
    }
    match class {
        Some(c) => out.push_str(&format!("<span class=\"{c}\">{}</span>", escape(text))),
        None => out.push_str(&escape(text)),
    }
    if let Some(t) = tag {
        out.push_str(&format!("</{t}>"));
    }
}

/// The longest code block coloured; longer ones are shown plain.
const MAX_COLOURED: usize = 64 * 1024;

fn code_block(lang: &str, code: &str) -> String {
    let body = if code.len() <= MAX_COLOURED {
        spans(&crate::markdown::highlight::highlight(lang, code))
    } else {
        escape(code)
    };
    format!("<pre><code>{}</code></pre>\n", body.trim_end_matches('\n'))
}

/// Markdown as HTML with no way for the text to add markup of its own.
pub fn markdown(text: &str) -> String {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut events: Vec<Event> = Vec::new();
    let mut code: Option<(String, String)> = None;
    for ev in Parser::new_ext(text, opts) {
        match ev {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(l) => l.split_whitespace().next().unwrap_or("").into(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, body)) = code.take() {
                    events.push(Event::Html(CowStr::from(code_block(&lang, &body))));
                }
            }
            Event::Text(t) if code.is_some() => {
                if let Some((_, body)) = code.as_mut() {
                    body.push_str(&t);
                }
            }
            // Raw HTML in an answer is text, never markup.
            Event::Html(h) | Event::InlineHtml(h) => events.push(Event::Text(h)),
            // An image is its alt text: a report loads nothing.
            Event::Start(Tag::Image { .. }) => events.push(Event::Text("[image: ".into())),
            Event::End(TagEnd::Image) => events.push(Event::Text("]".into())),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = if safe_url(&dest_url) {
                    dest_url
                } else {
                    CowStr::from("")
                };
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                }));
            }
            other => events.push(other),
        }
    }
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    // A link whose target was dropped keeps its text, not an empty href.
    out.replace("<a href=\"\">", "<a>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_stays_text() {
        let hostile = "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n\
                       [click](javascript:alert(3)) [ok](https://example.com/a?b=1&c=\"2\")\n\n\
                       ![pic](https://tracker.example/p.png)\n\n</style><b>bold?</b>\n\n\
                       [data](data:text/html;base64,PHNjcmlwdD4=) <a href=\"javascript:x\">a</a>";
        let html = markdown(hostile);
        for bad in [
            "<script",
            "<img",
            "<a href=\"javascript",
            "<a href=\"data",
            "</style>",
            "<b>",
            "onerror=alert(2)>",
            "<a href=\"javascript",
        ] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(2)&gt;"),
            "{html}"
        );
        assert!(html.contains("<a>click</a>"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.com/a?b=1&amp;c=%222%22\">ok</a>"),
            "{html}"
        );
        assert!(html.contains("[image: pic]"), "{html}");
    }

    #[test]
    fn markdown_and_code_render_with_colours() {
        let html = markdown(
            "# Title\n\nSome *em* and `code`.\n\n```rust\nfn main() { let x = 1; }\n```\n\n| a | b |\n|---|---|\n| 1 | <2> |\n",
        );
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>em</em>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        assert!(html.contains("<span class=\"t-kw\">fn</span>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("&lt;2&gt;"), "{html}");
        let big = format!("```\n{}\n```", "<x>".repeat(MAX_COLOURED));
        let html = markdown(&big);
        assert!(
            html.starts_with("<pre><code>&lt;x&gt;"),
            "plain past the limit"
        );
    }

    #[test]
    fn a_word_diff_is_marked_and_escaped() {
        let d = crate::markdown::diff::word_diff("a <b> c", "a <d> c");
        let html = spans(&d.lines);
        assert!(
            html.contains("<del><span class=\"t-del\">&lt;b&gt;</span></del>"),
            "{html}"
        );
        assert!(
            html.contains("<ins><span class=\"t-add\">&lt;d&gt;</span></ins>"),
            "{html}"
        );
        assert_eq!(escape("'\"&<>"), "&#39;&quot;&amp;&lt;&gt;");
    }
}

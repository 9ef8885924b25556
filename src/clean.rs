//! Making server text safe to show: control and escape sequences out of what goes to a terminal,
//! and an HTML or plain-text error page down to one readable line.

/// `s` without terminal control: ESC sequences (CSI, OSC, and two-byte ones) and every other
/// control character except newline and tab are removed; carriage returns become newlines.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let clean = |c: char| !c.is_control() || c == '\n' || c == '\t';
    if s.chars().all(clean) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI and OSC introducers.
            '\u{9b}' => skip_until_final(&mut chars),
            '\u{9d}' => skip_string(&mut chars),
            '\r' if chars.peek() != Some(&'\n') => out.push('\n'),
            '\r' => {}
            c if clean(c) => out.push(c),
            _ => {}
        }
    }
    std::borrow::Cow::Owned(out)
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_until_final(chars),
        Some(']' | 'P' | '_' | '^' | 'X') => skip_string(chars),
        // Two-byte sequences (ESC c, ESC 7, ...) and intermediates: drop one more.
        _ => {}
    }
}

/// A CSI sequence ends at its final byte, 0x40..=0x7e.
fn skip_until_final(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// An OSC (or DCS, APC...) string ends at BEL or ST (ESC \).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' if chars.peek() == Some(&'\\') => {
                chars.next();
                break;
            }
            _ => {}
        }
    }
}

/// One readable line from an error page: an HTML page's `<title>` (else its text without tags),
/// or a plain body's first non-empty line; whitespace collapsed, at most `max` characters.
pub fn plain_line(body: &str, max: usize) -> String {
    let lower = body.to_ascii_lowercase();
    let looks_html =
        lower.contains("<html") || lower.contains("<!doctype") || lower.contains("<body");
    let text = if looks_html {
        match (lower.find("<title>"), lower.find("</title>")) {
            (Some(a), Some(b)) if b > a + 7 => strip_tags(&body[a + 7..b]).replace('\n', " "),
            _ => strip_tags(body),
        }
    } else {
        body.to_string()
    };
    let line = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let line = terminal_safe(&line).into_owned();
    if line.chars().count() > max {
        let cut: String = line.chars().take(max).collect();
        format!("{cut}…")
    } else {
        line
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    let lower = html.to_ascii_lowercase();
    let mut skip_until: Option<&str> = None;
    let mut i = 0;
    while i < html.len() {
        let rest = &lower[i..];
        if let Some(end) = skip_until {
            match rest.find(end) {
                Some(j) => {
                    i += j + end.len();
                    skip_until = None;
                    continue;
                }
                None => break,
            }
        }
        if !in_tag && (rest.starts_with("<script") || rest.starts_with("<style")) {
            skip_until = Some(if rest.starts_with("<script") {
                "</script>"
            } else {
                "</style>"
            });
            continue;
        }
        let c = html[i..].chars().next().unwrap_or(' ');
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push('\n');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
        i += c.len_utf8();
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_are_removed() {
        let hostile = "ok\u{1b}]0;pwned title\u{7}\u{1b}[2J\u{1b}[31mred\u{1b}[0m\u{1b}c\r\nnext\u{0}\u{8}\tend\u{9b}1;2Hx";
        assert_eq!(terminal_safe(hostile), "okred\nnext\tendx");
        assert!(matches!(
            terminal_safe("plain\ttext\n"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(terminal_safe("a\rb"), "a\nb");
        assert_eq!(
            terminal_safe("osc \u{1b}]8;;http://x\u{1b}\\link"),
            "osc link"
        );
    }

    #[test]
    fn error_pages_become_one_line() {
        let page = "<!DOCTYPE html>\n<html><head><title>503 Service\n Temporarily Unavailable</title>\
                    <style>body{}</style></head><body><h1>503</h1><p>nginx</p></body></html>";
        assert_eq!(plain_line(page, 200), "503 Service Temporarily Unavailable");
        let untitled =
            "<html><body><script>var x = '<b>';</script>\n<h1>Bad &amp; gone</h1></body></html>";
        assert_eq!(plain_line(untitled, 200), "Bad & gone");
        assert_eq!(
            plain_line("\n\n  upstream   timed out \nmore", 200),
            "upstream timed out"
        );
        assert_eq!(
            plain_line(&"x".repeat(500), 10),
            format!("{}…", "x".repeat(10))
        );
        assert_eq!(plain_line("", 10), "");
    }
}

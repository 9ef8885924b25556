//! Parsed lines to rows at a width.

use super::{
    CodeSpan, Elem, Mark, Parsed, Row, RowBuilder, RowKind, Run, Spans, Tint, str_width,
    wrap_chars, wrap_starts,
};

fn flatten(spans: &Spans) -> (String, Vec<Run>) {
    let mut b = RowBuilder::default();
    b.push_spans(spans);
    b.into_parts()
}

/// Append `text[a..b]` with its styles.
fn push_slice(b: &mut RowBuilder, text: &str, runs: &[Run], a: usize, e: usize) {
    let mut start = 0;
    for r in runs {
        let end = r.end as usize;
        let (s, t) = (start.max(a), end.min(e));
        if s < t {
            b.push(&text[s..t], r.mark);
        }
        start = end;
    }
}

/// Wrap one styled line: the first row takes `first` as its prefix, the others `rest`.
pub fn wrap_line(
    first: &Spans,
    rest: &Spans,
    (text, runs): (&str, &[Run]),
    hard: bool,
    width: usize,
    kind: RowKind,
    out: &mut Vec<Row>,
) {
    let pw = str_width(&flatten(first).0).max(str_width(&flatten(rest).0));
    let room = width.saturating_sub(pw).max(1);
    let mut starts = Vec::new();
    if hard {
        wrap_chars(text, room, &mut starts);
    } else {
        wrap_starts(text, 0, room, &mut starts);
    }
    for (i, &s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        let e = if hard {
            e
        } else {
            s + text[s..e].trim_end().len()
        };
        let mut b = RowBuilder::default();
        b.push_spans(if i == 0 { first } else { rest });
        push_slice(&mut b, text, runs, s, e);
        out.push(b.finish(kind));
    }
}

/// Lay a parsed block out at `width` columns, appending rows to `out` and the code blocks it
/// holds (rows counted in `out`) to `code`.
pub fn lay_out(parsed: &Parsed, width: usize, out: &mut Vec<Row>, code: &mut Vec<CodeSpan>) {
    let width = width.max(1);
    let mut open: Option<(usize, &str, &str)> = None;
    for elem in parsed {
        match elem {
            Elem::Line {
                first,
                rest,
                body,
                kind,
                hard,
            } => {
                let (text, runs) = flatten(body);
                wrap_line(first, rest, (&text, &runs), *hard, width, *kind, out);
            }
            Elem::Rule { prefix } => {
                let mut b = RowBuilder::default();
                b.push_spans(prefix);
                let room = width.saturating_sub(b.pieces().map(|(s, _)| str_width(s)).sum());
                b.push(&"─".repeat(room), Mark::tint(Tint::Dim));
                out.push(b.finish(RowKind::Text));
            }
            Elem::Table { prefix, table } => table.lay_out(prefix, width, out),
            Elem::CodeStart { lang, code } => open = Some((out.len(), lang, code)),
            Elem::CodeEnd => {
                if let Some((start, lang, text)) = open.take() {
                    code.push(CodeSpan {
                        rows: start..out.len(),
                        lang: lang.to_string(),
                        code: text.to_string(),
                    });
                }
            }
        }
    }
}

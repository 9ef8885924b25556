use super::*;

/// Rows as text, then every styled run as `row: "text" style`, so a snapshot shows both.
fn show(src: &str, width: usize) -> String {
    let mut rows = Vec::new();
    let mut code = Vec::new();
    lay_out(&parse(src), width, &mut rows, &mut code);
    let mut s = String::new();
    for r in &rows {
        s.push_str(&format!("|{}\n", r.text));
    }
    s.push_str("--- styles\n");
    for (i, r) in rows.iter().enumerate() {
        let mut start = 0;
        for run in &r.runs {
            let piece = &r.text[start..run.end as usize];
            start = run.end as usize;
            if run.mark != Mark::PLAIN && !piece.trim().is_empty() {
                s.push_str(&format!("{i}: {piece:?} {}\n", describe(run.mark)));
            }
        }
    }
    for c in &code {
        s.push_str(&format!("code {:?} rows {:?}\n", c.lang, c.rows));
    }
    s
}

fn describe(m: Mark) -> String {
    let mut parts = Vec::new();
    if let Some(t) = m.tint {
        parts.push(format!("{t:?}").to_lowercase());
    }
    for (on, name) in [
        (m.bold, "bold"),
        (m.italic, "italic"),
        (m.underline, "underline"),
        (m.strike, "strike"),
    ] {
        if on {
            parts.push(name.into());
        }
    }
    parts.join("+")
}

const CONSTRUCTS: &[(&str, &str)] = &[
    (
        "headings",
        "# Title\n\n## Second level\n\n### Third *with* emphasis\n\nText under it.",
    ),
    (
        "emphasis",
        "Plain, **bold**, *italic*, ***both***, ~~struck~~, `inline code` and a [link](https://example.com/docs) in one paragraph that is long enough to wrap at eighty columns for sure.",
    ),
    (
        "lists",
        "- first item\n- second item with a long text that wraps onto the next row when the pane is narrow enough, which it is at eighty\n  - nested one\n    - nested two\n- [x] done task\n- [ ] open task\n\n3. three\n4. four\n   1. sub one",
    ),
    (
        "quote",
        "> A quoted paragraph that is rather long and wraps onto another row at eighty columns wide.\n>\n> > nested quote\n\nafter",
    ),
    ("rule", "above\n\n---\n\nbelow"),
    (
        "code",
        "Here:\n\n```rust\nfn main() {\n    // a comment\n    let x = \"text\";\n    println!(\"{x} {}\", 42);\n}\n```\n\n```\nno language\n```\n\n    indented code",
    ),
    (
        "table",
        "| Model | TTFT | Cost |\n|:--|--:|:-:|\n| alpha | 120 ms | $0.10 |\n| **beta** | 95 ms | $0.25 |",
    ),
    (
        "table_wide",
        "| Name | Description | Notes |\n|---|---|---|\n| alpha | A model whose description is long enough that the table cannot fit in eighty columns of width at all | fast and cheap, good for most prompts |\n| beta | short | none |",
    ),
];

#[test]
fn every_construct_at_80_and_160_columns() {
    for (name, src) in CONSTRUCTS {
        for width in [80, 160] {
            insta::assert_snapshot!(format!("{name}_{width}"), show(src, width));
        }
    }
}

#[test]
fn a_table_too_narrow_for_columns_becomes_records() {
    let src = CONSTRUCTS.iter().find(|c| c.0 == "table_wide").unwrap().1;
    let out = show(src, 24);
    assert!(out.contains("|Name: alpha"), "{out}");
    assert!(out.contains("|Notes: none"), "{out}");
    // Wrapped cells when the columns still fit.
    let out = show(src, 60);
    assert!(out.contains(" │ "), "{out}");
    for line in out.lines().filter(|l| l.starts_with('|')) {
        assert!(str_width(line) <= 61, "{line:?} wider than 60");
    }
}

#[test]
fn nothing_is_wider_than_the_pane() {
    for (name, src) in CONSTRUCTS {
        for width in [20, 37, 80] {
            let mut rows = Vec::new();
            lay_out(&parse(src), width, &mut rows, &mut Vec::new());
            for r in &rows {
                assert!(
                    str_width(&r.text) <= width,
                    "{name} at {width}: {:?}",
                    r.text
                );
                let covered = r.runs.last().map_or(r.text.len(), |x| x.end as usize);
                assert_eq!(covered, r.text.len(), "{name}: runs cover the row");
            }
        }
    }
}

#[test]
fn code_is_coloured_by_its_grammar_and_unknown_languages_stay_plain() {
    let lines = highlight::highlight("rust", "fn main() { let s = \"x\"; } // end");
    let tints: Vec<_> = lines[0].iter().filter_map(|(_, m)| m.tint).collect();
    for t in [Tint::Keyword, Tint::Str, Tint::Comment, Tint::Function] {
        assert!(tints.contains(&t), "{t:?} in {:?}", lines[0]);
    }
    let text: String = lines[0].iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(text, "fn main() { let s = \"x\"; } // end");
    let plain = highlight::highlight("no-such-language", "a\tb\nc");
    assert_eq!(plain.len(), 2);
    assert_eq!(plain[0], vec![("a    b".to_string(), Mark::PLAIN)]);
    // TypeScript comes from two-face, not syntect's own set.
    let ts = highlight::highlight("ts", "const x: number = 1;");
    assert!(ts[0].iter().any(|(_, m)| m.tint == Some(Tint::Keyword)));
}

#[test]
fn code_spans_name_their_rows_and_text() {
    let mut rows = Vec::new();
    let mut code = Vec::new();
    rows.push(Row::plain("before".into(), RowKind::Text));
    lay_out(
        &parse("```python\nprint(1)\nprint(2)\n```"),
        40,
        &mut rows,
        &mut code,
    );
    assert_eq!(code.len(), 1);
    assert_eq!(code[0].lang, "python");
    assert_eq!(code[0].code, "print(1)\nprint(2)");
    assert_eq!(code[0].rows, 1..4);
    assert_eq!(rows[2].text, "▌ print(1)");
}

#[test]
fn hostile_nesting_is_capped_and_any_input_lays_out() {
    let deep = format!("{}deep", "> ".repeat(5_000));
    let mut rows = Vec::new();
    lay_out(&parse(&deep), 40, &mut rows, &mut Vec::new());
    assert!(rows.len() < 10, "{} rows", rows.len());
    assert!(rows.iter().all(|r| str_width(&r.text) <= 40));
    let lists: String = (0..3_000)
        .map(|i| format!("{}- x\n", "  ".repeat(i % 200)))
        .collect();
    let mut rows = Vec::new();
    lay_out(&parse(&lists), 40, &mut rows, &mut Vec::new());
    assert!(rows.iter().all(|r| r.text.len() < 200));
    // Odd input never panics: unclosed fences, stray pipes, control bytes, half a table.
    for src in [
        "```",
        "| a |\n|--|\n| b | c | d |",
        "\u{1b}[31m**x",
        "[x](",
        "> ```\n> a",
        "1.\n\n\t-",
    ] {
        for w in [1, 5, 80] {
            lay_out(&parse(src), w, &mut Vec::new(), &mut Vec::new());
        }
    }
}

#[test]
fn words_wrap_by_display_width_not_characters() {
    // Two-column characters: "日本語" is six columns wide.
    assert_eq!(
        super::wrap_words("go 日本語  tokens", 8),
        ["go", "日本語", "tokens"]
    );
    assert_eq!(super::wrap_words("one two", 7), ["one two"]);
    assert_eq!(super::wrap_words("", 5), [""]);
    assert_eq!(super::wrap_words("abcdefgh", 3), ["abc", "def", "gh"]);
}

#[test]
fn text_of_one_style_is_one_piece_however_the_parser_splits_it() {
    // Entities, quotes and soft breaks split a paragraph's text into several events.
    let parsed = parse("It's a &amp; b\nand \"c\" **bold** end");
    let Some(Elem::Line { body, .. }) = parsed.first() else {
        panic!("{parsed:?}")
    };
    let pieces: Vec<(&str, bool)> = body.iter().map(|(t, m)| (t.as_str(), m.bold)).collect();
    assert_eq!(
        pieces,
        [
            ("It's a & b and \"c\" ", false),
            ("bold", true),
            (" end", false)
        ]
    );
}

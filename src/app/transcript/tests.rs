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

#[test]
fn a_blank_line_after_a_fence_stays_one_blank_row() {
    let mut t = Transcript::new(30);
    t.block(Seg::User, "> q");
    t.push(Seg::Answer, "```sh\nls\n```\n\nAfter the code.\n\nLast.");
    t.seal();
    let shown: Vec<String> = t.rows().iter().map(|r| r.text.clone()).collect();
    let at = shown.iter().position(|r| r == "▌ ls").unwrap();
    assert_eq!(shown[at + 1], "", "{shown:?}");
    assert_eq!(shown[at + 2], "After the code.");
    assert_eq!(shown[at + 3], "");
    assert_eq!(shown[at + 4], "Last.");
    // Never two blank rows in a row.
    assert!(
        shown
            .windows(2)
            .all(|w| !(w[0].is_empty() && w[1].is_empty())),
        "{shown:?}"
    );
}

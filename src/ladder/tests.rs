use super::*;

/// A stand-in tokenizer for the pure tests: one token per 4 bytes.
fn by4(s: &str) -> u64 {
    s.len() as u64 / 4
}

#[test]
fn sizes_parse_sort_and_refuse_nonsense() {
    assert_eq!(
        parse_sizes("32k, 1k,8k,1K,500").unwrap(),
        [500, 1_000, 8_000, 32_000]
    );
    assert_eq!(parse_sizes("1m,1.5k").unwrap(), [1_500, 1_000_000]);
    for bad in ["", "x", "0", "-1k", "20m", "1g"] {
        let e = parse_sizes(bad).unwrap_err();
        assert!(e.contains("size") || e.contains("sizes"), "{bad}: {e}");
    }
}

#[test]
fn the_expected_answer_is_the_needles_last_word() {
    assert_eq!(expected(DEFAULT_NEEDLE), "amber-falcon-42");
    assert_eq!(expected("The code is \"7781\"."), "7781");
    assert_eq!(expected(""), "");
    assert!(found("It is Amber-Falcon-42.", "amber-falcon-42"));
    assert!(!found("I do not know.", "amber-falcon-42"));
    assert!(!found("anything", ""));
}

#[test]
fn prompts_have_the_size_asked_the_needle_at_its_depth_and_the_question_last() {
    for tokens in [200u64, 1_000, 32_000] {
        for depth in [0.0, 0.5, 1.0] {
            let p = prompt("", DEFAULT_NEEDLE, DEFAULT_QUESTION, tokens, depth, by4);
            let n = by4(&p);
            assert!(n <= tokens && n + 80 >= tokens, "{tokens} at {depth}: {n}");
            assert!(p.ends_with(&format!("\n\n{DEFAULT_QUESTION}")));
            let at = p.find(DEFAULT_NEEDLE).unwrap() as f64 / p.len() as f64;
            assert!(
                (at - depth).abs() < 0.1 || tokens < 500,
                "{tokens} {depth}: {at}"
            );
            // The needle starts a sentence of its own.
            let before = p[..p.find(DEFAULT_NEEDLE).unwrap()].trim_end();
            assert!(before.is_empty() || before.ends_with('.'), "{before:?}");
        }
    }
    // A custom filler is repeated; multi-byte text is never cut inside a character.
    let p = prompt(
        "héllo wörld. ",
        "The k is v.",
        "What is the k?",
        500,
        0.5,
        by4,
    );
    assert!(p.contains("héllo wörld. The k is v. "), "{p}");
    // The demo gateway answers from the same prompt: the fact is recallable.
    assert_eq!(
        crate::demo::text::recall(&prompt(
            "",
            DEFAULT_NEEDLE,
            DEFAULT_QUESTION,
            2000,
            0.3,
            by4
        )),
        Some(DEFAULT_NEEDLE.to_string())
    );
}

fn step(model: &str, size: u64, ttft: f64, cost: f64, found: Option<bool>) -> Step {
    Step {
        model: model.into(),
        size,
        input_tokens: Some(size + 7),
        ttft_ms: Some(ttft),
        total_ms: Some(ttft * 2.0),
        cost_usd: Some(cost),
        cost_source: Some(crate::metrics::CostSource::Models),
        estimated: false,
        found,
        skipped: None,
        error_kind: None,
    }
}

fn ladder() -> Ladder {
    Ladder {
        needle: DEFAULT_NEEDLE.into(),
        question: DEFAULT_QUESTION.into(),
        expect: expected(DEFAULT_NEEDLE),
        depth: 0.5,
        sizes: vec![1_000, 8_000],
        models: vec!["a".into(), "b".into()],
        steps: vec![
            step("a", 8_000, 400.0, 0.002, Some(false)),
            step("a", 1_000, 100.0, 0.0003, Some(true)),
            step("b", 1_000, 50.0, 0.0, Some(true)),
            Step::not_sent("b", 8_000, 8_010, 4_096),
        ],
    }
}

#[test]
fn series_are_in_input_token_order_and_skip_missing_values() {
    let l = ladder();
    assert_eq!(
        l.series("a", |s| s.ttft_ms),
        [(1_007.0, 100.0), (8_007.0, 400.0)]
    );
    assert_eq!(l.series("b", |s| s.ttft_ms), [(1_007.0, 50.0)]);
    assert!(l.series("nobody", |s| s.ttft_ms).is_empty());
}

#[test]
fn the_table_says_found_missed_and_why_not_sent() {
    let t = ladder().table();
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(
        lines[0].starts_with("model  size") && lines[0].contains("input tok"),
        "{t}"
    );
    assert!(lines[1].ends_with("missed"), "{t}");
    assert!(
        lines[2].contains("1,007") && lines[2].ends_with("found"),
        "{t}"
    );
    assert!(
        lines[4].contains("8,010 est.")
            && lines[4].ends_with("not sent: ~8,010 tokens do not fit its 4,096-token window"),
        "{t}"
    );
}

#[test]
fn the_text_chart_places_each_point() {
    let l = ladder();
    let series = vec![
        ("a".to_string(), l.series("a", |s| s.ttft_ms)),
        ("b".to_string(), l.series("b", |s| s.ttft_ms)),
    ];
    let c = chart::text("TTFT", &series, 20, 5, |v| format!("{v:.0} ms"));
    insta::assert_snapshot!(c);
    let empty = chart::text("TTFT", &[("a".into(), vec![])], 20, 5, |v| format!("{v}"));
    assert_eq!(empty, "TTFT\n  (no data)\n");
}

#[test]
fn a_step_without_answer_text_is_neither_found_nor_missed() {
    let mut rec = crate::bench::report::tests::rec(10.0, 20.0, (5, 64), None);
    rec.text = String::new();
    rec.finish_reason = Some(crate::gateway::wire::FinishReason::Length);
    let s = Step::answered(1000, &rec, "x");
    assert_eq!(s.found, None);
    assert_eq!(
        s.skipped.as_deref(),
        Some("no answer text (finish: length)")
    );
    rec.text = "it is x".into();
    assert_eq!(Step::answered(1000, &rec, "x").found, Some(true));
    rec.text = "no idea".into();
    let s = Step::answered(1000, &rec, "x");
    assert_eq!((s.found, s.skipped), (Some(false), None));
}

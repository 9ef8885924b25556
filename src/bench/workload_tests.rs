//! Reading workloads: every form, every bad line.

use super::*;

#[test]
fn good_lines_of_every_form() {
    let text = r#"# a comment

plain prompt here
{"prompt":"short form","system":"be brief","max_tokens":50,"tags":["a","b"]}
{"messages":[{"role":"system","content":"sys"},{"role":"user","content":[{"type":"text","text":"part one"},{"type":"text","text":"part two"}]}],"max_completion_tokens":7,"tools":[{"type":"function","function":{"name":"f"}}]}
{"prompt":"checked","expect":"Paris","regex":"^[A-Z]","max_output_tokens":30,"judge":"Is it correct?","json_schema":{"type":"object"}}
"#;
    let (items, bad) = parse(text);
    assert_eq!(bad, vec![]);
    assert_eq!(items.len(), 4);
    assert_eq!(items[0].line, 3);
    assert_eq!(items[0].messages, vec![Message::user("plain prompt here")]);
    assert_eq!(items[1].line, 4);
    assert_eq!(
        items[1].messages,
        vec![Message::system("be brief"), Message::user("short form")]
    );
    assert_eq!(items[1].max_tokens, Some(50));
    assert_eq!(items[1].tags, vec!["a", "b"]);
    assert_eq!(items[2].messages[1].content, "part one\npart two");
    assert_eq!(items[2].max_tokens, Some(7));
    assert!(items[2].tools.as_ref().unwrap().is_array());
    let c = &items[3].checks;
    assert_eq!(c.expect, vec!["Paris".to_string()]);
    assert_eq!(c.regex.as_deref(), Some("^[A-Z]"));
    assert_eq!(c.max_output_tokens, Some(30));
    assert_eq!(c.judge.as_deref(), Some("Is it correct?"));
    assert!(c.json_schema.is_some());
}

#[test]
fn every_bad_line_is_reported_with_its_number() {
    let text = "ok prompt\n{broken\n{\"prompt\":\"x\",\"expext\":\"typo\"}\n{\"messages\":[]}\n\
                    {\"prompt\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"b\"}]}\n\
                    {\"messages\":[{\"role\":\"wizard\",\"content\":\"b\"}]}\n\
                    {\"prompt\":\"x\",\"regex\":\"(unclosed\"}\n\
                    {\"prompt\":\"x\",\"tools\":{\"not\":\"a list\"}}\n\
                    {\"messages\":[{\"role\":\"system\",\"content\":\"only\"}]}\n";
    let (items, bad) = parse(text);
    assert_eq!(items.len(), 1);
    let lines: Vec<usize> = bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 6, 7, 8, 9]);
    assert!(bad[1].why.contains("expext"), "{}", bad[1].why);
    assert!(bad[2].why.contains("no user message"), "{}", bad[2].why);
    assert!(bad[3].why.contains("not both"), "{}", bad[3].why);
    assert!(bad[5].why.contains("regex"), "{}", bad[5].why);
    assert!(bad[6].why.contains("tools"), "{}", bad[6].why);
    assert!(bad[0].to_string().starts_with("line 2: "));
}

#[test]
fn synthetic_prompts_are_seeded_and_sized() {
    let s = parse_synthetic("in=200, out=64,n=3").unwrap();
    assert_eq!(
        s,
        Synthetic {
            input_tokens: 200,
            output_tokens: 64,
            prompts: 3
        }
    );
    let a = synthetic(s, 7);
    assert_eq!(a, synthetic(s, 7));
    assert_ne!(a, synthetic(s, 8));
    assert_eq!(a.len(), 3);
    assert_ne!(a[0].messages, a[1].messages);
    assert_eq!(a[0].max_tokens, Some(64));
    let n = crate::metrics::estimate_tokens(&a[0].messages[0].content);
    assert!((180..=240).contains(&n), "about 200 tokens, got {n}");
    for bad in ["in=0", "in=x", "out", "size=3"] {
        assert!(parse_synthetic(bad).is_err(), "{bad}");
    }
    assert_eq!(parse_synthetic("").unwrap().input_tokens, 512);
}

#[test]
fn a_conversation_line_holds_turns_with_their_own_checks() {
    let text = r#"{"system":"be brief","turns":["What is Rust?",{"prompt":"And its borrow checker?","max_tokens":40,"expect":"borrow"},"Thanks"],"tags":["chat"]}
{"messages":[{"role":"system","content":"s"},{"role":"user","content":"earlier"},{"role":"assistant","content":"reply"}],"turns":["next"]}"#;
    let (items, bad) = parse(text);
    assert_eq!(bad, vec![]);
    let c = &items[0];
    assert_eq!(c.messages, vec![Message::system("be brief")]);
    assert_eq!(c.turns.len(), 3);
    assert_eq!(c.requests(), 3);
    assert_eq!(c.turns[1].prompt, "And its borrow checker?");
    assert_eq!(c.turns[1].max_tokens, Some(40));
    assert_eq!(c.turns[1].checks.expect, vec!["borrow".to_string()]);
    assert!(c.turns[0].checks.expect.is_empty());
    assert_eq!(items[1].messages.len(), 3, "the opening context is kept");
    assert_eq!(items[1].requests(), 1);
    assert_eq!(Item::prompt(1, "x").requests(), 1);
}

#[test]
fn bad_conversations_are_reported_with_their_line() {
    let many = format!(
        r#"{{"turns":[{}]}}"#,
        vec!["\"q\""; MAX_TURNS + 1].join(",")
    );
    let text = [
        r#"{"turns":[]}"#,
        r#"{"turns":["a"],"prompt":"b"}"#,
        r#"{"turns":["a"],"expect":"x"}"#,
        r#"{"turns":["a",3]}"#,
        r#"{"turns":["a",{"prompt":"b","expext":"typo"}]}"#,
        r#"{"turns":["a",{"prompt":"b","regex":"(open"}]}"#,
        r#"{"turns":["  "]}"#,
        many.as_str(),
    ]
    .join("\n");
    let (items, bad) = parse(&text);
    assert!(items.is_empty());
    let why: Vec<&str> = bad.iter().map(|b| b.why.as_str()).collect();
    assert_eq!(
        bad.iter().map(|b| b.line).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    assert!(why[0].contains("1 to 64 turns"), "{}", why[0]);
    assert!(why[1].contains("not both"), "{}", why[1]);
    assert!(why[2].contains("put checks on a turn"), "{}", why[2]);
    assert!(why[3].contains("turn 2 must be a prompt"), "{}", why[3]);
    assert!(
        why[4].contains("turn 2") && why[4].contains("expext"),
        "{}",
        why[4]
    );
    assert!(
        why[5].contains("turn 2") && why[5].contains("regex"),
        "{}",
        why[5]
    );
    assert!(why[6].contains("empty prompt"), "{}", why[6]);
    assert!(why[7].contains("not 65"), "{}", why[7]);
}

#[test]
fn a_turn_holds_only_a_prompt_its_bound_and_checks() {
    let (_, bad) = parse(r#"{"turns":["a",{"prompt":"b","system":"s"}]}"#);
    assert_eq!(
        bad[0].why,
        "turn 2 may hold only `prompt`, `max_tokens` and checks"
    );
    let (_, bad) = parse(r#"{"turns":[{"expect":"x"}]}"#);
    assert_eq!(bad[0].why, "turn 1 has an empty prompt");
}

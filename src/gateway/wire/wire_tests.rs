//! Decoding chunks, usage and errors from every server's shape.

use super::*;

#[test]
fn chunk_variants() {
    let c: RawChunk = serde_json::from_str(
        r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning_content":"hm"},"finish_reason":null}],"usage":null}"#,
    )
    .unwrap();
    let c = c.into_chunk();
    assert_eq!(c.content.as_deref(), Some(""));
    assert_eq!(c.reasoning.as_deref(), Some("hm"));

    // vLLM final chunk with choices:null, OpenRouter cost.
    let c: RawChunk = serde_json::from_str(
        r#"{"choices":null,"usage":{"prompt_tokens":10,"completion_tokens":"5","prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2},"cost":0.0012}}"#,
    )
    .unwrap();
    let u = c.into_chunk().usage.unwrap();
    assert_eq!(
        (
            u.input_tokens,
            u.output_tokens,
            u.cached_input_tokens,
            u.reasoning_tokens
        ),
        (10, 5, 4, 2)
    );
    assert_eq!(u.cost_usd, Some(0.0012));

    // Cached prompt tokens under the other names, and llama-server's timings.
    let cached = |json: &str| {
        let c: RawChunk = serde_json::from_str(json).unwrap();
        c.into_chunk().usage.unwrap().cached_input_tokens
    };
    let usage = r#""usage":{"prompt_tokens":100,"completion_tokens":5"#;
    assert_eq!(
        cached(&format!(r#"{{{usage},"prompt_cache_hit_tokens":64}}}}"#)),
        64
    );
    assert_eq!(
        cached(&format!(r#"{{{usage},"cache_read_input_tokens":32}}}}"#)),
        32
    );
    assert_eq!(
        cached(&format!(r#"{{{usage}}},"timings":{{"cache_n":80}}}}"#)),
        80
    );
    assert_eq!(
        cached(&format!(r#"{{{usage}}},"timings":{{"cache_n":900}}}}"#)),
        100
    );
    assert_eq!(
        cached(&format!(
            r#"{{{usage},"prompt_tokens_details":{{"cached_tokens":7}}}},"timings":{{"cache_n":80}}}}"#
        )),
        7,
        "the usage's own word first"
    );

    // Ollama: whole tool call with object arguments.
    let c: RawChunk = serde_json::from_str(
        r#"{"choices":[{"delta":{"tool_calls":[{"id":"c1","function":{"name":"f","arguments":{"a":1}}}]},"finish_reason":"tool_calls"}]}"#,
    )
    .unwrap();
    let c = c.into_chunk();
    assert_eq!(c.tool_calls[0].arguments, r#"{"a":1}"#);
    assert_eq!(c.tool_calls[0].index, 0);
    assert_eq!(c.finish_reason, Some(FinishReason::ToolCalls));
}

#[test]
fn error_messages() {
    let v: Value = serde_json::from_str(
        r#"{"error":{"message":"Rate limited","type":"rate_limit_error","code":null}}"#,
    )
    .unwrap();
    assert_eq!(error_message(&v), "Rate limited (rate_limit_error)");
    let v: Value = serde_json::from_str(r#"{"error":{"code":502,"message":"down"}}"#).unwrap();
    assert_eq!(error_message(&v), "down (502)");
    assert_eq!(error_message(&Value::String("x".into())), "x");
}

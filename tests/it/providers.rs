//! Providers' documented wire formats, replayed by a tiny loopback HTTP server at random splits,
//! through the real client: text, reasoning, tool calls, usage and errors must come out right.

use crate::common::replay::{client, replay, request};
use gatebench::gateway::Api;
use gatebench::route as run;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/providers");

#[tokio::test]
async fn every_provider_format_decodes_at_any_split() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/expected.json")).unwrap())
            .unwrap();
    let expected = expected.as_object().unwrap();
    assert!(expected.len() >= 10);
    for (file, want) in expected {
        let body = std::fs::read(format!("{DIR}/{file}")).unwrap();
        let api = Api::parse(want["api"].as_str().unwrap()).unwrap();
        for seed in 0..6 {
            let url = replay(body.clone(), seed).await;
            let client = client(url, api);
            let o = run::stream(&client, request(), CancellationToken::new(), |_| {}).await;
            let c = &o.collector;
            let ctx = format!("{file} (split seed {seed})");
            assert_eq!(c.text, want["text"].as_str().unwrap(), "{ctx}");
            assert_eq!(c.reasoning, want["reasoning"].as_str().unwrap(), "{ctx}");
            match want.get("error").and_then(Value::as_str) {
                Some(kind) => {
                    let e = o
                        .error
                        .as_ref()
                        .unwrap_or_else(|| panic!("{ctx}: expected an error"));
                    assert_eq!(e.kind().name(), kind, "{ctx}: {e}");
                    assert!(
                        e.to_string().contains(want["error_text"].as_str().unwrap()),
                        "{ctx}: {e}"
                    );
                }
                None => {
                    assert!(o.error.is_none(), "{ctx}: {:?}", o.error);
                    assert_eq!(
                        c.finish_reason.as_ref().map(|f| f.as_str()),
                        want["finish"].as_str(),
                        "{ctx}"
                    );
                }
            }
            match want["usage"].as_array() {
                Some(u) => {
                    let got = c.usage.unwrap_or_else(|| panic!("{ctx}: no usage"));
                    let n = |i: usize| u[i].as_u64().unwrap();
                    assert_eq!(
                        (
                            got.input_tokens,
                            got.output_tokens,
                            got.cached_input_tokens,
                            got.reasoning_tokens
                        ),
                        (n(0), n(1), n(2), n(3)),
                        "{ctx}"
                    );
                    assert_eq!(got.cost_usd, want["cost"].as_f64(), "{ctx}");
                }
                None => assert!(c.usage.is_none(), "{ctx}"),
            }
            let tools: Vec<(String, String)> = c
                .tool_calls
                .iter()
                .map(|t| (t.name.clone(), t.arguments.clone()))
                .collect();
            let want_tools: Vec<(String, String)> = want
                .get("tools")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|t| {
                            (
                                t[0].as_str().unwrap().to_string(),
                                t[1].as_str().unwrap().to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(tools, want_tools, "{ctx}");
            if want.get("timings").is_some() {
                assert!(c.llama_timings.is_some(), "{ctx}");
            }
        }
    }
}

//! Tool calls on the demo gateway: when a request offers tools and its prompt names one, the
//! model calls it (arguments made from the tool's schema and the prompt, streamed in fragments);
//! once every named tool has its result, it answers using them. `demo/pro-large` calls every
//! named tool at once (parallel calls); the others one per turn. Pure.

use serde_json::{Map, Value, json};

use crate::rng::SplitMix64;

/// The tool side of a chat request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Offered {
    /// `(name, parameters schema)` of every tool offered.
    pub tools: Vec<(String, Value)>,
    /// `(tool name, result)` of the results sent after the last user message.
    pub results: Vec<(String, String)>,
}

/// One streamed piece of a tool call: the first carries its id and name.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolPart {
    pub index: usize,
    pub head: Option<(String, String)>,
    pub arguments: String,
}

/// What the model does with the tools.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// No tool named, or none offered: answer as usual.
    Plain,
    /// Call these tools: `(id, name, arguments)`.
    Call(Vec<(String, String, String)>),
    /// Every named tool has answered: open the answer with their results.
    Answer(String),
}

/// Read `tools` and the tool results of the current turn from a chat request.
pub fn offered(v: &Value) -> Offered {
    let tools = v["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let f = t.get("function").unwrap_or(t);
            Some((f["name"].as_str()?.to_string(), f["parameters"].clone()))
        })
        .collect();
    let msgs = v["messages"].as_array().cloned().unwrap_or_default();
    let last_user = msgs.iter().rposition(|m| m["role"] == "user").unwrap_or(0);
    let mut names = Map::new();
    let mut results = Vec::new();
    for m in &msgs[last_user..] {
        for c in m["tool_calls"].as_array().into_iter().flatten() {
            if let Some(id) = c["id"].as_str() {
                names.insert(id.into(), c["function"]["name"].clone());
            }
        }
        if m["role"] == "tool" {
            let name = m["tool_call_id"]
                .as_str()
                .and_then(|id| names.get(id))
                .and_then(Value::as_str)
                .unwrap_or("tool");
            let content = match &m["content"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            results.push((name.to_string(), content));
        }
    }
    Offered { tools, results }
}

/// Whether `prompt` names tool `name` (as written, or with spaces for `_`).
fn named(prompt: &str, name: &str) -> bool {
    let p = prompt.to_lowercase();
    let n = name.to_lowercase();
    p.contains(&n) || p.contains(&n.replace('_', " "))
}

pub fn plan(o: &Offered, prompt: &str, parallel: bool, turn: u64) -> Plan {
    let asked: Vec<&(String, Value)> = o.tools.iter().filter(|(n, _)| named(prompt, n)).collect();
    let pending: Vec<&&(String, Value)> = asked
        .iter()
        .filter(|(n, _)| !o.results.iter().any(|(r, _)| r == n))
        .collect();
    if !pending.is_empty() {
        let take = if parallel { pending.len() } else { 1 };
        return Plan::Call(
            pending
                .iter()
                .take(take)
                .enumerate()
                .map(|(i, (name, schema))| {
                    (
                        format!("call_demo_{turn}_{i}"),
                        name.clone(),
                        arguments(schema, prompt),
                    )
                })
                .collect(),
        );
    }
    if o.results.is_empty() {
        return Plan::Plain;
    }
    let mut s = String::from("Using the tool results:\n\n");
    for (name, result) in &o.results {
        let short: String = result.chars().take(200).collect();
        s.push_str(&format!("- **{name}**: {short}\n"));
    }
    s.push('\n');
    Plan::Answer(s)
}

/// Arguments that fit `schema`: every required property (or the first one), a string from the
/// prompt (its first capitalised word past the start), 1 for numbers, true, or an enum's first value.
pub fn arguments(schema: &Value, prompt: &str) -> String {
    let props = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut keys: Vec<String> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    if keys.is_empty() {
        keys.extend(props.keys().next().cloned());
    }
    let word = prompt
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .skip(1)
        .find(|w| w.chars().next().is_some_and(char::is_uppercase))
        .unwrap_or("example");
    let mut out = Map::new();
    for k in keys {
        let p = &props.get(&k).cloned().unwrap_or(Value::Null);
        let v = if let Some(first) = p["enum"].as_array().and_then(|e| e.first()) {
            first.clone()
        } else {
            match p["type"].as_str() {
                Some("integer") | Some("number") => json!(1),
                Some("boolean") => json!(true),
                Some("array") => json!([]),
                Some("object") => json!({}),
                _ => json!(word),
            }
        };
        out.insert(k, v);
    }
    Value::Object(out).to_string()
}

/// The calls as streamed pieces: each call's head, then its arguments in fragments of 1-8
/// characters, so a client must assemble them.
pub fn parts(calls: &[(String, String, String)], rng: &mut SplitMix64) -> Vec<ToolPart> {
    let mut out = Vec::new();
    for (index, (id, name, args)) in calls.iter().enumerate() {
        out.push(ToolPart {
            index,
            head: Some((id.clone(), name.clone())),
            arguments: String::new(),
        });
        let chars: Vec<char> = args.chars().collect();
        let mut at = 0;
        while at < chars.len() {
            let n = (1 + rng.below(8)).min(chars.len() - at);
            out.push(ToolPart {
                index,
                head: None,
                arguments: chars[at..at + n].iter().collect(),
            });
            at += n;
        }
    }
    out
}

/// The calls as a whole answer's `tool_calls`.
pub fn whole(parts: &[ToolPart]) -> Vec<Value> {
    let mut calls: Vec<Value> = Vec::new();
    for p in parts {
        if let Some((id, name)) = &p.head {
            calls.push(
                json!({"id": id, "type": "function", "function": {"name": name, "arguments": ""}}),
            );
        }
        if let Some(c) = calls.get_mut(p.index) {
            let a = c["function"]["arguments"]
                .as_str()
                .unwrap_or("")
                .to_string()
                + &p.arguments;
            c["function"]["arguments"] = json!(a);
        }
    }
    calls
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(prompt: &str, tail: Vec<Value>) -> Value {
        let tools =
            serde_json::from_str::<Value>(include_str!("../../tests/fixtures/tools/weather.json"))
                .unwrap();
        let mut messages = vec![json!({"role": "user", "content": prompt})];
        messages.extend(tail);
        json!({"model": "m", "messages": messages, "tools": tools})
    }

    #[test]
    fn a_named_tool_is_called_with_arguments_that_fit_its_schema() {
        let v = request("What is the weather in Paris? Use get_weather.", vec![]);
        let o = offered(&v);
        assert_eq!(o.tools.len(), 2);
        let Plan::Call(calls) = plan(
            &o,
            "What is the weather in Paris? Use get_weather.",
            false,
            3,
        ) else {
            panic!()
        };
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].0, "call_demo_3_0");
        assert_eq!(calls[0].2, r#"{"city":"Paris"}"#);
        let set = crate::tools::ToolSet::from_json(&v["tools"].to_string()).unwrap();
        assert!(set.check(&calls[0].1, &calls[0].2).is_ok());
        assert_eq!(plan(&o, "Just chat.", false, 1), Plan::Plain);
        assert_eq!(
            plan(&Offered::default(), "get_weather", false, 1),
            Plan::Plain
        );
    }

    #[test]
    fn parallel_models_call_every_named_tool_at_once_and_others_one_by_one() {
        let p = "Call get weather and get_time for Paris.";
        let o = offered(&request(p, vec![]));
        let Plan::Call(all) = plan(&o, p, true, 1) else {
            panic!()
        };
        assert_eq!(
            all.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
            ["get_weather", "get_time"]
        );
        let Plan::Call(one) = plan(&o, p, false, 1) else {
            panic!()
        };
        assert_eq!(one.len(), 1);
        // After get_weather's result, get_time is next; after both, the answer uses them.
        let call = |id: &str, name: &str| {
            json!({"role": "assistant", "content": null,
            "tool_calls": [{"id": id, "type": "function", "function": {"name": name, "arguments": "{}"}}]})
        };
        let result = |id: &str, r: &str| json!({"role": "tool", "tool_call_id": id, "content": r});
        let o = offered(&request(
            p,
            vec![call("a", "get_weather"), result("a", "sunny")],
        ));
        assert_eq!(
            o.results,
            [("get_weather".to_string(), "sunny".to_string())]
        );
        let Plan::Call(next) = plan(&o, p, false, 2) else {
            panic!()
        };
        assert_eq!(next[0].1, "get_time");
        let o = offered(&request(
            p,
            vec![
                call("a", "get_weather"),
                result("a", "sunny"),
                call("b", "get_time"),
                result("b", "14:05"),
            ],
        ));
        let Plan::Answer(text) = plan(&o, p, false, 3) else {
            panic!()
        };
        assert!(
            text.contains("**get_weather**: sunny") && text.contains("**get_time**: 14:05"),
            "{text}"
        );
    }

    #[test]
    fn arguments_follow_types_and_enums() {
        let schema = json!({"type": "object", "properties": {
            "n": {"type": "integer"}, "on": {"type": "boolean"}, "u": {"enum": ["c", "f"]},
            "s": {"type": "string"}}, "required": ["n", "on", "u", "s"]});
        let a: Value = serde_json::from_str(&arguments(&schema, "ask about Rome")).unwrap();
        assert_eq!(a, json!({"n": 1, "on": true, "u": "c", "s": "Rome"}));
        let none = arguments(
            &json!({"type": "object", "properties": {"q": {"type": "string"}}}),
            "x",
        );
        assert_eq!(none, r#"{"q":"example"}"#);
    }

    #[test]
    fn parts_rebuild_every_call() {
        let calls = vec![
            (
                "a".to_string(),
                "f".to_string(),
                r#"{"city":"Zürich"}"#.to_string(),
            ),
            ("b".to_string(), "g".to_string(), "{}".to_string()),
        ];
        let parts = parts(&calls, &mut SplitMix64::new(9));
        assert!(parts.len() > 4, "split into fragments");
        let w = whole(&parts);
        assert_eq!(w[0]["function"]["arguments"], calls[0].2);
        assert_eq!(w[1]["id"], "b");
        assert_eq!(w[1]["function"]["arguments"], "{}");
    }
}

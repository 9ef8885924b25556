//! The request parameters the demo gateway honours beyond the plain chat: `tool_choice`,
//! `response_format` (a JSON object, or an instance of the given schema), `stop`, `logprobs` /
//! `top_logprobs`, and `n` (refused above 1, as some servers do). Pure.

use serde_json::{Map, Value, json};

use crate::rng::SplitMix64;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ToolChoice {
    #[default]
    Auto,
    Required,
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Format {
    JsonObject,
    JsonSchema(Value),
}

/// What the request asks beyond messages and tools.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    pub tool_choice: ToolChoice,
    pub format: Option<Format>,
    pub stop: Vec<String>,
    /// `logprobs: true`, with this many alternatives each (`top_logprobs`, 0 when not asked).
    pub logprobs: Option<u32>,
    /// `min_tokens`, and `ignore_eos: true` (write until `max_tokens`).
    pub min_tokens: Option<usize>,
    pub ignore_eos: bool,
    /// This answer is one the model gets wrong (a quirk of `demo/fast-mini`: about one json_schema
    /// answer in ten does not validate).
    pub break_json: bool,
}

/// Read the extras of a chat request; `n` above 1 is refused (the message for a 400).
pub fn read(v: &Value) -> Result<Extras, &'static str> {
    if v["n"].as_u64().is_some_and(|n| n > 1) {
        return Err("The demo gateway returns one choice per request: 'n' must be 1.");
    }
    let tool_choice = match v["tool_choice"].as_str() {
        Some("required") => ToolChoice::Required,
        Some("none") => ToolChoice::None,
        // `{"type":"function","function":{"name":..}}` forces one: as good as required here.
        _ if v["tool_choice"].is_object() => ToolChoice::Required,
        _ => ToolChoice::Auto,
    };
    let rf = &v["response_format"];
    let format = match rf["type"].as_str() {
        Some("json_object") => Some(Format::JsonObject),
        Some("json_schema") => Some(Format::JsonSchema(rf["json_schema"]["schema"].clone())),
        _ => None,
    };
    let stop = match &v["stop"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let stop = stop.into_iter().filter(|s| !s.is_empty()).take(4).collect();
    let logprobs = (v["logprobs"].as_bool() == Some(true))
        .then(|| v["top_logprobs"].as_u64().unwrap_or(0).min(20) as u32);
    Ok(Extras {
        tool_choice,
        format,
        stop,
        logprobs,
        min_tokens: v["min_tokens"].as_u64().map(|n| n as usize),
        ignore_eos: v["ignore_eos"].as_bool() == Some(true),
        break_json: false,
    })
}

/// The prompt as the tool planner reads it: with `tool_choice: none` it names no tool, and with
/// `required` it names the first tool offered when it names none.
pub fn tool_prompt(prompt: &str, choice: ToolChoice, first_tool: Option<&str>) -> String {
    match (choice, first_tool) {
        (ToolChoice::None, _) => String::new(),
        (ToolChoice::Required, Some(t)) if !prompt.contains(t) => format!("{prompt} {t}"),
        _ => prompt.to_string(),
    }
}

/// The answer when a JSON format is asked: an object, or an instance of the schema (broken when
/// `break_json`: a required field left out).
pub fn json_text(e: &Extras, model: &str, rng: &mut SplitMix64) -> Option<String> {
    let v = match e.format.as_ref()? {
        Format::JsonObject => json!({"answer": "a demo answer", "model": model}),
        Format::JsonSchema(schema) => {
            let mut v = instance(schema, rng, 0);
            if e.break_json
                && let (Some(o), Some(first)) = (v.as_object_mut(), schema["required"][0].as_str())
            {
                o.remove(first);
            }
            v
        }
    };
    Some(v.to_string())
}

/// A value that validates against `schema` (the keywords structured outputs use).
pub fn instance(schema: &Value, rng: &mut SplitMix64, depth: usize) -> Value {
    if let Some(e) = schema["enum"].as_array().and_then(|a| a.first()) {
        return e.clone();
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(any) = schema["anyOf"].as_array().or(schema["oneOf"].as_array()) {
        return any
            .first()
            .map_or(Value::Null, |s| instance(s, rng, depth + 1));
    }
    let ty = match &schema["type"] {
        Value::String(s) => s.as_str(),
        Value::Array(a) => a.iter().find_map(|t| t.as_str()).unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    };
    match ty {
        "object" if depth < 6 => {
            let mut o = Map::new();
            for (k, s) in schema["properties"].as_object().into_iter().flatten() {
                o.insert(k.clone(), instance(s, rng, depth + 1));
            }
            Value::Object(o)
        }
        "array" if depth < 6 => {
            let n = schema["minItems"].as_u64().unwrap_or(1).max(1) as usize;
            Value::Array(
                (0..n)
                    .map(|_| instance(&schema["items"], rng, depth + 1))
                    .collect(),
            )
        }
        "integer" => {
            let lo = schema["minimum"].as_i64().unwrap_or(18);
            json!(lo + rng.below(40) as i64)
        }
        "number" => json!(schema["minimum"].as_f64().unwrap_or(0.0) + 1.5),
        "boolean" => json!(rng.below(2) == 1),
        "null" => Value::Null,
        _ => json!(["Ada", "Grace", "Alan", "Edsger"][rng.below(4)]),
    }
}

/// Cut the answer before the first stop sequence; true when one was found.
pub fn cut_at_stop(tokens: &mut Vec<String>, stop: &[String]) -> bool {
    if stop.is_empty() {
        return false;
    }
    let text: String = tokens.concat();
    let Some(at) = stop.iter().filter_map(|s| text.find(s.as_str())).min() else {
        return false;
    };
    // `at` is a character boundary of the whole text, and so of the token it falls in.
    let mut kept = Vec::new();
    let mut len = 0;
    for t in tokens.drain(..) {
        if len + t.len() <= at {
            len += t.len();
            kept.push(t);
        } else {
            if at > len {
                kept.push(t[..at - len].to_string());
            }
            break;
        }
    }
    *tokens = kept;
    true
}

/// `choices[].logprobs` of a whole answer: each token's log-probability and `top` alternatives.
pub fn logprobs(tokens: &[String], top: u32) -> Value {
    let mut rng = SplitMix64::from_parts(&[tokens.concat().as_bytes()]);
    let content: Vec<Value> = tokens
        .iter()
        .map(|t| {
            let lp = -(rng.next_f64() * 0.5);
            let alts: Vec<Value> = std::iter::once(json!({"token": t, "logprob": lp}))
                .chain((1..top).map(
                    |i| json!({"token": format!("{t}~{i}"), "logprob": lp - 1.0 - f64::from(i)}),
                ))
                .take(top as usize)
                .collect();
            json!({"token": t, "logprob": lp, "bytes": null, "top_logprobs": alts})
        })
        .collect();
    json!({"content": content})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extras_are_read_and_n_above_one_refused() {
        let e = read(
            &json!({"tool_choice": "none", "stop": ["\n", ""], "logprobs": true,
                             "top_logprobs": 3, "response_format": {"type": "json_object"}}),
        )
        .unwrap();
        assert_eq!(e.tool_choice, ToolChoice::None);
        assert_eq!(e.stop, ["\n"]);
        assert_eq!(e.logprobs, Some(3));
        assert_eq!(e.format, Some(Format::JsonObject));
        assert!(
            read(&json!({"n": 2}))
                .unwrap_err()
                .contains("'n' must be 1")
        );
        assert_eq!(read(&json!({"n": 1})).unwrap(), Extras::default());
    }

    #[test]
    fn a_schema_instance_validates_and_a_broken_one_does_not() {
        let schema = json!({"type": "object", "required": ["name", "age"], "additionalProperties": false,
            "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0},
                           "tags": {"type": "array", "items": {"enum": ["a", "b"]}}}});
        let mut rng = SplitMix64::new(1);
        let e = Extras {
            format: Some(Format::JsonSchema(schema.clone())),
            ..Default::default()
        };
        let good: Value = serde_json::from_str(&json_text(&e, "m", &mut rng).unwrap()).unwrap();
        assert!(
            crate::jsonschema::validate(&good, &schema).is_ok(),
            "{good}"
        );
        let broken = Extras {
            break_json: true,
            ..e
        };
        let bad: Value = serde_json::from_str(&json_text(&broken, "m", &mut rng).unwrap()).unwrap();
        assert!(crate::jsonschema::validate(&bad, &schema).is_err(), "{bad}");
    }

    #[test]
    fn the_answer_stops_before_the_stop_sequence() {
        let mut t: Vec<String> = ["red", " green", " blue"].map(String::from).to_vec();
        assert!(cut_at_stop(&mut t, &[" ".into()]));
        assert_eq!(t.concat(), "red");
        let mut t: Vec<String> = ["Hello wor", "ld"].map(String::from).to_vec();
        assert!(cut_at_stop(&mut t, &["world".into(), "o w".into()]));
        assert_eq!(t.concat(), "Hell");
        let mut t: Vec<String> = vec!["abc".into()];
        assert!(!cut_at_stop(&mut t, &["x".into()]));
        assert_eq!(t, ["abc"]);
    }

    #[test]
    fn tool_choice_shapes_what_the_planner_reads() {
        assert_eq!(
            tool_prompt("use get_weather", ToolChoice::None, Some("get_weather")),
            ""
        );
        assert_eq!(
            tool_prompt("hi", ToolChoice::Required, Some("get_weather")),
            "hi get_weather"
        );
        assert_eq!(
            tool_prompt("hi", ToolChoice::Auto, Some("get_weather")),
            "hi"
        );
    }

    #[test]
    fn logprobs_have_the_alternatives_asked_for() {
        let v = logprobs(&["a".into(), "b".into()], 2);
        let c = v["content"].as_array().unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0]["top_logprobs"].as_array().unwrap().len(), 2);
        assert!(c[0]["logprob"].as_f64().unwrap() <= 0.0);
    }
}

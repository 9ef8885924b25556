//! A small JSON Schema validator: the keywords that answers and tool arguments are checked with
//! (type, enum, const, properties, required, additionalProperties, items, min/max of numbers,
//! lengths and item counts, pattern, anyOf, oneOf, allOf, not). Unknown keywords are ignored, as
//! the specification says; `$ref` is refused up front so a check never passes by skipping it.

use serde_json::Value;

/// Why a schema cannot be used, found before any answer is checked.
pub fn check_schema(schema: &Value) -> Result<(), String> {
    match schema {
        Value::Bool(_) => Ok(()),
        Value::Object(m) => {
            if m.contains_key("$ref") {
                return Err("`$ref` is not supported: write the schema out in full".into());
            }
            if let Some(p) = m.get("pattern").and_then(Value::as_str) {
                regex::Regex::new(p).map_err(|e| format!("pattern {p:?}: {e}"))?;
            }
            // Values under these keys are data, not schemas.
            let data = ["enum", "const", "default", "examples"];
            for (_, v) in m.iter().filter(|(k, _)| !data.contains(&k.as_str())) {
                match v {
                    Value::Object(_) => check_schema(v)?,
                    Value::Array(a) => a
                        .iter()
                        .filter(|x| x.is_object())
                        .try_for_each(check_schema)?,
                    _ => {}
                }
            }
            Ok(())
        }
        other => Err(format!("a schema is an object or a boolean, not {other}")),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_type(v: &Value, t: &str) -> bool {
    let actual = type_name(v);
    actual == t
        || (t == "number" && actual == "integer")
        || (t == "integer" && v.as_f64().is_some_and(|f| f.fract() == 0.0))
}

/// Validate `v` against `schema`; the first error, with the path where it is (`$.items[2].name`).
pub fn validate(v: &Value, schema: &Value) -> Result<(), String> {
    let mut errors = Vec::new();
    walk(v, schema, "$", &mut errors);
    match errors.into_iter().next() {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

fn walk(v: &Value, schema: &Value, path: &str, errors: &mut Vec<String>) {
    let s = match schema {
        Value::Bool(true) => return,
        Value::Bool(false) => return errors.push(format!("{path}: no value is allowed here")),
        Value::Object(s) => s,
        _ => return,
    };
    let mut err = |m: String| errors.push(format!("{path}: {m}"));
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.is_empty() && !types.iter().any(|t| is_type(v, t)) {
            return err(format!(
                "expected {}, got {}",
                types.join(" or "),
                type_name(v)
            ));
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        err(format!("{v} is not one of {}", Value::Array(e.clone())));
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        err(format!("expected {c}, got {v}"));
    }
    bounds(v, s, &mut err);
    for (key, every) in [("allOf", true), ("anyOf", false), ("oneOf", false)] {
        let Some(subs) = s.get(key).and_then(Value::as_array) else {
            continue;
        };
        let passing = subs.iter().filter(|sub| validate(v, sub).is_ok()).count();
        let ok = match key {
            "allOf" => passing == subs.len(),
            "anyOf" => passing > 0,
            _ => passing == 1,
        };
        if !ok && every {
            if let Some(first) = subs.iter().find_map(|sub| validate(v, sub).err()) {
                errors.push(first);
            }
            return;
        }
        if !ok {
            return errors.push(format!(
                "{path}: matches {passing} of the {key} schemas ({})",
                if key == "oneOf" {
                    "exactly 1 wanted"
                } else {
                    "1 or more wanted"
                }
            ));
        }
    }
    if let Some(not) = s.get("not")
        && validate(v, not).is_ok()
    {
        return errors.push(format!("{path}: matches a schema it must not"));
    }
    match v {
        Value::Object(m) => object(m, s, path, errors),
        Value::Array(a) => {
            if let Some(items) = s.get("items").filter(|i| i.is_object() || i.is_boolean()) {
                for (i, x) in a.iter().enumerate() {
                    walk(x, items, &format!("{path}[{i}]"), errors);
                }
            }
        }
        _ => {}
    }
}

fn bounds(v: &Value, s: &serde_json::Map<String, Value>, err: &mut impl FnMut(String)) {
    let num = |k: &str| s.get(k).and_then(Value::as_f64);
    if let Some(x) = v.as_f64() {
        if let Some(m) = num("minimum").filter(|m| x < *m) {
            err(format!("{x} is below the minimum {m}"));
        }
        if let Some(m) = num("maximum").filter(|m| x > *m) {
            err(format!("{x} is above the maximum {m}"));
        }
    }
    let count = match v {
        Value::String(t) => Some(("Length", "characters", t.chars().count())),
        Value::Array(a) => Some(("Items", "items", a.len())),
        Value::Object(o) => Some(("Properties", "properties", o.len())),
        _ => None,
    };
    if let Some((suffix, what, n)) = count {
        if let Some(m) = num(&format!("min{suffix}")).filter(|m| (n as f64) < *m) {
            err(format!("{n} {what}, fewer than the minimum {m}"));
        }
        if let Some(m) = num(&format!("max{suffix}")).filter(|m| (n as f64) > *m) {
            err(format!("{n} {what}, more than the maximum {m}"));
        }
    }
    if let (Value::String(t), Some(p)) = (v, s.get("pattern").and_then(Value::as_str))
        && let Ok(re) = regex::Regex::new(p)
        && !re.is_match(t)
    {
        err(format!("{t:?} does not match the pattern {p:?}"));
    }
}

fn object(
    m: &serde_json::Map<String, Value>,
    s: &serde_json::Map<String, Value>,
    path: &str,
    errors: &mut Vec<String>,
) {
    if let Some(req) = s.get("required").and_then(Value::as_array) {
        for k in req.iter().filter_map(Value::as_str) {
            if !m.contains_key(k) {
                errors.push(format!("{path}: the required property {k:?} is missing"));
            }
        }
    }
    let props = s.get("properties").and_then(Value::as_object);
    for (k, x) in m {
        let child = format!("{path}.{k}");
        match props.and_then(|p| p.get(k)) {
            Some(sub) => walk(x, sub, &child, errors),
            None => match s.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    errors.push(format!("{path}: the property {k:?} is not allowed"))
                }
                Some(sub @ Value::Object(_)) => walk(x, sub, &child, errors),
                _ => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn person() -> Value {
        json!({
            "type": "object",
            "required": ["name", "age"],
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string", "minLength": 2, "pattern": "^[A-Z]"},
                "age": {"type": "integer", "minimum": 0, "maximum": 150},
                "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2},
                "kind": {"oneOf": [{"const": "x"}, {"type": "number"}]}
            }
        })
    }

    #[test]
    fn valid_values_pass() {
        let s = person();
        check_schema(&s).unwrap();
        validate(&json!({"name": "Ada", "age": 36}), &s).unwrap();
        validate(
            &json!({"name": "Ada", "age": 36.0, "tags": ["a"], "kind": 3}),
            &s,
        )
        .unwrap();
        validate(&json!(1), &json!(true)).unwrap();
        validate(&json!(1.5), &json!({"type": ["string", "number"]})).unwrap();
    }

    #[test]
    fn each_failure_names_its_place_and_reason() {
        let s = person();
        let cases = [
            (json!([1]), "$: expected object, got array"),
            (
                json!({"name": "Ada"}),
                "$: the required property \"age\" is missing",
            ),
            (
                json!({"name": "Ada", "age": 1, "x": 1}),
                "$: the property \"x\" is not allowed",
            ),
            (
                json!({"name": "A", "age": 1}),
                "$.name: 1 characters, fewer than the minimum 2",
            ),
            (
                json!({"name": "ada", "age": 1}),
                "$.name: \"ada\" does not match the pattern \"^[A-Z]\"",
            ),
            (
                json!({"name": "Ada", "age": 1.5}),
                "$.age: expected integer, got number",
            ),
            (
                json!({"name": "Ada", "age": -1}),
                "$.age: -1 is below the minimum 0",
            ),
            (
                json!({"name": "Ada", "age": 151}),
                "$.age: 151 is above the maximum 150",
            ),
            (
                json!({"name": "Ada", "age": 1, "tags": ["c"]}),
                "$.tags[0]: \"c\" is not one of [\"a\",\"b\"]",
            ),
            (
                json!({"name": "Ada", "age": 1, "tags": ["a", "a", "b"]}),
                "$.tags: 3 items, more than the maximum 2",
            ),
            (
                json!({"name": "Ada", "age": 1, "kind": "y"}),
                "$.kind: matches 0 of the oneOf schemas (exactly 1 wanted)",
            ),
        ];
        for (v, want) in cases {
            assert_eq!(validate(&v, &s).unwrap_err(), want, "{v}");
        }
        assert_eq!(
            validate(&json!(1), &json!(false)).unwrap_err(),
            "$: no value is allowed here"
        );
        assert_eq!(
            validate(&json!("x"), &json!({"not": {"type": "string"}})).unwrap_err(),
            "$: matches a schema it must not"
        );
        assert_eq!(
            validate(
                &json!(5),
                &json!({"allOf": [{"type": "integer"}, {"maximum": 3}]})
            )
            .unwrap_err(),
            "$: 5 is above the maximum 3"
        );
        assert!(
            validate(
                &json!(5),
                &json!({"anyOf": [{"type": "string"}, {"maximum": 3}]})
            )
            .is_err()
        );
        assert!(
            validate(
                &json!(2),
                &json!({"anyOf": [{"type": "string"}, {"maximum": 3}]})
            )
            .is_ok()
        );
    }

    #[test]
    fn unusable_schemas_are_refused_up_front() {
        assert!(
            check_schema(&json!(3))
                .unwrap_err()
                .contains("object or a boolean")
        );
        assert!(
            check_schema(&json!({"properties": {"a": {"$ref": "#/x"}}}))
                .unwrap_err()
                .contains("$ref")
        );
        assert!(
            check_schema(&json!({"pattern": "(x"}))
                .unwrap_err()
                .contains("pattern")
        );
        check_schema(&json!({"enum": [{"pattern": "(x"}]})).unwrap();
        assert!(check_schema(&json!({"properties": {"a": {"pattern": "(x"}}})).is_err());
    }
}

//! JSON Schema for answers, structured outputs and tool arguments: the `jsonschema` crate
//! (draft 2020-12 and earlier, every standard keyword: `exclusiveMinimum`, `multipleOf`,
//! `uniqueItems`, `prefixItems`, `patternProperties`, `if`/`then`/`else`, local `$ref`...). A
//! keyword outside the standard vocabularies is refused up front, and so is a `$ref` to anything
//! but the schema itself (nothing is fetched): a check never passes by skipping what it does not
//! know.

use serde_json::Value;

/// Every keyword of the JSON Schema vocabularies (core, applicator, unevaluated, validation,
/// format, content, meta-data), draft 2020-12 with the names earlier drafts use.
const KNOWN: &[&str] = &[
    // core
    "$schema",
    "$id",
    "$ref",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$defs",
    "$comment",
    "$vocabulary",
    "definitions",
    "$recursiveRef",
    "$recursiveAnchor",
    // applicators
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependencies",
    "prefixItems",
    "items",
    "additionalItems",
    "contains",
    "properties",
    "patternProperties",
    "additionalProperties",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    // validation
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    // format, content, meta-data
    "format",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
    // OpenAI's structured outputs name the schema and mark it strict beside it.
    "strict",
];

/// Keys whose values are data (or maps of names), not schemas to look into for keywords.
const DATA: &[&str] = &[
    "enum",
    "const",
    "default",
    "examples",
    "required",
    "dependentRequired",
];
/// Keys whose values are maps from names to schemas.
const MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependencies",
];

/// Why a schema cannot be used, found before any answer is checked.
pub fn check_schema(schema: &Value) -> Result<(), String> {
    keywords(schema, "$")?;
    compile(schema).map(|_| ())
}

/// Every keyword known, every `$ref` local.
fn keywords(schema: &Value, at: &str) -> Result<(), String> {
    let m = match schema {
        Value::Bool(_) => return Ok(()),
        Value::Object(m) => m,
        other => {
            return Err(format!(
                "{at}: a schema is an object or a boolean, not {other}"
            ));
        }
    };
    for (k, v) in m {
        if !KNOWN.contains(&k.as_str()) {
            return Err(format!(
                "{at}: `{k}` is not a JSON Schema keyword, so nothing would check it"
            ));
        }
        if k == "$ref" && !v.as_str().is_some_and(|r| r.starts_with('#')) {
            return Err(format!(
                "{at}: `$ref` {v} points outside the schema; only local references (`#/...`) are followed"
            ));
        }
        if DATA.contains(&k.as_str()) {
            continue;
        }
        let here = format!("{at}.{k}");
        match v {
            Value::Object(sub) if MAPS.contains(&k.as_str()) => {
                for (name, s) in sub {
                    if s.is_object() || s.is_boolean() {
                        keywords(s, &format!("{here}.{name}"))?;
                    }
                }
            }
            Value::Object(_) => keywords(v, &here)?,
            Value::Array(a) => {
                for (i, s) in a.iter().enumerate().filter(|(_, s)| s.is_object()) {
                    keywords(s, &format!("{here}[{i}]"))?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| {
            let e = e.to_string();
            if e.contains("Pointer") || e.contains("resolve") {
                format!("the schema is not usable: a `$ref` points at nothing in it ({e})")
            } else {
                format!("the schema is not usable: {e}")
            }
        })
}

/// `/items/2/name` as `$.items[2].name`.
fn place(pointer: &str) -> String {
    let mut out = String::from("$");
    for part in pointer.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if part.parse::<usize>().is_ok() {
            out.push_str(&format!("[{part}]"));
        } else {
            out.push_str(&format!(".{part}"));
        }
    }
    out
}

/// A schema checked and compiled once, to validate many answers with.
#[derive(Clone)]
pub struct Schema {
    source: Value,
    validator: std::sync::Arc<jsonschema::Validator>,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Schema({})", self.source)
    }
}

impl PartialEq for Schema {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Schema {
    pub fn new(schema: &Value) -> Result<Schema, String> {
        keywords(schema, "$")?;
        Ok(Schema {
            source: schema.clone(),
            validator: std::sync::Arc::new(compile(schema)?),
        })
    }

    /// The errors (the first three), each with the place where it is (`$.items[2].name: ...`).
    pub fn check(&self, v: &Value) -> Result<(), String> {
        let errors: Vec<String> = self
            .validator
            .iter_errors(v)
            .take(3)
            .map(|e| format!("{}: {e}", place(&e.instance_path().to_string())))
            .collect();
        match errors.is_empty() {
            true => Ok(()),
            false => Err(errors.join("; ")),
        }
    }
}

/// Validate `v` against `schema` (compiled for this one value).
pub fn validate(v: &Value, schema: &Value) -> Result<(), String> {
    Schema::new(schema)?.check(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn person() -> Value {
        json!({
            "type": "object",
            "required": ["name", "age"],
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string", "minLength": 2, "pattern": "^[A-Z]"},
                "age": {"type": "integer", "minimum": 0, "maximum": 150},
                "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2},
                "kind": {"oneOf": [{"type": "integer"}, {"const": "x"}]}
            }
        })
    }

    #[test]
    fn good_values_pass() {
        let s = person();
        validate(
            &json!({"name": "Ada", "age": 36, "tags": ["a"], "kind": 3}),
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
            (json!([1]), "$: ", "object"),
            (
                json!({"name": "Ada"}),
                "$: ",
                "\"age\" is a required property",
            ),
            (
                json!({"name": "Ada", "age": 1, "x": 1}),
                "$: ",
                "'x' was unexpected",
            ),
            (json!({"name": "A", "age": 1}), "$.name: ", "shorter than 2"),
            (json!({"name": "ada", "age": 1}), "$.name: ", "^[A-Z]"),
            (json!({"name": "Ada", "age": 1.5}), "$.age: ", "integer"),
            (json!({"name": "Ada", "age": -1}), "$.age: ", "minimum of 0"),
            (
                json!({"name": "Ada", "age": 151}),
                "$.age: ",
                "maximum of 150",
            ),
            (
                json!({"name": "Ada", "age": 1, "tags": ["c"]}),
                "$.tags[0]: ",
                "\"c\"",
            ),
            (
                json!({"name": "Ada", "age": 1, "tags": ["a", "a", "b"]}),
                "$.tags: ",
                "more than 2",
            ),
            (
                json!({"name": "Ada", "age": 1, "kind": "y"}),
                "$.kind: ",
                "oneOf",
            ),
        ];
        for (v, at, why) in cases {
            let e = validate(&v, &s).unwrap_err();
            assert!(e.starts_with(at) && e.contains(why), "{v}: {e}");
        }
        assert!(validate(&json!(1), &json!(false)).is_err());
        assert!(validate(&json!("x"), &json!({"not": {"type": "string"}})).is_err());
    }

    #[test]
    fn the_keywords_the_old_validator_skipped_are_checked() {
        let fails = [
            (json!(5), json!({"exclusiveMinimum": 5})),
            (json!(7), json!({"multipleOf": 2})),
            (json!([1, 1]), json!({"uniqueItems": true})),
            (
                json!(["a", 1]),
                json!({"prefixItems": [{"type": "string"}, {"type": "string"}]}),
            ),
            (
                json!({"x_1": "a"}),
                json!({"patternProperties": {"^x_": {"type": "integer"}}}),
            ),
            (
                json!({"kind": "a"}),
                json!({"if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["a"]}}),
            ),
            (
                json!({"a": "x"}),
                json!({"$defs": {"n": {"type": "integer"}}, "properties": {"a": {"$ref": "#/$defs/n"}}}),
            ),
        ];
        for (v, s) in fails {
            assert!(check_schema(&s).is_ok(), "{s}");
            assert!(validate(&v, &s).is_err(), "{v} passed {s}");
        }
    }

    #[test]
    fn unusable_schemas_and_unknown_keywords_are_refused_up_front() {
        assert!(
            check_schema(&json!(3))
                .unwrap_err()
                .contains("object or a boolean")
        );
        let e =
            check_schema(&json!({"properties": {"a": {"$ref": "https://x/s.json"}}})).unwrap_err();
        assert!(e.contains("$ref") && e.contains("$.properties.a"), "{e}");
        assert!(check_schema(&json!({"pattern": "(x"})).is_err());
        check_schema(&json!({"enum": [{"pattern": "(x"}]})).unwrap();
        let e = check_schema(&json!({"properties": {"a": {"minimun": 1}}})).unwrap_err();
        assert!(e.contains("`minimun` is not a JSON Schema keyword"), "{e}");
        // A property may be named like anything, a keyword included.
        check_schema(&json!({"properties": {"minimun": {"type": "string"}, "type": {}}})).unwrap();
        assert!(
            validate(&json!(1), &json!({"maxValue": 0})).is_err(),
            "never a silent pass"
        );
    }
}

//! Checks a workload line may carry, as promptfoo's assertions do: `expect` (substrings),
//! `regex`, `json_schema` (the answer must parse and validate), `max_output_tokens`, and `judge`
//! (a rubric graded by a judge model; see `judge`). Pure.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checks {
    pub expect: Vec<String>,
    pub regex: Option<String>,
    pub json_schema: Option<Value>,
    pub max_output_tokens: Option<u64>,
    pub judge: Option<String>,
    /// `regex` compiled once by `prepare` (checks built otherwise compile it per answer).
    pub compiled: Option<Pattern>,
    /// `json_schema` compiled once by `prepare`, likewise.
    pub schema: Option<crate::jsonschema::Schema>,
}

pub use crate::pattern::Pattern;

/// The kinds of check, as named in JSON and in `pass_rate_<kind>` gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Expect,
    Regex,
    JsonSchema,
    MaxOutputTokens,
}

impl CheckKind {
    pub const ALL: [CheckKind; 4] = [
        CheckKind::Expect,
        CheckKind::Regex,
        CheckKind::JsonSchema,
        CheckKind::MaxOutputTokens,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CheckKind::Expect => "expect",
            CheckKind::Regex => "regex",
            CheckKind::JsonSchema => "json_schema",
            CheckKind::MaxOutputTokens => "max_output_tokens",
        }
    }
}

/// One check's verdict on one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub check: CheckKind,
    pub passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// `"text"` or `["a", "b"]`.
pub fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// Regexes are compiled with a size limit: a check is never a way to exhaust memory.
impl Checks {
    /// Why these checks cannot run, found when the workload is read; the regex compiled once.
    pub fn prepare(&mut self) -> Result<(), String> {
        if let Some(re) = &self.regex {
            self.compiled = Some(Pattern::new(re)?);
        }
        if let Some(s) = &self.json_schema {
            let compiled =
                crate::jsonschema::Schema::new(s).map_err(|e| format!("json_schema: {e}"))?;
            self.schema = Some(compiled);
        }
        if self.judge.as_deref().is_some_and(|j| j.trim().is_empty()) {
            return Err("judge: the rubric is empty".into());
        }
        Ok(())
    }

    /// Every check but the judge, on one answer. `output_tokens` is the answer's count.
    pub fn evaluate(&self, text: &str, output_tokens: Option<u64>) -> Vec<Verdict> {
        let mut out = Vec::new();
        let mut put = |check, why: Option<String>| {
            out.push(Verdict {
                check,
                passed: why.is_none(),
                why,
            })
        };
        if !self.expect.is_empty() {
            let missing: Vec<&str> = self
                .expect
                .iter()
                .filter(|e| !text.contains(e.as_str()))
                .map(String::as_str)
                .collect();
            put(
                CheckKind::Expect,
                (!missing.is_empty()).then(|| format!("missing {missing:?}")),
            );
        }
        if let Some(re) = &self.regex {
            let matched = match &self.compiled {
                Some(p) => Ok(p.0.is_match(text)),
                None => Pattern::new(re).map(|r| r.is_match(text)),
            };
            let why = match matched {
                Ok(true) => None,
                Ok(false) => Some(format!("no match for /{re}/")),
                Err(e) => Some(e),
            };
            put(CheckKind::Regex, why);
        }
        if let Some(schema) = &self.json_schema {
            let why = match serde_json::from_str::<Value>(json_body(text)) {
                Ok(v) => match &self.schema {
                    Some(s) => s.check(&v).err(),
                    None => crate::jsonschema::validate(&v, schema).err(),
                },
                Err(e) => Some(format!("not JSON: {e}")),
            };
            put(CheckKind::JsonSchema, why);
        }
        if let Some(max) = self.max_output_tokens {
            let why = match output_tokens {
                Some(n) if n <= max => None,
                Some(n) => Some(format!("{n} output tokens, over {max}")),
                None => Some("no output tokens to count".into()),
            };
            put(CheckKind::MaxOutputTokens, why);
        }
        out
    }
}

/// The JSON in an answer: the whole text, or the inside of one fenced block around it.
fn json_body(text: &str) -> &str {
    let t = text.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return t;
    };
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    rest.strip_suffix("```").unwrap_or(rest).trim()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn checks() -> Checks {
        Checks {
            expect: vec!["Paris".into(), "France".into()],
            regex: Some(r"^\w+ is".into()),
            json_schema: None,
            max_output_tokens: Some(10),
            judge: None,
            compiled: None,
            schema: None,
        }
    }

    #[test]
    fn passing_and_failing_answers() {
        let c = checks();
        let ok = c.evaluate("Paris is the capital of France.", Some(8));
        assert!(ok.iter().all(|v| v.passed), "{ok:?}");
        assert_eq!(ok.len(), 3);
        let bad = c.evaluate("Lyon, France it is.", Some(11));
        let why: Vec<_> = bad.iter().map(|v| (v.check, v.why.clone())).collect();
        assert_eq!(
            why,
            vec![
                (CheckKind::Expect, Some("missing [\"Paris\"]".into())),
                (CheckKind::Regex, Some(r"no match for /^\w+ is/".into())),
                (
                    CheckKind::MaxOutputTokens,
                    Some("11 output tokens, over 10".into())
                ),
            ]
        );
        let none = c.evaluate("Paris is in France", None);
        assert_eq!(none[2].why.as_deref(), Some("no output tokens to count"));
        // Exactly at the limit passes.
        assert!(c.evaluate("Paris is in France", Some(10))[2].passed);
        assert!(Checks::default().evaluate("anything", Some(1)).is_empty());
    }

    #[test]
    fn json_answers_parse_fenced_or_not_and_validate() {
        let c = Checks {
            json_schema: Some(json!({"type": "object", "required": ["city"]})),
            ..Default::default()
        };
        assert!(c.evaluate("{\"city\": \"Paris\"}", None)[0].passed);
        assert!(c.evaluate("```json\n{\"city\": \"Paris\"}\n```", None)[0].passed);
        assert!(c.evaluate("```\n{\"city\": 1}\n```", None)[0].passed);
        let v = &c.evaluate("{\"town\": \"Paris\"}", None)[0];
        assert_eq!(v.why.as_deref(), Some("$: \"city\" is a required property"));
        let v = &c.evaluate("Sure! {\"city\": \"Paris\"}", None)[0];
        assert!(v.why.as_deref().unwrap().starts_with("not JSON"), "{v:?}");
        // Compiled once by `prepare`: the same verdicts.
        let mut prepared = c.clone();
        prepared.prepare().unwrap();
        assert!(prepared.schema.is_some());
        for answer in ["{\"city\": \"Paris\"}", "{\"town\": \"Paris\"}", "no"] {
            assert_eq!(prepared.evaluate(answer, None), c.evaluate(answer, None));
        }
    }

    #[test]
    fn unusable_checks_are_found_when_read() {
        let mut bad_re = Checks {
            regex: Some("(".into()),
            ..Default::default()
        };
        assert!(bad_re.prepare().unwrap_err().starts_with("regex"));
        let mut huge = Checks {
            regex: Some("\\w{5000}{5000}".into()),
            ..Default::default()
        };
        assert!(huge.prepare().is_err(), "over the size limit");
        let mut empty_judge = Checks {
            judge: Some("  ".into()),
            ..Default::default()
        };
        assert!(empty_judge.prepare().is_err());
        let mut schema = Checks {
            json_schema: Some(json!(1)),
            ..Default::default()
        };
        assert!(schema.prepare().unwrap_err().starts_with("json_schema"));
        let mut c = checks();
        c.prepare().unwrap();
        assert!(c.compiled.is_some());
        // Compiled or not, the verdicts are the same.
        for text in ["Paris is in France", "Lyon, France it is."] {
            assert_eq!(c.evaluate(text, Some(3)), checks().evaluate(text, Some(3)));
        }
    }
}

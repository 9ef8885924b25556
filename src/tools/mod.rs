//! Tools offered to models: function definitions read from JSON or TOML (`--tools FILE`, or
//! `[tools.NAME]` in the config), calls checked against their schemas, and canned results (stubs).
//! Pure but for reading the files.

pub mod agent;

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

/// One function a model may call.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDef {
    pub name: String,
    pub description: String,
    /// A JSON Schema of the arguments (an object schema).
    pub parameters: Value,
}

/// The tools of a request, in the order given.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolSet {
    pub tools: Vec<ToolDef>,
}

/// `[tools.NAME]` in TOML (the config and TOML files), or one entry of a JSON list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolConfig {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default = "empty_object")]
    pub parameters: Value,
}

fn empty_object() -> Value {
    json!({"type": "object", "properties": {}})
}

fn valid_name(n: &str) -> bool {
    (1..=64).contains(&n.len())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl ToolDef {
    fn new(name: String, c: ToolConfig) -> Result<Self, String> {
        if !valid_name(&name) {
            return Err(format!(
                "tool name {name:?}: use 1-64 letters, digits, `_` or `-`"
            ));
        }
        if !c.parameters.is_object() {
            return Err(format!(
                "tool {name}: `parameters` must be a JSON Schema object"
            ));
        }
        crate::jsonschema::check_schema(&c.parameters)
            .map_err(|e| format!("tool {name}: parameters: {e}"))?;
        Ok(Self {
            name,
            description: c.description,
            parameters: c.parameters,
        })
    }
}

impl ToolSet {
    /// From `[tools.NAME]` tables, as the config holds them.
    pub fn from_tables(tables: BTreeMap<String, ToolConfig>) -> Result<Self, String> {
        let tools = tables
            .into_iter()
            .map(|(name, c)| ToolDef::new(c.name.clone().unwrap_or(name), c))
            .collect::<Result<_, _>>()?;
        Self { tools }.checked()
    }

    /// JSON: a list of OpenAI tools (`{"type":"function","function":{…}}`) or bare functions
    /// (`{name, description, parameters}`), or `{"tools": [...]}`.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let list = match v {
            Value::Array(a) => a,
            Value::Object(mut o) => match o.remove("tools") {
                Some(Value::Array(a)) => a,
                _ => return Err("expected a list of tools, or {\"tools\": [...]}".into()),
            },
            _ => return Err("expected a list of tools".into()),
        };
        let mut tools = Vec::new();
        for (i, item) in list.into_iter().enumerate() {
            let f = match item.get("function") {
                Some(f) if item.get("type").and_then(Value::as_str) == Some("function") => {
                    f.clone()
                }
                _ => item,
            };
            let c: ToolConfig =
                serde_json::from_value(f).map_err(|e| format!("tool {}: {e}", i + 1))?;
            let name = c
                .name
                .clone()
                .ok_or_else(|| format!("tool {}: no `name`", i + 1))?;
            tools.push(ToolDef::new(name, c)?);
        }
        Self { tools }.checked()
    }

    /// TOML: `[tools.NAME]` tables, or `[[tools]]` entries with a `name`.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Tables { tools: BTreeMap<String, ToolConfig> },
            List { tools: Vec<ToolConfig> },
        }
        let shape: Shape = toml::from_str(text).map_err(|e| {
            format!("not a tools file ([tools.NAME] tables or [[tools]] entries): {e}")
        })?;
        match shape {
            Shape::Tables { tools } => Self::from_tables(tools),
            Shape::List { tools } => {
                let tools = tools
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let name = c
                            .name
                            .clone()
                            .ok_or_else(|| format!("tool {}: no `name`", i + 1))?;
                        ToolDef::new(name, c)
                    })
                    .collect::<Result<_, _>>()?;
                Self { tools }.checked()
            }
        }
    }

    /// Read `path`, JSON or TOML by its extension (or by trying JSON first).
    pub fn load(path: &str) -> Result<Self, String> {
        let text = read_small(path)?;
        let r = if path.ends_with(".toml") {
            Self::from_toml(&text)
        } else if path.ends_with(".json") || text.trim_start().starts_with(['[', '{']) {
            Self::from_json(&text)
        } else {
            Self::from_toml(&text)
        };
        r.map_err(|e| format!("{path}: {e}"))
    }

    fn checked(self) -> Result<Self, String> {
        for (i, t) in self.tools.iter().enumerate() {
            if self.tools[..i].iter().any(|o| o.name == t.name) {
                return Err(format!("tool {} is defined twice", t.name));
            }
        }
        if self.tools.is_empty() {
            return Err("no tools defined".into());
        }
        Ok(self)
    }

    /// The `tools` of a chat request.
    pub fn wire(&self) -> Value {
        Value::Array(
            self.tools
                .iter()
                .map(|t| {
                    json!({"type": "function", "function": {
                        "name": t.name, "description": t.description, "parameters": t.parameters}})
                })
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&ToolDef> {
        self.tools.iter().find(|t| t.name == name)
    }

    /// Whether a call's arguments are what its tool asks for; the error says where they are not.
    pub fn check(&self, name: &str, arguments: &str) -> Result<Value, String> {
        let tool = self.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.tools.iter().map(|t| t.name.as_str()).collect();
            format!(
                "no tool named {name:?} was offered (offered: {})",
                known.join(", ")
            )
        })?;
        let args = if arguments.trim().is_empty() {
            "{}"
        } else {
            arguments
        };
        let v: Value =
            serde_json::from_str(args).map_err(|e| format!("the arguments are not JSON: {e}"))?;
        crate::jsonschema::validate(&v, &tool.parameters)?;
        Ok(v)
    }
}

/// A tools or stubs file: at most 1 MiB of text.
fn read_small(path: &str) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{path}: {e}"))?;
    if meta.len() > 1 << 20 {
        return Err(format!("{path}: larger than 1 MiB"));
    }
    std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
}

/// Canned tool results by tool name; `*` answers any tool without its own. A string is sent as
/// written, anything else as its JSON.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stubs {
    pub by_name: BTreeMap<String, String>,
}

impl Stubs {
    pub fn parse(text: &str, toml_first: bool) -> Result<Self, String> {
        let v: Value = if toml_first {
            let t: toml::Table = toml::from_str(text).map_err(|e| format!("not TOML: {e}"))?;
            serde_json::to_value(t).map_err(|e| e.to_string())?
        } else {
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?
        };
        let Value::Object(map) = v else {
            return Err("expected a map of tool name to result".into());
        };
        let by_name = map
            .into_iter()
            .map(|(k, v)| {
                let s = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, s)
            })
            .collect();
        Ok(Self { by_name })
    }

    pub fn load(path: &str) -> Result<Self, String> {
        let text = read_small(path)?;
        let toml_first = path.ends_with(".toml")
            || !(path.ends_with(".json") || text.trim_start().starts_with('{'));
        Self::parse(&text, toml_first).map_err(|e| format!("{path}: {e}"))
    }

    pub fn answer(&self, name: &str) -> Option<&str> {
        self.by_name
            .get(name)
            .or_else(|| self.by_name.get("*"))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests;

//! Routing by rule: a route may pick its first model by what the request is (long input, tools
//! offered, words in the prompt, an attachment) before its fallback chain. Pure: the facts of a
//! request, the first rule that matches, and the route it leaves.

use serde::{Deserialize, Serialize};

use super::Route;
use crate::gateway::wire::{ChatRequest, Role};

/// `[[routes.NAME.rules]]`: a model, and when it is picked. Every condition given must hold.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleConfig {
    /// Shown in the pane and in `bench` (default: the conditions, e.g. `input_tokens>8000`).
    pub name: Option<String>,
    pub model: String,
    /// The prompt's estimated input tokens are above this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens_over: Option<u64>,
    /// Tools are (or are not) offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<bool>,
    /// The last user message matches this regex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_regex: Option<String>,
    /// The prompt carries (or does not carry) an attachment (`--attach`, `@path`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<bool>,
}

/// A checked rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub model: String,
    pub input_tokens_over: Option<u64>,
    pub tools: Option<bool>,
    pub prompt_regex: Option<crate::pattern::Pattern>,
    pub attachments: Option<bool>,
}

impl Rule {
    pub fn from_config(route: &str, c: &RuleConfig) -> Result<Self, String> {
        if c.model.trim().is_empty() {
            return Err(format!("route {route:?}: a rule has no `model`"));
        }
        let none = c.input_tokens_over.is_none()
            && c.tools.is_none()
            && c.prompt_regex.is_none()
            && c.attachments.is_none();
        if none {
            return Err(format!(
                "route {route:?}: the rule for {} has no condition (input_tokens_over, tools, \
                 prompt_regex or attachments)",
                c.model
            ));
        }
        let prompt_regex = match &c.prompt_regex {
            Some(p) => Some(
                crate::pattern::Pattern::new(p)
                    .map_err(|e| format!("route {route:?}: prompt_{e}"))?,
            ),
            None => None,
        };
        let mut words = Vec::new();
        if let Some(n) = c.input_tokens_over {
            words.push(format!("input_tokens>{n}"));
        }
        if let Some(t) = c.tools {
            words.push(if t { "tools" } else { "no tools" }.to_string());
        }
        if let Some(p) = &c.prompt_regex {
            words.push(format!("prompt~/{p}/"));
        }
        if let Some(a) = c.attachments {
            words.push(if a { "attachments" } else { "no attachments" }.to_string());
        }
        Ok(Self {
            name: c.name.clone().unwrap_or_else(|| words.join(" & ")),
            model: c.model.clone(),
            input_tokens_over: c.input_tokens_over,
            tools: c.tools,
            prompt_regex,
            attachments: c.attachments,
        })
    }

    pub fn to_config(&self) -> RuleConfig {
        RuleConfig {
            name: Some(self.name.clone()),
            model: self.model.clone(),
            input_tokens_over: self.input_tokens_over,
            tools: self.tools,
            prompt_regex: self.prompt_regex.as_ref().map(|p| p.0.as_str().to_string()),
            attachments: self.attachments,
        }
    }

    pub fn matches(&self, f: &Facts) -> bool {
        self.input_tokens_over.is_none_or(|n| f.input_tokens > n)
            && self.tools.is_none_or(|t| t == f.tools)
            && self.attachments.is_none_or(|a| a == f.attachments)
            && self
                .prompt_regex
                .as_ref()
                .is_none_or(|p| p.0.is_match(&f.prompt))
    }
}

/// What rules look at in a request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facts {
    pub input_tokens: u64,
    pub tools: bool,
    pub attachments: bool,
    /// The last user message.
    pub prompt: String,
}

/// The framing `attach::compose` puts around each attached file.
const ATTACHED: &str = "<file path=\"";

pub fn facts(req: &ChatRequest) -> Facts {
    let prompt = req
        .messages
        .iter()
        .rev()
        .find(|m| m.role == Role::User)
        .map(|m| m.content.clone())
        .unwrap_or_default();
    Facts {
        input_tokens: crate::metrics::estimate_prompt_tokens(&req.messages),
        tools: req
            .tools
            .as_ref()
            .is_some_and(|t| t.as_array().is_none_or(|a| !a.is_empty())),
        attachments: prompt.starts_with(ATTACHED),
        prompt,
    }
}

impl Route {
    /// The route for this request: when a rule matches, its model first, then the chain without
    /// it; and the rule's name. Without rules (or no match), the route as it is.
    pub fn for_request(&self, req: &ChatRequest) -> (std::borrow::Cow<'_, Route>, Option<String>) {
        use std::borrow::Cow;
        if self.rules.is_empty() {
            return (Cow::Borrowed(self), None);
        }
        let f = facts(req);
        match self.rules.iter().find(|r| r.matches(&f)) {
            Some(rule) => {
                let mut chain = vec![rule.model.clone()];
                chain.extend(self.chain.iter().filter(|m| **m != rule.model).cloned());
                let route = Route {
                    chain,
                    ..self.clone()
                };
                (Cow::Owned(route), Some(rule.name.clone()))
            }
            None => (Cow::Borrowed(self), None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::wire::Message;
    use crate::route::RouteConfig;

    fn route() -> Route {
        let rule = |model: &str, f: &dyn Fn(&mut RuleConfig)| {
            let mut c = RuleConfig {
                model: model.into(),
                ..Default::default()
            };
            f(&mut c);
            c
        };
        Route::from_config(
            "smart",
            &RouteConfig {
                chain: vec!["cheap".into(), "big".into()],
                rules: vec![
                    rule("long", &|c| c.input_tokens_over = Some(1000)),
                    rule("agent", &|c| c.tools = Some(true)),
                    rule("big", &|c| {
                        c.prompt_regex = Some("(?i)\\b(prove|theorem)\\b".into())
                    }),
                    rule("reader", &|c| {
                        c.attachments = Some(true);
                        c.name = Some("docs".into());
                    }),
                ],
                ..Default::default()
            },
        )
        .unwrap()
    }

    fn req(prompt: &str, tools: bool) -> ChatRequest {
        ChatRequest {
            messages: vec![Message::system("be brief"), Message::user(prompt)],
            tools: tools
                .then(|| serde_json::json!([{"type": "function", "function": {"name": "f"}}])),
            ..Default::default()
        }
    }

    #[test]
    fn the_first_matching_rule_picks_the_first_model_and_the_chain_follows() {
        let r = route();
        let pick = |q: &ChatRequest| {
            let (route, rule) = r.for_request(q);
            (route.chain.clone(), rule)
        };
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(pick(&req("hello", false)), (s(&["cheap", "big"]), None));
        assert_eq!(
            pick(&req(&"word ".repeat(1200), true)),
            (
                s(&["long", "cheap", "big"]),
                Some("input_tokens>1000".into())
            ),
            "the first rule wins over the tools rule"
        );
        assert_eq!(pick(&req("hi", true)).1.as_deref(), Some("tools"));
        // The rule's model is not tried twice: it leaves the chain.
        assert_eq!(
            pick(&req("Prove this theorem", false)),
            (
                s(&["big", "cheap"]),
                Some("prompt~/(?i)\\b(prove|theorem)\\b/".into())
            )
        );
        let attached = crate::attach::compose(
            "q",
            &[crate::attach::Attachment {
                path: "a".into(),
                files: vec![crate::attach::FileText {
                    path: "a".into(),
                    text: "x".into(),
                }],
                skipped: vec![],
                bytes: 1,
                tokens: 3,
            }],
        );
        assert_eq!(pick(&req(&attached, false)).1.as_deref(), Some("docs"));
        assert!(!facts(&req("mentions <file path=\" late", false)).attachments);
    }

    #[test]
    fn every_condition_of_a_rule_must_hold() {
        let r = Rule::from_config(
            "r",
            &RuleConfig {
                model: "m".into(),
                input_tokens_over: Some(10),
                tools: Some(false),
                ..Default::default()
            },
        )
        .unwrap();
        let f = |input_tokens, tools| Facts {
            input_tokens,
            tools,
            ..Default::default()
        };
        assert!(r.matches(&f(11, false)));
        assert!(!r.matches(&f(10, false)), "over, not at");
        assert!(!r.matches(&f(11, true)));
        assert_eq!(r.name, "input_tokens>10 & no tools");
        assert_eq!(Rule::from_config("r", &r.to_config()).unwrap(), r);
    }

    #[test]
    fn bad_rules_are_refused_with_the_route_named() {
        let bad = |c: RuleConfig| Rule::from_config("smart", &c).unwrap_err();
        assert!(
            bad(RuleConfig {
                model: "m".into(),
                ..Default::default()
            })
            .contains("no condition")
        );
        assert!(
            bad(RuleConfig {
                tools: Some(true),
                ..Default::default()
            })
            .contains("no `model`")
        );
        let e = bad(RuleConfig {
            model: "m".into(),
            prompt_regex: Some("(".into()),
            ..Default::default()
        });
        assert!(e.contains("route \"smart\": prompt_regex"), "{e}");
    }
}

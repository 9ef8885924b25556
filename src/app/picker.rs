//! The model picker: the `/v1/models` list, fuzzily filtered (nucleo-matcher, as in Helix).

use super::keymap::ListCmd;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use crate::gateway::wire::ModelInfo;

#[derive(Debug, Default)]
pub struct Picker {
    pub models: Vec<ModelInfo>,
    pub error: Option<String>,
    pub loading: bool,
    pub filter: String,
    /// Indices into `models` that match the filter, best first.
    pub matches: Vec<usize>,
    pub cursor: usize,
}

/// What a key in the picker asks of the rest of the workbench.
#[derive(Debug, Clone, PartialEq)]
pub enum PickerOut {
    None,
    Toggle(String),
}

impl Picker {
    pub fn new() -> Self {
        Self {
            loading: true,
            ..Default::default()
        }
    }

    pub fn loaded(&mut self, result: Result<Vec<ModelInfo>, String>) {
        self.loading = false;
        match result {
            Ok(models) => {
                self.models = models;
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
        self.refilter();
    }

    /// Selected models the gateway does not list join the list (so they can be deselected), and
    /// the message names them with the closest listed names.
    pub fn adopt_unlisted(&mut self, selected: &[String]) -> Option<String> {
        if self.models.is_empty() {
            return None;
        }
        let unknown: Vec<&String> = selected
            .iter()
            .filter(|id| !self.models.iter().any(|m| &m.id == *id))
            .collect();
        if unknown.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        for id in &unknown {
            let close = closest(&self.models, id);
            parts.push(if close.is_empty() {
                id.to_string()
            } else {
                format!("{id} (closest: {})", close.join(", "))
            });
        }
        for id in unknown {
            self.models.push(ModelInfo {
                id: id.clone(),
                ..Default::default()
            });
        }
        self.refilter();
        Some(format!("not in /v1/models: {}", parts.join("; ")))
    }

    pub fn refilter(&mut self) {
        self.matches = filter(&self.models, &self.filter);
        self.cursor = self.cursor.min(self.matches.len().saturating_sub(1));
    }

    pub fn paste(&mut self, text: &str) {
        self.filter
            .push_str(text.lines().next().unwrap_or("").trim());
        self.refilter();
    }

    /// Esc clears a filter before it means anything else; true when it did.
    pub fn clear_filter(&mut self) -> bool {
        if self.filter.is_empty() {
            return false;
        }
        self.filter.clear();
        self.refilter();
        true
    }

    /// A key in the picker: the list layer's `cmd` moves and selects (plain keys type into the
    /// filter, save Space, which selects too); the rest edit the filter.
    pub fn update(&mut self, cmd: Option<ListCmd>, k: KeyEvent) -> PickerOut {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match (cmd, k.code) {
            (Some(ListCmd::Up), _) => self.cursor = self.cursor.saturating_sub(1),
            (Some(ListCmd::Down), _) => {
                self.cursor = (self.cursor + 1).min(self.matches.len().saturating_sub(1))
            }
            (Some(ListCmd::Open), _) | (_, KeyCode::Char(' ')) => {
                if let Some(&i) = self.matches.get(self.cursor) {
                    return PickerOut::Toggle(self.models[i].id.clone());
                }
            }
            (_, KeyCode::Backspace) => {
                self.filter.pop();
                self.refilter();
            }
            (_, KeyCode::Char('u')) if ctrl => {
                self.filter.clear();
                self.refilter();
            }
            (_, KeyCode::Char(c)) if !ctrl && !k.modifiers.contains(KeyModifiers::ALT) => {
                self.filter.push(c);
                self.cursor = 0;
                self.refilter();
            }
            _ => {}
        }
        PickerOut::None
    }
}

/// Indices of the models matching `query`, best match first; all of them, in order, when empty.
pub fn filter(models: &[ModelInfo], query: &str) -> Vec<usize> {
    if query.trim().is_empty() {
        return (0..models.len()).collect();
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let ids: Vec<(usize, &str)> = models.iter().map(|m| m.id.as_str()).enumerate().collect();
    let mut scored: Vec<(usize, u32)> = pattern
        .match_list(ids.iter().map(|(i, id)| IdRef(*i, id)), &mut matcher)
        .into_iter()
        .map(|(r, score)| (r.0, score))
        .collect();
    // Stable for equal scores: keep the list's own order.
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.into_iter().map(|(i, _)| i).collect()
}

/// The two listed names nearest to `id` by edit distance (typos), when near enough to help.
fn closest<'a>(models: &'a [ModelInfo], id: &str) -> Vec<&'a str> {
    let mut scored: Vec<(usize, &str)> = models
        .iter()
        .map(|m| (strsim::levenshtein(&m.id, id), m.id.as_str()))
        .filter(|(d, _)| *d <= (id.chars().count() / 3).max(2))
        .collect();
    scored.sort();
    scored.into_iter().take(2).map(|(_, m)| m).collect()
}

struct IdRef<'a>(usize, &'a str);

impl AsRef<str> for IdRef<'_> {
    fn as_ref(&self) -> &str {
        self.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn models(ids: &[&str]) -> Vec<ModelInfo> {
        ids.iter()
            .map(|id| ModelInfo {
                id: id.to_string(),
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn fuzzy_matches_best_first() {
        let m = models(&[
            "openai/gpt-4o",
            "anthropic/claude-sonnet",
            "openai/gpt-4o-mini",
            "meta/llama",
        ]);
        assert_eq!(filter(&m, ""), vec![0, 1, 2, 3]);
        let got = filter(&m, "gpt mini");
        assert_eq!(got[0], 2);
        assert!(filter(&m, "cls").contains(&1));
        assert!(filter(&m, "zzzz").is_empty());
    }

    #[test]
    fn closest_names_by_edit_distance() {
        let m = models(&["openai/gpt-4o", "openai/gpt-4o-mini", "meta/llama"]);
        assert_eq!(closest(&m, "openai/gpt4o"), vec!["openai/gpt-4o"]);
        assert!(closest(&m, "something/else-entirely").is_empty());
    }
}

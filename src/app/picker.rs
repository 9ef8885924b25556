//! Fuzzy filtering of the model list (nucleo-matcher, as in Helix).

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use crate::gateway::wire::ModelInfo;

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
}

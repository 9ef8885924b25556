//! A user's regular expression (a workload check, a routing rule), compiled once with a size limit
//! so a hostile pattern cannot take the memory, and compared by its source.

use std::sync::Arc;

/// The most memory one compiled pattern may take.
const SIZE_LIMIT: usize = 1 << 20;

#[derive(Debug, Clone)]
pub struct Pattern(pub Arc<regex::Regex>);

impl Pattern {
    /// Compile `re`; the error names the pattern.
    pub fn new(re: &str) -> Result<Self, String> {
        regex::RegexBuilder::new(re)
            .size_limit(SIZE_LIMIT)
            .build()
            .map(|r| Pattern(Arc::new(r)))
            .map_err(|e| format!("regex {re:?}: {e}"))
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, o: &Pattern) -> bool {
        self.0.as_str() == o.0.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_is_compared_by_its_source_and_a_bad_one_is_named() {
        assert_eq!(Pattern::new("a+").unwrap(), Pattern::new("a+").unwrap());
        assert_ne!(Pattern::new("a+").unwrap(), Pattern::new("a*").unwrap());
        assert!(Pattern::new("a+").unwrap().is_match("baa"));
        let e = Pattern::new("(").unwrap_err();
        assert!(e.starts_with("regex \"(\": "), "{e}");
        // Past the size limit: refused, not compiled into a huge automaton.
        let e = Pattern::new(r"\w{1000}\w{1000}").unwrap_err();
        assert!(e.contains("size limit"), "{e}");
    }
}

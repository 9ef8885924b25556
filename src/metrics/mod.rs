//! Timing, token and cost maths. Pure: no IO, no clock.

pub mod cost;
pub mod timing;

pub use cost::{Cost, CostSource};
pub use timing::{Figures, Timeline, TokenCount, figures};

/// A rough token count for text when the server reports none. Marked as an estimate wherever shown.
pub fn estimate_tokens(text: &str) -> u64 {
    // About four characters per token for English prose under BPE vocabularies.
    (text.chars().count() as u64).div_ceil(4)
}

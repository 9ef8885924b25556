//! Texts that gatebench's requests and its built-in demo gateway must agree on. Both sides read
//! them from here, so the demo gateway needs nothing from the client's layers.

/// The reply form the judge asks for (`bench::judge`); the demo gateway answers as a judge when a
/// prompt holds it.
pub const JUDGE_REPLY_FORM: &str = "SCORE: <1-5>";

/// The prompt that checks whether a server holds answers to `min_tokens` / `ignore_eos`
/// (`bench::replay`): a model left alone answers it in a word, as the demo gateway's models do.
pub const ONE_WORD_PROMPT: &str = "Reply with the single word: yes.";

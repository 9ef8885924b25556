//! Deterministic answers for the simulated models: varied markdown (headings, lists, code blocks,
//! a table, long lines) built from the prompt, the model and the seed, and the token split the
//! demo gateway streams and counts in `usage`.

use crate::rng::SplitMix64;

const OPENERS: &[&str] = &[
    "Here is a practical way to look at",
    "Short answer first, then the details on",
    "Let me break down",
    "There are a few moving parts in",
    "A useful mental model for",
];

const WORDS: &[&str] = &[
    "latency",
    "throughput",
    "gateway",
    "fallback",
    "route",
    "budget",
    "tokens",
    "stream",
    "cache",
    "provider",
    "request",
    "context",
    "window",
    "retry",
    "backoff",
    "quota",
    "model",
    "prompt",
    "response",
    "metric",
    "percentile",
    "deployment",
    "region",
    "burst",
    "queue",
    "payload",
    "schema",
    "timeout",
    "header",
    "capacity",
    "workload",
    "baseline",
    "variance",
    "signal",
    "error",
    "rate",
    "limit",
    "pricing",
    "evaluation",
    "benchmark",
];

const VERBS: &[&str] = &[
    "reduces",
    "shapes",
    "dominates",
    "hides",
    "amplifies",
    "bounds",
    "explains",
    "predicts",
    "changes",
    "drives",
];

const CONNECTORS: &[&str] = &[
    "In practice,",
    "Under load,",
    "For most teams,",
    "As a rule,",
    "When traffic spikes,",
    "On a cold start,",
    "Over a week,",
    "Measured end to end,",
];

const CODE: &[(&str, &str)] = &[
    (
        "python",
        "import time\n\ndef measure(client, model, prompt):\n    start = time.perf_counter()\n    first = None\n    for chunk in client.stream(model=model, prompt=prompt):\n        if first is None and chunk.text:\n            first = time.perf_counter() - start\n    return first, time.perf_counter() - start",
    ),
    (
        "rust",
        "fn decode_speed(tokens: u64, first: Duration, last: Duration) -> Option<f64> {\n    let span = last.checked_sub(first)?.as_secs_f64();\n    (tokens > 1 && span > 0.0).then(|| (tokens - 1) as f64 / span)\n}",
    ),
    (
        "bash",
        "curl -sN \"$BASE_URL/chat/completions\" \\\n  -H \"Authorization: Bearer $API_KEY\" \\\n  -H 'Content-Type: application/json' \\\n  -d '{\"model\":\"demo/fast-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'",
    ),
    (
        "toml",
        "[routes.checkout]\nchain = [\"primary-large\", \"backup-small\"]\non = [\"429\", \"5xx\", \"timeout\"]\nretries = 1",
    ),
];

/// Words from the prompt worth echoing back, so answers visibly relate to what was asked.
fn topic(prompt: &str) -> String {
    let words: Vec<&str> = prompt
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| w.len() > 3)
        .take(4)
        .collect();
    if words.is_empty() {
        "your question".to_string()
    } else {
        words.join(" ")
    }
}

fn sentence(rng: &mut SplitMix64) -> String {
    let mut s = String::new();
    if rng.below(3) == 0 {
        s.push_str(rng.pick(CONNECTORS));
        s.push(' ');
    }
    let subject = rng.pick(WORDS);
    let object = rng.pick(WORDS);
    let extra = rng.pick(WORDS);
    s.push_str(&format!(
        "the {subject} {} the {object} more than the {extra} does",
        rng.pick(VERBS)
    ));
    if rng.below(2) == 0 {
        s.push_str(&format!(
            ", especially when the {} is {}",
            rng.pick(WORDS),
            rng.pick(WORDS)
        ));
    }
    s.push('.');
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

fn paragraph(rng: &mut SplitMix64, sentences: usize) -> String {
    (0..sentences)
        .map(|_| sentence(rng))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Markdown of at least `min_tokens` tokens (the caller truncates to the exact budget).
/// The fact a prompt asks back: for a question "what is the X?" and, before it, a sentence
/// "The X is Y.", that sentence. How `gatebench ladder`'s needle is found offline.
pub fn recall(prompt: &str) -> Option<String> {
    const ASK: &str = "what is the ";
    let lower = prompt.to_ascii_lowercase();
    let q = lower.rfind(ASK)?;
    let end = lower[q..].find('?')? + q;
    let subject = lower[q + ASK.len()..end].trim();
    if subject.is_empty() || subject.len() > 80 {
        return None;
    }
    let stated = format!("the {subject} is ");
    let start = lower[..q].rfind(&stated)? + stated.len();
    let line = prompt[start..].lines().next().unwrap_or("");
    let value = line
        .split(". ")
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches('.');
    (!value.is_empty()).then(|| format!("The {} is {value}.", &prompt[end - subject.len()..end]))
}

pub fn answer(rng: &mut SplitMix64, prompt: &str, min_tokens: usize) -> String {
    let topic = topic(prompt);
    let mut out = format!("{} {topic}.\n\n", rng.pick(OPENERS));
    let mut section = 0;
    while count_tokens(&out) < min_tokens {
        section += 1;
        match (section + rng.below(2)) % 5 {
            0 => {
                out.push_str(&format!("## {} {section}\n\n", title(rng)));
                let n = 2 + rng.below(3);
                out.push_str(&paragraph(rng, n));
                out.push_str("\n\n");
            }
            1 => {
                let n = 3 + rng.below(3);
                for i in 0..n {
                    out.push_str(&format!("- **{}**: {}\n", rng.pick(WORDS), sentence(rng)));
                    if i == 1 && rng.below(2) == 0 {
                        out.push_str(&format!("  - nested: {}\n", sentence(rng)));
                    }
                }
                out.push('\n');
            }
            2 => {
                let (lang, code) = rng.pick(CODE);
                out.push_str(&format!("```{lang}\n{code}\n```\n\n"));
            }
            3 => {
                out.push_str("| option | p50 latency | cost per 1k tokens |\n|---|---:|---:|\n");
                for _ in 0..3 {
                    out.push_str(&format!(
                        "| {} | {} ms | ${:.4} |\n",
                        rng.pick(WORDS),
                        50 + rng.below(900),
                        rng.next_f64() / 100.0
                    ));
                }
                out.push('\n');
            }
            _ => {
                // One deliberately long line, to exercise wrapping.
                out.push_str(&paragraph(rng, 6));
                out.push_str("\n\n");
            }
        }
    }
    out
}

fn title(rng: &mut SplitMix64) -> String {
    let w = rng.pick(WORDS);
    let mut c = w.chars();
    let head: String = c
        .next()
        .map(|f| f.to_uppercase().collect())
        .unwrap_or_default();
    format!("{head}{} and {}", c.as_str(), rng.pick(WORDS))
}

pub fn reasoning(rng: &mut SplitMix64, prompt: &str, min_tokens: usize) -> String {
    let topic = topic(prompt);
    let mut out = format!("The user asks about {topic}. ");
    while count_tokens(&out) < min_tokens {
        out.push_str(&format!(
            "Consider the {} first; then check whether the {} matters. ",
            rng.pick(WORDS),
            rng.pick(WORDS)
        ));
    }
    out
}

/// Split text into the pieces the demo streams as tokens: a word with its leading whitespace, long
/// words cut into four-character pieces, punctuation on its own. Concatenating them gives the text.
pub fn tokenize(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    // Non-whitespace chars in the current token, and whether that content is punctuation.
    let mut content = 0;
    let mut content_is_punct = false;
    for (idx, ch) in text.char_indices() {
        let ws = ch.is_whitespace();
        let punct = !ws && !ch.is_alphanumeric();
        if content > 0 && (ws || punct || content_is_punct || content >= 4) {
            out.push(&text[start..idx]);
            start = idx;
            content = 0;
        }
        if !ws {
            content += 1;
            content_is_punct = punct;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

pub fn count_tokens(text: &str) -> usize {
    tokenize(text).len()
}

/// A judge's reply: a score of 1-5 (mostly 3-5) and a one-line reason, from the seed.
pub fn verdict(rng: &mut SplitMix64) -> String {
    const REASONS: &[&str] = &[
        "It answers the question but misses part of the rubric.",
        "It follows the rubric closely and stays on topic.",
        "It is correct and complete, with no padding.",
        "It covers the main point and skips a detail the rubric asks for.",
    ];
    let score = [2, 3, 4, 4, 5, 5][rng.next_u64() as usize % 6];
    let reason = REASONS[rng.next_u64() as usize % REASONS.len()];
    format!("SCORE: {score}\nREASON: {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_finds_the_stated_fact_before_the_question() {
        let p = "filler. The secret passphrase is amber-falcon-42. More filler.\n\nWhat is the secret passphrase? Reply with it only.";
        assert_eq!(
            recall(p).as_deref(),
            Some("The secret passphrase is amber-falcon-42.")
        );
        let p = "The Launch Code is 4.2 units\nq: what is the launch code?";
        assert_eq!(recall(p).as_deref(), Some("The launch code is 4.2 units."));
        assert_eq!(
            recall("What is the code? The code is 7."),
            None,
            "stated after the question"
        );
        assert_eq!(recall("no question here. The code is 7."), None);
        assert_eq!(recall("The code is . What is the code?"), None);
    }

    #[test]
    fn tokens_rebuild_the_text() {
        let samples = [
            "Hello, world! This is a tokenizer-test with `code` and\n\n- lists\n```rust\nfn x() {}\n```",
            "",
            "   leading spaces",
            "héllo wörld ✓✓",
            "supercalifragilistic",
        ];
        for s in samples {
            let t = tokenize(s);
            assert_eq!(t.concat(), s);
            assert!(t.iter().all(|p| !p.is_empty()));
        }
        assert_eq!(tokenize("supercalifragilistic").len(), 5);
        assert_eq!(tokenize("Hi, you"), vec!["Hi", ",", " you"]);
    }

    #[test]
    fn answers_are_deterministic_and_long_enough() {
        let a = answer(&mut SplitMix64::new(7), "compare latency of models", 300);
        let b = answer(&mut SplitMix64::new(7), "compare latency of models", 300);
        let c = answer(&mut SplitMix64::new(8), "compare latency of models", 300);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(count_tokens(&a) >= 300);
        assert!(a.contains("latency"));
    }
}

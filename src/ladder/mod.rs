//! The context ladder: one question asked with growing context (filler text with a needle in it),
//! per step TTFT, total time, cost and whether the answer found the needle. Pure: prompt building,
//! the results' shape and the text chart; `cli::ladder` and the workbench run the requests.

pub mod chart;
pub mod run;

use serde::{Deserialize, Serialize};

use crate::answer::AnswerRecord;

pub const DEFAULT_NEEDLE: &str = "The secret passphrase is amber-falcon-42.";
pub const DEFAULT_QUESTION: &str = "What is the secret passphrase? Reply with the passphrase only.";
pub const DEFAULT_SIZES: [u64; 4] = [1_000, 8_000, 32_000, 128_000];

/// Plain prose that says nothing a question could be about: the default filler.
const FILLER: &str = "The river bends twice before it reaches the old mill, where the water slows \
and the reeds grow thick along both banks. Farmers once brought grain there every autumn, and the \
wheel turned from dawn until the light failed. Later the mill stood empty for years, its roof open \
to the weather, until a family from the valley repaired the beams and planted an orchard beside \
the race. Visitors now walk the towpath in summer, stopping to watch herons standing in the \
shallows, and in winter the path is quiet except for the sound of the weir.\n\n";

/// `1k`, `8k`, `128k`, `1m`, `500`: a list of token counts, ascending and without repeats.
pub fn parse_sizes(s: &str) -> Result<Vec<u64>, String> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let lower = part.to_ascii_lowercase();
        let (num, scale) = match lower.chars().last() {
            Some('k') => (&lower[..lower.len() - 1], 1_000.0),
            Some('m') => (&lower[..lower.len() - 1], 1_000_000.0),
            _ => (lower.as_str(), 1.0),
        };
        let n = num
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)
            .map(|v| (v * scale).round() as u64)
            .filter(|n| (1..=10_000_000).contains(n))
            .ok_or_else(|| {
                format!("{part:?} is not a size: write tokens as 500, 8k or 1m (at most 10m)")
            })?;
        out.push(n);
    }
    if out.is_empty() {
        return Err("no sizes: write e.g. 1k,8k,32k".into());
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// What an answer must contain to count as having found `needle`: its last word, without the
/// sentence's full stop ("amber-falcon-42" for the default).
pub fn expected(needle: &str) -> String {
    needle
        .split_whitespace()
        .last()
        .unwrap_or("")
        .trim_matches(['.', '!', '?', ',', ';', ':', '"', '\''])
        .to_string()
}

pub fn found(answer: &str, expect: &str) -> bool {
    !expect.is_empty() && answer.to_lowercase().contains(&expect.to_lowercase())
}

/// The prompt of one step: about `tokens` tokens of `filler` (repeated as needed) with `needle`
/// at `depth` (0 = start, 1 = end) on a sentence boundary, then the question. `count` measures
/// tokens (the o200k estimate in use; a cheap stand-in in tests).
pub fn prompt(
    filler: &str,
    needle: &str,
    question: &str,
    tokens: u64,
    depth: f64,
    count: impl Fn(&str) -> u64,
) -> String {
    let filler = if filler.trim().is_empty() {
        FILLER
    } else {
        filler
    };
    let fixed = count(needle) + count(question) + 8;
    let mut body = String::new();
    let mut want = 0usize;
    // Grow by the measured bytes per token, then trim the overshoot the estimate left.
    for _ in 0..4 {
        let have = count(&body);
        let room = tokens.saturating_sub(fixed) as i64 - have as i64;
        if room == 0 || (room > 0 && want > 0 && (room as u64) < tokens / 200 + 1) {
            break;
        }
        let per_token = if have > 0 {
            body.len() as f64 / have as f64
        } else {
            filler.len() as f64 / count(filler).max(1) as f64
        };
        want = (body.len() as i64 + (room as f64 * per_token) as i64).max(0) as usize;
        while body.len() < want {
            body.push_str(filler);
        }
        body.truncate(floor_char(&body, want));
    }
    let at = floor_char(&body, (body.len() as f64 * depth.clamp(0.0, 1.0)) as usize);
    // On a sentence boundary, so the needle reads as a sentence of its own.
    let at = body[..at].rfind(". ").map_or(0, |i| i + 2);
    let (before, after) = body.split_at(at);
    format!("{before}{needle} {after}\n\n{question}")
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One model at one size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub model: String,
    /// The size asked for.
    pub size: u64,
    /// Input tokens as the server counted them, else the estimate (see `estimated`).
    pub input_tokens: Option<u64>,
    #[serde(serialize_with = "crate::answer::round::round_ms")]
    pub ttft_ms: Option<f64>,
    #[serde(serialize_with = "crate::answer::round::round_ms")]
    pub total_ms: Option<f64>,
    #[serde(serialize_with = "crate::answer::round::round_usd")]
    pub cost_usd: Option<f64>,
    pub cost_source: Option<crate::metrics::CostSource>,
    pub estimated: bool,
    /// Null when the step was not answered.
    pub found: Option<bool>,
    /// Why the step has no answer: not sent (does not fit) or the error.
    pub skipped: Option<String>,
    pub error_kind: Option<crate::gateway::ErrorKind>,
}

impl Step {
    /// A step from its settled answer.
    pub fn answered(size: u64, rec: &AnswerRecord, expect: &str) -> Self {
        Self {
            model: rec.model.clone(),
            size,
            input_tokens: rec.input_tokens,
            ttft_ms: rec.ttft_ms,
            total_ms: rec.total_ms,
            cost_usd: rec.cost_usd,
            cost_source: rec.cost_source,
            estimated: rec.estimated,
            found: (rec.error.is_none() && !rec.text.trim().is_empty())
                .then(|| found(&rec.text, expect)),
            skipped: match &rec.error {
                Some(e) => Some(e.brief()),
                // A reasoning model can spend the whole budget before answering.
                None if rec.text.trim().is_empty() => Some(format!(
                    "no answer text (finish: {})",
                    rec.finish_reason.as_ref().map_or("none", |f| f.as_str())
                )),
                None => None,
            },
            error_kind: rec.error_kind,
        }
    }

    /// A step not sent because the prompt does not fit the model's window.
    pub fn not_sent(model: &str, size: u64, tokens: u64, window: u64) -> Self {
        Self {
            model: model.into(),
            size,
            input_tokens: Some(tokens),
            ttft_ms: None,
            total_ms: None,
            cost_usd: None,
            cost_source: None,
            estimated: true,
            found: None,
            skipped: Some(format!(
                "not sent: ~{} tokens do not fit its {}-token window",
                crate::format::thousands(tokens),
                crate::format::thousands(window)
            )),
            error_kind: Some(crate::gateway::ErrorKind::ContextLength),
        }
    }
}

/// A whole ladder, as `--json` prints it and the history keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ladder {
    pub needle: String,
    pub question: String,
    pub expect: String,
    pub depth: f64,
    pub sizes: Vec<u64>,
    pub models: Vec<String>,
    pub steps: Vec<Step>,
}

impl Ladder {
    /// An empty ladder for `plan` over `models`.
    pub fn new(plan: &run::Plan, models: Vec<String>) -> Self {
        Self {
            needle: plan.needle.clone(),
            question: plan.question.clone(),
            expect: plan.expect.clone(),
            depth: plan.depth,
            sizes: plan.sizes.clone(),
            models,
            steps: Vec::new(),
        }
    }

    /// `(input tokens, value)` points of one model, for a chart, in size order.
    pub fn series(&self, model: &str, value: impl Fn(&Step) -> Option<f64>) -> Vec<(f64, f64)> {
        let mut pts: Vec<(f64, f64)> = self
            .steps
            .iter()
            .filter(|s| s.model == model)
            .filter_map(|s| Some((s.input_tokens.unwrap_or(s.size) as f64, value(s)?)))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        pts
    }

    /// The step table: one row per model and size.
    pub fn table(&self) -> String {
        use crate::format::Align::{Left, Right};
        let rows = self.rows();
        crate::format::text_table(&rows, &[Left, Right, Right, Right, Right, Right, Left])
    }

    /// The table's rows, its header first: for the text table and the HTML page alike.
    pub fn rows(&self) -> Vec<[String; 7]> {
        let mut rows = vec![
            [
                "model",
                "size",
                "input tok",
                "ttft",
                "total",
                "cost",
                "needle",
            ]
            .map(String::from),
        ];
        for s in &self.steps {
            let est = if s.estimated { " est." } else { "" };
            rows.push([
                s.model.clone(),
                crate::format::fmt_ctx(s.size),
                s.input_tokens.map_or("-".into(), |n| {
                    format!("{}{est}", crate::format::thousands(n))
                }),
                crate::format::fmt_ms(s.ttft_ms),
                crate::format::fmt_ms(s.total_ms),
                crate::format::fmt_usd(s.cost_usd),
                match (s.found, &s.skipped) {
                    (Some(true), _) => "found".into(),
                    (Some(false), _) => "missed".into(),
                    (None, Some(why)) => why.clone(),
                    (None, None) => "-".into(),
                },
            ]);
        }
        rows
    }
}

#[cfg(test)]
mod tests;

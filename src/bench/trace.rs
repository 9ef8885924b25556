//! Production traces in the Mooncake format: JSON lines of `timestamp` (ms from the trace's
//! start), `input_length` and `output_length` (tokens), and `hash_ids` naming the prompt's
//! 512-token blocks, so that equal leading ids mean an equal prefix. Read as a stream, one line at
//! a time with a bounded line length, so a trace of any size takes the same memory; every line
//! that cannot be read is reported with its number. Pure but for the reader it wraps.

use std::io::BufRead;
use std::path::PathBuf;

use serde_json::Value;

use super::workload::BadLine;
use crate::gateway::wire::Message;
use crate::rng::SplitMix64;

/// A trace to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    pub path: PathBuf,
    /// Multiplies every timestamp: 0.5 replays twice as fast.
    pub time_scale: f64,
    /// Per target (in order): send `min_tokens` and `ignore_eos`.
    pub exact: Vec<bool>,
}

impl Replay {
    /// The load shape, as a run's summary names it.
    pub fn load(&self) -> String {
        format!(
            "trace replay at its timestamps x {} per target",
            self.time_scale
        )
    }
}

/// Tokens a hash id names.
pub const BLOCK_TOKENS: u64 = 512;
/// Longest prompt or answer a line may ask for.
pub const MAX_LENGTH: u64 = 2_000_000;
/// Latest timestamp a line may have: 30 days, in ms.
pub const MAX_TIMESTAMP_MS: u64 = 30 * 24 * 3_600_000;
/// Longest line read; a longer one is reported and skipped.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One request of a trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceLine {
    pub line: usize,
    pub at_ms: u64,
    pub input_length: u64,
    pub output_length: u64,
    pub hash_ids: Vec<u64>,
}

/// Field `name` of `v` as a whole number from 0 to `max` (`unit` names it in the error).
fn whole(v: &Value, name: &str, max: u64, unit: &str) -> Result<u64, String> {
    let x = &v[name];
    if x.is_null() {
        return Err(format!("missing `{name}`"));
    }
    match x.as_f64() {
        Some(n) if n < 0.0 => Err(format!("`{name}` is negative ({x})")),
        Some(n) if n.fract() != 0.0 => Err(format!("`{name}` must be a whole number, not {x}")),
        Some(n) if n > max as f64 => Err(format!("`{name}` {x} is past the limit of {max} {unit}")),
        Some(n) => Ok(n as u64),
        None => Err(format!("`{name}` must be a number, not {x}")),
    }
}

/// Read one line of a trace (its number given).
pub fn parse_line(line: usize, text: &str) -> Result<TraceLine, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    if !v.is_object() {
        return Err(format!("a trace line is an object, not {v}"));
    }
    let at_ms = whole(&v, "timestamp", MAX_TIMESTAMP_MS, "ms (30 days)")?;
    let input_length = whole(&v, "input_length", MAX_LENGTH, "tokens")?;
    let output_length = whole(&v, "output_length", MAX_LENGTH, "tokens")?;
    if input_length == 0 || output_length == 0 {
        return Err("`input_length` and `output_length` must be above 0".into());
    }
    let hash_ids = match &v["hash_ids"] {
        Value::Null => Vec::new(),
        Value::Array(ids) => ids
            .iter()
            .map(|i| {
                i.as_u64()
                    .ok_or_else(|| format!("`hash_ids` holds {i}, not a block id"))
            })
            .collect::<Result<Vec<u64>, String>>()?,
        other => {
            return Err(format!(
                "`hash_ids` must be a list of block ids, not {other}"
            ));
        }
    };
    Ok(TraceLine {
        line,
        at_ms,
        input_length,
        output_length,
        hash_ids,
    })
}

/// A trace read line by line: each good request, or a bad line. A timestamp before the previous
/// line's is reported and the request kept, sent right after the previous one. The buffer is
/// one line's, at most `MAX_LINE_BYTES`.
pub struct TraceReader<R> {
    input: R,
    line: usize,
    last_ms: u64,
    buf: Vec<u8>,
    pending: Option<TraceLine>,
    /// A read failed: it is reported once, and the trace ends there.
    failed: bool,
}

impl<R: BufRead> TraceReader<R> {
    pub fn new(input: R) -> Self {
        Self {
            input,
            line: 0,
            last_ms: 0,
            buf: Vec::new(),
            pending: None,
            failed: false,
        }
    }

    /// The next line as bytes, at most `MAX_LINE_BYTES` of it kept; `None` at the end. `Err`
    /// for a line that was too long (the rest of it is skipped) or a read error.
    fn next_raw(&mut self) -> Option<Result<(), String>> {
        if self.failed {
            return None;
        }
        self.buf.clear();
        let mut too_long = false;
        loop {
            let chunk = match self.input.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.failed = true;
                    self.line += 1;
                    return Some(Err(format!("cannot read the trace: {e}")));
                }
            };
            if chunk.is_empty() {
                let ended = self.buf.is_empty() && !too_long;
                return if ended {
                    None
                } else {
                    Some(self.done(too_long))
                };
            }
            let (take, newline) = match chunk.iter().position(|b| *b == b'\n') {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            let room = MAX_LINE_BYTES.saturating_sub(self.buf.len());
            too_long |= take > room;
            self.buf.extend_from_slice(&chunk[..take.min(room)]);
            self.input.consume(take + usize::from(newline));
            if newline {
                return Some(self.done(too_long));
            }
        }
    }

    fn done(&mut self, too_long: bool) -> Result<(), String> {
        self.line += 1;
        if too_long {
            return Err(format!("longer than {} MiB", MAX_LINE_BYTES >> 20));
        }
        Ok(())
    }
}

/// What the reader gives: a request, or a line reported (bad, or kept with a warning).
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    Request(TraceLine),
    Bad(BadLine),
}

impl<R: BufRead> Iterator for TraceReader<R> {
    type Item = Read;

    /// Blank lines and `#` comments are skipped; a request kept with a warning comes right
    /// after its warning.
    fn next(&mut self) -> Option<Read> {
        if let Some(t) = self.pending.take() {
            return Some(Read::Request(t));
        }
        loop {
            let raw = self.next_raw()?;
            let line = self.line;
            let bad = |why: String| Some(Read::Bad(BadLine { line, why }));
            if let Err(why) = raw {
                return bad(why);
            }
            let Ok(text) = std::str::from_utf8(&self.buf) else {
                return bad("not UTF-8".into());
            };
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            return match parse_line(line, text) {
                Err(why) => bad(why),
                Ok(mut t) if t.at_ms < self.last_ms => {
                    let why = format!(
                        "timestamp {} ms is before the previous line's {} ms: sent right after it",
                        t.at_ms, self.last_ms
                    );
                    t.at_ms = self.last_ms;
                    self.pending = Some(t);
                    bad(why)
                }
                Ok(t) => {
                    self.last_ms = t.at_ms;
                    Some(Read::Request(t))
                }
            };
        }
    }
}

const WORDS: &[&str] = &[
    " river", " stone", " lamp", " cloud", " paper", " garden", " window", " bridge", " forest",
    " candle", " mirror", " harbor", " valley", " letter", " silver", " meadow",
];

/// The text of block `id`, `tokens` long (a whole block, or the start of one): the same id gives
/// the same text, so equal leading ids give an equal prefix.
fn block(id: u64, tokens: u64, out: &mut String) {
    let mut rng = SplitMix64::from_parts(&[b"trace-block", &id.to_le_bytes()]);
    for _ in 0..tokens {
        out.push_str(WORDS[rng.next_u64() as usize % WORDS.len()]);
    }
}

/// The prompt of a trace line: `input_length` tokens (one common word is one token) made of its
/// blocks in order; blocks past its `hash_ids` are its own.
pub fn prompt(t: &TraceLine) -> Vec<Message> {
    let blocks = t.input_length.div_ceil(BLOCK_TOKENS);
    let mut text = String::with_capacity(t.input_length as usize * 7);
    for b in 0..blocks {
        // Not named by the trace: a block unique to this line.
        let own = u64::MAX ^ ((t.line as u64) << 20 | b);
        let id = t.hash_ids.get(b as usize).copied().unwrap_or(own);
        let tokens = (t.input_length - b * BLOCK_TOKENS).min(BLOCK_TOKENS);
        block(id, tokens, &mut text);
    }
    vec![Message::user(text.trim_start().to_string())]
}

#[cfg(test)]
#[path = "trace_tests.rs"]
mod tests;

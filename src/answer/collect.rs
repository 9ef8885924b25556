//! Folds timed chunks into one response: text, reasoning, tool calls, usage and the timeline.
//! Pure (the caller passes every `Instant`), shared by the headless commands and the TUI.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::gateway::wire::{Chunk, FinishReason, Message, Usage};
use crate::metrics::{self, Figures, Timeline, TokenCount};

/// The live figures of a stream in progress, small enough to send with every chunk: the pane shows
/// these while streaming without folding the chunks a second time. Offsets from the attempt's send.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Progress {
    pub first_content: Option<Duration>,
    pub first_token: Option<Duration>,
    pub last_token: Option<Duration>,
    /// Chunks that carried text; about one token each.
    pub token_chunks: u64,
}

impl Progress {
    /// Time to first answer text so far, from the request's first send (`wait_ms` before this
    /// attempt's send).
    pub fn ttft_ms(&self, wait_ms: f64) -> Option<f64> {
        self.first_content
            .map(|d| d.as_secs_f64() * 1000.0 + wait_ms)
    }

    /// Tokens per second so far, counting one token per text chunk (an estimate).
    pub fn tokens_per_s(&self) -> Option<f64> {
        let (a, b) = (self.first_token?, self.last_token?);
        let span = b.saturating_sub(a).as_secs_f64();
        (self.token_chunks >= 2 && span > 0.0).then(|| (self.token_chunks - 1) as f64 / span)
    }
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ToolCall {
    pub id: Option<String>,
    pub name: String,
    pub arguments: String,
}

impl ToolCall {
    pub fn scrub(&mut self, c: crate::secret::Scrubber) {
        let ToolCall {
            id,
            name,
            arguments,
        } = self;
        c.opt(id);
        c.text(name);
        c.text(arguments);
    }
}

#[derive(Debug, Clone)]
pub struct Collector {
    sent_at: Instant,
    last_token_at: Option<Instant>,
    pub text: String,
    pub reasoning: String,
    pub tool_calls: Vec<ToolCall>,
    tool_index: Vec<usize>,
    pub usage: Option<Usage>,
    pub finish_reason: Option<FinishReason>,
    /// The `model` the server says answered; may differ from the one asked for.
    pub served_model: Option<String>,
    pub llama_timings: Option<Value>,
    pub timeline: Timeline,
}

impl Collector {
    pub fn new(sent_at: Instant) -> Self {
        Self {
            sent_at,
            last_token_at: None,
            text: String::new(),
            reasoning: String::new(),
            tool_calls: Vec::new(),
            tool_index: Vec::new(),
            usage: None,
            finish_reason: None,
            served_model: None,
            llama_timings: None,
            timeline: Timeline::default(),
        }
    }

    pub fn sent_at(&self) -> Instant {
        self.sent_at
    }

    /// Fold one chunk (borrowed: the caller usually hands it on for display after).
    pub fn push(&mut self, at: Instant, chunk: &Chunk) {
        let off = at.saturating_duration_since(self.sent_at);
        let tl = &mut self.timeline;
        tl.first_byte.get_or_insert(off);
        if self.served_model.is_none() {
            self.served_model = chunk.model.clone().filter(|m| !m.is_empty());
        }
        let mut has_token = false;
        if let Some(r) = chunk.reasoning.as_deref().filter(|r| !r.is_empty()) {
            tl.first_reasoning.get_or_insert(off);
            self.reasoning.push_str(r);
            has_token = true;
        }
        if let Some(c) = chunk.content.as_deref().filter(|c| !c.is_empty()) {
            tl.first_content.get_or_insert(off);
            self.text.push_str(c);
            has_token = true;
        }
        for frag in &chunk.tool_calls {
            let slot = match self.tool_index.iter().position(|&i| i == frag.index) {
                Some(s) => s,
                None => {
                    self.tool_index.push(frag.index);
                    self.tool_calls.push(ToolCall::default());
                    self.tool_calls.len() - 1
                }
            };
            let call = &mut self.tool_calls[slot];
            if frag.id.is_some() {
                call.id = frag.id.clone();
            }
            if let Some(n) = &frag.name {
                call.name.push_str(n);
            }
            if !frag.arguments.is_empty() {
                call.arguments.push_str(&frag.arguments);
                has_token = true;
            }
        }
        if has_token {
            tl.first_token.get_or_insert(off);
            if let Some(prev) = self.last_token_at {
                let gap = at.saturating_duration_since(prev).as_micros();
                tl.gaps_us.push(gap.min(u32::MAX as u128) as u32);
            }
            tl.last_token = Some(off);
            tl.token_chunks += 1;
            self.last_token_at = Some(at);
        }
        if chunk.finish_reason.is_some() {
            self.finish_reason = chunk.finish_reason.clone();
        }
        if let Some(u) = chunk.usage {
            self.usage = Some(u);
        }
        if chunk.timings.is_some() {
            self.llama_timings = chunk.timings.clone();
        }
    }

    pub fn progress(&self) -> Progress {
        let tl = &self.timeline;
        Progress {
            first_content: tl.first_content,
            first_token: tl.first_token,
            last_token: tl.last_token,
            token_chunks: tl.token_chunks,
        }
    }

    /// An answer refused by the provider's filter: no text, `finish_reason: content_filter`.
    pub fn filtered(&self) -> bool {
        self.finish_reason == Some(FinishReason::ContentFilter) && self.text.is_empty()
    }

    /// Mark the end of the response (clean or not).
    pub fn finish(&mut self, at: Instant) {
        self.timeline.end = Some(at.saturating_duration_since(self.sent_at));
    }

    /// Output tokens: the server's count when it sent usage, else an estimate over all text.
    pub fn output_tokens(&self) -> Option<TokenCount> {
        if let Some(u) = self.usage.filter(|u| u.output_tokens > 0) {
            return Some(TokenCount::Reported(u.output_tokens));
        }
        if self.timeline.token_chunks == 0 {
            return None;
        }
        let args: usize = self.tool_calls.iter().map(|t| t.arguments.len()).sum();
        let est = metrics::estimate_tokens(&self.text)
            + metrics::estimate_tokens(&self.reasoning)
            + (args as u64).div_ceil(4);
        Some(TokenCount::Estimated(est))
    }

    /// The server's usage, or when it sent none an estimate from the prompt and the text (the
    /// bool says which). `None` when there is nothing to count.
    pub fn usage_or_estimate(&self, prompt: &[Message]) -> Option<(Usage, bool)> {
        if let Some(u) = self.usage {
            return Some((u, false));
        }
        let output = self.output_tokens()?.value();
        Some((
            Usage {
                input_tokens: metrics::estimate_prompt_tokens(prompt),
                output_tokens: output,
                reasoning_tokens: metrics::estimate_tokens(&self.reasoning),
                ..Default::default()
            },
            true,
        ))
    }

    pub fn figures(&self) -> Figures {
        metrics::figures(&self.timeline, self.output_tokens())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::wire::ToolCallFragment;

    #[test]
    fn folds_text_reasoning_tools_and_usage() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut c = Collector::new(t0);
        c.push(
            at(5),
            &Chunk {
                model: Some("served-x".into()),
                content: Some(String::new()),
                ..Default::default()
            },
        );
        c.push(
            at(10),
            &Chunk {
                reasoning: Some("think".into()),
                ..Default::default()
            },
        );
        c.push(
            at(30),
            &Chunk {
                content: Some("Hel".into()),
                ..Default::default()
            },
        );
        c.push(
            at(40),
            &Chunk {
                content: Some("lo".into()),
                tool_calls: vec![ToolCallFragment {
                    index: 0,
                    id: Some("c1".into()),
                    name: Some("get".into()),
                    arguments: "{\"a\"".into(),
                }],
                ..Default::default()
            },
        );
        c.push(
            at(50),
            &Chunk {
                tool_calls: vec![ToolCallFragment {
                    index: 0,
                    arguments: ":1}".into(),
                    ..Default::default()
                }],
                finish_reason: Some(FinishReason::ToolCalls),
                ..Default::default()
            },
        );
        c.push(
            at(51),
            &Chunk {
                usage: Some(Usage {
                    output_tokens: 5,
                    ..Default::default()
                }),
                ..Default::default()
            },
        );
        c.finish(at(60));
        assert_eq!(c.text, "Hello");
        assert_eq!(c.reasoning, "think");
        assert_eq!(c.served_model.as_deref(), Some("served-x"));
        assert_eq!(c.tool_calls.len(), 1);
        assert_eq!(c.tool_calls[0].arguments, "{\"a\":1}");
        assert_eq!(c.tool_calls[0].name, "get");
        let tl = &c.timeline;
        assert_eq!(tl.first_byte, Some(Duration::from_millis(5)));
        assert_eq!(tl.first_reasoning, Some(Duration::from_millis(10)));
        assert_eq!(tl.first_content, Some(Duration::from_millis(30)));
        assert_eq!(tl.last_token, Some(Duration::from_millis(50)));
        assert_eq!(tl.gaps_us, vec![20_000, 10_000, 10_000]);
        let p = c.progress();
        assert_eq!(p.first_content, Some(Duration::from_millis(30)));
        assert_eq!(p.first_token, Some(Duration::from_millis(10)));
        assert_eq!(p.last_token, Some(Duration::from_millis(50)));
        assert_eq!(p.token_chunks, 4);
        assert!((p.tokens_per_s().unwrap() - 75.0).abs() < 1e-9);
        assert!(!c.filtered());
        assert_eq!(c.output_tokens(), Some(TokenCount::Reported(5)));
        let f = c.figures();
        assert!((f.itl_ms.unwrap() - 10.0).abs() < 1e-9);
    }

    #[test]
    fn estimate_when_no_usage() {
        let t0 = Instant::now();
        let mut c = Collector::new(t0);
        c.push(
            t0,
            &Chunk {
                content: Some("hello world".into()),
                ..Default::default()
            },
        );
        assert_eq!(c.output_tokens(), Some(TokenCount::Estimated(2)));
        assert!(c.figures().estimated);
        let (u, est) = c.usage_or_estimate(&[Message::user("hi there")]).unwrap();
        assert!(est);
        assert_eq!(u.output_tokens, 2);
        assert_eq!(
            u.input_tokens,
            metrics::estimate_prompt_tokens(&[Message::user("hi there")])
        );
    }

    #[test]
    fn progress_filter_and_estimates_at_their_edges() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut p = Progress {
            first_token: Some(Duration::from_millis(10)),
            last_token: Some(Duration::from_millis(10)),
            token_chunks: 2,
            ..Default::default()
        };
        assert_eq!(p.tokens_per_s(), None, "no time between the tokens");
        p.last_token = Some(Duration::from_millis(20));
        assert!((p.tokens_per_s().unwrap() - 100.0).abs() < 1e-9);
        p.token_chunks = 1;
        assert_eq!(p.tokens_per_s(), None, "one chunk is no rate");

        let mut c = Collector::new(t0);
        c.push(
            at(1),
            &Chunk {
                finish_reason: Some(FinishReason::ContentFilter),
                ..Default::default()
            },
        );
        assert!(c.filtered());
        c.push(
            at(2),
            &Chunk {
                content: Some("x".into()),
                ..Default::default()
            },
        );
        assert!(!c.filtered(), "text came: not refused");
        let mut stop = Collector::new(t0);
        stop.push(
            at(1),
            &Chunk {
                finish_reason: Some(FinishReason::Stop),
                ..Default::default()
            },
        );
        assert!(!stop.filtered());

        // Usage that reports 0 output tokens is not believed: the text is counted instead.
        let mut c = Collector::new(t0);
        c.push(
            at(1),
            &Chunk {
                reasoning: Some("hello world".into()),
                content: Some("hello world".into()),
                tool_calls: vec![ToolCallFragment {
                    index: 0,
                    arguments: "123456789012".into(),
                    ..Default::default()
                }],
                usage: Some(Usage::default()),
                ..Default::default()
            },
        );
        // text 2 + reasoning 2 + arguments 12 bytes / 4 = 3.
        assert_eq!(c.output_tokens(), Some(TokenCount::Estimated(2 + 2 + 3)));
        let mut c = Collector::new(t0);
        c.push(
            at(1),
            &Chunk {
                reasoning: Some("hello world".into()),
                content: Some("ok".into()),
                ..Default::default()
            },
        );
        let (u, est) = c.usage_or_estimate(&[]).unwrap();
        assert!(est);
        assert_eq!(u.reasoning_tokens, 2);
        assert_eq!(Collector::new(t0).usage_or_estimate(&[]), None);
    }
}

//! One response pane: a model's conversation, its transcript and the live request. The route task
//! folds chunks; the pane only shows them, keeps the live progress it is sent, and at the end the
//! settled answer.

use std::time::Instant;

use crate::answer::{AnswerRecord, Progress};
use crate::gateway::wire::{Chunk, Message};
use crate::metrics::Cost;
use crate::route::{Hop, Next};

use super::transcript::{Seg, Transcript};

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Idle,
    Waiting,
    Thinking,
    Streaming,
    Done,
    Error,
    Cancelled,
    /// An agent step asked for a tool no stub answers: waiting for the user to type the result.
    Tool,
}

impl Status {
    pub fn label(&self) -> &'static str {
        match self {
            Status::Idle => "idle",
            Status::Waiting => "waiting",
            Status::Thinking => "thinking",
            Status::Streaming => "streaming",
            Status::Done => "done",
            Status::Error => "error",
            Status::Cancelled => "cancelled",
            Status::Tool => "tool result?",
        }
    }

    pub fn is_running(&self) -> bool {
        matches!(self, Status::Waiting | Status::Thinking | Status::Streaming)
    }
}

#[derive(Debug, Clone)]
pub struct Pane {
    pub model: String,
    /// Completed exchanges, sent as context with the next prompt.
    pub history: Vec<Message>,
    pub transcript: Transcript,
    pub status: Status,
    /// The request this pane listens to; messages of any other are stale and dropped.
    pub request_id: u64,
    /// When the request's first attempt was sent: live times count from here.
    pub request_sent: Option<Instant>,
    /// When the current attempt was sent, and its live figures so far.
    pub sent_at: Option<Instant>,
    pub progress: Progress,
    /// The settled answer of the last request (its error too).
    pub answer: Option<AnswerRecord>,
    /// Top row shown when not following the tail.
    pub scroll: usize,
    pub follow: bool,
    /// Included in the next send (Alt-1..9 toggles).
    pub enabled: bool,
    /// The prompt of the running turn; joins `history` only when the answer completes.
    pub pending_prompt: Option<String>,
    /// The route this pane sends through instead of its plain model.
    pub route: Option<String>,
    /// Off: only the route's first hop is tried on the next send.
    pub fallback: bool,
    /// The model the current attempt went to (a route may try several).
    pub served_by: Option<String>,
    /// Rate-limit headroom the gateway last reported.
    pub rate_limit: Option<crate::gateway::ratelimit::RateLimit>,
    /// The user's rating (1-5) of the last answer.
    pub rating: Option<u8>,
    /// Which of this pane's conversations it is in (for the history).
    pub conversation: u64,
    /// A search in this pane, its matches highlighted.
    pub find: Option<super::find::Find>,
    /// Copy mode: the code block picked.
    pub copy_sel: Option<usize>,
    /// A blind round's name for this pane ("A"); model names stay off the screen meanwhile.
    pub alias: Option<String>,
    /// The agent loop of the running turn, when tools are offered.
    pub agent: Option<super::agent::Run>,
}

impl Pane {
    /// What the pane sends to: its route's name, or its model.
    pub fn target(&self) -> &str {
        self.route.as_deref().unwrap_or(&self.model)
    }

    /// A model's name as this pane may show it: its blind alias while a round hides names.
    pub fn shown<'a>(&'a self, model: &'a str) -> &'a str {
        self.alias.as_deref().unwrap_or(model)
    }

    pub fn new(model: String, width: u16) -> Self {
        Self {
            model,
            history: Vec::new(),
            transcript: Transcript::new(width),
            status: Status::Idle,
            request_id: 0,
            request_sent: None,
            sent_at: None,
            progress: Progress::default(),
            answer: None,
            scroll: 0,
            follow: true,
            enabled: true,
            pending_prompt: None,
            route: None,
            fallback: true,
            served_by: None,
            rate_limit: None,
            rating: None,
            conversation: 0,
            find: None,
            copy_sel: None,
            alias: None,
            agent: None,
        }
    }

    /// Scroll so that `row` is in a view of `height` rows (about a third from the top).
    pub fn show_row(&mut self, row: usize, height: usize) {
        let top = self.top_row(height);
        if row >= top && row < top + height {
            return;
        }
        let max_top = self.transcript.rows().len().saturating_sub(height);
        self.scroll = row.saturating_sub(height / 3).min(max_top);
        self.follow = self.scroll >= max_top;
    }

    pub fn begin(&mut self, request_id: u64, prompt: &str) {
        self.request_id = request_id;
        self.status = Status::Waiting;
        self.request_sent = None;
        self.sent_at = None;
        self.progress = Progress::default();
        self.answer = None;
        self.rating = None;
        self.served_by = None;
        self.follow = true;
        self.pending_prompt = Some(prompt.to_string());
        self.transcript
            .block(Seg::User, &format!("> {}", prompt.trim_end()));
    }

    pub fn cancel(&mut self) -> bool {
        if !self.status.is_running() {
            return false;
        }
        self.status = Status::Cancelled;
        self.pending_prompt = None;
        self.transcript.seal();
        self.transcript.block(Seg::Info, "[cancelled]");
        true
    }

    /// An attempt started (a route may make several for one request).
    pub fn on_started(&mut self, model: String, sent_at: Instant) {
        if self.status.is_running() {
            self.request_sent.get_or_insert(sent_at);
            self.sent_at = Some(sent_at);
            self.progress = Progress::default();
            self.served_by = Some(model);
            self.status = Status::Waiting;
        }
    }

    pub fn on_chunk(&mut self, chunk: &Chunk, progress: Progress) {
        // Stale: a cancelled request's chunks may still be in flight.
        if !self.status.is_running() {
            return;
        }
        self.progress = progress;
        if let Some(r) = chunk.reasoning.as_deref().filter(|r| !r.is_empty()) {
            if self.status == Status::Waiting {
                self.status = Status::Thinking;
                self.transcript.block(Seg::Info, "reasoning");
                self.transcript.block(Seg::Reasoning, "");
            }
            self.transcript.push(Seg::Reasoning, r);
        }
        if let Some(c) = chunk.content.as_deref().filter(|c| !c.is_empty()) {
            if self.status != Status::Streaming {
                if self.status == Status::Thinking {
                    self.transcript.block(Seg::Info, "── answer ──");
                }
                self.status = Status::Streaming;
                self.transcript.block(Seg::Answer, "");
            }
            self.transcript.push(Seg::Answer, c);
        }
        for t in &chunk.tool_calls {
            if let Some(name) = &t.name {
                self.transcript
                    .block(Seg::Info, &format!("tool call {name}: "));
            }
            self.transcript.push(Seg::Info, &t.arguments);
        }
    }

    pub fn on_hop_failed(&mut self, hop: &Hop, next: &Next) {
        // Giving up is told once, by the request's end (with every hop when there were several).
        if !self.status.is_running() || *next == Next::GiveUp {
            return;
        }
        self.transcript.block(
            Seg::Error,
            &format!(
                "✗ {} failed after {:.0} ms: {}",
                self.shown(&hop.model),
                hop.ms,
                hop.brief.as_deref().or(hop.error.as_deref()).unwrap_or("?")
            ),
        );
        if hop.failed_after_content && matches!(next, Next::MoveOn(_)) {
            self.transcript.block(
                Seg::Info,
                &format!(
                    "[the answer above from {} broke off; starting over]",
                    self.shown(&hop.model)
                ),
            );
        }
        let next = match &self.alias {
            // The route's next model would give the name away.
            Some(_) => "→ another attempt".to_string(),
            None => format!("→ {}", next.describe()),
        };
        self.transcript.block(Seg::Info, &next);
    }

    /// The request ended with this settled answer.
    pub fn on_ended(&mut self, rec: AnswerRecord) {
        if let Some(rl) = rec.rate_limit {
            self.rate_limit = Some(rl);
        }
        self.served_by = Some(rec.hop_model.clone());
        self.transcript.seal();
        let cancelled = self.status == Status::Cancelled;
        if !cancelled {
            self.note_served(&rec);
            match &rec.error {
                Some(e) => {
                    self.transcript
                        .block(Seg::Error, &format!("error: {}", e.brief()));
                    self.status = Status::Error;
                    self.pending_prompt = None;
                }
                None => {
                    self.status = Status::Done;
                    if let Some(prompt) = self.pending_prompt.take() {
                        self.history.push(Message::user(prompt));
                        self.history.push(Message::assistant(rec.text.clone()));
                    }
                }
            }
        }
        self.answer = Some(rec);
    }

    /// Who answered, when it was not simply the pane's model.
    fn note_served(&mut self, rec: &AnswerRecord) {
        if self.alias.is_some() {
            return;
        }
        if let (Some(rule), Some(first)) = (&rec.rule, rec.hops.first()) {
            self.transcript
                .block(Seg::Info, &format!("rule {rule} chose {}", first.model));
        }
        if rec.error.is_some() {
            return;
        }
        let model = &rec.hop_model;
        let failed = rec.hops.iter().filter(|h| h.error.is_some()).count();
        if failed > 0 {
            self.transcript.block(
                Seg::Info,
                &format!(
                    "served by {model} after {failed} failed attempt{}",
                    if failed == 1 { "" } else { "s" }
                ),
            );
        }
        if let Some(note) = rec.gateway_note(model) {
            self.transcript.block(Seg::Info, &note);
        }
    }

    /// The state as the title and the panel show it: `done` says when the answer was cut short,
    /// refused, or all reasoning and no answer.
    pub fn state_label(&self) -> String {
        let base = self.base_label();
        if let Some(run) = &self.agent {
            let step = if self.status.is_running() {
                run.step + 1
            } else {
                run.step
            };
            if step > 1 || self.status == Status::Tool {
                return format!("step {step} · {base}");
            }
        }
        let done = self.answer.as_ref().filter(|_| self.status == Status::Done);
        match done.map_or(0, |a| a.steps.len()) {
            n if n > 0 => format!("{base} · {n} steps"),
            // Timings of a gateway's cached answer say nothing about the model.
            _ if done.is_some_and(AnswerRecord::cached) => format!("{base} · cached"),
            _ => base.to_string(),
        }
    }

    fn base_label(&self) -> &'static str {
        use crate::gateway::wire::FinishReason;
        let Some(a) = self.answer.as_ref().filter(|_| self.status == Status::Done) else {
            return self.status.label();
        };
        match &a.finish_reason {
            _ if a.text.trim().is_empty() && !a.reasoning.is_empty() => "done · only reasoning",
            Some(FinishReason::Length) => "done · cut at max tokens",
            Some(FinishReason::ContentFilter) => "done · filtered",
            _ => "done",
        }
    }

    pub fn cost(&self) -> Option<Cost> {
        let a = self.answer.as_ref()?;
        Some(Cost {
            usd: a.cost_usd?,
            source: a.cost_source?,
        })
    }

    /// The gateway's bill for the answer and tokens x price are more than 1% apart.
    pub fn bill_differs(&self) -> bool {
        self.answer.as_ref().is_some_and(|a| {
            a.cost_gateway_usd
                .zip(a.cost_computed_usd)
                .is_some_and(|(g, c)| crate::metrics::cost::differs(g, c))
        })
    }

    /// Time since the request was sent: the answer's total when finished, else from `now`.
    pub fn elapsed_ms(&self, now: Option<Instant>) -> Option<f64> {
        if let Some(a) = &self.answer {
            return a.total_ms;
        }
        let sent = self.request_sent?;
        now.map(|n| n.saturating_duration_since(sent).as_secs_f64() * 1000.0)
    }

    /// Rows scrolled from the top for a view of `height` rows.
    pub fn top_row(&self, height: usize) -> usize {
        let max_top = self.transcript.rows().len().saturating_sub(height);
        if self.follow {
            max_top
        } else {
            self.scroll.min(max_top)
        }
    }

    pub fn scroll_by(&mut self, delta: isize, height: usize) {
        let max_top = self.transcript.rows().len().saturating_sub(height);
        let top = self.top_row(height) as isize + delta;
        let top = top.clamp(0, max_top as isize) as usize;
        self.scroll = top;
        self.follow = top >= max_top;
    }
}

/// The numbers the panel shows for a pane, live while streaming and final after.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiveRow {
    pub ttft_ms: Option<f64>,
    pub tokens_per_s: Option<f64>,
    pub total_ms: Option<f64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    /// Token figures are estimates (live chunk counts, or no usage from the server).
    pub estimated: bool,
}

impl Pane {
    pub fn live(&self, now: Option<Instant>) -> LiveRow {
        if let Some(a) = &self.answer {
            return LiveRow {
                ttft_ms: a.ttft_ms,
                tokens_per_s: a.decode_tokens_per_s.or(a.tokens_per_s),
                total_ms: a.total_ms,
                input_tokens: a.input_tokens,
                output_tokens: a.output_tokens,
                estimated: a.estimated,
            };
        }
        let (Some(request), Some(attempt)) = (self.request_sent, self.sent_at) else {
            return LiveRow::default();
        };
        // While streaming: one chunk is about one token; marked as an estimate. Times count from
        // the first attempt, so a fallback's wait shows.
        let p = &self.progress;
        LiveRow {
            ttft_ms: p.ttft_ms(crate::answer::wait_ms(request, attempt)),
            tokens_per_s: p.tokens_per_s(),
            total_ms: self.elapsed_ms(now),
            input_tokens: None,
            output_tokens: (p.token_chunks > 0).then_some(p.token_chunks),
            estimated: true,
        }
    }
}

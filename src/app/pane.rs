//! One response pane: a model's conversation, its transcript and the live request.

use std::time::Instant;

use crate::gateway::Collector;
use crate::gateway::wire::Message;
use crate::metrics::{Cost, Figures};

use super::transcript::{Seg, Transcript};

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Idle,
    Waiting,
    Thinking,
    Streaming,
    Done,
    Error(String),
    Cancelled,
}

impl Status {
    pub fn label(&self) -> &'static str {
        match self {
            Status::Idle => "idle",
            Status::Waiting => "waiting",
            Status::Thinking => "thinking",
            Status::Streaming => "streaming",
            Status::Done => "done",
            Status::Error(_) => "error",
            Status::Cancelled => "cancelled",
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
    /// The request this pane listens to; chunks of any other are stale and dropped.
    pub request_id: u64,
    pub collector: Option<Collector>,
    /// Final figures of the last response (live ones are derived while streaming).
    pub figures: Option<Figures>,
    pub cost: Option<Cost>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub tokens_estimated: bool,
    /// Top row shown when not following the tail.
    pub scroll: usize,
    pub follow: bool,
    /// Included in the next send (Alt-1..9 toggles).
    pub enabled: bool,
    /// The prompt of the running turn; joins `history` only when the answer completes.
    pub pending_prompt: Option<String>,
    /// Everything the last request sent, for token estimates when the server reports no usage.
    pub sent_messages: Vec<Message>,
    /// The route this pane sends through instead of its plain model.
    pub route: Option<String>,
    /// Off: only the route's first hop is tried on the next send.
    pub fallback: bool,
    /// Attempts of the current request that failed.
    pub hops: Vec<crate::route::Hop>,
    /// The model that answered the last request, when a route or the gateway says so.
    pub served_by: Option<String>,
    pub gateway_fallbacks: Option<u32>,
    /// Rate-limit headroom the gateway reported with the last answer.
    pub rate_limit: Option<crate::gateway::ratelimit::RateLimit>,
}

impl Pane {
    /// What the pane sends to: its route's name, or its model.
    pub fn target(&self) -> &str {
        self.route.as_deref().unwrap_or(&self.model)
    }

    pub fn new(model: String, width: u16) -> Self {
        Self {
            model,
            history: Vec::new(),
            transcript: Transcript::new(width),
            status: Status::Idle,
            request_id: 0,
            collector: None,
            figures: None,
            cost: None,
            input_tokens: None,
            output_tokens: None,
            tokens_estimated: false,
            scroll: 0,
            follow: true,
            enabled: true,
            pending_prompt: None,
            sent_messages: Vec::new(),
            route: None,
            fallback: true,
            hops: Vec::new(),
            served_by: None,
            gateway_fallbacks: None,
            rate_limit: None,
        }
    }

    pub fn begin(&mut self, request_id: u64, prompt: &str) {
        self.request_id = request_id;
        self.status = Status::Waiting;
        self.collector = None;
        self.figures = None;
        self.cost = None;
        self.input_tokens = None;
        self.output_tokens = None;
        self.tokens_estimated = false;
        self.hops.clear();
        self.served_by = None;
        self.gateway_fallbacks = None;
        self.follow = true;
        self.transcript
            .block(Seg::User, &format!("> {}", prompt.trim_end()));
    }

    /// Time since the request was sent: from the end stamp when finished, else from `now`.
    pub fn elapsed_ms(&self, now: Option<Instant>) -> Option<f64> {
        let c = self.collector.as_ref()?;
        match c.timeline.end {
            Some(end) => Some(end.as_secs_f64() * 1000.0),
            None => now.map(|n| n.saturating_duration_since(c.sent_at()).as_secs_f64() * 1000.0),
        }
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
        let Some(c) = &self.collector else {
            return LiveRow::default();
        };
        let tl = &c.timeline;
        let mut row = LiveRow {
            ttft_ms: tl.first_content.map(|d| d.as_secs_f64() * 1000.0),
            total_ms: self.elapsed_ms(now),
            input_tokens: self.input_tokens,
            ..Default::default()
        };
        match &self.figures {
            Some(f) => {
                row.tokens_per_s = f.decode_tps.or(f.e2e_tps);
                row.output_tokens = self.output_tokens;
                row.estimated = self.tokens_estimated;
            }
            None => {
                // While streaming: one chunk is about one token; marked as an estimate.
                let n = tl.token_chunks;
                if let (Some(a), Some(b)) = (tl.first_token, tl.last_token) {
                    let span = b.saturating_sub(a).as_secs_f64();
                    if n >= 2 && span > 0.0 {
                        row.tokens_per_s = Some((n - 1) as f64 / span);
                    }
                }
                row.output_tokens = (n > 0).then_some(n);
                row.estimated = true;
            }
        }
        row
    }
}

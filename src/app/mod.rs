//! The workbench's state and its one way to change: `update(&mut State, Action) -> Vec<Effect>`.
//! No IO and no clock here: every `Instant` arrives inside an action, every side effect leaves
//! as an `Effect` for the event loop to carry out.

pub mod keymap;
pub mod pane;
pub mod picker;
pub mod transcript;

use std::collections::BTreeMap;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use ratatui_textarea::TextArea;
use reqwest::header::HeaderMap;

use crate::gateway::wire::{ChatRequest, Chunk, Message, ModelInfo, Prices};
use crate::layout::{self, Areas};
use crate::metrics::cost;
use crate::metrics::stats::ModelStats;
use crate::record::header_cost;
use crate::route::{Next, Route};
use keymap::{Command, Keymap};
use pane::{Pane, Status};
use transcript::Seg;

pub const MAX_PANES: usize = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Picker,
    Editor,
    Panes,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    pub system: String,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
}

/// The parameters form: system prompt, max tokens, temperature, as text being edited.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamsForm {
    pub field: usize,
    pub values: [String; 3],
    pub error: Option<String>,
}

pub const PARAM_LABELS: [&str; 3] = ["system prompt", "max tokens", "temperature"];

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    Help,
    ConfirmQuit,
    Params(ParamsForm),
    /// The session budget is spent: send this prompt anyway?
    ConfirmBudget(String),
    RouteForm(RouteForm),
    /// A rehearsal is running (`None`) or its report is ready.
    Rehearsal(Option<Box<crate::route::rehearse::Report>>),
}

/// Editing a route: chain, failures that move on, retries, first-token deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteForm {
    pub name: String,
    pub field: usize,
    pub values: [String; 4],
    pub error: Option<String>,
}

pub const ROUTE_LABELS: [&str; 4] = ["chain", "move on after", "retries", "first token ms"];

/// How many requests a rehearsal from the workbench sends, and how many at a time.
pub const TUI_REHEARSAL: (usize, usize) = (20, 4);

/// What the panel shows below the live rows (or alone, when there is room for only one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelView {
    Now,
    Session,
    Compare,
}

/// Columns of the session table, in order; `s` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Model,
    Runs,
    TtftP50,
    TtftP95,
    TtftP99,
    ItlP50,
    ItlP95,
    ItlP99,
    TotalP50,
    TotalP95,
    TpsP50,
    TpsP95,
    CostPer1k,
}

pub const SORT_KEYS: [SortKey; 13] = [
    SortKey::Model,
    SortKey::Runs,
    SortKey::TtftP50,
    SortKey::TtftP95,
    SortKey::TtftP99,
    SortKey::ItlP50,
    SortKey::ItlP95,
    SortKey::ItlP99,
    SortKey::TotalP50,
    SortKey::TotalP95,
    SortKey::TpsP50,
    SortKey::TpsP95,
    SortKey::CostPer1k,
];

impl SortKey {
    /// The column's value for one model; `None` sorts last.
    pub fn value(self, m: &ModelStats) -> Option<f64> {
        match self {
            SortKey::Model => None,
            SortKey::Runs => Some(m.runs as f64),
            SortKey::TtftP50 => m.ttft_ms(0.5),
            SortKey::TtftP95 => m.ttft_ms(0.95),
            SortKey::TtftP99 => m.ttft_ms(0.99),
            SortKey::ItlP50 => m.itl_ms(0.5),
            SortKey::ItlP95 => m.itl_ms(0.95),
            SortKey::ItlP99 => m.itl_ms(0.99),
            SortKey::TotalP50 => m.total_ms(0.5),
            SortKey::TotalP95 => m.total_ms(0.95),
            SortKey::TpsP50 => m.tps(0.5),
            SortKey::TpsP95 => m.tps(0.95),
            SortKey::CostPer1k => m.cost_per_1k_output(),
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            SortKey::Model => "model",
            SortKey::Runs => "runs",
            SortKey::TtftP50 => "TTFT p50",
            SortKey::TtftP95 => "p95",
            SortKey::TtftP99 => "p99",
            SortKey::ItlP50 => "ITL p50",
            SortKey::ItlP95 => "p95",
            SortKey::ItlP99 => "p99",
            SortKey::TotalP50 => "total p50",
            SortKey::TotalP95 => "p95",
            SortKey::TpsP50 => "tok/s p50",
            SortKey::TpsP95 => "p95",
            SortKey::CostPer1k => "$/1k out",
        }
    }
}

/// The metric the Compare view's bars show; `b` cycles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareMetric {
    Ttft,
    TokensPerSecond,
    CostPer1kOutput,
}

#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    ModelsLoaded(Result<Vec<ModelInfo>, String>),
    /// An attempt started (a route may make several for one request).
    Started {
        request_id: u64,
        model: String,
        sent_at: Instant,
    },
    HopFailed {
        request_id: u64,
        hop: crate::route::Hop,
        next: crate::route::Next,
    },
    Rehearsed(Box<crate::route::rehearse::Report>),
    Chunk {
        request_id: u64,
        at: Instant,
        chunk: Chunk,
    },
    Ended {
        request_id: u64,
        at: Instant,
        error: Option<String>,
        headers: Option<HeaderMap>,
    },
    Tick(Instant),
}

#[derive(Debug, PartialEq)]
pub enum Effect {
    FetchModels,
    Send {
        request_id: u64,
        req: ChatRequest,
        route: Route,
    },
    Rehearse {
        route: Route,
        prompt: String,
        prices: BTreeMap<String, Prices>,
    },
    Cancel {
        request_id: u64,
    },
    MouseCapture(bool),
    Quit,
}

pub struct State {
    pub size: Rect,
    pub focus: Focus,
    pub overlay: Overlay,
    pub keymap: Keymap,
    pub models: Vec<ModelInfo>,
    pub models_error: Option<String>,
    pub models_loading: bool,
    pub filter: String,
    /// Indices into `models` that match the filter, best first.
    pub matches: Vec<usize>,
    pub picker_cursor: usize,
    /// Selected model ids in pane order (at most nine).
    pub selected: Vec<String>,
    /// Every model ever selected keeps its pane, so switching models keeps histories.
    pub panes: Vec<Pane>,
    /// Index into the visible panes.
    pub focused_pane: usize,
    pub maximized: bool,
    pub editor: TextArea<'static>,
    pub params: Params,
    pub last_prompt: Option<String>,
    pub next_request: u64,
    /// The latest instant the event loop told us about; used for live elapsed times.
    pub now: Option<Instant>,
    pub session_cost: f64,
    /// Some response in this session had no known price: the total is a lower bound.
    pub session_cost_partial: bool,
    pub config_prices: BTreeMap<String, Prices>,
    pub banner: Option<String>,
    pub status_msg: Option<String>,
    pub mouse_capture: bool,
    pub dirty: bool,
    /// Per model, over this session: distributions, recent TTFTs, cost.
    pub stats: BTreeMap<String, ModelStats>,
    pub budget_usd: Option<f64>,
    budget_warned: bool,
    pub panel_view: PanelView,
    pub sort: SortKey,
    pub sort_desc: bool,
    pub compare: CompareMetric,
    /// Routes by name: the config's, plus those edited in this session.
    pub routes: BTreeMap<String, Route>,
}

impl State {
    pub fn new(keymap: Keymap, selected: Vec<String>, banner: Option<String>) -> Self {
        let mut editor = TextArea::default();
        editor.set_placeholder_text("Write a prompt. Enter: new line, Ctrl-S: send to all");
        let mut s = Self {
            size: Rect::new(0, 0, 80, 24),
            focus: Focus::Picker,
            overlay: Overlay::None,
            keymap,
            models: Vec::new(),
            models_error: None,
            models_loading: true,
            filter: String::new(),
            matches: Vec::new(),
            picker_cursor: 0,
            selected: Vec::new(),
            panes: Vec::new(),
            focused_pane: 0,
            maximized: false,
            editor,
            params: Params::default(),
            last_prompt: None,
            next_request: 0,
            now: None,
            session_cost: 0.0,
            session_cost_partial: false,
            config_prices: BTreeMap::new(),
            banner,
            status_msg: None,
            mouse_capture: true,
            dirty: true,
            stats: BTreeMap::new(),
            budget_usd: None,
            budget_warned: false,
            panel_view: PanelView::Now,
            sort: SortKey::Model,
            sort_desc: false,
            compare: CompareMetric::Ttft,
            routes: BTreeMap::new(),
        };
        for m in selected.into_iter().take(MAX_PANES) {
            s.toggle_model(&m);
        }
        if !s.selected.is_empty() {
            s.focus = Focus::Editor;
        }
        s
    }

    pub fn areas(&self) -> Areas {
        let n = if self.maximized {
            1.min(self.selected.len())
        } else {
            self.selected.len()
        };
        layout::compute(self.size, n, self.banner.is_some(), self.panel_rows())
    }

    /// Rows the panel would like: the live rows, and the session rows below them.
    fn panel_rows(&self) -> u16 {
        let now = self.selected.len().max(1) + 1;
        // A header row (column names, or the metric's name) above one row per model.
        let below = self.stats.len().max(1) + 1;
        (now + 1 + below + 2) as u16
    }

    /// Session rows in the chosen order.
    pub fn sorted_stats(&self) -> Vec<(&String, &ModelStats)> {
        let mut v: Vec<(&String, &ModelStats)> = self.stats.iter().collect();
        let key = |m: &ModelStats| self.sort.value(m);
        v.sort_by(|a, b| {
            let ord = match (key(a.1), key(b.1)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                // Unknown values sort last whatever the direction.
                (Some(_), None) => return std::cmp::Ordering::Less,
                (None, Some(_)) => return std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            };
            let ord = ord.then_with(|| a.0.cmp(b.0));
            if self.sort_desc { ord.reverse() } else { ord }
        });
        v
    }

    /// Indices into `panes` of the visible panes, in order.
    pub fn visible(&self) -> Vec<usize> {
        let all: Vec<usize> = self
            .selected
            .iter()
            .filter_map(|m| self.panes.iter().position(|p| &p.model == m))
            .collect();
        if self.maximized {
            all.get(self.focused_pane)
                .map(|&i| vec![i])
                .unwrap_or_default()
        } else {
            all
        }
    }

    /// Indices into `panes` of the selected ones, ignoring maximisation.
    pub fn selected_panes(&self) -> Vec<usize> {
        self.selected
            .iter()
            .filter_map(|m| self.panes.iter().position(|p| &p.model == m))
            .collect()
    }

    pub fn any_running(&self) -> bool {
        self.panes.iter().any(|p| p.status.is_running())
    }

    fn in_text(&self) -> bool {
        matches!(self.focus, Focus::Editor | Focus::Picker)
    }

    fn pane_width(&self) -> u16 {
        self.areas()
            .panes
            .first()
            .map(|r| layout::inner(*r).width)
            .unwrap_or(40)
    }

    fn pane_height(&self) -> usize {
        self.areas()
            .panes
            .first()
            .map(|r| layout::inner(*r).height as usize)
            .unwrap_or(10)
    }

    /// Re-wrap visible panes to the width they now have.
    fn relayout(&mut self) {
        let areas = self.areas();
        let vis = self.visible();
        for (i, &p) in vis.iter().enumerate() {
            if let Some(r) = areas.panes.get(i) {
                self.panes[p].transcript.set_width(layout::inner(*r).width);
            }
        }
    }

    pub fn toggle_model(&mut self, id: &str) {
        if let Some(pos) = self.selected.iter().position(|m| m == id) {
            self.selected.remove(pos);
        } else if self.selected.len() >= MAX_PANES {
            self.status_msg = Some(format!("at most {MAX_PANES} models at once"));
            return;
        } else {
            self.selected.push(id.to_string());
            if !self.panes.iter().any(|p| p.model == id) {
                let w = self.pane_width();
                self.panes.push(Pane::new(id.to_string(), w));
            }
        }
        self.focused_pane = self.focused_pane.min(self.selected.len().saturating_sub(1));
        self.relayout();
    }

    pub fn refilter(&mut self) {
        self.matches = picker::filter(&self.models, &self.filter);
        self.picker_cursor = self.picker_cursor.min(self.matches.len().saturating_sub(1));
    }

    fn prompt_text(&self) -> String {
        self.editor.lines().join("\n")
    }

    fn send(&mut self, prompt: String) -> Vec<Effect> {
        if let Some(b) = self.budget_usd
            && self.session_cost >= b
            && !prompt.trim().is_empty()
        {
            self.overlay = Overlay::ConfirmBudget(prompt);
            return vec![];
        }
        self.send_anyway(prompt)
    }

    fn send_anyway(&mut self, prompt: String) -> Vec<Effect> {
        if prompt.trim().is_empty() {
            self.status_msg = Some("write a prompt first".into());
            return vec![];
        }
        let targets: Vec<usize> = self
            .selected_panes()
            .into_iter()
            .filter(|&p| self.panes[p].enabled)
            .collect();
        if targets.is_empty() {
            self.status_msg = Some(if self.selected.is_empty() {
                "select a model first (Tab to the model picker, Enter to select)".into()
            } else {
                "every selected model is turned off (Alt-1..9 turns one back on)".into()
            });
            return vec![];
        }
        let mut effects = Vec::new();
        for p in targets {
            // A pane still streaming the previous turn is cancelled before the new one starts.
            if self.panes[p].status.is_running() {
                effects.push(Effect::Cancel {
                    request_id: self.panes[p].request_id,
                });
            }
            self.next_request += 1;
            let id = self.next_request;
            let pane = &mut self.panes[p];
            let mut messages = Vec::new();
            if !self.params.system.trim().is_empty() {
                messages.push(Message::new("system", self.params.system.clone()));
            }
            messages.extend(pane.history.iter().cloned());
            messages.push(Message::new("user", prompt.clone()));
            let route = match pane.route.as_ref().and_then(|r| self.routes.get(r)) {
                Some(r) if pane.fallback => r.clone(),
                Some(r) => r.primary_only(),
                None => Route::single(&pane.model),
            };
            pane.begin(id, &prompt);
            pane.pending_prompt = Some(prompt.clone());
            pane.sent_messages = messages.clone();
            effects.push(Effect::Send {
                request_id: id,
                req: ChatRequest {
                    model: route.chain[0].clone(),
                    messages,
                    max_tokens: self.params.max_tokens,
                    temperature: self.params.temperature,
                    ..Default::default()
                },
                route,
            });
        }
        self.last_prompt = Some(prompt);
        self.status_msg = None;
        effects
    }

    fn cancel(&mut self, panes: Vec<usize>) -> Vec<Effect> {
        let mut effects = Vec::new();
        for p in panes {
            let pane = &mut self.panes[p];
            if pane.status.is_running() {
                pane.status = Status::Cancelled;
                pane.pending_prompt = None;
                pane.transcript.block(Seg::Info, "[cancelled]");
                effects.push(Effect::Cancel {
                    request_id: pane.request_id,
                });
            }
        }
        effects
    }

    fn pane_by_request(&mut self, id: u64) -> Option<&mut Pane> {
        self.panes.iter_mut().find(|p| p.request_id == id)
    }

    /// The pane keyboard commands act on.
    fn focused(&self) -> Option<usize> {
        self.visible()
            .get(if self.maximized { 0 } else { self.focused_pane })
            .copied()
    }

    fn models_prices(&self, model: &str) -> Option<Prices> {
        self.models.iter().find(|m| m.id == model).map(|m| m.prices)
    }
}

pub fn update(s: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Tick(now) => {
            s.now = Some(now);
            // Only live figures change on a tick.
            s.dirty |= s.any_running();
            vec![]
        }
        other => {
            s.dirty = true;
            let effects = apply(s, other);
            // Only the focused editor shows a cursor.
            let cursor = if s.focus == Focus::Editor && s.overlay == Overlay::None {
                ratatui::style::Style::default().add_modifier(ratatui::style::Modifier::REVERSED)
            } else {
                ratatui::style::Style::default()
            };
            s.editor.set_cursor_style(cursor);
            effects
        }
    }
}

fn apply(s: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(k) if k.kind == KeyEventKind::Release => vec![],
        Action::Key(k) => on_key(s, k),
        Action::Paste(text) => {
            match (&mut s.overlay, s.focus) {
                (Overlay::Params(f), _) => {
                    f.values[f.field].push_str(text.lines().next().unwrap_or(""))
                }
                (_, Focus::Editor) => {
                    s.editor
                        .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
                }
                (_, Focus::Picker) => {
                    s.filter.push_str(text.lines().next().unwrap_or("").trim());
                    s.refilter();
                }
                _ => {}
            }
            vec![]
        }
        Action::Mouse(m) => on_mouse(s, m),
        Action::Resize(w, h) => {
            s.size = Rect::new(0, 0, w, h);
            s.relayout();
            vec![]
        }
        Action::ModelsLoaded(result) => {
            s.models_loading = false;
            match result {
                Ok(models) => {
                    s.models = models;
                    s.models_error = None;
                }
                Err(e) => s.models_error = Some(e),
            }
            s.refilter();
            vec![]
        }
        Action::Started {
            request_id,
            model,
            sent_at,
        } => {
            if let Some(p) = s.pane_by_request(request_id)
                && p.status.is_running()
            {
                p.collector = Some(crate::gateway::Collector::new(sent_at));
                p.served_by = Some(model);
                p.status = Status::Waiting;
            }
            vec![]
        }
        Action::HopFailed {
            request_id,
            hop,
            next,
        } => {
            if let Some(p) = s.pane_by_request(request_id)
                && p.status.is_running()
            {
                let what = match &next {
                    Next::RetryAfter(d) => format!("retrying in {:.1} s", d.as_secs_f64()),
                    Next::MoveOn(m) => format!("falling back to {m}"),
                    Next::GiveUp => "giving up".into(),
                };
                p.transcript.block(
                    Seg::Error,
                    &format!(
                        "✗ {} failed after {:.0} ms: {}",
                        hop.model,
                        hop.ms,
                        hop.error.as_deref().unwrap_or("?")
                    ),
                );
                if hop.failed_after_content && matches!(next, Next::MoveOn(_)) {
                    p.transcript.block(
                        Seg::Info,
                        &format!(
                            "[the answer above from {} broke off; starting over]",
                            hop.model
                        ),
                    );
                }
                p.transcript.block(Seg::Info, &format!("→ {what}"));
                p.hops.push(hop);
            }
            vec![]
        }
        Action::Rehearsed(report) => {
            if matches!(s.overlay, Overlay::Rehearsal(None) | Overlay::None) {
                s.overlay = Overlay::Rehearsal(Some(report));
            }
            vec![]
        }
        Action::Chunk {
            request_id,
            at,
            chunk,
        } => {
            s.now = Some(s.now.map_or(at, |n| n.max(at)));
            if let Some(p) = s.pane_by_request(request_id) {
                on_chunk(p, at, chunk);
            }
            vec![]
        }
        Action::Ended {
            request_id,
            at,
            error,
            headers,
        } => {
            s.now = Some(s.now.map_or(at, |n| n.max(at)));
            on_ended(s, request_id, at, error, headers);
            vec![]
        }
        Action::Tick(_) => vec![],
    }
}

fn on_chunk(p: &mut Pane, at: Instant, chunk: Chunk) {
    // Stale: a cancelled request's chunks may still be in flight.
    if !p.status.is_running() {
        return;
    }
    if let Some(r) = chunk.reasoning.as_deref().filter(|r| !r.is_empty()) {
        if p.status == Status::Waiting {
            p.status = Status::Thinking;
            p.transcript.block(Seg::Reasoning, "");
        }
        p.transcript.push(Seg::Reasoning, r);
    }
    if let Some(c) = chunk.content.as_deref().filter(|c| !c.is_empty()) {
        if p.status != Status::Streaming {
            p.status = Status::Streaming;
            p.transcript.block(Seg::Answer, "");
        }
        p.transcript.push(Seg::Answer, c);
    }
    for t in &chunk.tool_calls {
        if let Some(name) = &t.name {
            p.transcript
                .block(Seg::Info, &format!("tool call {name}: "));
        }
        p.transcript.push(Seg::Info, &t.arguments);
    }
    if let Some(c) = p.collector.as_mut() {
        c.push(at, chunk);
    }
}

fn on_ended(
    s: &mut State,
    request_id: u64,
    at: Instant,
    error: Option<String>,
    headers: Option<HeaderMap>,
) {
    let Some(idx) = s.panes.iter().position(|p| p.request_id == request_id) else {
        return;
    };
    let model = s.panes[idx]
        .served_by
        .clone()
        .unwrap_or_else(|| s.panes[idx].model.clone());
    let listed = s.models_prices(&model);
    let configured = s.config_prices.get(&model).copied();
    let p = &mut s.panes[idx];
    let collector = p
        .collector
        .get_or_insert_with(|| crate::gateway::Collector::new(at));
    collector.finish(at);
    let figures = collector.figures();
    let counted = collector.usage_or_estimate(&p.sent_messages);
    let usage = counted.map(|(u, _)| u);
    let gateway_usd = collector
        .usage
        .and_then(|u| u.cost_usd)
        .or_else(|| headers.as_ref().and_then(header_cost));
    let text = collector.text.clone();
    p.figures = Some(figures);
    p.input_tokens = usage.map(|u| u.input_tokens);
    p.output_tokens = usage.map(|u| u.output_tokens);
    p.tokens_estimated = figures.estimated || counted.is_some_and(|(_, est)| est);
    if usage.is_some() || gateway_usd.is_some() {
        p.cost = cost::resolve(
            usage.as_ref(),
            gateway_usd,
            listed.as_ref(),
            configured.as_ref(),
        );
        match p.cost {
            Some(c) => s.session_cost += c.usd,
            None => s.session_cost_partial = true,
        }
    }
    let p = &mut s.panes[idx];
    if let Some(rl) = headers
        .as_ref()
        .and_then(crate::gateway::ratelimit::RateLimit::from_headers)
    {
        p.rate_limit = Some(rl);
    }
    p.gateway_fallbacks = headers
        .as_ref()
        .and_then(|h| h.get("x-litellm-attempted-fallbacks"))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let gateway_served = p.collector.as_ref().and_then(|c| c.served_model.clone());
    if error.is_none() && p.status != Status::Cancelled {
        if !p.hops.is_empty() {
            let n = p.hops.len();
            p.transcript.block(
                Seg::Info,
                &format!(
                    "served by {model} after {n} failed attempt{}",
                    if n == 1 { "" } else { "s" }
                ),
            );
        }
        let gw_fb = p.gateway_fallbacks.filter(|n| *n > 0);
        if gw_fb.is_some() || gateway_served.as_deref().is_some_and(|g| g != model) {
            p.transcript.block(
                Seg::Info,
                &format!(
                    "gateway: served by {}{}",
                    gateway_served.as_deref().unwrap_or(&model),
                    gw_fb.map_or(String::new(), |n| format!(
                        ", after {n} fallback(s) of its own"
                    ))
                ),
            );
        }
    }
    if error.is_none() && p.status != Status::Cancelled {
        let priced = p.cost.zip(usage).map(|(c, u)| (c.usd, u.output_tokens));
        s.stats.entry(model).or_default().add(&figures, priced);
    }
    if let Some(b) = s.budget_usd
        && !s.budget_warned
        && s.session_cost >= 0.8 * b
    {
        s.budget_warned = true;
        s.status_msg = Some(format!(
            "budget: {} of {} spent this session",
            crate::format::fmt_usd(Some(s.session_cost)),
            crate::format::fmt_usd(Some(b))
        ));
    }
    let p = &mut s.panes[idx];
    if p.status == Status::Cancelled {
        return;
    }
    match error {
        Some(e) => {
            p.transcript.block(Seg::Error, &format!("error: {e}"));
            p.status = Status::Error(e);
            p.pending_prompt = None;
        }
        None => {
            p.status = Status::Done;
            if let Some(prompt) = p.pending_prompt.take() {
                p.history.push(Message::new("user", prompt));
                p.history.push(Message::new("assistant", text));
            }
        }
    }
}

fn on_key(s: &mut State, k: KeyEvent) -> Vec<Effect> {
    match &mut s.overlay {
        Overlay::Help => {
            s.overlay = Overlay::None;
            return vec![];
        }
        Overlay::ConfirmQuit => {
            let ctrl_c =
                k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
            return match k.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => quit_now(s),
                _ if ctrl_c => quit_now(s),
                _ => {
                    s.overlay = Overlay::None;
                    vec![]
                }
            };
        }
        Overlay::ConfirmBudget(prompt) => {
            let prompt = std::mem::take(prompt);
            s.overlay = Overlay::None;
            return match k.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    let effects = s.send_anyway(prompt);
                    if !effects.is_empty() {
                        s.editor = fresh_editor(&s.editor);
                    }
                    effects
                }
                _ => {
                    s.status_msg = Some("not sent: the session budget is spent".into());
                    vec![]
                }
            };
        }
        Overlay::Rehearsal(_) => {
            s.overlay = Overlay::None;
            return vec![];
        }
        Overlay::RouteForm(form) => {
            match edit_form(&mut form.field, &mut form.values, &k) {
                FormKey::Close => s.overlay = Overlay::None,
                FormKey::Submit => match parse_route_form(form) {
                    Ok(route) => {
                        let name = route.name.clone();
                        s.routes.insert(name.clone(), route);
                        if let Some(p) = s.focused() {
                            s.panes[p].route = Some(name.clone());
                        }
                        s.status_msg = Some(format!("route {name} saved for this session"));
                        s.overlay = Overlay::None;
                    }
                    Err(e) => form.error = Some(e),
                },
                FormKey::Edited => {}
            }
            return vec![];
        }
        Overlay::Params(form) => {
            match edit_form(&mut form.field, &mut form.values, &k) {
                FormKey::Close => s.overlay = Overlay::None,
                FormKey::Submit => match parse_params(&form.values) {
                    Ok(p) => {
                        s.params = p;
                        s.overlay = Overlay::None;
                    }
                    Err(e) => form.error = Some(e),
                },
                FormKey::Edited => {}
            }
            return vec![];
        }
        Overlay::None => {}
    }
    // Esc in a non-empty filter clears the filter rather than cancelling requests.
    if s.focus == Focus::Picker && k.code == KeyCode::Esc && !s.filter.is_empty() {
        s.filter.clear();
        s.refilter();
        return vec![];
    }
    if let Some(cmd) = s.keymap.lookup(&k, s.in_text()) {
        return on_command(s, cmd);
    }
    match s.focus {
        Focus::Editor => {
            s.editor.input(k);
        }
        Focus::Picker => on_picker_key(s, k),
        Focus::Panes => on_panes_key(s, k),
    }
    vec![]
}

fn quit_now(s: &mut State) -> Vec<Effect> {
    let all = (0..s.panes.len()).collect();
    let mut effects = s.cancel(all);
    effects.push(Effect::Quit);
    effects
}

enum FormKey {
    Submit,
    Close,
    Edited,
}

/// Keys inside a form of one-line fields: move between fields, edit the active one.
fn edit_form(field: &mut usize, values: &mut [String], k: &KeyEvent) -> FormKey {
    let n = values.len();
    match k.code {
        KeyCode::Esc => return FormKey::Close,
        KeyCode::Enter => return FormKey::Submit,
        KeyCode::Tab | KeyCode::Down => *field = (*field + 1) % n,
        KeyCode::BackTab | KeyCode::Up => *field = (*field + n - 1) % n,
        KeyCode::Backspace => {
            values[*field].pop();
        }
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => values[*field].push(c),
        _ => {}
    }
    FormKey::Edited
}

fn parse_route_form(f: &RouteForm) -> Result<Route, String> {
    let list = |v: &str| -> Vec<String> {
        v.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    };
    let retries = match f.values[2].trim() {
        "" => 0,
        v => v
            .parse()
            .map_err(|_| "retries: a whole number".to_string())?,
    };
    let first_token_timeout_ms = match f.values[3].trim() {
        "" => None,
        v => Some(
            v.parse()
                .map_err(|_| "first token ms: a whole number, or empty for none".to_string())?,
        ),
    };
    let c = crate::route::RouteConfig {
        chain: list(&f.values[0]),
        on: list(&f.values[1]),
        retries,
        first_token_timeout_ms,
        ..Default::default()
    };
    Route::from_config(&f.name, &c)
}

fn parse_params(values: &[String; 3]) -> Result<Params, String> {
    let max_tokens = match values[1].trim() {
        "" => None,
        v => Some(
            v.parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or("max tokens: a whole number above 0, or empty for the server's default")?,
        ),
    };
    let temperature = match values[2].trim() {
        "" => None,
        v => Some(
            v.parse::<f32>()
                .ok()
                .filter(|t| (0.0..=2.0).contains(t))
                .ok_or("temperature: a number from 0 to 2, or empty for the server's default")?,
        ),
    };
    Ok(Params {
        system: values[0].clone(),
        max_tokens,
        temperature,
    })
}

fn on_command(s: &mut State, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Send => {
            let prompt = s.prompt_text();
            let effects = s.send(prompt);
            if !effects.is_empty() {
                s.editor = fresh_editor(&s.editor);
            }
            effects
        }
        Command::Rerun => match s.last_prompt.clone() {
            Some(p) => s.send(p),
            None => {
                s.status_msg = Some("nothing to re-run yet".into());
                vec![]
            }
        },
        Command::Cancel => {
            let targets = if s.focus == Focus::Panes {
                s.visible()
                    .get(s.focused_pane)
                    .map(|&p| vec![p])
                    .unwrap_or_default()
            } else {
                (0..s.panes.len()).collect()
            };
            let any_focused_running = targets.iter().any(|&p| s.panes[p].status.is_running());
            let targets = if any_focused_running {
                targets
            } else {
                (0..s.panes.len()).collect()
            };
            s.cancel(targets)
        }
        Command::Maximize => {
            if !s.selected.is_empty() {
                s.maximized = !s.maximized;
                s.relayout();
            }
            vec![]
        }
        Command::Help => {
            s.overlay = Overlay::Help;
            vec![]
        }
        Command::Quit => {
            if s.any_running() {
                s.overlay = Overlay::ConfirmQuit;
                vec![]
            } else {
                vec![Effect::Quit]
            }
        }
        Command::FocusNext | Command::FocusPrev => {
            let order = [Focus::Picker, Focus::Editor, Focus::Panes];
            let i = order.iter().position(|f| *f == s.focus).unwrap_or(0);
            let step = if cmd == Command::FocusNext { 1 } else { 2 };
            s.focus = order[(i + step) % 3];
            vec![]
        }
        Command::NewConversation => {
            let all = (0..s.panes.len()).collect();
            let effects = s.cancel(all);
            for p in &mut s.panes {
                let w = p.transcript.width();
                *p = Pane {
                    enabled: p.enabled,
                    ..Pane::new(p.model.clone(), w)
                };
            }
            s.status_msg = Some("new conversation".into());
            effects
        }
        Command::ToggleMouse => {
            s.mouse_capture = !s.mouse_capture;
            s.status_msg = Some(if s.mouse_capture {
                "mouse capture on: the wheel scrolls panes".into()
            } else {
                "mouse capture off: select text with the mouse (F2 turns capture back on)".into()
            });
            vec![Effect::MouseCapture(s.mouse_capture)]
        }
        Command::Params => {
            s.overlay = Overlay::Params(ParamsForm {
                field: 0,
                values: [
                    s.params.system.clone(),
                    s.params
                        .max_tokens
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                    s.params
                        .temperature
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                ],
                error: None,
            });
            vec![]
        }
        Command::PanelView => {
            s.panel_view = match s.panel_view {
                PanelView::Now => PanelView::Session,
                PanelView::Session => PanelView::Compare,
                PanelView::Compare => PanelView::Now,
            };
            s.relayout();
            vec![]
        }
        Command::SortNext => {
            let i = SORT_KEYS.iter().position(|k| *k == s.sort).unwrap_or(0);
            s.sort = SORT_KEYS[(i + 1) % SORT_KEYS.len()];
            vec![]
        }
        Command::SortReverse => {
            s.sort_desc = !s.sort_desc;
            vec![]
        }
        Command::CompareMetric => {
            s.compare = match s.compare {
                CompareMetric::Ttft => CompareMetric::TokensPerSecond,
                CompareMetric::TokensPerSecond => CompareMetric::CostPer1kOutput,
                CompareMetric::CostPer1kOutput => CompareMetric::Ttft,
            };
            vec![]
        }
        Command::RouteNext | Command::RoutePrev => {
            let Some(p) = s.focused() else {
                s.status_msg = Some("focus a pane first (1-9)".into());
                return vec![];
            };
            let mut options: Vec<Option<String>> = vec![None];
            options.extend(s.routes.keys().cloned().map(Some));
            let i = options
                .iter()
                .position(|o| *o == s.panes[p].route)
                .unwrap_or(0);
            let n = options.len();
            let j = if cmd == Command::RouteNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            s.panes[p].route = options[j].clone();
            s.status_msg = Some(match &s.panes[p].route {
                Some(r) => format!(
                    "pane {} sends through route {r} ({})",
                    s.focused_pane + 1,
                    s.routes[r].chain.join(" → ")
                ),
                None if n == 1 => {
                    "no routes: define [routes.NAME] in the config, or press e to make one".into()
                }
                None => format!(
                    "pane {} sends to {} directly",
                    s.focused_pane + 1,
                    s.panes[p].model
                ),
            });
            vec![]
        }
        Command::ToggleFallback => {
            if let Some(p) = s.focused() {
                let pane = &mut s.panes[p];
                pane.fallback = !pane.fallback;
                s.status_msg = Some(format!(
                    "fallback {} for pane {}'s next send",
                    if pane.fallback { "on" } else { "off" },
                    s.focused_pane + 1
                ));
            }
            vec![]
        }
        Command::EditRoute => {
            let Some(p) = s.focused() else {
                s.status_msg = Some("focus a pane first (1-9)".into());
                return vec![];
            };
            let pane = &s.panes[p];
            let (name, values) = match pane.route.as_ref().and_then(|r| s.routes.get(r)) {
                Some(r) => (
                    r.name.clone(),
                    [
                        r.chain.join(", "),
                        r.on.iter().map(|f| f.name()).collect::<Vec<_>>().join(", "),
                        r.retries.to_string(),
                        r.first_token_timeout
                            .map_or(String::new(), |d| d.as_millis().to_string()),
                    ],
                ),
                None => (
                    format!("{}-fallback", pane.model),
                    [
                        format!("{}, ", pane.model),
                        String::new(),
                        "1".into(),
                        String::new(),
                    ],
                ),
            };
            s.overlay = Overlay::RouteForm(RouteForm {
                name,
                field: 0,
                values,
                error: None,
            });
            vec![]
        }
        Command::Rehearse => {
            let Some(p) = s.focused() else {
                s.status_msg = Some("focus a pane first (1-9): its route is rehearsed".into());
                return vec![];
            };
            let typed = s.prompt_text();
            let Some(prompt) = Some(typed)
                .filter(|t| !t.trim().is_empty())
                .or(s.last_prompt.clone())
            else {
                s.status_msg = Some("write a prompt to rehearse".into());
                return vec![];
            };
            let pane = &s.panes[p];
            let route = pane
                .route
                .as_ref()
                .and_then(|r| s.routes.get(r))
                .cloned()
                .unwrap_or_else(|| Route::single(&pane.model));
            let mut prices: BTreeMap<String, Prices> = s
                .models
                .iter()
                .filter(|m| m.prices.is_known())
                .map(|m| (m.id.clone(), m.prices))
                .collect();
            for (k, v) in &s.config_prices {
                prices.entry(k.clone()).or_insert(*v);
            }
            s.overlay = Overlay::Rehearsal(None);
            vec![Effect::Rehearse {
                route,
                prompt,
                prices,
            }]
        }
        Command::JumpPane(n) => {
            let n = n as usize;
            if n <= s.selected.len() {
                s.focus = Focus::Panes;
                s.focused_pane = n - 1;
                if s.maximized {
                    s.relayout();
                }
            }
            vec![]
        }
        Command::ToggleRoute(n) => {
            if let Some(&p) = s.selected_panes().get(n as usize - 1) {
                let pane = &mut s.panes[p];
                pane.enabled = !pane.enabled;
                s.status_msg = Some(format!(
                    "{} {} for the next send",
                    pane.model,
                    if pane.enabled { "on" } else { "off" }
                ));
            }
            vec![]
        }
    }
}

/// A cleared editor that keeps its look (placeholder, styles) and undo history is not needed.
fn fresh_editor(old: &TextArea<'static>) -> TextArea<'static> {
    let mut e = TextArea::default();
    e.set_placeholder_text(old.placeholder_text().to_string());
    e
}

fn on_picker_key(s: &mut State, k: KeyEvent) {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Up => s.picker_cursor = s.picker_cursor.saturating_sub(1),
        KeyCode::Down => {
            s.picker_cursor = (s.picker_cursor + 1).min(s.matches.len().saturating_sub(1))
        }
        KeyCode::Enter | KeyCode::Char(' ') => {
            if let Some(&i) = s.matches.get(s.picker_cursor) {
                let id = s.models[i].id.clone();
                s.toggle_model(&id);
            }
        }
        KeyCode::Backspace => {
            s.filter.pop();
            s.refilter();
        }
        KeyCode::Char('u') if ctrl => {
            s.filter.clear();
            s.refilter();
        }
        KeyCode::Char(c) if !ctrl && !k.modifiers.contains(KeyModifiers::ALT) => {
            s.filter.push(c);
            s.picker_cursor = 0;
            s.refilter();
        }
        _ => {}
    }
}

fn on_panes_key(s: &mut State, k: KeyEvent) {
    let vis = s.visible();
    let Some(&p) = vis.get(if s.maximized { 0 } else { s.focused_pane }) else {
        return;
    };
    let h = s.pane_height();
    let pane = &mut s.panes[p];
    match k.code {
        KeyCode::Up | KeyCode::Char('k') => pane.scroll_by(-1, h),
        KeyCode::Down | KeyCode::Char('j') => pane.scroll_by(1, h),
        KeyCode::PageUp => pane.scroll_by(-(h as isize), h),
        KeyCode::PageDown | KeyCode::Char(' ') => pane.scroll_by(h as isize, h),
        KeyCode::Home | KeyCode::Char('g') => pane.scroll_by(isize::MIN / 2, h),
        KeyCode::End | KeyCode::Char('G') => pane.scroll_by(isize::MAX / 2, h),
        KeyCode::Left | KeyCode::Char('h') => s.focused_pane = s.focused_pane.saturating_sub(1),
        KeyCode::Right | KeyCode::Char('l') => {
            s.focused_pane = (s.focused_pane + 1).min(s.selected.len().saturating_sub(1))
        }
        _ => {}
    }
}

fn on_mouse(s: &mut State, m: MouseEvent) -> Vec<Effect> {
    let areas = s.areas();
    let at = Position::new(m.column, m.row);
    let vis = s.visible();
    let hit = areas.panes.iter().position(|r| r.contains(at));
    match m.kind {
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            if let Some(i) = hit {
                let h = layout::inner(areas.panes[i]).height as usize;
                let d = if m.kind == MouseEventKind::ScrollUp {
                    -3
                } else {
                    3
                };
                s.panes[vis[i]].scroll_by(d, h);
            }
        }
        MouseEventKind::Down(_) => {
            if let Some(i) = hit {
                s.focus = Focus::Panes;
                if !s.maximized {
                    s.focused_pane = i;
                }
            } else if areas.picker.contains(at) {
                s.focus = Focus::Picker;
            } else if areas.editor.contains(at) {
                s.focus = Focus::Editor;
            }
        }
        _ => {}
    }
    vec![]
}

#[cfg(test)]
mod tests;

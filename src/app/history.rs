//! The workbench's history: what each send records, the history view (search as you type, open
//! an entry, re-send its prompt), ratings, exports, and rebuilding panes from a stored session.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::forms::TextField;
use super::overlay::Overlay;
use super::pane::{Pane, Status as PaneStatus};
use super::transcript::Seg;
use super::{Effect, Focus, State, requests};
use crate::answer::AnswerRecord;
use crate::history::query::{Entry, SessionView, StoredAnswer};
use crate::history::{Record, Status};

/// How many entries the view asks for at a time.
pub const PAGE: usize = 50;

/// What the workbench knows of its history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryState {
    /// A writer is running: sends are recorded.
    pub recording: bool,
    /// Where it is kept, or why it is off (for messages).
    pub place: String,
    /// The last turn (one send to every enabled pane) of this session.
    pub turn: u64,
    /// Bumped by a new conversation: a pane's conversation in the store.
    pub conversation: u64,
    /// Streamed text (answer, reasoning) per running request not yet handed to the writer: it
    /// leaves on the next tick (every 100 ms while requests run), not once per chunk.
    pub unsaved: std::collections::BTreeMap<u64, (String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryView {
    pub query: TextField,
    pub entries: Vec<Entry>,
    pub selected: usize,
    /// The newest query asked; older answers are dropped.
    pub generation: u64,
    pub loading: bool,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RateForm {
    /// The pane's request, and its model, being rated.
    pub seq: u64,
    pub model: String,
    pub score: Option<u8>,
    pub note: TextField,
    pub error: Option<String>,
}

/// Keep a chunk's text for the next tick.
pub fn streamed(s: &mut State, seq: u64, content: Option<&str>, reasoning: Option<&str>) {
    if !s.history.recording || (content.is_none() && reasoning.is_none()) {
        return;
    }
    let (c, r) = s.history.unsaved.entry(seq).or_default();
    c.push_str(content.unwrap_or_default());
    r.push_str(reasoning.unwrap_or_default());
}

/// On a tick: what streamed since the last one, to the writer.
pub fn drain(s: &mut State) -> Vec<Effect> {
    std::mem::take(&mut s.history.unsaved)
        .into_iter()
        .map(|(seq, (content, reasoning))| {
            Effect::Record(Box::new(Record::Delta {
                seq,
                content,
                reasoning,
            }))
        })
        .collect()
}

/// The effect that records `r`, when recording.
pub fn record(s: &State, r: Record) -> Option<Effect> {
    s.history.recording.then(|| Effect::Record(Box::new(r)))
}

pub fn open_view(s: &mut State) -> Vec<Effect> {
    if !s.history.recording && s.history.place.starts_with("history off") {
        s.status_msg = Some(s.history.place.clone());
        return vec![];
    }
    let view = HistoryView {
        query: TextField::new(""),
        entries: Vec::new(),
        selected: 0,
        generation: 1,
        loading: true,
        error: None,
    };
    s.overlay = Overlay::History(Box::new(view));
    vec![Effect::HistoryQuery {
        generation: 1,
        query: String::new(),
    }]
}

pub fn on_rows(s: &mut State, generation: u64, rows: Result<Vec<Entry>, String>) {
    let Overlay::History(v) = &mut s.overlay else {
        return;
    };
    if generation != v.generation {
        return;
    }
    v.loading = false;
    match rows {
        Ok(rows) => {
            v.entries = rows;
            v.error = None;
        }
        Err(e) => v.error = Some(e),
    }
    v.selected = v.selected.min(v.entries.len().saturating_sub(1));
}

pub fn on_view_key(s: &mut State, k: KeyEvent) -> Vec<Effect> {
    let Overlay::History(v) = &mut s.overlay else {
        return vec![];
    };
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Esc => s.overlay = Overlay::None,
        KeyCode::Char('c') if ctrl => s.overlay = Overlay::None,
        KeyCode::Up => v.selected = v.selected.saturating_sub(1),
        KeyCode::Down => v.selected = (v.selected + 1).min(v.entries.len().saturating_sub(1)),
        KeyCode::PageUp => v.selected = v.selected.saturating_sub(10),
        KeyCode::PageDown => v.selected = (v.selected + 10).min(v.entries.len().saturating_sub(1)),
        KeyCode::Enter => {
            if let Some(e) = v.entries.get(v.selected) {
                let (id, turn) = (e.session_id, e.turn);
                return open_session(s, id, Some(turn));
            }
        }
        KeyCode::Char('s') if ctrl => {
            if let Some(e) = v.entries.get(v.selected) {
                let prompt = e.prompt.clone();
                s.overlay = Overlay::None;
                s.focus = Focus::Editor;
                return requests::send(s, prompt);
            }
        }
        _ => {
            if v.query.edit(&k) {
                v.generation += 1;
                v.loading = true;
                v.selected = 0;
                return vec![Effect::HistoryQuery {
                    generation: v.generation,
                    query: v.query.text.clone(),
                }];
            }
        }
    }
    vec![]
}

/// Load a stored session into the panes (up to `turn`); later sends go on in it.
pub fn open_session(s: &mut State, id: i64, turn: Option<u64>) -> Vec<Effect> {
    if s.any_running() {
        s.status_msg =
            Some("requests are running: wait for them or cancel them (Esc) first".into());
        return vec![];
    }
    s.overlay = Overlay::None;
    s.status_msg = Some(format!("opening session {id}…"));
    vec![Effect::LoadSession { id: Some(id), turn }]
}

/// Rebuild the workbench from a stored session: panes, transcripts, answers, the panel's
/// figures and ratings, the last prompt and its parameters.
pub fn on_loaded(s: &mut State, view: Result<Box<SessionView>, String>) -> Vec<Effect> {
    let view = match view {
        Ok(v) => v,
        Err(e) => {
            s.status_msg = Some(e);
            return vec![];
        }
    };
    let w = s.pane_inner().map_or(40, |r| r.width);
    s.panes.clear();
    s.selected.clear();
    s.panel.reset_session();
    s.maximized = false;
    let (mut last_seq, mut last_conv) = (0, 0);
    for t in &view.turns {
        s.history.turn = s.history.turn.max(t.seq);
        s.editor.last_prompt = Some(t.prompt.clone());
        s.editor.params.system = t.system.clone().unwrap_or_default();
        s.editor.params.max_tokens = t.params.max_tokens;
        s.editor.params.temperature = t.params.temperature;
        for a in &t.answers {
            last_seq = last_seq.max(a.seq);
            last_conv = last_conv.max(a.conversation);
            let p = match s.panes.iter().position(|p| p.model == a.pane_model) {
                Some(p) => p,
                None => {
                    s.panes.push(Pane::new(a.pane_model.clone(), w));
                    s.panes.len() - 1
                }
            };
            restore(s, p, &t.prompt, a);
        }
    }
    // The panes in the order of their last send.
    let mut order: Vec<(u32, String)> = Vec::new();
    if let Some(t) = view.turns.last() {
        order = t
            .answers
            .iter()
            .map(|a| (a.pane, a.pane_model.clone()))
            .collect();
    }
    for p in &s.panes {
        if !order.iter().any(|(_, m)| *m == p.model) {
            order.push((u32::MAX, p.model.clone()));
        }
    }
    order.sort_by_key(|(i, _)| *i);
    s.selected = order
        .into_iter()
        .map(|(_, m)| m)
        .take(super::MAX_PANES)
        .collect();
    s.next_request = s.next_request.max(last_seq).max(view.last_request);
    s.history.turn = s.history.turn.max(view.last_turn);
    s.history.conversation = s.history.conversation.max(last_conv);
    s.focused_pane = 0;
    s.focus = Focus::Editor;
    s.relayout();
    let n = view.turns.len();
    s.status_msg = Some(format!(
        "session {} reopened: {n} prompt{}; new sends go on in it",
        view.id,
        if n == 1 { "" } else { "s" }
    ));
    record(s, Record::Adopt(view.id)).into_iter().collect()
}

/// One stored answer into pane `p`: its conversation, transcript, answer and rating.
fn restore(s: &mut State, p: usize, prompt: &str, a: &StoredAnswer) {
    let rec: Option<AnswerRecord> = a
        .answer
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .map(|mut r: AnswerRecord| {
            r.hop_model = r.model.clone();
            r.figures = a.figures.unwrap_or_default();
            r
        });
    let routes = &s.routes;
    let pane = &mut s.panes[p];
    if pane.conversation != a.conversation {
        let model = pane.model.clone();
        *pane = Pane::new(model, pane.transcript.width());
        pane.conversation = a.conversation;
    }
    pane.route = a.route.clone().filter(|r| routes.contains_key(r));
    pane.request_id = a.seq;
    pane.transcript
        .block(Seg::User, &format!("> {}", prompt.trim_end()));
    if !a.reasoning.is_empty() {
        pane.transcript.block(Seg::Info, "reasoning");
        pane.transcript.block(Seg::Reasoning, &a.reasoning);
    }
    if !a.text.is_empty() {
        pane.transcript.block(Seg::Answer, &a.text);
    }
    pane.status = match a.status {
        Status::Done => PaneStatus::Done,
        Status::Error => PaneStatus::Error,
        Status::Cancelled => PaneStatus::Cancelled,
        Status::Streaming | Status::Incomplete => PaneStatus::Cancelled,
    };
    match a.status {
        Status::Done => {
            pane.history
                .push(crate::gateway::wire::Message::user(prompt));
            pane.history
                .push(crate::gateway::wire::Message::assistant(a.text.clone()));
        }
        Status::Error => {
            let err = rec
                .as_ref()
                .and_then(|r| r.error.as_ref())
                .map(|e| e.brief());
            pane.transcript
                .block(Seg::Error, &format!("error: {}", err.unwrap_or_default()));
        }
        Status::Cancelled => pane.transcript.block(Seg::Info, "[cancelled]"),
        Status::Streaming | Status::Incomplete => pane.transcript.block(
            Seg::Info,
            "[incomplete: gatebench stopped while this streamed]",
        ),
    }
    pane.rating = a.rating.as_ref().map(|r| r.score);
    if let Some(r) = &rec {
        pane.served_by = Some(r.hop_model.clone());
    }
    pane.answer = rec.clone();
    let model = pane.model.clone();
    if let Some(r) = rec {
        s.panel.record(&r, a.status == Status::Cancelled);
        if let Some(g) = &a.rating {
            s.panel.rate(a.seq, &r.hop_model, g.score);
        }
    } else if let Some(g) = &a.rating {
        s.panel.rate(a.seq, &model, g.score);
    }
}

/// The rating key: rate the focused pane's finished answer.
pub fn open_rating(s: &mut State, quick: Option<u8>) -> Vec<Effect> {
    let Some(p) = s.focused() else {
        let keys = s.keymap.range(
            super::keymap::Command::JumpPane(1),
            super::keymap::Command::JumpPane(9),
        );
        s.status_msg = Some(format!("focus a pane first ({keys}) to rate its answer"));
        return vec![];
    };
    let pane = &s.panes[p];
    let Some(a) = pane.answer.as_ref().filter(|_| !pane.status.is_running()) else {
        s.status_msg = Some("nothing to rate yet: the pane has no finished answer".into());
        return vec![];
    };
    let (seq, model) = (pane.request_id, a.hop_model.clone());
    match quick {
        Some(score) => save_rating(s, seq, model, score, String::new()),
        None => {
            s.overlay = Overlay::Rate(RateForm {
                seq,
                model,
                score: pane.rating,
                note: TextField::new(""),
                error: None,
            });
            vec![]
        }
    }
}

pub fn on_rate_key(s: &mut State, k: KeyEvent) -> Vec<Effect> {
    let Overlay::Rate(f) = &mut s.overlay else {
        return vec![];
    };
    match k.code {
        KeyCode::Esc => s.overlay = Overlay::None,
        KeyCode::Enter => match f.score {
            Some(score) => {
                let (seq, model, note) = (f.seq, f.model.clone(), f.note.text.trim().to_string());
                s.overlay = Overlay::None;
                return save_rating(s, seq, model, score, note);
            }
            None => f.error = Some("give a score first: 1-5, or + / -".into()),
        },
        // The score is the first thing typed; after it, keys write the note.
        KeyCode::Char(c) if f.note.text.is_empty() && crate::history::score_of(c).is_some() => {
            f.score = crate::history::score_of(c);
            f.error = None;
        }
        _ => {
            f.note.edit(&k);
        }
    }
    vec![]
}

fn save_rating(s: &mut State, seq: u64, model: String, score: u8, note: String) -> Vec<Effect> {
    if let Some(p) = s.panes.iter_mut().find(|p| p.request_id == seq) {
        p.rating = Some(score);
    }
    s.panel.rate(seq, &model, score);
    s.status_msg = Some(if s.history.recording {
        format!("rated {model} {score}/5")
    } else {
        format!("rated {model} {score}/5 for this session (history is off: not kept)")
    });
    record(s, Record::Rate { seq, score, note })
        .into_iter()
        .collect()
}

pub fn export(s: &mut State) -> Vec<Effect> {
    if !s.history.recording {
        s.status_msg = Some(format!("cannot export: {}", s.history.place));
        return vec![];
    }
    s.status_msg = Some("exporting…".into());
    vec![Effect::Export]
}

/// A pane's request ended: record its settled answer.
pub fn ended(s: &State, seq: u64, rec: &AnswerRecord, cancelled: bool) -> Option<Effect> {
    record(s, crate::history::writer::ended(seq, rec, cancelled))
}

/// Paste into the history view's search or the rating note.
pub fn paste(o: &mut Overlay, text: &str) -> Option<Effect> {
    let line = text.lines().next().unwrap_or("");
    match o {
        Overlay::History(v) => {
            v.query.insert(line);
            v.generation += 1;
            v.loading = true;
            Some(Effect::HistoryQuery {
                generation: v.generation,
                query: v.query.text.clone(),
            })
        }
        Overlay::Rate(f) => {
            f.note.insert(line);
            None
        }
        _ => None,
    }
}

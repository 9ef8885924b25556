//! The workbench's history: what each send records, the history view (search as you type, open
//! an entry, re-send its prompt), ratings, exports, and rebuilding panes from a stored session.

use crossterm::event::{KeyCode, KeyEvent};

use super::forms::TextField;
use super::overlay::Overlay;
use super::{Effect, Focus, State, requests};
use crate::answer::AnswerRecord;
use crate::history::Record;
use crate::history::query::Entry;

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
    // Without a writer there is no database to read: say why.
    if !s.history.recording {
        s.status_msg = Some(s.history.place.clone()).filter(|p| !p.is_empty());
        s.status_msg.get_or_insert_with(|| "history off".into());
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
    use super::keymap::ListCmd;
    // A search box has the focus: plain keys type, so only the list's other keys act.
    let cmd = s.keymap.list(&k, true);
    let global = s.keymap.lookup(&k, true);
    let Overlay::History(v) = &mut s.overlay else {
        return vec![];
    };
    let last = v.entries.len().saturating_sub(1);
    match (cmd, k.code) {
        (Some(ListCmd::Close), _) => s.overlay = Overlay::None,
        _ if global == Some(super::keymap::Command::Quit) => s.overlay = Overlay::None,
        (Some(ListCmd::Up), _) => v.selected = v.selected.saturating_sub(1),
        (Some(ListCmd::Down), _) => v.selected = (v.selected + 1).min(last),
        (Some(ListCmd::PageUp), _) => v.selected = v.selected.saturating_sub(10),
        (Some(ListCmd::PageDown), _) => v.selected = (v.selected + 10).min(last),
        (Some(ListCmd::Open), _) => {
            if let Some(e) = v.entries.get(v.selected) {
                let (id, turn) = (e.session_id, e.turn);
                return open_session(s, id, Some(turn));
            }
        }
        _ if global == Some(super::keymap::Command::Send) => {
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
    use super::keymap::FormCmd;
    let cmd = s.keymap.form(&k);
    let Overlay::Rate(f) = &mut s.overlay else {
        return vec![];
    };
    match (cmd, k.code) {
        (Some(FormCmd::Cancel), _) => s.overlay = Overlay::None,
        (Some(FormCmd::Submit), _) => match f.score {
            Some(score) => {
                let (seq, model, note) = (f.seq, f.model.clone(), f.note.text.trim().to_string());
                s.overlay = Overlay::None;
                return save_rating(s, seq, model, score, note);
            }
            None => f.error = Some("give a score first: 1-5, or + / -".into()),
        },
        // The score is the first thing typed; after it, keys write the note.
        (_, KeyCode::Char(c))
            if f.note.text.is_empty() && crate::history::score_of(c).is_some() =>
        {
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

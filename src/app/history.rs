//! The workbench's history: what each send records, the history view (search as you type, open
//! an entry, re-send its prompt), ratings, exports, and rebuilding panes from a stored session.

use crossterm::event::KeyCode;

use super::forms::TextField;
use super::overlay::Overlay;
use super::view::{Ask, Ctx, Keyed, Outcome, View, move_in_list};
use super::{Effect, State};
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
    /// leaves on the first tick `HAND_OVER` after the last hand-over, not once per chunk or frame
    /// (each hand-over wakes the writer's thread).
    pub unsaved: std::collections::BTreeMap<u64, (String, String)>,
    /// When streamed text was last handed over.
    pub handed: Option<std::time::Instant>,
}

/// Streamed text goes to the writer this often, which saves it at once (its own period).
pub const HAND_OVER: std::time::Duration = crate::history::writer::FLUSH_EVERY;

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

/// On a tick: what streamed since the last hand-over, to the writer, once `HAND_OVER` has passed.
pub fn drain(s: &mut State, now: std::time::Instant) -> Vec<Effect> {
    if s.history.unsaved.is_empty() || s.history.handed.is_some_and(|t| now < t + HAND_OVER) {
        return vec![];
    }
    s.history.handed = Some(now);
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
        let why = match s.history.place.as_str() {
            "" => "history off".to_string(),
            place => place.to_string(),
        };
        s.flash(why);
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

impl HistoryView {
    /// The query changed: ask again, and drop answers to older queries.
    fn requery(&mut self, ctx: &mut Ctx) {
        self.generation += 1;
        self.loading = true;
        self.selected = 0;
        ctx.emit(Effect::HistoryQuery {
            generation: self.generation,
            query: self.query.text.clone(),
        });
    }

    /// Rows for the query asked `generation`th: older answers are dropped.
    pub fn on_rows(&mut self, generation: u64, rows: Result<Vec<Entry>, String>) {
        if generation != self.generation {
            return;
        }
        self.loading = false;
        match rows {
            Ok(rows) => {
                self.entries = rows;
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
        self.selected = self.selected.min(self.entries.len().saturating_sub(1));
    }
}

impl View for HistoryView {
    fn on(&mut self, key: &Keyed, ctx: &mut Ctx) -> Outcome {
        use super::keymap::{Command, ListCmd};
        // A search box has the focus: plain keys type, so only the list's other keys act.
        let (cmd, global) = (key.list_typing, key.global_typing);
        if cmd == Some(ListCmd::Close) || global == Some(Command::Quit) {
            return Outcome::Close;
        }
        if move_in_list(&mut self.selected, self.entries.len(), cmd).is_some() {
            return Outcome::Stay;
        }
        let chosen = self.entries.get(self.selected);
        match (cmd, global, chosen) {
            (Some(ListCmd::Open), _, Some(e)) => Outcome::Ask(Ask::OpenSession {
                id: e.session_id,
                turn: Some(e.turn),
            }),
            (_, Some(Command::Send), Some(e)) => Outcome::Then(Ask::Send(e.prompt.clone())),
            (Some(ListCmd::Open), ..) | (_, Some(Command::Send), None) => Outcome::Stay,
            _ => {
                if self.query.edit(&key.event) {
                    self.requery(ctx);
                }
                Outcome::Stay
            }
        }
    }

    fn paste(&mut self, text: &str, ctx: &mut Ctx) -> Outcome {
        self.query.insert(text.lines().next().unwrap_or(""));
        self.requery(ctx);
        Outcome::Stay
    }
}

/// Load a stored session into the panes (up to `turn`); later sends go on in it.
pub fn open_session(s: &mut State, id: i64, turn: Option<u64>) -> Vec<Effect> {
    if s.any_running() {
        s.flash("requests are running: wait for them or cancel them (Esc) first");
        return vec![];
    }
    s.overlay = Overlay::None;
    s.flash(format!("opening session {id}…"));
    vec![Effect::LoadSession { id: Some(id), turn }]
}

/// The rating key: rate the focused pane's finished answer.
pub fn open_rating(s: &mut State, quick: Option<u8>) -> Vec<Effect> {
    let Some(p) = s.focused() else {
        let keys = s.keymap.range(
            super::keymap::Command::JumpPane(1),
            super::keymap::Command::JumpPane(9),
        );
        s.flash(format!("focus a pane first ({keys}) to rate its answer"));
        return vec![];
    };
    let pane = &s.panes[p];
    let Some(a) = pane.answer.as_ref().filter(|_| !pane.status.is_running()) else {
        s.flash("nothing to rate yet: the pane has no finished answer");
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

impl View for RateForm {
    fn on(&mut self, key: &Keyed, _: &mut Ctx) -> Outcome {
        use super::keymap::FormCmd;
        match (key.form, key.event.code) {
            (Some(FormCmd::Cancel), _) => return Outcome::Close,
            (Some(FormCmd::Submit), _) => match self.score {
                Some(score) => {
                    return Outcome::Then(Ask::Rate {
                        seq: self.seq,
                        model: self.model.clone(),
                        score,
                        note: self.note.text.trim().to_string(),
                    });
                }
                None => self.error = Some("give a score first: 1-5, or + / -".into()),
            },
            // The score is the first thing typed; after it, keys write the note.
            (_, KeyCode::Char(c))
                if self.note.text.is_empty() && crate::history::score_of(c).is_some() =>
            {
                self.score = crate::history::score_of(c);
                self.error = None;
            }
            _ => {
                self.note.edit(&key.event);
            }
        }
        Outcome::Stay
    }

    fn paste(&mut self, text: &str, _: &mut Ctx) -> Outcome {
        self.note.insert(text.lines().next().unwrap_or(""));
        Outcome::Stay
    }
}

pub(super) fn save_rating(
    s: &mut State,
    seq: u64,
    model: String,
    score: u8,
    note: String,
) -> Vec<Effect> {
    if let Some(p) = s.panes.iter_mut().find(|p| p.request_id == seq) {
        p.rating = Some(score);
    }
    s.panel.rate(seq, &model, score);
    s.flash(if s.history.recording {
        format!("rated {model} {score}/5")
    } else {
        format!("rated {model} {score}/5 for this session (history is off: not kept)")
    });
    record(s, Record::Rate { seq, score, note })
        .into_iter()
        .collect()
}

/// Ctrl-O: ask Markdown or HTML, when there is a session to export.
pub fn ask_export(s: &mut State) -> Vec<Effect> {
    if !s.history.recording {
        s.flash(format!("cannot export: {}", s.history.place));
        return vec![];
    }
    s.overlay = Overlay::Confirm(super::simple::Confirm::Export);
    vec![]
}

pub fn export(s: &mut State, format: crate::report::ExportFormat) -> Vec<Effect> {
    if !s.history.recording {
        s.flash(format!("cannot export: {}", s.history.place));
        return vec![];
    }
    s.flash("exporting…");
    vec![Effect::Export(format)]
}

/// A pane's request ended: record its settled answer.
pub fn ended(s: &State, seq: u64, rec: &AnswerRecord, cancelled: bool) -> Option<Effect> {
    record(s, crate::history::writer::ended(seq, rec, cancelled))
}

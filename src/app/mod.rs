//! The workbench's state and its one way to change: `update(&mut State, Action) -> Vec<Effect>`.
//! No IO and no clock here: every `Instant` arrives inside an action, every side effect leaves
//! as an `Effect` for the event loop to carry out. Each region is a component with its own file and
//! its own update (picker, editor, panes, panel, overlays and forms, routes); this file dispatches.

pub mod agent;
pub mod attachments;
pub mod benchrun;
pub mod blind;
pub mod board;
pub mod commands;
pub mod copy;
pub mod diff;
pub mod editor;
pub mod find;
pub mod forms;
pub mod history;
pub mod keymap;
pub mod keys;
pub mod ladder;
pub mod messages;
pub mod overlay;
pub mod pane;
pub mod panel;
pub mod picker;
pub mod reopen;
pub mod requests;
pub mod transcript;

use std::collections::BTreeMap;
use std::time::Instant;

use crossterm::event::{KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use crate::answer::PriceBook;
use crate::gateway::wire::Prices;
use crate::layout::{self, Areas};
use crate::route::Route;
pub use editor::Editor;
pub use forms::{Params, ParamsForm, RouteForm};
use keymap::Keymap;
pub use messages::{Action, Effect};
pub use overlay::Overlay;
use pane::Pane;
pub use panel::{CompareMetric, Panel, PanelView, SORT_KEYS, SortKey};
use picker::{Picker, PickerOut};

pub use crate::layout::MAX_PANES;

/// How many requests a rehearsal from the workbench sends, and how many at a time.
pub const TUI_REHEARSAL: (usize, usize) = (20, 4);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Picker,
    Editor,
    Panes,
}

pub struct State {
    pub size: Rect,
    pub focus: Focus,
    pub overlay: Overlay,
    pub keymap: Keymap,
    pub picker: Picker,
    /// Selected model ids in pane order (at most nine).
    pub selected: Vec<String>,
    /// Every model ever selected keeps its pane, so switching models keeps histories.
    pub panes: Vec<Pane>,
    /// Index into the visible panes.
    pub focused_pane: usize,
    pub maximized: bool,
    pub editor: Editor,
    pub next_request: u64,
    /// The latest instant the event loop told us about; used for live elapsed times.
    pub now: Option<Instant>,
    pub panel: Panel,
    pub config_prices: BTreeMap<String, Prices>,
    pub banner: Option<String>,
    pub status_msg: Option<String>,
    pub mouse_capture: bool,
    pub dirty: bool,
    /// Routes by name: the config's, plus those edited in this session.
    pub routes: BTreeMap<String, Route>,
    pub history: history::HistoryState,
    pub blind: blind::Blind,
    /// New panes start raw (answers as written) instead of rendered.
    pub raw_default: bool,
    /// Tools offered with every send, and their stubs (`--tools`, `[tools]`).
    pub tools: Option<agent::Tools>,
    /// The `@path` attachments the editor names.
    pub attach: attachments::Attachments,
}

impl State {
    pub fn new(keymap: Keymap, selected: Vec<String>, banner: Option<String>) -> Self {
        let editor = Editor::new(&keymap);
        let mut s = Self {
            size: Rect::new(0, 0, 80, 24),
            focus: Focus::Picker,
            overlay: Overlay::None,
            keymap,
            picker: Picker::new(),
            selected: Vec::new(),
            panes: Vec::new(),
            focused_pane: 0,
            maximized: false,
            editor,
            next_request: 0,
            now: None,
            panel: Panel::default(),
            config_prices: BTreeMap::new(),
            banner,
            status_msg: None,
            mouse_capture: true,
            dirty: true,
            routes: BTreeMap::new(),
            history: history::HistoryState::default(),
            blind: blind::Blind::default(),
            raw_default: false,
            tools: None,
            attach: Default::default(),
        };
        let mut seen = Vec::new();
        for m in selected {
            // Named twice is one pane, not a toggle off.
            if !seen.contains(&m) {
                seen.push(m.clone());
                s.toggle_model(&m);
            }
        }
        if !s.selected.is_empty() {
            s.focus = Focus::Editor;
        }
        s
    }

    pub fn areas(&self) -> Areas {
        if self.maximized && !self.selected.is_empty() {
            return layout::maximized(self.size);
        }
        layout::compute(
            self.size,
            self.selected.len(),
            self.banner.is_some(),
            self.panel_rows(),
        )
    }

    /// Rows the panel would like: the live rows, and the session rows below them.
    fn panel_rows(&self) -> u16 {
        let now = self.selected.len().max(1) + 1;
        // A header row (column names, or the metric's name) above one row per model.
        // Room for the selected models' session rows from the start: no jump when they appear.
        let below = self.panel.stats.len().max(self.selected.len()).max(1) + 1;
        (now + 1 + below + 2) as u16
    }

    /// Prices for settling answers: `/v1/models` first, then the config.
    pub fn prices(&self) -> PriceBook {
        PriceBook::new(&self.picker.models, &self.config_prices)
    }

    /// Indices into `panes` of the visible panes, in order.
    pub fn visible(&self) -> Vec<usize> {
        let all = self.selected_panes();
        if self.maximized {
            all.get(self.focused_pane)
                .map(|&i| vec![i])
                .unwrap_or_default()
        } else {
            all
        }
    }

    /// Indices into `panes` of the selected ones, ignoring maximisation (a blind round's
    /// shuffled order while it lasts).
    pub fn selected_panes(&self) -> Vec<usize> {
        let panes = self
            .selected
            .iter()
            .filter_map(|m| self.panes.iter().position(|p| &p.model == m))
            .collect();
        self.blind.order(panes)
    }

    /// Every pane, and those opened later, raw (`true`) or rendered.
    pub fn set_raw_default(&mut self, raw: bool) {
        self.raw_default = raw;
        for p in &mut self.panes {
            p.transcript.set_raw(raw);
        }
    }

    /// Rows of text a pane shows.
    pub fn pane_height(&self) -> usize {
        self.pane_inner().map_or(10, |r| r.height as usize)
    }

    pub fn any_running(&self) -> bool {
        self.panes.iter().any(|p| p.status.is_running())
    }

    fn in_text(&self) -> bool {
        matches!(self.focus, Focus::Editor | Focus::Picker)
    }

    fn pane_inner(&self) -> Option<Rect> {
        self.areas().panes.first().map(|r| layout::inner(*r))
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
                let w = self.pane_inner().map_or(40, |r| r.width);
                let mut pane = Pane::new(id.to_string(), w);
                pane.transcript.set_raw(self.raw_default);
                pane.conversation = self.history.conversation;
                self.panes.push(pane);
            }
        }
        self.focused_pane = self.focused_pane.min(self.selected.len().saturating_sub(1));
        self.relayout();
    }

    pub fn focused_pane_ref(&self) -> Option<&Pane> {
        self.focused().map(|p| &self.panes[p])
    }

    /// The pane keyboard commands act on.
    fn focused(&self) -> Option<usize> {
        self.visible()
            .get(if self.maximized { 0 } else { self.focused_pane })
            .copied()
    }
}

pub fn update(s: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Tick(now) => {
            s.now = Some(now);
            // Only live figures change on a tick.
            s.dirty |= s.any_running();
            find::refresh(s);
            history::drain(s)
        }
        other => {
            s.dirty = true;
            // Only keys and pastes that reach the editor can change its @paths.
            let edit = matches!(other, Action::Key(_) | Action::Paste(_))
                && s.focus == Focus::Editor
                && s.overlay == Overlay::None;
            let mut effects = apply(s, other);
            if edit {
                effects.extend(attachments::on_edit(s));
            }
            s.editor
                .show_cursor(s.focus == Focus::Editor && s.overlay == Overlay::None);
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
                (Overlay::None, Focus::Editor) => s.editor.paste(&text),
                (Overlay::None, Focus::Picker) => s.picker.paste(&text),
                (o @ (Overlay::History(_) | Overlay::Rate(_)), _) => {
                    return history::paste(o, &text).into_iter().collect();
                }
                (o, _) => o.paste(&text),
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
            s.picker.loaded(result);
            if let Some(msg) = s.picker.adopt_unlisted(&s.selected) {
                s.status_msg = Some(msg);
            }
            vec![]
        }
        Action::Benched(summary) => benchrun::on_done(s, summary),
        Action::BenchRuns(runs) => {
            benchrun::on_runs(s, runs);
            vec![]
        }
        Action::Laddered(ev) => {
            ladder::on_event(s, ev);
            vec![]
        }
        Action::Completions { prefix, candidates } => {
            attachments::on_completions(s, &prefix, candidates);
            // A completed path (it ends in a space) is read at once.
            attachments::on_edit(s)
        }
        Action::Attached(loaded) => {
            attachments::on_loaded(s, loaded);
            vec![]
        }
        Action::Rehearsed(report) => {
            if matches!(s.overlay, Overlay::Rehearsal(None) | Overlay::None) {
                s.overlay = Overlay::Rehearsal(Some(report));
            }
            vec![]
        }
        Action::Started { .. }
        | Action::HopFailed { .. }
        | Action::Chunk { .. }
        | Action::Ended { .. } => requests::on_message(s, action),
        Action::Tick(_) => vec![],
        Action::HistoryRows { generation, rows } => {
            history::on_rows(s, generation, rows);
            vec![]
        }
        Action::SessionLoaded(view) => reopen::on_loaded(s, view),
        Action::Exported(r) => {
            s.status_msg = Some(match r {
                Ok(path) => format!("exported the session to {}", path.display()),
                Err(e) => format!("export failed: {e}"),
            });
            vec![]
        }
        Action::HistoryFailed(e) => {
            s.status_msg = Some(e);
            vec![]
        }
        Action::Copied { what, chars, local } => {
            copy::copied(s, &what, chars, local);
            vec![]
        }
        Action::Diffed(d) => {
            diff::diffed(s, *d);
            vec![]
        }
        Action::Leaderboard(board) => {
            board::loaded(s, board);
            vec![]
        }
    }
}

fn on_key(s: &mut State, k: KeyEvent) -> Vec<Effect> {
    // A flash message lasts until the next key: what that key does may say something new.
    s.status_msg = None;
    if s.overlay != Overlay::None {
        return overlay::on_key(s, k);
    }
    // Esc in a non-empty filter clears the filter rather than cancelling requests.
    let cancel = s.keymap.lookup(&k, true) == Some(keymap::Command::Cancel);
    if s.focus == Focus::Picker && cancel && s.picker.clear_filter() {
        return vec![];
    }
    if let Some(cmd) = s.keymap.lookup(&k, s.in_text()) {
        return commands::on_command(s, cmd);
    }
    match s.focus {
        Focus::Editor => s.editor.input(k),
        Focus::Picker => {
            let cmd = s.keymap.list(&k, true);
            if let PickerOut::Toggle(id) = s.picker.update(cmd, k) {
                s.toggle_model(&id);
            }
        }
        Focus::Panes => on_panes_key(s, k),
    }
    vec![]
}

fn on_panes_key(s: &mut State, k: KeyEvent) {
    if let Some(keymap::Command::Pane(cmd)) = s.keymap.lookup_in(keymap::Layer::Panes, &k, false) {
        on_pane_command(s, cmd);
    }
}

/// A command of the panes layer, on the focused pane.
pub(crate) fn on_pane_command(s: &mut State, cmd: keymap::PaneCmd) {
    use keymap::PaneCmd as C;
    let Some(p) = s.focused() else {
        return;
    };
    let h = s.pane_inner().map_or(10, |r| r.height as usize);
    let last = s.selected.len().saturating_sub(1);
    let pane = &mut s.panes[p];
    match cmd {
        C::ScrollUp => pane.scroll_by(-1, h),
        C::ScrollDown => pane.scroll_by(1, h),
        C::PageUp => pane.scroll_by(-(h as isize), h),
        C::PageDown => pane.scroll_by(h as isize, h),
        C::ScrollTop => pane.scroll_by(isize::MIN / 2, h),
        C::ScrollBottom => pane.scroll_by(isize::MAX / 2, h),
        C::PrevPane => s.focused_pane = s.focused_pane.saturating_sub(1),
        C::NextPane => s.focused_pane = (s.focused_pane + 1).min(last),
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

//! The workbench's state and its one way to change: `update(&mut State, Action) -> Vec<Effect>`.
//! No IO and no clock here: every `Instant` arrives inside an action, every side effect leaves
//! as an `Effect` for the event loop to carry out. `State`'s fields are private to this module
//! (`state.rs`); `ui` and the event loop read them through accessors. Each region is a component
//! with its own file and its own update (picker, editor, panes, panel, routes); each overlay is a
//! `view::View` that owns its state and takes the key map's commands (`overlay.rs` lists them).
//! This file dispatches.

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
pub mod simple;
mod state;
pub mod textfield;
pub mod transcript;
pub mod view;
pub mod watchview;

use crossterm::event::{KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use crate::layout;
pub use editor::Editor;
pub use forms::{Params, ParamsForm, RouteForm};
pub use messages::{Action, Effect};
pub use overlay::Overlay;
pub use panel::{CompareMetric, Panel, PanelView, SORT_KEYS, SortKey};
use picker::PickerOut;
use simple::RehearsalView;
pub use state::{Setup, State};

pub use crate::layout::MAX_PANES;

/// How many requests a rehearsal from the workbench sends, and how many at a time.
pub const TUI_REHEARSAL: (usize, usize) = (20, 4);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Picker,
    Editor,
    Panes,
}

pub fn update(s: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Tick(now) => {
            s.now = Some(now);
            // Only live figures change on a tick.
            s.dirty |= s.any_running();
            find::refresh(s);
            history::drain(s, now)
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
            match (s.overlay.is_open(), s.focus) {
                (true, _) => return overlay::paste(s, &text),
                (false, Focus::Editor) => s.editor.paste(&text),
                (false, Focus::Picker) => s.picker.paste(&text),
                (false, Focus::Panes) => {}
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
                s.flash(msg);
            }
            s.panel.ask_account().into_iter().collect()
        }
        Action::Account(report) => {
            s.panel.account = Some(report);
            vec![]
        }
        Action::Generation { request_id, stats } => requests::on_generation(s, request_id, stats),
        Action::WatchLoaded(text) => {
            watchview::loaded(s, text);
            vec![]
        }
        Action::Benched(summary) => benchrun::on_done(s, summary),
        Action::BenchRuns(runs) => {
            benchrun::on_runs(s, runs);
            vec![]
        }
        Action::Laddered(ev) => {
            if let Overlay::Ladder(view) = &mut s.overlay {
                view.on_event(ev);
            }
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
            if matches!(
                &s.overlay,
                Overlay::Rehearsal(RehearsalView(None)) | Overlay::None
            ) {
                s.overlay = Overlay::Rehearsal(RehearsalView(Some(report)));
            }
            vec![]
        }
        Action::Ended { .. } => {
            let mut effects = requests::on_message(s, action);
            // What the answers cost, in the gateway's own books, once they are all in.
            if !s.any_running() {
                effects.extend(s.panel.ask_account());
            }
            effects
        }
        Action::Started { .. } | Action::HopFailed { .. } | Action::Chunk { .. } => {
            requests::on_message(s, action)
        }
        Action::Tick(_) => vec![],
        Action::HistoryRows { generation, rows } => {
            if let Overlay::History(view) = &mut s.overlay {
                view.on_rows(generation, rows);
            }
            vec![]
        }
        Action::SessionLoaded(view) => reopen::on_loaded(s, view),
        Action::Exported(r) => {
            s.flash(match r {
                Ok(path) => format!("exported the session to {}", path.display()),
                Err(e) => format!("export failed: {e}"),
            });
            vec![]
        }
        Action::HistoryFailed(e) => {
            s.flash(e);
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

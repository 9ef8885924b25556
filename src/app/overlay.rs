//! Overlays over the workbench (help, confirmations, forms, the rehearsal report) and the keys
//! they take. While one is open, every key goes to it and nothing falls through.

use crossterm::event::KeyEvent;

use super::forms::{Form, FormKey, ParamsForm, RouteForm, on_form_key};
use super::{Effect, State, requests};

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    /// The key list, scrolled this many lines down.
    Help(u16),
    ConfirmQuit,
    /// Ctrl-N with answers on screen: clear them all?
    ConfirmNew,
    Params(ParamsForm),
    /// The session budget is spent: send this prompt anyway?
    ConfirmBudget(String),
    RouteForm(Box<RouteForm>),
    /// A rehearsal is running (`None`) or its report is ready.
    Rehearsal(Option<Box<crate::bench::rehearsal::Report>>),
    History(Box<super::history::HistoryView>),
    Rate(super::history::RateForm),
    /// Typing a search for the focused pane.
    Find(super::forms::TextField),
    /// Picking a code block of the focused pane to copy.
    CopyMode,
    /// Waiting for the number of the pane to diff the focused one with.
    DiffPick,
    Diff(Box<super::diff::DiffView>),
    /// Waiting for the vote of a blind round.
    Vote,
    /// The leaderboard (`None` while it loads).
    Leaderboard(Option<Box<super::board::Board>>),
    /// A benchmark running, its summary, or the stored runs.
    Bench(Box<super::benchrun::BenchView>),
    /// The context ladder, climbing or done.
    Ladder(Box<super::ladder::LadderView>),
    /// Typing the result of pane N's waiting tool call.
    ToolResult(usize, super::forms::TextField),
}

impl Overlay {
    /// Pasted text goes into the active form field (its first line).
    pub fn paste(&mut self, text: &str) {
        let line = text.lines().next().unwrap_or("");
        match self {
            Overlay::Params(f) => {
                let i = f.active;
                f.field_mut(i).insert(line)
            }
            Overlay::RouteForm(f) => {
                let i = f.active;
                f.field_mut(i).insert(line)
            }
            Overlay::Find(f) => f.insert(line),
            Overlay::ToolResult(_, f) => f.insert(text),
            _ => {}
        }
    }
}

/// Scroll a view by the list layer's command; false for any other key (which closes the view).
pub(crate) fn scroll_by(scroll: &mut u16, cmd: Option<super::keymap::ListCmd>) -> bool {
    use super::keymap::ListCmd::*;
    match cmd {
        Some(Down) => *scroll = scroll.saturating_add(1),
        Some(Up) => *scroll = scroll.saturating_sub(1),
        Some(PageDown) => *scroll = scroll.saturating_add(10),
        Some(PageUp) => *scroll = scroll.saturating_sub(10),
        Some(Open | Close) | None => return false,
    }
    true
}

pub fn on_key(s: &mut State, k: KeyEvent) -> Vec<Effect> {
    use super::keymap::ConfirmCmd;
    // The quit key (Ctrl-C unless rebound) answers yes to "quit?" too.
    let ctrl_c = s.keymap.lookup(&k, true) == Some(super::keymap::Command::Quit);
    let (list, answer) = (s.keymap.list(&k, false), s.keymap.confirm(&k));
    let form_cmd = s.keymap.form(&k);
    match &mut s.overlay {
        Overlay::None => vec![],
        Overlay::History(_) => super::history::on_view_key(s, k),
        Overlay::Rate(_) => super::history::on_rate_key(s, k),
        Overlay::Find(_) => super::find::on_key(s, k),
        Overlay::ToolResult(..) => super::agent::on_key(s, k),
        Overlay::Ladder(_) => super::ladder::on_key(s, k),
        Overlay::CopyMode => super::copy::on_mode_key(s, k),
        Overlay::DiffPick => super::diff::on_pick_key(s, k),
        Overlay::Diff(_) => super::diff::on_view_key(s, k),
        Overlay::Vote => super::blind::on_vote_key(s, k),
        Overlay::Bench(_) => super::benchrun::on_key(s, k),
        Overlay::Leaderboard(_) => {
            s.overlay = Overlay::None;
            vec![]
        }
        Overlay::Help(scroll) => {
            if !scroll_by(scroll, list) {
                s.overlay = Overlay::None;
            }
            vec![]
        }
        Overlay::Rehearsal(_) => {
            s.overlay = Overlay::None;
            vec![]
        }
        Overlay::ConfirmQuit => match answer {
            Some(ConfirmCmd::Yes | ConfirmCmd::Accept) => quit_now(s),
            None if ctrl_c => quit_now(s),
            None => {
                s.overlay = Overlay::None;
                vec![]
            }
        },
        Overlay::ConfirmNew => {
            s.overlay = Overlay::None;
            match answer {
                Some(ConfirmCmd::Yes | ConfirmCmd::Accept) => super::commands::new_conversation(s),
                None => vec![],
            }
        }
        Overlay::ConfirmBudget(prompt) => {
            let prompt = std::mem::take(prompt);
            s.overlay = Overlay::None;
            match answer {
                Some(ConfirmCmd::Yes) => {
                    let effects = requests::send_anyway(s, prompt);
                    if !effects.is_empty() {
                        s.editor.clear();
                    }
                    effects
                }
                Some(ConfirmCmd::Accept) | None => {
                    s.status_msg = Some("not sent: the session budget is spent".into());
                    vec![]
                }
            }
        }
        Overlay::RouteForm(form) => {
            match on_form_key(&mut **form, form_cmd, &k) {
                FormKey::Cancel => s.overlay = Overlay::None,
                FormKey::Submit => match form.parse() {
                    Ok(route) => save_route(s, route),
                    Err(e) => form.error = Some(e),
                },
                FormKey::Edited => {}
            }
            after_form(s);
            vec![]
        }
        Overlay::Params(form) => {
            match on_form_key(form, form_cmd, &k) {
                FormKey::Cancel => s.overlay = Overlay::None,
                FormKey::Submit => match form.parse() {
                    Ok(p) => {
                        s.editor.params = p;
                        s.overlay = Overlay::None;
                    }
                    Err(e) => form.error = Some(e),
                },
                FormKey::Edited => {}
            }
            after_form(s);
            vec![]
        }
    }
}

/// A form that closed leaves the focus in the editor: keys typed on after it type there, and
/// never fall through to pane commands (`q`, `r`, `m`...) by surprise.
fn after_form(s: &mut State) {
    if s.overlay == Overlay::None {
        s.focus = super::Focus::Editor;
    }
}

fn save_route(s: &mut State, route: crate::route::Route) {
    let name = route.name.clone();
    // Models the gateway does not list are kept (some gateways hide models), with a warning.
    let unknown: Vec<&str> = route
        .chain
        .iter()
        .map(String::as_str)
        .filter(|m| !s.picker.models.is_empty() && !s.picker.models.iter().any(|x| x.id == *m))
        .collect();
    s.status_msg = Some(if unknown.is_empty() {
        format!("route {name} saved for this session")
    } else {
        format!(
            "route {name} saved for this session; not in /v1/models: {} (kept: some gateways hide models)",
            unknown.join(", ")
        )
    });
    s.routes.insert(name.clone(), route);
    if let Some(p) = s.focused() {
        s.panes[p].route = Some(name);
    }
    s.overlay = Overlay::None;
}

pub fn quit_now(s: &mut State) -> Vec<Effect> {
    let all = (0..s.panes.len()).collect();
    let mut effects = requests::cancel(s, all);
    effects.push(Effect::Quit);
    effects
}

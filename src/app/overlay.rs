//! Overlays over the workbench (help, confirmations, forms, lists and reports). While one is open,
//! every key and paste goes to it and nothing falls through. This file lists them once
//! (`Overlay::view_mut`), hands them keys, and carries out what they ask of the workbench.

use crossterm::event::KeyEvent;

use super::view::{Ask, Ctx, Keyed, Outcome, View};
use super::{Effect, Focus, State, requests};

pub use super::agent::ToolResultBar;
pub use super::benchrun::BenchView;
pub use super::blind::VotePick;
pub use super::board::BoardView;
pub use super::copy::CopyPick;
pub use super::diff::{DiffPick, DiffView};
pub use super::find::FindBar;
pub use super::forms::{ParamsForm, RouteForm};
pub use super::history::{HistoryView, RateForm};
pub use super::ladder::LadderView;
pub use super::simple::{Confirm, HelpView, RehearsalView};
pub use super::watchview::WatchView;

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    Help(HelpView),
    Confirm(Confirm),
    Params(ParamsForm),
    RouteForm(Box<RouteForm>),
    Rehearsal(RehearsalView),
    History(Box<HistoryView>),
    Rate(RateForm),
    Find(FindBar),
    CopyPick(CopyPick),
    DiffPick(DiffPick),
    Diff(Box<DiffView>),
    Vote(VotePick),
    Leaderboard(BoardView),
    Bench(Box<BenchView>),
    Ladder(Box<LadderView>),
    ToolResult(ToolResultBar),
    Watch(WatchView),
}

impl Overlay {
    /// The open view: the one match that names every overlay on the app's side.
    pub fn view_mut(&mut self) -> Option<&mut dyn View> {
        Some(match self {
            Overlay::None => return None,
            Overlay::Help(v) => v,
            Overlay::Confirm(v) => v,
            Overlay::Params(v) => v,
            Overlay::RouteForm(v) => &mut **v,
            Overlay::Rehearsal(v) => v,
            Overlay::History(v) => &mut **v,
            Overlay::Rate(v) => v,
            Overlay::Find(v) => v,
            Overlay::CopyPick(v) => v,
            Overlay::DiffPick(v) => v,
            Overlay::Diff(v) => &mut **v,
            Overlay::Vote(v) => v,
            Overlay::Leaderboard(v) => v,
            Overlay::Bench(v) => &mut **v,
            Overlay::Ladder(v) => &mut **v,
            Overlay::ToolResult(v) => v,
            Overlay::Watch(v) => v,
        })
    }

    pub fn is_open(&self) -> bool {
        *self != Overlay::None
    }
}

/// A key for the open overlay.
pub fn on_key(s: &mut State, k: KeyEvent) -> Vec<Effect> {
    let key = Keyed::new(&s.keymap, k);
    let mut ctx = Ctx::default();
    let Some(view) = s.overlay.view_mut() else {
        return vec![];
    };
    let to_editor = view.returns_to_editor();
    let out = view.on(&key, &mut ctx);
    settle(s, out, ctx, to_editor)
}

/// Pasted text for the open overlay.
pub fn paste(s: &mut State, text: &str) -> Vec<Effect> {
    let mut ctx = Ctx::default();
    let Some(view) = s.overlay.view_mut() else {
        return vec![];
    };
    let to_editor = view.returns_to_editor();
    let out = view.paste(text, &mut ctx);
    settle(s, out, ctx, to_editor)
}

fn settle(s: &mut State, out: Outcome, ctx: Ctx, to_editor: bool) -> Vec<Effect> {
    let (flash, mut effects) = ctx.into_parts();
    if let Some(msg) = flash {
        s.flash(msg);
    }
    match out {
        Outcome::Stay => {}
        Outcome::Close => s.overlay = Overlay::None,
        Outcome::Then(ask) => {
            s.overlay = Overlay::None;
            effects.extend(carry_out(s, ask));
        }
        Outcome::Ask(ask) => effects.extend(carry_out(s, ask)),
    }
    if to_editor && !s.overlay.is_open() {
        s.focus = Focus::Editor;
    }
    effects
}

/// What a view asked for, done with the whole state.
fn carry_out(s: &mut State, ask: Ask) -> Vec<Effect> {
    match ask {
        Ask::Quit => quit_now(s),
        Ask::NewConversation => super::commands::new_conversation(s),
        Ask::Send(prompt) => {
            s.focus = Focus::Editor;
            requests::send(s, prompt)
        }
        Ask::SendAnyway(prompt) => {
            let effects = requests::send_anyway(s, prompt);
            if !effects.is_empty() {
                s.editor.clear();
            }
            effects
        }
        Ask::BenchAnyway => super::benchrun::start_anyway(s),
        Ask::Export(format) => super::history::export(s, format),
        Ask::OpenSession { id, turn } => super::history::open_session(s, id, turn),
        Ask::Rate {
            seq,
            model,
            score,
            note,
        } => super::history::save_rating(s, seq, model, score, note),
        Ask::SaveRoute(route) => {
            save_route(s, *route);
            vec![]
        }
        Ask::SetParams(p) => {
            s.editor.params = p;
            vec![]
        }
        Ask::ToolResult { pane, text } => super::agent::answer(s, pane, text),
        Ask::Vote(winner) => super::blind::vote(s, winner),
        Ask::DiffWith(n) => super::diff::with(s, n),
        Ask::Find(f) => {
            super::find::on_ask(s, f);
            vec![]
        }
        Ask::Copy(c) => super::copy::on_ask(s, c),
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
    let msg = if unknown.is_empty() {
        format!("route {name} saved for this session")
    } else {
        format!(
            "route {name} saved for this session; not in /v1/models: {} (kept: some gateways hide models)",
            unknown.join(", ")
        )
    };
    s.flash(msg);
    s.routes.insert(name.clone(), route);
    if let Some(p) = s.focused() {
        s.panes[p].route = Some(name);
    }
}

pub fn quit_now(s: &mut State) -> Vec<Effect> {
    let all = (0..s.panes.len()).collect();
    let mut effects = requests::cancel(s, all);
    effects.push(Effect::Quit);
    effects
}

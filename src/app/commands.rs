//! Key-map commands: each hands off to the component it belongs to.

use super::forms::{ParamsForm, RouteForm};
use super::keymap::Command;
use super::overlay::{Overlay, quit_now};
use super::pane::Pane;
use super::panel::PanelCmd;
use super::simple::{Confirm, HelpView};
use super::{Effect, Focus, State, requests};
use crate::route::Route;

pub fn on_command(s: &mut State, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Send => {
            let effects = requests::send(s, s.editor.text());
            if !effects.is_empty() {
                s.editor.clear();
            }
            effects
        }
        Command::Rerun => match s.editor.last_prompt.clone() {
            Some(p) => requests::send(s, p),
            None => flash(s, "nothing to re-run yet"),
        },
        Command::Cancel => cancel(s),
        Command::Maximize => {
            if !s.selected.is_empty() {
                s.maximized = !s.maximized;
                s.relayout();
            }
            vec![]
        }
        Command::Help => open(s, Overlay::Help(HelpView::default())),
        Command::Quit if s.any_running() => open(s, Overlay::Confirm(Confirm::Quit)),
        Command::Quit => quit_now(s),
        Command::FocusNext | Command::FocusPrev => {
            let order = [Focus::Picker, Focus::Editor, Focus::Panes];
            let i = order.iter().position(|f| *f == s.focus).unwrap_or(0);
            let step = if cmd == Command::FocusNext { 1 } else { 2 };
            s.focus = order[(i + step) % 3];
            vec![]
        }
        Command::NewConversation if s.panes.iter().any(|p| !p.transcript.is_empty()) => {
            open(s, Overlay::Confirm(Confirm::New))
        }
        Command::NewConversation => new_conversation(s),
        Command::ToggleMouse => {
            s.mouse_capture = !s.mouse_capture;
            s.flash(if s.mouse_capture {
                "mouse capture on: the wheel scrolls panes".into()
            } else {
                let key = s.keymap.key_for(Command::ToggleMouse).unwrap_or_default();
                format!(
                    "mouse capture off: select text with the mouse ({key} turns capture back on)"
                )
            });
            vec![Effect::MouseCapture(s.mouse_capture)]
        }
        Command::Params => {
            let form = ParamsForm::new(&s.editor.params);
            open(s, Overlay::Params(form))
        }
        Command::PanelView => {
            s.panel.update(PanelCmd::NextView);
            s.relayout();
            vec![]
        }
        Command::SortNext => panel(s, PanelCmd::NextSort),
        Command::SortReverse => panel(s, PanelCmd::ReverseSort),
        Command::CompareMetric => panel(s, PanelCmd::NextCompare),
        Command::RouteNext | Command::RoutePrev => cycle_route(s, cmd == Command::RouteNext),
        Command::ToggleFallback => {
            if let Some(p) = s.focused() {
                let pane = &mut s.panes[p];
                pane.fallback = !pane.fallback;
                let on = if pane.fallback { "on" } else { "off" };
                let msg = format!("fallback {on} for pane {}'s next send", s.focused_pane + 1);
                return flash(s, &msg);
            }
            vec![]
        }
        Command::EditRoute => edit_route(s),
        Command::History => super::history::open_view(s),
        Command::Rate => super::history::open_rating(s, None),
        Command::RateUp => super::history::open_rating(s, Some(5)),
        Command::RateDown => super::history::open_rating(s, Some(1)),
        Command::Export => super::history::ask_export(s),
        Command::ToggleRaw => toggle_raw(s),
        Command::Find => super::find::open(s),
        Command::FindNext | Command::FindPrev => super::find::step(s, cmd),
        Command::CopyAnswer => super::copy::answer(s),
        Command::CopyAll => super::copy::comparison(s),
        Command::CopyMode => super::copy::open_mode(s),
        Command::Diff => super::diff::open(s),
        Command::Blind => super::blind::toggle(s),
        Command::Vote => super::blind::open_vote(s),
        Command::Bench => super::benchrun::start(s),
        Command::BenchRuns => super::benchrun::list(s),
        Command::Watch => super::watchview::open(s),
        Command::ToolResult => super::agent::open(s),
        Command::Ladder => super::ladder::start(s),
        Command::CompletePath => super::attachments::complete(s),
        Command::Leaderboard => {
            s.overlay = Overlay::Leaderboard(Default::default());
            vec![Effect::LoadLeaderboard]
        }
        Command::Rehearse => rehearse(s),
        Command::Pane(cmd) => {
            super::on_pane_command(s, cmd);
            vec![]
        }
        // Overlays take these before any global command; outside one they do nothing.
        Command::List(_) | Command::Confirm(_) | Command::Form(_) => vec![],
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
                let on = if pane.enabled { "on" } else { "off" };
                let msg = format!("{} {on} for the next send", pane.model);
                return flash(s, &msg);
            }
            vec![]
        }
    }
}

fn flash(s: &mut State, msg: &str) -> Vec<Effect> {
    s.flash(msg.to_string());
    vec![]
}

fn focus_first(s: &mut State, why: &str) -> Vec<Effect> {
    let keys = s.keymap.range(Command::JumpPane(1), Command::JumpPane(9));
    flash(s, &format!("focus a pane first ({keys}){why}"))
}

fn open(s: &mut State, o: Overlay) -> Vec<Effect> {
    s.overlay = o;
    vec![]
}

fn panel(s: &mut State, cmd: PanelCmd) -> Vec<Effect> {
    s.panel.update(cmd);
    vec![]
}

/// Esc: the focused pane's request when it runs, else every running request; with nothing
/// running, it gives a maximised pane its place back.
fn cancel(s: &mut State) -> Vec<Effect> {
    if s.maximized && !s.any_running() {
        s.maximized = false;
        s.relayout();
        return vec![];
    }
    let all: Vec<usize> = (0..s.panes.len()).collect();
    let focused: Vec<usize> = match s.focus {
        Focus::Panes => s
            .visible()
            .get(s.focused_pane)
            .copied()
            .into_iter()
            .collect(),
        _ => all.clone(),
    };
    let targets = if focused.iter().any(|&p| s.panes[p].status.is_running()) {
        focused
    } else {
        all
    };
    requests::cancel(s, targets)
}

pub(super) fn new_conversation(s: &mut State) -> Vec<Effect> {
    let all = (0..s.panes.len()).collect();
    let effects = requests::cancel(s, all);
    s.history.conversation += 1;
    for p in &mut s.panes {
        let (w, raw) = (p.transcript.width(), p.transcript.raw());
        *p = Pane {
            enabled: p.enabled,
            conversation: s.history.conversation,
            ..Pane::new(p.model.clone(), w)
        };
        p.transcript.set_raw(raw);
    }
    s.flash("new conversation");
    effects
}

fn cycle_route(s: &mut State, forward: bool) -> Vec<Effect> {
    let Some(p) = s.focused() else {
        return focus_first(s, "");
    };
    let mut options: Vec<Option<String>> = vec![None];
    options.extend(s.routes.keys().cloned().map(Some));
    let i = options
        .iter()
        .position(|o| *o == s.panes[p].route)
        .unwrap_or(0);
    let n = options.len();
    let j = if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    };
    s.panes[p].route = options[j].clone();
    let msg = match &s.panes[p].route {
        Some(r) => format!(
            "pane {} sends through route {r} ({})",
            s.focused_pane + 1,
            s.routes[r].chain.join(" → ")
        ),
        None if n == 1 => {
            let key = s.keymap.key_for(super::keymap::Command::EditRoute);
            format!(
                "no routes: define [routes.NAME] in the config, or press {} to make one",
                key.unwrap_or_default()
            )
        }
        None => format!(
            "pane {} sends to {} directly",
            s.focused_pane + 1,
            s.panes[p].model
        ),
    };
    flash(s, &msg)
}

fn edit_route(s: &mut State) -> Vec<Effect> {
    let Some(p) = s.focused() else {
        return focus_first(s, "");
    };
    let pane = &s.panes[p];
    let form = match pane.route.as_ref().and_then(|r| s.routes.get(r)) {
        Some(r) => RouteForm::open(r),
        None => RouteForm::new_for(&pane.model),
    };
    open(s, Overlay::RouteForm(Box::new(form)))
}

fn rehearse(s: &mut State) -> Vec<Effect> {
    let Some(p) = s.focused() else {
        return focus_first(s, ": its route is rehearsed");
    };
    let typed = s.editor.text();
    let Some(prompt) = Some(typed)
        .filter(|t| !t.trim().is_empty())
        .or(s.editor.last_prompt.clone())
    else {
        return flash(s, "write a prompt to rehearse");
    };
    let pane = &s.panes[p];
    let route = pane
        .route
        .as_ref()
        .and_then(|r| s.routes.get(r))
        .cloned()
        .unwrap_or_else(|| Route::single(&pane.model));
    s.overlay = Overlay::Rehearsal(Default::default());
    vec![Effect::Rehearse {
        route,
        prompt,
        prices: s.prices(),
    }]
}

/// The focused pane between raw text and rendered markdown.
fn toggle_raw(s: &mut State) -> Vec<Effect> {
    let Some(p) = s.focused() else {
        return flash(s, "no pane to switch");
    };
    let t = &mut s.panes[p].transcript;
    t.set_raw(!t.raw());
    let msg = if t.raw() {
        "raw: answers as the model wrote them"
    } else {
        "rendered markdown"
    };
    flash(s, msg)
}

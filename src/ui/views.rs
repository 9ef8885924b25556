//! Each overlay draws itself (`Draw`), from its own state and, where it shows them, the
//! workbench's figures. `drawable` is the one match over overlays on the drawing side.

use ratatui::Frame;

use super::{Theme, bench, history, judge, ladder, overlay};
use crate::app::State;
use crate::app::overlay::*;

/// An overlay on screen.
pub trait Draw {
    fn draw(&self, s: &State, theme: &Theme, f: &mut Frame);
}

/// The open overlay, as something to draw.
pub fn drawable(o: &Overlay) -> Option<&dyn Draw> {
    Some(match o {
        Overlay::None => return None,
        Overlay::Help(v) => v,
        Overlay::Confirm(v) => v,
        Overlay::Params(v) => v,
        Overlay::RouteForm(v) => &**v,
        Overlay::Rehearsal(v) => v,
        Overlay::History(v) => &**v,
        Overlay::Rate(v) => v,
        Overlay::Find(v) => v,
        Overlay::CopyPick(v) => v,
        Overlay::DiffPick(v) => v,
        Overlay::Diff(v) => &**v,
        Overlay::Vote(v) => v,
        Overlay::Leaderboard(v) => v,
        Overlay::Bench(v) => &**v,
        Overlay::Ladder(v) => &**v,
        Overlay::ToolResult(v) => v,
        Overlay::Watch(v) => v,
    })
}

impl Draw for HelpView {
    fn draw(&self, s: &State, theme: &Theme, f: &mut Frame) {
        overlay::help(s, self.scroll, theme, f)
    }
}

impl Draw for Confirm {
    fn draw(&self, s: &State, theme: &Theme, f: &mut Frame) {
        match self {
            Confirm::Quit => overlay::confirm_quit(theme, f),
            Confirm::New => overlay::confirm_new(theme, f),
            Confirm::Budget(_) => overlay::confirm_budget(s, theme, f),
            Confirm::Spend {
                worst_usd,
                left_usd,
            } => overlay::confirm_spend(*worst_usd, *left_usd, theme, f),
            Confirm::Export => overlay::confirm_export(theme, f),
        }
    }
}

impl Draw for ParamsForm {
    fn draw(&self, _: &State, theme: &Theme, f: &mut Frame) {
        overlay::params(self, theme, f)
    }
}

impl Draw for RouteForm {
    fn draw(&self, _: &State, theme: &Theme, f: &mut Frame) {
        overlay::route_form(self, theme, f)
    }
}

impl Draw for RehearsalView {
    fn draw(&self, _: &State, theme: &Theme, f: &mut Frame) {
        overlay::rehearsal(self.0.as_deref(), theme, f)
    }
}

impl Draw for crate::app::overlay::WatchView {
    fn draw(&self, _: &State, theme: &Theme, f: &mut Frame) {
        overlay::watch(self.0.as_deref(), theme, f)
    }
}

impl Draw for HistoryView {
    fn draw(&self, s: &State, theme: &Theme, f: &mut Frame) {
        history::view(s, self, theme, f)
    }
}

impl Draw for RateForm {
    fn draw(&self, _: &State, theme: &Theme, f: &mut Frame) {
        history::rate(self, theme, f)
    }
}

impl Draw for FindBar {
    fn draw(&self, s: &State, theme: &Theme, f: &mut Frame) {
        judge::find_bar(s, &self.field, theme, f)
    }
}

impl Draw for CopyPick {
    fn draw(&self, s: &State, theme: &Theme, f: &mut Frame) {
        judge::copy_hint(theme, f, s)
    }
}

impl Draw for DiffPick {
    fn draw(&self, s: &State, theme: &Theme, f: &mut Frame) {
        judge::diff_pick(s, theme, f)
    }
}

impl Draw for DiffView {
    fn draw(&self, s: &State, theme: &Theme, f: &mut Frame) {
        judge::diff(self, &s.keymap().scroll_keys(true), theme, f)
    }
}

impl Draw for VotePick {
    fn draw(&self, s: &State, theme: &Theme, f: &mut Frame) {
        judge::vote(s, theme, f)
    }
}

impl Draw for BoardView {
    fn draw(&self, _: &State, theme: &Theme, f: &mut Frame) {
        judge::leaderboard(self.0.as_deref(), theme, f)
    }
}

impl Draw for BenchView {
    fn draw(&self, s: &State, theme: &Theme, f: &mut Frame) {
        bench::render(self, &s.keymap().scroll_keys(false), theme, f)
    }
}

impl Draw for LadderView {
    fn draw(&self, _: &State, theme: &Theme, f: &mut Frame) {
        ladder::render(self, theme, f)
    }
}

impl Draw for ToolResultBar {
    fn draw(&self, s: &State, theme: &Theme, f: &mut Frame) {
        judge::tool_result_bar(s, self.pane, &self.field, theme, f)
    }
}

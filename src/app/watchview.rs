//! The watch in the workbench (with `[watch]` in the config): each target's state, its last
//! probes and the alerts it raised, from the history `gatebench watch` keeps.

use super::view::{Ctx, Keyed, Outcome, View};
use super::{Effect, State};

/// What the watch view needs: where the probes are kept and what counts as drift.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchSetup {
    pub gateway: String,
    pub thresholds: crate::watch::Thresholds,
}

/// The view: its text once loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchView(pub Option<String>);

impl View for WatchView {
    fn on(&mut self, _: &Keyed, _: &mut Ctx) -> Outcome {
        Outcome::Close
    }
}

/// How far back the view looks.
pub const SINCE_MS: i64 = 24 * 3_600_000;

pub fn open(s: &mut State) -> Vec<Effect> {
    let Some(w) = s.watch.clone() else {
        s.flash("no watch: add a [watch] table with targets to the config (see docs/src/watch.md)");
        return vec![];
    };
    s.overlay = super::overlay::Overlay::Watch(WatchView(None));
    vec![Effect::LoadWatch {
        gateway: w.gateway,
        thresholds: w.thresholds,
    }]
}

/// The probes are read: shown, unless the view was closed meanwhile.
pub fn loaded(s: &mut State, text: Result<String, String>) {
    let text = text.unwrap_or_else(|e| format!("cannot read the watch's probes: {e}"));
    if let super::overlay::Overlay::Watch(v) = &mut s.overlay {
        v.0 = Some(if text.trim().is_empty() {
            "No watch probes in the last 24 hours: start `gatebench watch`.".into()
        } else {
            text
        });
    }
}

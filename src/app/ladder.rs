//! The context ladder from the workbench (Ctrl-L): the prompt as the question (or the default
//! one) with growing context on every enabled pane, steps arriving as they finish, drawn as charts
//! of TTFT and cost against input tokens (`ui::ladder`).

use crossterm::event::KeyEvent;

use super::overlay::Overlay;
use super::{Effect, State, requests};
use crate::ladder::{self, Ladder, run::Event, run::Plan};

/// The ladder shown, and whether it still climbs.
#[derive(Debug, Clone, PartialEq)]
pub struct LadderView {
    pub ladder: Ladder,
    pub running: bool,
    /// The size being asked now: (index from 0, size).
    pub at: Option<(usize, u64)>,
}

pub fn start(s: &mut State) -> Vec<Effect> {
    let routes: Vec<crate::route::Route> = s
        .selected_panes()
        .into_iter()
        .filter(|&p| s.panes[p].enabled)
        .map(|p| requests::route_for(s, &s.panes[p]))
        .collect();
    if routes.is_empty() {
        s.status_msg = Some("select a model to climb the ladder with first".into());
        return vec![];
    }
    let typed = s.editor.text();
    let question = Some(typed.trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| ladder::DEFAULT_QUESTION.to_string());
    let plan = Plan {
        filler: String::new(),
        needle: ladder::DEFAULT_NEEDLE.into(),
        expect: ladder::expected(ladder::DEFAULT_NEEDLE),
        question,
        depth: 0.5,
        sizes: ladder::DEFAULT_SIZES.to_vec(),
        max_tokens: 256,
        force: false,
    };
    let models = routes.iter().map(|r| r.name.clone()).collect();
    s.overlay = Overlay::Ladder(Box::new(LadderView {
        ladder: Ladder::new(&plan, models),
        running: true,
        at: None,
    }));
    vec![Effect::Ladder {
        routes,
        plan: Box::new(plan),
        prices: s.prices(),
    }]
}

pub fn on_event(s: &mut State, ev: Option<Event>) {
    let Overlay::Ladder(view) = &mut s.overlay else {
        return;
    };
    match ev {
        Some(Event::Size { index, size, .. }) => view.at = Some((index, size)),
        Some(Event::Step(step)) => view.ladder.steps.push(step),
        None => {
            view.running = false;
            view.at = None;
        }
    }
}

/// Esc stops a running ladder (what finished stays on screen); any key closes a finished one.
pub fn on_key(s: &mut State, k: KeyEvent) -> Vec<Effect> {
    let close = s.keymap.list(&k, false) == Some(super::keymap::ListCmd::Close);
    let Overlay::Ladder(view) = &mut s.overlay else {
        return vec![];
    };
    if view.running {
        if close {
            view.running = false;
            view.at = None;
            return vec![Effect::CancelBench];
        }
        return vec![];
    }
    s.overlay = Overlay::None;
    vec![]
}

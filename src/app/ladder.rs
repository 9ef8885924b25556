//! The context ladder from the workbench (Ctrl-L): the prompt as the question (or the default
//! one) with growing context on every enabled pane, steps arriving as they finish, drawn as charts
//! of TTFT and cost against input tokens (`ui::ladder`).

use super::overlay::Overlay;
use super::view::{Ctx, Keyed, Outcome, View};
use super::{Effect, State, requests};
use crate::ladder::{self, Ladder, run::Event, run::Plan};

/// The ladder shown, and whether it still climbs.
#[derive(Debug, Clone, PartialEq)]
pub struct LadderView {
    pub ladder: Ladder,
    pub running: bool,
    /// The size being asked now: (index from 0, size).
    pub at: Option<(usize, u64)>,
    /// What it will spend, as a line (`$0.42 at most for 8 requests`).
    pub spend: String,
}

pub fn start(s: &mut State) -> Vec<Effect> {
    let routes: Vec<crate::route::Route> = s
        .selected_panes()
        .into_iter()
        .filter(|&p| s.panes[p].enabled)
        .map(|p| requests::route_for(s, &s.panes[p]))
        .collect();
    if routes.is_empty() {
        s.flash("select a model to climb the ladder with first");
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
    let spend = {
        use crate::bench::estimate::{Known, estimate_shapes, ladder_shapes};
        let targets: Vec<_> = routes.iter().map(crate::bench::run::Target::of).collect();
        let shapes = ladder_shapes(&plan.sizes, &plan.question, plan.max_tokens);
        let known = Known::new(s.prices(), &s.picker.models, s.typical_output());
        estimate_shapes(&shapes, 1, &targets, &known).line()
    };
    s.overlay = Overlay::Ladder(Box::new(LadderView {
        ladder: Ladder::new(&plan, models),
        running: true,
        at: None,
        spend,
    }));
    vec![Effect::Ladder {
        routes,
        plan: Box::new(plan),
        prices: s.prices(),
    }]
}

/// Esc stops a running ladder (what finished stays on screen); any key closes a finished one.
impl View for LadderView {
    fn on(&mut self, key: &Keyed, ctx: &mut Ctx) -> Outcome {
        if !self.running {
            return Outcome::Close;
        }
        if key.list == Some(super::keymap::ListCmd::Close) {
            self.running = false;
            self.at = None;
            ctx.emit(Effect::CancelBench);
        }
        Outcome::Stay
    }
}

impl LadderView {
    /// A size started, a step finished, or (`None`) the ladder ended.
    pub fn on_event(&mut self, ev: Option<Event>) {
        match ev {
            Some(Event::Size { index, size, .. }) => self.at = Some((index, size)),
            Some(Event::Step(step)) => self.ladder.steps.push(step),
            None => {
                self.running = false;
                self.at = None;
            }
        }
    }
}

//! Benchmarks from the workbench: a key runs the current prompt N times across the enabled panes
//! (each pane's route or model) with the same summary `gatebench bench` prints, stored in the
//! history; another key lists the stored runs and opens one.

use super::view::{Ctx, Keyed, Outcome, View, move_in_list, scroll_or_close};
use super::{Effect, Overlay, State, requests};
use crate::bench::run::Target;
use crate::bench::summary::Summary;

/// Requests per target, and how many in flight per target, for a workbench run.
pub const REPEAT: usize = 10;
pub const IN_FLIGHT: usize = 2;

/// A run stored in the history, with its summary.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRun {
    pub id: i64,
    pub started_ms: i64,
    pub workload: String,
    pub targets: String,
    pub summary: Box<Summary>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BenchView {
    /// A run is going: `requests` in all.
    Running {
        requests: usize,
        /// What it will spend, as a line (`$0.42 at most for 20 requests`).
        spend: String,
    },
    /// The stored runs are being read.
    Loading,
    Runs {
        runs: Vec<StoredRun>,
        selected: usize,
    },
    /// A summary, scrolled this many lines down; `back` returns to the list it came from.
    Done {
        summary: Box<Summary>,
        scroll: u16,
        back: Option<(Vec<StoredRun>, usize)>,
    },
    Failed(String),
}

fn open(s: &mut State, v: BenchView) {
    s.overlay = Overlay::Bench(Box::new(v));
}

/// What `REPEAT` sends of `prompt` to `targets` will spend: at most (`max_tokens`, else each
/// model's window) and likely (this session's mean answer length per model).
fn spend(s: &State, prompt: &str, targets: &[Target]) -> crate::bench::estimate::Spend {
    use crate::bench::estimate::{Known, estimate};
    use crate::bench::workload::Item;
    let known = Known::new(s.prices(), &s.picker.models, s.typical_output());
    let item = Item::prompt(1, prompt);
    estimate(
        &[item],
        REPEAT as u64,
        targets,
        s.editor.params.max_tokens,
        &known,
    )
}

/// What the gateway last said is left, if it said.
fn credits_left(s: &State) -> Option<f64> {
    use crate::gateway::account::AccountReport;
    match s.panel.account.as_ref()? {
        Ok(AccountReport::Reported(a)) => a.left_usd,
        _ => None,
    }
}

/// Run the prompt (typed, else the last one sent) `REPEAT` times on every enabled pane; past the
/// credits the gateway says are left, ask first.
pub fn start(s: &mut State) -> Vec<Effect> {
    start_with(s, false)
}

/// The same, with the question about the credits answered yes.
pub fn start_anyway(s: &mut State) -> Vec<Effect> {
    start_with(s, true)
}

fn start_with(s: &mut State, past_credits: bool) -> Vec<Effect> {
    let typed = s.editor.text();
    let Some(prompt) = Some(typed)
        .filter(|t| !t.trim().is_empty())
        .or(s.editor.last_prompt.clone())
    else {
        s.flash("write a prompt to benchmark");
        return vec![];
    };
    let targets: Vec<Target> = s
        .selected_panes()
        .into_iter()
        .filter(|&p| s.panes[p].enabled)
        .map(|p| {
            let pane = &s.panes[p];
            Target {
                route: requests::route_for(s, pane),
                named: pane.route.is_some(),
            }
        })
        .collect();
    if targets.is_empty() {
        s.flash("select a model to benchmark first");
        return vec![];
    }
    let spend = spend(s, &prompt, &targets);
    if let Some(left) = credits_left(s).filter(|l| spend.worst_usd > *l && !past_credits) {
        s.overlay = Overlay::Confirm(super::simple::Confirm::Spend {
            worst_usd: spend.worst_usd,
            left_usd: left,
        });
        return vec![];
    }
    open(
        s,
        BenchView::Running {
            requests: targets.len() * REPEAT,
            spend: spend.line(),
        },
    );
    let p = &s.editor.params;
    vec![Effect::Bench {
        targets,
        prompt,
        system: Some(p.system.clone()).filter(|t| !t.trim().is_empty()),
        max_tokens: p.max_tokens,
        prices: s.prices(),
    }]
}

pub fn list(s: &mut State) -> Vec<Effect> {
    open(s, BenchView::Loading);
    vec![Effect::LoadBenchRuns]
}

/// A run ended: shown (unless another overlay took the screen) and stored in the history.
pub fn on_done(s: &mut State, summary: Box<Summary>) -> Vec<Effect> {
    let showing = match &s.overlay {
        Overlay::None => true,
        Overlay::Bench(v) => matches!(**v, BenchView::Running { .. }),
        _ => false,
    };
    s.flash(if summary.interrupted {
        "benchmark stopped: what finished is stored"
    } else {
        "benchmark done and stored in the history (shift-r lists the runs)"
    });
    let record = crate::history::Record::Bench(summary.clone());
    if showing {
        open(
            s,
            BenchView::Done {
                summary,
                scroll: 0,
                back: None,
            },
        );
    }
    super::history::record(s, record).into_iter().collect()
}

pub fn on_runs(s: &mut State, runs: Result<Vec<StoredRun>, String>) {
    if !matches!(&s.overlay, Overlay::Bench(v) if **v == BenchView::Loading) {
        return;
    }
    open(
        s,
        match runs {
            Ok(runs) => BenchView::Runs { runs, selected: 0 },
            Err(e) => BenchView::Failed(e),
        },
    );
}

impl View for BenchView {
    fn on(&mut self, key: &Keyed, ctx: &mut Ctx) -> Outcome {
        use super::keymap::{Command, ListCmd};
        let close = key.list == Some(ListCmd::Close);
        match self {
            BenchView::Running { .. } if close => {
                ctx.emit(Effect::CancelBench);
                Outcome::Close
            }
            BenchView::Running { .. } => Outcome::Stay,
            BenchView::Done {
                back: Some((runs, selected)),
                ..
            } if close => {
                let (runs, selected) = (std::mem::take(runs), *selected);
                *self = BenchView::Runs { runs, selected };
                Outcome::Stay
            }
            BenchView::Done { .. } if key.global == Some(Command::BenchRuns) => {
                ctx.emit(Effect::LoadBenchRuns);
                *self = BenchView::Loading;
                Outcome::Stay
            }
            BenchView::Done { scroll, .. } => scroll_or_close(scroll, key),
            BenchView::Runs { runs, selected } => {
                if move_in_list(selected, runs.len(), key.list).is_some() {
                    return Outcome::Stay;
                }
                if key.list != Some(ListCmd::Open) || runs.is_empty() {
                    return Outcome::Close;
                }
                let summary = runs[*selected].summary.clone();
                let back = Some((std::mem::take(runs), *selected));
                *self = BenchView::Done {
                    summary,
                    scroll: 0,
                    back,
                };
                Outcome::Stay
            }
            BenchView::Loading | BenchView::Failed(_) => Outcome::Close,
        }
    }
}

//! Benchmarks from the workbench: a key runs the current prompt N times across the enabled panes
//! (each pane's route or model) with the same summary `gatebench bench` prints, stored in the
//! history; another key lists the stored runs and opens one.

use crossterm::event::KeyEvent;

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

/// Run the prompt (typed, else the last one sent) `REPEAT` times on every enabled pane.
pub fn start(s: &mut State) -> Vec<Effect> {
    let typed = s.editor.text();
    let Some(prompt) = Some(typed)
        .filter(|t| !t.trim().is_empty())
        .or(s.editor.last_prompt.clone())
    else {
        s.status_msg = Some("write a prompt to benchmark".into());
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
        s.status_msg = Some("select a model to benchmark first".into());
        return vec![];
    }
    open(
        s,
        BenchView::Running {
            requests: targets.len() * REPEAT,
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
    s.status_msg = Some(if summary.interrupted {
        "benchmark stopped: what finished is stored".into()
    } else {
        "benchmark done and stored in the history (shift-r lists the runs)".into()
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

pub fn on_key(s: &mut State, k: KeyEvent) -> Vec<Effect> {
    use super::keymap::ListCmd;
    let cmd = s.keymap.list(&k, false);
    let runs_key = s.keymap.lookup(&k, false) == Some(super::keymap::Command::BenchRuns);
    let Overlay::Bench(v) = &mut s.overlay else {
        return vec![];
    };
    let close = cmd == Some(ListCmd::Close);
    match v.as_mut() {
        BenchView::Running { .. } if close => {
            s.overlay = Overlay::None;
            return vec![Effect::CancelBench];
        }
        BenchView::Running { .. } => {}
        BenchView::Done {
            back: Some((runs, selected)),
            ..
        } if close => {
            let (runs, selected) = (std::mem::take(runs), *selected);
            open(s, BenchView::Runs { runs, selected });
        }
        BenchView::Done { .. } if runs_key => {
            return list(s);
        }
        BenchView::Done { scroll, .. } => {
            if !super::overlay::scroll_by(scroll, cmd) {
                s.overlay = Overlay::None;
            }
        }
        BenchView::Runs { runs, selected } => match cmd {
            Some(ListCmd::Down) => *selected = (*selected + 1).min(runs.len().saturating_sub(1)),
            Some(ListCmd::Up) => *selected = selected.saturating_sub(1),
            Some(ListCmd::PageDown) => {
                *selected = (*selected + 10).min(runs.len().saturating_sub(1))
            }
            Some(ListCmd::PageUp) => *selected = selected.saturating_sub(10),
            Some(ListCmd::Open) if !runs.is_empty() => {
                let summary = runs[*selected].summary.clone();
                let back = Some((std::mem::take(runs), *selected));
                open(
                    s,
                    BenchView::Done {
                        summary,
                        scroll: 0,
                        back,
                    },
                );
            }
            _ => s.overlay = Overlay::None,
        },
        BenchView::Loading | BenchView::Failed(_) => s.overlay = Overlay::None,
    }
    vec![]
}

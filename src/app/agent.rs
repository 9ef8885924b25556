//! Agent loops in the workbench: with tools offered (`--tools`, `[tools]`), an answer that calls
//! tools shows each call (pretty arguments, schema errors), is answered from the stubs or by the
//! user (`T`), and the conversation goes on in that pane until the model answers or the step
//! limit stops it. The pane's final record sums every step.

use super::forms::TextField;
use super::overlay::Overlay;
use super::pane::{Pane, Status};
use super::transcript::Seg;
use super::view::{Ask, Ctx, Keyed, Outcome, View};
use super::{Effect, State};
use crate::answer::AnswerRecord;
use crate::gateway::wire::Message;
use crate::history::{Record, RequestInfo};
use crate::tools::agent::{self, AgentStep, CallReport, Next, Stopped};
use crate::tools::{Stubs, ToolSet};

/// The tools a workbench session offers.
#[derive(Debug, Clone)]
pub struct Tools {
    pub set: ToolSet,
    pub stubs: Stubs,
    pub max_steps: u32,
}

/// One pane's run in progress.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub step: u32,
    /// The turn's request: system, history and the user prompt.
    pub base: Vec<Message>,
    /// Tool calls and results so far this turn.
    pub messages: Vec<Message>,
    pub records: Vec<AnswerRecord>,
    pub steps: Vec<AgentStep>,
    /// Calls of the last step still waiting for a result typed in.
    pub pending: Vec<CallReport>,
    /// The last answer's text (sent back with its calls).
    pub text: String,
}

/// Show a step's calls in the pane: name, arguments as indented JSON, why they do not fit the
/// schema, and the result sent back.
fn show_calls(pane: &mut Pane, calls: &[CallReport]) {
    for c in calls {
        pane.transcript
            .block(Seg::Info, &format!("⚙ {} ({})", c.name, c.id));
        pane.transcript.block(
            Seg::Answer,
            &format!("```json\n{}\n```", c.pretty_arguments()),
        );
        if let Some(why) = &c.invalid {
            pane.transcript.block(
                Seg::Error,
                &format!("✗ arguments do not fit the schema: {why}"),
            );
        }
        match &c.result {
            Some(r) => pane
                .transcript
                .block(Seg::Info, &format!("← {}", first_line(r, 200))),
            None => pane
                .transcript
                .block(Seg::Info, "← waiting for a result: T to type it"),
        }
    }
}

fn first_line(s: &str, max: usize) -> String {
    let line = s.lines().next().unwrap_or("");
    crate::format::shorten_middle(line, max)
}

/// A step of pane `idx` ended with `rec`. Returns None when the pane runs no agent loop, else
/// the effects (the next request, or none) — the pane's own end is handled here.
pub fn on_step(s: &mut State, idx: usize, rec: AnswerRecord) -> Option<Vec<Effect>> {
    let tools = s.tools.clone()?;
    let pane = &mut s.panes[idx];
    pane.agent.as_ref()?;
    if pane.status == Status::Cancelled {
        pane.agent = None;
        pane.on_ended(rec);
        return Some(vec![]);
    }
    let step = pane.agent.as_ref().map_or(1, |r| r.step + 1);
    let (calls, next) = agent::after_step(&tools.set, &tools.stubs, step, tools.max_steps, &rec);
    pane.transcript.seal();
    show_calls(pane, &calls);
    let run = pane.agent.as_mut()?;
    run.step = step;
    run.steps.push(agent::step_of(step, &rec, calls.clone()));
    run.records.push(rec.clone());
    run.text = rec.text.clone();
    Some(match next {
        Next::Continue(msgs) => {
            run.messages.extend(msgs);
            resend(s, idx)
        }
        Next::Await => {
            run.pending = calls;
            pane.status = Status::Tool;
            pane.answer = Some(rec);
            let msg = format!(
                "{} waits for a tool result: focus it and press T to type one",
                pane.model
            );
            s.flash(msg);
            vec![]
        }
        Next::Stop(stopped) => finish(s, idx, stopped),
    })
}

/// The run is over: the pane ends with one record for every step.
fn finish(s: &mut State, idx: usize, stopped: Stopped) -> Vec<Effect> {
    let pane = &mut s.panes[idx];
    let Some(run) = pane.agent.take() else {
        return vec![];
    };
    let Some(all) = agent::combine(&run.records, run.steps, stopped) else {
        return vec![];
    };
    if stopped == Stopped::StepLimit {
        pane.transcript
            .block(Seg::Info, &format!("[stopped: {}]", stopped.label()));
    }
    pane.status = Status::Waiting; // on_ended acts on a running pane only
    pane.on_ended(all);
    // The tool turns stay in the conversation, before the final answer.
    let n = pane.history.len();
    if n >= 1 && !run.messages.is_empty() {
        let at = n - 1;
        pane.history.splice(at..at, run.messages);
    }
    vec![]
}

/// Send the conversation so far again, as the next step of the same turn.
fn resend(s: &mut State, idx: usize) -> Vec<Effect> {
    s.next_request += 1;
    let id = s.next_request;
    let route = super::requests::route_for(s, &s.panes[idx]);
    let mut effects: Vec<Effect> = super::history::record(
        s,
        Record::Request(RequestInfo {
            seq: id,
            turn: s.history.turn,
            pane: idx as u32,
            pane_model: s.panes[idx].model.clone(),
            conversation: s.panes[idx].conversation,
            target: s.panes[idx].target().to_string(),
            route: s.panes[idx].route.clone(),
        }),
    )
    .into_iter()
    .collect();
    let tools = s.tools.as_ref().map(|t| t.set.wire());
    let pane = &mut s.panes[idx];
    let Some(run) = &pane.agent else {
        return effects;
    };
    let mut messages = run.base.clone();
    messages.extend(run.messages.iter().cloned());
    pane.request_id = id;
    pane.status = Status::Waiting;
    pane.transcript
        .block(Seg::Info, &format!("── step {} ──", run.step + 1));
    effects.push(super::requests::send_effect(s, id, route, messages, tools));
    effects
}

/// `T`: type the result of the focused pane's first call still waiting.
pub fn open(s: &mut State) -> Vec<Effect> {
    let waiting = s.focused().filter(|&p| {
        s.panes[p]
            .agent
            .as_ref()
            .is_some_and(|r| !r.pending.iter().all(|c| c.result.is_some()))
    });
    match waiting {
        Some(p) => {
            s.overlay = Overlay::ToolResult(ToolResultBar {
                pane: p,
                field: TextField::new(""),
            });
        }
        None => s.flash("no tool call waits for a result in this pane"),
    }
    vec![]
}

/// The name of the call the result form answers.
pub fn waiting_call(s: &State, pane: usize) -> Option<&CallReport> {
    s.panes
        .get(pane)?
        .agent
        .as_ref()?
        .pending
        .iter()
        .find(|c| c.result.is_none())
}

/// Typing the result of pane `pane`'s waiting tool call.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResultBar {
    pub pane: usize,
    pub field: TextField,
}

impl View for ToolResultBar {
    fn on(&mut self, key: &Keyed, _: &mut Ctx) -> Outcome {
        use super::keymap::FormCmd;
        match key.form {
            Some(FormCmd::Cancel) => Outcome::Close,
            Some(FormCmd::Submit) => Outcome::Then(Ask::ToolResult {
                pane: self.pane,
                text: self.field.text.clone(),
            }),
            _ => {
                self.field.edit(&key.event);
                Outcome::Stay
            }
        }
    }

    /// A result may span lines (JSON): pasted whole.
    fn paste(&mut self, text: &str, _: &mut Ctx) -> Outcome {
        self.field.insert(text);
        Outcome::Stay
    }
}

/// Give the first waiting call of pane `p` its result; with every call answered, go on.
pub fn answer(s: &mut State, p: usize, result: String) -> Vec<Effect> {
    let Some(run) = s.panes.get_mut(p).and_then(|x| x.agent.as_mut()) else {
        return vec![];
    };
    let Some(call) = run.pending.iter_mut().find(|c| c.result.is_none()) else {
        return vec![];
    };
    call.result = Some(result.clone());
    let name = call.name.clone();
    s.panes[p].transcript.block(
        Seg::Info,
        &format!("← {name}: {}", first_line(&result, 200)),
    );
    let Some(run) = s.panes[p].agent.as_mut() else {
        return vec![];
    };
    if let Some(step) = run.steps.last_mut() {
        step.tool_calls.clone_from(&run.pending);
    }
    match agent::continue_with(&run.text, &run.pending) {
        Some(msgs) => {
            run.messages.extend(msgs);
            run.pending.clear();
            resend(s, p)
        }
        None => {
            s.flash("another tool call waits: T again");
            vec![]
        }
    }
}

//! The agent loop's pure part: after each answer, check its tool calls, answer them from the stubs
//! (or say which still need a result), decide whether to go on, and add the steps up into one
//! record. The runner (`cli::agent`, the workbench) only sends requests.

use super::{Stubs, ToolSet};
use crate::answer::AnswerRecord;
pub use crate::answer::steps::{AgentStep, CallReport, Stopped};
use crate::gateway::wire::{Message, WireFunction, WireToolCall};

/// Requests per agent run unless `--max-steps` says otherwise.
pub const DEFAULT_MAX_STEPS: u32 = 8;

/// What happens after a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    Stop(Stopped),
    /// Send again with these messages appended (the assistant's calls, then every result).
    Continue(Vec<Message>),
    /// Some calls have no result yet: ask the user (the workbench) or stop (headless).
    Await,
}

/// Check and answer the tool calls of step `step` (from 1), and decide what comes next.
pub fn after_step(
    tools: &ToolSet,
    stubs: &Stubs,
    step: u32,
    max_steps: u32,
    rec: &AnswerRecord,
) -> (Vec<CallReport>, Next) {
    if rec.error.is_some() {
        return (Vec::new(), Next::Stop(Stopped::Error));
    }
    if rec.tool_calls.is_empty() {
        return (Vec::new(), Next::Stop(Stopped::Answered));
    }
    let calls: Vec<CallReport> = rec
        .tool_calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let invalid = tools.check(&c.name, &c.arguments).err();
            // A call that does not fit its schema is answered with why, so the model can fix it.
            let result = match &invalid {
                Some(why) => Some(format!("error: invalid arguments for {}: {why}", c.name)),
                None => stubs.answer(&c.name).map(str::to_string),
            };
            CallReport {
                id: c
                    .id
                    .clone()
                    .filter(|id| !id.is_empty())
                    .unwrap_or_else(|| format!("call_{step}_{i}")),
                name: c.name.clone(),
                arguments: c.arguments.clone(),
                invalid,
                result,
            }
        })
        .collect();
    let next = if step >= max_steps {
        Next::Stop(Stopped::StepLimit)
    } else {
        continue_with(&rec.text, &calls).map_or(Next::Await, Next::Continue)
    };
    (calls, next)
}

/// The messages that answer `calls`, once every call has its result.
pub fn continue_with(text: &str, calls: &[CallReport]) -> Option<Vec<Message>> {
    let wire = calls
        .iter()
        .map(|c| WireToolCall {
            id: c.id.clone(),
            kind: "function".into(),
            function: WireFunction {
                name: c.name.clone(),
                arguments: c.arguments.clone(),
            },
        })
        .collect();
    let mut out = vec![Message::tool_request(text, wire)];
    for c in calls {
        out.push(Message::tool_result(&c.id, c.result.clone()?));
    }
    Some(out)
}

/// The step's own figures.
pub fn step_of(step: u32, rec: &AnswerRecord, calls: Vec<CallReport>) -> AgentStep {
    AgentStep {
        step,
        ttft_ms: rec.ttft_ms,
        total_ms: rec.total_ms,
        input_tokens: rec.input_tokens,
        output_tokens: rec.output_tokens,
        cost_usd: rec.cost_usd,
        finish_reason: rec.finish_reason.as_ref().map(|f| f.as_str().to_string()),
        tool_calls: calls,
        error: rec.error.as_ref().map(|e| e.brief()),
    }
}

/// One record for a whole run: the last answer's text and finish, the first step's TTFT, and
/// time, tokens and cost summed over every step. `steps` keeps each step's own figures.
pub fn combine(
    records: &[AnswerRecord],
    steps: Vec<AgentStep>,
    stopped: Stopped,
) -> Option<AnswerRecord> {
    let mut out = records.last()?.clone();
    let sum_f = |f: fn(&AnswerRecord) -> Option<f64>| -> Option<f64> {
        records.iter().map(f).sum::<Option<f64>>()
    };
    let sum_u = |f: fn(&AnswerRecord) -> Option<u64>| -> Option<u64> {
        records.iter().map(f).sum::<Option<u64>>()
    };
    // Time to the first answer token from the start of the run: steps that only called tools
    // count whole.
    let mut before = 0.0;
    out.ttft_ms = None;
    for r in records {
        if let Some(t) = r.ttft_ms {
            out.ttft_ms = Some(before + t);
            break;
        }
        before += r.total_ms.unwrap_or(0.0);
    }
    out.ttfr_ms = records[0].ttfr_ms;
    out.total_ms = sum_f(|r| r.total_ms);
    out.input_tokens = sum_u(|r| r.input_tokens);
    out.cached_input_tokens = sum_u(|r| r.cached_input_tokens);
    out.output_tokens = sum_u(|r| r.output_tokens);
    out.reasoning_tokens = sum_u(|r| r.reasoning_tokens);
    out.cost_usd = sum_f(|r| r.cost_usd);
    // Steps priced from different sources: the sum is only as good as its weakest.
    out.cost_source = out
        .cost_usd
        .and(records.iter().map(|r| r.cost_source).max().flatten());
    out.estimated = records.iter().any(|r| r.estimated);
    out.tokens_per_s = out
        .output_tokens
        .zip(out.total_ms)
        .filter(|(_, t)| *t > 0.0)
        .map(|(n, t)| n as f64 / (t / 1000.0));
    out.steps = steps;
    out.stopped = Some(stopped);
    Some(out)
}

#[cfg(test)]
#[path = "agent_tests.rs"]
mod tests;

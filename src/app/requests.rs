//! Requests from the workbench: sending a prompt to every enabled pane, cancelling, and the
//! messages a request's task sends back (attempts, chunks, failed hops, the typed end).

use super::history;
use super::keymap::Command;
use super::overlay::Overlay;
use super::pane::Pane;
use super::{Action, Effect, State};
use crate::answer::settle;
use crate::gateway::wire::{ChatRequest, Message};
use crate::history::{Record, RequestInfo, TurnInfo, TurnParams};
use crate::route::Route;

/// Send `prompt`, unless the session budget is spent (then ask first).
pub fn send(s: &mut State, prompt: String) -> Vec<Effect> {
    if s.panel.over_budget() && !prompt.trim().is_empty() {
        s.overlay = Overlay::Confirm(super::simple::Confirm::Budget(prompt));
        return vec![];
    }
    send_anyway(s, prompt)
}

pub fn send_anyway(s: &mut State, prompt: String) -> Vec<Effect> {
    if prompt.trim().is_empty() {
        s.flash("write a prompt first");
        return vec![];
    }
    let targets: Vec<usize> = s
        .selected_panes()
        .into_iter()
        .filter(|&p| s.panes[p].enabled)
        .collect();
    if targets.is_empty() {
        let km = &s.keymap;
        s.flash(if s.selected.is_empty() {
            let tab = km.key_for(Command::FocusNext).unwrap_or_default();
            format!("select a model first ({tab} to the model picker, Enter to select)")
        } else {
            let keys = km.range(Command::ToggleRoute(1), Command::ToggleRoute(9));
            format!("every selected model is turned off ({keys} turns one back on)")
        });
        return vec![];
    }
    let content = match super::attachments::prepare(s, &prompt) {
        Ok(c) => c,
        Err(why) => {
            s.flash(why);
            return vec![];
        }
    };
    let mut effects = Vec::new();
    s.history.turn += 1;
    let turn = s.history.turn;
    s.blind.on_send(turn, &targets);
    for (i, pane) in s.panes.iter_mut().enumerate() {
        pane.alias = s.blind.label(i);
    }
    let params = &s.editor.params;
    effects.extend(history::record(
        s,
        Record::Turn(TurnInfo {
            seq: turn,
            prompt: prompt.clone(),
            system: Some(params.system.clone()).filter(|p| !p.trim().is_empty()),
            params: TurnParams {
                max_tokens: params.max_tokens,
                temperature: params.temperature,
            },
        }),
    ));
    for (i, p) in targets.into_iter().enumerate() {
        // A pane still streaming the previous turn is cancelled before the new one starts.
        if s.panes[p].status.is_running() {
            effects.push(Effect::Cancel {
                request_id: s.panes[p].request_id,
            });
        }
        s.next_request += 1;
        let id = s.next_request;
        let route = route_for(s, &s.panes[p]);
        effects.extend(history::record(
            s,
            Record::Request(RequestInfo {
                seq: id,
                turn,
                pane: i as u32,
                pane_model: s.panes[p].model.clone(),
                conversation: s.panes[p].conversation,
                target: s.panes[p].target().to_string(),
                route: s.panes[p].route.clone(),
            }),
        ));
        let pane = &mut s.panes[p];
        let mut messages = Vec::new();
        if !s.editor.params.system.trim().is_empty() {
            messages.push(Message::system(s.editor.params.system.clone()));
        }
        messages.extend(pane.history.iter().cloned());
        messages.push(Message::user(content.clone()));
        pane.begin(id, &prompt);
        // The conversation keeps what was sent, attachments included.
        pane.pending_prompt = Some(content.clone());
        let tools = s.tools.as_ref().map(|t| t.set.wire());
        pane.agent = tools.is_some().then(|| super::agent::Run {
            base: messages.clone(),
            ..Default::default()
        });
        effects.push(send_effect(s, id, route, messages, tools));
    }
    s.editor.last_prompt = Some(prompt);
    s.status_msg = None;
    if s.tools.is_some() {
        let unable: Vec<&str> = s
            .selected_panes()
            .iter()
            .map(|&p| s.panes[p].model.as_str())
            .filter(|m| {
                s.probes
                    .get(*m)
                    .is_some_and(|t| t.failed(crate::probe::Capability::Tools))
            })
            .collect();
        if !unable.is_empty() {
            let msg = format!(
                "warning: tools offered, and the last probe found {} calls none",
                unable.join(", ")
            );
            s.flash(msg);
        }
    }
    effects
}

/// The request of pane turn (or agent step) `id`, with the editor's parameters.
pub fn send_effect(
    s: &State,
    id: u64,
    route: Route,
    messages: Vec<Message>,
    tools: Option<serde_json::Value>,
) -> Effect {
    Effect::Send {
        request_id: id,
        req: ChatRequest {
            model: route.chain[0].clone(),
            messages,
            max_tokens: s.editor.params.max_tokens,
            temperature: s.editor.params.temperature,
            tools,
            ..Default::default()
        },
        route,
    }
}

/// The route a pane sends through: its named route (only the first hop when fallback is off),
/// else its model alone.
pub fn route_for(s: &State, pane: &Pane) -> Route {
    match pane.route.as_ref().and_then(|r| s.routes.get(r)) {
        Some(r) if pane.fallback => r.clone(),
        Some(r) => r.primary_only(),
        None => Route::single(&pane.model),
    }
}

pub fn cancel(s: &mut State, panes: Vec<usize>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for p in panes {
        if s.panes[p].cancel() {
            effects.push(Effect::Cancel {
                request_id: s.panes[p].request_id,
            });
        }
    }
    effects
}

/// Route the messages of a request task to its pane; stale ones (an older request) are dropped.
pub fn on_message(s: &mut State, action: Action) -> Vec<Effect> {
    let id = match &action {
        Action::Started { request_id, .. }
        | Action::HopFailed { request_id, .. }
        | Action::Chunk { request_id, .. }
        | Action::Ended { request_id, .. } => *request_id,
        _ => return vec![],
    };
    let Some(idx) = s.panes.iter().position(|p| p.request_id == id) else {
        return vec![];
    };
    let running = s.panes[idx].status.is_running();
    let mut effects = Vec::new();
    match action {
        Action::Started { model, sent_at, .. } => s.panes[idx].on_started(model, sent_at),
        Action::HopFailed { hop, next, .. } => {
            s.panes[idx].on_hop_failed(&hop, &next);
            if running {
                s.history.unsaved.remove(&id);
                effects.extend(history::record(s, Record::Restart { seq: id }));
            }
        }
        Action::Chunk {
            at,
            chunk,
            progress,
            ..
        } => {
            s.now = Some(s.now.map_or(at, |n| n.max(at)));
            if running {
                history::streamed(s, id, chunk.content.as_deref(), chunk.reasoning.as_deref());
            }
            s.panes[idx].on_chunk(&chunk, progress);
        }
        Action::Ended { outcome, .. } => {
            s.now = Some(s.now.map_or(outcome.ended, |n| n.max(outcome.ended)));
            let named = s.panes[idx].route.is_some();
            let rec = settle(&outcome, named, &s.prices());
            let cancelled = s.panes[idx].status == super::pane::Status::Cancelled;
            if let Some(msg) = s.panel.record(&rec, cancelled) {
                s.flash(msg);
            }
            // The settled record carries the whole text: what is still unsaved is not needed.
            s.history.unsaved.remove(&id);
            effects.extend(history::ended(s, id, &rec, cancelled));
            if let Some(gen_id) = rec.generation_id.clone().filter(|_| {
                s.panel.generation_stats && rec.succeeded() && !cancelled && rec.steps.is_empty()
            }) {
                effects.push(Effect::FetchGeneration {
                    request_id: id,
                    id: gen_id,
                });
            }
            match super::agent::on_step(s, idx, rec.clone()) {
                Some(more) => effects.extend(more),
                None => s.panes[idx].on_ended(rec),
            }
        }
        _ => {}
    }
    effects
}

/// The gateway's own stats for a finished answer: its bill becomes the answer's cost (the panel's
/// total follows) and the history entry is written again with it.
pub fn on_generation(
    s: &mut State,
    request_id: u64,
    stats: Result<crate::gateway::generation::Generation, String>,
) -> Vec<Effect> {
    let Some(idx) = s.panes.iter().position(|p| p.request_id == request_id) else {
        return vec![];
    };
    let model = s.panes[idx].model.clone();
    let g = match stats {
        Ok(g) => g,
        Err(e) => {
            s.flash(format!("{model}: {e}"));
            return vec![];
        }
    };
    let Some(rec) = s.panes[idx].answer.as_mut() else {
        return vec![];
    };
    let old = rec.cost_usd;
    rec.apply_generation(&g);
    let rec = rec.clone();
    s.panel.recost(old, rec.cost_usd);
    if let Some(note) = g.notes.first() {
        s.flash(format!("{model}: /generation: {note}"));
    }
    history::ended(s, request_id, &rec, false)
        .into_iter()
        .collect()
}

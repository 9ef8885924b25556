//! Reopening a stored session (an entry of the history view, or `--resume`): its panes, their
//! conversations and transcripts, the answers with their figures, and the ratings.

use super::history::record;
use super::pane::{Pane, Status as PaneStatus};
use super::transcript::Seg;
use super::{Effect, Focus, State};
use crate::answer::AnswerRecord;
use crate::history::query::{SessionView, StoredAnswer};
use crate::history::{Record, Status};

/// Rebuild the workbench from a stored session: panes, transcripts, answers, the panel's
/// figures and ratings, the last prompt and its parameters.
pub fn on_loaded(s: &mut State, view: Result<Box<SessionView>, String>) -> Vec<Effect> {
    let view = match view {
        Ok(v) => v,
        Err(e) => {
            s.flash(e);
            return vec![];
        }
    };
    let w = s.pane_inner().map_or(40, |r| r.width);
    s.panes.clear();
    s.selected.clear();
    s.panel.reset_session();
    s.maximized = false;
    let (mut last_seq, mut last_conv) = (0, 0);
    for t in &view.turns {
        s.history.turn = s.history.turn.max(t.seq);
        s.editor.last_prompt = Some(t.prompt.clone());
        s.editor.params.system = t.system.clone().unwrap_or_default();
        s.editor.params.max_tokens = t.params.max_tokens;
        s.editor.params.temperature = t.params.temperature;
        for a in &t.answers {
            last_seq = last_seq.max(a.seq);
            last_conv = last_conv.max(a.conversation);
            let p = match s.panes.iter().position(|p| p.model == a.pane_model) {
                Some(p) => p,
                None => {
                    let mut pane = Pane::new(a.pane_model.clone(), w);
                    pane.transcript.set_raw(s.raw_default);
                    s.panes.push(pane);
                    s.panes.len() - 1
                }
            };
            restore(s, p, &t.prompt, a);
        }
    }
    // The panes in the order of their last send.
    let mut order: Vec<(u32, String)> = Vec::new();
    if let Some(t) = view.turns.last() {
        order = t
            .answers
            .iter()
            .map(|a| (a.pane, a.pane_model.clone()))
            .collect();
    }
    for p in &s.panes {
        if !order.iter().any(|(_, m)| *m == p.model) {
            order.push((u32::MAX, p.model.clone()));
        }
    }
    order.sort_by_key(|(i, _)| *i);
    s.selected = order
        .into_iter()
        .map(|(_, m)| m)
        .take(super::MAX_PANES)
        .collect();
    s.next_request = s.next_request.max(last_seq).max(view.last_request);
    s.history.turn = s.history.turn.max(view.last_turn);
    s.history.conversation = s.history.conversation.max(last_conv);
    s.focused_pane = 0;
    s.focus = Focus::Editor;
    s.relayout();
    let n = view.turns.len();
    s.flash(format!(
        "session {} reopened: {n} prompt{}; new sends go on in it",
        view.id,
        if n == 1 { "" } else { "s" }
    ));
    record(s, Record::Adopt(view.id)).into_iter().collect()
}

/// One stored answer into pane `p`: its conversation, transcript, answer and rating.
fn restore(s: &mut State, p: usize, prompt: &str, a: &StoredAnswer) {
    let rec: Option<AnswerRecord> = a
        .answer
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .map(|mut r: AnswerRecord| {
            r.hop_model = r.model.clone();
            r.gaps = a.figures.map(|f| f.gaps()).unwrap_or_default();
            r
        });
    let routes = &s.routes;
    let pane = &mut s.panes[p];
    if pane.conversation != a.conversation {
        let (model, raw) = (pane.model.clone(), pane.transcript.raw());
        *pane = Pane::new(model, pane.transcript.width());
        pane.transcript.set_raw(raw);
        pane.conversation = a.conversation;
    }
    pane.route = a.route.clone().filter(|r| routes.contains_key(r));
    pane.request_id = a.seq;
    pane.transcript
        .block(Seg::User, &format!("> {}", prompt.trim_end()));
    if !a.reasoning.is_empty() {
        pane.transcript.block(Seg::Info, "reasoning");
        pane.transcript.block(Seg::Reasoning, &a.reasoning);
    }
    if !a.text.is_empty() {
        pane.transcript.block(Seg::Answer, &a.text);
        pane.transcript.seal();
    }
    pane.status = match a.status {
        Status::Done => PaneStatus::Done,
        Status::Error => PaneStatus::Error,
        Status::Cancelled => PaneStatus::Cancelled,
        Status::Streaming | Status::Incomplete => PaneStatus::Cancelled,
    };
    match a.status {
        Status::Done => {
            pane.history
                .push(crate::gateway::wire::Message::user(prompt));
            pane.history
                .push(crate::gateway::wire::Message::assistant(a.text.clone()));
        }
        Status::Error => {
            let err = rec
                .as_ref()
                .and_then(|r| r.error.as_ref())
                .map(|e| e.brief());
            pane.transcript
                .block(Seg::Error, &format!("error: {}", err.unwrap_or_default()));
        }
        Status::Cancelled => pane.transcript.block(Seg::Info, "[cancelled]"),
        Status::Streaming | Status::Incomplete => pane.transcript.block(
            Seg::Info,
            "[incomplete: gatebench stopped while this streamed]",
        ),
    }
    pane.rating = a.rating.as_ref().map(|r| r.score);
    if let Some(r) = &rec {
        pane.served_by = Some(r.hop_model.clone());
    }
    pane.answer = rec.clone();
    let model = pane.model.clone();
    if let Some(r) = rec {
        s.panel.record(&r, a.status == Status::Cancelled);
        if let Some(g) = &a.rating {
            s.panel.rate(a.seq, &r.hop_model, g.score);
        }
    } else if let Some(g) = &a.rating {
        s.panel.rate(a.seq, &model, g.score);
    }
}

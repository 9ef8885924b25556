//! What `ask` records in the history: its session, prompt and a request per target before
//! anything is sent; each answer as it ends (see `ask`), and the settled answers at the end.

use super::ask_args::AskArgs;
use crate::answer::AnswerRecord;
use crate::history::{Record, RequestInfo, SessionInfo, TurnInfo, TurnParams, Writer};
use crate::route::Route;
use crate::session::Session;

/// The session, its one prompt and a request per target, before anything is sent.
pub fn start(
    w: &Writer,
    session: &Session,
    args: &AskArgs,
    prompt: &str,
    targets: &[(Route, bool)],
) {
    w.send(Record::NewSession(SessionInfo {
        kind: "ask".into(),
        profile: session.profile.name.clone(),
        base_url: session.base_url.clone(),
    }));
    w.send(Record::Turn(TurnInfo {
        seq: 1,
        prompt: prompt.to_string(),
        system: args.system.clone(),
        params: TurnParams {
            max_tokens: args.max_tokens,
            temperature: args.temperature,
        },
    }));
    for (i, (route, named)) in targets.iter().enumerate() {
        w.send(Record::Request(RequestInfo {
            seq: i as u64 + 1,
            turn: 1,
            pane: i as u32,
            pane_model: route.chain.first().cloned().unwrap_or_default(),
            conversation: 0,
            target: route.name.clone(),
            route: named.then(|| route.name.clone()),
        }));
    }
}

/// The settled answers, over the ones recorded as each ended (now with the listed prices), and
/// everything written before the process exits.
pub fn end(w: &Writer, records: &[AnswerRecord], stopped: bool) {
    for (i, r) in records.iter().enumerate() {
        w.send(crate::history::writer::ended(
            i as u64 + 1,
            r,
            stopped && r.error.is_some(),
        ));
    }
    if !w.flush(std::time::Duration::from_secs(5)) {
        eprintln!("warning: the history did not finish writing in 5 s");
    }
}

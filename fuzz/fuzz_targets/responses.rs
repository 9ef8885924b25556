//! Responses API events and whole responses on any input: never a panic.
#![no_main]

use gatebench::gateway::responses;
use gatebench::gateway::sse::SseEvent;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (event, payload) = text.split_once('\n').unwrap_or(("", &text));
    let ev = SseEvent {
        event: (!event.is_empty()).then(|| event.to_string()),
        data: payload.to_string(),
        id: None,
    };
    let _ = responses::decode(&ev);
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(payload) {
        let _ = responses::decode_whole(&v);
    }
});

//! The SSE parser on any bytes, split at positions the input chooses: never a panic, and the same
//! events whatever the split.
#![no_main]

use gatebench::gateway::sse::SseParser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&split, bytes)) = data.split_first() else {
        return;
    };
    let whole = {
        let mut p = SseParser::new();
        let mut ev = p.feed(bytes);
        ev.extend(p.finish());
        ev
    };
    let step = usize::from(split).max(1);
    let mut p = SseParser::new();
    let mut ev = Vec::new();
    for piece in bytes.chunks(step) {
        ev.extend(p.feed(piece));
    }
    ev.extend(p.finish());
    assert_eq!(whole, ev);
});

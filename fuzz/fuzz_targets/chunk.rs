//! Chat-completion chunk decoding (streamed and whole) on any JSON: never a panic.
#![no_main]

use gatebench::gateway::wire::{RawChunk, error_message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(raw) = serde_json::from_slice::<RawChunk>(data) {
        if let Some(e) = &raw.error {
            let _ = error_message(e);
        }
        let _ = raw.into_chunk();
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = error_message(&v);
    }
});

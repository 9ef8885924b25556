//! Properties that must hold for any input: recorded streams decode to the same events and chunks
//! however the bytes are split; the SSE parser and chunk decoding never panic on arbitrary bytes.

use gatebench::gateway::sse::{SseEvent, SseParser};
use gatebench::gateway::wire::RawChunk;
use proptest::prelude::*;

fn recorded() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for dir in ["tests/fixtures/providers", "tests/fixtures/realstack"] {
        let dir = format!("{}/{dir}", env!("CARGO_MANIFEST_DIR"));
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if matches!(p.extension().and_then(|x| x.to_str()), Some("sse" | "txt")) {
                out.push(std::fs::read(p).unwrap());
            }
        }
    }
    assert!(out.len() >= 10);
    out
}

fn parse_split(bytes: &[u8], cuts: &[usize]) -> Vec<SseEvent> {
    let mut p = SseParser::new();
    let mut events = Vec::new();
    let mut at = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    for c in cuts {
        events.extend(p.feed(&bytes[at..c.max(at)]));
        at = c.max(at);
    }
    events.extend(p.feed(&bytes[at..]));
    events.extend(p.finish());
    events
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_split_of_a_recorded_stream_decodes_the_same(
        which in 0usize..64,
        cuts in proptest::collection::vec(0usize..100_000, 0..40),
    ) {
        let all = recorded();
        let bytes = &all[which % all.len()];
        let whole = parse_split(bytes, &[]);
        let split = parse_split(bytes, &cuts);
        prop_assert_eq!(&whole, &split);
        // And the chunks they carry decode the same too.
        let chunks = |evs: &[SseEvent]| -> Vec<String> {
            evs.iter()
                .filter_map(|e| serde_json::from_str::<RawChunk>(&e.data).ok())
                .map(|r| format!("{:?}", r.into_chunk()))
                .collect()
        };
        prop_assert_eq!(chunks(&whole), chunks(&split));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_bounded(
        bytes in proptest::collection::vec(any::<u8>(), 0..4096),
        cuts in proptest::collection::vec(0usize..4096, 0..16),
    ) {
        let events = parse_split(&bytes, &cuts);
        let total: usize = events.iter().map(|e| e.data.len()).sum();
        // Data never grows past the input (a lossy byte becomes at most three).
        prop_assert!(total <= 3 * bytes.len());
        for e in &events {
            if let Ok(raw) = serde_json::from_str::<RawChunk>(&e.data) {
                let _ = raw.into_chunk();
            }
            let _ = gatebench::gateway::responses::decode(e);
        }
    }
}

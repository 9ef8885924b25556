//! Reading Mooncake traces: good lines, every kind of bad one, bounded lines, and prompts whose
//! prefixes follow the hash ids.

use super::*;

fn read(text: &str) -> Vec<Read> {
    TraceReader::new(std::io::BufReader::new(text.as_bytes())).collect()
}

fn requests(reads: &[Read]) -> Vec<&TraceLine> {
    reads
        .iter()
        .filter_map(|r| match r {
            Read::Request(t) => Some(t),
            Read::Bad(_) => None,
        })
        .collect()
}

fn bad(reads: &[Read]) -> Vec<(usize, String)> {
    reads
        .iter()
        .filter_map(|r| match r {
            Read::Bad(b) => Some((b.line, b.why.clone())),
            Read::Request(_) => None,
        })
        .collect()
}

#[test]
fn good_lines_are_read_in_order_with_their_blocks() {
    let text = "{\"timestamp\": 0, \"input_length\": 1000, \"output_length\": 20, \"hash_ids\": [1, 2]}\n\
                # a comment\n\n\
                {\"timestamp\": 250, \"input_length\": 600, \"output_length\": 5, \"hash_ids\": [1, 7]}\n\
                {\"timestamp\": 250, \"input_length\": 10, \"output_length\": 1}";
    let reads = read(text);
    assert_eq!(bad(&reads), vec![]);
    let r = requests(&reads);
    assert_eq!(r.len(), 3);
    assert_eq!(
        (r[0].line, r[0].at_ms, r[0].input_length, r[0].output_length),
        (1, 0, 1000, 20)
    );
    // A trace of hours: timestamps past the token limit are fine.
    let hours = read("{\"timestamp\": 7200000, \"input_length\": 5, \"output_length\": 5}");
    assert_eq!(requests(&hours)[0].at_ms, 7_200_000);
    let days = read("{\"timestamp\": 2500000000, \"input_length\": 5, \"output_length\": 5}");
    assert_eq!(requests(&days)[0].at_ms, 2_500_000_000, "29 days in");
    assert_eq!(r[1].line, 4);
    assert_eq!(r[1].hash_ids, vec![1, 7]);
    assert_eq!(r[2].hash_ids, Vec::<u64>::new(), "hash_ids may be left out");
}

#[test]
fn every_bad_line_is_reported_with_its_number_and_the_part_at_fault() {
    let text = [
        "{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 5}",
        "{broken",
        "{\"input_length\": 5, \"output_length\": 5}",
        "{\"timestamp\": 1, \"input_length\": -5, \"output_length\": 5}",
        "{\"timestamp\": 1, \"input_length\": 5, \"output_length\": 1e12}",
        "{\"timestamp\": 1, \"input_length\": 5.5, \"output_length\": 5}",
        "{\"timestamp\": 1, \"input_length\": \"5\", \"output_length\": 5}",
        "{\"timestamp\": 1, \"input_length\": 5, \"output_length\": 0}",
        "{\"timestamp\": 1, \"input_length\": 5, \"output_length\": 5, \"hash_ids\": [1, \"x\"]}",
        "{\"timestamp\": 1, \"input_length\": 5, \"output_length\": 5, \"hash_ids\": 3}",
        "[1, 2]",
        "{\"timestamp\": 900, \"input_length\": 5, \"output_length\": 5}",
        "{\"timestamp\": 500, \"input_length\": 5, \"output_length\": 5}",
        "{\"timestamp\": 3e9, \"input_length\": 5, \"output_length\": 5}",
    ]
    .join("\n");
    let reads = read(&text);
    let b = bad(&reads);
    let lines: Vec<usize> = b.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14]);
    let why = |i: usize| b[i].1.as_str();
    assert!(why(0).starts_with("not JSON"), "{}", why(0));
    assert_eq!(why(1), "missing `timestamp`");
    assert!(why(2).contains("`input_length` is negative"), "{}", why(2));
    assert!(why(3).contains("past the limit"), "{}", why(3));
    assert!(why(4).contains("whole number"), "{}", why(4));
    assert!(why(5).contains("must be a number"), "{}", why(5));
    assert!(why(6).contains("above 0"), "{}", why(6));
    assert!(why(7).contains("\"x\""), "{}", why(7));
    assert!(why(8).contains("list of block ids"), "{}", why(8));
    assert!(why(9).contains("is an object"), "{}", why(9));
    assert!(
        why(10).contains("before the previous line's 900 ms"),
        "{}",
        why(10)
    );
    assert!(why(11).contains("ms (30 days)"), "{}", why(11));
    // The out-of-order request is kept, sent at the previous one's time, after its warning.
    let r = requests(&reads);
    assert_eq!(
        r.iter().map(|t| t.line).collect::<Vec<_>>(),
        vec![1, 12, 13]
    );
    assert_eq!(r[2].at_ms, 900);
    let at = reads
        .iter()
        .position(|x| matches!(x, Read::Request(t) if t.line == 13))
        .unwrap();
    assert!(matches!(&reads[at - 1], Read::Bad(b) if b.line == 13));
}

#[test]
fn an_endless_line_is_cut_at_the_limit_and_the_next_one_is_read() {
    let mut text = String::from("{\"timestamp\": 0, \"hash_ids\": [");
    while text.len() < MAX_LINE_BYTES + 10_000 {
        text.push_str("123456789,");
    }
    text.push_str("1], \"input_length\": 5, \"output_length\": 5}\n");
    text.push_str("{\"timestamp\": 1, \"input_length\": 5, \"output_length\": 5}\nnot utf8: \u{0}");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"\n\xff\xfe\n");
    // A small buffer, so the line comes in many pieces.
    let reader = TraceReader::new(std::io::BufReader::with_capacity(4096, &bytes[..]));
    let reads: Vec<Read> = reader.collect();
    let b = bad(&reads);
    assert_eq!(b[0], (1, "longer than 1 MiB".to_string()));
    assert_eq!(requests(&reads)[0].line, 2);
    assert_eq!(b[1].0, 3);
    assert_eq!(b[2], (4, "not UTF-8".to_string()));
    assert_eq!(b.len(), 3);
}

#[test]
fn prompts_are_as_long_as_asked_and_share_prefixes_by_hash_id() {
    let t = |line, len, ids: &[u64]| TraceLine {
        line,
        at_ms: 0,
        input_length: len,
        output_length: 1,
        hash_ids: ids.to_vec(),
    };
    let text = |x: &TraceLine| prompt(x)[0].content.clone();
    let a = text(&t(1, 1200, &[5, 6, 7]));
    let b = text(&t(2, 700, &[5, 9]));
    let c = text(&t(3, 1200, &[5, 6, 7]));
    assert_eq!(a, c, "the same ids and length: the same prompt");
    let first = |s: &str, n: usize| s.split(' ').take(n).collect::<Vec<_>>().join(" ");
    assert_eq!(first(&a, 512), first(&b, 512), "block 5 leads both");
    assert_ne!(first(&a, 600), first(&b, 600), "then 6 against 9");
    let tokens = crate::metrics::estimate_tokens(&a);
    assert!(
        (1150..=1250).contains(&tokens),
        "about 1200 tokens: {tokens}"
    );
    assert_eq!(a.split(' ').count(), 1200);
    // Past its ids a line's blocks are its own: two lines without ids share nothing.
    let (x, y) = (text(&t(4, 600, &[])), text(&t(5, 600, &[])));
    assert_ne!(first(&x, 10), first(&y, 10));
}

/// Lines made on demand: a trace of any length without holding it.
struct Endless {
    left: usize,
    line: &'static [u8],
    at: usize,
}

impl std::io::Read for Endless {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < out.len() && self.left > 0 {
            out[n] = self.line[self.at];
            (n, self.at) = (n + 1, self.at + 1);
            if self.at == self.line.len() {
                (self.at, self.left) = (0, self.left - 1);
            }
        }
        Ok(n)
    }
}

#[test]
fn a_long_trace_is_read_as_a_stream_in_the_same_memory() {
    let lines = 1_000_000;
    let input = Endless {
        left: lines,
        line: b"{\"timestamp\":1,\"input_length\":5,\"output_length\":2,\"hash_ids\":[1]}\n",
        at: 0,
    };
    let mut reader = TraceReader::new(std::io::BufReader::new(input));
    let mut n = 0;
    for r in reader.by_ref() {
        assert!(matches!(r, Read::Request(_)));
        n += 1;
    }
    assert_eq!(n, lines);
    assert!(
        reader.buf.capacity() < 4096,
        "one line's buffer: {}",
        reader.buf.capacity()
    );
}

/// A reader that is interrupted once, gives one line, then fails for good.
struct Failing {
    step: usize,
}

impl std::io::Read for Failing {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.step += 1;
        match self.step {
            1 => Err(std::io::ErrorKind::Interrupted.into()),
            2 => {
                let line = b"{\"timestamp\":1,\"input_length\":5,\"output_length\":2}\n";
                out[..line.len()].copy_from_slice(line);
                Ok(line.len())
            }
            _ => Err(std::io::Error::other("disk gone")),
        }
    }
}

#[test]
fn an_interrupted_read_is_retried_and_a_failed_one_ends_the_trace_once() {
    let reader = TraceReader::new(std::io::BufReader::new(Failing { step: 0 }));
    let reads: Vec<Read> = reader.take(10).collect();
    assert_eq!(requests(&reads).len(), 1, "the line after the interruption");
    assert_eq!(
        bad(&reads),
        vec![(2, "cannot read the trace: disk gone".to_string())]
    );
    assert_eq!(reads.len(), 2, "reported once, then the end");
}

#[test]
fn lengths_at_the_limit_are_taken() {
    let at = format!(
        "{{\"timestamp\": {MAX_TIMESTAMP_MS}, \"input_length\": {MAX_LENGTH}, \"output_length\": 1}}"
    );
    assert_eq!(requests(&read(&at)).len(), 1);
}

#[test]
fn a_line_of_exactly_the_limit_is_read() {
    let body = "{\"timestamp\": 1, \"input_length\": 5, \"output_length\": 2}";
    let exact = format!("{body}{}\n", " ".repeat(MAX_LINE_BYTES - body.len()));
    assert_eq!(requests(&read(&exact)).len(), 1);
    let over = format!("{body}{}\n", " ".repeat(MAX_LINE_BYTES - body.len() + 1));
    assert_eq!(bad(&read(&over))[0].1, "longer than 1 MiB");
}

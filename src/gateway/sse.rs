//! Server-sent events framing, as bytes in and events out.
//!
//! Pure and incremental: `feed` accepts any slice of the byte stream (an event may be split at any
//! byte, several may arrive at once) and returns the events completed by it. It never does IO, so
//! the caller stamps each network read with its own `Instant` and every event inherits it.

/// One dispatched event. `data` lines are joined with `\n` as the SSE spec says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
    pub id: Option<String>,
}

#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    /// The previous byte was `\r`: a `\n` right after it belongs to the same line ending, even
    /// when the two arrive in different reads.
    after_cr: bool,
    event: Option<String>,
    data: String,
    has_data: bool,
    id: Option<String>,
    comments: u64,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes held for the event being read (its unfinished line and data so far).
    pub fn buffered(&self) -> usize {
        self.line.len() + self.data.len()
    }

    /// Comment lines seen so far (`: OPENROUTER PROCESSING` keep-alives and the like).
    pub fn comments(&self) -> u64 {
        self.comments
    }

    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        let mut rest = bytes;
        if self.after_cr {
            self.after_cr = false;
            if let Some((&b'\n', tail)) = rest.split_first() {
                rest = tail;
            }
        }
        while let Some(pos) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            let (head, tail) = rest.split_at(pos);
            let mut tail = &tail[1..];
            if rest[pos] == b'\r' {
                match tail.first() {
                    Some(b'\n') => tail = &tail[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            if self.line.is_empty() {
                self.process_line(head, &mut out);
            } else {
                self.line.extend_from_slice(head);
                let line = std::mem::take(&mut self.line);
                self.process_line(&line, &mut out);
                self.line = line;
                self.line.clear();
            }
            rest = tail;
        }
        self.line.extend_from_slice(rest);
        out
    }

    /// End of stream. The spec drops an event without its closing blank line; servers that end
    /// the body right after the last `data:` line are common enough that we keep it instead.
    pub fn finish(&mut self) -> Option<SseEvent> {
        let mut out = Vec::new();
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.process_line(&line, &mut out);
        }
        self.dispatch(&mut out);
        out.pop()
    }

    fn process_line(&mut self, line: &[u8], out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line[0] == b':' {
            self.comments += 1;
            return;
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &[][..]),
        };
        let value = String::from_utf8_lossy(value);
        match field {
            b"data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(&value);
                self.has_data = true;
            }
            b"event" => self.event = Some(value.into_owned()),
            b"id" => self.id = Some(value.into_owned()),
            // `retry` only matters to auto-reconnecting clients, which we deliberately are not.
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        if self.has_data {
            out.push(SseEvent {
                event: self.event.take(),
                data: std::mem::take(&mut self.data),
                id: self.id.take(),
            });
        }
        self.event = None;
        self.has_data = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    fn parse_all(input: &[u8]) -> Vec<SseEvent> {
        let mut p = SseParser::new();
        let mut evs = p.feed(input);
        evs.extend(p.finish());
        evs
    }

    fn data(d: &str) -> SseEvent {
        SseEvent {
            data: d.into(),
            ..Default::default()
        }
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, &[u8], Vec<SseEvent>)> = vec![
            ("single", b"data: a\n\n", vec![data("a")]),
            (
                "two in one read",
                b"data: a\n\ndata: b\n\n",
                vec![data("a"), data("b")],
            ),
            (
                "crlf",
                b"data: a\r\n\r\ndata: b\r\n\r\n",
                vec![data("a"), data("b")],
            ),
            (
                "bare cr",
                b"data: a\r\rdata: b\r\r",
                vec![data("a"), data("b")],
            ),
            (
                "comment keep-alive",
                b": OPENROUTER PROCESSING\n\ndata: {\"x\":1}\n\n",
                vec![data("{\"x\":1}")],
            ),
            (
                "multi-line data",
                b"data: a\ndata: b\n\n",
                vec![data("a\nb")],
            ),
            ("no space after colon", b"data:a\n\n", vec![data("a")]),
            ("keeps second space", b"data:  a\n\n", vec![data(" a")]),
            ("done", b"data: [DONE]\n\n", vec![data("[DONE]")]),
            ("ends without blank line", b"data: tail", vec![data("tail")]),
            ("empty stream", b"", vec![]),
            ("only comments", b": ping\n\n: ping\n\n", vec![]),
            (
                "event and id",
                b"event: response.created\nid: 7\ndata: {}\n\n",
                vec![SseEvent {
                    event: Some("response.created".into()),
                    data: "{}".into(),
                    id: Some("7".into()),
                }],
            ),
            ("event without data is dropped", b"event: ping\n\n", vec![]),
            (
                "unknown field ignored",
                b"retry: 10\nfoo: bar\ndata: x\n\n",
                vec![data("x")],
            ),
            ("empty data line", b"data:\n\n", vec![data("")]),
            (
                "utf8",
                "data: héllo ✓\n\n".as_bytes(),
                vec![data("héllo ✓")],
            ),
        ];
        for (name, input, want) in cases {
            assert_eq!(parse_all(input), want, "case {name}");
        }
    }

    #[test]
    fn counts_comments() {
        let mut p = SseParser::new();
        p.feed(b": a\n: b\ndata: x\n\n");
        assert_eq!(p.comments(), 2);
    }

    #[test]
    fn any_split_gives_same_events() {
        let stream: &[u8] = b": OPENROUTER PROCESSING\r\n\r\ndata: {\"choices\":[{\"delta\":{\"content\":\"h\xc3\xa9\"}}]}\r\n\r\nevent: x\ndata: line1\ndata: line2\n\ndata: a\r\rdata: b\r\n\r\ndata: [DONE]\n\n";
        let want = parse_all(stream);
        assert_eq!(want.len(), 5);
        // Every single split point, then many random multi-way splits.
        for cut in 0..=stream.len() {
            let mut p = SseParser::new();
            let mut got = p.feed(&stream[..cut]);
            got.extend(p.feed(&stream[cut..]));
            got.extend(p.finish());
            assert_eq!(got, want, "split at {cut}");
        }
        let mut rng = SplitMix64::new(42);
        for _ in 0..2000 {
            let mut p = SseParser::new();
            let mut got = Vec::new();
            let mut rest = stream;
            while !rest.is_empty() {
                let n = 1 + (rng.next_u64() as usize) % 9.min(rest.len());
                let n = n.min(rest.len());
                got.extend(p.feed(&rest[..n]));
                rest = &rest[n..];
            }
            got.extend(p.finish());
            assert_eq!(got, want);
        }
    }
}

//! Scrubbing the key out of a probe: every text field, named one by one, so a new field is a
//! compile error here until it is scrubbed or said to hold no text.

use super::{Cell, Evidence, Probe, TargetProbe, Violation};
use crate::secret::{Scrubber, Secret};

impl Probe {
    pub fn scrub(&mut self, key: Option<&Secret>) {
        let c = Scrubber(key);
        let Probe {
            format: _,
            gatebench_version: _,
            at_unix_ms: _,
            base_url,
            targets,
        } = self;
        c.text(base_url);
        for t in targets {
            t.scrub(c);
        }
    }
}

impl TargetProbe {
    fn scrub(&mut self, c: Scrubber) {
        let TargetProbe {
            target,
            cells,
            violations,
            tolerated: _,
            streams_checked: _,
        } = self;
        c.text(target);
        for cell in cells {
            let Cell {
                capability: _,
                verdict: _,
                reason,
                evidence,
                claimed: _,
                refuted: _,
            } = cell;
            c.text(reason);
            let Evidence {
                request,
                answer_start,
                rate: _,
            } = evidence;
            c.json(request);
            c.text(answer_start);
        }
        for v in violations {
            let Violation {
                rule: _,
                what,
                line,
                probe: _,
                times: _,
            } = v;
            c.text(what);
            c.text(line);
        }
    }
}

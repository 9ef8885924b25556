//! A probe's place in the history: the last probes of the same targets read before this one is
//! kept.

use std::collections::BTreeMap;

use crate::history::{Record, Store, Writer};
use crate::probe::{Probe, TargetProbe};

/// The last probe of each of `p`'s targets on its gateway.
pub fn last(w: &Writer, p: &Probe) -> BTreeMap<String, (i64, TargetProbe)> {
    Store::open(&w.path)
        .and_then(|s| s.last_probes(&p.base_url).map_err(Into::into))
        .unwrap_or_default()
}

/// Keep `p` (the writer scrubs it).
pub fn keep(w: &Writer, p: &Probe) {
    w.send(Record::Probe(Box::new(p.clone())));
}

//! Search inside a pane: `/` query (smart case), `n` / `N`, matches highlighted and counted.
//! Matches are found in the pane's rows as shown; new text re-runs the search on the next tick.

use super::forms::TextField;
use super::keymap::Command;
use super::transcript::Row;
use super::view::{Ask, Ctx, FindAsk, Keyed, Outcome, View};
use super::{Effect, Overlay, State};

/// At most this many matches are kept (a one-letter query on a long answer).
pub const MAX_HITS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub row: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Find {
    pub query: String,
    pub hits: Vec<Hit>,
    pub current: usize,
    /// The transcript version the hits were found in.
    pub version: u64,
}

/// Matches of `query` in `rows`: ignoring ASCII case unless the query has a capital letter.
pub fn hits(rows: &[Row], query: &str) -> Vec<Hit> {
    let mut out = Vec::new();
    if query.is_empty() {
        return out;
    }
    let exact = query.chars().any(char::is_uppercase);
    let q = query.as_bytes();
    for (row, r) in rows.iter().enumerate() {
        let t = r.text.as_bytes();
        let mut i = 0;
        while i + q.len() <= t.len() {
            let w = &t[i..i + q.len()];
            let same = if exact {
                w == q
            } else {
                w.eq_ignore_ascii_case(q)
            };
            if same && r.text.is_char_boundary(i) && r.text.is_char_boundary(i + q.len()) {
                out.push(Hit {
                    row,
                    start: i,
                    end: i + q.len(),
                });
                if out.len() >= MAX_HITS {
                    return out;
                }
                i += q.len();
            } else {
                i += 1;
            }
        }
    }
    out
}

impl Find {
    /// Search again (the text changed), keeping the current match near where it was.
    pub fn refresh(&mut self, rows: &[Row], version: u64) {
        let at = self.hits.get(self.current).copied();
        self.hits = hits(rows, &self.query);
        self.version = version;
        self.current = at
            .and_then(|a| {
                self.hits
                    .iter()
                    .position(|h| (h.row, h.start) >= (a.row, a.start))
            })
            .unwrap_or(0);
    }

    /// "3/12", or "no match".
    pub fn count(&self) -> String {
        match self.hits.len() {
            0 => "no match".into(),
            n if n >= MAX_HITS => format!("{}/{n}+", self.current + 1),
            n => format!("{}/{n}", self.current + 1),
        }
    }
}

/// `/`: start typing a search for the focused pane.
pub fn open(s: &mut State) -> Vec<Effect> {
    let Some(p) = s.focused() else {
        s.flash("no pane to search");
        return vec![];
    };
    let query = s.panes[p]
        .find
        .as_ref()
        .map_or(String::new(), |f| f.query.clone());
    s.overlay = Overlay::Find(FindBar {
        field: TextField::new(query),
    });
    vec![]
}

/// The search bar of the focused pane: each edit searches as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct FindBar {
    pub field: TextField,
}

impl View for FindBar {
    fn on(&mut self, key: &Keyed, _: &mut Ctx) -> Outcome {
        use super::keymap::FormCmd;
        match key.form {
            Some(FormCmd::Cancel) => Outcome::Then(Ask::Find(FindAsk::Cancel)),
            Some(FormCmd::Submit) => Outcome::Then(Ask::Find(FindAsk::Done)),
            _ if self.field.edit(&key.event) => {
                Outcome::Ask(Ask::Find(FindAsk::Query(self.field.text.clone())))
            }
            _ => Outcome::Stay,
        }
    }

    fn paste(&mut self, text: &str, _: &mut Ctx) -> Outcome {
        self.field.insert(text.lines().next().unwrap_or(""));
        Outcome::Ask(Ask::Find(FindAsk::Query(self.field.text.clone())))
    }
}

/// What the search bar asked: a new query, or the bar closed.
pub fn on_ask(s: &mut State, ask: FindAsk) {
    let Some(p) = s.focused() else { return };
    match ask {
        FindAsk::Query(query) => set_query(s, query),
        FindAsk::Cancel => s.panes[p].find = None,
        // An empty query keeps nothing.
        FindAsk::Done => {
            if s.panes[p].find.as_ref().is_some_and(|f| f.query.is_empty()) {
                s.panes[p].find = None;
            }
        }
    }
}

/// Search the focused pane for `query` and show the first match from the top row down.
pub fn set_query(s: &mut State, query: String) {
    let Some(p) = s.focused() else { return };
    let h = s.pane_height();
    let pane = &mut s.panes[p];
    let top = pane.top_row(h);
    let rows = pane.transcript.rows();
    let found = hits(rows, &query);
    let current = found.iter().position(|x| x.row >= top).unwrap_or(0);
    pane.find = Some(Find {
        query,
        hits: found,
        current,
        version: pane.transcript.version(),
    });
    reveal(s, p);
}

/// `n` / `N`: the next or previous match, wrapping around.
pub fn step(s: &mut State, cmd: Command) -> Vec<Effect> {
    let Some(p) = s.focused() else { return vec![] };
    let search = s.keymap.key_for(Command::Find).unwrap_or_default();
    let Some(f) = s.panes[p].find.as_mut() else {
        s.flash(format!("no search in this pane: {search} to search"));
        return vec![];
    };
    let n = f.hits.len();
    if n == 0 {
        let msg = format!("no match for {:?}", f.query);
        s.flash(msg);
        return vec![];
    }
    f.current = if cmd == Command::FindPrev {
        (f.current + n - 1) % n
    } else {
        (f.current + 1) % n
    };
    reveal(s, p);
    vec![]
}

/// Scroll pane `p` so that its current match is in view.
fn reveal(s: &mut State, p: usize) {
    let h = s.pane_height();
    let pane = &mut s.panes[p];
    let Some(row) = pane
        .find
        .as_ref()
        .and_then(|f| f.hits.get(f.current))
        .map(|h| h.row)
    else {
        return;
    };
    pane.show_row(row, h);
}

/// On a tick: panes whose text changed since their search search again.
pub fn refresh(s: &mut State) {
    for pane in &mut s.panes {
        let version = pane.transcript.version();
        if let Some(f) = pane.find.as_mut().filter(|f| f.version != version) {
            f.refresh(pane.transcript.rows(), version);
            s.dirty = true;
        }
    }
}

/// A highlighted byte range of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lit {
    pub row: usize,
    pub start: usize,
    pub end: usize,
    pub current: bool,
}

impl super::pane::Pane {
    /// What to highlight in rows `rows`: search matches, the code block picked in copy mode.
    pub fn lit(&self, rows: std::ops::Range<usize>) -> Vec<Lit> {
        let mut out = Vec::new();
        if let Some(f) = &self.find {
            let from = f.hits.partition_point(|h| h.row < rows.start);
            for (i, h) in f.hits.iter().enumerate().skip(from) {
                if h.row >= rows.end {
                    break;
                }
                out.push(Lit {
                    row: h.row,
                    start: h.start,
                    end: h.end,
                    current: i == f.current,
                });
            }
        }
        let code = self.transcript.code_blocks();
        if let Some(c) = self.copy_sel.and_then(|i| code.get(i)) {
            let all = self.transcript.rows();
            for row in c.rows.start.max(rows.start)..c.rows.end.min(rows.end) {
                let end = all.get(row).map_or(0, |r| r.text.len());
                out.push(Lit {
                    row,
                    start: 0,
                    end,
                    current: true,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::transcript::RowKind;

    fn rows(lines: &[&str]) -> Vec<Row> {
        lines
            .iter()
            .map(|l| Row::plain(l.to_string(), RowKind::Text))
            .collect()
    }

    #[test]
    fn smart_case_and_offsets() {
        let r = rows(&["Rust and rust", "trust me", "RUST"]);
        let h = hits(&r, "rust");
        assert_eq!(
            h.iter().map(|h| (h.row, h.start)).collect::<Vec<_>>(),
            vec![(0, 0), (0, 9), (1, 1), (2, 0)]
        );
        let h = hits(&r, "Rust");
        assert_eq!(h.len(), 1);
        assert_eq!((h[0].start, h[0].end), (0, 4));
        assert!(hits(&r, "").is_empty());
        // Non-overlapping, and never inside a multi-byte character.
        assert_eq!(hits(&rows(&["aaaa"]), "aa").len(), 2);
        assert_eq!(hits(&rows(&["é é"]), "é").len(), 2);
    }

    #[test]
    fn refresh_keeps_the_current_match_in_place() {
        let mut f = Find {
            query: "x".into(),
            ..Default::default()
        };
        f.refresh(&rows(&["x", "x", "x"]), 1);
        f.current = 2;
        f.refresh(&rows(&["a", "x", "x", "x", "x"]), 2);
        assert_eq!(f.count(), "2/4");
        assert_eq!(f.version, 2);
        f.refresh(&rows(&["none"]), 3);
        assert_eq!(f.count(), "no match");
    }
}

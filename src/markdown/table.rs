//! Tables: aligned columns when they fit; narrower columns with wrapped cells when they do not;
//! and one `header: value` line per cell when even that would leave columns too thin to read.

use super::{Mark, Row, RowBuilder, RowKind, Spans, Tint, str_width, wrap_starts};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

impl From<pulldown_cmark::Alignment> for Align {
    fn from(a: pulldown_cmark::Alignment) -> Self {
        match a {
            pulldown_cmark::Alignment::Center => Align::Center,
            pulldown_cmark::Alignment::Right => Align::Right,
            _ => Align::Left,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub aligns: Vec<Align>,
    pub head: Vec<Spans>,
    pub rows: Vec<Vec<Spans>>,
}

/// Narrowest column worth wrapping into; below it the table is listed as records.
const MIN_COL: usize = 10;
const SEP: &str = " │ ";

fn flat(cell: &Spans) -> (String, Vec<(usize, Mark)>) {
    let mut text = String::new();
    let mut ends = Vec::new();
    for (s, m) in cell {
        text.push_str(s);
        ends.push((text.len(), *m));
    }
    (text, ends)
}

/// The pieces of `cell` within bytes `a..b`.
fn slice(cell: &(String, Vec<(usize, Mark)>), a: usize, b: usize, out: &mut RowBuilder) {
    let mut start = 0;
    for &(end, m) in &cell.1 {
        let (s, e) = (start.max(a), end.min(b));
        if s < e {
            out.push(&cell.0[s..e], m);
        }
        start = end;
    }
}

impl Table {
    pub fn new(aligns: Vec<Align>) -> Self {
        Self {
            aligns,
            head: Vec::new(),
            rows: Vec::new(),
        }
    }

    fn columns(&self) -> usize {
        self.rows
            .iter()
            .map(Vec::len)
            .chain([self.head.len()])
            .max()
            .unwrap_or(0)
    }

    /// Each column's width: natural when all fit, else shared out so narrow columns keep theirs.
    fn widths(&self, room: usize) -> Option<Vec<usize>> {
        let n = self.columns();
        let natural: Vec<usize> = (0..n)
            .map(|c| {
                std::iter::once(&self.head)
                    .chain(&self.rows)
                    .filter_map(|r| r.get(c))
                    .map(|cell| str_width(&flat(cell).0))
                    .max()
                    .unwrap_or(0)
                    .max(1)
            })
            .collect();
        let room = room.checked_sub(3 * n.saturating_sub(1))?;
        if natural.iter().sum::<usize>() <= room {
            return Some(natural);
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&c| natural[c]);
        let mut widths = vec![0; n];
        let mut left = room;
        for (i, &c) in order.iter().enumerate() {
            let share = left / (n - i);
            widths[c] = natural[c].min(share);
            left -= widths[c];
        }
        widths
            .iter()
            .zip(&natural)
            .all(|(w, n)| *w >= (*n).min(MIN_COL))
            .then_some(widths)
    }

    pub fn lay_out(&self, prefix: &Spans, width: usize, out: &mut Vec<Row>) {
        let room = width.saturating_sub(str_width(&flat(prefix).0));
        match self.widths(room) {
            Some(w) => self.grid(prefix, &w, out),
            None => self.records(prefix, width, out),
        }
    }

    fn grid(&self, prefix: &Spans, widths: &[usize], out: &mut Vec<Row>) {
        let dim = Mark::tint(Tint::Dim);
        self.grid_row(&self.head, true, prefix, widths, out);
        let mut rule = RowBuilder::default();
        rule.push_spans(prefix);
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
        rule.push(&parts.join("─┼─"), dim);
        out.push(rule.finish(RowKind::Text));
        for r in &self.rows {
            self.grid_row(r, false, prefix, widths, out);
        }
    }

    fn grid_row(
        &self,
        cells: &[Spans],
        head: bool,
        prefix: &Spans,
        widths: &[usize],
        out: &mut Vec<Row>,
    ) {
        let empty = Spans::new();
        let flats: Vec<_> = (0..widths.len())
            .map(|c| flat(cells.get(c).unwrap_or(&empty)))
            .collect();
        let wrapped: Vec<Vec<usize>> = flats
            .iter()
            .zip(widths)
            .map(|(f, &w)| {
                let mut s = Vec::new();
                wrap_starts(&f.0, 0, w, &mut s);
                s
            })
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let mut b = RowBuilder::default();
            b.push_spans(prefix);
            for (c, f) in flats.iter().enumerate() {
                if c > 0 {
                    b.push(SEP, Mark::tint(Tint::Dim));
                }
                let starts = &wrapped[c];
                let (a, e) = match starts.get(line) {
                    Some(&a) => (a, starts.get(line + 1).copied().unwrap_or(f.0.len())),
                    None => (f.0.len(), f.0.len()),
                };
                let e = a + f.0[a..e].trim_end().len();
                let w = str_width(&f.0[a..e]);
                let pad = widths[c].saturating_sub(w);
                let (before, after) = match self.aligns.get(c).copied().unwrap_or(Align::Left) {
                    Align::Left => (0, pad),
                    Align::Right => (pad, 0),
                    Align::Center => (pad / 2, pad - pad / 2),
                };
                b.push(&" ".repeat(before), Mark::PLAIN);
                let mut cell = RowBuilder::default();
                slice(f, a, e, &mut cell);
                for (piece, m) in cell.pieces() {
                    b.push(piece, if head { m.bold() } else { m });
                }
                b.push(&" ".repeat(after), Mark::PLAIN);
            }
            out.push(b.finish(RowKind::Text));
        }
    }

    /// Too narrow for columns: each row as `header: value` lines, rows apart by a rule.
    fn records(&self, prefix: &Spans, width: usize, out: &mut Vec<Row>) {
        let room = width.saturating_sub(str_width(&flat(prefix).0));
        let dim = Mark::tint(Tint::Dim);
        for (i, r) in self.rows.iter().enumerate() {
            if i > 0 {
                let mut b = RowBuilder::default();
                b.push_spans(prefix);
                b.push(&"─".repeat(room.min(20)), dim);
                out.push(b.finish(RowKind::Text));
            }
            for (c, cell) in r.iter().enumerate() {
                let mut body = RowBuilder::default();
                if let Some(h) = self.head.get(c) {
                    for (s, m) in h {
                        body.push(s, m.bold());
                    }
                    body.push(": ", dim);
                }
                body.push_spans(cell);
                let (text, runs) = body.into_parts();
                super::layout::wrap_line(
                    prefix,
                    prefix,
                    (&text, &runs),
                    false,
                    width,
                    RowKind::Text,
                    out,
                );
            }
        }
    }
}

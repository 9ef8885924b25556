//! Pages made of tables: a ladder, the leaderboard, a watch report. The caller names the columns
//! and fills the rows (plain text, escaped here); a table longer than `MAX_ROWS` is cut and says
//! how many rows it left out.

use serde::Serialize;

use super::{Head, MAX_ROWS, render};
use crate::secret::{Secret, keyless};

/// One table of a page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Table {
    pub heading: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Lines under the table.
    pub notes: Vec<String>,
    /// SVG charts drawn beside it (from `charts`).
    #[serde(skip)]
    pub charts: Vec<String>,
}

/// A page of tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TablesPage {
    pub title: String,
    pub settings: Vec<(String, String)>,
    pub tables: Vec<Table>,
}

/// The number a cell sorts by: `1,024`, `$0.25`, `42%`, `8k`, `320 ms` and `1.5 s` (as 1500 ms); none
/// for text.
pub(super) fn sort_key(cell: &str) -> Option<f64> {
    let t = cell.trim().trim_start_matches('$');
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | ',')))
        .unwrap_or(t.len());
    let n: f64 = t[..end].replace(',', "").parse().ok()?;
    match t[end..].trim() {
        "s" => Some(n * 1000.0),
        "k" | "K" => Some(n * 1e3),
        "M" => Some(n * 1e6),
        "" | "%" | "ms" => Some(n),
        _ => None,
    }
}

#[derive(Serialize)]
struct Shown {
    heading: String,
    columns: Vec<String>,
    rows: Vec<Vec<(String, Option<f64>)>>,
    left_out: usize,
    notes: Vec<String>,
    charts: Vec<String>,
}

#[derive(Serialize)]
struct Page {
    head: Head,
    settings: Vec<(String, String)>,
    tables: Vec<Shown>,
}

/// The page, every text scrubbed of `key` and of anything that looks like one.
pub fn tables(p: &TablesPage, key: Option<&Secret>) -> String {
    let clean = |s: &String| keyless(s, key);
    let page = Page {
        head: Head::new(clean(&p.title)),
        settings: p
            .settings
            .iter()
            .map(|(k, v)| (clean(k), clean(v)))
            .collect(),
        tables: p
            .tables
            .iter()
            .map(|t| Shown {
                heading: clean(&t.heading),
                columns: t.columns.iter().map(clean).collect(),
                rows: t
                    .rows
                    .iter()
                    .take(MAX_ROWS)
                    .map(|r| r.iter().map(|c| (clean(c), sort_key(c))).collect())
                    .collect(),
                left_out: t.rows.len().saturating_sub(MAX_ROWS),
                notes: t.notes.iter().map(clean).collect(),
                charts: t.charts.clone(),
            })
            .collect(),
    };
    render("tables.html", &page)
}

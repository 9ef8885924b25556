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
                    .map(|r| {
                        r.iter()
                            .map(|c| {
                                let v = c.trim_end_matches(['%', 's']).replace(',', "");
                                (clean(c), v.trim_start_matches('$').parse().ok())
                            })
                            .collect()
                    })
                    .collect(),
                left_out: t.rows.len().saturating_sub(MAX_ROWS),
                notes: t.notes.iter().map(clean).collect(),
                charts: t.charts.clone(),
            })
            .collect(),
    };
    render("tables.html", &page)
}

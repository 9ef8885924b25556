//! One self-contained HTML file to show the team: a bench run (or a merge of shards), a session
//! export, a ladder, the leaderboard, a watch report. Pages come from minijinja templates with
//! HTML auto-escaping, so every value is escaped unless it is a fragment built here (sanitised
//! Markdown, SVG charts); inline CSS follows light and dark and prints cleanly; a few lines of
//! inline script sort tables, and the page reads the same with scripts off. No network: nothing is
//! linked or loaded. Pure.

mod bench;
pub mod charts;
mod compare;
pub mod markup;
mod session;
mod tables;

pub use bench::bench;
pub use session::session;
pub use tables::{Table, TablesPage, tables};

use minijinja::Environment;

/// How a session is exported: the history's text formats, or the HTML page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Md,
    Json,
    Csv,
    /// One self-contained HTML page: answers side by side, rendered, with word diffs.
    Html,
}

impl ExportFormat {
    pub fn ext(self) -> &'static str {
        match self {
            ExportFormat::Md => "md",
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
            ExportFormat::Html => "html",
        }
    }

    /// The session in this format (HTML scrubbed of `key` and anything like one).
    pub fn render(
        self,
        view: &crate::history::query::SessionView,
        key: Option<&crate::secret::Secret>,
    ) -> String {
        use crate::history::export::{Format, render};
        match self {
            ExportFormat::Md => render(view, Format::Md),
            ExportFormat::Json => render(view, Format::Json),
            ExportFormat::Csv => render(view, Format::Csv),
            ExportFormat::Html => session(view, key),
        }
    }
}

/// Rows of a table shown in full; past this, the table says how many were left out.
pub const MAX_ROWS: usize = 500;

fn env() -> Environment<'static> {
    let mut env = Environment::new();
    // Auto-escaping follows the template's extension: every `.html` template escapes.
    for (name, text) in [
        ("base.html", include_str!("templates/base.html")),
        ("bench.html", include_str!("templates/bench.html")),
        ("session.html", include_str!("templates/session.html")),
        ("tables.html", include_str!("templates/tables.html")),
    ] {
        env.add_template(name, text)
            .expect("the report templates are valid");
    }
    env
}

/// Render template `name` with `ctx`; a failure is said on the page rather than lost.
fn render(name: &str, ctx: impl serde::Serialize) -> String {
    let env = env();
    let out = env
        .get_template(name)
        .and_then(|t| t.render(minijinja::Value::from_serialize(&ctx)));
    match out {
        Ok(html) => html,
        Err(e) => format!(
            "<!doctype html><meta charset=utf-8><title>gatebench report</title><p>the report could not be drawn: {}</p>\n",
            markup::escape(&e.to_string())
        ),
    }
}

/// What every page heads with.
#[derive(Debug, Clone, serde::Serialize)]
struct Head {
    title: String,
    version: &'static str,
    generated: String,
}

impl Head {
    fn new(title: impl Into<String>) -> Self {
        Head {
            title: title.into(),
            version: env!("CARGO_PKG_VERSION"),
            generated: crate::clock::fmt_utc(crate::clock::now_ms()),
        }
    }
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;

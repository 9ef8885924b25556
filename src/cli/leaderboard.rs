//! `gatebench leaderboard`: the blind votes in the history as standings per model, beside each
//! model's median TTFT and cost per 1k output tokens, and which models the frontier rules out.

use clap::Args;
use serde::Serialize;

use super::GlobalArgs;
use crate::format::{fmt_ms, fmt_usd};
use crate::history::board;
use crate::metrics::leaderboard::{RATING_METHOD, Standing, standings};

#[derive(Debug, Args)]
pub struct LeaderboardArgs {
    /// One JSON document: the method, the vote count, and every model with its rating, win rate
    /// and interval, median TTFT, cost per 1k output tokens and what dominates it.
    #[arg(long)]
    pub json: bool,
    /// `text`, `json`, or `html` (one self-contained page).
    #[arg(long, value_enum, conflicts_with = "json")]
    pub format: Option<super::page::PageFormat>,
}

#[derive(Serialize)]
struct Report<'a> {
    rating_method: &'static str,
    votes: usize,
    models: &'a [Standing],
    /// Models no other model beats on cost, TTFT and rating at once.
    frontier: Vec<&'a str>,
}

pub fn run(global: &GlobalArgs, args: &LeaderboardArgs) -> anyhow::Result<i32> {
    let store = super::history::open(global)?;
    let votes = board::votes(&store)?;
    let figures = board::figures(&store)?;
    let models = standings(&votes, &figures);
    let frontier = models
        .iter()
        .filter(|m| m.dominated_by.is_none() && m.figures.median_ttft_ms.is_some())
        .filter(|m| m.figures.cost_per_1k_output_usd.is_some())
        .map(|m| m.model.as_str())
        .collect();
    let report = Report {
        rating_method: RATING_METHOD,
        votes: votes.len(),
        models: &models,
        frontier,
    };
    match super::page::chosen(args.json, args.format) {
        super::page::PageFormat::Json => {
            println!("{}", serde_json::to_string_pretty(&report)?)
        }
        super::page::PageFormat::Html => print!("{}", html(&report)),
        super::page::PageFormat::Text => print!("{}", text(&report)),
    }
    Ok(0)
}

fn votes_line(r: &Report) -> String {
    format!(
        "{} blind vote{} · rating: {}",
        r.votes,
        if r.votes == 1 { "" } else { "s" },
        r.rating_method
    )
}

/// The standings as one HTML page.
fn html(r: &Report) -> String {
    let rows = rows(r);
    let page = crate::report::TablesPage {
        title: "Leaderboard".into(),
        settings: vec![("votes".into(), votes_line(r))],
        tables: vec![crate::report::Table {
            heading: "Standings".into(),
            columns: rows[0].to_vec(),
            rows: rows[1..].iter().map(|x| x.to_vec()).collect(),
            notes: if r.models.is_empty() {
                vec![EMPTY.into()]
            } else {
                Vec::new()
            },
            charts: Vec::new(),
        }],
    };
    crate::report::tables(&page, None)
}

const EMPTY: &str =
    "no answers or votes yet: in the workbench, Shift-B arms a blind round, then w votes";

fn text(r: &Report) -> String {
    let mut out = format!("{}\n\n", votes_line(r));
    use crate::format::Align::{Left, Right};
    let align = [Right, Left, Right, Right, Right, Right, Right, Left];
    out.push_str(&crate::format::text_table(&rows(r), &align));
    if r.models.is_empty() {
        out.push_str(EMPTY);
        out.push('\n');
    }
    out
}

/// The standings' rows, the header first.
fn rows(r: &Report) -> Vec<[String; 8]> {
    let mut rows = vec![
        [
            "#",
            "model",
            "rating",
            "win rate (95% CI)",
            "games",
            "TTFT p50",
            "$/1k out",
            "frontier",
        ]
        .map(String::from),
    ];
    for (i, m) in r.models.iter().enumerate() {
        let rate = match (m.win_rate, m.win_rate_low, m.win_rate_high) {
            (Some(x), Some(lo), Some(hi)) => {
                format!("{:.0}% ({:.0}-{:.0})", x * 100.0, lo * 100.0, hi * 100.0)
            }
            _ => "-".into(),
        };
        let frontier = match &m.dominated_by {
            Some(by) => format!("dominated by {by}"),
            None if r.frontier.contains(&m.model.as_str()) => "on the frontier".into(),
            None => "-".into(),
        };
        rows.push([
            (i + 1).to_string(),
            m.model.clone(),
            m.rating.map_or("-".into(), |x| format!("{x:.0}")),
            rate,
            m.games.to_string(),
            fmt_ms(m.figures.median_ttft_ms),
            fmt_usd(m.figures.cost_per_1k_output_usd),
            frontier,
        ]);
    }
    rows
}

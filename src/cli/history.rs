//! `gatebench history list|search|show|stats|prune` and `gatebench export`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::GlobalArgs;
use crate::clock::fmt_utc;
use crate::format::{fmt_usd, shorten_middle};
use crate::history::export::{self, Format};
use crate::history::maintain;
use crate::history::query::{self, Entry};
use crate::history::{Store, db_path};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: Option<HistoryCommand>,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Prompts newest first: ID (session.prompt), when, models, cost, rating, prompt.
    List {
        #[arg(long, default_value_t = 30)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Full-text search over prompts and answers, best match first.
    Search {
        query: String,
        #[arg(long, default_value_t = 30)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// One session (`12`) or one prompt of it (`12.3`): a Markdown report, or everything as JSON.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Where the database is, its size, and what it holds.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Delete prompts (with their answers and ratings) older than an age: 90d, 12h, 2w.
    Prune {
        #[arg(long, value_name = "AGE")]
        older_than: String,
    },
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The session to export (see `gatebench history list`; `12.3` means session 12).
    #[arg(long, value_name = "ID", conflicts_with = "last")]
    pub session: Option<String>,
    /// The newest session (the default).
    #[arg(long)]
    pub last: bool,
    /// `html` is one self-contained page: the answers side by side, rendered, with word diffs.
    #[arg(long, value_enum, default_value = "md")]
    pub format: crate::report::ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Open the database for reading commands; it must exist.
pub fn open(global: &GlobalArgs) -> anyhow::Result<Store> {
    let path = db_path(global.data_dir.as_deref())
        .ok_or_else(|| anyhow::anyhow!("no data dir on this platform: pass --data-dir"))?;
    if !path.exists() {
        anyhow::bail!(
            "no history yet at {} (it starts with the first prompt you send)",
            path.display()
        );
    }
    Ok(Store::open(&path)?)
}

/// `12` or `12.3`.
pub fn parse_id(s: &str) -> anyhow::Result<(i64, Option<u64>)> {
    let bad = || {
        anyhow::anyhow!("{s:?} is not a history ID: use 12 (a session) or 12.3 (its third prompt)")
    };
    let (sess, turn) = match s.trim().split_once('.') {
        Some((a, b)) => (a, Some(b.parse::<u64>().map_err(|_| bad())?)),
        None => (s.trim(), None),
    };
    Ok((sess.parse().map_err(|_| bad())?, turn))
}

pub fn run(global: &GlobalArgs, cmd: &HistoryCommand) -> anyhow::Result<i32> {
    let store = open(global)?;
    match cmd {
        HistoryCommand::List { limit, json } => print_entries(&query::list(&store, *limit)?, *json),
        HistoryCommand::Search { query, limit, json } => {
            print_entries(&query::search(&store, query, *limit)?, *json)
        }
        HistoryCommand::Show { id, json } => {
            let (session, turn) = parse_id(id)?;
            let view = query::session(&store, session, turn)?
                .filter(|v| turn.is_none() || !v.turns.is_empty())
                .ok_or_else(|| anyhow::anyhow!("no entry {id} in the history"))?;
            if *json {
                print!("{}", export::render(&view, Format::Json));
            } else {
                // For reading: a server's control sequences never reach the terminal.
                print!(
                    "{}",
                    crate::clean::terminal_safe(&export::render(&view, Format::Md))
                );
            }
            Ok(0)
        }
        HistoryCommand::Stats { json } => {
            let st = maintain::stats(&store)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&st)?);
            } else {
                let when = |v: Option<i64>| v.map_or("-".into(), fmt_utc);
                println!("database  {}", st.path);
                println!("size      {:.1} MiB", st.bytes as f64 / (1024.0 * 1024.0));
                println!(
                    "holds     {} sessions, {} prompts, {} answers, {} ratings",
                    st.sessions, st.prompts, st.answers, st.ratings
                );
                println!("from      {} to {}", when(st.oldest_ms), when(st.newest_ms));
            }
            Ok(0)
        }
        HistoryCommand::Prune { older_than } => {
            let age = maintain::parse_age(older_than).map_err(anyhow::Error::msg)?;
            let before = maintain::file_bytes(&store.path);
            let n = maintain::prune(&store, crate::clock::now_ms() - age)?;
            let after = maintain::file_bytes(&store.path);
            println!(
                "removed {n} prompt(s) older than {older_than}; database {:.1} MiB -> {:.1} MiB",
                before as f64 / 1048576.0,
                after as f64 / 1048576.0
            );
            Ok(0)
        }
    }
}

fn print_entries(entries: &[Entry], json: bool) -> anyhow::Result<i32> {
    if json {
        println!("{}", serde_json::to_string_pretty(entries)?);
        return Ok(0);
    }
    if entries.is_empty() {
        eprintln!("nothing found");
        return Ok(0);
    }
    println!(
        "{:<8} {:<20} {:<30} {:>10} {:>6}  prompt",
        "id", "when", "models", "cost", "rating"
    );
    for e in entries {
        println!("{}", entry_line(e));
        if let Some(s) = &e.snippet {
            println!("{:>8} {}", "", crate::clean::plain_line(s, 100));
        }
    }
    Ok(0)
}

/// One line of `history list`: the same columns the workbench's history view shows.
pub fn entry_line(e: &Entry) -> String {
    let cost = fmt_usd(e.cost_usd)
        + if e.cost_partial && e.cost_usd.is_some() {
            "+"
        } else {
            ""
        };
    let rating = e
        .rating_mean
        .map_or("-".into(), |m| format!("{m:.1}×{}", e.ratings));
    format!(
        "{:<8} {:<20} {:<30} {:>10} {:>6}  {}",
        e.id(),
        fmt_utc(e.sent_ms),
        shorten_middle(&e.targets.join(","), 30),
        cost,
        rating,
        crate::clean::plain_line(&e.prompt, 60)
    )
}

pub fn export(global: &GlobalArgs, args: &ExportArgs) -> anyhow::Result<i32> {
    let store = open(global)?;
    let id = match &args.session {
        Some(s) => parse_id(s)?.0,
        None => query::last_session(&store, None)?
            .ok_or_else(|| anyhow::anyhow!("the history holds no session yet"))?,
    };
    let view = query::session(&store, id, None)?
        .ok_or_else(|| anyhow::anyhow!("no session {id} in the history"))?;
    let text = args.format.render(&view, None);
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            eprintln!("exported session {id} to {}", path.display());
        }
        None => {
            use std::io::IsTerminal;
            if std::io::stdout().is_terminal() {
                print!("{}", crate::clean::terminal_safe(&text));
            } else {
                print!("{text}");
            }
        }
    }
    Ok(0)
}

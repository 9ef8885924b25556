//! `gatebench watch report`: what the watch saw, per target, from the history.

use std::time::Duration;

use clap::Args;

use crate::session::Session;
use crate::watch::report::{by_target, states, target_text};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// How far back (`24h`, `7d`).
    #[arg(long, value_name = "D", value_parser = super::bench::args::parse_duration, default_value = "24h")]
    pub since: Duration,
    #[arg(long)]
    pub json: bool,
    /// `text`, `json`, or `html` (one self-contained page, with TTFT by hour charted).
    #[arg(long, value_enum, conflicts_with = "json")]
    pub format: Option<super::page::PageFormat>,
}

pub fn run(
    session: &Session,
    r: &ReportArgs,
    history: Option<&crate::history::Writer>,
) -> anyhow::Result<i32> {
    let Some(w) = history else {
        anyhow::bail!("watch report reads the history, which is off");
    };
    let since = crate::clock::now_ms() - r.since.as_millis() as i64;
    let store = crate::history::Store::open(&w.path)?;
    let by = by_target(store.watch_samples(&session.gateway_id(), since, 1_000_000)?);
    let format = super::page::chosen(r.json, r.format);
    if format == super::page::PageFormat::Json {
        println!("{}", serde_json::to_string_pretty(&by)?);
        return Ok(0);
    }
    if by.is_empty() && format == super::page::PageFormat::Text {
        println!("{}", nothing(session));
        return Ok(0);
    }
    // Each target's state and the alerts its probes raised, by the config's thresholds.
    let thresholds = session
        .config
        .watch
        .thresholds
        .as_deref()
        .map_or(Ok(Default::default()), |t| {
            crate::watch::Thresholds::default().parse_over(t)
        })
        .map_err(|e| anyhow::anyhow!("[watch] thresholds: {e}"))?;
    let states = states(&by, &thresholds);
    if format == super::page::PageFormat::Html {
        print!("{}", html(session, r, &by, &states));
        return Ok(0);
    }
    println!("{}", crate::clean::terminal_safe(&states));
    for (t, s) in &by {
        print!("{}", crate::clean::terminal_safe(&target_text(t, s)));
    }
    Ok(0)
}

/// The report as one HTML page: the states, and per target its totals, a table and a chart of
/// TTFT by hour, and who served it when.
fn html(
    session: &Session,
    r: &ReportArgs,
    by: &std::collections::BTreeMap<String, Vec<crate::watch::Sample>>,
    states: &str,
) -> String {
    use crate::report::charts::{Series, lines};
    use crate::report::{Table, TablesPage, tables};
    use crate::watch::report::{hours, served_changes, totals};
    let mut page = TablesPage {
        title: format!("Watch report: {}", session.gateway_id()),
        settings: vec![
            ("gateway".into(), session.gateway_id()),
            ("since".into(), format!("{} s ago", r.since.as_secs())),
        ],
        tables: Vec::new(),
    };
    page.tables.push(Table {
        heading: "States and alerts".into(),
        columns: vec!["now".into()],
        rows: states.lines().map(|l| vec![l.to_string()]).collect(),
        notes: if by.is_empty() {
            vec![nothing(session)]
        } else {
            Vec::new()
        },
        ..Default::default()
    });
    for (target, s) in by {
        let hs = hours(s);
        let t0 = hs.first().map_or(0, |h| h.at_ms);
        let hour = |h: &crate::watch::report::Hour| (h.at_ms - t0) as f64 / 3_600_000.0;
        let series = [("p50", 0), ("p95", 1)].map(|(name, i)| Series {
            name: name.into(),
            points: hs
                .iter()
                .filter_map(|h| Some((hour(h), if i == 0 { h.p50_ms } else { h.p95_ms }?)))
                .collect(),
        });
        page.tables.push(Table {
            heading: target.clone(),
            columns: ["hour (UTC)", "probes", "failed", "TTFT p50", "TTFT p95"]
                .map(String::from)
                .to_vec(),
            rows: hs
                .iter()
                .map(|h| {
                    vec![
                        crate::clock::fmt_utc(h.at_ms),
                        h.probes.to_string(),
                        h.failed.to_string(),
                        crate::format::fmt_ms(h.p50_ms),
                        crate::format::fmt_ms(h.p95_ms),
                    ]
                })
                .collect(),
            notes: std::iter::once(totals(target, s))
                .chain(served_changes(s).into_iter().map(|(at, was, now)| {
                    format!(
                        "served by {now} from {} (was {was})",
                        crate::clock::fmt_utc(at)
                    )
                }))
                .collect(),
            charts: lines("TTFT by hour", "hours since the first probe", "ms", &series)
                .into_iter()
                .collect(),
        });
    }
    tables(&page, session.key.as_ref())
}

fn nothing(session: &Session) -> String {
    format!("No watch probes on {} in that time.", session.gateway_id())
}

//! `gatebench ladder`: the same question with growing context, per model: TTFT, total, cost and
//! whether the answer found the needle; a table and text charts, or `--json`.

use clap::Args;

use crate::answer::PriceBook;
use crate::gateway::wire::ModelInfo;
use crate::ladder::{self, Ladder, Step};
use crate::route::Route;
use crate::session::Session;

#[derive(Debug, Args)]
pub struct LadderArgs {
    /// Model to climb (repeatable). Default: the profile's default models.
    #[arg(short = 'm', long = "model")]
    pub models: Vec<String>,
    /// Context sizes in tokens, smallest first: `1k,8k,32k,128k` (a full path: one value, not many).
    #[arg(long, default_value = "1k,8k,32k,128k", value_parser = ladder::parse_sizes)]
    pub sizes: ::std::vec::Vec<u64>,
    /// Text to fill the context with, repeated as needed (default: built-in neutral prose).
    #[arg(long, value_name = "FILE")]
    pub filler: Option<String>,
    /// The fact hidden in the filler.
    #[arg(long, default_value = ladder::DEFAULT_NEEDLE)]
    pub needle: String,
    /// The question asked after the filler.
    #[arg(long, default_value = ladder::DEFAULT_QUESTION)]
    pub question: String,
    /// What the answer must contain to count as found (default: the needle's last word).
    #[arg(long)]
    pub expect: Option<String>,
    /// Where the needle sits: 0 the start, 1 the end.
    #[arg(long, default_value_t = 0.5, value_parser = depth)]
    pub depth: f64,
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: u32,
    /// Send even the steps that do not fit a model's listed context window.
    #[arg(long)]
    pub force: bool,
    /// Print the ladder as JSON instead of a table and charts.
    #[arg(long)]
    pub json: bool,
    /// `text` (a table and charts), `json`, or `html` (one self-contained page).
    #[arg(long, value_enum, conflicts_with = "json")]
    pub format: Option<super::page::PageFormat>,
    /// Refuse the ladder (exit 3) when its worst-case spend is more than this many USD.
    #[arg(long, value_name = "USD", value_parser = super::bench::args::parse_money)]
    pub max_spend: Option<f64>,
    /// Climb without asking when the worst case is more than the credits the gateway says are left.
    #[arg(long)]
    pub yes: bool,
}

fn depth(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|d| (0.0..=1.0).contains(d))
        .ok_or_else(|| format!("{s:?} is not a depth: a number from 0 (start) to 1 (end)"))
}

fn read_filler(path: Option<&str>) -> anyhow::Result<String> {
    let Some(p) = path else {
        return Ok(String::new());
    };
    let a = crate::attach::load(p, crate::attach::Limits::default(), true)
        .map_err(|e| anyhow::anyhow!("--filler {e}"))?;
    Ok(a.files
        .into_iter()
        .map(|f| f.text)
        .collect::<Vec<_>>()
        .join("\n\n"))
}

/// What the ladder will spend at most: each size's context and question in, `max_tokens` out, on
/// every model; refused or asked about as `bench` is.
async fn check_spend(
    session: &Session,
    args: &LadderArgs,
    routes: &[Route],
    listed: &[ModelInfo],
    prices: &PriceBook,
) -> Result<crate::bench::estimate::Spend, i32> {
    use crate::bench::estimate::{Known, estimate_shapes, ladder_shapes};
    let shapes = ladder_shapes(&args.sizes, &args.question, args.max_tokens);
    let targets: Vec<_> = routes.iter().map(crate::bench::run::Target::of).collect();
    let known = Known::new(prices.clone(), listed, session.typical_output(None));
    let spend = estimate_shapes(&shapes, 1, &targets, &known);
    let limit = super::spend::Limit {
        max_spend: args.max_spend,
        yes: args.yes,
        per: "",
    };
    match super::spend::check(&limit, &spend, session).await {
        Some(code) => Err(code),
        None => Ok(spend),
    }
}

pub async fn run(session: &Session, args: &LadderArgs) -> anyhow::Result<i32> {
    let filler = read_filler(args.filler.as_deref())?;
    let routes: Vec<Route> = session
        .targets(&args.models, &[])?
        .into_iter()
        .map(|t| t.route)
        .collect();
    let stop = super::Stop::listen();
    let listed: Vec<ModelInfo> = {
        let client = session.client.clone();
        super::price_list(
            tokio::spawn(async move { client.models().await.unwrap_or_default() }),
            &stop,
        )
        .await
    };
    let prices = PriceBook::new(&listed, &session.config.prices);
    let plan = ladder::run::Plan {
        filler,
        expect: args
            .expect
            .clone()
            .unwrap_or_else(|| ladder::expected(&args.needle)),
        needle: args.needle.clone(),
        question: args.question.clone(),
        depth: args.depth,
        sizes: args.sizes.clone(),
        max_tokens: args.max_tokens,
        force: args.force,
    };
    let spend = match check_spend(session, args, &routes, &listed, &prices).await {
        Ok(spend) => spend,
        Err(code) => {
            stop.done();
            return Ok(code);
        }
    };
    let mut out = Ladder::new(&plan, routes.iter().map(|r| r.name.clone()).collect());
    let n = args.sizes.len();
    ladder::run::climb(
        &session.client,
        &routes,
        &listed,
        &prices,
        &plan,
        &stop.cancel,
        |ev| match ev {
            ladder::run::Event::Size {
                index,
                size,
                tokens,
            } => eprintln!(
                "step {}/{n}: {} tokens (~{} sent)",
                index + 1,
                crate::format::fmt_ctx(size),
                crate::format::thousands(tokens)
            ),
            ladder::run::Event::Step(step) => out.steps.push(step),
        },
    )
    .await;
    stop.done();
    // A step not sent or failed before an answer cost nothing; an answer of no known price makes
    // the total unknown.
    let spent: Option<f64> = out
        .steps
        .iter()
        .map(|s| s.cost_usd.or(s.skipped.as_ref().map(|_| 0.0)))
        .sum();
    eprintln!("{}", spend.against(spent));
    print(&out, super::page::chosen(args.json, args.format))?;
    Ok(stop.code().unwrap_or(0))
}

/// A chart: its title, the value plotted, and how its axis is written.
type Plot = (
    &'static str,
    fn(&Step) -> Option<f64>,
    fn(Option<f64>) -> String,
);

fn print(l: &Ladder, format: super::page::PageFormat) -> anyhow::Result<()> {
    use super::page::PageFormat;
    match format {
        PageFormat::Json => {
            println!("{}", serde_json::to_string_pretty(l)?);
            return Ok(());
        }
        PageFormat::Html => {
            print!("{}", html(l));
            return Ok(());
        }
        PageFormat::Text => {}
    }
    let mut text = l.table();
    let series = |f: fn(&Step) -> Option<f64>| -> Vec<(String, Vec<(f64, f64)>)> {
        l.models
            .iter()
            .map(|m| (m.clone(), l.series(m, f)))
            .collect()
    };
    let charts: [Plot; 2] = [
        (
            "TTFT against input tokens",
            |s| s.ttft_ms,
            crate::format::fmt_ms,
        ),
        (
            "Cost per request against input tokens",
            |s| s.cost_usd,
            crate::format::fmt_usd,
        ),
    ];
    for (title, value, fmt) in charts {
        text.push('\n');
        text.push_str(&ladder::chart::text(title, &series(value), 60, 10, |v| {
            fmt(Some(v))
        }));
    }
    print!("{}", crate::clean::terminal_safe(&text));
    Ok(())
}

/// The ladder as one HTML page: its table and a chart per figure.
fn html(l: &Ladder) -> String {
    use crate::report::charts::{Series, lines};
    let rows = l.rows();
    let series = |f: fn(&Step) -> Option<f64>| -> Vec<Series> {
        l.models
            .iter()
            .map(|m| Series {
                name: m.clone(),
                points: l.series(m, f),
            })
            .collect()
    };
    let charts = [
        lines(
            "TTFT against input tokens",
            "input tokens",
            "ms",
            &series(|s| s.ttft_ms),
        ),
        lines(
            "cost per request against input tokens",
            "input tokens",
            "USD",
            &series(|s| s.cost_usd),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    let page = crate::report::TablesPage {
        title: "Context ladder".into(),
        settings: vec![("models".into(), l.models.join(", "))],
        tables: vec![crate::report::Table {
            heading: "Each size of context".into(),
            columns: rows[0].to_vec(),
            rows: rows[1..].iter().map(|r| r.to_vec()).collect(),
            notes: vec!["needle: whether the answer held the fact placed in the context".into()],
            charts,
        }],
    };
    crate::report::tables(&page, None)
}

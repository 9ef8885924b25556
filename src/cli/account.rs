//! `gatebench account`: what the gateway says about the key's account (credits or budget left,
//! spend, limits, free tier, expiry), as text or JSON.

use clap::Args;

use crate::format::fmt_money;
use crate::gateway::account::{self, Account, AccountApi, AccountReport};
use crate::session::Session;

#[derive(Debug, Args)]
pub struct AccountArgs {
    /// Print JSON (`{"status": "reported", ...}` or `{"status": "not_reported", ...}`).
    #[arg(long)]
    pub json: bool,
}

pub async fn run(session: &Session, args: &AccountArgs) -> anyhow::Result<i32> {
    let api = session.profile.account;
    if api == AccountApi::None {
        let report = AccountReport::NotReported {
            tried: vec![],
            note: None,
        };
        return print(&report, args, "the profile says account = \"none\"");
    }
    let report = account::fetch(&session.client, api, session.management_key.as_ref()).await?;
    print(&report, args, "")
}

fn print(report: &AccountReport, args: &AccountArgs, why: &str) -> anyhow::Result<i32> {
    if args.json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(0);
    }
    match report {
        AccountReport::Reported(a) => print!("{}", text(a)),
        AccountReport::NotReported { tried, .. } if tried.is_empty() => {
            println!("No account figures asked for: {why}.")
        }
        AccountReport::NotReported { tried, note } => println!(
            "This gateway reports no account data (asked {}: {}). Costs are still computed from \
             token counts and prices.",
            tried.join(", "),
            note.as_deref().unwrap_or("not found")
        ),
    }
    Ok(0)
}

/// The account as aligned lines, figures the gateway gave and nothing else.
pub fn text(a: &Account) -> String {
    let usd = |v: Option<f64>| v.map(fmt_money);
    let rows: Vec<(&str, Option<String>)> = vec![
        ("source", Some(a.source.clone())),
        ("key", a.label.clone()),
        ("left", usd(a.left_usd)),
        ("limit", usd(a.limit_usd)),
        ("credits bought", usd(a.credits_usd)),
        ("spent", usd(a.spent_usd)),
        ("today", usd(a.spent_today_usd)),
        ("this week", usd(a.spent_week_usd)),
        ("this month", usd(a.spent_month_usd)),
        ("resets", a.resets.clone()),
        (
            "free tier",
            a.free_tier
                .map(|f| if f { "yes" } else { "no" }.to_string()),
        ),
        ("requests/min", a.requests_per_minute.map(|v| v.to_string())),
        ("tokens/min", a.tokens_per_minute.map(|v| v.to_string())),
        ("rate limit", a.rate_limit.clone()),
        ("expires", a.expires.clone()),
        (
            "models",
            (!a.models.is_empty()).then(|| a.models.join(", ")),
        ),
    ];
    let mut out = String::new();
    for (name, value) in rows {
        if let Some(v) = value {
            out.push_str(&format!("{name:>15}  {v}\n"));
        }
    }
    for n in &a.notes {
        out.push_str(&format!("{:>15}  {n}\n", "note"));
    }
    out
}

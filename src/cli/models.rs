use clap::Args;
use serde::Serialize;

use crate::format::fmt_ctx;
use crate::session::Session;

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ModelRow<'a> {
    id: &'a str,
    context_length: Option<u64>,
    input_per_mtok: Option<f64>,
    output_per_mtok: Option<f64>,
    cached_input_per_mtok: Option<f64>,
    owned_by: Option<&'a str>,
}

pub async fn run(session: &Session, args: &ModelsArgs) -> anyhow::Result<i32> {
    let models = session.client.models().await?;
    if args.json {
        let rows: Vec<ModelRow> = models
            .iter()
            .map(|m| ModelRow {
                id: &m.id,
                context_length: m.context_length,
                input_per_mtok: m.prices.input,
                output_per_mtok: m.prices.output,
                cached_input_per_mtok: m.prices.cached_input,
                owned_by: m.owned_by.as_deref(),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(0);
    }
    if models.is_empty() {
        println!("The gateway lists no models for this key.");
        return Ok(0);
    }
    let price = |p: Option<f64>| p.map_or("?".to_string(), |v| format!("{v:.2}"));
    let mut rows = vec![["model", "context", "input $/M", "output $/M"].map(String::from)];
    for m in &models {
        rows.push([
            m.id.clone(),
            m.context_length.map_or("?".to_string(), fmt_ctx),
            price(m.prices.input),
            price(m.prices.output),
        ]);
    }
    use crate::format::Align::{Left, Right};
    print!(
        "{}",
        crate::format::text_table(&rows, &[Left, Right, Right, Right])
    );
    Ok(0)
}

use std::io::Write;

use clap::Args;

use crate::demo::{self, DemoConfig};

#[derive(Debug, Args)]
pub struct DemoGatewayArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

pub async fn run(args: &DemoGatewayArgs, cfg: DemoConfig) -> anyhow::Result<i32> {
    let handle = demo::spawn(DemoConfig {
        port: args.port,
        ..cfg
    })
    .await
    .map_err(|e| anyhow::anyhow!("cannot listen on 127.0.0.1:{}: {e}", args.port))?;
    let mut out = std::io::stdout().lock();
    // The first line is machine-readable: scripts and tests read the URL from it.
    writeln!(out, "demo gateway listening on {}", handle.base_url)?;
    writeln!(out, "key: {}", handle.key)?;
    writeln!(
        out,
        "try: GATEBENCH_DEMO_KEY={} gatebench --base-url {} --api-key-env GATEBENCH_DEMO_KEY models",
        handle.key, handle.base_url
    )?;
    writeln!(out, "press Ctrl-C to stop")?;
    out.flush()?;
    drop(out);
    tokio::signal::ctrl_c().await?;
    handle.stop();
    Ok(0)
}

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
    // The first line is machine-readable: scripts and tests read the URL from it. Write errors
    // (a reader that went away) must not stop the server, so they are ignored.
    let banner = format!(
        "demo gateway listening on {url}\nkey: {key}\n\
         try: GATEBENCH_DEMO_KEY={key} gatebench --base-url {url} --api-key-env GATEBENCH_DEMO_KEY models\n\
         press Ctrl-C to stop\n",
        url = handle.base_url,
        key = handle.key
    );
    let mut out = std::io::stdout();
    let _ = out.write_all(banner.as_bytes()).and_then(|_| out.flush());
    tokio::signal::ctrl_c().await?;
    handle.stop();
    Ok(0)
}

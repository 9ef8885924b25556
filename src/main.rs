use clap::Parser;

use gatebench::cli::{
    Cli, Command, account, ask, bench, demo_gateway, history, leaderboard, models, rehearse, shell,
};
use gatebench::session::Session;

fn main() {
    let cli = Cli::parse();
    // The workbench's event loop runs on one thread; its requests run on a network thread of their
    // own (see `tui::net_runtime`).
    let builder = if cli.command.is_none() {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(2);
        b
    };
    let rt = match { builder }.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    // Dropping the runtime waits on blocking tasks such as a stdin read; exit straight away.
    std::process::exit(code);
}

async fn run(cli: Cli) -> anyhow::Result<i32> {
    // These work whatever the config says (checking it is one of them).
    match &cli.command {
        Some(Command::Completions(args)) => return shell::completions(args),
        Some(Command::Man) => return shell::man(),
        Some(Command::Config(cmd)) => return shell::config(cmd, cli.global.config.as_deref()),
        Some(Command::History(history::HistoryArgs { command: Some(c) })) => {
            return history::run(&cli.global, c);
        }
        Some(Command::Export(args)) => return history::export(&cli.global, args),
        Some(Command::Leaderboard(args)) => return leaderboard::run(&cli.global, args),
        Some(Command::Bench(b)) if b.command.is_some() => {
            if let Some(c) = &b.command {
                return bench::command(&cli.global, c);
            }
        }
        _ => {}
    }
    let cfg = cli.global.load_config()?;
    let demo_cfg = cli.global.demo_config(&cfg)?;
    match &cli.command {
        Some(Command::DemoGateway(args)) => demo_gateway::run(args, demo_cfg).await,
        Some(
            Command::Completions(_)
            | Command::Man
            | Command::Config(_)
            | Command::Export(_)
            | Command::Leaderboard(_)
            | Command::History(history::HistoryArgs { command: Some(_) }),
        ) => Ok(0),
        Some(Command::Account(args)) => {
            let session = Session::open(cfg, &cli.global.selection(), demo_cfg).await?;
            eprintln!("{}", session.describe());
            account::run(&session, args).await
        }
        Some(Command::Models(args)) => {
            let session = Session::open(cfg, &cli.global.selection(), demo_cfg).await?;
            eprintln!("{}", session.describe());
            models::run(&session, args).await
        }
        Some(Command::Bench(args)) => {
            let session = Session::open(cfg, &cli.global.selection(), demo_cfg).await?;
            eprintln!("{}", session.describe());
            let writer = recorder(&cli, &session);
            let code = bench::run(&session, &args.run, writer.as_ref()).await;
            flushed(writer);
            code
        }
        Some(Command::Ladder(args)) => {
            let session = Session::open(cfg, &cli.global.selection(), demo_cfg).await?;
            eprintln!("{}", session.describe());
            gatebench::cli::ladder::run(&session, args).await
        }
        Some(Command::Watch(args)) => {
            let session = Session::open(cfg, &cli.global.selection(), demo_cfg).await?;
            eprintln!("{}", session.describe());
            let writer = recorder(&cli, &session);
            let reload = || cli.global.load_config();
            let code = gatebench::cli::watch::run(&session, args, writer.as_ref(), reload).await;
            flushed(writer);
            code
        }
        Some(Command::Probe(args)) => {
            let session = Session::open(cfg, &cli.global.selection(), demo_cfg).await?;
            eprintln!("{}", session.describe());
            let writer = recorder(&cli, &session);
            let code = gatebench::cli::probe::run(&session, args, writer.as_ref()).await;
            flushed(writer);
            code
        }
        Some(Command::Rehearse(args)) => {
            let session = Session::open(cfg, &cli.global.selection(), demo_cfg).await?;
            eprintln!("{}", session.describe());
            rehearse::run(&session, args).await
        }
        Some(Command::Ask(args)) => {
            let session = Session::open(cfg, &cli.global.selection(), demo_cfg).await?;
            eprintln!("{}", session.describe());
            let writer = match cli.global.history_writer(
                &session.config,
                session.key.clone(),
                Box::new(|e| eprintln!("warning: {e}")),
            ) {
                Ok(w) => Some(w),
                Err(why) => {
                    if cli.global.history_off(&session.config).is_none() {
                        eprintln!("note: {why}");
                    }
                    None
                }
            };
            ask::run(&session, args, writer).await
        }
        None | Some(Command::History(history::HistoryArgs { command: None })) => {
            let mut distinct: Vec<&String> = Vec::new();
            for m in &cli.models {
                if !distinct.contains(&m) {
                    distinct.push(m);
                }
            }
            if distinct.len() > gatebench::app::MAX_PANES {
                anyhow::bail!(
                    "{} models named with -m; the workbench shows at most {} at once",
                    distinct.len(),
                    gatebench::app::MAX_PANES
                );
            }
            gatebench::tui::need_terminal()?;
            // The network (and an in-process demo gateway) runs on a thread of its own.
            let net = gatebench::tui::net_runtime()?;
            let sel = cli.global.selection();
            let cfg_for_history = cfg.clone();
            let tools = gatebench::cli::agent::load(
                cli.agent.tools.as_deref(),
                cli.agent.tool_stubs.as_deref(),
                &cfg,
            )?
            .map(|(set, stubs)| gatebench::app::agent::Tools {
                set,
                stubs,
                max_steps: cli.agent.max_steps,
            });
            let session = net
                .spawn(async move { Session::open(cfg, &sel, demo_cfg).await })
                .await??;
            let r = gatebench::tui::run(
                session,
                net.handle().clone(),
                &cli.models,
                (cli.theme.as_deref(), cli.raw),
                tools,
                gatebench::tui::HistoryPlan {
                    data_dir: cli.global.data_dir.clone(),
                    off: cli.global.history_off(&cfg_for_history),
                    resume: cli.resume,
                    open_view: matches!(cli.command, Some(Command::History(_))),
                },
            )
            .await;
            net.shutdown_background();
            r
        }
    }
}

/// The history writer of a headless command that records (`None` when history is off or cannot
/// start: said on stderr, and the command runs on).
fn recorder(cli: &Cli, session: &Session) -> Option<gatebench::history::Writer> {
    cli.global
        .history_writer(
            &session.config,
            session.key.clone(),
            Box::new(|e| eprintln!("warning: {e}")),
        )
        .ok()
}

/// Let the writer store what it was sent before the command exits.
fn flushed(writer: Option<gatebench::history::Writer>) {
    if let Some(w) = writer {
        w.flush(std::time::Duration::from_secs(5));
    }
}

//! The shell around the tool: completions, the man page, and `config path|check`.

use std::io::Write;

use clap::{Args, CommandFactory, Subcommand, ValueEnum};

use super::Cli;
use crate::app::keymap::Keymap;
use crate::config::{self, BUILTIN, Env, ProcessEnv, Selection};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    pub shell: Shell,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print where the config file is read from (and whether it exists).
    Path,
    /// Load the config and check every profile, route and key binding; exit 1 on any problem.
    Check,
    /// The workbench's keys as this config binds them (`--defaults`: as shipped).
    Keys {
        /// A Markdown table (the one in docs/src/keys.md).
        #[arg(long)]
        markdown: bool,
        /// The keys as shipped, ignoring the config's `[keys]`.
        #[arg(long)]
        defaults: bool,
    },
}

/// `gatebench completions SHELL`: a completion script on stdout.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<i32> {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "gatebench",
        &mut std::io::stdout(),
    );
    Ok(0)
}

/// `gatebench man`: the man page (roff) on stdout.
pub fn man() -> anyhow::Result<i32> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    std::io::stdout().write_all(&out)?;
    Ok(0)
}

pub fn config(cmd: &ConfigCommand, explicit: Option<&std::path::Path>) -> anyhow::Result<i32> {
    let path = explicit
        .map(std::path::Path::to_path_buf)
        .or_else(config::default_path);
    match cmd {
        ConfigCommand::Path => {
            match &path {
                Some(p) if p.exists() => println!("{}", p.display()),
                Some(p) => println!("{} (not there: defaults apply)", p.display()),
                None => println!("(no config directory on this platform: defaults apply)"),
            }
            Ok(0)
        }
        ConfigCommand::Keys { markdown, defaults } => {
            let keys = if *defaults {
                Default::default()
            } else {
                config::load(explicit)?.0.keys
            };
            let map = crate::app::keymap::Keymap::new(&keys).map_err(anyhow::Error::msg)?;
            print!(
                "{}",
                if *markdown {
                    map.markdown_table()
                } else {
                    map.text_table()
                }
            );
            Ok(0)
        }
        ConfigCommand::Check => {
            let report = check(explicit, &ProcessEnv);
            for line in &report.lines {
                println!("{line}");
            }
            for p in &report.problems {
                eprintln!("problem: {p}");
            }
            if report.problems.is_empty() {
                println!("ok: no problems");
                Ok(0)
            } else {
                eprintln!("{} problem(s)", report.problems.len());
                Ok(1)
            }
        }
    }
}

/// What `config check` found: lines to show, and every problem.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<String>,
    pub problems: Vec<String>,
}

pub fn check(explicit: Option<&std::path::Path>, env: &dyn Env) -> Report {
    let mut r = Report::default();
    let (cfg, path) = match config::load(explicit) {
        Ok(x) => x,
        Err(e) => {
            r.problems.push(e.to_string());
            return r;
        }
    };
    r.lines.push(match &path {
        Some(p) => format!("config: {}", p.display()),
        None => "config: none (defaults)".to_string(),
    });
    let mut names: Vec<String> = BUILTIN.iter().map(|b| b.0.to_string()).collect();
    names.extend(
        cfg.profiles
            .keys()
            .filter(|k| !names.contains(k))
            .cloned()
            .collect::<Vec<_>>(),
    );
    for name in names {
        let sel = Selection {
            profile: Some(name.clone()),
            ..Default::default()
        };
        match config::resolve(&cfg, &sel, env) {
            Ok(p) => {
                let url = p.base_url.as_deref().unwrap_or("(built-in demo gateway)");
                let key = match &p.api_key_env {
                    Some(v) if env.var(v).is_some() => format!("key in ${v}: set"),
                    Some(v) => format!("key in ${v}: not set"),
                    None => "no key".to_string(),
                };
                r.lines.push(format!("profile {name}: {url} · {key}"));
            }
            Err(e) => r.problems.push(format!("profile {name}: {e}")),
        }
    }
    match cfg.routes(true) {
        Ok(routes) => {
            for (name, route) in routes {
                let rules: Vec<String> = route
                    .rules
                    .iter()
                    .map(|x| format!("{} => {}", x.name, x.model))
                    .collect();
                let rules = if rules.is_empty() {
                    String::new()
                } else {
                    format!(" (rules: {})", rules.join("; "))
                };
                r.lines
                    .push(format!("route {name}: {}{rules}", route.chain.join(" -> ")));
            }
        }
        Err(e) => r.problems.push(e.to_string()),
    }
    match cfg.tool_set() {
        Ok(Some(t)) => {
            let names: Vec<&str> = t.tools.iter().map(|x| x.name.as_str()).collect();
            r.lines.push(format!("tools: {}", names.join(", ")));
        }
        Ok(None) => {}
        Err(e) => r.problems.push(e.to_string()),
    }
    match Keymap::new(&cfg.keys) {
        Ok(_) => r.lines.push(format!(
            "keys: {} override(s) of the defaults",
            cfg.keys.len()
        )),
        // The key map names the table itself.
        Err(e) => r.problems.push(e),
    }
    r
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn check_reports_every_problem_and_never_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "[profiles.mine]\nbase_url = \"ftp://nope\"\n\n[routes.r]\nchain = []\n\n[keys]\nsend = \"ctrl-\"\n\n[tools.bad]\nparameters = 3\n",
        )
        .unwrap();
        let env: BTreeMap<String, String> = [(
            "OPENAI_API_KEY".to_string(),
            "sk-secret-value-123456".to_string(),
        )]
        .into();
        let r = check(Some(&path), &env);
        let all = format!("{:?}", r);
        assert!(!all.contains("sk-secret-value"), "{all}");
        assert!(
            r.lines
                .iter()
                .any(|l| l.contains("profile openai") && l.contains("$OPENAI_API_KEY: set")),
            "{all}"
        );
        assert!(
            r.lines
                .iter()
                .any(|l| l.contains("profile openrouter") && l.contains("not set")),
            "{all}"
        );
        assert_eq!(r.problems.len(), 4, "{all}");
        assert!(
            r.problems
                .iter()
                .any(|p| p.contains("mine") && p.contains("http")),
            "{all}"
        );
        assert!(
            r.problems.iter().any(|p| p.contains("chain is empty")),
            "{all}"
        );
        assert!(r.problems.iter().any(|p| p.contains("[keys]")), "{all}");
        assert!(
            r.problems.iter().any(|p| p.contains("[tools]: tool bad")),
            "{all}"
        );
        // A broken file is one problem with its line.
        std::fs::write(&path, "budget_usd = \n").unwrap();
        let r = check(Some(&path), &env);
        assert_eq!(r.problems.len(), 1);
        assert!(r.problems[0].contains("line 1"), "{:?}", r.problems);
    }
}

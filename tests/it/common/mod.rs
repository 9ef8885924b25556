//! Test scaffolding shared by the integration tests: the demo gateway process, tmux, raw servers,
//! replays, and what a test does when something outside the repository is missing.

pub mod demo;
pub mod raw;
pub mod replay;
pub mod tmux;

/// Set by `scripts/test.sh` (and so CI): every part must be there, and a missing one fails.
pub const FULL_SUITE: &str = "GATEBENCH_FULL_SUITE";

/// Whether a test that needs `what` may run. When it is missing (`why`), a plain `cargo test`
/// skips the test and says so on the terminal (past the test harness's capture); under
/// `scripts/test.sh` the test fails instead.
pub fn needs(what: &str, missing: Option<String>) -> bool {
    let Some(why) = missing else { return true };
    if std::env::var_os(FULL_SUITE).is_some() {
        panic!("{what} is needed and missing: {why}");
    }
    skipped(
        what,
        &format!("{why}; ./scripts/test.sh installs and starts it"),
    );
    false
}

/// Say on the terminal, past the test harness's capture, that a test did not run and why.
pub fn skipped(what: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped ({what}): {why}");
}

/// Whether tmux runs here; tests that drive the workbench in it skip or fail without it.
pub fn tmux_ready() -> bool {
    let ok = std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    needs("tmux", (!ok).then(|| "tmux is not installed".to_string()))
}

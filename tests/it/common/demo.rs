//! `gatebench demo-gateway` as its own process, for tests of the binary: started on a free port,
//! its banner read for the URL and key, killed when dropped.

use std::io::{BufRead, BufReader, Lines};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_gatebench");

pub struct DemoProcess {
    child: Child,
    // Kept open: the server keeps writing to it.
    _stdout: Lines<BufReader<ChildStdout>>,
    pub base_url: String,
    pub key: String,
}

impl Drop for DemoProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start the demo gateway with `args` after `demo-gateway --port 0`, in a clean home.
pub fn start_demo(home: &Path, args: &[&str]) -> DemoProcess {
    let mut child = Command::new(BIN)
        .args(["demo-gateway", "--port", "0"])
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("GATEBENCH_DEMO_SPEED", "inf")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let second = lines.next().and_then(Result::ok).unwrap_or_default();
    // Guarded before parsing, so a failing assertion cannot leak the server.
    let mut demo = DemoProcess {
        child,
        _stdout: lines,
        base_url: String::new(),
        key: String::new(),
    };
    demo.base_url = first
        .strip_prefix("demo gateway listening on ")
        .unwrap_or_else(|| panic!("unexpected first line of the demo gateway: {first:?}"))
        .to_string();
    demo.key = second
        .strip_prefix("key: ")
        .unwrap_or_else(|| panic!("unexpected second line of the demo gateway: {second:?}"))
        .to_string();
    demo
}

impl DemoProcess {
    /// `gatebench ARGS` against this gateway, in a clean `home` (no user config, no real key),
    /// with its history under `home/data`.
    #[allow(dead_code)] // not every test file runs commands this way
    pub fn gatebench(&self, home: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(["--data-dir", home.join("data").to_str().unwrap()])
            .args(["--base-url", &self.base_url, "--api-key-env", "GB_DEMO_KEY"])
            .args(args)
            .current_dir(home)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env_remove("INFERGATE_API_KEY")
            .env_remove("GATEBENCH_DATA_DIR")
            .env("GB_DEMO_KEY", &self.key);
        c
    }
}

/// A finished command: exit code, stdout, stderr.
#[allow(dead_code)]
pub fn run(mut c: Command) -> (i32, String, String) {
    let o = c.output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        o.status.code().unwrap_or(-1),
        text(&o.stdout),
        text(&o.stderr),
    )
}

/// `gatebench ARGS` in a clean `home` (no user config, no real key, its history under
/// `home/data`): exit code, stdout, stderr.
#[allow(dead_code)]
pub fn in_home(home: &Path, args: &[&str]) -> (i32, String, String) {
    let mut c = Command::new(BIN);
    c.args(["--data-dir", home.join("data").to_str().unwrap()])
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("INFERGATE_API_KEY");
    run(c)
}

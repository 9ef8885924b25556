//! `gatebench watch` run for real: scraped by a real Prometheus, stopped by SIGTERM, reloaded by
//! SIGHUP.

use std::process::Command;

use serde_json::Value;

use super::watch::gatebench;

const BIN: &str = env!("CARGO_BIN_EXE_gatebench");

/// A free loopback port (bound and let go).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills a child process when dropped, so a failed test leaves nothing running.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_real_prometheus_scrapes_the_watch_and_its_api_returns_the_series() {
    let found = Command::new("prometheus")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !crate::common::needs(
        "prometheus",
        (!found).then(|| "prometheus is not installed".to_string()),
    ) {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (metrics, api) = (free_port(), free_port());
    let cfg = home.path().join("prometheus.yml");
    std::fs::write(
        &cfg,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: gatebench\n    \
             static_configs:\n      - targets: ['127.0.0.1:{metrics}']\n"
        ),
    )
    .unwrap();
    let _prometheus = Child(
        Command::new("prometheus")
            .arg(format!("--config.file={}", cfg.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                home.path().join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{api}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let _watch = Child(
        Command::new(BIN)
            .args(["--data-dir", home.path().join("data").to_str().unwrap()])
            .args([
                "watch",
                "--demo",
                "--demo-speed",
                "inf",
                "-m",
                "demo/fast-mini",
                "--every",
                "100ms",
            ])
            .args(["--metrics-addr", &format!("127.0.0.1:{metrics}")])
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env_remove("INFERGATE_API_KEY")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Ask Prometheus until the series is there (a deadline, not a sleep: it comes when it comes).
    let query = format!("http://127.0.0.1:{api}/api/v1/query?query=gatebench_watch_requests_total");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let series = loop {
        let got = Command::new("curl")
            .args(["-s", "--max-time", "2", &query])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&got.stdout).unwrap_or(Value::Null);
        let result = v["data"]["result"].as_array().cloned().unwrap_or_default();
        if let Some(r) = result
            .into_iter()
            .find(|r| r["value"][1].as_str().is_some_and(|n| n != "0"))
        {
            break r;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no series from Prometheus: {v}"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    };
    assert_eq!(series["metric"]["target"], "demo/fast-mini", "{series}");
    assert_eq!(series["metric"]["job"], "gatebench");
    // The histograms and the credits gauge are there too.
    let text = Command::new("curl")
        .args(["-s", &format!("http://127.0.0.1:{metrics}/metrics")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("gatebench_watch_ttft_seconds_bucket{"),
        "{text}"
    );
    assert!(text.contains("gatebench_watch_credits_left_usd"), "{text}");
}

#[test]
fn sigterm_lets_the_probe_in_flight_finish_keeps_it_and_exits_143() {
    use std::io::BufRead;
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["--data-dir", home.path().join("data").to_str().unwrap()])
        .args([
            "watch",
            "--demo",
            "--demo-speed",
            "5",
            "-m",
            "demo/pro-large",
            "--every",
            "10ms",
        ])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env_remove("INFERGATE_API_KEY")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("demo/pro-large  ok"), "{first}");
    // The next probe is in flight now: SIGTERM lets it finish.
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143), "{rest:?}");
    let (_, report, _) = gatebench(home.path(), &["watch", "--demo", "report", "--since", "1h"]);
    let kept = 1 + rest.iter().filter(|l| l.contains("  ok  ")).count();
    assert!(
        report.contains(&format!("demo/pro-large: {kept} probes, 0 failed")),
        "{kept} probes printed, report: {report}"
    );
}

#[test]
fn sighup_reloads_the_watch_table_and_a_broken_config_keeps_the_old_one() {
    use std::io::BufRead;
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("gatebench.toml");
    let write = |text: &str| std::fs::write(&cfg, text).unwrap();
    write("[watch]\ntargets = [\"demo/fast-mini\"]\ninterval = \"20ms\"\n");
    let mut child = Command::new(BIN)
        .args(["--config", cfg.to_str().unwrap()])
        .args(["--data-dir", home.path().join("data").to_str().unwrap()])
        .args(["watch", "--demo", "--demo-speed", "inf", "--rounds", "200"])
        .env("HOME", home.path())
        .env_remove("INFERGATE_API_KEY")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let hup = || {
        assert!(
            Command::new("kill")
                .args(["-HUP", &pid])
                .status()
                .unwrap()
                .success()
        )
    };
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("demo/fast-mini  ok"), "{first}");
    write("[watch]\ntargets = [\"demo/pro-large\"]\ninterval = \"20ms\"\n");
    hup();
    let switched = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.contains("demo/pro-large  ok"));
    assert!(switched, "the new target is probed after SIGHUP");
    write("[watch\ntargets = ");
    hup();
    let going_on = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.contains("demo/pro-large  ok"));
    assert!(going_on, "a broken config leaves the watch as it was");
    let status = child.wait().unwrap();
    assert!(status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        err.contains("watch: the config is reloaded (1 target(s)"),
        "{err}"
    );
}

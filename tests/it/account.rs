//! `gatebench account` and the account endpoints: the documented shapes served over loopback in
//! random pieces, a gateway that reports none, garbage, and the demo gateway's trial credits.

use std::collections::BTreeMap;
use std::sync::Arc;

use gatebench::gateway::account::{AccountApi, AccountReport, fetch};
use gatebench::gateway::{Api, GatewayError};
use gatebench::rng::SplitMix64;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::common::demo::{run, start_demo};

fn fixture(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/account");
    std::fs::read(p.join(name)).unwrap()
}

/// Serves `routes` (path -> status and body) to any number of requests, each body written in
/// random pieces; any other path is a 404.
pub(crate) async fn serve(routes: BTreeMap<&'static str, (u16, Vec<u8>)>, seed: u64) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let routes = Arc::new(routes);
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((mut sock, _)) = listener.accept().await {
            n += 1;
            let routes = routes.clone();
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => req.extend_from_slice(&buf[..k]),
                    }
                }
                let head = String::from_utf8_lossy(&req).to_string();
                let path = head.split(' ').nth(1).unwrap_or("/").to_string();
                let (status, body) = routes
                    .get(path.as_str())
                    .cloned()
                    .unwrap_or((404, br#"{"error":"not found"}"#.to_vec()));
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                sock.write_all(head.as_bytes()).await.unwrap();
                let mut rng = SplitMix64::new(seed ^ n);
                let mut rest = &body[..];
                while !rest.is_empty() {
                    let k = (1 + rng.below(40)).min(rest.len());
                    let _ = sock.write_all(&rest[..k]).await;
                    let _ = sock.flush().await;
                    rest = &rest[k..];
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}/v1")
}

async fn report(
    routes: BTreeMap<&'static str, (u16, Vec<u8>)>,
    api: AccountApi,
    seed: u64,
) -> Result<AccountReport, GatewayError> {
    let url = serve(routes, seed).await;
    fetch(&crate::common::replay::client(url, Api::Chat), api, None).await
}

fn reported(r: Result<AccountReport, GatewayError>) -> gatebench::gateway::account::Account {
    match r {
        Ok(AccountReport::Reported(a)) => *a,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn openrouter_key_and_credits_at_any_split() {
    for seed in 1..=4 {
        let routes = BTreeMap::from([
            ("/v1/key", (200, fixture("openrouter-key.json"))),
            ("/v1/credits", (200, fixture("openrouter-credits.json"))),
        ]);
        let a = reported(report(routes, AccountApi::Auto, seed).await);
        assert_eq!(a.source, "openrouter /key");
        assert_eq!((a.limit_usd, a.spent_usd), (Some(25.0), Some(6.3769)));
        assert_eq!(a.spent_today_usd, Some(0.412));
        assert_eq!(a.spent_month_usd, Some(6.3769));
        assert_eq!(a.credits_usd, Some(50.0));
        // The key's own limit left (18.6231) is tighter than the account's balance (9.75)? No:
        // the balance is, and it is what a user can still spend.
        assert_eq!(a.left_usd, Some(9.75));
        assert_eq!(
            (a.free_tier, a.resets.as_deref()),
            (Some(false), Some("monthly"))
        );
        // The label holds the key's start: masked.
        let label = a.label.unwrap();
        assert!(!label.contains("0e6f44"), "{label}");
        assert!(label.starts_with("****"), "{label}");
    }
}

#[tokio::test]
async fn credits_that_need_a_management_key_say_so_and_keep_the_key_s_figures() {
    let routes = BTreeMap::from([
        ("/v1/key", (200, fixture("openrouter-key.json"))),
        (
            "/v1/credits",
            (
                403,
                br#"{"error":{"message":"management key required"}}"#.to_vec(),
            ),
        ),
    ]);
    let a = reported(report(routes, AccountApi::OpenRouter, 7).await);
    assert_eq!(a.left_usd, Some(18.6231));
    assert_eq!(a.credits_usd, None);
    assert!(
        a.notes.iter().any(|n| n.contains("management key")),
        "{:?}",
        a.notes
    );
}

#[tokio::test]
async fn litellm_key_info_flat_and_nested_at_the_origin() {
    for (seed, name) in [
        (3, "litellm-key-info-flat.json"),
        (5, "litellm-key-info-nested.json"),
    ] {
        // The proxy's base URL ends in /v1; /key/info is at its root, and /v1/key is a 404.
        let routes = BTreeMap::from([("/key/info", (200, fixture(name)))]);
        let a = reported(report(routes, AccountApi::Auto, seed).await);
        assert_eq!(a.source, "litellm /key/info");
        if name.contains("flat") {
            assert_eq!((a.spent_usd, a.limit_usd), (Some(3.2518), Some(10.0)));
            assert_eq!(a.left_usd, Some(10.0 - 3.2518));
            assert_eq!(
                (a.requests_per_minute, a.tokens_per_minute),
                (Some(60), Some(100_000))
            );
            assert_eq!(a.models, ["gpt-4o-mini", "llama-local"]);
            assert_eq!(a.label.as_deref(), Some("team-eval"));
            assert_eq!(a.expires.as_deref(), Some("2027-01-31T00:00:00Z"));
        } else {
            // No budget: spend, and nothing made up for what is left.
            assert_eq!(
                (a.spent_usd, a.limit_usd, a.left_usd),
                (Some(0.25), None, None)
            );
        }
    }
}

#[tokio::test]
async fn a_gateway_without_account_endpoints_reports_none_not_zero() {
    let r = report(BTreeMap::new(), AccountApi::Auto, 1).await.unwrap();
    assert_eq!(
        r,
        AccountReport::NotReported {
            tried: vec!["/key".into(), "/key/info".into()],
            note: None,
        }
    );
    // Asked only for LiteLLM's shape, only that is tried.
    let r = report(BTreeMap::new(), AccountApi::LiteLlm, 1)
        .await
        .unwrap();
    assert_eq!(
        r,
        AccountReport::NotReported {
            tried: vec!["/key/info".into()],
            note: None,
        }
    );
    // A LiteLLM proxy without a database answers 500 and says why: no data, said so, no error.
    let no_db = br#"{"error":{"message":"Database not connected. Connect a database to your proxy","type":"internal_server_error","code":"500"}}"#;
    let routes = BTreeMap::from([("/key/info", (500, no_db.to_vec()))]);
    match report(routes, AccountApi::Auto, 3).await.unwrap() {
        AccountReport::NotReported { note: Some(n), .. } => assert!(n.contains("database"), "{n}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn garbage_is_a_clear_error_and_impossible_money_is_left_out() {
    let html = BTreeMap::from([("/v1/key", (200, b"<html>login</html>".to_vec()))]);
    let e = report(html, AccountApi::Auto, 2).await.unwrap_err();
    assert!(e.to_string().contains("did not return JSON"), "{e}");
    let not_an_account = BTreeMap::from([("/v1/key", (200, br#"{"data": 3}"#.to_vec()))]);
    let e = report(not_an_account, AccountApi::Auto, 2)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("did not describe an account"), "{e}");
    let money = BTreeMap::from([("/v1/key", (200, fixture("garbage-money.json")))]);
    let a = reported(report(money, AccountApi::Auto, 2).await);
    assert_eq!(
        (a.limit_usd, a.left_usd, a.spent_usd, a.spent_today_usd),
        (None, None, None, None)
    );
    assert_eq!((a.free_tier, a.rate_limit.as_deref()), (None, None));
    assert_eq!(a.notes.len(), 4, "{:?}", a.notes);
    // A server error is an error, not "no account data".
    let down = BTreeMap::from([("/v1/key", (503, b"{}".to_vec()))]);
    assert!(report(down, AccountApi::Auto, 2).await.is_err());
}

#[test]
fn the_demo_account_starts_at_twenty_dollars_and_falls_as_answers_are_billed() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(home.path(), &[]);
    let left = |home: &std::path::Path| -> f64 {
        let (code, out, err) = run(demo.gatebench(home, &["account", "--json"]));
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["status"], "reported");
        v["left_usd"].as_f64().unwrap()
    };
    assert_eq!(left(home.path()), 20.0);
    let (code, out, err) = run(demo.gatebench(
        home.path(),
        &["ask", "-m", "demo/pro-large", "--json", "hello there"],
    ));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cost = v[0]["cost_usd"].as_f64().unwrap_or_else(|| panic!("{out}"));
    let after = left(home.path());
    // The gateway took off what gatebench computed (to the micro-dollar it reports).
    assert!((20.0 - after - cost).abs() < 2e-6, "{after} {cost}");
    let (_, text, _) = run(demo.gatebench(home.path(), &["account"]));
    let spent = format!("spent  {}", gatebench::format::fmt_money(cost));
    assert!(text.contains(&spent), "{spent}\n{text}");
}

#[test]
fn spent_credits_get_a_402_with_a_clear_message() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(home.path(), &["--demo-credits", "0.0001"]);
    let ask = |home: &std::path::Path| {
        run(demo.gatebench(home, &["ask", "-m", "demo/pro-large", "hello there"]))
    };
    let (code, _, err) = ask(home.path());
    assert_eq!(code, 0, "the first answer is served: {err}");
    let (code, out, err) = ask(home.path());
    assert_ne!(code, 0, "{out}");
    let all = format!("{out}{err}");
    assert!(
        all.contains("402") && all.contains("Insufficient credits"),
        "{all}"
    );
    let (_, json, _) = run(demo.gatebench(home.path(), &["account", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["left_usd"], 0.0);
}

#[test]
fn a_bench_says_what_it_will_spend_and_max_spend_refuses_it() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(home.path(), &["--demo-credits", "0.005"]);
    let bench = |extra: &[&str]| {
        let mut args = vec![
            "bench",
            "--prompt",
            "Summarise our refund policy",
            "-m",
            "demo/pro-large",
        ];
        args.extend_from_slice(extra);
        run(demo.gatebench(home.path(), &args))
    };
    // Two requests of at most 100 tokens out at $10/M, their input (the prompt, and 4 tokens of
    // framing) at $2.50/M.
    let input = gatebench::metrics::estimate_tokens("Summarise our refund policy") + 4;
    let per = (input as f64 * 2.5 + 100.0 * 10.0) / 1e6;
    let money = gatebench::format::fmt_money;
    let (code, _, err) = bench(&[
        "--repeat",
        "2",
        "--max-tokens",
        "100",
        "--max-spend",
        "0.001",
    ]);
    assert_eq!(code, 3, "{err}");
    let refused = format!(
        "refused: the worst case ({}) is more than --max-spend $0.0010",
        money(2.0 * per)
    );
    assert!(err.contains(&refused), "{refused}\n{err}");
    // Under it, the run goes on, says what is left, and afterwards what it spent.
    let (code, _, err) = bench(&["--repeat", "2", "--max-tokens", "100", "--max-spend", "1"]);
    assert_eq!(code, 0, "{err}");
    let before = format!(
        "spend: {} at most for 2 requests; the gateway says $0.0050 is left",
        money(2.0 * per)
    );
    assert!(err.contains(&before), "{before}\n{err}");
    let after = err
        .lines()
        .find(|l| l.starts_with("spend: estimated"))
        .unwrap();
    assert!(
        after.contains(&format!(
            "estimated {} at most; spent $0.00",
            money(2.0 * per)
        )),
        "{after}"
    );
    // Past the credits left, off a terminal: said, and run (a terminal would ask; --yes would not).
    let (code, _, err) = bench(&["--repeat", "20", "--max-tokens", "100"]);
    let warned = format!(
        "warning: The worst case ({}) is more than the $",
        money(20.0 * per)
    );
    assert!(err.contains(&warned), "{warned}\n{err}");
    assert!(code == 0 || err.contains("402"), "{code} {err}");
}

#[test]
fn ladder_and_rehearse_say_their_spend_first_and_refuse_past_max_spend() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(home.path(), &[]);
    // Two sizes of context, each with the question, 256 tokens out at most, on pro-large.
    let (code, out, err) = run(demo.gatebench(
        home.path(),
        &[
            "ladder",
            "-m",
            "demo/pro-large",
            "--sizes",
            "1k,8k",
            "--max-spend",
            "0.01",
        ],
    ));
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        err.contains("for 2 requests; the gateway says $20.00 is left"),
        "{err}"
    );
    assert!(err.contains("is more than --max-spend $0.0100"), "{err}");
    assert!(!out.contains("TTFT"), "nothing ran: {out}");
    // The demo's own routes exist on the built-in gateway.
    let mut c = std::process::Command::new(crate::common::demo::BIN);
    c.args([
        "--demo",
        "--no-history",
        "rehearse",
        "--route",
        "demo-fallback",
    ])
    .args(["--requests", "3", "--max-spend", "0"])
    .env("HOME", home.path())
    .env("XDG_CONFIG_HOME", home.path().join("config"))
    .env_remove("INFERGATE_API_KEY");
    let (code, _, err) = run(c);
    assert_eq!(code, 3, "{err}");
    // On the built-in demo the likely case comes from the simulated models' typical lengths.
    assert!(err.contains("at most (likely $"), "{err}");
    assert!(err.contains(") for 3 requests"), "{err}");
    // Nothing was sent: the account is whole.
    let (_, json, _) = run(demo.gatebench(home.path(), &["account", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["left_usd"], 20.0);
}

#[test]
fn ladder_and_rehearse_say_their_estimate_against_what_they_spent() {
    let home = tempfile::tempdir().unwrap();
    let gatebench = |args: &[&str]| {
        let mut c = std::process::Command::new(crate::common::demo::BIN);
        c.args(["--demo", "--demo-speed", "inf", "--no-history"])
            .args(args)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env_remove("INFERGATE_API_KEY");
        run(c)
    };
    let spent = |err: &str| -> (f64, f64) {
        let line = err
            .lines()
            .find(|l| l.starts_with("spend: estimated"))
            .unwrap_or_else(|| panic!("{err}"));
        let usd = |after: &str| -> f64 {
            let at = line.find(after).unwrap() + after.len();
            line[at..]
                .trim_start_matches('$')
                .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        (usd("estimated "), usd("spent "))
    };
    let (code, _, err) = gatebench(&["ladder", "-m", "demo/fast-mini", "--sizes", "1k,2k"]);
    assert_eq!(code, 0, "{err}");
    let (worst, actual) = spent(&err);
    assert!(actual > 0.0 && actual <= worst, "{err}");
    let (code, _, err) = gatebench(&["rehearse", "--route", "demo-fallback", "--requests", "3"]);
    assert_eq!(code, 0, "{err}");
    let (worst, actual) = spent(&err);
    assert!(actual > 0.0 && actual <= worst, "{err}");
    assert!(err.contains(", likely $"), "{err}");
}

#[test]
fn credits_are_asked_with_the_management_key_and_only_there() {
    use crate::common::raw;
    const KEY: &str = "sk-or-v1-ordinary-0123456789abcdef";
    const MGMT: &str = "sk-or-v1-management-0123456789abcdef";
    let key_body = fixture("openrouter-key.json");
    let credits_body = fixture("openrouter-credits.json");
    let server = raw::serve(move |req, sock| {
        let auth = req
            .head
            .lines()
            .find_map(|l| {
                l.strip_prefix("authorization: ")
                    .or(l.strip_prefix("Authorization: "))
            })
            .unwrap_or("")
            .trim()
            .to_string();
        let json = [("content-type", "application/json")];
        match req.path.as_str() {
            "/v1/key" if auth == format!("Bearer {KEY}") => {
                raw::respond(sock, "200 OK", &json, &key_body)
            }
            // Echoes the key it was given, as a careless server might.
            "/v1/credits" if auth == format!("Bearer {MGMT}") => {
                raw::respond(sock, "200 OK", &json, &credits_body)
            }
            _ => raw::respond(
                sock,
                "401 Unauthorized",
                &json,
                format!("{{\"error\":\"bad key {auth}\"}}").as_bytes(),
            ),
        }
    });
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("config/gatebench");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        format!(
            "[profiles.or]\nbase_url = \"{}\"\napi_key_env = \"OR_KEY\"\nmanagement_key_env = \"OR_MGMT\"\naccount = \"openrouter\"\n",
            server.url
        ),
    )
    .unwrap();
    let account = |mgmt: Option<&str>| {
        let mut c = std::process::Command::new(crate::common::demo::BIN);
        c.args(["--no-history", "--profile", "or", "account", "--json"])
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env_remove("INFERGATE_API_KEY")
            .env("OR_KEY", KEY);
        match mgmt {
            Some(m) => c.env("OR_MGMT", m),
            None => c.env_remove("OR_MGMT"),
        };
        run(c)
    };
    let (code, out, err) = account(Some(MGMT));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["credits_usd"].as_f64().is_some(), "{out}");
    let seen = server.seen.lock().unwrap().clone();
    let credits = seen.iter().find(|s| s.path == "/v1/credits").unwrap();
    assert!(credits.head.contains(MGMT) && !credits.head.contains(KEY));
    let key = seen.iter().find(|s| s.path == "/v1/key").unwrap();
    assert!(key.head.contains(KEY) && !key.head.contains(MGMT));
    // Without it, /credits is refused, said with what to set, and no key is printed.
    let (code, out, err) = account(None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("set management_key_env"), "{out}");
    // A refused management key: said, and the echoed key is not shown.
    let (code, out, err) = account(Some("sk-or-v1-wrong-management-key-0000"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("the management key was refused"), "{out}");
    for text in [&out, &err] {
        for k in [KEY, MGMT, "sk-or-v1-wrong-management-key-0000"] {
            assert!(!text.contains(k), "{text}");
        }
    }
}

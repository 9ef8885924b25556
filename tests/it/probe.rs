//! `gatebench probe` against the demo gateway, whose models differ on purpose (one ignores tools
//! its listing claims, one gets about one json_schema answer in ten wrong, one never sends usage
//! in a stream, one repeats its finish_reason): every cell is pinned. And a server that answers
//! garbage.

use serde_json::Value;

use crate::common::demo::in_home as gatebench;

/// A target's row as `capability=verdict` words (`!` after a refuted claim).
fn row(t: &Value) -> String {
    t["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let bang = if c["refuted"] == true { "!" } else { "" };
            format!(
                "{}={}{bang}",
                c["capability"].as_str().unwrap(),
                c["verdict"].as_str().unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_cell_of_the_demo_models_is_pinned_and_kept_for_the_next_probe() {
    let home = tempfile::tempdir().unwrap();
    let args = [
        "probe",
        "--demo",
        "--demo-speed",
        "inf",
        "--json",
        "--max-tokens",
        "300",
        "-m",
        "demo/fast-mini",
        "-m",
        "demo/local-free",
        "-m",
        "demo/reasoner",
        "-m",
        "demo/pro-large",
        "-m",
        "demo/long-context",
    ];
    let (code, out, err) = gatebench(home.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("spend: $") && err.contains("at most"), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format"], "gatebench-probe/1");
    let rows: Vec<(String, String)> = v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["target"].as_str().unwrap().to_string(), row(t)))
        .collect();
    let common = "system_role=yes";
    let want = [
        (
            "demo/fast-mini",
            "streaming=yes usage_asked=yes usage_unasked=no tools=yes parallel_tools=partial tool_choice_required=yes tool_choice_none=yes json_object=yes json_schema=partial logprobs=yes seed=yes stop=yes max_tokens=yes n=no system_role=yes reasoning=no responses_api=yes",
        ),
        (
            "demo/local-free",
            "streaming=yes usage_asked=yes usage_unasked=no tools=no! parallel_tools=no! tool_choice_required=no! tool_choice_none=yes json_object=yes json_schema=yes logprobs=yes seed=yes stop=yes max_tokens=yes n=no system_role=yes reasoning=no responses_api=yes",
        ),
        (
            "demo/reasoner",
            "streaming=yes usage_asked=yes usage_unasked=no tools=yes parallel_tools=partial tool_choice_required=yes tool_choice_none=yes json_object=yes json_schema=yes logprobs=yes seed=yes stop=yes max_tokens=yes n=no system_role=yes reasoning=yes responses_api=yes",
        ),
        (
            "demo/pro-large",
            "streaming=yes usage_asked=yes usage_unasked=no tools=yes parallel_tools=yes tool_choice_required=yes tool_choice_none=yes json_object=yes json_schema=yes logprobs=yes seed=yes stop=yes max_tokens=yes n=no system_role=yes reasoning=no responses_api=yes",
        ),
    ];
    for ((target, got), (name, want)) in rows.iter().take(4).zip(want) {
        assert_eq!(target, name);
        assert!(got.contains(common));
        assert_eq!(got, want, "{target}");
    }
    let t = &v["targets"][0];
    let schema = t["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["capability"] == "json_schema")
        .unwrap();
    assert_eq!(
        schema["evidence"]["rate"],
        serde_json::json!([4, 5]),
        "{schema}"
    );
    assert!(
        schema["reason"]
            .as_str()
            .unwrap()
            .contains("\"name\" is a required property"),
        "{schema}"
    );
    // The model that never sends usage in a stream breaks the wire's rule, with its probe named.
    let long = &v["targets"][4];
    assert_eq!(long["target"], "demo/long-context");
    assert!(
        row(long).starts_with("streaming=yes usage_asked=no usage_unasked=no tools=yes"),
        "{}",
        row(long)
    );
    assert!(v["targets"][1]["violations"].as_array().unwrap().is_empty());
    let rules: Vec<&str> = long["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["usage_chunk"]);
    // Kept: the next probe compares with it, per target on the same gateway.
    let (code, _, err) = gatebench(
        home.path(),
        &[
            "probe",
            "--demo",
            "--demo-speed",
            "inf",
            "--diff",
            "--only",
            "tools,seed",
            "-m",
            "demo/local-free",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("demo/local-free: nothing changed since"),
        "{err}"
    );
    // A target never probed before says so.
    let (_, _, err) = gatebench(
        home.path(),
        &[
            "probe",
            "--demo",
            "--demo-speed",
            "inf",
            "--diff",
            "--only",
            "seed",
            "-m",
            "demo/flaky",
        ],
    );
    assert!(
        err.contains("demo/flaky: no earlier probe on this gateway"),
        "{err}"
    );
}

#[test]
fn the_wire_of_a_model_that_repeats_its_finish_reason_is_flagged() {
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = gatebench(
        home.path(),
        &[
            "probe",
            "--demo",
            "--demo-speed",
            "inf",
            "--no-history",
            "--only",
            "streaming,usage_asked",
            "-m",
            "demo/flaky",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("one_finish (2 stream(s), first in streaming): a second finish_reason"),
        "{out}"
    );
    assert!(
        out.contains("\"finish_reason\":\"length\""),
        "the offending line is shown: {out}"
    );
}

#[test]
fn only_max_spend_and_bad_names_are_clear() {
    let home = tempfile::tempdir().unwrap();
    let (code, _, err) = gatebench(
        home.path(),
        &["probe", "--demo", "--only", "tools,telepathy"],
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("unknown capability \"telepathy\"") && err.contains("json_schema"),
        "{err}"
    );
    let (code, out, _) = gatebench(home.path(), &["probe", "--demo", "--only", "help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("json_schema") && out.contains("answers JSON that validates"),
        "{out}"
    );
    let (code, _, err) = gatebench(
        home.path(),
        &[
            "probe",
            "--demo",
            "-m",
            "demo/pro-large",
            "--max-spend",
            "0",
        ],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("is more than --max-spend"), "{err}");
}

#[test]
fn a_server_that_answers_garbage_gets_error_cells_and_wire_breaks_not_a_panic() {
    use crate::common::raw;
    let server = raw::serve(|req, sock| {
        if req.path.ends_with("/models") {
            return raw::models(sock);
        }
        if req.head.contains("\"stream\":true") || req.path.ends_with("/responses") {
            raw::stream_head(sock, "200 OK", &[("content-type", "text/event-stream")]);
            raw::send(sock, b": ping\n\ndata: {not json\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n");
        } else {
            raw::respond(
                sock,
                "200 OK",
                &[("content-type", "text/html")],
                b"<html><title>Bad gateway</title></html>",
            );
        }
    });
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = gatebench(
        home.path(),
        &[
            "--base-url",
            &server.url,
            "probe",
            "--no-history",
            "--json",
            "-m",
            "m",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let t = &v["targets"][0];
    let cell = |c: &str| {
        t["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["capability"] == c)
            .unwrap()["verdict"]
            .clone()
    };
    assert_eq!(cell("json_object"), "error");
    assert_eq!(cell("streaming"), "error", "cut without a finish");
    let rules: Vec<&str> = t["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"bad_json") && rules.contains(&"role_first"),
        "{rules:?}"
    );
    assert!(t["tolerated"]["keep_alive_comments"].as_u64().unwrap() > 0);
}

#[test]
fn bench_warns_when_its_workload_uses_tools_the_last_probe_found_missing() {
    let home = tempfile::tempdir().unwrap();
    let (code, _, err) = gatebench(
        home.path(),
        &[
            "probe",
            "--demo",
            "--demo-speed",
            "inf",
            "--only",
            "tools",
            "-m",
            "demo/local-free",
            "-m",
            "demo/pro-large",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let w = home.path().join("tools.jsonl");
    std::fs::write(
        &w,
        r#"{"messages":[{"role":"user","content":"Use get_weather for Paris"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}"#,
    )
    .unwrap();
    let (code, _, err) = gatebench(
        home.path(),
        &[
            "bench",
            "--demo",
            "--demo-speed",
            "inf",
            "-m",
            "demo/local-free",
            "-m",
            "demo/pro-large",
            "--workload",
            w.to_str().unwrap(),
            "--max-tokens",
            "16",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: the workload offers tools, and the last probe of demo/local-free")
            && err.contains("found tools no"),
        "{err}"
    );
    assert!(!err.contains("last probe of demo/pro-large"), "{err}");
}

#[test]
fn bench_reports_the_share_of_structured_answers_that_validate_and_gates_on_it() {
    let home = tempfile::tempdir().unwrap();
    let w = home.path().join("structured.jsonl");
    std::fs::write(
        &w,
        r#"{"prompt":"A person as JSON","response_format":{"type":"json_schema","json_schema":{"name":"person","strict":true,"schema":{"type":"object","required":["name","age"],"additionalProperties":false,"properties":{"name":{"type":"string"},"age":{"type":"integer","exclusiveMinimum":0}}}}}}
{"prompt":"bad","response_format":{"type":"xml"}}"#,
    )
    .unwrap();
    let out = home.path().join("run.json");
    let (code, stdout, err) = gatebench(
        home.path(),
        &[
            "bench",
            "--demo",
            "--demo-speed",
            "inf",
            "-m",
            "demo/fast-mini",
            "-m",
            "demo/pro-large",
            "--workload",
            w.to_str().unwrap(),
            "--repeat",
            "10",
            "--max-tokens",
            "64",
            "--fail-if",
            "schema_valid_rate<0.99",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    // fast-mini breaks the 1st of every ten json_schema answers: 9 of 10 validate.
    assert_eq!(code, 1, "the gate is crossed: {stdout}{err}");
    assert!(
        err.contains("line 2") && err.contains("response_format"),
        "the bad line is reported: {err}"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let rate = |i: usize| v["results"][i]["schema_valid_rate"].as_f64();
    assert_eq!(
        (rate(0), rate(1)),
        (Some(0.9), Some(1.0)),
        "{}",
        v["results"]
    );
    let failed = &v["targets"][0]["failed_checks"][0];
    assert_eq!(failed["check"], "json_schema");
    assert!(
        failed["why"]
            .as_str()
            .unwrap()
            .contains("\"name\" is a required property"),
        "{failed}"
    );
    assert!(
        failed["answer_start"]
            .as_str()
            .unwrap()
            .starts_with("{\"age\""),
        "{failed}"
    );
}

//! The demo's scripts: errors, answers, lengths, tools and timing, decided by the seed.

use super::*;
use crate::demo::models::catalogue;

fn ask(model: &str, prompt: &str, max_tokens: Option<usize>) -> Ask {
    let body = json!({
        "model": model,
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": prompt}],
        "max_tokens": max_tokens,
        "stream": true,
    });
    parse_ask(&catalogue(), body.to_string().as_bytes()).unwrap()
}

#[test]
fn errors_and_retry_headers() {
    assert_eq!(status_error(429).kind, "rate_limit_error");
    assert_eq!(status_error(503).status, 503);
    assert!(status_error(500).message.contains("server had an error"));
    assert_eq!(
        retry_headers(1.2),
        vec![
            ("retry-after", "2".into()),
            ("retry-after-ms", "1200".into())
        ]
    );
    let long = ask("demo/local-free", &"word ".repeat(9000), None);
    let e = context_error(&long).unwrap();
    assert_eq!((e.status, e.code), (400, Some("context_length_exceeded")));
    assert!(context_error(&ask("demo/local-free", "short", None)).is_none());
    let e = too_long(&ask("demo/fast-mini", "[[tokens=10000000]] go", None)).unwrap();
    assert_eq!((e.status, e.code), (400, Some("answer_too_long")));
    assert!(too_long(&ask("demo/fast-mini", "[[tokens=200000]] go", None)).is_none());
    assert!(too_long(&ask("demo/fast-mini", "go", None)).is_none());
}

#[test]
fn prefill_grows_with_the_prompt_and_recall_fades_past_the_models_reach() {
    let needle = "The secret passphrase is amber-falcon-42.";
    let question = "What is the secret passphrase?";
    let prompt = |filler_words: usize| {
        let half = "lorem ipsum ".repeat(filler_words / 4);
        format!("{half}{needle} {half}\n\n{question}")
    };
    let answer = |a: &Ask| script(7, 1.0, a).answer.concat();
    let (short, long) = (
        ask("demo/fast-mini", &prompt(100), None),
        ask("demo/fast-mini", &prompt(40_000), None),
    );
    assert!(
        short.prompt_tokens < 1000 && long.prompt_tokens > 32_000,
        "{}",
        long.prompt_tokens
    );
    // The jitter of 25% cannot hide 4 ms per 1k tokens over 40k tokens.
    let (a, b) = (
        script(7, 1.0, &short).first_delay,
        script(7, 1.0, &long).first_delay,
    );
    assert!(b > a + Duration::from_millis(90), "{a:?} -> {b:?}");
    assert!(answer(&short).starts_with(needle), "{}", answer(&short));
    assert!(
        !answer(&long).contains("amber-falcon-42"),
        "past fast-mini's recall"
    );
    let big = ask("demo/long-context", &prompt(40_000), None);
    assert!(answer(&big).starts_with(needle));
}

#[test]
fn per_token_prices() {
    assert_eq!(per_token(0.15), "0.00000015");
    assert_eq!(per_token(10.0), "0.00001");
    assert_eq!(per_token(0.0), "0");
}

#[test]
fn directives() {
    assert_eq!(
        directive("write [[tokens=20000]] please", "tokens"),
        Some(20000.0)
    );
    assert_eq!(directive("[[tps=200]] x [[tokens=5]]", "tps"), Some(200.0));
    assert_eq!(directive("nothing", "tokens"), None);
    assert_eq!(directive("[[tokens=-3]]", "tokens"), None);
}

#[test]
fn requests_are_read_or_refused_in_openai_shape() {
    let a = ask("demo/fast-mini", "hello there", Some(7));
    assert_eq!(a.prompt, "hello there");
    assert_eq!(a.max_tokens, Some(7));
    assert!(a.stream && !a.include_usage);
    assert!(a.prompt_tokens >= 2 + 4 + 1 + 4);
    let models = catalogue();
    let e = parse_ask(&models, b"{not json").unwrap_err();
    assert_eq!((e.status, e.kind), (400, "invalid_request_error"));
    let e = parse_ask(
        &models,
        br#"{"model":"nope","messages":[{"role":"user","content":"x"}]}"#,
    )
    .unwrap_err();
    assert_eq!((e.status, e.code), (404, Some("model_not_found")));
    assert_eq!(e.body()["error"]["code"], "model_not_found");
    let e = parse_ask(&models, br#"{"model":"demo/fast-mini","messages":[]}"#).unwrap_err();
    assert!(e.message.contains("messages"));
}

#[test]
fn scripts_are_seeded_and_cut_by_max_tokens() {
    let a = ask("demo/reasoner", "explain latency", None);
    let s = script(1, 1.0, &a);
    assert_eq!(s, script(1, 1.0, &a), "same seed, same script");
    assert_ne!(s.answer, script(2, 1.0, &a).answer);
    assert!(!s.reasoning.is_empty());
    assert_eq!(s.finish_reason, "stop");
    assert_eq!(s.gaps.len(), s.reasoning.len() + s.answer.len());
    assert_eq!(s.gaps[0], Duration::ZERO);
    let fast = script(1, f64::INFINITY, &a);
    assert_eq!(fast.first_delay, Duration::ZERO);
    assert!(fast.gaps.iter().all(|g| g.is_zero()));
    let cut = script(1, 1.0, &ask("demo/reasoner", "explain latency", Some(5)));
    assert_eq!(cut.reasoning.len() + cut.answer.len(), 5);
    assert_eq!(cut.finish_reason, "length");
    let long = script(1, 1.0, &ask("demo/fast-mini", "x [[tokens=300]]", None));
    assert!(long.answer.len() >= 300, "{}", long.answer.len());
    let w = whole_response(&a, &s, 3);
    assert_eq!(w["choices"][0]["message"]["content"], s.answer.concat());
    assert_eq!(
        w["choices"][0]["message"]["reasoning_content"],
        s.reasoning.concat()
    );
    assert_eq!(w["id"], "chatcmpl-demo-3");
    let u = usage_json(&a, &s);
    assert_eq!(u["completion_tokens"], s.reasoning.len() + s.answer.len());
    assert_eq!(
        u["completion_tokens_details"]["reasoning_tokens"],
        s.reasoning.len()
    );
}

#[test]
fn a_cached_prefix_shortens_the_prefill_and_is_priced_and_reported() {
    let prompt = "word ".repeat(4000);
    let cold = ask("demo/pro-large", &prompt, Some(10));
    let mut warm = ask("demo/pro-large", &prompt, Some(10));
    warm.cached_tokens = warm.prompt_tokens - 100;
    let (a, b) = (script(3, 1.0, &cold), script(3, 1.0, &warm));
    assert_eq!(a.answer, b.answer, "the same answer");
    assert!(
        b.first_delay < a.first_delay,
        "{:?} < {:?}",
        b.first_delay,
        a.first_delay
    );
    let m = &cold.model;
    let (c0, c1) = (cost(&cold, 10), cost(&warm, 10));
    let saved =
        (warm.cached_tokens as f64) * (m.input_per_mtok - m.cached_input_per_mtok.unwrap()) / 1e6;
    assert!((c0 - c1 - saved).abs() < 1e-12, "{c0} {c1} {saved}");
    let u = usage_json(&warm, &b);
    assert_eq!(
        u["prompt_tokens_details"]["cached_tokens"],
        warm.cached_tokens
    );
    assert_eq!(
        usage_json(&cold, &a)["prompt_tokens_details"]["cached_tokens"],
        0
    );
}

#[test]
fn min_tokens_and_ignore_eos_are_honoured_refused_or_ignored_by_model() {
    let body = |model: &str| {
        json!({
            "model": model,
            "messages": [{"role": "user", "content": "Say yes."}],
            "max_tokens": 900,
            "min_tokens": 900,
            "ignore_eos": true,
        })
        .to_string()
    };
    let models = catalogue();
    let held = parse_ask(&models, body("demo/fast-mini").as_bytes()).unwrap();
    let s = script(1, 1.0, &held);
    assert_eq!(completion_tokens(&s), 900);
    assert_eq!(s.finish_reason, "length");
    let e = parse_ask(&models, body("demo/pro-large").as_bytes()).unwrap_err();
    assert_eq!(e.status, 400);
    assert!(e.message.contains("min_tokens"), "{}", e.message);
    let loose = parse_ask(&models, body("demo/long-context").as_bytes()).unwrap();
    assert!(completion_tokens(&script(1, 1.0, &loose)) < 900);
    // Without them, the answer is the model's own length.
    let own = ask("demo/fast-mini", "Say yes.", Some(900));
    assert!(completion_tokens(&script(1, 1.0, &own)) < 900);
}

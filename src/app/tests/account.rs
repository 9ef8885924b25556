//! The account in the workbench: asked when the models load and when the last answer is in,
//! never when the profile says `none`, once only when the gateway reports none; shown in the
//! panel's bottom line.

use super::*;
use crate::gateway::account::{Account, AccountApi, AccountReport};

fn asks(effects: &[Effect]) -> Vec<AccountApi> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchAccount(api) => Some(*api),
            _ => None,
        })
        .collect()
}

fn with_api(api: AccountApi) -> State {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let mut s = State::new(km, vec!["a/fast".into(), "b/large".into()], None);
    s.configure(Setup {
        account_api: api,
        ..Default::default()
    });
    update(&mut s, Action::Resize(160, 48));
    s
}

fn reported(left: f64) -> Action {
    Action::Account(Ok(AccountReport::Reported(Box::new(Account {
        source: "openrouter /key".into(),
        left_usd: Some(left),
        limit_usd: Some(20.0),
        spent_today_usd: Some(20.0 - left),
        ..Default::default()
    }))))
}

#[test]
fn asked_when_the_models_load_and_when_the_last_answer_is_in() {
    let mut s = with_api(AccountApi::Auto);
    let first = update(&mut s, Action::ModelsLoaded(Ok(models())));
    assert_eq!(asks(&first), [AccountApi::Auto]);
    update(&mut s, reported(20.0));
    let ids = send_ids(&mut s, "hello");
    assert_eq!(ids.len(), 2);
    let t0 = Instant::now();
    // The first answer in while the second runs: not yet.
    let mut effects = Vec::new();
    let mut r = Req::start(&mut s, ids[0], t0);
    r.content(&mut s, t0, "one");
    effects.extend(r.end(&mut s, t0));
    assert!(asks(&effects).is_empty(), "{effects:?}");
    let mut r = Req::start(&mut s, ids[1], t0);
    r.content(&mut s, t0, "two");
    let effects = r.end(&mut s, t0);
    assert_eq!(asks(&effects), [AccountApi::Auto]);
    // Shown in the panel, what is left first.
    update(&mut s, reported(19.87));
    let screen = super::judging::screen(&s);
    assert!(
        screen.contains("account: $19.87 left of $20.00 · today $0.1300"),
        "{screen}"
    );
}

#[test]
fn a_gateway_that_reports_none_is_asked_once_and_none_means_never() {
    let mut s = with_api(AccountApi::Auto);
    update(&mut s, Action::ModelsLoaded(Ok(models())));
    update(
        &mut s,
        Action::Account(Ok(AccountReport::NotReported {
            tried: vec!["/key".into()],
            note: None,
        })),
    );
    let (id, t0) = (send_ids(&mut s, "hello"), Instant::now());
    let mut last = Vec::new();
    for id in id {
        let mut r = Req::start(&mut s, id, t0);
        r.content(&mut s, t0, "x");
        last = r.end(&mut s, t0);
    }
    assert!(asks(&last).is_empty(), "{last:?}");
    assert!(!super::judging::screen(&s).contains("account:"));
    let mut s = with_api(AccountApi::None);
    let first = update(&mut s, Action::ModelsLoaded(Ok(models())));
    assert!(asks(&first).is_empty());
    // An error is said, not shown as a figure.
    let mut s = with_api(AccountApi::LiteLlm);
    let first = update(&mut s, Action::ModelsLoaded(Ok(models())));
    assert_eq!(asks(&first), [AccountApi::LiteLlm]);
    update(&mut s, Action::Account(Err("timed out".into())));
    assert!(super::judging::screen(&s).contains("account: no answer"));
}

#[test]
fn a_litellm_key_s_spend_from_the_answers_stands_in_for_an_account() {
    let mut s = with_api(AccountApi::Auto);
    update(&mut s, Action::ModelsLoaded(Ok(models())));
    update(
        &mut s,
        Action::Account(Ok(AccountReport::NotReported {
            tried: vec!["/key/info".into()],
            note: Some("no database".into()),
        })),
    );
    let t0 = Instant::now();
    for (i, id) in send_ids(&mut s, "hello").into_iter().enumerate() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-litellm-key-spend",
            ["0.0021", "not money"][i].parse().unwrap(),
        );
        let mut r = Req::start(&mut s, id, t0);
        r.content(&mut s, t0, "x");
        r.end_with(&mut s, t0, None, Some(h));
    }
    // The second answer's header is not a number: the first one's figure stays.
    assert_eq!(s.panel.key_spend_usd, Some(0.0021));
    let screen = super::judging::screen(&s);
    assert!(
        screen.contains("account: key spent $0.0021 (x-litellm-key-spend)"),
        "{screen}"
    );
}

#[test]
fn a_bill_apart_from_tokens_x_price_is_marked_in_the_panel() {
    let mut s = with_api(AccountApi::None);
    update(&mut s, Action::ModelsLoaded(Ok(models())));
    let ids = send_ids(&mut s, "hello");
    let t0 = Instant::now();
    // a/fast at $1 / $2 per 1M: 10 in and 5 out cost $0.00002; the gateway bills 50% more.
    let usage = |cost: f64| Usage {
        input_tokens: 10,
        output_tokens: 5,
        cost_usd: Some(cost),
        ..Default::default()
    };
    answer(&mut s, ids[0], t0, "one", Some(usage(0.000_03)));
    answer(&mut s, ids[1], t0, "two", Some(usage(0.000_02)));
    let shown = super::judging::screen(&s);
    let row = |model: &str| {
        shown
            .lines()
            .find(|l| l.contains(model) && l.contains("gateway"))
            .unwrap_or_else(|| panic!("{shown}"))
            .to_string()
    };
    assert!(row("a/fast").contains("gateway ≠"), "{shown}");
    assert!(!row("b/large").contains('≠'), "{shown}");
}

fn generation_asks(effects: &[Effect]) -> Vec<(u64, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchGeneration { request_id, id } => Some((*request_id, id.clone())),
            _ => None,
        })
        .collect()
}

/// One answer with `x-generation-id: gen-7`, on a workbench with `generation_stats` as given.
fn answered_with_generation(stats: bool) -> (State, u64, Vec<Effect>) {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let mut s = State::new(km, vec!["a/fast".into()], None);
    s.configure(Setup {
        account_api: AccountApi::None,
        generation_stats: stats,
        recording: true,
        ..Default::default()
    });
    update(&mut s, Action::Resize(160, 48));
    update(&mut s, Action::ModelsLoaded(Ok(models())));
    let id = send_ids(&mut s, "hello")[0];
    let t0 = Instant::now();
    let mut r = Req::start(&mut s, id, t0);
    r.content(&mut s, t0, "hi there");
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("x-generation-id", "gen-7".parse().unwrap());
    let effects = r.end_with(&mut s, t0, None, Some(h));
    (s, id, effects)
}

#[test]
fn the_gateways_generation_stats_are_asked_for_only_when_the_profile_says_so() {
    let (_, id, effects) = answered_with_generation(true);
    assert_eq!(generation_asks(&effects), [(id, "gen-7".to_string())]);
    let (_, _, effects) = answered_with_generation(false);
    assert!(generation_asks(&effects).is_empty());
}

#[test]
fn generation_stats_become_the_answers_bill_and_are_stored_again() {
    use crate::gateway::generation::Generation;
    let (mut s, id, _) = answered_with_generation(true);
    let before = s.panel.session_cost;
    let ours = s.panes[0].answer.as_ref().unwrap().cost_usd.unwrap();
    let g = Generation {
        total_cost_usd: Some(ours + 0.5),
        provider: Some("Fireworks".into()),
        latency_ms: Some(900.0),
        generation_time_ms: Some(850.0),
        ..Default::default()
    };
    let effects = update(
        &mut s,
        Action::Generation {
            request_id: id,
            stats: Ok(g),
        },
    );
    let rec = s.panes[0].answer.as_ref().unwrap();
    assert_eq!(rec.cost_gateway_usd, Some(ours + 0.5));
    assert_eq!(rec.gateway_overhead_ms, Some(50.0));
    assert_eq!(rec.gateway_provider.as_deref(), Some("Fireworks"));
    assert!((s.panel.session_cost - (before + 0.5)).abs() < 1e-12);
    let stored = effects.iter().any(|e| {
        matches!(e, Effect::Record(r) if matches!(&**r, crate::history::Record::Ended { seq, record, .. }
            if *seq == id && record.cost_gateway_usd == Some(ours + 0.5)))
    });
    assert!(stored, "{effects:?}");
    // A failure is said, and changes nothing.
    let effects = update(
        &mut s,
        Action::Generation {
            request_id: id,
            stats: Err("/generation: gave up after 4 asks".into()),
        },
    );
    assert!(effects.is_empty());
    assert!(super::judging::screen(&s).contains("a/fast: /generation: gave up"));
}

#[test]
fn the_watch_view_opens_with_a_watch_and_says_how_to_get_one_without() {
    use crate::app::overlay::{Overlay, WatchView};
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let mut s = State::new(km, vec!["a/fast".into()], None);
    update(&mut s, Action::Resize(160, 48));
    let effects = crate::app::commands::on_command(&mut s, crate::app::keymap::Command::Watch);
    assert!(effects.is_empty());
    assert!(super::judging::screen(&s).contains("no watch: add a [watch] table"));
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let mut s = State::new(km, vec!["a/fast".into()], None);
    s.configure(Setup {
        watch: Some(crate::app::watchview::WatchSetup {
            gateway: "g".into(),
            thresholds: Default::default(),
        }),
        watch_failing: ["a/fast".to_string()].into(),
        ..Default::default()
    });
    update(&mut s, Action::Resize(160, 48));
    update(&mut s, Action::ModelsLoaded(Ok(models())));
    assert!(super::judging::screen(&s).contains("a/fast"));
    assert_eq!(s.probe_marks("a/fast"), "✗", "failing its watch");
    assert!(
        super::judging::screen(&s).contains("a/fast · ✗ failing its watch"),
        "the pane says it too (a route's pane as well)"
    );
    let effects = crate::app::commands::on_command(&mut s, crate::app::keymap::Command::Watch);
    assert!(
        matches!(&effects[..], [Effect::LoadWatch { gateway, .. }] if gateway == "g"),
        "{effects:?}"
    );
    assert_eq!(s.overlay, Overlay::Watch(WatchView(None)));
    update(
        &mut s,
        Action::WatchLoaded(Ok("a/fast: failing  last probes ✗✗".into())),
    );
    assert!(super::judging::screen(&s).contains("a/fast: failing  last probes ✗✗"));
    update(&mut s, Action::WatchLoaded(Ok(String::new())));
    assert!(super::judging::screen(&s).contains("No watch probes in the last 24 hours"));
}

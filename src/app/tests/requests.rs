//! Requests in the workbench: streaming into panes, cancelling, multi-turn, errors, routes, session
//! statistics and the budget.

use super::*;

#[test]
fn chunks_stream_into_panes_and_figures_are_final_at_the_end() {
    let (mut s, id) = sent_one("hello");
    let t0 = Instant::now();
    let mut r = Req::start(&mut s, id, t0);
    let thinking = Chunk {
        reasoning: Some("hmm".into()),
        ..Default::default()
    };
    r.chunk(&mut s, t0 + Duration::from_millis(50), thinking);
    assert_eq!(s.panes[0].status, Status::Thinking);
    assert_eq!(s.panes[0].progress.token_chunks, 1);
    r.content(&mut s, t0 + Duration::from_millis(100), "world");
    let usage = Usage {
        input_tokens: 1000,
        output_tokens: 500,
        ..Default::default()
    };
    let last = Chunk {
        usage: Some(usage),
        ..Default::default()
    };
    r.chunk(&mut s, t0 + Duration::from_millis(300), last);
    r.end(&mut s, t0 + Duration::from_millis(310));
    let p = &s.panes[0];
    assert_eq!(p.status, Status::Done);
    let live = p.live(None);
    assert_eq!(live.ttft_ms, Some(100.0));
    assert_eq!(live.total_ms, Some(310.0));
    assert_eq!(live.output_tokens, Some(500));
    assert!(!live.estimated);
    // 1000 * $1/M + 500 * $2/M from /v1/models prices.
    let c = p.cost().unwrap();
    assert!((c.usd - 0.002).abs() < 1e-12);
    assert_eq!(c.source, crate::metrics::CostSource::Models);
    assert!((s.panel.session_cost - 0.002).abs() < 1e-12);
    let text: Vec<&str> = texts(p);
    assert!(
        text.contains(&"> hello") && text.contains(&"hmm") && text.contains(&"world"),
        "{text:?}"
    );
    // Reasoning is labelled, and a divider stands before the answer.
    let (label, hmm, divider, world) = (
        text.iter().position(|t| *t == "reasoning"),
        text.iter().position(|t| *t == "hmm"),
        text.iter().position(|t| *t == "── answer ──"),
        text.iter().position(|t| *t == "world"),
    );
    assert!(label < hmm && hmm < divider && divider < world, "{text:?}");
    assert!(label.is_some(), "{text:?}");
}

#[test]
fn cancel_stops_and_stale_chunks_are_ignored() {
    let mut s = state(&["a/fast", "b/large"]);
    typed(&mut s, "x");
    let sent = sends(&update(&mut s, ctrl('s')));
    let (a, b) = (sent[0].0, sent[1].0);
    let t0 = Instant::now();
    let mut ra = Req::start(&mut s, a, t0);
    ra.content(&mut s, t0, "before");
    // Focus pane 1 and cancel just it.
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::Char('1')));
    let effects = update(&mut s, key(KeyCode::Esc));
    assert_eq!(effects, vec![Effect::Cancel { request_id: a }]);
    assert_eq!(s.panes[0].status, Status::Cancelled);
    assert!(s.panes[1].status.is_running());
    // A chunk already in flight for the cancelled request changes nothing.
    let rows = s.panes[0].transcript.rows().len();
    let progress = s.panes[0].progress;
    ra.content(&mut s, t0, "after");
    assert_eq!(s.panes[0].transcript.rows().len(), rows);
    assert_eq!(s.panes[0].progress, progress);
    ra.end_with(&mut s, t0, Some(GatewayError::Cancelled), None);
    assert_eq!(s.panes[0].status, Status::Cancelled);
    assert!(
        s.panes[0].history.is_empty(),
        "a cancelled turn is not context"
    );
    // Esc from the editor cancels all that still run.
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::Tab));
    let effects = update(&mut s, key(KeyCode::Esc));
    assert_eq!(effects, vec![Effect::Cancel { request_id: b }]);
    // Chunks of a request the pane no longer listens to (an old turn) are dropped too.
    let mut ghost = Req::start(&mut s, 999, t0);
    ghost.content(&mut s, t0, "ghost");
    assert!(
        !s.panes
            .iter()
            .any(|p| p.transcript.rows().iter().any(|r| r.text.contains("ghost")))
    );
}

#[test]
fn multi_turn_keeps_each_panes_own_conversation_and_new_conversation_resets() {
    let mut s = state(&["a/fast", "b/large"]);
    typed(&mut s, "first");
    let sent = sends(&update(&mut s, ctrl('s')));
    let t0 = Instant::now();
    answer(&mut s, sent[0].0, t0, "A1", None);
    answer(&mut s, sent[1].0, t0, "B1", None);
    typed(&mut s, "second");
    let sent = sends(&update(&mut s, ctrl('s')));
    let msgs: Vec<_> = sent[0]
        .1
        .messages
        .iter()
        .map(|m| (m.role, m.content.as_str()))
        .collect();
    use crate::gateway::wire::Role;
    assert_eq!(
        msgs,
        vec![
            (Role::User, "first"),
            (Role::Assistant, "A1"),
            (Role::User, "second")
        ]
    );
    assert_eq!(sent[1].1.messages[1].content, "B1");
    // Switching models keeps histories: deselect b/large, reselect it later.
    s.toggle_model("b/large");
    s.toggle_model("b/large");
    assert_eq!(s.panes[1].history.len(), 2);
    // Ctrl-N asks first while answers are on screen; "n" keeps them.
    update(&mut s, ctrl('n'));
    assert_eq!(s.overlay, Overlay::Confirm(Confirm::New));
    update(&mut s, key(KeyCode::Char('n')));
    assert_eq!(s.panes[1].history.len(), 2);
    update(&mut s, ctrl('n'));
    update(&mut s, key(KeyCode::Char('y')));
    assert!(
        s.panes
            .iter()
            .all(|p| p.history.is_empty() && p.transcript.is_empty())
    );
    // Nothing on screen: no question.
    update(&mut s, ctrl('n'));
    assert_eq!(s.overlay, Overlay::None);
}

#[test]
fn rate_limit_headroom_is_kept_per_pane() {
    let (mut s, id) = sent_one("x");
    let mut h = HeaderMap::new();
    h.insert("x-ratelimit-limit-requests", "60".parse().unwrap());
    h.insert("x-ratelimit-remaining-requests", "59".parse().unwrap());
    let t0 = Instant::now();
    Req::start(&mut s, id, t0).end_with(&mut s, t0, None, Some(h));
    assert_eq!(s.panes[0].rate_limit.unwrap().headroom(), "req 59/60");
    // The next answer without headers keeps the last known headroom.
    typed(&mut s, "y");
    let id = sends(&update(&mut s, ctrl('s')))[0].0;
    Req::start(&mut s, id, t0).end(&mut s, t0);
    assert_eq!(s.panes[0].rate_limit.unwrap().headroom(), "req 59/60");
}

#[test]
fn errors_show_in_the_pane_and_unknown_cost_is_not_zero() {
    let mut s = state(&["zz/unlisted"]);
    typed(&mut s, "x");
    let id = sends(&update(&mut s, ctrl('s')))[0].0;
    let t0 = Instant::now();
    answer(
        &mut s,
        id,
        t0,
        "ok",
        Some(Usage {
            input_tokens: 5,
            output_tokens: 5,
            ..Default::default()
        }),
    );
    assert_eq!(s.panes[0].cost(), None);
    assert!(s.panel.session_cost_partial);
    typed(&mut s, "y");
    let id = sends(&update(&mut s, ctrl('s')))[0].0;
    let err = GatewayError::Http {
        status: 429,
        url: "http://gw/v1/chat/completions".into(),
        message: "slow down".into(),
        retry_after: None,
        key_env: None,
    };
    Req::start(&mut s, id, t0).end_with(&mut s, t0, Some(err), None);
    assert_eq!(s.panes[0].status, Status::Error);
    let a = s.panes[0].answer.as_ref().unwrap();
    assert_eq!(a.error_kind, Some(crate::gateway::ErrorKind::RateLimited));
    assert!(
        s.panes[0]
            .transcript
            .rows()
            .iter()
            .any(|r| r.text.contains("HTTP 429"))
    );
}

#[test]
fn session_stats_accumulate_per_model_and_sort() {
    let mut s = state(&["a/fast", "b/large"]);
    let t0 = Instant::now();
    for round in 0..3u64 {
        typed(&mut s, "x");
        let sent = sends(&update(&mut s, ctrl('s')));
        for (i, (id, _)) in sent.iter().enumerate() {
            // b/large is slower to its first token.
            let start = t0 + Duration::from_secs(round * 10);
            let usage = Some(Usage {
                input_tokens: 10,
                output_tokens: 3,
                ..Default::default()
            });
            testkit::answer(
                &mut s,
                *id,
                start,
                100 * (i as u64 + 1),
                "one two three",
                usage,
            );
        }
    }
    assert_eq!(s.panel.stats.len(), 2);
    let a = &s.panel.stats["a/fast"];
    assert_eq!(a.runs, 3);
    assert!((a.ttft_ms(0.5).unwrap() - 100.0).abs() < 0.5);
    assert!((s.panel.stats["b/large"].ttft_ms(0.5).unwrap() - 200.0).abs() < 0.5);
    assert_eq!(a.recent_ttft_ms.len(), 3);
    // Sort by TTFT p50, then reverse.
    update(&mut s, key(KeyCode::Tab)); // panes: plain keys act
    while s.panel.sort != SortKey::TtftP50 {
        update(&mut s, key(KeyCode::Char('s')));
    }
    let order: Vec<&str> = s
        .panel
        .sorted_stats()
        .iter()
        .map(|(m, _)| m.as_str())
        .collect();
    assert_eq!(order, vec!["a/fast", "b/large"]);
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT)),
    );
    let order: Vec<&str> = s
        .panel
        .sorted_stats()
        .iter()
        .map(|(m, _)| m.as_str())
        .collect();
    assert_eq!(order, vec!["b/large", "a/fast"]);
    update(&mut s, key(KeyCode::Char('b')));
    assert_eq!(s.panel.compare, CompareMetric::TokensPerSecond);
    update(&mut s, key(KeyCode::Char('v')));
    assert_eq!(s.panel.view, PanelView::Session);
}

#[test]
fn budget_warns_at_80_percent_and_asks_at_100() {
    let mut s = state(&["a/fast"]);
    // $1 + $2 per million in/out: 1M input tokens cost $1.
    s.panel.budget_usd = Some(1.0);
    let t0 = Instant::now();
    let big = |n| {
        Some(Usage {
            input_tokens: n,
            output_tokens: 0,
            ..Default::default()
        })
    };
    typed(&mut s, "x");
    let id = sends(&update(&mut s, ctrl('s')))[0].0;
    answer(&mut s, id, t0, "a", big(850_000));
    assert!(
        s.status_msg.as_deref().unwrap().contains("budget"),
        "{:?}",
        s.status_msg
    );
    typed(&mut s, "y");
    let id = sends(&update(&mut s, ctrl('s')))[0].0;
    answer(&mut s, id, t0, "b", big(200_000));
    assert!(s.panel.session_cost >= 1.0);
    // Spent: the next send asks first; "n" sends nothing, "y" sends.
    typed(&mut s, "z");
    assert!(sends(&update(&mut s, ctrl('s'))).is_empty());
    assert!(matches!(s.overlay, Overlay::Confirm(Confirm::Budget(_))));
    assert!(sends(&update(&mut s, key(KeyCode::Char('n')))).is_empty());
    assert_eq!(s.overlay, Overlay::None);
    assert_eq!(
        s.editor.area.lines(),
        ["z"],
        "the prompt is kept when not sent"
    );
    update(&mut s, ctrl('s'));
    let sent = sends(&update(&mut s, key(KeyCode::Char('y'))));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.messages.last().unwrap().content, "z");
    assert!(
        s.editor.text().is_empty(),
        "a prompt sent leaves the editor"
    );
}

#[test]
fn no_usage_means_estimates_marked_and_config_prices_used() {
    let mut s = state(&["zz/unlisted"]);
    s.config_prices.insert(
        "zz/unlisted".into(),
        Prices {
            input: Some(1.0),
            output: Some(1.0),
            ..Default::default()
        },
    );
    typed(&mut s, "hello world");
    let id = sends(&update(&mut s, ctrl('s')))[0].0;
    answer(&mut s, id, Instant::now(), "hello world", None);
    let p = &s.panes[0];
    let a = p.answer.as_ref().unwrap();
    assert!(a.estimated);
    assert_eq!(a.output_tokens, Some(2));
    // The prompt sent, "hello world", is what the input estimate counts.
    assert_eq!(
        a.input_tokens,
        Some(crate::metrics::estimate_prompt_tokens(&[
            crate::gateway::wire::Message::user("hello world")
        ]))
    );
    let c = p.cost().unwrap();
    assert_eq!(c.source, crate::metrics::CostSource::Config);
    assert!(p.live(None).estimated);
}

#[test]
fn panes_send_through_routes_and_show_every_hop() {
    let mut s = state(&["a/fast"]);
    let c = crate::route::RouteConfig {
        chain: vec!["c/reasoner".into(), "a/fast".into()],
        ..Default::default()
    };
    s.routes
        .insert("r1".into(), Route::from_config("r1", &c).unwrap());
    // Focus the pane and switch it to the route with ].
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::Char('1')));
    update(&mut s, key(KeyCode::Char(']')));
    assert_eq!(s.panes[0].route.as_deref(), Some("r1"));
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    );
    typed(&mut s, "hi");
    let effects = update(&mut s, ctrl('s'));
    let (id, route) = match &effects[0] {
        Effect::Send {
            request_id,
            route,
            req,
        } => {
            assert_eq!(req.model, "c/reasoner");
            (*request_id, route.clone())
        }
        e => panic!("{e:?}"),
    };
    assert_eq!(route.chain, vec!["c/reasoner", "a/fast"]);
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let mut r = Req::start(&mut s, id, t0);
    assert_eq!(s.panes[0].served_by.as_deref(), Some("a/fast"));
    r.attempt(&mut s, "c/reasoner", t0);
    let overloaded = GatewayError::Http {
        status: 503,
        url: String::new(),
        message: "overloaded".into(),
        retry_after: None,
        key_env: None,
    };
    r.fail_hop(&mut s, ms(12), overloaded, Next::MoveOn("a/fast".into()));
    r.attempt(&mut s, "a/fast", ms(20));
    r.content(&mut s, ms(120), "answer");
    // Live, while streaming, the wait for the fallback counts too.
    assert_eq!(s.panes[0].live(Some(ms(125))).ttft_ms, Some(120.0));
    assert_eq!(s.panes[0].live(Some(ms(125))).total_ms, Some(125.0));
    r.end(&mut s, ms(130));
    let p = &s.panes[0];
    assert_eq!(p.status, Status::Done);
    assert_eq!(p.served_by.as_deref(), Some("a/fast"));
    let a = p.answer.as_ref().unwrap();
    assert_eq!(a.hops.len(), 2);
    assert_eq!(
        a.hops[0].failure,
        Some(crate::gateway::ErrorKind::ServerError)
    );
    assert_eq!(a.route.as_deref(), Some("r1"), "{a:?}");
    let rows: Vec<&str> = texts(p);
    assert!(
        rows.iter()
            .any(|r| r.contains("c/reasoner failed after 12 ms: HTTP 503: overloaded")),
        "{rows:?}"
    );
    assert!(
        rows.iter().any(|r| r.contains("falling back to a/fast")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("served by a/fast after 1 failed attempt")),
        "{rows:?}"
    );
    // TTFT and total count from the first attempt's send: the failed hop's 20 ms are waited too;
    // the answering attempt's own figures stay in the record.
    let live = p.live(None);
    assert_eq!(live.ttft_ms, Some(120.0));
    assert_eq!(live.total_ms, Some(130.0));
    let a = p.answer.as_ref().unwrap();
    assert_eq!(
        (a.served_ttft_ms, a.served_total_ms),
        (Some(100.0), Some(110.0))
    );
    assert_eq!(
        s.panel.stats["a/fast"].ttft_ms(0.5).map(f64::round),
        Some(120.0)
    );
    // Fallback off: only the first hop is sent next time.
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::Char('f')));
    match &update(&mut s, key(KeyCode::Char('r')))[..] {
        [Effect::Send { route, .. }] => assert_eq!(route.chain, vec!["c/reasoner"]),
        e => panic!("{e:?}"),
    }
    // [ cycles back to the plain model.
    update(&mut s, key(KeyCode::Char('[')));
    assert_eq!(s.panes[0].route, None);
}

#[test]
fn done_says_when_an_answer_was_cut_refused_or_all_reasoning() {
    use crate::gateway::wire::FinishReason;
    let cases: [(Chunk, &str); 4] = [
        (testkit::content("fine"), "done"),
        (
            Chunk {
                content: Some("half an ans".into()),
                finish_reason: Some(FinishReason::Length),
                ..Default::default()
            },
            "done · cut at max tokens",
        ),
        (
            Chunk {
                reasoning: Some("thinking, thinking".into()),
                finish_reason: Some(FinishReason::Length),
                ..Default::default()
            },
            "done · only reasoning",
        ),
        (
            Chunk {
                content: Some("partly".into()),
                finish_reason: Some(FinishReason::ContentFilter),
                ..Default::default()
            },
            "done · filtered",
        ),
    ];
    for (chunk, want) in cases {
        let (mut s, id) = sent_one("x");
        let t0 = Instant::now();
        let mut r = Req::start(&mut s, id, t0);
        r.chunk(&mut s, t0 + Duration::from_millis(5), chunk);
        r.end(&mut s, t0 + Duration::from_millis(9));
        assert_eq!(s.panes[0].state_label(), want);
    }
}

#[test]
fn a_plain_models_error_shows_once_without_route_talk() {
    let (mut s, id) = sent_one("x");
    let t0 = Instant::now();
    let mut r = Req::start(&mut s, id, t0);
    let err = || GatewayError::Http {
        status: 429,
        url: "http://gw/v1/chat/completions".into(),
        message: "slow down (rate_limit_error)".into(),
        retry_after: None,
        key_env: None,
    };
    r.fail_hop(&mut s, t0, err(), Next::GiveUp);
    r.end_with(&mut s, t0, Some(err()), None);
    let all = texts(&s.panes[0]).join("\n");
    assert_eq!(all.matches("slow down").count(), 1, "{all}");
    assert!(!all.contains("giving up"), "{all}");
    assert!(!all.contains("(rate limited)"), "{all}");
}

#[test]
fn the_panel_does_not_jump_when_session_stats_appear() {
    let mut s = state(&["a/fast", "b/large", "c/reasoner"]);
    let before = s.areas().panel.height;
    typed(&mut s, "x");
    let sent = sends(&update(&mut s, ctrl('s')));
    for (id, _) in sent {
        answer(&mut s, id, Instant::now(), "done", None);
    }
    assert_eq!(s.panel.stats.len(), 3);
    assert_eq!(s.areas().panel.height, before);
}

/// Chunks folded while they wait for the event loop (`Action::absorb`) show the same pane as the
/// chunks one by one; a fold that would change the order is refused.
#[test]
fn folded_chunks_show_what_the_chunks_one_by_one_show() {
    let at = Instant::now();
    let chunk = |id: u64, reasoning: Option<&str>, content: Option<&str>| Action::Chunk {
        request_id: id,
        at,
        chunk: Chunk {
            reasoning: reasoning.map(String::from),
            content: content.map(String::from),
            ..Default::default()
        },
        progress: Default::default(),
    };
    let parts = [
        (Some("thinking "), None),
        (Some("more"), None),
        (None, Some("The ")),
        (None, Some("answer")),
    ];
    let (mut one, id) = sent_one("q");
    let (mut folded, id2) = sent_one("q");
    assert_eq!(id, id2);
    let mut waiting: Vec<Action> = Vec::new();
    for (r, c) in parts {
        update(&mut one, chunk(id, r, c));
        let a = chunk(id, r, c);
        let rest = match waiting.last_mut() {
            Some(last) => last.absorb(a),
            None => Some(a),
        };
        waiting.extend(rest);
    }
    assert_eq!(
        waiting.len(),
        1,
        "reasoning, then answer text, fold into one"
    );
    for a in waiting {
        update(&mut folded, a);
    }
    assert_eq!(texts(&one.panes[0]), texts(&folded.panes[0]));
    assert_eq!(one.panes[0].status, folded.panes[0].status);
    // Answer text then reasoning, another request, or a tool call: not folded.
    let mut a = chunk(id, None, Some("x"));
    assert!(a.absorb(chunk(id, Some("r"), None)).is_some());
    assert!(a.absorb(chunk(id + 1, None, Some("y"))).is_some());
    let mut call = chunk(id, None, None);
    if let Action::Chunk { chunk, .. } = &mut call {
        chunk.tool_calls.push(Default::default());
    }
    assert!(a.absorb(call).is_some());
    assert!(a.absorb(Action::Tick(at)).is_some());
}

//! Reading and judging: raw toggle, pane search, copying, diff, blind rounds and the leaderboard,
//! driven by keys and checked on the state, the effects and the drawn screen.

use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::history::{Record, VoteInfo};

pub(super) fn screen(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(s.size.width, s.size.height)).unwrap();
    let theme = crate::ui::Theme::builtin("dark").unwrap();
    t.draw(|f| crate::ui::render(s, &theme, f)).unwrap();
    t.backend().to_string()
}

/// The screen without the model picker (which lists every model, selected or not).
fn screen_but_picker(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(s.size.width, s.size.height)).unwrap();
    let theme = crate::ui::Theme::builtin("dark").unwrap();
    t.draw(|f| crate::ui::render(s, &theme, f)).unwrap();
    let picker = s.areas().picker;
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            if !picker.contains(ratatui::layout::Position::new(x, y)) {
                out.push_str(buf[(x, y)].symbol());
            }
        }
        out.push('\n');
    }
    out
}

/// Arm a blind round (a pane key), then back to the editor.
fn arm_blind(s: &mut State) {
    s.focus = Focus::Panes;
    update(s, shift('B'));
    s.focus = Focus::Editor;
}

fn shift(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT))
}

fn ch(c: char) -> Action {
    key(KeyCode::Char(c))
}

/// Models selected, `prompt` sent, each answered with its text; focus on the panes.
fn answered(models: &[&str], prompt: &str, texts: &[&str]) -> State {
    let mut s = state(models);
    let ids = send_ids(&mut s, prompt);
    let t0 = Instant::now();
    for (id, text) in ids.iter().zip(texts) {
        answer(&mut s, *id, t0, text, None);
    }
    s.focus = Focus::Panes;
    s
}

fn copies(effects: &[Effect]) -> Vec<(String, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Copy { text, what } => Some((text.clone(), what.clone())),
            _ => None,
        })
        .collect()
}

const CODE: &str = "Intro **bold**.\n\n```rust\nfn a() {}\n```\n\nMiddle.\n\n```sh\necho hi\n```\n";

#[test]
fn t_toggles_raw_and_rendered_for_the_focused_pane() {
    let mut s = answered(&["a/fast"], "q", &[CODE]);
    assert!(texts(&s.panes[0]).contains(&"Intro bold."));
    update(&mut s, ch('t'));
    assert!(s.panes[0].transcript.raw());
    assert!(texts(&s.panes[0]).contains(&"Intro **bold**."));
    assert!(screen(&s).contains(" raw "));
    update(&mut s, ch('t'));
    assert!(texts(&s.panes[0]).contains(&"Intro bold."));
}

#[test]
fn slash_searches_the_pane_and_n_moves_between_matches() {
    let mut s = answered(&["a/fast"], "q", &["alpha beta\nALPHA gamma\nalphabet"]);
    update(&mut s, ch('/'));
    typed(&mut s, "alpha");
    update(&mut s, key(KeyCode::Enter));
    let f = s.panes[0].find.clone().unwrap();
    assert_eq!(f.hits.len(), 3);
    assert_eq!(f.count(), "1/3");
    assert!(screen(&s).contains("/alpha 1/3"));
    update(&mut s, ch('n'));
    update(&mut s, ch('n'));
    assert_eq!(s.panes[0].find.as_ref().unwrap().count(), "3/3");
    update(&mut s, ch('n'));
    assert_eq!(s.panes[0].find.as_ref().unwrap().count(), "1/3");
    update(&mut s, shift('N'));
    assert_eq!(s.panes[0].find.as_ref().unwrap().count(), "3/3");
    // A capital letter makes it exact.
    update(&mut s, ch('/'));
    update(&mut s, ctrl('u'));
    typed(&mut s, "ALPHA");
    assert_eq!(s.panes[0].find.as_ref().unwrap().hits.len(), 1);
    // Esc clears the search.
    update(&mut s, key(KeyCode::Esc));
    assert!(s.panes[0].find.is_none());
    update(&mut s, ch('n'));
    assert!(s.status_msg.as_deref().unwrap().contains("no search"));
}

#[test]
fn matches_follow_new_text_on_the_tick() {
    let (mut s, id) = sent_one("q");
    let t0 = Instant::now();
    let mut r = Req::start(&mut s, id, t0);
    r.content(&mut s, t0, "one word\n");
    s.focus = Focus::Panes;
    update(&mut s, ch('/'));
    typed(&mut s, "word");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.panes[0].find.as_ref().unwrap().hits.len(), 1);
    r.content(&mut s, t0, "another word\n");
    update(&mut s, Action::Tick(t0));
    assert_eq!(s.panes[0].find.as_ref().unwrap().hits.len(), 2);
}

#[test]
fn y_copies_the_answer_and_shift_y_the_comparison() {
    let mut s = answered(&["a/fast", "b/large"], "Which?", &["First.", "Second."]);
    let c = copies(&update(&mut s, ch('y')));
    assert_eq!(
        c,
        vec![("First.".to_string(), "the answer of a/fast".to_string())]
    );
    let c = copies(&update(&mut s, shift('Y')));
    let md = &c[0].0;
    for part in [
        "> Which?",
        "## a/fast",
        "First.",
        "## b/large",
        "Second.",
        "TTFT 100 ms",
    ] {
        assert!(md.contains(part), "{part} in {md}");
    }
    assert_eq!(c[0].1, "the comparison of 2 answers");
    // The event loop's answer becomes the one-line confirmation.
    update(
        &mut s,
        Action::Copied {
            what: "the answer of a/fast".into(),
            chars: 6,
            local: Err("no display".into()),
        },
    );
    let msg = s.status_msg.clone().unwrap();
    assert!(
        msg.contains("copied the answer of a/fast: 6 chars") && msg.contains("OSC 52"),
        "{msg}"
    );
}

#[test]
fn copy_mode_walks_code_blocks_and_copies_one() {
    let mut s = answered(&["a/fast"], "q", &[CODE]);
    assert_eq!(s.panes[0].transcript.code_blocks().len(), 2);
    update(&mut s, ch('c'));
    assert_eq!(s.overlay, Overlay::CopyPick(CopyPick));
    assert_eq!(s.panes[0].copy_sel, Some(1));
    assert!(screen(&s).contains("copy mode: block 2 of 2"));
    update(&mut s, key(KeyCode::Up));
    assert_eq!(s.panes[0].copy_sel, Some(0));
    let c = copies(&update(&mut s, key(KeyCode::Enter)));
    assert_eq!(c[0].0, "fn a() {}");
    assert_eq!(c[0].1, "code block 1 of 2 (rust), 1 line");
    assert_eq!(s.overlay, Overlay::None);
    assert_eq!(s.panes[0].copy_sel, None);
    // No code: says so.
    let mut s = answered(&["a/fast"], "q", &["plain"]);
    update(&mut s, ch('c'));
    assert_eq!(s.overlay, Overlay::None);
    assert!(s.status_msg.unwrap().contains("no code block"));
}

#[test]
fn d_then_a_number_diffs_two_answers() {
    let mut s = answered(
        &["a/fast", "b/large"],
        "q",
        &["the quick brown fox", "the slow brown fox"],
    );
    update(&mut s, ch('d'));
    assert_eq!(s.overlay, Overlay::DiffPick(DiffPick));
    let effects = update(&mut s, ch('2'));
    assert!(screen(&s).contains("comparing"));
    // The event loop runs the diff as a task and hands back its result.
    let Some(Effect::Diff { old, new }) = effects.into_iter().next() else {
        panic!("no diff effect")
    };
    assert_eq!(
        (old.as_str(), new.as_str()),
        ("the quick brown fox", "the slow brown fox")
    );
    update(
        &mut s,
        Action::Diffed(Box::new(diff::word_diff(&old, &new))),
    );
    let Overlay::Diff(v) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    let d = v.result.as_ref().unwrap();
    assert_eq!((d.inserted, d.deleted), (1, 1));
    assert!(v.sides[0].starts_with("1 a/fast") && v.sides[1].starts_with("2 b/large"));
    let shown = screen(&s);
    assert!(shown.contains("86% alike"), "{shown}");
    update(&mut s, key(KeyCode::Esc));
    // The focused pane with itself is refused.
    update(&mut s, ch('d'));
    update(&mut s, ch('1'));
    assert_eq!(s.overlay, Overlay::None);
    assert!(s.status_msg.unwrap().contains("another pane"));
}

const MODELS: [&str; 3] = ["a/fast", "b/large", "c/reasoner"];

#[test]
fn a_blind_round_hides_names_until_the_vote_then_records_it() {
    let mut s = state(&MODELS);
    s.history.recording = true;
    s.blind.seed = 7;
    arm_blind(&mut s);
    assert!(s.blind.armed);
    let ids = send_ids(&mut s, "Which is best?");
    assert!(!s.blind.armed, "one round per arming");
    let order = s.selected_panes();
    assert_eq!(order.len(), 3);
    let t0 = Instant::now();
    for (i, id) in ids.iter().enumerate() {
        answer(&mut s, *id, t0, &format!("answer text {i}"), None);
    }
    // Nowhere on the screen: not in pane titles, the live panel, or the session statistics; the
    // picker marks the selected models without pane numbers.
    assert!(screen(&s).contains("[•] a/fast") && !screen(&s).contains("[1]"));
    for view in 0..3 {
        let shown = screen_but_picker(&s);
        for m in MODELS {
            assert!(!shown.contains(m), "{m} drawn in view {view}:\n{shown}");
        }
        s.focus = Focus::Panes;
        update(&mut s, ch('v'));
    }
    assert!(screen(&s).contains("answer A"));
    // Voting before every answer is in, or outside a round, is refused; here it opens the vote.
    s.focus = Focus::Panes;
    update(&mut s, ch('w'));
    assert_eq!(s.overlay, Overlay::Vote(VotePick { answers: 3 }));
    let effects = update(&mut s, ch('2'));
    let votes: Vec<VoteInfo> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Record(r) => match &**r {
                Record::Vote(v) => Some(v.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let shown_models: Vec<String> = order.iter().map(|&p| s.panes[p].model.clone()).collect();
    assert_eq!(votes.len(), 1);
    assert_eq!(votes[0].models, shown_models);
    assert_eq!(votes[0].winner.as_deref(), Some(shown_models[1].as_str()));
    // Revealed: the names are drawn, the order stays as it was.
    let shown = screen(&s);
    for m in MODELS {
        assert!(shown.contains(m), "{m} after the vote");
    }
    assert_eq!(s.selected_panes(), order);
    assert!(s.status_msg.as_deref().unwrap().contains("B was"));
    update(&mut s, ch('w'));
    assert!(s.status_msg.as_deref().unwrap().contains("blind rounds"));
}

#[test]
fn blind_order_depends_on_the_seed_and_a_tie_is_a_vote() {
    let orders: Vec<Vec<usize>> = (0..8u64)
        .map(|seed| {
            let mut b = blind::Blind {
                armed: true,
                seed,
                ..Default::default()
            };
            b.on_send(1, &[0, 1, 2]);
            b.round.unwrap().order
        })
        .collect();
    assert!(
        orders.iter().any(|o| *o != orders[0]),
        "shuffled: {orders:?}"
    );
    for o in &orders {
        let mut sorted = o.clone();
        sorted.sort();
        assert_eq!(sorted, vec![0, 1, 2]);
    }
    let mut s = state(&MODELS[..2]);
    arm_blind(&mut s);
    let ids = send_ids(&mut s, "q");
    s.focus = Focus::Panes;
    update(&mut s, ch('w'));
    assert!(
        s.status_msg
            .as_deref()
            .unwrap()
            .contains("wait for every answer")
    );
    for id in ids {
        answer(&mut s, id, Instant::now(), "x", None);
    }
    update(&mut s, ch('w'));
    update(&mut s, ch('='));
    assert_eq!(s.blind.votes.len(), 1);
    assert_eq!(s.blind.votes[0].winner, None);
    // A plain send afterwards ends the round: the usual order comes back.
    s.focus = Focus::Editor;
    typed(&mut s, "again");
    update(&mut s, ctrl('s'));
    assert!(s.blind.round.is_none());
    assert_eq!(s.selected_panes(), vec![0, 1]);
}

#[test]
fn the_leaderboard_falls_back_to_the_session_without_history() {
    let mut s = answered(&MODELS[..2], "q", &["x", "y"]);
    s.blind.votes.push(VoteInfo {
        turn: 1,
        models: vec!["a/fast".into(), "b/large".into()],
        winner: Some("b/large".into()),
    });
    let effects = update(&mut s, shift('L'));
    assert!(effects.contains(&Effect::LoadLeaderboard));
    assert!(screen(&s).contains("reading votes"));
    update(&mut s, Action::Leaderboard(Err("history is off".into())));
    let Overlay::Leaderboard(BoardView(Some(b))) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert_eq!(b.source, "this session");
    assert_eq!(b.standings[0].model, "b/large");
    let shown = screen(&s);
    assert!(
        shown.contains("Leaderboard · 1 blind vote from this session"),
        "{shown}"
    );
    assert!(shown.contains("frontier"), "{shown}");
}

#[test]
fn no_color_keeps_the_structure_without_colours() {
    let s = answered(
        &["a/fast"],
        "q",
        &[
            "# Title\n\n- **one**\n- two\n\n> quoted\n\n```rust\nfn a() {}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        ],
    );
    let mut t = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let theme = crate::ui::Theme::no_color();
    t.draw(|f| crate::ui::render(&s, &theme, f)).unwrap();
    let buf = t.backend().buffer();
    let text = t.backend().to_string();
    for mark in [
        "# Title",
        "• one",
        "│ quoted",
        "▌ rust",
        "▌ fn a() {}",
        "a │ b",
        "──┼──",
    ] {
        assert!(text.contains(mark), "{mark}:\n{text}");
    }
    let mut bold = 0;
    let pane = s.areas().panes[0];
    for cell in pane.positions().map(|p| &buf[p]) {
        assert_eq!(cell.fg, ratatui::style::Color::Reset, "{cell:?}");
        if cell.modifier.contains(ratatui::style::Modifier::BOLD) && cell.symbol() == "o" {
            bold += 1;
        }
    }
    assert!(bold > 0, "bold stays");
}

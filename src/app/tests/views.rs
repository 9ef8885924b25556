//! Overlays as views, without a workbench: each takes the key map's commands, changes only
//! itself, and reaches the rest through `Ctx` and its `Outcome`.

use super::*;
use crate::app::view::{Ask, CopyAsk, Ctx, FindAsk, Keyed, Outcome, View};
use crate::history::query::Entry;

fn keyed(code: KeyCode, mods: KeyModifiers) -> Keyed {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    Keyed::new(&km, KeyEvent::new(code, mods))
}

fn plain(code: KeyCode) -> Keyed {
    keyed(code, KeyModifiers::NONE)
}

/// A key to a view: its outcome, and the flash and effects it left in the context.
fn press(v: &mut dyn View, k: Keyed) -> (Outcome, Option<String>, Vec<Effect>) {
    let mut ctx = Ctx::default();
    let out = v.on(&k, &mut ctx);
    let (flash, effects) = ctx.into_parts();
    (out, flash, effects)
}

/// A history entry of turn 2, with no targets.
fn entry(id: i64, prompt: &str) -> Entry {
    Entry {
        targets: vec![],
        ..super::history::entry(id, 2, prompt)
    }
}

#[test]
fn keys_are_read_by_every_layer_at_once() {
    let k = plain(KeyCode::Char('j'));
    // A plain letter moves a list, but types in a field (and is no command there).
    assert_eq!(k.list, Some(keymap::ListCmd::Down));
    assert_eq!(k.list_typing, None);
    assert_eq!(k.form, None);
    let y = plain(KeyCode::Char('y'));
    assert_eq!(y.confirm, Some(keymap::ConfirmCmd::Yes));
    let send = keyed(KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(send.global_typing, Some(keymap::Command::Send));
}

#[test]
fn the_history_list_moves_opens_sends_and_searches_as_typed() {
    let mut v = HistoryView {
        query: crate::app::forms::TextField::new(""),
        entries: vec![entry(7, "first"), entry(9, "second")],
        selected: 0,
        generation: 3,
        loading: false,
        error: None,
    };
    assert_eq!(press(&mut v, plain(KeyCode::Down)).0, Outcome::Stay);
    assert_eq!(v.selected, 1);
    assert_eq!(press(&mut v, plain(KeyCode::Down)).0, Outcome::Stay);
    assert_eq!(v.selected, 1, "the last entry stays selected");
    // Enter opens the session and keeps the view until the workbench can (nothing running).
    let open = press(&mut v, plain(KeyCode::Enter)).0;
    assert_eq!(
        open,
        Outcome::Ask(Ask::OpenSession {
            id: 9,
            turn: Some(2)
        })
    );
    let send = press(&mut v, keyed(KeyCode::Char('s'), KeyModifiers::CONTROL)).0;
    assert_eq!(send, Outcome::Then(Ask::Send("second".into())));
    // Typing searches: a newer generation, and the query for the event loop.
    let (out, flash, effects) = press(&mut v, plain(KeyCode::Char('q')));
    assert_eq!((out, flash), (Outcome::Stay, None));
    assert_eq!(
        effects,
        vec![Effect::HistoryQuery {
            generation: 4,
            query: "q".into()
        }]
    );
    assert!(v.loading);
    // Rows of an older query are dropped; the newest ones land.
    v.on_rows(3, Ok(vec![]));
    assert!(v.loading);
    v.on_rows(4, Ok(vec![entry(1, "q?")]));
    assert_eq!((v.loading, v.entries.len(), v.selected), (false, 1, 0));
    assert_eq!(press(&mut v, plain(KeyCode::Esc)).0, Outcome::Close);
}

#[test]
fn questions_answer_yes_no_and_say_why_nothing_was_sent() {
    let mut budget = Confirm::Budget("hello".into());
    let (out, flash, _) = press(&mut budget, plain(KeyCode::Char('n')));
    assert_eq!(out, Outcome::Close);
    assert_eq!(
        flash.as_deref(),
        Some("not sent: the session budget is spent")
    );
    // Enter is no yes past the budget; y is.
    assert_eq!(press(&mut budget, plain(KeyCode::Enter)).0, Outcome::Close);
    let yes = press(&mut budget, plain(KeyCode::Char('y'))).0;
    assert_eq!(yes, Outcome::Then(Ask::SendAnyway("hello".into())));
    let mut quit = Confirm::Quit;
    let ctrl_c = keyed(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(press(&mut quit, ctrl_c).0, Outcome::Then(Ask::Quit));
    assert_eq!(
        press(&mut quit, plain(KeyCode::Char('x'))).0,
        Outcome::Close
    );
    let mut new = Confirm::New;
    assert_eq!(
        press(&mut new, plain(KeyCode::Enter)).0,
        Outcome::Then(Ask::NewConversation)
    );
}

#[test]
fn a_stored_benchmark_opens_from_its_list_and_esc_goes_back() {
    use crate::app::benchrun::StoredRun;
    let run = |id| StoredRun {
        id,
        started_ms: 0,
        workload: "w".into(),
        targets: "t".into(),
        summary: Box::default(),
    };
    let mut v = BenchView::Runs {
        runs: vec![run(1), run(2)],
        selected: 0,
    };
    press(&mut v, plain(KeyCode::Char('j')));
    assert_eq!(press(&mut v, plain(KeyCode::Enter)).0, Outcome::Stay);
    assert!(matches!(&v, BenchView::Done { back: Some((r, 1)), .. } if r.len() == 2));
    assert_eq!(press(&mut v, plain(KeyCode::Esc)).0, Outcome::Stay);
    assert!(matches!(&v, BenchView::Runs { selected: 1, .. }));
    // Shift-R from a summary asks for the stored runs again.
    let mut done = BenchView::Done {
        summary: Box::default(),
        scroll: 0,
        back: None,
    };
    let (out, _, effects) = press(&mut done, keyed(KeyCode::Char('R'), KeyModifiers::SHIFT));
    assert_eq!((out, effects), (Outcome::Stay, vec![Effect::LoadBenchRuns]));
    assert_eq!(done, BenchView::Loading);
    // Esc on a running benchmark cancels it.
    let mut running = BenchView::Running {
        requests: 4,
        spend: String::new(),
    };
    let (out, _, effects) = press(&mut running, plain(KeyCode::Esc));
    assert_eq!((out, effects), (Outcome::Close, vec![Effect::CancelBench]));
}

#[test]
fn bars_and_pickers_ask_the_workbench_for_what_touches_panes() {
    let mut find = FindBar {
        field: crate::app::forms::TextField::new("ab"),
    };
    assert_eq!(
        press(&mut find, plain(KeyCode::Char('c'))).0,
        Outcome::Ask(Ask::Find(FindAsk::Query("abc".into())))
    );
    assert_eq!(
        press(&mut find, plain(KeyCode::Esc)).0,
        Outcome::Then(Ask::Find(FindAsk::Cancel))
    );
    assert_eq!(
        press(&mut CopyPick, plain(KeyCode::Char('n'))).0,
        Outcome::Ask(Ask::Copy(CopyAsk::Next))
    );
    assert_eq!(
        press(&mut CopyPick, plain(KeyCode::Char('x'))).0,
        Outcome::Ask(Ask::Copy(CopyAsk::Leave))
    );
    assert_eq!(
        press(&mut DiffPick, plain(KeyCode::Char('2'))).0,
        Outcome::Then(Ask::DiffWith(2))
    );
    let mut vote = VotePick { answers: 2 };
    assert_eq!(
        press(&mut vote, plain(KeyCode::Char('b'))).0,
        Outcome::Then(Ask::Vote(Some(1)))
    );
    let (out, flash, _) = press(&mut vote, plain(KeyCode::Char('c')));
    assert_eq!((out, flash.as_deref()), (Outcome::Close, Some("no vote")));
    let mut bar = ToolResultBar {
        pane: 3,
        field: crate::app::forms::TextField::new("{}"),
    };
    assert_eq!(
        press(&mut bar, plain(KeyCode::Enter)).0,
        Outcome::Then(Ask::ToolResult {
            pane: 3,
            text: "{}".into()
        })
    );
}

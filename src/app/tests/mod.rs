use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::*;
use crate::app::keymap::Keymap;
use crate::app::overlay::*;
use crate::gateway::GatewayError;
use crate::gateway::wire::{ChatRequest, Chunk, Message, ModelInfo, Prices, Usage};
use crate::route::Next;
use crate::route::Route;
use crate::testkit::{self, Req};
use pane::Status;
use reqwest::header::HeaderMap;

pub(super) fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(super) fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub(super) fn alt(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

pub(super) fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, key(KeyCode::Char(c)));
    }
}

pub(super) fn models() -> Vec<ModelInfo> {
    ["a/fast", "b/large", "c/reasoner", "d/free"]
        .iter()
        .map(|id| ModelInfo {
            id: id.to_string(),
            context_length: Some(128_000),
            prices: Prices {
                input: Some(1.0),
                output: Some(2.0),
                ..Default::default()
            },
            owned_by: None,
        })
        .collect()
}

pub(super) fn state(selected: &[&str]) -> State {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let mut s = State::new(km, selected.iter().map(|m| m.to_string()).collect(), None);
    update(&mut s, Action::Resize(160, 48));
    update(&mut s, Action::ModelsLoaded(Ok(models())));
    s
}

pub(super) fn sends(effects: &[Effect]) -> Vec<(u64, ChatRequest)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                request_id, req, ..
            } => Some((*request_id, req.clone())),
            _ => None,
        })
        .collect()
}

/// Type `prompt` in the editor and send it: the request ids.
pub(super) fn send_ids(s: &mut State, prompt: &str) -> Vec<u64> {
    typed(s, prompt);
    sends(&update(s, ctrl('s'))).iter().map(|x| x.0).collect()
}

/// The pane's transcript rows as text.
pub(super) fn texts(p: &pane::Pane) -> Vec<&str> {
    p.transcript
        .rows()
        .iter()
        .map(|r| r.text.as_str())
        .collect()
}

/// One model selected and `prompt` sent: the state and the request's id.
pub(super) fn sent_one(prompt: &str) -> (State, u64) {
    let mut s = state(&["a/fast"]);
    typed(&mut s, prompt);
    let id = sends(&update(&mut s, ctrl('s')))[0].0;
    (s, id)
}

/// Drive one request to the end with fixed instants: first token after 100 ms.
pub(super) fn answer(s: &mut State, id: u64, t0: Instant, text: &str, usage: Option<Usage>) {
    testkit::answer(s, id, t0, 100, text, usage)
}

mod account;
mod agent;
mod attachments;
mod bench;
mod history;
mod judging;
mod requests;
mod views;

#[test]
fn focus_starts_in_editor_with_models_and_cycles() {
    let mut s = state(&["a/fast"]);
    assert_eq!(s.focus, Focus::Editor);
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.focus, Focus::Panes);
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.focus, Focus::Picker);
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    );
    assert_eq!(s.focus, Focus::Panes);
    assert_eq!(state(&[]).focus, Focus::Picker);
}

#[test]
fn picker_filters_and_selects_in_order() {
    let mut s = state(&[]);
    typed(&mut s, "large");
    assert_eq!(s.picker.models[s.picker.matches[0]].id, "b/large");
    update(&mut s, key(KeyCode::Enter));
    update(&mut s, ctrl('u'));
    assert_eq!(s.picker.matches.len(), 4);
    typed(&mut s, "fast");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.selected, vec!["b/large", "a/fast"]);
    // Enter again on the same model deselects it; its pane (and history) is kept.
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.selected, vec!["b/large"]);
    assert_eq!(s.panes.len(), 2);
    // Esc in a non-empty filter clears it.
    update(&mut s, key(KeyCode::Esc));
    assert!(s.picker.filter.is_empty());
}

#[test]
fn plain_keys_type_in_the_editor_and_act_outside() {
    let mut s = state(&["a/fast"]);
    typed(&mut s, "q1m?");
    assert_eq!(s.editor.area.lines(), ["q1m?"]);
    assert_eq!(s.overlay, Overlay::None);
    update(&mut s, key(KeyCode::Tab)); // panes
    update(&mut s, key(KeyCode::Char('?')));
    assert_eq!(s.overlay, Overlay::Help(HelpView { scroll: 0 }));
    // The key list scrolls; any other key closes it.
    update(&mut s, key(KeyCode::Char('j')));
    update(&mut s, key(KeyCode::Down));
    assert_eq!(s.overlay, Overlay::Help(HelpView { scroll: 2 }));
    update(&mut s, key(KeyCode::Up));
    assert_eq!(s.overlay, Overlay::Help(HelpView { scroll: 1 }));
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.overlay, Overlay::None);
    assert_eq!(update(&mut s, key(KeyCode::Char('q'))), vec![Effect::Quit]);
}

#[test]
fn enter_is_newline_and_ctrl_s_sends_to_enabled_models() {
    let mut s = state(&["a/fast", "b/large", "c/reasoner"]);
    typed(&mut s, "line one");
    update(&mut s, key(KeyCode::Enter));
    typed(&mut s, "line two");
    update(&mut s, alt('2')); // turn b/large off
    let effects = update(&mut s, ctrl('s'));
    let sent = sends(&effects);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].1.model, "a/fast");
    assert_eq!(sent[1].1.model, "c/reasoner");
    assert_eq!(
        sent[0].1.messages.last().unwrap().content,
        "line one\nline two"
    );
    assert!(s.editor.area.is_empty());
    assert_eq!(s.panes[0].status, Status::Waiting);
    assert_eq!(s.panes[1].status, Status::Idle);
    // Alt-Enter sends too; an empty prompt sends nothing and says why.
    assert!(
        sends(&update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT))
        ))
        .is_empty()
    );
    assert!(s.status_msg.as_deref().unwrap().contains("prompt"));
}

#[test]
fn params_are_sent_and_validated() {
    let mut s = state(&["a/fast"]);
    update(&mut s, ctrl('p'));
    typed(&mut s, "be brief");
    update(&mut s, key(KeyCode::Tab));
    typed(&mut s, "abc");
    update(&mut s, key(KeyCode::Enter));
    match &s.overlay {
        Overlay::Params(f) => assert!(f.error.as_deref().unwrap().contains("max tokens")),
        o => panic!("{o:?}"),
    }
    for _ in 0..3 {
        update(&mut s, key(KeyCode::Backspace));
    }
    typed(&mut s, "64");
    update(&mut s, key(KeyCode::Tab));
    typed(&mut s, "0.2");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.overlay, Overlay::None);
    typed(&mut s, "hi");
    let sent = sends(&update(&mut s, ctrl('s')));
    let req = &sent[0].1;
    assert_eq!(req.max_tokens, Some(64));
    assert_eq!(req.temperature, Some(0.2));
    assert_eq!(req.messages[0], Message::system("be brief"));
}

#[test]
fn quit_asks_while_requests_run() {
    let mut s = state(&["a/fast"]);
    typed(&mut s, "x");
    let id = sends(&update(&mut s, ctrl('s')))[0].0;
    assert!(update(&mut s, ctrl('c')).is_empty());
    assert_eq!(s.overlay, Overlay::Confirm(Confirm::Quit));
    update(&mut s, key(KeyCode::Char('n')));
    assert_eq!(s.overlay, Overlay::None);
    update(&mut s, ctrl('c'));
    let effects = update(&mut s, key(KeyCode::Char('y')));
    assert_eq!(
        effects,
        vec![Effect::Cancel { request_id: id }, Effect::Quit]
    );
}

#[test]
fn maximise_jump_rerun_and_mouse() {
    let mut s = state(&["a/fast", "b/large", "c/reasoner"]);
    typed(&mut s, "again");
    update(&mut s, ctrl('s'));
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::Char('3')));
    assert_eq!(s.focused_pane, 2);
    update(&mut s, key(KeyCode::Char('m')));
    assert_eq!(s.visible().len(), 1);
    assert_eq!(s.panes[s.visible()[0]].model, "c/reasoner");
    update(&mut s, key(KeyCode::Char('m')));
    assert_eq!(s.visible().len(), 3);
    let sent = sends(&update(&mut s, key(KeyCode::Char('r'))));
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].1.messages.last().unwrap().content, "again");
    // A click on the first pane focuses it; the wheel scrolls the pane under the pointer.
    let area = s.areas().panes[0];
    let click = |kind| {
        Action::Mouse(MouseEvent {
            kind,
            column: area.x + 2,
            row: area.y + 2,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut s, click(MouseEventKind::Down(MouseButton::Left)));
    assert_eq!(s.focused_pane, 0);
    let long = "line\n".repeat(200);
    s.panes[0].transcript.push(transcript::Seg::Answer, &long);
    update(&mut s, click(MouseEventKind::ScrollUp));
    assert!(!s.panes[0].follow);
    update(&mut s, key(KeyCode::End));
    assert!(s.panes[0].follow);
    assert_eq!(
        update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::F(2), KeyModifiers::NONE))
        ),
        vec![Effect::MouseCapture(false)]
    );
}

#[test]
fn ticks_redraw_only_while_running() {
    let mut s = state(&["a/fast"]);
    s.dirty = false;
    update(&mut s, Action::Tick(Instant::now()));
    assert!(!s.dirty);
    typed(&mut s, "x");
    update(&mut s, ctrl('s'));
    s.dirty = false;
    update(&mut s, Action::Tick(Instant::now()));
    assert!(s.dirty);
}

#[test]
fn route_form_edits_and_rehearse_asks_for_a_report() {
    let mut s = state(&["a/fast"]);
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::Char('1')));
    update(&mut s, key(KeyCode::Char('e')));
    let Overlay::RouteForm(f) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert_eq!(f.name, "a/fast-fallback");
    typed(&mut s, "b/large");
    update(&mut s, key(KeyCode::Tab));
    typed(&mut s, "429, nonsense");
    update(&mut s, key(KeyCode::Enter));
    let Overlay::RouteForm(f) = &s.overlay else {
        panic!()
    };
    assert!(f.error.as_deref().unwrap().contains("nonsense"));
    // The form stays open with its error: the focus is still the panes' behind it.
    assert_eq!(s.focus, Focus::Panes);
    for _ in 0..", nonsense".len() {
        update(&mut s, key(KeyCode::Backspace));
    }
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.overlay, Overlay::None);
    // Keys typed on after the form closed type in the editor; none falls through to a command.
    assert_eq!(s.focus, Focus::Editor);
    let r = &s.routes["a/fast-fallback"];
    assert_eq!(r.chain, vec!["a/fast", "b/large"]);
    assert_eq!(r.on, vec![crate::gateway::ErrorKind::RateLimited]);
    assert_eq!(s.panes[0].route.as_deref(), Some("a/fast-fallback"));
    s.editor.last_prompt = Some("rehearse me".into());
    match &update(&mut s, ctrl('e'))[..] {
        [
            Effect::Rehearse {
                route,
                prompt,
                prices,
            },
        ] => {
            assert_eq!(route.chain, vec!["a/fast", "b/large"]);
            assert_eq!(prompt, "rehearse me");
            assert!(prices.get("b/large").is_some());
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(s.overlay, Overlay::Rehearsal(RehearsalView(None)));
    // A model the gateway does not list is saved, with a warning naming it.
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::Char('e')));
    update(&mut s, ctrl('u'));
    typed(&mut s, "a/fast, zz/hidden");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.overlay, Overlay::None);
    let msg = s.status_msg.clone().unwrap_or_default();
    assert!(msg.contains("not in /v1/models: zz/hidden"), "{msg}");
    assert_eq!(
        s.routes["a/fast-fallback"].chain,
        vec!["a/fast", "zz/hidden"]
    );
}

#[test]
fn models_named_twice_or_unlisted_at_start() {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let named = ["a/fast", "a/fast", "b/lrage"].map(String::from).to_vec();
    let mut s = State::new(km, named, None);
    assert_eq!(
        s.selected,
        vec!["a/fast", "b/lrage"],
        "twice is one pane, not a toggle off"
    );
    update(&mut s, Action::ModelsLoaded(Ok(models())));
    let msg = s.status_msg.clone().unwrap_or_default();
    assert!(
        msg.contains("not in /v1/models: b/lrage (closest: b/large"),
        "{msg}"
    );
    // It shows in the picker, so it can be deselected there.
    let i = s
        .picker
        .models
        .iter()
        .position(|m| m.id == "b/lrage")
        .unwrap();
    let row = s.picker.matches.iter().position(|&m| m == i).unwrap();
    update(&mut s, key(KeyCode::BackTab));
    s.picker.cursor = row;
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.selected, vec!["a/fast"]);
}

#[test]
fn a_flash_message_lasts_until_the_next_key() {
    let mut s = state(&["a/fast"]);
    update(&mut s, key(KeyCode::Char('r'))); // in the editor 'r' types: nothing to say
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::Char('r')));
    assert_eq!(s.status_msg.as_deref(), Some("nothing to re-run yet"));
    update(&mut s, key(KeyCode::Char('j')));
    assert_eq!(s.status_msg, None);
}

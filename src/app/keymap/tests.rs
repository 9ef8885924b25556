use super::*;
use crossterm::event::KeyEvent;
use crossterm::event::{KeyCode, KeyModifiers};

fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

#[test]
fn parse_and_match() {
    let k = parse_key("ctrl-s").unwrap();
    assert!(k.matches(&key(KeyCode::Char('s'), KeyModifiers::CONTROL)));
    let k = parse_key("?").unwrap();
    assert!(k.matches(&key(KeyCode::Char('?'), KeyModifiers::SHIFT)));
    assert!(k.matches(&key(KeyCode::Char('?'), KeyModifiers::NONE)));
    let k = parse_key("shift-tab").unwrap();
    assert!(k.matches(&key(KeyCode::BackTab, KeyModifiers::SHIFT)));
    assert_eq!(parse_key("alt-enter").unwrap().to_string(), "Alt-Enter");
    assert_eq!(parse_key("ctrl-s").unwrap().to_string(), "Ctrl-S");
    assert!(parse_key("ctrl-").is_none());
    assert!(parse_key("nonsense").is_none());
}

#[test]
fn plain_keys_type_in_text_inputs() {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
    assert_eq!(km.lookup(&q, false), Some(Command::Quit));
    assert_eq!(km.lookup(&q, true), None);
    let ctrl_c = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(km.lookup(&ctrl_c, true), Some(Command::Quit));
    let alt3 = key(KeyCode::Char('3'), KeyModifiers::ALT);
    assert_eq!(km.lookup(&alt3, true), Some(Command::ToggleRoute(3)));
    let three = key(KeyCode::Char('3'), KeyModifiers::NONE);
    assert_eq!(km.lookup(&three, false), Some(Command::JumpPane(3)));
    assert_eq!(km.lookup(&three, true), None);
}

#[test]
fn overrides_replace_and_unknowns_fail() {
    let mut o = BTreeMap::new();
    o.insert("send".to_string(), "ctrl-x".to_string());
    let km = Keymap::new(&o).unwrap();
    let cx = key(KeyCode::Char('x'), KeyModifiers::CONTROL);
    assert_eq!(km.lookup(&cx, true), Some(Command::Send));
    let cs = key(KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(km.lookup(&cs, true), None);
    o.insert("launch".to_string(), "x".to_string());
    assert!(Keymap::new(&o).unwrap_err().contains("launch"));
    let mut bad = BTreeMap::new();
    bad.insert("send".to_string(), "ctrl-".to_string());
    assert!(Keymap::new(&bad).is_err());
}

#[test]
fn a_key_bound_to_two_commands_is_an_error_naming_both() {
    let o: BTreeMap<String, String> = [("rerun".to_string(), "m".to_string())].into();
    let e = Keymap::new(&o).unwrap_err();
    assert!(
        e.contains("rerun") && e.contains("maximize") && e.contains(" m "),
        "{e}"
    );
    // Moving the other command away resolves it.
    let o: BTreeMap<String, String> = [
        ("rerun".to_string(), "m".to_string()),
        ("maximize".to_string(), "z".to_string()),
    ]
    .into();
    assert!(Keymap::new(&o).is_ok());
    assert!(
        Keymap::new(&BTreeMap::new()).is_ok(),
        "the defaults never conflict"
    );
}

#[test]
fn the_panes_layer_has_its_own_keys_which_rebind_and_may_not_shadow_a_global_one() {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let j = key(KeyCode::Char('j'), KeyModifiers::NONE);
    assert_eq!(
        km.lookup_in(Layer::Panes, &j, false),
        Some(Command::Pane(PaneCmd::ScrollDown))
    );
    assert_eq!(km.lookup(&j, false), None, "j is not global");
    let big_g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
    assert_eq!(
        km.lookup_in(Layer::Panes, &big_g, false),
        Some(Command::Pane(PaneCmd::ScrollBottom))
    );
    let o: BTreeMap<String, String> = [("page_down".to_string(), "x".to_string())].into();
    let km = Keymap::new(&o).unwrap();
    let x = key(KeyCode::Char('x'), KeyModifiers::NONE);
    assert_eq!(
        km.lookup_in(Layer::Panes, &x, false),
        Some(Command::Pane(PaneCmd::PageDown))
    );
    // `r` re-runs everywhere: a pane key on it would never fire.
    let o: BTreeMap<String, String> = [("scroll_up".to_string(), "r".to_string())].into();
    let e = Keymap::new(&o).unwrap_err();
    assert!(e.contains("rerun") && e.contains("scroll_up"), "{e}");
}

#[test]
fn command_names_come_from_serde_and_every_one_reads_back() {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let names: Vec<String> = km.bindings.iter().map(|b| b.command.name()).collect();
    for n in [
        "send",
        "sort",
        "copy_comparison",
        "pane_3",
        "toggle_route_9",
        "scroll_bottom",
    ] {
        assert!(names.iter().any(|x| x == n), "{n} missing from {names:?}");
    }
    // Each name rebinds its own command.
    for b in &km.bindings {
        let o: BTreeMap<String, String> = [(b.command.name(), "f12".to_string())].into();
        let k = Keymap::new(&o).unwrap();
        let f12 = key(KeyCode::F(12), KeyModifiers::NONE);
        assert_eq!(k.lookup_in(b.layer, &f12, false), Some(b.command));
    }
}

#[test]
fn named_keys_read_and_show() {
    for (s, shown) in [
        ("up", "↑"),
        ("pagedown", "PgDn"),
        ("pgup", "PgUp"),
        ("home", "Home"),
        ("end", "End"),
        ("space", "Space"),
        ("left", "←"),
    ] {
        assert_eq!(parse_key(s).unwrap().to_string(), shown, "{s}");
    }
}

#[test]
fn overlay_layers_answer_questions_and_move_in_lists_and_may_reuse_global_keys() {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let k = |c| key(KeyCode::Char(c), KeyModifiers::NONE);
    assert_eq!(km.confirm(&k('y')), Some(ConfirmCmd::Yes));
    assert_eq!(
        km.confirm(&key(KeyCode::Char('Y'), KeyModifiers::SHIFT)),
        Some(ConfirmCmd::Yes)
    );
    assert_eq!(
        km.confirm(&key(KeyCode::Enter, KeyModifiers::NONE)),
        Some(ConfirmCmd::Accept)
    );
    assert_eq!(km.confirm(&k('n')), None, "any other key is no");
    // Esc cancels globally, and closes a list: an overlay takes its keys first.
    let esc = key(KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(km.lookup(&esc, false), Some(Command::Cancel));
    assert_eq!(km.list(&esc, true), Some(ListCmd::Close));
    // In a search box plain keys type: q and j are text there, not list keys.
    assert_eq!(km.list(&k('q'), false), Some(ListCmd::Close));
    assert_eq!(km.list(&k('q'), true), None);
    assert_eq!(km.list(&k('j'), true), None);
    let o: BTreeMap<String, String> = [("confirm_yes".to_string(), "o".to_string())].into();
    let km = Keymap::new(&o).unwrap();
    assert_eq!(km.confirm(&k('o')), Some(ConfirmCmd::Yes));
    assert_eq!(km.confirm(&k('y')), None);
}

#[test]
fn the_form_layer_moves_submits_and_cancels_and_leaves_typing_to_the_field() {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let k = |c| key(c, KeyModifiers::NONE);
    assert_eq!(km.form(&k(KeyCode::Tab)), Some(FormCmd::Next));
    assert_eq!(
        km.form(&key(KeyCode::BackTab, KeyModifiers::SHIFT)),
        Some(FormCmd::Prev)
    );
    assert_eq!(km.form(&k(KeyCode::Enter)), Some(FormCmd::Submit));
    assert_eq!(km.form(&k(KeyCode::Esc)), Some(FormCmd::Cancel));
    assert_eq!(km.form(&k(KeyCode::Char('j'))), None, "a letter types");
    let o: BTreeMap<String, String> = [("form_submit".to_string(), "ctrl-s".to_string())].into();
    let km = Keymap::new(&o).unwrap();
    assert_eq!(
        km.form(&key(KeyCode::Char('s'), KeyModifiers::CONTROL)),
        Some(FormCmd::Submit)
    );
    assert_eq!(km.form(&k(KeyCode::Enter)), None);
}

#[test]
fn the_scroll_hint_names_the_list_keys_as_bound() {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    assert_eq!(km.scroll_keys(false), "↑↓");
    assert_eq!(km.scroll_keys(true), "↑↓ PgUp PgDn");
    let o: BTreeMap<String, String> = [("list_up".to_string(), "ctrl-p".to_string())].into();
    assert_eq!(Keymap::new(&o).unwrap().scroll_keys(false), "Ctrl-P↓");
}

#[test]
fn keys_are_named_for_messages_skipping_plain_ones_inside_text() {
    let mut km = Keymap::new(&BTreeMap::new()).unwrap();
    assert_eq!(km.key_for(Command::Quit).as_deref(), Some("q"));
    assert_eq!(km.key_in(Command::Quit, false).as_deref(), Some("q"));
    assert_eq!(km.key_in(Command::Quit, true).as_deref(), Some("Ctrl-C"));
    assert_eq!(
        km.key_in(Command::Rerun, true),
        None,
        "r only: it types there"
    );
    assert_eq!(km.range(Command::JumpPane(1), Command::JumpPane(9)), "1-9");
    assert_eq!(
        km.range(Command::ToggleRoute(1), Command::ToggleRoute(9)),
        "Alt-1-Alt-9"
    );
    // Unbound ends of a range.
    let unbind = |km: &mut Keymap, c: Command| {
        km.bindings
            .iter_mut()
            .filter(|b| b.command == c)
            .for_each(|b| b.keys.clear())
    };
    unbind(&mut km, Command::JumpPane(9));
    assert_eq!(km.range(Command::JumpPane(1), Command::JumpPane(9)), "1");
    unbind(&mut km, Command::JumpPane(1));
    assert_eq!(
        km.range(Command::JumpPane(1), Command::JumpPane(9)),
        "(unbound)"
    );
    assert_eq!(km.key_for(Command::JumpPane(1)), None);
}

#[test]
fn help_rows_pair_fold_and_label_the_layers() {
    let km = Keymap::new(&BTreeMap::new()).unwrap();
    let rows = km.help_rows();
    let row = |keys: &str| {
        let found: Vec<_> = rows.iter().filter(|(k, _)| k == keys).collect();
        assert_eq!(found.len(), 1, "{keys}: {rows:?}");
        found[0].1.clone()
    };
    assert_eq!(row("Tab / Shift-Tab"), "focus the next / previous region");
    assert_eq!(row("1..9"), "focus pane N");
    assert_eq!(
        row("Alt-1..9"),
        "turn pane N's model on/off for the next send"
    );
    assert!(!rows.iter().any(|(k, _)| k == "2" || k == "Shift-Tab"));
    let has = |k: &str, d: &str| rows.contains(&(k.to_string(), d.to_string()));
    assert!(has("↓, j", "panes: scroll the focused pane down a row"));
    assert!(
        has("↓, j", "lists: move down"),
        "the same keys in another layer"
    );
    assert_eq!(row("y, Y"), "questions: yes (any other key is no)");
    assert_eq!(row("Tab, ↓"), "forms: the next field");
    assert!(rows.iter().any(|(_, d)| d.starts_with("lists: ")));
    assert_eq!(
        row("Ctrl-S, Alt-Enter, Shift-Enter"),
        "send the prompt to every enabled model"
    );
}

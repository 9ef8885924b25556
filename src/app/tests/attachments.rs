//! `@path` in the editor: loaded off the loop, summed up under the prompt against each model's
//! window, composed into the request, and a send that would not fit stopped once.

use super::*;
use crate::app::attachments as at;

fn named(s: &mut State, dir: &std::path::Path, file: &str, body: &[u8]) -> String {
    let p = dir.join(file);
    std::fs::write(&p, body).unwrap();
    let p = p.display().to_string();
    typed(s, &format!("summarise @{p} please"));
    p
}

/// Run the load the last edit asked for, as the effect runner would.
fn load(s: &mut State, effects: Vec<Effect>) {
    for e in effects {
        if let Effect::LoadAttachments(paths) = e {
            let loaded = paths
                .into_iter()
                .map(|p| {
                    let r = crate::attach::load(&p, crate::attach::Limits::default(), true);
                    (p, r)
                })
                .collect();
            update(s, Action::Attached(loaded));
        }
    }
}

#[test]
fn a_named_file_is_counted_composed_and_kept_in_the_conversation() {
    let d = tempfile::tempdir().unwrap();
    let mut s = state(&["a/fast"]);
    let p = named(&mut s, d.path(), "note.txt", b"The launch code is 4417.\n");
    // The load is asked for once the path is complete (here, at the space after it), not at
    // every key while it is typed.
    assert_eq!(s.attach.paths, std::slice::from_ref(&p));
    assert_eq!(s.attach.loaded.len(), 1);
    let summary = at::summary(&s).unwrap();
    assert!(summary.contains('…'), "loading: {summary}");
    assert!(
        at::prepare(&mut s, "x")
            .unwrap_err()
            .contains("still loading")
    );
    let again = s.attach.loaded.clone();
    s.attach.loaded.clear();
    s.attach.paths.clear();
    let effects = at::on_edit(&mut s);
    assert!(matches!(&effects[..], [Effect::LoadAttachments(v)] if v == std::slice::from_ref(&p)));
    assert_eq!(again.len(), 1);
    load(&mut s, effects);
    let summary = at::summary(&s).unwrap();
    assert!(
        summary.contains(&format!("@{p} ~")) && summary.contains("fast 0%"),
        "{summary}"
    );
    let sent = sends(&update(&mut s, ctrl('s')));
    let content = &sent[0].1.messages.last().unwrap().content;
    assert!(
        content.starts_with(&format!("<file path=\"{p}\">\nThe launch code is 4417.")),
        "{content}"
    );
    assert!(content.ends_with(&format!("summarise @{p} please")));
    let rows = texts(&s.panes[0]).join("\n");
    assert!(
        !rows.contains("launch code"),
        "the pane shows the prompt as typed: {rows}"
    );
    assert_eq!(s.panes[0].pending_prompt.as_deref(), Some(content.as_str()));
}

#[test]
fn what_does_not_fit_or_is_binary_is_stopped_with_the_reason() {
    let d = tempfile::tempdir().unwrap();
    let mut s = state(&["a/fast", "b/large"]);
    s.picker.models[0].context_length = Some(100);
    let effects = {
        named(
            &mut s,
            d.path(),
            "big.txt",
            "lorem ipsum dolor ".repeat(200).as_bytes(),
        );
        at::on_edit(&mut s)
    };
    assert!(effects.is_empty(), "asked for as the path was typed");
    let effects = {
        s.attach.loaded.clear();
        s.attach.paths.clear();
        at::on_edit(&mut s)
    };
    load(&mut s, effects);
    assert!(
        at::summary(&s).unwrap().contains("fast over by"),
        "{:?}",
        at::summary(&s)
    );
    assert!(sends(&update(&mut s, ctrl('s'))).is_empty());
    let msg = s.status_msg.clone().unwrap();
    assert!(
        msg.contains("do not fit a/fast") && !msg.contains("b/large") && msg.contains("send again"),
        "{msg}"
    );
    assert_eq!(
        sends(&update(&mut s, ctrl('s'))).len(),
        2,
        "the second send goes ahead"
    );

    let mut s = state(&["a/fast"]);
    let effects = {
        named(&mut s, d.path(), "x.bin", &[0, 1, 2]);
        s.attach.loaded.clear();
        s.attach.paths.clear();
        at::on_edit(&mut s)
    };
    load(&mut s, effects);
    assert!(at::summary(&s).unwrap().contains("✗ binary"));
    assert!(sends(&update(&mut s, ctrl('s'))).is_empty());
    assert!(s.status_msg.clone().unwrap().contains("binary file"));
}

#[test]
fn a_path_still_being_typed_is_not_read() {
    let mut s = state(&["a/fast"]);
    let mut asked = Vec::new();
    for c in "look at @/etc/hostn".chars() {
        asked.extend(update(&mut s, key(KeyCode::Char(c))));
    }
    assert!(
        !asked
            .iter()
            .any(|e| matches!(e, Effect::LoadAttachments(_))),
        "{asked:?}"
    );
    assert!(sends(&update(&mut s, ctrl('s'))).is_empty());
    assert!(
        s.status_msg
            .clone()
            .unwrap()
            .contains("end the last @path with a space")
    );
    let effects = update(&mut s, key(KeyCode::Char(' ')));
    assert!(
        matches!(&effects[..], [Effect::LoadAttachments(v)] if v == &["/etc/hostn".to_string()])
    );
}

/// Run the completion the last key asked for, as the effect runner would.
fn complete(s: &mut State, effects: Vec<Effect>) {
    for e in effects {
        if let Effect::CompletePath(prefix) = e {
            let candidates = crate::attach::complete_path(&prefix);
            update(s, Action::Completions { prefix, candidates });
        }
    }
}

#[test]
fn ctrl_t_completes_the_path_being_typed() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("docs")).unwrap();
    std::fs::write(d.path().join("docs/guide.md"), "# Guide").unwrap();
    std::fs::write(d.path().join("docs/glossary.md"), "# Terms").unwrap();
    let mut s = state(&["a/fast"]);
    let base = d.path().display().to_string();
    typed(&mut s, &format!("read @{base}/do"));
    let effects = update(&mut s, ctrl('t'));
    assert!(matches!(&effects[..], [Effect::CompletePath(p)] if p == &format!("{base}/do")));
    complete(&mut s, effects);
    assert_eq!(s.editor.text(), format!("read @{base}/docs/"));
    // Two candidates: as far as they agree, and both named.
    let effects = {
        typed(&mut s, "g");
        update(&mut s, ctrl('t'))
    };
    complete(&mut s, effects);
    assert_eq!(s.editor.text(), format!("read @{base}/docs/g"));
    assert_eq!(s.status_msg.as_deref(), Some("glossary.md  guide.md"));
    // One left: completed, with a space, which reads it.
    let effects = {
        typed(&mut s, "u");
        update(&mut s, ctrl('t'))
    };
    let mut asked = Vec::new();
    for e in effects {
        if let Effect::CompletePath(prefix) = e {
            let candidates = crate::attach::complete_path(&prefix);
            asked = update(&mut s, Action::Completions { prefix, candidates });
        }
    }
    assert_eq!(s.editor.text(), format!("read @{base}/docs/guide.md "));
    assert!(
        matches!(&asked[..], [Effect::LoadAttachments(_)]),
        "{asked:?}"
    );
    assert_eq!(
        s.attach.paths,
        [format!("{base}/docs/guide.md")],
        "the space finished the path"
    );
    // No @ before the cursor: it says how.
    let mut s = state(&["a/fast"]);
    typed(&mut s, "plain");
    assert!(update(&mut s, ctrl('t')).is_empty());
    assert!(s.status_msg.as_deref().unwrap().contains("type @"));
}

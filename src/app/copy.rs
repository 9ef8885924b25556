//! Copying: the focused pane's answer, a code block picked in copy mode, or the whole comparison
//! as Markdown. The event loop puts the text on the clipboard (OSC 52, and the local one).

use super::pane::Pane;
use super::view::{Ask, CopyAsk, Ctx, Keyed, Outcome, View};
use super::{Effect, Overlay, State};
use crate::format::{fmt_ms, fmt_usd};

fn copy(text: String, what: String) -> Vec<Effect> {
    vec![Effect::Copy { text, what }]
}

/// The pane's name as the screen shows it: hidden in a blind round until the vote.
pub fn label(s: &State, p: usize) -> String {
    match s.blind.label(p) {
        Some(l) => format!("answer {l}"),
        None => s.panes[p].target().to_string(),
    }
}

/// `y`: the focused pane's last answer, as the model wrote it.
pub fn answer(s: &mut State) -> Vec<Effect> {
    let Some(p) = s.focused() else { return vec![] };
    match s.panes[p].answer.as_ref().filter(|a| !a.text.is_empty()) {
        Some(a) => {
            let what = format!("the answer of {}", label(s, p));
            copy(a.text.clone(), what)
        }
        None => {
            s.flash("nothing to copy yet: this pane has no finished answer");
            vec![]
        }
    }
}

/// `Y`: the prompt and every answer with its model and figures, as Markdown.
pub fn comparison(s: &mut State) -> Vec<Effect> {
    let Some(prompt) = s.editor.last_prompt.clone() else {
        s.flash("nothing to copy yet: send a prompt first");
        return vec![];
    };
    let panes = s.blind.order(s.selected_panes());
    let mut md = format!("## Prompt\n\n{}\n", quote(&prompt));
    for p in &panes {
        md.push_str(&section(&label(s, *p), &s.panes[*p]));
    }
    copy(md, format!("the comparison of {} answers", panes.len()))
}

fn quote(text: &str) -> String {
    text.lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn section(name: &str, pane: &Pane) -> String {
    let Some(a) = &pane.answer else {
        return format!("\n## {name}\n\n_{}_\n", pane.status.label());
    };
    let tokens = a.output_tokens.map_or("?".into(), |n| {
        format!("{n}{}", if a.estimated { "~" } else { "" })
    });
    let cost = match (a.cost_usd, a.cost_source) {
        (Some(c), Some(src)) => format!("{} ({})", fmt_usd(Some(c)), src.label()),
        _ => "cost unknown".into(),
    };
    let body = match &a.error {
        Some(e) => format!("**error:** {}", e.brief()),
        None => a.text.clone(),
    };
    format!(
        "\n## {name}\n\nTTFT {} · total {} · {tokens} output tokens · {cost}\n\n{body}\n",
        fmt_ms(a.ttft_ms),
        fmt_ms(a.total_ms),
    )
}

/// `c`: pick a code block of the focused pane with ↑↓ (or n/N, j/k), copy it with Enter or y.
pub fn open_mode(s: &mut State) -> Vec<Effect> {
    let Some(p) = s.focused() else { return vec![] };
    if s.panes[p].transcript.raw() {
        s.panes[p].transcript.set_raw(false);
    }
    let n = s.panes[p].transcript.code_blocks().len();
    if n == 0 {
        s.flash("no code block in this pane");
        return vec![];
    }
    // Start from the last block that begins above the bottom of the view.
    let h = s.pane_height();
    let pane = &s.panes[p];
    let bottom = pane.top_row(h) + h;
    let at = pane
        .transcript
        .code_blocks()
        .iter()
        .rposition(|c| c.rows.start < bottom)
        .unwrap_or(0);
    select(s, p, at);
    s.overlay = Overlay::CopyPick(CopyPick);
    vec![]
}

fn select(s: &mut State, p: usize, block: usize) {
    let h = s.pane_height();
    let pane = &mut s.panes[p];
    pane.copy_sel = Some(block);
    if let Some(c) = pane.transcript.code_blocks().get(block) {
        let (start, end) = (c.rows.start, c.rows.end);
        pane.show_row(end.saturating_sub(1), h);
        pane.show_row(start, h);
    }
}

/// Picking a code block of the focused pane to copy: the pane holds the selection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CopyPick;

impl View for CopyPick {
    fn on(&mut self, key: &Keyed, _: &mut Ctx) -> Outcome {
        // The list keys pick a block; so do the keys of the commands that mean the same elsewhere
        // (next match, next region; copy, copy mode), whatever they are bound to.
        use super::keymap::{Command as C, ListCmd as L};
        Outcome::Ask(Ask::Copy(match (key.list, key.global) {
            (Some(L::Down), _) | (_, Some(C::FindNext | C::FocusNext)) => CopyAsk::Next,
            (Some(L::Up), _) | (_, Some(C::FindPrev | C::FocusPrev)) => CopyAsk::Prev,
            (Some(L::Open), _) | (_, Some(C::CopyAnswer | C::CopyMode)) => CopyAsk::Take,
            _ => CopyAsk::Leave,
        }))
    }
}

/// A key of the block picker, on the focused pane.
pub fn on_ask(s: &mut State, ask: CopyAsk) -> Vec<Effect> {
    let Some(p) = s.focused() else {
        s.overlay = Overlay::None;
        return vec![];
    };
    let n = s.panes[p].transcript.code_blocks().len();
    if n == 0 {
        close_mode(s, p);
        return vec![];
    }
    let cur = s.panes[p].copy_sel.unwrap_or(0).min(n - 1);
    match ask {
        CopyAsk::Next => select(s, p, (cur + 1) % n),
        CopyAsk::Prev => select(s, p, (cur + n - 1) % n),
        CopyAsk::Take => {
            close_mode(s, p);
            if let Some(c) = s.panes[p].transcript.code_blocks().get(cur) {
                let lines = match c.code.lines().count() {
                    1 => "1 line".to_string(),
                    n => format!("{n} lines"),
                };
                let what = match c.lang.as_str() {
                    "" => format!("code block {} of {n}, {lines}", cur + 1),
                    lang => format!("code block {} of {n} ({lang}), {lines}", cur + 1),
                };
                return copy(c.code.clone(), what);
            }
        }
        CopyAsk::Leave => close_mode(s, p),
    }
    vec![]
}

fn close_mode(s: &mut State, p: usize) {
    s.overlay = Overlay::None;
    s.panes[p].copy_sel = None;
}

/// The one-line confirmation once the event loop has copied.
pub fn copied(s: &mut State, what: &str, chars: usize, local: Result<(), String>) {
    s.flash(match local {
        Ok(()) => format!("copied {what}: {chars} chars, to the clipboard"),
        Err(e) => format!(
            "copied {what}: {chars} chars, through the terminal (OSC 52); local clipboard: {e}"
        ),
    });
}

//! `@path` in the workbench's editor: each path named is read off the event loop (an effect), its
//! tokens shown under the prompt against each selected model's window, and the files put before
//! the prompt when it is sent. A send that would not fit a model, or would attach a large folder,
//! is stopped once with the reason; sending again goes ahead.

use super::{Effect, State};
use crate::attach::{self, AttachError, Attachment, Fit};

#[derive(Debug, Clone, Default)]
pub struct Attachments {
    /// The `@paths` the editor names, as last seen.
    pub paths: Vec<String>,
    /// Each path's load; None while it loads.
    pub loaded: Vec<(String, Option<Result<Attachment, AttachError>>)>,
    /// The next send goes ahead despite a warning already shown.
    pub confirmed: bool,
}

/// After an edit: load the paths newly named (when any changed).
pub fn on_edit(s: &mut State) -> Vec<Effect> {
    let text = s.editor.text();
    let now = finished_mentions(&text);
    if now == s.attach.paths {
        return vec![];
    }
    s.attach.confirmed = false;
    s.attach.loaded.retain(|(p, _)| now.contains(p));
    let new: Vec<String> = now
        .iter()
        .filter(|p| !s.attach.loaded.iter().any(|(q, _)| q == *p))
        .cloned()
        .collect();
    s.attach
        .loaded
        .extend(new.iter().map(|p| (p.clone(), None)));
    s.attach.paths = now;
    if new.is_empty() {
        vec![]
    } else {
        vec![Effect::LoadAttachments(new)]
    }
}

/// The `@paths` of `text` that are complete: followed by a space or a newline, so that a path
/// being typed is not read at every key.
fn finished_mentions(text: &str) -> Vec<String> {
    let mut all: Vec<String> = attach::mentions(text)
        .into_iter()
        .map(String::from)
        .collect();
    let typing = !text.ends_with(char::is_whitespace)
        && text
            .split_whitespace()
            .last()
            .is_some_and(|w| w.starts_with('@'));
    if typing {
        all.pop();
    }
    all
}

/// Ctrl-T: complete the `@path` before the cursor.
pub fn complete(s: &mut State) -> Vec<Effect> {
    match s.editor.mention_at_cursor() {
        Some(prefix) => vec![Effect::CompletePath(prefix)],
        None => {
            s.flash("type @ and the start of a path, then complete it");
            vec![]
        }
    }
}

/// Completions arrived: extend the path as far as they agree; list them when several remain.
pub fn on_completions(s: &mut State, prefix: &str, candidates: Vec<String>) {
    if s.editor.mention_at_cursor().as_deref() != Some(prefix) {
        return; // typed on meanwhile
    }
    let common = attach::common_start(&candidates);
    match candidates.len() {
        0 => s.flash(format!("no file or folder starts with {prefix}")),
        1 if !common.ends_with('/') => s.editor.replace_mention(&format!("{common} ")),
        1 => s.editor.replace_mention(&common),
        n => {
            s.editor.replace_mention(&common);
            let names: Vec<&str> = candidates
                .iter()
                .take(8)
                .map(|c| c.rsplit_terminator('/').next().unwrap_or(c))
                .collect();
            let more = if n > 8 {
                format!(" (+{})", n - 8)
            } else {
                String::new()
            };
            s.flash(format!("{}{more}", names.join("  ")));
        }
    }
}

/// Loads finished; those no longer named are dropped.
pub fn on_loaded(s: &mut State, results: Vec<(String, Result<Attachment, AttachError>)>) {
    for (path, r) in results {
        if let Some(slot) = s.attach.loaded.iter_mut().find(|(p, _)| *p == path) {
            slot.1 = Some(r);
        }
    }
}

fn ready(s: &State) -> impl Iterator<Item = &Attachment> {
    s.attach
        .loaded
        .iter()
        .filter_map(|(_, r)| r.as_ref()?.as_ref().ok())
}

/// The line under the prompt: each attachment's size, the total, and the fit per model.
pub fn summary(s: &State) -> Option<String> {
    if s.attach.loaded.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = s
        .attach
        .loaded
        .iter()
        .map(|(p, r)| match r {
            None => format!("@{p} …"),
            Some(Ok(a)) if a.files.len() == 1 => {
                format!("@{p} ~{} tok", crate::format::thousands(a.tokens))
            }
            Some(Ok(a)) => format!(
                "@{p} {} files ~{} tok",
                a.files.len(),
                crate::format::thousands(a.tokens)
            ),
            Some(Err(e)) => format!("@{p} ✗ {}", short_error(e)),
        })
        .collect();
    let total: u64 = ready(s).map(|a| a.tokens).sum();
    if total > 0 {
        let fits: Vec<String> = fits(s, total)
            .into_iter()
            .map(|(m, f)| format!("{} {}", short_model(&m), f.label()))
            .collect();
        parts.push(format!(
            "total ~{}: {}",
            crate::format::thousands(total),
            fits.join(" · ")
        ));
    }
    Some(parts.join("  "))
}

fn short_error(e: &AttachError) -> &'static str {
    match e {
        AttachError::Binary { .. } => "binary",
        AttachError::Unreadable { .. } => "unreadable",
        AttachError::Large { .. } | AttachError::TooBig { .. } => "too large",
        AttachError::Empty { .. } => "no text file",
    }
}

fn short_model(m: &str) -> &str {
    m.rsplit('/').next().unwrap_or(m)
}

/// The fit of `tokens` (plus the answer's room) in each enabled pane's model window.
fn fits(s: &State, tokens: u64) -> Vec<(String, Fit)> {
    let reply = s.editor.params.max_tokens.map_or(1024, u64::from);
    s.selected_panes()
        .into_iter()
        .filter(|&p| s.panes[p].enabled)
        .map(|p| {
            let model = super::requests::route_for(s, &s.panes[p]).chain[0].clone();
            let window = s
                .picker
                .models
                .iter()
                .find(|m| m.id == model)
                .and_then(|m| m.context_length);
            let f = attach::fit(tokens, reply, window);
            (model, f)
        })
        .collect()
}

/// The prompt to send, with the attachments before it; or why not yet (said once: the next send
/// goes ahead when the reason is only a warning).
pub fn prepare(s: &mut State, prompt: &str) -> Result<String, String> {
    if finished_mentions(prompt).len() < attach::mentions(prompt).len() {
        return Err("end the last @path with a space so it is read before sending".into());
    }
    if s.attach.loaded.is_empty() {
        return Ok(prompt.to_string());
    }
    if s.attach.loaded.iter().any(|(_, r)| r.is_none()) {
        return Err("the attachments are still loading".into());
    }
    if let Some((_, Some(Err(e)))) = s
        .attach
        .loaded
        .iter()
        .find(|(_, r)| matches!(r, Some(Err(_))))
    {
        return Err(format!("{e}; remove the @path to send"));
    }
    let all: Vec<Attachment> = ready(s).cloned().collect();
    let composed = attach::compose(prompt, &all);
    if !s.attach.confirmed {
        let large: Vec<String> = all
            .iter()
            .filter(|a| {
                a.bytes > attach::Limits::default().ask_bytes
                    || a.files.len() > attach::Limits::default().ask_files
            })
            .map(|a| {
                format!(
                    "@{} is {} files, {}",
                    a.path,
                    a.files.len(),
                    crate::format::size(a.bytes)
                )
            })
            .collect();
        let tokens = crate::metrics::estimate_tokens(&composed) + 7;
        let over: Vec<String> = fits(s, tokens)
            .into_iter()
            .filter(|(_, f)| f.is_over())
            .map(|(m, f)| format!("{m} ({})", f.label()))
            .collect();
        if !large.is_empty() || !over.is_empty() {
            s.attach.confirmed = true;
            let mut why = large;
            if !over.is_empty() {
                why.push(format!(
                    "~{} tokens do not fit {}",
                    crate::format::thousands(tokens),
                    over.join(", ")
                ));
            }
            return Err(format!("{}: send again to go ahead anyway", why.join("; ")));
        }
    }
    Ok(composed)
}

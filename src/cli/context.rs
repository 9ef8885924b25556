//! `--attach` for headless commands: read the attachments, say what they hold, and check before
//! sending that the prompt fits each model's context window (from `/v1/models`).

use crate::attach::{self, AttachError, Attachment, Fit};

/// Read every `--attach PATH`; a large folder needs `--yes`.
pub fn load_all(paths: &[String], yes: bool) -> anyhow::Result<Vec<Attachment>> {
    paths
        .iter()
        .map(|p| {
            attach::load(p, attach::Limits::default(), yes).map_err(|e| match e {
                AttachError::Large { .. } => anyhow::anyhow!("{e} (pass --yes)"),
                e => anyhow::anyhow!("{e}"),
            })
        })
        .collect()
}

/// One line per attachment, for stderr: `attached README.md: 1 file, 26 B, ~9 tokens`.
pub fn describe(attachments: &[Attachment]) -> Vec<String> {
    attachments
        .iter()
        .map(|a| {
            let mut s = format!(
                "attached {}: {} file{}, {}, ~{} tokens",
                a.path,
                a.files.len(),
                if a.files.len() == 1 { "" } else { "s" },
                crate::format::size(a.bytes),
                crate::format::thousands(a.tokens)
            );
            if !a.skipped.is_empty() {
                s.push_str(&format!(
                    " ({} binary or unreadable file(s) left out)",
                    a.skipped.len()
                ));
            }
            s
        })
        .collect()
}

/// Warnings for stderr, and an error when a model's window is too small and `force` is off.
pub fn check(fits: &[(String, u64, Option<u64>, Fit)], force: bool) -> anyhow::Result<Vec<String>> {
    let mut notes = Vec::new();
    let mut over = Vec::new();
    for (model, tokens, window, fit) in fits {
        let w = window.map_or("?".into(), crate::format::thousands);
        let t = crate::format::thousands(*tokens);
        match fit {
            Fit::Over { .. } => over.push(format!(
                "{model}: ~{t} tokens, window {w} ({})",
                fit.label()
            )),
            Fit::Tight { .. } => notes.push(format!(
                "warning: {model}: ~{t} tokens fill {} of its {w}-token window, leaving little for \
                 the answer",
                fit.label()
            )),
            Fit::Unknown => notes.push(format!(
                "note: {model} lists no context length: ~{t} tokens cannot be checked"
            )),
            Fit::Fits { .. } => {}
        }
    }
    if !over.is_empty() && !force {
        anyhow::bail!(
            "the prompt does not fit every model's context window:\n  {}\nleave those models out, \
             attach less, or pass --force to send anyway",
            over.join("\n  ")
        );
    }
    notes.extend(
        over.into_iter()
            .map(|o| format!("warning: sent anyway: {o}")),
    );
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::wire::{Message, ModelInfo};

    fn info(id: &str, ctx: Option<u64>) -> ModelInfo {
        ModelInfo {
            id: id.into(),
            context_length: ctx,
            prices: Default::default(),
            owned_by: None,
        }
    }

    #[test]
    fn too_small_windows_stop_the_send_and_name_the_model() {
        let msgs = vec![Message::user("word ".repeat(2000))];
        let listed = [
            info("big", Some(128_000)),
            info("small", Some(1000)),
            info("near", Some(2100)),
        ];
        let models = ["big", "small", "near", "unlisted"].map(String::from);
        let f = crate::attach::fits(&msgs, 256, &models, &listed);
        assert!(matches!(f[0].3, Fit::Fits { .. }));
        assert!(f[1].3.is_over());
        assert!(matches!(f[2].3, Fit::Tight { .. }));
        assert_eq!(f[3].3, Fit::Unknown);
        let e = check(&f, false).unwrap_err().to_string();
        assert!(e.contains("small: ~2,0"), "{e}");
        assert!(!e.contains("big"), "{e}");
        assert!(e.contains("--force"), "{e}");
        let notes = check(&f, true).unwrap();
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(
            notes
                .iter()
                .any(|n| n.contains("near") && n.contains("tight"))
        );
        assert!(
            notes
                .iter()
                .any(|n| n.contains("unlisted lists no context length"))
        );
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("warning: sent anyway: small"))
        );
        assert!(check(&f[..1], false).unwrap().is_empty());
    }
}

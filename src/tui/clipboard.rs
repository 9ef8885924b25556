//! The clipboard: OSC 52 through the terminal (works over SSH, and in tmux with
//! `set -g set-clipboard on`), and the local clipboard (arboard) where there is one. The local
//! clipboard is served by a thread of its own: on X11 the copy lives as long as its owner does,
//! and a stalled display server must not hold up the workbench.

use std::io::Write;
use std::sync::mpsc;

use base64::Engine;

/// The OSC 52 sequence that puts `text` on the clipboard ("c").
pub fn osc52(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{b64}\x07")
}

/// Write the OSC 52 sequence to the terminal.
pub fn send_osc52(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;

/// The local clipboard's thread; requests queue, each answered through its callback.
pub struct Local {
    tx: mpsc::Sender<(String, Reply)>,
}

impl Local {
    pub fn start() -> Self {
        let (tx, rx) = mpsc::channel::<(String, Reply)>();
        let spawned = std::thread::Builder::new()
            .name("gatebench-clipboard".into())
            .spawn(move || {
                // Opened on first use, kept while the workbench runs (X11 serves from it).
                let mut board: Option<arboard::Clipboard> = None;
                for (text, reply) in rx {
                    if let Some(why) = no_display() {
                        reply(Err(why.into()));
                        continue;
                    }
                    if board.is_none() {
                        match arboard::Clipboard::new() {
                            Ok(b) => board = Some(b),
                            Err(e) => {
                                reply(Err(brief(&e)));
                                continue;
                            }
                        }
                    }
                    let r = board.as_mut().map_or(Err("no clipboard".into()), |b| {
                        b.set_text(text).map_err(|e| brief(&e))
                    });
                    reply(r);
                }
            });
        if spawned.is_err() {
            let (tx, _) = mpsc::channel();
            return Self { tx };
        }
        Self { tx }
    }

    pub fn copy(&self, text: String, reply: Reply) {
        if let Err(mpsc::SendError((_, reply))) = self.tx.send((text, reply)) {
            reply(Err("the clipboard thread is gone".into()));
        }
    }
}

/// On Linux and the BSDs the local clipboard needs a display server; over SSH or on a console
/// there is none, and trying would only fail slowly.
fn no_display() -> Option<&'static str> {
    let unix_desktop = cfg!(all(unix, not(target_os = "macos")));
    let none = std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty())
        && std::env::var_os("WAYLAND_DISPLAY").is_none_or(|d| d.is_empty());
    (unix_desktop && none).then_some("none here (no DISPLAY or WAYLAND_DISPLAY)")
}

fn brief(e: &arboard::Error) -> String {
    let s = e.to_string();
    let first = s.lines().next().unwrap_or("unavailable");
    crate::format::shorten_middle(first, 80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_bytes() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
        assert_eq!(osc52(""), "\x1b]52;c;\x07");
        // Any bytes, newlines and escapes included, travel base64-encoded.
        let s = osc52("a\n\x1b[31mé");
        assert!(s.starts_with("\x1b]52;c;") && s.ends_with('\x07'));
        let b64 = &s[7..s.len() - 1];
        let back = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(back, "a\n\x1b[31mé".as_bytes());
        assert!(!b64.contains('\x1b') && !b64.contains('\n'));
    }
}

//! The small overlays: the key list, the yes/no confirmations and the rehearsal report.

use super::keymap::{Command, ConfirmCmd};
use super::view::{Ask, Ctx, Keyed, Outcome, View, scroll_or_close};
use crate::report::ExportFormat;

/// The key list, scrolled this many lines down.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HelpView {
    pub scroll: u16,
}

impl View for HelpView {
    fn on(&mut self, key: &Keyed, _: &mut Ctx) -> Outcome {
        scroll_or_close(&mut self.scroll, key)
    }
}

/// A yes / no question before something that cannot be undone.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirm {
    /// Requests are running: quit anyway?
    Quit,
    /// Answers are on screen: clear them all?
    New,
    /// The session budget is spent: send this prompt anyway?
    Budget(String),
    /// A benchmark's worst case is past the credits the gateway says are left: run it anyway?
    Spend { worst_usd: f64, left_usd: f64 },
    /// Export this session: as Markdown (yes) or as an HTML page (the other choice)?
    Export,
}

impl View for Confirm {
    fn on(&mut self, key: &Keyed, ctx: &mut Ctx) -> Outcome {
        let yes = matches!(key.confirm, Some(ConfirmCmd::Yes | ConfirmCmd::Accept));
        match self {
            // The quit key (Ctrl-C unless rebound) answers yes to "quit?" too.
            Confirm::Quit if yes || key.global_typing == Some(Command::Quit) => {
                Outcome::Then(Ask::Quit)
            }
            Confirm::New if yes => Outcome::Then(Ask::NewConversation),
            Confirm::Quit | Confirm::New => Outcome::Close,
            // Enter is no answer here: a prompt is only sent past the budget on a plain yes.
            Confirm::Budget(prompt) if key.confirm == Some(ConfirmCmd::Yes) => {
                Outcome::Then(Ask::SendAnyway(std::mem::take(prompt)))
            }
            Confirm::Budget(_) => {
                ctx.flash("not sent: the session budget is spent");
                Outcome::Close
            }
            Confirm::Spend { .. } if key.confirm == Some(ConfirmCmd::Yes) => {
                Outcome::Then(Ask::BenchAnyway)
            }
            Confirm::Spend { .. } => {
                ctx.flash("benchmark not run: its worst case is past the credits left");
                Outcome::Close
            }
            Confirm::Export if yes => Outcome::Then(Ask::Export(ExportFormat::Md)),
            Confirm::Export if key.confirm == Some(ConfirmCmd::Other) => {
                Outcome::Then(Ask::Export(ExportFormat::Html))
            }
            Confirm::Export => {
                ctx.flash("not exported");
                Outcome::Close
            }
        }
    }
}

/// A rehearsal is running (`None`) or its report is ready; any key hides it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RehearsalView(pub Option<Box<crate::bench::rehearsal::Report>>);

impl View for RehearsalView {
    fn on(&mut self, _: &Keyed, _: &mut Ctx) -> Outcome {
        Outcome::Close
    }
}

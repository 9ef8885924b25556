//! What every overlay is: one type that owns its state, takes the key map's commands
//! (`View::on`) and is drawn by `ui` (`ui::views::Draw`). A view changes only itself; it reaches
//! the rest of the workbench through a narrow `Ctx` (flash a message, start an effect) and through
//! its `Outcome`, which may ask the workbench for what only the whole state can do (`Ask`).

use crossterm::event::KeyEvent;

use super::Effect;
use super::forms::Params;
use super::keymap::{Command, ConfirmCmd, FormCmd, Keymap, ListCmd};

/// A key as each layer of the key map reads it, and the key itself for typing into a field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keyed {
    pub event: KeyEvent,
    /// The global command, plain keys included (a list or a confirmation).
    pub global: Option<Command>,
    /// The global command with plain keys left to typing (a view with a text field).
    pub global_typing: Option<Command>,
    pub list: Option<ListCmd>,
    /// The list command with plain keys left to typing.
    pub list_typing: Option<ListCmd>,
    pub confirm: Option<ConfirmCmd>,
    pub form: Option<FormCmd>,
}

impl Keyed {
    pub fn new(keymap: &Keymap, event: KeyEvent) -> Self {
        Self {
            event,
            global: keymap.lookup(&event, false),
            global_typing: keymap.lookup(&event, true),
            list: keymap.list(&event, false),
            list_typing: keymap.list(&event, true),
            confirm: keymap.confirm(&event),
            form: keymap.form(&event),
        }
    }
}

/// All a view may do beyond changing itself.
#[derive(Debug, Default)]
pub struct Ctx {
    flash: Option<String>,
    effects: Vec<Effect>,
}

impl Ctx {
    /// A one-line message on the status line, until the next key.
    pub fn flash(&mut self, msg: impl Into<String>) {
        self.flash = Some(msg.into());
    }

    /// Start an effect (a query, a cancel) for the event loop to carry out.
    pub fn emit(&mut self, e: Effect) {
        self.effects.push(e);
    }

    pub(super) fn into_parts(self) -> (Option<String>, Vec<Effect>) {
        (self.flash, self.effects)
    }
}

/// What became of a view after a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It stays open (changed or not).
    Stay,
    /// It closes.
    Close,
    /// It closes, then the workbench carries out the request.
    Then(Ask),
    /// It stays open, and the workbench carries out the request (which may close it).
    Ask(Ask),
}

/// What a view asks of the workbench: things that need more than the view's own state.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    Quit,
    NewConversation,
    /// Send this prompt.
    Send(String),
    /// Send this prompt although the session budget is spent.
    SendAnyway(String),
    /// Run the benchmark although its worst case is past the credits left.
    BenchAnyway,
    OpenSession {
        id: i64,
        turn: Option<u64>,
    },
    Rate {
        seq: u64,
        model: String,
        score: u8,
        note: String,
    },
    SaveRoute(Box<crate::route::Route>),
    SetParams(Params),
    /// The result of pane `pane`'s waiting tool call.
    ToolResult {
        pane: usize,
        text: String,
    },
    /// A blind round's vote: the winner's index, `None` for a tie.
    Vote(Option<usize>),
    /// Diff the focused pane with pane number `n` (from 1).
    DiffWith(u8),
    /// The focused pane's search.
    Find(FindAsk),
    /// Picking a code block of the focused pane.
    Copy(CopyAsk),
    /// Export the session being recorded in this format.
    Export(crate::report::ExportFormat),
}

#[derive(Debug, Clone, PartialEq)]
pub enum FindAsk {
    Query(String),
    Done,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CopyAsk {
    Next,
    Prev,
    Take,
    Leave,
}

/// An overlay: its own state, its own keys.
pub trait View {
    fn on(&mut self, key: &Keyed, ctx: &mut Ctx) -> Outcome;

    /// Pasted text; most views take none.
    fn paste(&mut self, _text: &str, _ctx: &mut Ctx) -> Outcome {
        Outcome::Stay
    }

    /// A form hands the focus back to the editor when it closes: keys typed on after it type
    /// there, and never fall through to pane commands by surprise.
    fn returns_to_editor(&self) -> bool {
        false
    }
}

/// Scroll by the list layer's command; false for any other key (which closes the view).
pub fn scroll_by(scroll: &mut u16, cmd: Option<ListCmd>) -> bool {
    use ListCmd::*;
    match cmd {
        Some(Down) => *scroll = scroll.saturating_add(1),
        Some(Up) => *scroll = scroll.saturating_sub(1),
        Some(PageDown) => *scroll = scroll.saturating_add(10),
        Some(PageUp) => *scroll = scroll.saturating_sub(10),
        Some(Open | Close) | None => return false,
    }
    true
}

/// Move a list selection by the list layer's command; `None` for keys that are not moves.
pub fn move_in_list(selected: &mut usize, len: usize, cmd: Option<ListCmd>) -> Option<()> {
    let last = len.saturating_sub(1);
    match cmd? {
        ListCmd::Up => *selected = selected.saturating_sub(1),
        ListCmd::Down => *selected = (*selected + 1).min(last),
        ListCmd::PageUp => *selected = selected.saturating_sub(10),
        ListCmd::PageDown => *selected = (*selected + 10).min(last),
        ListCmd::Open | ListCmd::Close => return None,
    }
    Some(())
}

/// A view that scrolls with the list keys and closes on any other key.
pub fn scroll_or_close(scroll: &mut u16, key: &Keyed) -> Outcome {
    if scroll_by(scroll, key.list) {
        Outcome::Stay
    } else {
        Outcome::Close
    }
}

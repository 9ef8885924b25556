//! Terminal setup and a restore that runs on every exit path: normal return, error, panic
//! (through the panic hook) and drop.

use std::io::{BufWriter, Stdout, Write, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    KeyboardEnhancementFlags, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
    supports_keyboard_enhancement,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

static ACTIVE: AtomicBool = AtomicBool::new(false);
static KITTY: AtomicBool = AtomicBool::new(false);

/// A frame goes out in one write: ratatui flushes the backend once a frame, and stdout's own
/// line buffer would split a frame into a write per kilobyte.
pub type Backend = CrosstermBackend<BufWriter<Stdout>>;

pub struct Term {
    pub terminal: Terminal<Backend>,
}

impl Term {
    pub fn setup() -> std::io::Result<Self> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = stdout();
        execute!(
            out,
            EnterAlternateScreen,
            EnableBracketedPaste,
            EnableMouseCapture
        )?;
        // The kitty keyboard protocol lets Shift-Enter be told apart from Enter. Terminals that
        // do not speak it answer the query with nothing, and then Ctrl-S / Alt-Enter still send.
        if matches!(supports_keyboard_enhancement(), Ok(true)) {
            execute!(
                out,
                PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
            )?;
            KITTY.store(true, Ordering::SeqCst);
        }
        // A fixed viewport, resized by the event loop on the terminal's Resize events: ratatui's
        // full-screen viewport asks the terminal its size before every frame (on Unix, crossterm
        // opens /dev/tty for it), which is four system calls a frame for nothing.
        let (w, h) = crossterm::terminal::size()?;
        let viewport = ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h));
        let mut terminal = Terminal::with_options(
            CrosstermBackend::new(BufWriter::with_capacity(1 << 16, out)),
            ratatui::TerminalOptions { viewport },
        )?;
        terminal.clear()?;
        Ok(Self { terminal })
    }

    /// The terminal's new size, from its Resize event.
    pub fn resize(&mut self, w: u16, h: u16) -> std::io::Result<()> {
        self.terminal.resize(ratatui::layout::Rect::new(0, 0, w, h))
    }

    pub fn mouse_capture(&mut self, on: bool) -> std::io::Result<()> {
        if on {
            execute!(self.terminal.backend_mut(), EnableMouseCapture)
        } else {
            execute!(self.terminal.backend_mut(), DisableMouseCapture)
        }
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        restore();
    }
}

/// Put the terminal back as we found it. Safe to call more than once.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = stdout();
    if KITTY.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    let _ = execute!(
        out,
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // A panic in a request task is caught there and becomes that pane's error: the
            // workbench goes on, so the terminal stays as it is and nothing is printed over it.
            if std::thread::current().name() == Some(super::NET_THREAD)
                && ACTIVE.load(Ordering::SeqCst)
            {
                return;
            }
            restore();
            previous(info);
        }));
    });
}

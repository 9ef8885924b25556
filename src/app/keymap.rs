//! Key bindings: `{keys, command, description}` entries, overridable from the config's `[keys]`
//! table. The help overlay is generated from the same list.

use std::collections::BTreeMap;

use crossterm::event::KeyEvent;

pub use super::keys::{KeySpec, parse_key};

/// Where a binding acts. Global commands act everywhere (plain keys outside text inputs); a
/// region's layer acts when that region has the focus and no global binding took the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Global,
    Panes,
    /// Lists and scrolled views in overlays (help, diff, history, benchmark runs).
    List,
    /// Yes-or-no questions.
    Confirm,
}

impl Layer {
    /// How the help and the docs name the layer's rows.
    pub fn label(self) -> &'static str {
        match self {
            Layer::Global => "",
            Layer::Panes => "panes: ",
            Layer::List => "lists: ",
            Layer::Confirm => "questions: ",
        }
    }

    /// Whether the global commands see a key first. A region's layer does; an overlay's layer
    /// takes its keys before anything else, so it may reuse a global key.
    pub fn under_global(self) -> bool {
        match self {
            Layer::Global | Layer::Panes => true,
            Layer::List | Layer::Confirm => false,
        }
    }
}

/// A command of the key map. Its name in the config's `[keys]` table is derived by serde
/// (`snake_case`), save the numbered ones (`pane_3`, `toggle_route_3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Send,
    Cancel,
    Rerun,
    Maximize,
    Help,
    Quit,
    FocusNext,
    FocusPrev,
    NewConversation,
    ToggleMouse,
    Params,
    PanelView,
    #[serde(rename = "sort")]
    SortNext,
    SortReverse,
    CompareMetric,
    RouteNext,
    RoutePrev,
    ToggleFallback,
    EditRoute,
    Rehearse,
    History,
    Rate,
    RateUp,
    RateDown,
    Export,
    ToggleRaw,
    Find,
    FindNext,
    FindPrev,
    CopyAnswer,
    #[serde(rename = "copy_comparison")]
    CopyAll,
    CopyMode,
    Diff,
    Blind,
    Vote,
    Leaderboard,
    Bench,
    BenchRuns,
    ToolResult,
    Ladder,
    CompletePath,
    JumpPane(u8),
    ToggleRoute(u8),
    /// The panes layer's commands.
    Pane(PaneCmd),
    /// The list layer's commands (named `list_up`, ...).
    List(ListCmd),
    /// The question layer's commands (named `confirm_yes`, ...).
    Confirm(ConfirmCmd),
}

/// What the list layer does in a list or a scrolled view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListCmd {
    Up,
    Down,
    PageUp,
    PageDown,
    Open,
    Close,
}

/// An answer to a yes-or-no question. `Accept` (Enter) says yes where yes is harmless, and no to
/// a question that spends money (the session budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmCmd {
    Yes,
    Accept,
}

/// What the panes layer does to the focused pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaneCmd {
    ScrollUp,
    ScrollDown,
    PageUp,
    PageDown,
    ScrollTop,
    ScrollBottom,
    PrevPane,
    NextPane,
}

/// A unit variant's serde name.
fn serde_name(v: impl serde::Serialize + std::fmt::Debug) -> String {
    match serde_json::to_value(&v) {
        Ok(serde_json::Value::String(s)) => s,
        other => unreachable!("{v:?} is a unit variant, named by a string: {other:?}"),
    }
}

impl Command {
    /// The name used in the config's `[keys]` table.
    pub fn name(self) -> String {
        match self {
            Command::JumpPane(n) => format!("pane_{n}"),
            Command::ToggleRoute(n) => format!("toggle_route_{n}"),
            Command::Pane(p) => serde_name(p),
            Command::List(l) => format!("list_{}", serde_name(l)),
            Command::Confirm(c) => format!("confirm_{}", serde_name(c)),
            unit => serde_name(unit),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub layer: Layer,
    pub keys: Vec<KeySpec>,
    pub command: Command,
    pub description: &'static str,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

fn defaults() -> Vec<(Command, &'static str, &'static str)> {
    let mut v = vec![
        (
            Command::Send,
            "ctrl-s, alt-enter, shift-enter",
            "send the prompt to every enabled model",
        ),
        (
            Command::Cancel,
            "esc",
            "cancel running requests (focused pane, or all)",
        ),
        (Command::FocusNext, "tab", "focus the next region"),
        (Command::FocusPrev, "shift-tab", "focus the previous region"),
        (Command::Rerun, "r", "re-run the last prompt"),
        (
            Command::Maximize,
            "m",
            "maximise the focused pane, again to restore",
        ),
        (
            Command::NewConversation,
            "ctrl-n",
            "start a fresh conversation in every pane",
        ),
        (
            Command::Params,
            "ctrl-p",
            "edit system prompt, max tokens, temperature",
        ),
        (
            Command::ToggleMouse,
            "f2",
            "mouse capture on/off (off: the terminal selects)",
        ),
        (
            Command::PanelView,
            "v",
            "panel: live rows / session stats / compare bars",
        ),
        (
            Command::SortNext,
            "s",
            "sort the session stats by the next column",
        ),
        (Command::SortReverse, "shift-s", "reverse the sort order"),
        (
            Command::CompareMetric,
            "b",
            "compare bars: TTFT / tokens/s / cost per 1k output",
        ),
        (
            Command::RouteNext,
            "]",
            "focused pane: next route (or back to its plain model)",
        ),
        (Command::RoutePrev, "[", "focused pane: previous route"),
        (
            Command::ToggleFallback,
            "f",
            "focused pane: fallback on/off for the next send",
        ),
        (
            Command::EditRoute,
            "e",
            "edit the focused pane's route (chain, failures, retries)",
        ),
        (
            Command::Rehearse,
            "ctrl-e",
            "rehearse the prompt through the focused pane's route",
        ),
        (
            Command::History,
            "ctrl-r",
            "history: search past prompts and answers, reopen, re-send",
        ),
        (
            Command::Rate,
            "*",
            "rate the focused pane's answer: 1-5 (or + / -), a note, Enter",
        ),
        (
            Command::RateUp,
            "+",
            "rate the focused pane's answer 5 (good)",
        ),
        (
            Command::RateDown,
            "-",
            "rate the focused pane's answer 1 (bad)",
        ),
        (
            Command::Export,
            "ctrl-o",
            "export this session as Markdown into the current folder",
        ),
        (
            Command::ToggleRaw,
            "t",
            "focused pane: raw text / rendered markdown",
        ),
        (
            Command::Find,
            "/",
            "search the focused pane (Enter keeps it, Esc clears)",
        ),
        (Command::FindNext, "n", "next match"),
        (Command::FindPrev, "shift-n", "previous match"),
        (
            Command::CopyAnswer,
            "y",
            "copy the focused pane's answer to the clipboard",
        ),
        (
            Command::CopyAll,
            "shift-y",
            "copy the whole comparison as Markdown",
        ),
        (
            Command::CopyMode,
            "c",
            "copy mode: pick a code block (↑↓), Enter copies it",
        ),
        (
            Command::Diff,
            "d",
            "word diff of the focused pane with pane N (then its number)",
        ),
        (
            Command::Blind,
            "shift-b",
            "blind round: the next send hides names and shuffles panes",
        ),
        (
            Command::Vote,
            "w",
            "vote for the best answer of a blind round (pane number, = for a tie)",
        ),
        (
            Command::Leaderboard,
            "shift-l",
            "leaderboard of blind votes, and the cost / TTFT frontier",
        ),
        (
            Command::Bench,
            "ctrl-b",
            "benchmark: the prompt 10 times on every pane (Esc stops)",
        ),
        (
            Command::BenchRuns,
            "shift-r",
            "benchmark runs stored in the history (Enter opens one)",
        ),
        (
            Command::CompletePath,
            "ctrl-t",
            "complete the @path being typed in the prompt (attach a file or folder)",
        ),
        (
            Command::Ladder,
            "ctrl-l",
            "context ladder: the prompt with 1k-128k tokens of context on every pane (Esc stops)",
        ),
        (
            Command::ToolResult,
            "shift-t",
            "type the result of the focused pane's waiting tool call",
        ),
        (Command::Help, "?, f1", "show this help"),
        (
            Command::Quit,
            "q, ctrl-c",
            "quit (asks first while requests run)",
        ),
    ];
    for n in 1..=9u8 {
        let (jump, toggle): (&'static str, &'static str) = match n {
            1 => ("1", "alt-1"),
            2 => ("2", "alt-2"),
            3 => ("3", "alt-3"),
            4 => ("4", "alt-4"),
            5 => ("5", "alt-5"),
            6 => ("6", "alt-6"),
            7 => ("7", "alt-7"),
            8 => ("8", "alt-8"),
            _ => ("9", "alt-9"),
        };
        v.push((Command::JumpPane(n), jump, "focus pane N"));
        v.push((
            Command::ToggleRoute(n),
            toggle,
            "turn pane N's model on/off for the next send",
        ));
    }
    v
}

/// The list layer: keys of lists and scrolled views in overlays.
fn list_defaults() -> Vec<(Command, &'static str, &'static str)> {
    use ListCmd::*;
    vec![
        (
            Command::List(Up),
            "up, k",
            "move up (plain keys type in a search box)",
        ),
        (Command::List(Down), "down, j", "move down"),
        (Command::List(PageUp), "pageup", "a page up"),
        (Command::List(PageDown), "pagedown, space", "a page down"),
        (Command::List(Open), "enter", "open the entry chosen"),
        (
            Command::List(Close),
            "esc, q",
            "close (any other key closes a view)",
        ),
    ]
}

/// The question layer: the answers to a yes-or-no question; any other key is no.
fn confirm_defaults() -> Vec<(Command, &'static str, &'static str)> {
    vec![
        (
            Command::Confirm(ConfirmCmd::Yes),
            "y, shift-y",
            "yes (any other key is no)",
        ),
        (
            Command::Confirm(ConfirmCmd::Accept),
            "enter",
            "yes, except to spending past the budget",
        ),
    ]
}

/// The panes layer: keys that act on the focused pane when the panes have the focus.
fn panes_defaults() -> Vec<(Command, &'static str, &'static str)> {
    vec![
        (
            Command::Pane(PaneCmd::ScrollUp),
            "up, k",
            "scroll the focused pane up a row",
        ),
        (
            Command::Pane(PaneCmd::ScrollDown),
            "down, j",
            "scroll the focused pane down a row",
        ),
        (
            Command::Pane(PaneCmd::PageUp),
            "pageup",
            "scroll the focused pane up a page",
        ),
        (
            Command::Pane(PaneCmd::PageDown),
            "pagedown, space",
            "scroll the focused pane down a page",
        ),
        (
            Command::Pane(PaneCmd::ScrollTop),
            "home, g",
            "the top of the focused pane",
        ),
        (
            Command::Pane(PaneCmd::ScrollBottom),
            "end, shift-g",
            "the end of the focused pane, following new text again",
        ),
        (
            Command::Pane(PaneCmd::PrevPane),
            "left, h",
            "focus the previous pane",
        ),
        (
            Command::Pane(PaneCmd::NextPane),
            "right, l",
            "focus the next pane",
        ),
    ]
}

fn parse_list(s: &str) -> Result<Vec<KeySpec>, String> {
    s.split(',')
        .map(|k| parse_key(k).ok_or_else(|| format!("cannot read key {:?}", k.trim())))
        .collect()
}

impl Keymap {
    /// Defaults with the config's overrides (`command = "key, key"`); unknown names are errors.
    pub fn new(overrides: &BTreeMap<String, String>) -> Result<Self, String> {
        let layered = [
            (Layer::Global, defaults()),
            (Layer::Panes, panes_defaults()),
            (Layer::List, list_defaults()),
            (Layer::Confirm, confirm_defaults()),
        ];
        let mut bindings: Vec<Binding> = layered
            .into_iter()
            .flat_map(|(layer, list)| {
                list.into_iter()
                    .map(move |(command, keys, description)| Binding {
                        layer,
                        keys: parse_list(keys).unwrap_or_default(),
                        command,
                        description,
                    })
            })
            .collect();
        for (name, keys) in overrides {
            let b = bindings
                .iter_mut()
                .find(|b| b.command.name() == *name)
                .ok_or_else(|| format!("[keys]: unknown command {name:?}"))?;
            b.keys = parse_list(keys).map_err(|e| format!("[keys] {name}: {e}"))?;
        }
        // One key, one command: a key bound twice would silently do only the first. A global key
        // comes before every layer's, so a layer may not reuse one either.
        for (i, a) in bindings.iter().enumerate() {
            for b in &bindings[i + 1..] {
                let shadowed = |x: Layer, y: Layer| x == Layer::Global && y.under_global();
                let meet =
                    a.layer == b.layer || shadowed(a.layer, b.layer) || shadowed(b.layer, a.layer);
                if !meet {
                    continue;
                }
                if let Some(k) = a.keys.iter().find(|k| b.keys.contains(k)) {
                    return Err(format!(
                        "[keys]: {k} is bound to both {} and {}; give one of them another key",
                        a.command.name(),
                        b.command.name()
                    ));
                }
            }
        }
        Ok(Self { bindings })
    }

    /// The first key bound to `cmd`, as the screen names it (`Ctrl-S`); `None` when unbound.
    pub fn key_for(&self, cmd: Command) -> Option<String> {
        self.key_in(cmd, false)
    }

    /// The first key that runs `cmd` where the focus is; inside a text input plain keys type, so
    /// they are skipped.
    pub fn key_in(&self, cmd: Command, in_text: bool) -> Option<String> {
        self.bindings
            .iter()
            .find(|b| b.command == cmd)?
            .keys
            .iter()
            .find(|k| !(in_text && k.is_plain()))
            .map(ToString::to_string)
    }

    /// The keys of a numbered command as a range, `1-9` or `Alt-1-Alt-9`, for messages.
    pub fn range(&self, first: Command, last: Command) -> String {
        match (self.key_for(first), self.key_for(last)) {
            (Some(a), Some(b)) => format!("{a}-{b}"),
            (Some(a), None) => a,
            _ => "(unbound)".into(),
        }
    }

    /// The global command for a key. `in_text` is true when a text input has focus: plain keys
    /// type there.
    pub fn lookup(&self, key: &KeyEvent, in_text: bool) -> Option<Command> {
        self.lookup_in(Layer::Global, key, in_text)
    }

    /// The list layer's command for a key (`in_text`: a search box has the focus).
    pub fn list(&self, key: &KeyEvent, in_text: bool) -> Option<ListCmd> {
        match self.lookup_in(Layer::List, key, in_text) {
            Some(Command::List(c)) => Some(c),
            _ => None,
        }
    }

    /// The question layer's answer for a key; `None` is no.
    pub fn confirm(&self, key: &KeyEvent) -> Option<ConfirmCmd> {
        match self.lookup_in(Layer::Confirm, key, false) {
            Some(Command::Confirm(c)) => Some(c),
            _ => None,
        }
    }

    /// The command `layer` binds to a key.
    pub fn lookup_in(&self, layer: Layer, key: &KeyEvent, in_text: bool) -> Option<Command> {
        self.bindings
            .iter()
            .filter(|b| b.layer == layer)
            .find(|b| {
                b.keys
                    .iter()
                    .any(|k| k.matches(key) && !(in_text && k.is_plain()))
            })
            .map(|b| b.command)
    }

    /// (keys, description) for the help overlay. Paired commands share a row, and the nine
    /// numbered entries fold into one, so the list fits an 80x24 terminal.
    pub fn help_rows(&self) -> Vec<(String, String)> {
        let keys_of = |c: Command| {
            self.bindings
                .iter()
                .find(|b| b.command == c)
                .map(|b| {
                    b.keys
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default()
        };
        let pairs = [
            (
                Command::FocusNext,
                Command::FocusPrev,
                "focus the next / previous region",
            ),
            (
                Command::RouteNext,
                Command::RoutePrev,
                "focused pane: next / previous route (or its plain model)",
            ),
            (
                Command::SortNext,
                Command::SortReverse,
                "session stats: sort by the next column / reverse",
            ),
            (
                Command::FindNext,
                Command::FindPrev,
                "search: next / previous match",
            ),
            (
                Command::RateUp,
                Command::RateDown,
                "rate the focused pane's answer 5 (good) / 1 (bad)",
            ),
        ];
        let mut rows = Vec::new();
        for b in &self.bindings {
            if let Some((a, second, desc)) = pairs
                .iter()
                .find(|(a, second, _)| *a == b.command || *second == b.command)
            {
                if *a == b.command {
                    rows.push((
                        format!("{} / {}", keys_of(*a), keys_of(*second)),
                        desc.to_string(),
                    ));
                }
                continue;
            }
            let keys = keys_of(b.command);
            match b.command {
                Command::JumpPane(n) | Command::ToggleRoute(n) if n > 1 => continue,
                Command::JumpPane(_) | Command::ToggleRoute(_) => {
                    rows.push((keys.replace('1', "1..9"), b.description.to_string()));
                }
                _ => rows.push((keys, format!("{}{}", b.layer.label(), b.description))),
            }
        }
        rows
    }
}

mod listing;

#[cfg(test)]
mod tests;

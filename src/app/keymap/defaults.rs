//! The default bindings of each layer: (command, keys as the config writes them, description).

use super::{Command, ConfirmCmd, FormCmd, ListCmd, PaneCmd};

pub(super) fn defaults() -> Vec<(Command, &'static str, &'static str)> {
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
            "export this session into the current folder (asks: Markdown or HTML)",
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
            Command::Watch,
            "shift-w",
            "the watch: each target's state, last probes and alerts (with [watch] in the config)",
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
pub(super) fn list_defaults() -> Vec<(Command, &'static str, &'static str)> {
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
pub(super) fn confirm_defaults() -> Vec<(Command, &'static str, &'static str)> {
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
        (
            Command::Confirm(ConfirmCmd::Other),
            "h",
            "the other choice where one is offered (an export as HTML)",
        ),
    ]
}

/// The panes layer: keys that act on the focused pane when the panes have the focus.
pub(super) fn panes_defaults() -> Vec<(Command, &'static str, &'static str)> {
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

/// The form layer: between fields, submit and cancel; every other key edits the active field.
pub(super) fn form_defaults() -> Vec<(Command, &'static str, &'static str)> {
    vec![
        (Command::Form(FormCmd::Next), "tab, down", "the next field"),
        (
            Command::Form(FormCmd::Prev),
            "shift-tab, up",
            "the previous field",
        ),
        (Command::Form(FormCmd::Submit), "enter", "save the form"),
        (
            Command::Form(FormCmd::Cancel),
            "esc",
            "close it without saving",
        ),
    ]
}

//! The key map's commands and layers. Command names in the config's `[keys]` table are derived
//! by serde from these enums.

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
    /// Forms (parameters, a route): between fields, submit, cancel; other keys edit the field.
    Form,
}

impl Layer {
    /// How the help and the docs name the layer's rows.
    pub fn label(self) -> &'static str {
        match self {
            Layer::Global => "",
            Layer::Panes => "panes: ",
            Layer::List => "lists: ",
            Layer::Confirm => "questions: ",
            Layer::Form => "forms: ",
        }
    }

    /// Whether the global commands see a key first. A region's layer does; an overlay's layer
    /// takes its keys before anything else, so it may reuse a global key.
    pub fn under_global(self) -> bool {
        match self {
            Layer::Global | Layer::Panes => true,
            Layer::List | Layer::Confirm | Layer::Form => false,
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
    Watch,
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
    /// The form layer's commands (named `form_next`, ...).
    Form(FormCmd),
}

/// What the form layer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormCmd {
    Next,
    Prev,
    Submit,
    Cancel,
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
    /// The other choice, where a question offers one (HTML for an export).
    Other,
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
            Command::Form(c) => format!("form_{}", serde_name(c)),
            unit => serde_name(unit),
        }
    }
}

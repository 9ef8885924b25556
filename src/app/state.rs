//! The workbench's state: every field private to `app`, read by `ui` and the event loop through
//! accessors, changed only by `update` and the views it hands commands to.

use std::collections::BTreeMap;
use std::time::Instant;

use ratatui::layout::Rect;

use super::keymap::Keymap;
use super::pane::Pane;
use super::picker::Picker;
use super::{Editor, Focus, MAX_PANES, Overlay, Panel, agent, attachments, blind, history};
use crate::answer::PriceBook;
use crate::gateway::wire::Prices;
use crate::layout::{self, Areas};
use crate::route::Route;

/// What the event loop knows at start-up: the config's and the history's part of the state.
#[derive(Default)]
pub struct Setup {
    /// A history writer runs: sends are recorded.
    pub recording: bool,
    /// Where the history is kept, or why it is off.
    pub place: String,
    /// Answers as written in every pane (`--raw`, `markdown = false`).
    pub raw: bool,
    /// The seed of blind rounds' shuffles.
    pub seed: u64,
    pub prices: BTreeMap<String, Prices>,
    pub budget_usd: Option<f64>,
    pub routes: BTreeMap<String, Route>,
    pub tools: Option<agent::Tools>,
    /// Which account endpoints the profile asks.
    pub account_api: crate::gateway::account::AccountApi,
    /// Ask the gateway's `/generation` for each answer's bill (`generation_stats = true`).
    pub generation_stats: bool,
    /// Typical output tokens by model, for spend estimates (the history's, the demo's).
    pub typical_output: BTreeMap<String, u64>,
    /// The last probe of each model on this gateway.
    pub probes: BTreeMap<String, crate::probe::TargetProbe>,
    /// `[watch]` (its gateway and thresholds), and the targets failing their watch now.
    pub watch: Option<super::watchview::WatchSetup>,
    pub watch_failing: std::collections::BTreeSet<String>,
    /// A message for the status line.
    pub notice: Option<String>,
}

pub struct State {
    pub(super) size: Rect,
    pub(super) focus: Focus,
    pub(super) overlay: Overlay,
    pub(super) keymap: Keymap,
    pub(super) picker: Picker,
    /// Selected model ids in pane order (at most nine).
    pub(super) selected: Vec<String>,
    /// Every model ever selected keeps its pane, so switching models keeps histories.
    pub(super) panes: Vec<Pane>,
    /// Index into the visible panes.
    pub(super) focused_pane: usize,
    pub(super) maximized: bool,
    pub(super) editor: Editor,
    pub(super) next_request: u64,
    /// The latest instant the event loop told us about; used for live elapsed times.
    pub(super) now: Option<Instant>,
    pub(super) panel: Panel,
    pub(super) config_prices: BTreeMap<String, Prices>,
    /// Typical output tokens by model known before this session (the history's, the demo's), for
    /// spend estimates; this session's own answers go over them.
    pub(super) typical_output: BTreeMap<String, u64>,
    /// The last `gatebench probe` of each model on this gateway (marks in the picker, warnings).
    pub(super) probes: BTreeMap<String, crate::probe::TargetProbe>,
    /// `[watch]`, when the config has targets for it; and the targets failing their watch.
    pub(super) watch: Option<super::watchview::WatchSetup>,
    pub(super) watch_failing: std::collections::BTreeSet<String>,
    pub(super) banner: Option<String>,
    pub(super) status_msg: Option<String>,
    pub(super) mouse_capture: bool,
    pub(super) dirty: bool,
    /// Routes by name: the config's, plus those edited in this session.
    pub(super) routes: BTreeMap<String, Route>,
    pub(super) history: history::HistoryState,
    pub(super) blind: blind::Blind,
    /// New panes start raw (answers as written) instead of rendered.
    pub(super) raw_default: bool,
    /// Tools offered with every send, and their stubs (`--tools`, `[tools]`).
    pub(super) tools: Option<agent::Tools>,
    /// The `@path` attachments the editor names.
    pub(super) attach: attachments::Attachments,
}

impl State {
    pub fn new(keymap: Keymap, selected: Vec<String>, banner: Option<String>) -> Self {
        let editor = Editor::new(&keymap);
        let mut s = Self {
            size: Rect::new(0, 0, 80, 24),
            focus: Focus::Picker,
            overlay: Overlay::None,
            keymap,
            picker: Picker::new(),
            selected: Vec::new(),
            panes: Vec::new(),
            focused_pane: 0,
            maximized: false,
            editor,
            next_request: 0,
            now: None,
            panel: Panel::default(),
            config_prices: BTreeMap::new(),
            typical_output: BTreeMap::new(),
            probes: BTreeMap::new(),
            watch: None,
            watch_failing: Default::default(),
            banner,
            status_msg: None,
            mouse_capture: true,
            dirty: true,
            routes: BTreeMap::new(),
            history: history::HistoryState::default(),
            blind: blind::Blind::default(),
            raw_default: false,
            tools: None,
            attach: Default::default(),
        };
        let mut seen = Vec::new();
        for m in selected {
            // Named twice is one pane, not a toggle off.
            if !seen.contains(&m) {
                seen.push(m.clone());
                s.toggle_model(&m);
            }
        }
        if !s.selected.is_empty() {
            s.focus = Focus::Editor;
        }
        s
    }

    pub fn areas(&self) -> Areas {
        if self.maximized && !self.selected.is_empty() {
            return layout::maximized(self.size);
        }
        layout::compute(
            self.size,
            self.selected.len(),
            self.banner.is_some(),
            self.panel_rows(),
        )
    }

    /// Rows the panel would like: the live rows, and the session rows below them.
    pub(super) fn panel_rows(&self) -> u16 {
        let now = self.selected.len().max(1) + 1;
        // A header row (column names, or the metric's name) above one row per model.
        // Room for the selected models' session rows from the start: no jump when they appear.
        let below = self.panel.stats.len().max(self.selected.len()).max(1) + 1;
        (now + 1 + below + 2) as u16
    }

    /// Prices for settling answers: `/v1/models` first, then the config.
    pub fn prices(&self) -> PriceBook {
        PriceBook::new(&self.picker.models, &self.config_prices)
    }

    /// Typical output tokens by model for spend estimates: this session's answers where there
    /// are some, else what was known before it.
    pub fn typical_output(&self) -> BTreeMap<String, u64> {
        let mut typical = self.typical_output.clone();
        typical.extend(
            self.panel
                .stats
                .iter()
                .filter(|(_, st)| st.runs > 0 && st.priced_output_tokens > 0)
                .map(|(m, st)| (m.clone(), st.priced_output_tokens / st.runs)),
        );
        typical
    }

    /// Indices into `panes` of the visible panes, in order.
    pub fn visible(&self) -> Vec<usize> {
        let all = self.selected_panes();
        if self.maximized {
            all.get(self.focused_pane)
                .map(|&i| vec![i])
                .unwrap_or_default()
        } else {
            all
        }
    }

    /// Indices into `panes` of the selected ones, ignoring maximisation (a blind round's
    /// shuffled order while it lasts).
    pub fn selected_panes(&self) -> Vec<usize> {
        let panes = self
            .selected
            .iter()
            .filter_map(|m| self.panes.iter().position(|p| &p.model == m))
            .collect();
        self.blind.order(panes)
    }

    /// Take in the config and the history (once, before the first frame).
    pub fn configure(&mut self, setup: Setup) {
        let Setup {
            recording,
            place,
            raw,
            seed,
            prices,
            budget_usd,
            routes,
            tools,
            account_api,
            generation_stats,
            typical_output,
            probes,
            watch,
            watch_failing,
            notice,
        } = setup;
        self.watch = watch;
        self.watch_failing = watch_failing;
        self.typical_output = typical_output;
        self.probes = probes;
        self.panel.account_api = account_api;
        self.panel.generation_stats = generation_stats;
        self.history.recording = recording;
        self.history.place = place;
        self.set_raw_default(raw);
        self.blind.seed = seed;
        self.config_prices = prices;
        self.panel.budget_usd = budget_usd.filter(|b| *b > 0.0);
        self.routes = routes;
        self.tools = tools;
        if notice.is_some() {
            self.status_msg = notice;
        }
    }

    /// A one-line message on the status line, until the next key.
    pub(super) fn flash(&mut self, msg: impl Into<String>) {
        self.status_msg = Some(msg.into());
    }

    /// Something changed since the last frame: draw, and forget it.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Every pane, and those opened later, raw (`true`) or rendered.
    pub fn set_raw_default(&mut self, raw: bool) {
        self.raw_default = raw;
        for p in &mut self.panes {
            p.transcript.set_raw(raw);
        }
    }

    /// Rows of text a pane shows.
    pub fn pane_height(&self) -> usize {
        self.pane_inner().map_or(10, |r| r.height as usize)
    }

    pub fn any_running(&self) -> bool {
        self.panes.iter().any(|p| p.status.is_running())
    }

    pub(super) fn in_text(&self) -> bool {
        matches!(self.focus, Focus::Editor | Focus::Picker)
    }

    pub(super) fn pane_inner(&self) -> Option<Rect> {
        self.areas().panes.first().map(|r| layout::inner(*r))
    }

    /// Re-wrap visible panes to the width they now have.
    pub(super) fn relayout(&mut self) {
        let areas = self.areas();
        let vis = self.visible();
        for (i, &p) in vis.iter().enumerate() {
            if let Some(r) = areas.panes.get(i) {
                self.panes[p].transcript.set_width(layout::inner(*r).width);
            }
        }
    }

    pub fn toggle_model(&mut self, id: &str) {
        if let Some(pos) = self.selected.iter().position(|m| m == id) {
            self.selected.remove(pos);
        } else if self.selected.len() >= MAX_PANES {
            self.flash(format!("at most {MAX_PANES} models at once"));
            return;
        } else {
            self.selected.push(id.to_string());
            if !self.panes.iter().any(|p| p.model == id) {
                let w = self.pane_inner().map_or(40, |r| r.width);
                let mut pane = Pane::new(id.to_string(), w);
                pane.transcript.set_raw(self.raw_default);
                pane.conversation = self.history.conversation;
                self.panes.push(pane);
            }
        }
        self.focused_pane = self.focused_pane.min(self.selected.len().saturating_sub(1));
        self.relayout();
    }

    pub fn focused_pane_ref(&self) -> Option<&Pane> {
        self.focused().map(|p| &self.panes[p])
    }

    /// The pane keyboard commands act on.
    pub(super) fn focused(&self) -> Option<usize> {
        self.visible()
            .get(if self.maximized { 0 } else { self.focused_pane })
            .copied()
    }
}

/// Read access for drawing and for the event loop; changes go through `update`.
impl State {
    pub fn size(&self) -> Rect {
        self.size
    }

    pub fn focus(&self) -> Focus {
        self.focus
    }

    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    pub fn picker(&self) -> &Picker {
        &self.picker
    }

    /// Whether `target` (a model or a route) is failing its watch.
    pub fn failing_its_watch(&self, target: &str) -> bool {
        self.watch_failing.contains(target)
    }

    /// The picker's marks for `model`: the capabilities its last probe found (`TS`), and `✗`
    /// when it is failing its watch.
    pub fn probe_marks(&self, model: &str) -> String {
        let mut m = self
            .probes
            .get(model)
            .map(crate::probe::TargetProbe::marks)
            .unwrap_or_default();
        if self.watch_failing.contains(model) {
            m.push('✗');
        }
        m
    }

    pub fn selected(&self) -> &[String] {
        &self.selected
    }

    pub fn panes(&self) -> &[Pane] {
        &self.panes
    }

    pub fn focused_pane(&self) -> usize {
        self.focused_pane
    }

    pub fn maximized(&self) -> bool {
        self.maximized
    }

    pub fn editor(&self) -> &Editor {
        &self.editor
    }

    pub fn now(&self) -> Option<Instant> {
        self.now
    }

    pub fn panel(&self) -> &Panel {
        &self.panel
    }

    pub fn banner(&self) -> &Option<String> {
        &self.banner
    }

    pub fn status_msg(&self) -> &Option<String> {
        &self.status_msg
    }

    pub fn mouse_capture(&self) -> bool {
        self.mouse_capture
    }

    pub fn routes(&self) -> &BTreeMap<String, Route> {
        &self.routes
    }

    pub fn history(&self) -> &history::HistoryState {
        &self.history
    }

    pub fn blind(&self) -> &blind::Blind {
        &self.blind
    }

    pub fn raw_default(&self) -> bool {
        self.raw_default
    }

    pub fn tools(&self) -> &Option<agent::Tools> {
        &self.tools
    }

    pub fn attach(&self) -> &attachments::Attachments {
        &self.attach
    }
}

#[cfg(any(test, feature = "testkit"))]
impl State {
    /// What the session has spent, set directly by screen tests (never in a release build).
    pub fn set_spent_for_tests(&mut self, usd: f64) {
        self.panel.session_cost = usd;
    }

    /// A pane, changed directly by benches that drive requests without keys.
    pub fn pane_mut_for_tests(&mut self, i: usize) -> &mut Pane {
        &mut self.panes[i]
    }
}

//! The latency / cost panel's state: which view, the session table's order, the compare metric,
//! per-model session statistics, the session's cost and its budget.

use std::collections::BTreeMap;

use crate::answer::AnswerRecord;
use crate::format::fmt_usd;
use crate::metrics::stats::ModelStats;

/// What the panel shows below the live rows (or alone, when there is room for only one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelView {
    Now,
    Session,
    Compare,
}

/// Columns of the session table, in order; `s` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Model,
    Runs,
    TtftP50,
    TtftP95,
    TtftP99,
    ItlP50,
    ItlP95,
    ItlP99,
    TotalP50,
    TotalP95,
    TpsP50,
    TpsP95,
    CostPer1k,
    Rating,
}

pub const SORT_KEYS: [SortKey; 14] = [
    SortKey::Model,
    SortKey::Runs,
    SortKey::TtftP50,
    SortKey::TtftP95,
    SortKey::TtftP99,
    SortKey::ItlP50,
    SortKey::ItlP95,
    SortKey::ItlP99,
    SortKey::TotalP50,
    SortKey::TotalP95,
    SortKey::TpsP50,
    SortKey::TpsP95,
    SortKey::CostPer1k,
    SortKey::Rating,
];

impl SortKey {
    /// The column's value for one model; `None` sorts last.
    pub fn value(self, m: &ModelStats) -> Option<f64> {
        match self {
            SortKey::Model => None,
            SortKey::Runs => Some(m.runs as f64),
            SortKey::TtftP50 => m.ttft_ms(0.5),
            SortKey::TtftP95 => m.ttft_ms(0.95),
            SortKey::TtftP99 => m.ttft_ms(0.99),
            SortKey::ItlP50 => m.itl_ms(0.5),
            SortKey::ItlP95 => m.itl_ms(0.95),
            SortKey::ItlP99 => m.itl_ms(0.99),
            SortKey::TotalP50 => m.total_ms(0.5),
            SortKey::TotalP95 => m.total_ms(0.95),
            SortKey::TpsP50 => m.tps(0.5),
            SortKey::TpsP95 => m.tps(0.95),
            SortKey::CostPer1k => m.cost_per_1k_output(),
            SortKey::Rating => m.rating_mean(),
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            SortKey::Model => "model",
            SortKey::Runs => "runs",
            SortKey::TtftP50 => "TTFT p50",
            SortKey::TtftP95 => "p95",
            SortKey::TtftP99 => "p99",
            SortKey::ItlP50 => "ITL p50",
            SortKey::ItlP95 => "p95",
            SortKey::ItlP99 => "p99",
            SortKey::TotalP50 => "total p50",
            SortKey::TotalP95 => "p95",
            SortKey::TpsP50 => "tok/s p50",
            SortKey::TpsP95 => "p95",
            SortKey::CostPer1k => "$/1k out",
            SortKey::Rating => "rating",
        }
    }
}

/// The metric the Compare view's bars show; `b` cycles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareMetric {
    Ttft,
    TokensPerSecond,
    CostPer1kOutput,
}

#[derive(Debug)]
pub struct Panel {
    pub view: PanelView,
    pub sort: SortKey,
    pub sort_desc: bool,
    pub compare: CompareMetric,
    /// Per model, over this session: distributions, recent TTFTs, cost.
    pub stats: BTreeMap<String, ModelStats>,
    pub session_cost: f64,
    /// Some response in this session had no known price: the total is a lower bound.
    pub session_cost_partial: bool,
    pub budget_usd: Option<f64>,
    budget_warned: bool,
    /// Each rated answer (by request) with its model and score; a new rating replaces the old.
    pub rated: BTreeMap<u64, (String, u8)>,
    /// Which account endpoints to ask, and what the gateway last said (`Err`: why it could not).
    pub account_api: crate::gateway::account::AccountApi,
    pub account: Option<Result<crate::gateway::account::AccountReport, String>>,
    /// What the key has spent, as the last answer's gateway said (`x-litellm-key-spend`).
    pub key_spend_usd: Option<f64>,
    /// Ask the gateway's `/generation` for each answer's stats.
    pub generation_stats: bool,
}

impl Panel {
    /// The effect that asks the gateway about the account: not when the profile says `none`,
    /// nor once the gateway said it reports nothing (the shapes are tried once a session).
    pub fn ask_account(&self) -> Option<super::Effect> {
        use crate::gateway::account::{AccountApi, AccountReport};
        let silent = matches!(self.account, Some(Ok(AccountReport::NotReported { .. })));
        (self.account_api != AccountApi::None && !silent)
            .then_some(super::Effect::FetchAccount(self.account_api))
    }
}

/// The panel's own commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelCmd {
    NextView,
    NextSort,
    ReverseSort,
    NextCompare,
}

impl Default for Panel {
    fn default() -> Self {
        Self {
            view: PanelView::Now,
            sort: SortKey::Model,
            sort_desc: false,
            compare: CompareMetric::Ttft,
            stats: BTreeMap::new(),
            session_cost: 0.0,
            session_cost_partial: false,
            budget_usd: None,
            budget_warned: false,
            account_api: Default::default(),
            account: None,
            key_spend_usd: None,
            generation_stats: false,
            rated: BTreeMap::new(),
        }
    }
}

impl Panel {
    pub fn update(&mut self, cmd: PanelCmd) {
        match cmd {
            PanelCmd::NextView => {
                self.view = match self.view {
                    PanelView::Now => PanelView::Session,
                    PanelView::Session => PanelView::Compare,
                    PanelView::Compare => PanelView::Now,
                }
            }
            PanelCmd::NextSort => {
                let i = SORT_KEYS.iter().position(|k| *k == self.sort).unwrap_or(0);
                self.sort = SORT_KEYS[(i + 1) % SORT_KEYS.len()];
            }
            PanelCmd::ReverseSort => self.sort_desc = !self.sort_desc,
            PanelCmd::NextCompare => {
                self.compare = match self.compare {
                    CompareMetric::Ttft => CompareMetric::TokensPerSecond,
                    CompareMetric::TokensPerSecond => CompareMetric::CostPer1kOutput,
                    CompareMetric::CostPer1kOutput => CompareMetric::Ttft,
                }
            }
        }
    }

    /// The budget is spent: the next send asks first.
    pub fn over_budget(&self) -> bool {
        self.budget_usd.is_some_and(|b| self.session_cost >= b)
    }

    /// Count a settled answer into the session: its cost, and (when it succeeded) its figures.
    /// Returns a message when the session crosses 80% of its budget.
    /// Rate request `seq`'s answer from `model`; the per-model means follow.
    pub fn rate(&mut self, seq: u64, model: &str, score: u8) {
        self.rated.insert(seq, (model.to_string(), score));
        for m in self.stats.values_mut() {
            (m.rating_sum, m.ratings) = (0, 0);
        }
        for (model, score) in self.rated.values() {
            let m = self.stats.entry(model.clone()).or_default();
            m.rating_sum += *score as u64;
            m.ratings += 1;
        }
    }

    /// Forget this session's figures (another session is being opened); views and sort stay.
    pub fn reset_session(&mut self) {
        self.stats.clear();
        self.rated.clear();
        self.session_cost = 0.0;
        self.session_cost_partial = false;
        self.budget_warned = false;
    }

    /// An answer's cost changed after it was recorded (the gateway's own bill arrived).
    pub fn recost(&mut self, old: Option<f64>, new: Option<f64>) {
        if let (Some(o), Some(n)) = (old, new) {
            self.session_cost += n - o;
        } else if let Some(n) = new {
            self.session_cost += n;
        }
    }

    pub fn record(&mut self, rec: &AnswerRecord, cancelled: bool) -> Option<String> {
        self.key_spend_usd = rec.key_spend_usd.or(self.key_spend_usd);
        match rec.cost_usd {
            Some(usd) => self.session_cost += usd,
            None if rec.output_tokens.is_some() => self.session_cost_partial = true,
            None => {}
        }
        if rec.succeeded() && !cancelled {
            let priced = rec.cost_usd.zip(rec.output_tokens);
            self.stats
                .entry(rec.hop_model.clone())
                .or_default()
                .add(&rec.figures(), priced);
        }
        let b = self.budget_usd?;
        if self.budget_warned || self.session_cost < 0.8 * b {
            return None;
        }
        self.budget_warned = true;
        Some(format!(
            "budget: {} of {} spent this session",
            fmt_usd(Some(self.session_cost)),
            fmt_usd(Some(b))
        ))
    }

    /// Session rows in the chosen order.
    pub fn sorted_stats(&self) -> Vec<(&String, &ModelStats)> {
        let mut v: Vec<(&String, &ModelStats)> = self.stats.iter().collect();
        let key = |m: &ModelStats| self.sort.value(m);
        v.sort_by(|a, b| {
            let ord = match (key(a.1), key(b.1)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                // Unknown values sort last whatever the direction.
                (Some(_), None) => return std::cmp::Ordering::Less,
                (None, Some(_)) => return std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            };
            let ord = ord.then_with(|| a.0.cmp(b.0));
            if self.sort_desc { ord.reverse() } else { ord }
        });
        v
    }
}

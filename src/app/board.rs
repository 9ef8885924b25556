//! The leaderboard overlay: blind votes and model figures from the history (or, with the
//! history off, this session's), ranked, with the cost / TTFT frontier.

use std::collections::BTreeMap;

use super::view::{Ctx, Keyed, Outcome, View};
use super::{Overlay, State};
use crate::history::VoteInfo;
use crate::metrics::leaderboard::{ModelFigures, Standing, standings};

/// What the leaderboard is computed from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoardData {
    pub votes: Vec<VoteInfo>,
    pub figures: BTreeMap<String, ModelFigures>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    pub standings: Vec<Standing>,
    pub votes: usize,
    /// "the history" or "this session".
    pub source: &'static str,
}

impl Board {
    pub fn new(data: &BoardData, source: &'static str) -> Self {
        Self {
            standings: standings(&data.votes, &data.figures),
            votes: data.votes.len(),
            source,
        }
    }
}

/// The leaderboard (`None` while it loads); any key closes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoardView(pub Option<Box<Board>>);

impl View for BoardView {
    fn on(&mut self, _: &Keyed, _: &mut Ctx) -> Outcome {
        Outcome::Close
    }
}

/// This session's votes and figures (the history is off or failed).
pub fn session_data(s: &State) -> BoardData {
    let figures = s
        .panel
        .stats
        .iter()
        .map(|(m, st)| {
            let fig = ModelFigures {
                answers: st.runs,
                median_ttft_ms: st.ttft_ms(0.5),
                cost_per_1k_output_usd: st.cost_per_1k_output(),
            };
            (m.clone(), fig)
        })
        .collect();
    BoardData {
        votes: s.blind.votes.clone(),
        figures,
    }
}

pub fn loaded(s: &mut State, data: Result<Box<BoardData>, String>) {
    if s.overlay != Overlay::Leaderboard(BoardView(None)) {
        return;
    }
    let board = match data {
        Ok(d) => Board::new(&d, "the history"),
        Err(_) => Board::new(&session_data(s), "this session"),
    };
    s.overlay = Overlay::Leaderboard(BoardView(Some(Box::new(board))));
}

//! Blind rounds: the next send hides model names and shuffles the panes (and the panel's rows);
//! the user votes for the best answer, or a tie, and only then are the names shown. Votes go to
//! the history, where the leaderboard reads them.

use crossterm::event::KeyCode;

use super::keymap::Command;
use super::view::{Ask, Ctx, Keyed, Outcome, View};
use super::{Effect, Overlay, State, history};
use crate::history::{Record, VoteInfo};
use crate::rng::SplitMix64;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Blind {
    /// The next send is blind.
    pub armed: bool,
    pub round: Option<Round>,
    /// Shuffles differ per session: the event loop seeds this at start.
    pub seed: u64,
    /// Votes of this session (also stored in the history).
    pub votes: Vec<VoteInfo>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Round {
    pub turn: u64,
    /// Pane indices in the order shown.
    pub order: Vec<usize>,
    pub revealed: bool,
}

impl Blind {
    pub fn hidden(&self) -> bool {
        self.round.as_ref().is_some_and(|r| !r.revealed)
    }

    /// "A", "B"... for pane `p` while names are hidden.
    pub fn label(&self, p: usize) -> Option<String> {
        let r = self.round.as_ref().filter(|r| !r.revealed)?;
        let i = r.order.iter().position(|&x| x == p)?;
        Some(letter(i))
    }

    /// `panes` in the round's order (panes outside the round after them).
    pub fn order(&self, panes: Vec<usize>) -> Vec<usize> {
        let Some(r) = &self.round else { return panes };
        let mut out: Vec<usize> = r
            .order
            .iter()
            .copied()
            .filter(|p| panes.contains(p))
            .collect();
        out.extend(panes.into_iter().filter(|p| !r.order.contains(p)));
        out
    }

    /// Start a round for `panes` when armed; any other send ends the last round.
    pub fn on_send(&mut self, turn: u64, panes: &[usize]) {
        if !std::mem::take(&mut self.armed) {
            self.round = None;
            return;
        }
        let mut rng = SplitMix64::new(self.seed ^ turn.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut order = panes.to_vec();
        // Fisher-Yates.
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        self.round = Some(Round {
            turn,
            order,
            revealed: false,
        });
    }
}

pub fn letter(i: usize) -> String {
    char::from(b'A' + (i % 26) as u8).to_string()
}

/// `B`: arm (or disarm) a blind round for the next send.
pub fn toggle(s: &mut State) -> Vec<Effect> {
    s.blind.armed = !s.blind.armed;
    let vote = s.keymap.key_for(Command::Vote).unwrap_or_default();
    s.flash(if s.blind.armed {
        format!(
            "blind: the next send hides model names and shuffles the panes; {vote} to vote, then they are shown"
        )
    } else {
        "blind round off".into()
    });
    vec![]
}

/// `w`: vote, once every answer of a blind round is in.
pub fn open_vote(s: &mut State) -> Vec<Effect> {
    let blind = s.keymap.key_for(Command::Blind).unwrap_or_default();
    if !s.blind.hidden() {
        s.flash(format!(
            "votes are for blind rounds: {blind} then send, read the answers, then vote"
        ));
        return vec![];
    }
    if s.any_running() {
        s.flash("wait for every answer before voting");
        return vec![];
    }
    let answers = s.blind.round.as_ref().map_or(0, |r| r.order.len());
    s.overlay = Overlay::Vote(VotePick { answers });
    vec![]
}

/// Waiting for the vote of a blind round of `answers` answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VotePick {
    pub answers: usize,
}

impl View for VotePick {
    fn on(&mut self, key: &Keyed, ctx: &mut Ctx) -> Outcome {
        let n = self.answers;
        // A pane's number is whatever key focuses that pane; A, B, ... are the shown labels.
        let jump = match key.global {
            Some(Command::JumpPane(j)) => Some(usize::from(j)),
            _ => None,
        };
        let winner = match key.event.code {
            KeyCode::Char('=') | KeyCode::Char('t') | KeyCode::Char('0') => None,
            _ if jump.is_some_and(|j| (1..=n).contains(&j)) => jump.map(|j| j - 1),
            KeyCode::Char(c)
                if c.is_ascii_alphabetic()
                    && (c.to_ascii_uppercase() as usize) < 'A' as usize + n =>
            {
                Some(c.to_ascii_uppercase() as usize - 'A' as usize)
            }
            _ => {
                ctx.flash("no vote");
                return Outcome::Close;
            }
        };
        Outcome::Then(Ask::Vote(winner))
    }
}

/// Store the vote (`None`: a tie) and show the names.
pub fn vote(s: &mut State, winner: Option<usize>) -> Vec<Effect> {
    let Some(round) = s.blind.round.as_mut().filter(|r| !r.revealed) else {
        return vec![];
    };
    round.revealed = true;
    for pane in &mut s.panes {
        pane.alias = None;
    }
    let models: Vec<String> = round
        .order
        .iter()
        .map(|&p| {
            s.panes[p]
                .answer
                .as_ref()
                .map_or_else(|| s.panes[p].target().to_string(), |a| a.hop_model.clone())
        })
        .collect();
    let info = VoteInfo {
        turn: round.turn,
        models: models.clone(),
        winner: winner.and_then(|w| models.get(w).cloned()),
    };
    let names: Vec<String> = models
        .iter()
        .enumerate()
        .map(|(i, m)| format!("{} was {m}", letter(i)))
        .collect();
    s.flash(format!(
        "{}: {}",
        match &info.winner {
            Some(w) => format!("voted {w}"),
            None => "voted a tie".into(),
        },
        names.join(", ")
    ));
    s.blind.votes.push(info.clone());
    history::record(s, Record::Vote(info)).into_iter().collect()
}

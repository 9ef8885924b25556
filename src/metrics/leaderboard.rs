//! The leaderboard from blind votes. A vote among n answers is n-1 pairwise wins for the winner
//! (a tie: every pair draws, half a win each). Per model: the win rate with a 95% Wilson interval,
//! and a Bradley-Terry rating (fitted by Hunter's MM iterations, on the Elo scale: +400 is ten
//! times the odds). Every model also meets a virtual 1500 opponent once, to a draw: it anchors the
//! scale, and a model that never won still gets a finite rating. The frontier: a model is dominated
//! when another is no dearer, no slower and rated no lower, and better in one of them.

use std::collections::BTreeMap;

use serde::Serialize;

/// A blind vote: the models of one prompt as they were shown (A, B, ...) and the winner, or none
/// for a tie.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VoteInfo {
    pub turn: u64,
    pub models: Vec<String>,
    pub winner: Option<String>,
}

/// A model's figures from its answers (history or session).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModelFigures {
    pub answers: u64,
    pub median_ttft_ms: Option<f64>,
    pub cost_per_1k_output_usd: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    pub model: String,
    /// Bradley-Terry on the Elo scale; `None` without votes.
    pub rating: Option<f64>,
    pub wins: f64,
    pub games: u64,
    pub win_rate: Option<f64>,
    /// 95% Wilson score interval of the win rate.
    pub win_rate_low: Option<f64>,
    pub win_rate_high: Option<f64>,
    #[serde(flatten)]
    pub figures: ModelFigures,
    /// A model that is no dearer, no slower and rated no lower (better in one), if any.
    pub dominated_by: Option<String>,
}

pub const RATING_METHOD: &str =
    "Bradley-Terry (MM fit, ties half a win, one virtual draw against a 1500 opponent), Elo scale";

/// Pairwise results: `games[(a, b)]` and `wins[(a, b)]` (a's wins over b, ties half).
#[derive(Debug, Default)]
struct Pairs {
    games: BTreeMap<(usize, usize), f64>,
    wins: BTreeMap<(usize, usize), f64>,
}

fn pairs(votes: &[VoteInfo], index: &BTreeMap<&str, usize>) -> Pairs {
    let mut p = Pairs::default();
    for v in votes {
        let ids: Vec<usize> = v
            .models
            .iter()
            .filter_map(|m| index.get(m.as_str()).copied())
            .collect();
        let winner = v.winner.as_deref().and_then(|w| index.get(w).copied());
        for (i, &a) in ids.iter().enumerate() {
            for &b in &ids[i + 1..] {
                if a == b {
                    continue;
                }
                let (wa, wb) = match winner {
                    Some(w) if w == a => (1.0, 0.0),
                    Some(w) if w == b => (0.0, 1.0),
                    None => (0.5, 0.5),
                    // Another model won: these two were not compared with each other.
                    Some(_) => continue,
                };
                *p.games.entry((a, b)).or_default() += 1.0;
                *p.games.entry((b, a)).or_default() += 1.0;
                *p.wins.entry((a, b)).or_default() += wa;
                *p.wins.entry((b, a)).or_default() += wb;
            }
        }
    }
    p
}

/// Bradley-Terry strengths by MM iterations; `prior` draws against a strength-1 opponent.
fn bradley_terry(n: usize, p: &Pairs, prior: f64) -> Vec<f64> {
    let mut s = vec![1.0; n];
    let wins: Vec<f64> = (0..n)
        .map(|i| {
            p.wins
                .iter()
                .filter(|((a, _), _)| *a == i)
                .map(|(_, w)| w)
                .sum::<f64>()
                + prior / 2.0
        })
        .collect();
    let played: Vec<usize> = (0..n)
        .filter(|i| p.games.keys().any(|(a, _)| a == i))
        .collect();
    for _ in 0..1_000 {
        let mut next = vec![0.0; n];
        for i in 0..n {
            let mut denom = prior / (s[i] + 1.0);
            for ((a, b), g) in &p.games {
                if *a == i {
                    denom += g / (s[i] + s[*b]);
                }
            }
            next[i] = if denom > 0.0 { wins[i] / denom } else { s[i] };
        }
        // The virtual opponent fixes the scale at 1 (1500). Without it, geometric mean 1 over
        // the models that played does (one that never played keeps 1 and does not count).
        let log_mean = played.iter().map(|&i| next[i].max(1e-12).ln()).sum::<f64>()
            / played.len().max(1) as f64;
        let scale = if prior > 0.0 { 1.0 } else { log_mean.exp() };
        let next: Vec<f64> = next
            .iter()
            .enumerate()
            .map(|(i, x)| {
                if played.contains(&i) {
                    x.max(1e-12) / scale
                } else {
                    1.0
                }
            })
            .collect();
        let change = next
            .iter()
            .zip(&s)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        s = next;
        if change < 1e-10 {
            break;
        }
    }
    s
}

/// 95% Wilson score interval for `wins` of `n`.
pub fn wilson(wins: f64, n: f64) -> Option<(f64, f64)> {
    if n <= 0.0 {
        return None;
    }
    let z2 = 1.96f64 * 1.96;
    let p = wins / n;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let margin = 1.96 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(((center - margin).max(0.0), (center + margin).min(1.0)))
}

/// Standings, best rated first (then by name); models with figures but no votes come last.
pub fn standings(votes: &[VoteInfo], figures: &BTreeMap<String, ModelFigures>) -> Vec<Standing> {
    standings_with(votes, figures, 1.0)
}

pub fn standings_with(
    votes: &[VoteInfo],
    figures: &BTreeMap<String, ModelFigures>,
    prior: f64,
) -> Vec<Standing> {
    let mut names: Vec<&str> = figures.keys().map(String::as_str).collect();
    for v in votes {
        names.extend(v.models.iter().map(String::as_str));
    }
    names.sort_unstable();
    names.dedup();
    let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let p = pairs(votes, &index);
    let voted: Vec<bool> = (0..names.len())
        .map(|i| p.games.keys().any(|(a, _)| *a == i))
        .collect();
    let strength = bradley_terry(names.len(), &p, prior);
    let mut out: Vec<Standing> = names
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let games: f64 = p
                .games
                .iter()
                .filter(|((a, _), _)| *a == i)
                .map(|(_, g)| g)
                .sum();
            let wins: f64 = p
                .wins
                .iter()
                .filter(|((a, _), _)| *a == i)
                .map(|(_, w)| w)
                .sum();
            let ci = wilson(wins, games);
            Standing {
                model: m.to_string(),
                rating: voted[i].then(|| 1500.0 + 400.0 * strength[i].log10()),
                wins,
                games: games as u64,
                win_rate: (games > 0.0).then(|| wins / games),
                win_rate_low: ci.map(|c| c.0),
                win_rate_high: ci.map(|c| c.1),
                figures: figures.get(*m).cloned().unwrap_or_default(),
                dominated_by: None,
            }
        })
        .collect();
    for i in 0..out.len() {
        out[i].dominated_by = out
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .find(|(_, o)| dominates(o, &out[i]))
            .map(|(_, o)| o.model.clone());
    }
    out.sort_by(|a, b| {
        b.rating
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.rating.unwrap_or(f64::NEG_INFINITY))
            .then_with(|| a.model.cmp(&b.model))
    });
    out
}

/// `a` is no dearer, no slower and rated no lower than `b`, and better in one of them. Without
/// both costs and both TTFTs nothing is decided; ratings count when both have one, and a rated
/// model never loses to an unrated one.
pub fn dominates(a: &Standing, b: &Standing) -> bool {
    let (Some(ca), Some(cb), Some(ta), Some(tb)) = (
        a.figures.cost_per_1k_output_usd,
        b.figures.cost_per_1k_output_usd,
        a.figures.median_ttft_ms,
        b.figures.median_ttft_ms,
    ) else {
        return false;
    };
    let (ra, rb) = match (a.rating, b.rating) {
        (Some(x), Some(y)) => (x, y),
        (None, None) => (0.0, 0.0),
        _ => return false,
    };
    ca <= cb && ta <= tb && ra >= rb && (ca < cb || ta < tb || ra > rb)
}

/// The median of some values (`None` when there are none).
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(models: &[&str], winner: Option<&str>) -> VoteInfo {
        VoteInfo {
            turn: 1,
            models: models.iter().map(|m| m.to_string()).collect(),
            winner: winner.map(str::to_string),
        }
    }

    fn get<'a>(s: &'a [Standing], m: &str) -> &'a Standing {
        s.iter().find(|x| x.model == m).unwrap()
    }

    #[test]
    fn two_wins_to_one_is_twice_the_odds() {
        // Hand-computed: p_a / p_b = 2 / 1, so the gap is 400 log10 2 = 120.41 points, and the
        // ratings sit either side of 1500.
        let votes = vec![
            vote(&["a", "b"], Some("a")),
            vote(&["b", "a"], Some("a")),
            vote(&["a", "b"], Some("b")),
        ];
        let s = standings_with(&votes, &BTreeMap::new(), 0.0);
        let (a, b) = (get(&s, "a"), get(&s, "b"));
        assert!((a.rating.unwrap() - b.rating.unwrap() - 120.412).abs() < 0.01);
        assert!((a.rating.unwrap() + b.rating.unwrap() - 3000.0).abs() < 1e-6);
        assert_eq!((a.wins, a.games), (2.0, 3));
        assert_eq!(s[0].model, "a");
    }

    #[test]
    fn a_cycle_rates_everyone_alike_and_ties_are_half_wins() {
        let votes = vec![
            vote(&["a", "b"], Some("a")),
            vote(&["b", "c"], Some("b")),
            vote(&["c", "a"], Some("c")),
        ];
        for st in standings(&votes, &BTreeMap::new()) {
            assert!((st.rating.unwrap() - 1500.0).abs() < 1e-6, "{st:?}");
        }
        // A three-way tie: each model 2 games, 1 win.
        let s = standings(&[vote(&["a", "b", "c"], None)], &BTreeMap::new());
        assert!(s.iter().all(|x| x.games == 2 && x.wins == 1.0));
        // One winner of three: two wins for it, b and c did not meet.
        let s = standings(&[vote(&["a", "b", "c"], Some("c"))], &BTreeMap::new());
        assert_eq!((get(&s, "c").wins, get(&s, "c").games), (2.0, 2));
        assert_eq!((get(&s, "a").wins, get(&s, "a").games), (0.0, 1));
    }

    #[test]
    fn one_win_against_the_virtual_draw_matches_the_hand_solved_fit() {
        // a beat b once; each also drew with the virtual 1500 opponent (strength 1). The fit
        // solves x^2/(x^2+1) + x/(x+1) = 1.5 for a's strength x (b's is 1/x): x = 2.130395, so
        // a = 1500 + 400 log10 x = 1631.38 and b = 1368.62.
        let s = standings(&[vote(&["a", "b"], Some("a"))], &BTreeMap::new());
        let (a, b) = (get(&s, "a").rating.unwrap(), get(&s, "b").rating.unwrap());
        assert!((a - 1631.384).abs() < 0.01, "{a}");
        assert!((b - 1368.616).abs() < 0.01, "{b}");
    }

    #[test]
    fn the_prior_anchors_the_scale_even_when_the_ratings_are_not_centred() {
        // a beat b and a beat c. Solving the fit's equations for strengths x (a) and y (b, c):
        // 2x/(x+y) + x/(x+1) = 2.5 and y/(x+y) + y/(y+1) = 0.5 gives x = 3.50207, y = 0.56509:
        // 1717.73 and 1400.85. Their geometric mean is not 1: nothing may rescale them.
        let votes = vec![vote(&["a", "b"], Some("a")), vote(&["a", "c"], Some("a"))];
        let s = standings(&votes, &BTreeMap::new());
        assert!((get(&s, "a").rating.unwrap() - 1717.730).abs() < 0.01);
        for m in ["b", "c"] {
            assert!((get(&s, m).rating.unwrap() - 1400.848).abs() < 0.01, "{m}");
        }
    }

    #[test]
    fn without_the_prior_a_model_without_games_leaves_the_fit_alone() {
        let figures: BTreeMap<String, ModelFigures> =
            [("idle".to_string(), ModelFigures::default())].into();
        let votes = vec![
            vote(&["a", "b"], Some("a")),
            vote(&["a", "b"], Some("a")),
            vote(&["a", "b"], Some("b")),
        ];
        let s = standings_with(&votes, &figures, 0.0);
        assert_eq!(get(&s, "idle").rating, None);
        // As without the idle model: 120.41 apart, either side of 1500.
        let (a, b) = (get(&s, "a").rating.unwrap(), get(&s, "b").rating.unwrap());
        assert!((a - b - 120.412).abs() < 0.01, "{a} {b}");
        assert!((a + b - 3000.0).abs() < 1e-6, "{a} {b}");
    }

    #[test]
    fn wilson_interval_matches_the_hand_computed_one() {
        // 8 of 10: centre 0.71674, margin 0.22658.
        let (lo, hi) = wilson(8.0, 10.0).unwrap();
        assert!(
            (lo - 0.4902).abs() < 1e-3 && (hi - 0.9433).abs() < 1e-3,
            "{lo} {hi}"
        );
        assert_eq!(wilson(0.0, 0.0), None);
        let (lo, hi) = wilson(0.0, 5.0).unwrap();
        assert_eq!(lo, 0.0);
        assert!(hi > 0.4 && hi < 0.5);
    }

    fn standing(model: &str, cost: f64, ttft: f64, rating: Option<f64>) -> Standing {
        Standing {
            model: model.into(),
            rating,
            wins: 0.0,
            games: 0,
            win_rate: None,
            win_rate_low: None,
            win_rate_high: None,
            figures: ModelFigures {
                answers: 1,
                median_ttft_ms: Some(ttft),
                cost_per_1k_output_usd: Some(cost),
            },
            dominated_by: None,
        }
    }

    #[test]
    fn dominance_needs_no_worse_everywhere_and_better_somewhere() {
        let base = standing("x", 1.0, 100.0, Some(1500.0));
        // Alike in everything: neither dominates.
        assert!(!dominates(&standing("y", 1.0, 100.0, Some(1500.0)), &base));
        // Better in exactly one figure, equal in the others: dominates.
        assert!(dominates(&standing("y", 0.5, 100.0, Some(1500.0)), &base));
        assert!(dominates(&standing("y", 1.0, 90.0, Some(1500.0)), &base));
        assert!(dominates(&standing("y", 1.0, 100.0, Some(1600.0)), &base));
        // Worse in one figure: does not, however good the others.
        assert!(!dominates(&standing("y", 1.5, 50.0, Some(1900.0)), &base));
        assert!(!dominates(&standing("y", 0.1, 150.0, Some(1900.0)), &base));
        assert!(!dominates(&standing("y", 0.1, 50.0, Some(1400.0)), &base));
        // Two unrated models compare on cost and TTFT; rated against unrated never decides.
        let unrated = standing("u", 1.0, 100.0, None);
        assert!(dominates(&standing("v", 0.5, 90.0, None), &unrated));
        assert!(!dominates(&standing("v", 1.0, 100.0, None), &unrated));
        assert!(!dominates(
            &standing("v", 0.5, 90.0, Some(1600.0)),
            &unrated
        ));
        assert!(!dominates(&unrated, &base));
        // A missing figure decides nothing.
        let mut no_cost = standing("n", 0.1, 10.0, Some(2000.0));
        no_cost.figures.cost_per_1k_output_usd = None;
        assert!(!dominates(&no_cost, &base));
    }

    #[test]
    fn win_rates_count_ties_as_half() {
        let votes = vec![
            vote(&["a", "b"], Some("a")),
            vote(&["a", "b"], Some("a")),
            vote(&["a", "b"], None),
        ];
        let figures: BTreeMap<String, ModelFigures> =
            [("idle".to_string(), ModelFigures::default())].into();
        let s = standings(&votes, &figures);
        let a = get(&s, "a");
        assert!((a.win_rate.unwrap() - 2.5 / 3.0).abs() < 1e-9);
        assert!((get(&s, "b").win_rate.unwrap() - 0.5 / 3.0).abs() < 1e-9);
        let (lo, hi) = wilson(2.5, 3.0).unwrap();
        assert_eq!((a.win_rate_low, a.win_rate_high), (Some(lo), Some(hi)));
        let idle = get(&s, "idle");
        assert_eq!(
            (idle.win_rate, idle.win_rate_low, idle.rating, idle.games),
            (None, None, None, 0)
        );
        assert_eq!(s.last().unwrap().model, "idle", "unrated last");
        assert_eq!(median(vec![5.0, 1.0, 4.0, 2.0, 3.0]), Some(3.0));
    }

    #[test]
    fn the_frontier_marks_dearer_slower_worse_models() {
        let fig = |ttft: f64, cost: f64| ModelFigures {
            answers: 3,
            median_ttft_ms: Some(ttft),
            cost_per_1k_output_usd: Some(cost),
        };
        let figures: BTreeMap<String, ModelFigures> = [
            ("cheap-fast".to_string(), fig(100.0, 0.1)),
            ("dear-slow".to_string(), fig(300.0, 0.5)),
            ("dear-fast".to_string(), fig(90.0, 0.9)),
        ]
        .into();
        let votes = vec![
            vote(
                &["cheap-fast", "dear-slow", "dear-fast"],
                Some("cheap-fast"),
            ),
            vote(&["dear-slow", "dear-fast"], Some("dear-fast")),
        ];
        let s = standings(&votes, &figures);
        assert_eq!(
            get(&s, "dear-slow").dominated_by.as_deref(),
            Some("cheap-fast")
        );
        assert_eq!(get(&s, "cheap-fast").dominated_by, None);
        // Faster than the cheap one: on the frontier even though dearer.
        assert_eq!(get(&s, "dear-fast").dominated_by, None);
        assert_eq!(median(vec![3.0, 1.0, 2.0, f64::NAN]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
    }
}

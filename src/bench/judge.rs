//! The judge: a rubric graded 1-5 by a model through the same gateway. The request asks for a
//! fixed reply form; the reply is read leniently. Pure.

use crate::gateway::wire::{ChatRequest, Message, Role};

/// The reply form the judge is asked for; the demo gateway answers as a judge when it sees it.
pub use crate::protocol::JUDGE_REPLY_FORM as REPLY_FORM;

const SYSTEM: &str = "You are a strict grader. Grade the answer against the rubric only.";

/// The judge's request for one answer to `question` (the candidate's messages).
pub fn request(model: &str, question: &[Message], answer: &str, rubric: &str) -> ChatRequest {
    let asked: Vec<String> = question
        .iter()
        .filter(|m| m.role != Role::Assistant)
        .map(|m| m.content.clone())
        .collect();
    let user = format!(
        "Question:\n{}\n\nAnswer:\n{answer}\n\nRubric:\n{rubric}\n\n\
         Reply with exactly two lines:\n{REPLY_FORM}\nREASON: <one sentence>",
        asked.join("\n\n")
    );
    ChatRequest {
        model: model.to_string(),
        messages: vec![Message::system(SYSTEM), Message::user(user)],
        max_tokens: Some(200),
        temperature: Some(0.0),
        ..Default::default()
    }
}

/// The score (1-5) and the one-line reason in a judge's reply.
pub fn read_reply(text: &str) -> Option<(u8, String)> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("score")?;
    let score = text[at + 5..]
        .trim_start_matches([':', ' ', '*', '='])
        .chars()
        .next()?
        .to_digit(10)
        .filter(|d| (1..=5).contains(d))? as u8;
    let reason = match lower.find("reason") {
        Some(r) => text[r + 6..].trim_start_matches([':', ' ', '*']),
        None => text[at..].split_once('\n').map_or("", |(_, rest)| rest),
    };
    let reason = reason
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    Some((score, reason.chars().take(200).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_carries_question_answer_and_rubric() {
        let q = [
            Message::system("be terse"),
            Message::user("Capital of France?"),
        ];
        let r = request("judge-m", &q, "Paris.", "Names Paris.");
        assert_eq!(r.model, "judge-m");
        assert_eq!(r.temperature, Some(0.0));
        assert_eq!(
            r.max_tokens,
            Some(200),
            "a judge's reply is two lines: capped"
        );
        let u = &r.messages[1].content;
        for part in [
            "Capital of France?",
            "be terse",
            "Paris.",
            "Names Paris.",
            REPLY_FORM,
        ] {
            assert!(u.contains(part), "{part} in {u}");
        }
    }

    #[test]
    fn replies_are_read_leniently() {
        assert_eq!(
            read_reply("SCORE: 4\nREASON: Correct but verbose."),
            Some((4, "Correct but verbose.".into()))
        );
        assert_eq!(
            read_reply("**Score**: 5\n\nIt names Paris."),
            Some((5, "It names Paris.".into()))
        );
        assert_eq!(
            read_reply("score=2 reason: wrong city"),
            Some((2, "wrong city".into()))
        );
        assert_eq!(read_reply("SCORE: 9\nREASON: x"), None);
        assert_eq!(read_reply("SCORE: 0"), None);
        assert_eq!(read_reply("I would give it four."), None);
        assert_eq!(read_reply("Score: 3"), Some((3, String::new())));
    }
}

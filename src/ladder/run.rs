//! The thin async part of a ladder, shared by `gatebench ladder` and the workbench: sizes in
//! order, the models of a size at once, every answer through `route::run` and `settle`.

use tokio_util::sync::CancellationToken;

use super::{Step, prompt};
use crate::answer::{PriceBook, settle};
use crate::gateway::Client;
use crate::gateway::wire::{ChatRequest, Message, ModelInfo};
use crate::route::Route;

/// What to climb.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub filler: String,
    pub needle: String,
    pub question: String,
    pub expect: String,
    pub depth: f64,
    pub sizes: Vec<u64>,
    pub max_tokens: u32,
    /// Send even what does not fit a model's listed window.
    pub force: bool,
}

/// What the climb reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Size `index` (from 0) starts: its prompt holds about `tokens` tokens.
    Size {
        index: usize,
        size: u64,
        tokens: u64,
    },
    Step(Step),
}

pub async fn climb(
    client: &Client,
    routes: &[Route],
    listed: &[ModelInfo],
    prices: &PriceBook,
    plan: &Plan,
    cancel: &CancellationToken,
    mut on: impl FnMut(Event),
) {
    let models: Vec<String> = routes.iter().map(|r| r.chain[0].clone()).collect();
    for (index, &size) in plan.sizes.iter().enumerate() {
        if cancel.is_cancelled() {
            return;
        }
        let text = prompt(
            &plan.filler,
            &plan.needle,
            &plan.question,
            size,
            plan.depth,
            crate::metrics::estimate_tokens,
        );
        let messages = vec![Message::user(text)];
        let tokens = crate::metrics::estimate_prompt_tokens(&messages);
        on(Event::Size {
            index,
            size,
            tokens,
        });
        let fits = crate::attach::fits(&messages, u64::from(plan.max_tokens), &models, listed);
        let mut tasks = Vec::new();
        for (route, (_, _, window, fit)) in routes.iter().zip(&fits) {
            if fit.is_over() && !plan.force {
                let step = Step::not_sent(&route.name, size, tokens, window.unwrap_or_default());
                on(Event::Step(step));
                continue;
            }
            let req = ChatRequest {
                messages: messages.clone(),
                max_tokens: Some(plan.max_tokens),
                temperature: Some(0.0),
                ..Default::default()
            };
            let (client, route, cancel) = (client.clone(), route.clone(), cancel.clone());
            tasks.push(tokio::spawn(async move {
                crate::route::run(&client, &route, req, cancel, 1, |_| {}).await
            }));
        }
        for t in tasks {
            let Ok(r) = t.await else { continue };
            if cancel.is_cancelled() {
                continue;
            }
            let step = Step::answered(size, &settle(&r, false, prices), &plan.expect);
            on(Event::Step(step));
        }
    }
}

//! A chat request's answer on the demo gateway: its fault, its script, the account's charge, its
//! generation stats, and the stream or the whole response.

#![allow(clippy::result_large_err)]

use super::*;

/// The fault for request `n`: the `x-demo-fault` header's, else one drawn from the model's rates.
fn choose_fault(
    shared: &Shared,
    headers: &HeaderMap,
    ask: &crate::demo::script::Ask,
    n: u64,
) -> Result<Fault, Response> {
    match headers.get("x-demo-fault").and_then(|v| v.to_str().ok()) {
        Some(h) => parse_fault(h, None).ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                &format!("unknown x-demo-fault {h:?}"),
                "invalid_request_error",
                None,
            )
        }),
        None => {
            let seed = shared.cfg.seed.to_le_bytes();
            let mut rng =
                SplitMix64::from_parts(&[&seed, ask.model.id.as_bytes(), &n.to_le_bytes()]);
            Ok(ask.model.faults.draw(&mut rng))
        }
    }
}

pub(super) async fn chat_inner(
    shared: &Arc<Shared>,
    headers: HeaderMap,
    body: Bytes,
    shape: Shape,
    tokens: &mut u64,
) -> Response {
    if let Err(r) = authorized(shared, &headers) {
        return r;
    }
    let mut ask = match parse_ask(&shared.models, &body) {
        Ok(a) => a,
        Err(e) => return api_error(&e),
    };
    if ask.model.quirks.json_breaks
        && matches!(
            ask.extras.format,
            Some(crate::demo::formats::Format::JsonSchema(_))
        )
    {
        let mut m = shared
            .json_answers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let k = m.entry(ask.model.id.to_string()).or_insert(0);
        *k += 1;
        ask.extras.break_json = *k % 10 == 1;
    }
    let n = {
        let mut map = shared.requests.lock().unwrap_or_else(|e| e.into_inner());
        let c = map.entry(ask.model.id.to_string()).or_insert(0);
        *c += 1;
        *c
    };
    ask.nth = n;
    let fault = match choose_fault(shared, &headers, &ask, n) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Some(e) = context_error(&ask) {
        return api_error(&e);
    }
    if let Fault::Status(code, retry_after) = fault {
        let mut r = api_error(&status_error(code));
        if let Some(s) = retry_after {
            for (k, v) in retry_headers(s) {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    r.headers_mut().insert(k, v);
                }
            }
        }
        return r;
    }
    if let Some(e) = too_long(&ask) {
        return api_error(&e);
    }
    if let Some(e) = shared.account.out_of_credits() {
        return api_error(&e);
    }
    ask.cached_tokens = shared
        .prefixes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .serve(&ask.blocks, ask.prompt_tokens);
    // Writing a long answer takes CPU: off the async workers, so the server keeps answering.
    let (seed, speed) = (shared.cfg.seed, shared.cfg.speed);
    let (ask, s) = match tokio::task::spawn_blocking(move || {
        let s = script(seed, speed, &ask);
        (ask, s)
    })
    .await
    {
        Ok(done) => done,
        Err(_) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the demo script failed",
                "server_error",
                None,
            );
        }
    };
    *tokens = (ask.prompt_tokens + s.reasoning.len() + s.answer.len()) as u64;
    let completion = crate::demo::script::completion_tokens(&s);
    shared.account.charge(&ask, completion);
    let took: Duration = s.first_delay + s.gaps.iter().sum::<Duration>();
    let generation = shared.generations.add(
        ask.model.id,
        ask.prompt_tokens,
        completion,
        crate::demo::script::cost(&ask, completion),
        took,
    );
    let mut r = answer_body(shared, headers, shape, ask, s, fault, n).await;
    if let Ok(v) = HeaderValue::from_str(&generation) {
        r.headers_mut().insert("x-generation-id", v);
    }
    r
}

/// The answer itself: a stream, or the whole response once its time has passed.
async fn answer_body(
    shared: &Arc<Shared>,
    headers: HeaderMap,
    shape: Shape,
    ask: crate::demo::script::Ask,
    s: crate::demo::script::Script,
    fault: Fault,
    n: u64,
) -> Response {
    if ask.stream {
        let request_id = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        stream_response(shape, shared.trace.clone(), ask, s, fault, n, request_id)
    } else {
        let total: Duration = s.first_delay + s.gaps.iter().sum::<Duration>();
        if fault == Fault::HangFirst {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(total).await;
        let body = match shape {
            Shape::Chat => whole_response(&ask, &s, n),
            Shape::Responses => {
                crate::demo::wire::whole_response(&ask, &s, &format!("resp_demo_{n}"), unix_now())
            }
        };
        axum::Json(body).into_response()
    }
}

//! The event loop's one channel for what tasks report. Unlike a plain channel it does not wake
//! the loop for every streamed chunk: a chunk wakes it only when nothing is waiting already, and
//! the loop then takes everything at its next frame; what ends something (`Action::is_completion`)
//! always wakes it at once. A chunk that follows another of the same request while both wait is
//! folded into it (`Action::absorb`), so a burst of thousands of chunks is a handful of messages,
//! and memory stays flat however fast a server sends.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

use crate::app::Action;

#[derive(Default)]
struct Shared {
    queue: Mutex<VecDeque<Action>>,
    /// The loop has been woken (or will take the queue at its next frame): no need to wake it.
    armed: AtomicBool,
    notify: Notify,
    closed: AtomicBool,
}

impl Shared {
    fn queue(&self) -> MutexGuard<'_, VecDeque<Action>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The event loop is gone: nothing will read what is sent.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed;

/// Where tasks send; cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct Sender(Arc<Shared>);

/// The event loop's end.
pub struct Inbox(Arc<Shared>);

pub fn inbox() -> (Sender, Inbox) {
    let shared = Arc::new(Shared::default());
    (Sender(shared.clone()), Inbox(shared))
}

impl Sender {
    pub fn send(&self, a: Action) -> Result<(), Closed> {
        if self.0.closed.load(Ordering::Acquire) {
            return Err(Closed);
        }
        let urgent = a.is_completion();
        {
            let mut q = self.0.queue();
            let rest = match q.back_mut() {
                Some(last) => last.absorb(a),
                None => Some(a),
            };
            q.extend(rest);
        }
        if urgent || !self.0.armed.swap(true, Ordering::AcqRel) {
            self.0.notify.notify_one();
        }
        Ok(())
    }
}

impl Inbox {
    /// Until a sender wakes the loop (a wake sent before this is waited for is kept).
    pub async fn woken(&self) {
        self.0.notify.notified().await;
    }

    /// Up to `max` messages, oldest first.
    pub fn take(&self, max: usize) -> Vec<Action> {
        let mut q = self.0.queue();
        let n = q.len().min(max);
        q.drain(..n).collect()
    }

    /// The loop has nothing scheduled: the next message wakes it. True when messages are waiting
    /// already (sent while it was armed), which the loop must take now.
    pub fn disarm(&self) -> bool {
        self.0.armed.store(false, Ordering::Release);
        !self.0.queue().is_empty()
    }

    /// Wake the loop again (messages are left after a bounded take).
    pub fn rewake(&self) {
        self.0.notify.notify_one();
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        self.0.closed.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::Progress;
    use crate::gateway::wire::Chunk;
    use std::time::Instant;

    fn chunk(id: u64, content: &str) -> Action {
        Action::Chunk {
            request_id: id,
            at: Instant::now(),
            chunk: Chunk {
                content: Some(content.into()),
                ..Default::default()
            },
            progress: Progress::default(),
        }
    }

    fn text(a: &Action) -> String {
        match a {
            Action::Chunk { chunk, .. } => chunk.content.clone().unwrap_or_default(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn waiting_chunks_of_a_request_fold_and_others_keep_their_place() {
        let (tx, rx) = inbox();
        for (id, t) in [(1, "a"), (1, "b"), (2, "x"), (1, "c"), (1, "d")] {
            tx.send(chunk(id, t)).unwrap();
        }
        tx.send(Action::HistoryFailed("disk".into())).unwrap();
        tx.send(chunk(1, "e")).unwrap();
        let got: Vec<String> = rx.take(100).iter().map(text).collect();
        assert_eq!(got, ["ab", "x", "cd", "HistoryFailed(\"disk\")", "e"]);
        assert!(rx.take(100).is_empty());
    }

    #[test]
    fn a_bounded_take_leaves_the_rest_and_a_closed_inbox_refuses() {
        let (tx, rx) = inbox();
        for i in 0..5 {
            tx.send(Action::HistoryFailed(i.to_string())).unwrap();
        }
        assert_eq!(rx.take(2).len(), 2);
        assert!(rx.disarm(), "three are still waiting");
        assert_eq!(rx.take(10).len(), 3);
        assert!(!rx.disarm());
        drop(rx);
        assert_eq!(tx.send(chunk(1, "late")), Err(Closed));
    }

    #[tokio::test]
    async fn the_first_chunk_wakes_the_loop_the_next_ones_wait_and_an_end_always_wakes() {
        use futures_util::FutureExt;
        let (tx, rx) = inbox();
        tx.send(chunk(1, "a")).unwrap();
        assert!(rx.woken().now_or_never().is_some(), "the first one woke it");
        tx.send(chunk(1, "b")).unwrap();
        assert!(rx.woken().now_or_never().is_none(), "armed: no second wake");
        tx.send(Action::HistoryFailed("x".into())).unwrap();
        assert!(
            rx.woken().now_or_never().is_some(),
            "a completion wakes it anyway"
        );
        rx.take(10);
        assert!(!rx.disarm());
        tx.send(chunk(1, "c")).unwrap();
        assert!(
            rx.woken().now_or_never().is_some(),
            "disarmed: the next one wakes it"
        );
        // A bounded take leaves messages with no wake pending: the loop wakes itself again.
        tx.send(Action::HistoryFailed("y".into())).unwrap();
        rx.woken().now_or_never();
        assert_eq!(rx.take(1).len(), 1);
        assert!(rx.woken().now_or_never().is_none());
        rx.rewake();
        assert!(
            rx.woken().now_or_never().is_some(),
            "woken again for the rest"
        );
    }
}

//! [`JoinTicket`]: the answer to a join, ready when the rebalance completes. It can be polled
//! ([`JoinTicket::try_take`]), waited on by a thread ([`JoinTicket::wait`]) or awaited (it is a
//! `Future`), so the synchronous core needs no async runtime.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::error::GroupError;
use super::types::JoinOutcome;

pub type JoinResult = Result<JoinOutcome, GroupError>;

#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    ready: Condvar,
}

#[derive(Default)]
struct SlotState {
    result: Option<JoinResult>,
    waker: Option<Waker>,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The pending answer to one join.
pub struct JoinTicket {
    slot: Arc<Slot>,
}

/// The coordinator's end of a ticket. Dropped unanswered, it answers
/// [`GroupError::CoordinatorClosed`].
pub(crate) struct TicketSender {
    slot: Option<Arc<Slot>>,
}

pub(crate) fn ticket() -> (TicketSender, JoinTicket) {
    let slot = Arc::new(Slot::default());
    (
        TicketSender {
            slot: Some(Arc::clone(&slot)),
        },
        JoinTicket { slot },
    )
}

impl TicketSender {
    pub(crate) fn send(mut self, result: JoinResult) {
        self.complete(result);
    }

    fn complete(&mut self, result: JoinResult) {
        if let Some(slot) = self.slot.take() {
            let mut state = slot.lock();
            state.result = Some(result);
            if let Some(waker) = state.waker.take() {
                waker.wake();
            }
            slot.ready.notify_all();
        }
    }
}

impl Drop for TicketSender {
    fn drop(&mut self) {
        self.complete(Err(GroupError::CoordinatorClosed));
    }
}

impl std::fmt::Debug for JoinTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinTicket")
            .field("answered", &self.slot.lock().result.is_some())
            .finish()
    }
}

impl JoinTicket {
    /// The answer, if it has come (once: later calls return `None`).
    pub fn try_take(&self) -> Option<JoinResult> {
        self.slot.lock().result.take()
    }

    /// Blocks until the answer comes.
    pub fn wait(self) -> JoinResult {
        let mut state = self.slot.lock();
        loop {
            if let Some(result) = state.result.take() {
                return result;
            }
            state = self.slot.ready.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Blocks for at most `timeout`.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<JoinResult> {
        let state = self.slot.lock();
        let (mut state, _) = self
            .slot
            .ready
            .wait_timeout_while(state, timeout, |s| s.result.is_none())
            .unwrap_or_else(|p| p.into_inner());
        state.result.take()
    }
}

impl Future for JoinTicket {
    type Output = JoinResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<JoinResult> {
        let mut state = self.slot.lock();
        match state.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_answers_once_and_a_dropped_sender_answers_closed() {
        let (tx, rx) = ticket();
        assert!(rx.try_take().is_none());
        tx.send(Err(GroupError::UnknownGroup { group: "g".into() }));
        assert_eq!(
            rx.try_take(),
            Some(Err(GroupError::UnknownGroup { group: "g".into() }))
        );
        assert!(rx.try_take().is_none());

        let (tx, rx) = ticket();
        let waiter = std::thread::spawn(move || rx.wait());
        drop(tx);
        assert_eq!(waiter.join().unwrap(), Err(GroupError::CoordinatorClosed));
    }
}

//! [`JoinTicket`]: the answer to a join, ready when the rebalance completes: a
//! `tokio::sync::oneshot` channel, which needs no runtime to send on, poll or block on. It can be
//! polled ([`JoinTicket::try_take`]), waited on by a thread ([`JoinTicket::wait`]) or awaited (it
//! is a `Future`), so the synchronous core needs no async runtime.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

use super::error::GroupError;
use super::types::JoinOutcome;

pub type JoinResult = Result<JoinOutcome, GroupError>;

/// The pending answer to one join.
#[derive(Debug)]
pub struct JoinTicket {
    receiver: oneshot::Receiver<JoinResult>,
}

/// The coordinator's end of a ticket. Dropped unanswered, it answers
/// [`GroupError::CoordinatorClosed`].
pub(crate) struct TicketSender {
    sender: Option<oneshot::Sender<JoinResult>>,
}

pub(crate) fn ticket() -> (TicketSender, JoinTicket) {
    let (sender, receiver) = oneshot::channel();
    (TicketSender { sender: Some(sender) }, JoinTicket { receiver })
}

impl TicketSender {
    pub(crate) fn send(mut self, result: JoinResult) {
        self.complete(result);
    }

    fn complete(&mut self, result: JoinResult) {
        if let Some(sender) = self.sender.take() {
            // A ticket dropped unread needs no answer.
            let _ = sender.send(result);
        }
    }
}

impl Drop for TicketSender {
    fn drop(&mut self) {
        self.complete(Err(GroupError::CoordinatorClosed));
    }
}

/// A closed channel: its one answer was taken already (the sender always answers).
fn closed() -> JoinResult {
    Err(GroupError::CoordinatorClosed)
}

impl JoinTicket {
    /// The answer, if it has come (once: later calls return `None`).
    pub fn try_take(&mut self) -> Option<JoinResult> {
        self.receiver.try_recv().ok()
    }

    /// Blocks until the answer comes (not from inside an async runtime: await it there).
    pub fn wait(self) -> JoinResult {
        self.receiver.blocking_recv().unwrap_or_else(|_| closed())
    }
}

impl Future for JoinTicket {
    type Output = JoinResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<JoinResult> {
        Pin::new(&mut self.receiver)
            .poll(cx)
            .map(|answer| answer.unwrap_or_else(|_| closed()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_answers_once_and_a_dropped_sender_answers_closed() {
        let (tx, mut rx) = ticket();
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

    #[test]
    fn an_awaited_ticket_gets_its_answer_or_closed_when_the_sender_is_dropped() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (tx, rx) = ticket();
        let sender = std::thread::spawn(move || tx.send(Err(GroupError::UnknownGroup { group: "g".into() })));
        assert_eq!(
            runtime.block_on(rx),
            Err(GroupError::UnknownGroup { group: "g".into() })
        );
        sender.join().unwrap();
        let (tx, rx) = ticket();
        drop(tx);
        assert_eq!(runtime.block_on(rx), Err(GroupError::CoordinatorClosed));
    }
}

//! The shutdown signal as each handler and long poll sees it. A `watch` channel rather than
//! mini-redis's broadcast, because long polls spawned from a handler clone it.

use tokio::sync::watch;

#[derive(Debug, Clone)]
pub(crate) struct Shutdown {
    receiver: watch::Receiver<bool>,
}

impl Shutdown {
    pub(crate) fn new(receiver: watch::Receiver<bool>) -> Self {
        Shutdown { receiver }
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        *self.receiver.borrow()
    }

    /// Waits for the signal (a dropped sender counts as one).
    pub(crate) async fn recv(&mut self) {
        let _ = self.receiver.wait_for(|stop| *stop).await;
    }
}

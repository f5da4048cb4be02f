//! The coordinator's driver thread: forwards the log's topic events (partitions added, topic
//! created or deleted) to the coordinator, and runs [`Coordinator::tick`] (session expiry,
//! rebalance timeouts, retries, plugin events) every tick interval. A tick never waits for a
//! strategy (they run on the coordinator's job threads); it may still wait for a group's lock or
//! the plugin registry, so it runs on a thread of its own rather than on the async runtime.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::group::Coordinator;
use crate::log::TopicEvent;

pub(super) struct Driver {
    stop: Sender<()>,
    thread: JoinHandle<()>,
}

impl Driver {
    pub(super) fn spawn(
        coordinator: Coordinator,
        topic_events: Receiver<TopicEvent>,
        interval: Duration,
    ) -> std::io::Result<Driver> {
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("group-driver".into())
            .spawn(move || drive(&coordinator, &topic_events, &stopped, interval))?;
        Ok(Driver { stop, thread })
    }

    /// Stops the thread and waits for it (it finishes the tick it is in).
    pub(super) fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

fn drive(
    coordinator: &Coordinator,
    topic_events: &Receiver<TopicEvent>,
    stopped: &Receiver<()>,
    interval: Duration,
) {
    loop {
        match stopped.recv_timeout(interval) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        let changed: Vec<String> = topic_events
            .try_iter()
            .map(|event| match event {
                TopicEvent::Created { topic, .. }
                | TopicEvent::PartitionsAdded { topic, .. }
                | TopicEvent::Deleted { topic } => topic,
            })
            .collect();
        let now = Instant::now();
        if !changed.is_empty() {
            let topics: Vec<&str> = changed.iter().map(String::as_str).collect();
            coordinator.topics_changed(&topics, now);
        }
        coordinator.tick(now);
    }
}

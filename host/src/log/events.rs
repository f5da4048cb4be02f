//! Topic change events, for the group coordinator: a group rebalances when its topics change.
//!
//! Each subscriber gets its own `std::sync::mpsc` channel; a subscriber that drops its receiver
//! is forgotten at the next event.

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicEvent {
    Created {
        topic: String,
        partitions: u32,
    },
    /// Partitions `previous..now` were added; groups reading the topic should rebalance.
    PartitionsAdded {
        topic: String,
        previous: u32,
        now: u32,
    },
    Deleted {
        topic: String,
    },
}

#[derive(Debug, Default)]
pub struct EventBus {
    subscribers: Mutex<Vec<Sender<TopicEvent>>>,
}

impl EventBus {
    pub fn subscribe(&self) -> Receiver<TopicEvent> {
        let (sender, receiver) = mpsc::channel();
        self.lock().push(sender);
        receiver
    }

    pub fn publish(&self, event: TopicEvent) {
        tracing::info!(?event, "topic event");
        self.lock()
            .retain(|subscriber| subscriber.send(event.clone()).is_ok());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Sender<TopicEvent>>> {
        // The list stays valid even if a holder panicked: each push or retain is whole.
        self.subscribers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_live_subscriber_gets_each_event_and_dropped_ones_are_forgotten() {
        let bus = EventBus::default();
        let first = bus.subscribe();
        let second = bus.subscribe();
        drop(second);
        let event = TopicEvent::PartitionsAdded {
            topic: "t".into(),
            previous: 1,
            now: 3,
        };
        bus.publish(event.clone());
        assert_eq!(first.try_recv().unwrap(), event);
        assert_eq!(bus.lock().len(), 1);
    }
}

//! [`JobPool`]: the threads that run strategies for the coordinator, so no caller (a join, a
//! tick) waits for one. At most `max_threads` run at once; more jobs queue. A thread ends when
//! the queue is empty, so an idle host keeps none.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::lock;

type Task = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Task>,
    threads: usize,
    /// Submitted and not yet finished (queued or running).
    pending: usize,
}

pub(super) struct JobPool {
    max_threads: usize,
    state: Mutex<PoolState>,
    /// Notified whenever `pending` drops to zero.
    idle: Condvar,
}

impl JobPool {
    pub(super) fn new(max_threads: usize) -> Arc<JobPool> {
        Arc::new(JobPool {
            max_threads: max_threads.max(1),
            state: Mutex::new(PoolState::default()),
            idle: Condvar::new(),
        })
    }

    /// Runs `task` on a pool thread, now or once one is free. Tasks should not panic (the
    /// coordinator's catch their strategies' panics); one that does still frees its slot.
    pub(super) fn submit(self: &Arc<Self>, task: Task) {
        let mut state = lock(&self.state);
        state.pending += 1;
        state.queue.push_back(task);
        if state.threads >= self.max_threads {
            return;
        }
        state.threads += 1;
        drop(state);
        let pool = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("strategy-jobs".into())
            .spawn(move || pool.work());
        if let Err(error) = spawned {
            let alone = {
                let mut state = lock(&self.state);
                state.threads -= 1;
                state.threads == 0
            };
            tracing::error!(%error, "cannot start a strategy thread");
            if alone {
                // No thread would ever take the queue: drain it here rather than strand groups.
                lock(&self.state).threads += 1;
                self.work();
            }
        }
    }

    fn work(&self) {
        loop {
            let task = {
                let mut state = lock(&self.state);
                match state.queue.pop_front() {
                    Some(task) => task,
                    None => {
                        state.threads -= 1;
                        return;
                    }
                }
            };
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
            let mut state = lock(&self.state);
            state.pending -= 1;
            if state.pending == 0 {
                self.idle.notify_all();
            }
        }
    }

    /// Waits until every submitted job (and any it submitted) has finished, for at most
    /// `timeout`; returns whether they all did.
    pub(super) fn wait_idle(&self, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        let mut state = lock(&self.state);
        while state.pending > 0 {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .idle
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn runs_every_job_with_no_more_threads_than_allowed() {
        let pool = JobPool::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        for _ in 0..20 {
            let (running, most, done) = (Arc::clone(&running), Arc::clone(&most), Arc::clone(&done));
            pool.submit(Box::new(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(2));
                running.fetch_sub(1, Ordering::SeqCst);
                done.fetch_add(1, Ordering::SeqCst);
            }));
        }
        assert!(pool.wait_idle(Duration::from_secs(10)));
        assert_eq!(done.load(Ordering::SeqCst), 20);
        assert!(
            most.load(Ordering::SeqCst) <= 2,
            "{} at once",
            most.load(Ordering::SeqCst)
        );
    }

    #[test]
    fn a_panicking_job_frees_its_slot() {
        let pool = JobPool::new(1);
        pool.submit(Box::new(|| panic!("a job panicked on purpose")));
        let ran = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&ran);
        pool.submit(Box::new(move || {
            seen.fetch_add(1, Ordering::SeqCst);
        }));
        assert!(pool.wait_idle(Duration::from_secs(10)));
        assert_eq!(ran.load(Ordering::SeqCst), 1);
    }
}

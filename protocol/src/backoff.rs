//! [`Backoff`]: the one pause between attempts, for every retry loop of the client and the host.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Exponential backoff with jitter, as Kafka's client computes it (`ExponentialBackoff`, used
/// for `reconnect.backoff.ms` / `reconnect.backoff.max.ms` and `retry.backoff.ms` /
/// `retry.backoff.max.ms`): the `n`th pause is `initial * 2^n`, capped at `max`, then multiplied
/// by a random factor in `[0.8, 1.2]`, so that a thousand clients cut off together do not come
/// back in lockstep.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    attempts: u32,
}

impl Backoff {
    /// How far either way a pause is varied (Kafka's `CommonClientConfigs.RETRY_BACKOFF_JITTER`
    /// and `RECONNECT_BACKOFF_JITTER`).
    pub const JITTER: f64 = 0.2;

    /// Pauses from `initial`, doubling up to `max` (`max` below `initial` caps at `initial`).
    pub fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max: max.max(initial),
            attempts: 0,
        }
    }

    /// The next pause, jittered; the one after it is twice as long (before jitter), up to `max`.
    pub fn next_pause(&mut self) -> Duration {
        let base = self
            .initial
            .checked_mul(1 << self.attempts.min(31))
            .unwrap_or(self.max)
            .min(self.max);
        if base < self.max {
            self.attempts += 1;
        }
        jittered(base)
    }

    /// Starts again from `initial`, as after a success.
    pub fn reset(&mut self) {
        self.attempts = 0;
    }
}

/// `pause` times a random factor in `[1 - JITTER, 1 + JITTER]`.
fn jittered(pause: Duration) -> Duration {
    // A fresh, randomly keyed hasher per draw: random enough to spread reconnects, no dependency.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let unit = (random >> 11) as f64 / (1u64 << 53) as f64;
    pause.mul_f64(1.0 - Backoff::JITTER + 2.0 * Backoff::JITTER * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn within_jitter(pause: Duration, base_ms: f64) -> bool {
        let ms = pause.as_secs_f64() * 1000.0;
        ms >= base_ms * (1.0 - Backoff::JITTER) - 1e-6 && ms <= base_ms * (1.0 + Backoff::JITTER) + 1e-6
    }

    #[test]
    fn pauses_double_from_the_initial_up_to_the_cap_then_start_again_after_reset() {
        let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_millis(1000));
        for base in [50.0, 100.0, 200.0, 400.0, 800.0, 1000.0, 1000.0, 1000.0] {
            let pause = backoff.next_pause();
            assert!(within_jitter(pause, base), "{pause:?} is not {base} ms +-20%");
        }
        backoff.reset();
        assert!(within_jitter(backoff.next_pause(), 50.0));
    }

    #[test]
    fn a_cap_below_the_initial_pause_keeps_the_initial_and_many_attempts_never_overflow() {
        let mut backoff = Backoff::new(Duration::from_millis(300), Duration::from_millis(10));
        assert!(within_jitter(backoff.next_pause(), 300.0));
        let mut long = Backoff::new(Duration::from_secs(1), Duration::from_secs(u64::MAX / 4));
        for _ in 0..200 {
            long.next_pause();
        }
    }

    #[test]
    fn a_thousand_first_pauses_spread_over_the_jitter_range_instead_of_lockstep() {
        let pauses: Vec<f64> = (0..1000)
            .map(|_| Backoff::new(Duration::from_millis(1000), Duration::from_secs(10)).next_pause())
            .map(|p| p.as_secs_f64() * 1000.0)
            .collect();
        assert!(
            pauses.iter().all(|&ms| (800.0..=1200.0).contains(&ms)),
            "{pauses:?}"
        );
        // Ten buckets of 40 ms across 800..1200: each holds about a hundred draws; lockstep (or a
        // few distinct values) would leave most empty.
        let mut buckets = [0u32; 10];
        for ms in &pauses {
            buckets[(((ms - 800.0) / 40.0) as usize).min(9)] += 1;
        }
        assert!(buckets.iter().all(|&n| (50..=150).contains(&n)), "{buckets:?}");
        let mean = pauses.iter().sum::<f64>() / 1000.0;
        assert!((980.0..=1020.0).contains(&mean), "mean {mean}");
    }
}

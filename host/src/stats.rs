//! Counters the core keeps for whoever reports on it (the metrics exporter reads them at
//! scrape time). Plain atomics: no locks, no allocation, and nothing here knows of HTTP or of
//! any metrics format.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds, in seconds, of [`LatencyHistogram`]'s buckets: 100 µs to 60 s, roughly
/// ×2.5 apart (Prometheus' default buckets stop at 10 s, short of a slow strategy's deadline).
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.25, 1.0, 2.5, 10.0, 60.0,
];

/// Durations counted into fixed buckets (the last one open-ended), with their sum.
#[derive(Debug, Default)]
pub struct LatencyHistogram {
    /// Observations per bucket of [`LATENCY_BUCKETS`], then past the last bound.
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
}

/// What a [`LatencyHistogram`] holds at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencySnapshot {
    pub sum_seconds: f64,
    pub count: u64,
    /// Each bound of [`LATENCY_BUCKETS`] with the observations above the bound before it and
    /// at or under it; those past the last bound are `count` less the sum of these.
    pub buckets: Vec<(f64, u64)>,
}

impl LatencySnapshot {
    /// Adds `other`'s observations (of another histogram with the same buckets) to these.
    pub fn merge(&mut self, other: &LatencySnapshot) {
        self.sum_seconds += other.sum_seconds;
        self.count += other.count;
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            mine.1 += theirs.1;
        }
    }
}

impl LatencyHistogram {
    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> LatencySnapshot {
        let buckets: Vec<(f64, u64)> = LATENCY_BUCKETS
            .iter()
            .zip(&self.buckets)
            .map(|(&bound, count)| (bound, count.load(Ordering::Relaxed)))
            .collect();
        let past_last = self.buckets[LATENCY_BUCKETS.len()].load(Ordering::Relaxed);
        LatencySnapshot {
            sum_seconds: self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
            count: buckets.iter().map(|(_, n)| n).sum::<u64>() + past_last,
            buckets,
        }
    }
}

/// A counter of events that only goes up.
#[derive(Debug, Default)]
pub struct Count(AtomicU64);

impl Count {
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_first_bucket_that_holds_them() {
        let histogram = LatencyHistogram::default();
        histogram.observe(Duration::from_micros(50));
        histogram.observe(Duration::from_millis(3));
        histogram.observe(Duration::from_millis(5));
        histogram.observe(Duration::from_secs(100));
        let snapshot = histogram.snapshot();
        assert_eq!(snapshot.count, 4);
        assert_eq!(snapshot.buckets[0], (0.0001, 1));
        assert_eq!(snapshot.buckets[4], (0.0025, 0));
        assert_eq!(snapshot.buckets[5], (0.005, 2));
        assert_eq!(
            snapshot.buckets.iter().map(|(_, n)| n).sum::<u64>(),
            3,
            "100 s is past the last bound"
        );
        assert!((snapshot.sum_seconds - 100.00805).abs() < 1e-9);
    }

    #[test]
    fn merged_snapshots_add_up_bucket_by_bucket() {
        let (a, b) = (LatencyHistogram::default(), LatencyHistogram::default());
        a.observe(Duration::from_millis(1));
        b.observe(Duration::from_millis(1));
        b.observe(Duration::from_secs(2));
        let mut merged = a.snapshot();
        merged.merge(&b.snapshot());
        assert_eq!(merged.count, 3);
        assert_eq!(merged.buckets[3], (0.001, 2));
        assert_eq!(merged.buckets[11], (2.5, 1));
    }
}

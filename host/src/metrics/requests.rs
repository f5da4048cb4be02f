//! Requests and connections, per listener: counted by whichever server serves them. API and
//! listener names are `&'static str`, so counting a request allocates nothing.

use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry as MetricRegistry;

use crate::stats::LATENCY_BUCKETS;

type RequestLabels = [(&'static str, &'static str); 2];
type ListenerLabel = [(&'static str, &'static str); 1];

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// Requests by listener and API, and connections by listener. Clones count into the same
/// metrics.
#[derive(Clone)]
pub struct RequestMetrics {
    requests: Family<RequestLabels, Counter>,
    errors: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
    connections_open: Family<ListenerLabel, Gauge>,
    connections_accepted: Family<ListenerLabel, Counter>,
    connections_refused: Family<ListenerLabel, Counter>,
}

impl Default for RequestMetrics {
    fn default() -> Self {
        RequestMetrics {
            requests: Family::default(),
            errors: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            connections_open: Family::default(),
            connections_accepted: Family::default(),
            connections_refused: Family::default(),
        }
    }
}

impl RequestMetrics {
    /// Counts one request of `api` served on `listener` in `elapsed`; `failed` when it was
    /// answered with an error.
    pub fn served(&self, listener: &'static str, api: &'static str, elapsed: Duration, failed: bool) {
        let labels = [("listener", listener), ("api", api)];
        self.requests.get_or_create(&labels).inc();
        if failed {
            self.errors.get_or_create(&labels).inc();
        }
        self.latency.get_or_create(&labels).observe(elapsed.as_secs_f64());
    }

    /// Counts a connection accepted on `listener`; it is counted open until the guard drops.
    pub fn connection_opened(&self, listener: &'static str) -> ConnectionGuard {
        let labels = [("listener", listener)];
        self.connections_accepted.get_or_create(&labels).inc();
        let open = self.connections_open.get_or_create(&labels).clone();
        open.inc();
        ConnectionGuard(open)
    }

    /// Counts a connection refused on `listener` (at its connection limit).
    pub fn connection_refused(&self, listener: &'static str) {
        self.connections_refused
            .get_or_create(&[("listener", listener)])
            .inc();
    }

    pub(super) fn register(&self, registry: &mut MetricRegistry) {
        registry.register(
            "requests",
            "Requests served, by listener and API",
            self.requests.clone(),
        );
        registry.register(
            "request_errors",
            "Requests answered with an error, by listener and API",
            self.errors.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time from a request read to its answer made, by listener and API",
            self.latency.clone(),
        );
        registry.register(
            "connections_open",
            "Connections being served, by listener",
            self.connections_open.clone(),
        );
        registry.register(
            "connections_accepted",
            "Connections accepted to be served, by listener",
            self.connections_accepted.clone(),
        );
        registry.register(
            "connections_refused",
            "Connections refused at the connection limit (max_connections), by listener",
            self.connections_refused.clone(),
        );
    }
}

/// Holds a connection's place in `regroup_connections_open` until dropped.
pub struct ConnectionGuard(Gauge);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

//! The Prometheus endpoint: `GET /metrics` in Prometheus' text format (0.0.4).
//!
//! - `mod.rs` (this file): [`Metrics`], what one host reports, and [`Metrics::render`].
//! - `requests.rs`: [`RequestMetrics`], requests and connections per listener, counted by the
//!   servers as they serve (any listener: each passes its own name and its API names).
//! - `state.rs`: the log, the coordinator and the registry, read at scrape time: their own
//!   counters ([`crate::stats`]) and their describe/list answers. The core knows nothing of this
//!   module.
//! - `http.rs`: the responder, a bounded GET-only loop on tokio.
//!
//! Every name starts with `regroup_`; counters end in `_total`, durations are in seconds.

mod http;
mod requests;
mod state;

use std::sync::Arc;

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry as MetricRegistry;

pub use http::{MAX_REQUEST_HEAD_BYTES, REQUEST_TIMEOUT, SCRAPES_AT_ONCE, serve};
pub use requests::{ConnectionGuard, RequestMetrics};

use crate::group::Coordinator;
use crate::log::Log;
use crate::registry::Registry;

/// What one host reports. Built once at start; scrapes only read it.
pub struct Metrics {
    metrics: MetricRegistry,
    requests: RequestMetrics,
}

impl Metrics {
    /// The host's metrics: its servers' [`RequestMetrics`], and the log, coordinator and
    /// registry read at each scrape. `recovery` is how long opening (recovering) the log took.
    pub fn new(
        log: Arc<Log>,
        coordinator: Coordinator,
        registry: Registry,
        recovery: std::time::Duration,
    ) -> Metrics {
        let mut metrics = MetricRegistry::with_prefix("regroup");
        let requests = RequestMetrics::default();
        requests.register(&mut metrics);
        let recovery_seconds = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        recovery_seconds.set(recovery.as_secs_f64());
        metrics.register(
            "log_recovery_seconds",
            "How long opening the log took at start, recovering every partition",
            recovery_seconds,
        );
        metrics.register_collector(Box::new(state::CoreState {
            log,
            coordinator,
            registry,
        }));
        Metrics { metrics, requests }
    }

    /// The request and connection counters, for the servers to count into.
    pub fn requests(&self) -> &RequestMetrics {
        &self.requests
    }

    /// Every metric as of now, in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.metrics)
            .expect("writing to a String does not fail");
        text
    }
}

//! The core's state, read at each scrape: topics' traffic and flush latency (the log's own
//! counters), groups as `describe` tells them with their lag, strategies' runs and the
//! registry's changes. Nothing here is pushed by the core; a scrape costs one `describe` per
//! group and one high-watermark read per committed partition.

use std::fmt;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

use crate::group::{Coordinator, GroupDescription, GroupState};
use crate::log::{Log, OffsetSpec};
use crate::registry::{Registry, RunFailure};
use crate::stats::LatencySnapshot;

pub(super) struct CoreState {
    pub(super) log: Arc<Log>,
    pub(super) coordinator: Coordinator,
    pub(super) registry: Registry,
}

impl fmt::Debug for CoreState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CoreState")
    }
}

type Labels = Vec<(&'static str, String)>;

/// Every group state, so each group reports a 1 for its own and a 0 for the others.
const GROUP_STATES: [GroupState; 5] = [
    GroupState::Empty,
    GroupState::PreparingRebalance,
    GroupState::CompletingRebalance,
    GroupState::Stable,
    GroupState::Dead,
];

impl Collector for CoreState {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        self.encode_topics(&mut encoder)?;
        self.encode_groups(&mut encoder)?;
        self.encode_strategies(&mut encoder)
    }
}

impl CoreState {
    fn encode_topics(&self, encoder: &mut DescriptorEncoder) -> fmt::Result {
        let mut rows = Vec::new();
        self.log.visit_topics(|topic| {
            let traffic = topic.traffic();
            let mut flush: Option<LatencySnapshot> = None;
            for partition in topic.partitions() {
                let snapshot = partition.flush_latency().snapshot();
                match &mut flush {
                    Some(total) => total.merge(&snapshot),
                    None => flush = Some(snapshot),
                }
            }
            let counts = [
                traffic.bytes_in.get(),
                traffic.records_in.get(),
                traffic.bytes_out.get(),
                traffic.records_out.get(),
            ];
            rows.push((vec![("topic", topic.name().to_owned())], counts, flush));
        });
        let names = [
            (
                "topic_bytes_in",
                "Batch bytes appended to the topic (as stored: compressed stays compressed)",
            ),
            ("topic_records_in", "Records appended to the topic"),
            ("topic_bytes_out", "Batch bytes fetched from the topic"),
            (
                "topic_records_out",
                "Records in the batches fetched from the topic",
            ),
        ];
        for (column, (name, help)) in names.into_iter().enumerate() {
            counters(encoder, name, help, rows.iter().map(|(l, c, _)| (l, c[column])))?;
        }
        histograms(
            encoder,
            "log_flush_seconds",
            "Syncs of appended batches to disk (every-batch and interval flushes), per topic",
            rows.iter().filter_map(|(l, _, flush)| Some((l, flush.as_ref()?))),
        )
    }

    fn encode_groups(&self, encoder: &mut DescriptorEncoder) -> fmt::Result {
        let groups: Vec<GroupDescription> = self
            .coordinator
            .list()
            .iter()
            .filter_map(|listing| self.coordinator.describe(&listing.group).ok())
            .collect();
        let label = |g: &GroupDescription| vec![("group", g.group.clone())];
        let mut metric = encoder.encode_descriptor(
            "group_state",
            "1 for the group's state, 0 for the others",
            None,
            MetricType::Gauge,
        )?;
        for group in &groups {
            for state in GROUP_STATES {
                let labels = vec![
                    ("group", group.group.clone()),
                    ("state", state.as_str().to_owned()),
                ];
                ConstGauge::new(i64::from(group.state == state)).encode(metric.encode_family(&labels)?)?;
            }
        }
        gauges(
            encoder,
            "group_generation",
            "The group's generation",
            groups.iter().map(|g| (label(g), g.generation as f64)),
        )?;
        gauges(
            encoder,
            "group_members",
            "Members of the group",
            groups.iter().map(|g| (label(g), g.members.len() as f64)),
        )?;
        gauges(
            encoder,
            "group_last_rebalance_seconds",
            "How long the group's last completed rebalance took",
            groups
                .iter()
                .filter_map(|g| Some((label(g), g.last_rebalance.as_ref()?.duration.as_secs_f64()))),
        )?;
        let rebalances: Vec<(Labels, u64)> = groups
            .iter()
            .flat_map(|g| {
                g.rebalances.iter().map(|(cause, n)| {
                    (
                        vec![("group", g.group.clone()), ("cause", (*cause).to_owned())],
                        *n,
                    )
                })
            })
            .collect();
        counters(
            encoder,
            "group_rebalances",
            "Rebalances started, by group and cause",
            rebalances.iter().map(|(l, n)| (l, *n)),
        )?;
        gauges(
            encoder,
            "group_lag",
            "Records past the group's committed offset, per partition (partitions with a commit)",
            self.lag(&groups),
        )
    }

    /// High watermark less committed offset, for every partition a group has committed on.
    fn lag(&self, groups: &[GroupDescription]) -> Vec<(Labels, f64)> {
        let mut rows = Vec::new();
        for group in groups {
            for (partition, committed) in self.coordinator.fetch_offsets(&group.group, None) {
                let Ok(Some(end)) =
                    self.log
                        .list_offset(&partition.topic, partition.partition, OffsetSpec::Latest)
                else {
                    continue;
                };
                let lag = i64::try_from(end)
                    .unwrap_or(i64::MAX)
                    .saturating_sub(committed.offset)
                    .max(0);
                let labels = vec![
                    ("group", group.group.clone()),
                    ("topic", partition.topic.clone()),
                    ("partition", partition.partition.to_string()),
                ];
                rows.push((labels, lag as f64));
            }
        }
        rows
    }

    fn encode_strategies(&self, encoder: &mut DescriptorEncoder) -> fmt::Result {
        let runs = self.registry.run_stats();
        let durations: Vec<(Labels, LatencySnapshot)> = runs
            .iter()
            .map(|(name, stats)| (vec![("strategy", name.clone())], stats.duration.snapshot()))
            .collect();
        histograms(
            encoder,
            "strategy_assign_seconds",
            "Runs of a strategy (one group's assignment), failed ones included",
            durations.iter().map(|(l, s)| (l, s)),
        )?;
        let failures: Vec<(Labels, u64)> = runs
            .iter()
            .flat_map(|(name, stats)| {
                RunFailure::KINDS
                    .iter()
                    .zip(&stats.failures)
                    .map(|(kind, count)| {
                        (
                            vec![("strategy", name.clone()), ("kind", (*kind).to_owned())],
                            count.get(),
                        )
                    })
            })
            .collect();
        counters(
            encoder,
            "strategy_failures",
            "Failed runs of a strategy, by kind: error (it returned one), panic, deadline, invalid (its assignment or reply), worker-died, set-aside (not started after a missed deadline), unknown (not served)",
            failures.iter().map(|(l, n)| (l, *n)),
        )?;
        let restarts: Vec<(Labels, u64)> = self
            .registry
            .strategies()
            .iter()
            .filter_map(|strategy| {
                let starts = strategy.worker_starts()?;
                Some((
                    vec![("strategy", strategy.name().to_owned())],
                    starts.saturating_sub(1),
                ))
            })
            .collect();
        counters(
            encoder,
            "strategy_worker_restarts",
            "Worker processes started again after a failure, per isolated strategy (the version served now)",
            restarts.iter().map(|(l, n)| (l, *n)),
        )?;
        let changes: Vec<(Labels, u64)> = self
            .registry
            .change_counts()
            .into_iter()
            .map(|(kind, n)| (vec![("change", kind.to_owned())], n))
            .collect();
        counters(
            encoder,
            "plugin_registry_events",
            "Changes to the served strategies: added, updated (new code under a name), removed",
            changes.iter().map(|(l, n)| (l, *n)),
        )
    }
}

fn counters<'a>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: impl IntoIterator<Item = (&'a Labels, u64)>,
) -> fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, value) in rows {
        ConstCounter::new(value).encode(metric.encode_family(labels)?)?;
    }
    Ok(())
}

fn gauges(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: impl IntoIterator<Item = (Labels, f64)>,
) -> fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in rows {
        ConstGauge::new(value).encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

fn histograms<'a>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: impl IntoIterator<Item = (&'a Labels, &'a LatencySnapshot)>,
) -> fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Histogram)?;
    for (labels, snapshot) in rows {
        metric.encode_family(labels)?.encode_histogram::<NoLabelSet>(
            snapshot.sum_seconds,
            snapshot.count,
            &snapshot.buckets,
            None,
        )?;
    }
    Ok(())
}

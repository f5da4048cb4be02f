//! The Prometheus endpoint of a real host, read over real HTTP while a group consumes, parsed as
//! Prometheus parses the text format, and checked against what the host says over the wire.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use regroup_client::Record;
use regroup_client::{Client, Consumer, Producer, ProducerConfig};
use regroup_protocol::messages::topics::CreateTopic;
use regroup_tests::host::{addr, admin, eventually, manual_consumer, start_host};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LIMIT: Duration = Duration::from_secs(60);

/// One sample's labels, sorted by name.
type Labels = BTreeMap<String, String>;

/// Every sample of a scrape, by metric name, then labels.
#[derive(Debug, Default)]
struct Samples(BTreeMap<String, BTreeMap<Labels, f64>>);

impl Samples {
    /// The value of `name` with exactly `labels`.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let labels: Labels = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.0.get(name)?.get(&labels).copied()
    }

    /// Every sample of `name` whose labels include `filter`.
    fn matching(&self, name: &str, filter: &[(&str, &str)]) -> Vec<(Labels, f64)> {
        let Some(samples) = self.0.get(name) else {
            return Vec::new();
        };
        samples
            .iter()
            .filter(|(labels, _)| {
                filter
                    .iter()
                    .all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(labels, value)| (labels.clone(), *value))
            .collect()
    }

    fn sum(&self, name: &str, filter: &[(&str, &str)]) -> f64 {
        self.matching(name, filter).iter().map(|(_, v)| v).sum()
    }
}

/// Parses Prometheus' text exposition format (0.0.4): `# HELP` and `# TYPE` lines, then
/// `name{label="value",...} value` samples, label values escaped with `\\`, `\"` and `\n`.
/// Panics on anything else, and on a sample whose family has no `# TYPE` line.
fn parse_exposition(text: &str) -> Samples {
    let mut typed: Vec<String> = Vec::new();
    let mut samples = Samples::default();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.splitn(3, ' ');
            match (words.next(), words.next(), words.next()) {
                (Some("TYPE"), Some(name), Some(kind)) => {
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                        "{line}"
                    );
                    typed.push(name.to_owned());
                }
                (Some("HELP"), Some(_), _) => {}
                _ => panic!("unexpected comment {line:?}"),
            }
            continue;
        }
        let name_end = line
            .find(['{', ' '])
            .unwrap_or_else(|| panic!("no value in {line:?}"));
        let name = &line[..name_end];
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name in {line:?}"
        );
        let mut rest = &line[name_end..];
        let mut labels = Labels::new();
        if let Some(inner) = rest.strip_prefix('{') {
            let (parsed, after) = parse_labels(inner, line);
            labels = parsed;
            rest = after;
        }
        let value = rest.trim();
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            other => other.parse().unwrap_or_else(|_| panic!("bad value in {line:?}")),
        };
        let family = typed
            .last()
            .unwrap_or_else(|| panic!("{line:?} comes before any # TYPE"));
        assert!(
            name == family
                || ["_total", "_bucket", "_sum", "_count"]
                    .iter()
                    .any(|s| name.strip_suffix(s) == Some(family.as_str()))
                || name.strip_suffix("_total") == Some(family.as_str()),
            "{name} is not of the family {family} typed just before it"
        );
        let previous = samples
            .0
            .entry(name.to_owned())
            .or_default()
            .insert(labels, value);
        assert!(previous.is_none(), "{line:?} repeats a sample");
    }
    samples
}

/// The labels after `{` up to their `}`, and what follows.
fn parse_labels<'a>(mut text: &'a str, line: &str) -> (Labels, &'a str) {
    let mut labels = Labels::new();
    loop {
        if let Some(after) = text.strip_prefix('}') {
            return (labels, after);
        }
        let eq = text
            .find("=\"")
            .unwrap_or_else(|| panic!("bad label in {line:?}"));
        let key = text[..eq].to_owned();
        let mut value = String::new();
        let mut chars = text[eq + 2..].char_indices();
        let end = loop {
            match chars.next() {
                Some((i, '"')) => break eq + 2 + i + 1,
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c @ ('\\' | '"'))) => value.push(c),
                    _ => panic!("bad escape in {line:?}"),
                },
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value in {line:?}"),
            }
        };
        labels.insert(key, value);
        text = &text[end..];
        text = text.strip_prefix(',').unwrap_or(text);
    }
}

/// A raw HTTP/1.1 exchange: sends `request`, reads to the close; the status line, the headers
/// and the body.
async fn http(metrics: SocketAddr, request: &[u8]) -> (String, String, String) {
    let mut stream = TcpStream::connect(metrics).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (status.to_owned(), headers.to_owned(), body.to_owned())
}

async fn scrape(metrics: SocketAddr) -> Samples {
    let (status, headers, body) = http(
        metrics,
        b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n",
    )
    .await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        headers.contains("Content-Type: text/plain; version=0.0.4"),
        "{headers}"
    );
    assert!(
        headers.contains(&format!("Content-Length: {}", body.len())),
        "{headers}"
    );
    parse_exposition(&body)
}

async fn produce(address: &str, count: u32) {
    let producer = Producer::connect(address, ProducerConfig::default())
        .await
        .unwrap();
    for i in 0..count {
        producer
            .enqueue(
                "events",
                Record::new(i.to_le_bytes().to_vec()).with_key(format!("k{i}")),
            )
            .await
            .unwrap();
    }
    producer.close().await.unwrap();
}

/// A member of `workers` that reads and commits after each poll until `stop`, then closes.
fn spawn_member(
    address: String,
    read: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let config = manual_consumer("workers", Duration::from_secs(2));
        let mut consumer = Consumer::connect(&address, config).await.unwrap();
        consumer.subscribe(&["events"]);
        while !stop.load(Ordering::SeqCst) {
            let records = consumer.poll(Duration::from_millis(50)).await.unwrap();
            if !records.is_empty() {
                consumer.commit_sync().await.unwrap();
                read.fetch_add(records.len(), Ordering::SeqCst);
            }
        }
        consumer.close().await.unwrap();
    })
}

async fn group_lag(metrics: SocketAddr) -> Vec<(Labels, f64)> {
    scrape(metrics)
        .await
        .matching("regroup_group_lag", &[("group", "workers")])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_follows_produce_consume_and_the_group_as_describe_tells_it() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host(dir.path());
    let metrics = host.metrics_addr().expect("metrics are on by default");
    assert!(metrics.ip().is_loopback());
    let address = addr(&host);
    let client: Client = admin(&host).await;
    client.create_topic(CreateTopic::new("events", 3)).await.unwrap();

    let before = scrape(metrics).await;
    let topic = [("topic", "events")];
    assert_eq!(before.get("regroup_topic_records_in_total", &topic), Some(0.0));
    assert_eq!(before.get("regroup_topic_bytes_in_total", &topic), Some(0.0));
    assert!(before.matching("regroup_group_lag", &[]).is_empty());

    // Records in grow with produce.
    produce(&address, 30).await;
    let produced = scrape(metrics).await;
    assert_eq!(produced.get("regroup_topic_records_in_total", &topic), Some(30.0));
    assert!(produced.get("regroup_topic_bytes_in_total", &topic).unwrap() > 30.0 * 4.0);
    assert!(
        produced.sum(
            "regroup_requests_total",
            &[("listener", "regroup"), ("api", "produce")]
        ) >= 1.0
    );
    assert_eq!(
        produced.sum("regroup_request_duration_seconds_count", &[("api", "produce")]),
        produced.sum("regroup_requests_total", &[("api", "produce")]),
    );

    // Two members read everything; the group's metrics match describe, its lag drops to 0.
    let (read, stop) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
    let members: Vec<_> = (0..2)
        .map(|_| spawn_member(address.clone(), Arc::clone(&read), Arc::clone(&stop)))
        .collect();
    eventually("every record read", LIMIT, || async {
        (read.load(Ordering::SeqCst) >= 30).then_some(())
    })
    .await;
    let (described, consuming) = eventually(
        "a stable group of 2 with no lag on 3 partitions",
        LIMIT,
        || async {
            let described = client.describe_group("workers").await.ok()?;
            let consuming = scrape(metrics).await;
            let lag = consuming.matching("regroup_group_lag", &[("group", "workers")]);
            let settled = described.state == "stable"
                && described.members.len() == 2
                && lag.len() == 3
                && lag.iter().all(|(_, v)| *v == 0.0)
                && consuming.get("regroup_group_generation", &[("group", "workers")])
                    == Some(f64::from(described.generation));
            settled.then_some((described, consuming))
        },
    )
    .await;
    let group = [("group", "workers")];
    assert_eq!(consuming.get("regroup_group_members", &group), Some(2.0));
    assert_eq!(
        consuming.get(
            "regroup_group_state",
            &[("group", "workers"), ("state", "stable")]
        ),
        Some(1.0)
    );
    assert_eq!(
        consuming.sum("regroup_group_state", &group),
        1.0,
        "one state at a time"
    );
    assert!(described.generation >= 1);
    assert!(
        consuming.sum(
            "regroup_group_rebalances_total",
            &[("group", "workers"), ("cause", "member-joined")]
        ) >= 1.0
    );
    assert!(
        consuming
            .get("regroup_group_last_rebalance_seconds", &group)
            .is_some()
    );
    assert!(consuming.get("regroup_topic_records_out_total", &topic).unwrap() >= 30.0);
    assert!(consuming.get("regroup_topic_bytes_out_total", &topic).unwrap() > 0.0);
    assert!(
        consuming
            .get("regroup_strategy_assign_seconds_count", &[("strategy", "range")])
            .unwrap()
            >= 1.0
    );
    assert_eq!(
        consuming.sum("regroup_strategy_failures_total", &[("strategy", "range")]),
        0.0
    );
    assert!(consuming.sum("regroup_requests_total", &[("api", "join-group")]) >= 2.0);
    assert!(consuming.sum("regroup_requests_total", &[("api", "commit-offsets")]) >= 1.0);
    // The admin client and two members at least.
    assert!(
        consuming
            .get("regroup_connections_open", &[("listener", "regroup")])
            .unwrap()
            >= 3.0
    );
    assert_eq!(
        consuming.get("regroup_connections_refused_total", &[("listener", "regroup")]),
        None
    );
    assert!(consuming.get("regroup_log_recovery_seconds", &[]).is_some());
    assert!(
        consuming
            .get("regroup_plugin_registry_events_total", &[("change", "added")])
            .is_some()
    );

    // Members gone, ten more records: the group's lag is ten, as the offsets it committed say.
    stop.store(true, Ordering::SeqCst);
    for member in members {
        member.await.unwrap();
    }
    produce(&address, 10).await;
    let lag = group_lag(metrics).await;
    assert_eq!(lag.iter().map(|(_, v)| v).sum::<f64>(), 10.0, "{lag:?}");
    let idle = scrape(metrics).await;
    assert_eq!(idle.get("regroup_group_members", &group), Some(0.0));
    assert_eq!(
        idle.get("regroup_group_state", &[("group", "workers"), ("state", "empty")]),
        Some(1.0)
    );
    assert_eq!(idle.get("regroup_topic_records_in_total", &topic), Some(40.0));

    // A member back: it reads the ten and the lag drops to 0 again.
    stop.store(false, Ordering::SeqCst);
    let member = spawn_member(address.clone(), Arc::clone(&read), Arc::clone(&stop));
    eventually("the lag back to 0", LIMIT, || async {
        let lag = group_lag(metrics).await;
        (lag.len() == 3 && lag.iter().all(|(_, v)| *v == 0.0)).then_some(())
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    member.await.unwrap();
    host.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_endpoint_serves_only_get_of_metrics_and_refuses_an_oversized_head() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host(dir.path());
    let metrics = host.metrics_addr().unwrap();
    let (status, _, body) = http(metrics, b"GET / HTTP/1.1\r\n\r\n").await;
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert!(body.contains("/metrics"), "{body}");
    let (status, _, _) = http(metrics, b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n").await;
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
    let (status, _, body) = http(metrics, b"HEAD /metrics HTTP/1.1\r\n\r\n").await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.is_empty());
    let mut oversized = b"GET /metrics HTTP/1.1\r\nX-Padding: ".to_vec();
    oversized.extend(std::iter::repeat_n(
        b'a',
        regroup::metrics::MAX_REQUEST_HEAD_BYTES + 1,
    ));
    oversized.extend_from_slice(b"\r\n\r\n");
    let (status, _, _) = http(metrics, &oversized).await;
    assert_eq!(status, "HTTP/1.1 431 Request Header Fields Too Large");
    // Still serving after all of these.
    assert!(
        scrape(metrics)
            .await
            .get("regroup_log_recovery_seconds", &[])
            .is_some()
    );
}

#[test]
fn a_host_configured_without_metrics_serves_none() {
    let dir = tempfile::tempdir().unwrap();
    let host = regroup_tests::host::start_host_with(dir.path(), |config| config.metrics_listen = None);
    assert_eq!(host.metrics_addr(), None);
    assert!(host.metrics().render().contains("regroup_log_recovery_seconds"));
}

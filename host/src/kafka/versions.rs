//! Which APIs and versions the Kafka listener serves, and the ApiVersions answer: the one place
//! where versions are negotiated. Each range is what librdkafka 2.16, the Java 4.x client,
//! kafka-python, aiokafka and kafkajs use, no older than Kafka 4.0 still serves.

use std::sync::OnceLock;

use kafka_protocol::ResponseError;
use kafka_protocol::messages::ApiKey;
use kafka_protocol::messages::api_versions_response::{ApiVersion, ApiVersionsResponse};

/// The APIs served, each with its lowest and highest version.
pub(super) const SERVED: &[(ApiKey, i16, i16)] = &[
    (ApiKey::Produce, 3, 9),
    (ApiKey::Fetch, 4, 12),
    (ApiKey::ListOffsets, 1, 7),
    (ApiKey::Metadata, 0, 12),
    (ApiKey::ApiVersions, 0, 4),
    (ApiKey::InitProducerId, 0, 4),
    (ApiKey::FindCoordinator, 0, 4),
    (ApiKey::OffsetCommit, 2, 9),
    (ApiKey::OffsetFetch, 1, 9),
    (ApiKey::JoinGroup, 0, 9),
    (ApiKey::SyncGroup, 0, 5),
    (ApiKey::Heartbeat, 0, 4),
    (ApiKey::LeaveGroup, 0, 5),
    (ApiKey::ListGroups, 0, 5),
    (ApiKey::DescribeGroups, 0, 5),
    (ApiKey::DeleteGroups, 0, 2),
    (ApiKey::OffsetDelete, 0, 0),
    (ApiKey::CreateTopics, 2, 7),
    (ApiKey::DeleteTopics, 1, 6),
    (ApiKey::CreatePartitions, 0, 3),
    (ApiKey::DescribeConfigs, 1, 4),
    (ApiKey::IncrementalAlterConfigs, 0, 1),
    (ApiKey::DescribeCluster, 0, 1),
    (ApiKey::ConsumerGroupHeartbeat, 0, 1),
    (ApiKey::ConsumerGroupDescribe, 0, 1),
];

/// What a request's API key and version come to.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Negotiated {
    Served(ApiKey),
    /// ApiVersions newer than served: answered in version 0 with UNSUPPORTED_VERSION and the
    /// ranges, so the client asks again with one it is offered.
    ApiVersionsTooNew,
    /// Not a Kafka API at all, or one this host does not serve, or a version outside its range:
    /// the connection is closed (as Kafka's broker does), after a log line naming it.
    Refused(String),
}

pub(super) fn negotiate(api_key: i16, version: i16) -> Negotiated {
    let Ok(api) = ApiKey::try_from(api_key) else {
        return Negotiated::Refused(format!("unknown API key {api_key}"));
    };
    let Some(&(_, min, max)) = SERVED.iter().find(|(served, _, _)| *served == api) else {
        return Negotiated::Refused(format!("API {api:?} (key {api_key}) is not served by this host"));
    };
    if (min..=max).contains(&version) {
        Negotiated::Served(api)
    } else if api == ApiKey::ApiVersions && version > max {
        Negotiated::ApiVersionsTooNew
    } else {
        Negotiated::Refused(format!(
            "{api:?} version {version} is not served (versions {min} to {max} are)"
        ))
    }
}

/// Kafka's name of a served API (`Produce`, `Fetch`, ...), as the metrics label requests;
/// `"unserved"` for any other.
pub(super) fn api_name(api: ApiKey) -> &'static str {
    // Made once, one string per served API.
    static NAMES: OnceLock<Vec<(ApiKey, &'static str)>> = OnceLock::new();
    NAMES
        .get_or_init(|| {
            SERVED
                .iter()
                .map(|&(api, _, _)| (api, &*format!("{api:?}").leak()))
                .collect()
        })
        .iter()
        .find(|(served, _)| *served == api)
        .map_or("unserved", |(_, name)| name)
}

/// The ApiVersions answer; `error` set for a client that asked a newer version than served.
pub(super) fn api_versions(error: Option<ResponseError>) -> ApiVersionsResponse {
    let api_keys = SERVED
        .iter()
        .map(|&(api, min, max)| {
            ApiVersion::default()
                .with_api_key(api as i16)
                .with_min_version(min)
                .with_max_version(max)
        })
        .collect();
    ApiVersionsResponse::default()
        .with_error_code(error.map_or(0, |error| error.code()))
        .with_api_keys(api_keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_ranges_are_accepted_and_the_rest_refused() {
        assert_eq!(negotiate(0, 9), Negotiated::Served(ApiKey::Produce));
        assert!(matches!(negotiate(0, 2), Negotiated::Refused(reason) if reason.contains("3 to 9")));
        assert_eq!(negotiate(18, 99), Negotiated::ApiVersionsTooNew);
        assert!(matches!(negotiate(24, 3), Negotiated::Refused(reason) if reason.contains("not served")));
        assert!(
            matches!(negotiate(9999, 0), Negotiated::Refused(reason) if reason.contains("unknown API key 9999"))
        );
    }

    #[test]
    fn served_apis_are_named_as_kafka_names_them() {
        assert_eq!(api_name(ApiKey::Produce), "Produce");
        assert_eq!(api_name(ApiKey::CreateTopics), "CreateTopics");
        assert_eq!(api_name(ApiKey::DescribeAcls), "unserved");
    }

    #[test]
    fn every_served_range_lies_within_what_the_schemas_know() {
        for &(api, min, max) in SERVED {
            let known = api.valid_versions();
            assert!(
                known.min <= min && max <= known.max,
                "{api:?} {min}..{max} vs {known}"
            );
        }
    }
}

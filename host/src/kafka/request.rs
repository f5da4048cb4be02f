//! A Kafka request's bytes (after the size field) turned into its header and body: the one
//! function between a peer's bytes and the handlers, so it is where hostile bytes are refused.

use bytes::Bytes;
use kafka_protocol::messages::{ApiKey, RequestHeader, RequestKind};
use kafka_protocol::protocol::Decodable;

use super::frame::MIN_REQUEST_LEN;
use super::versions::{self, Negotiated};

/// What a request's bytes come to.
#[derive(Debug, PartialEq)]
// Nearly every request is the large variant: boxing it would add an allocation to each.
#[allow(clippy::large_enum_variant)]
pub(super) enum Decoded {
    Request {
        api: ApiKey,
        version: i16,
        correlation_id: i32,
        header: RequestHeader,
        request: RequestKind,
    },
    /// ApiVersions newer than served: its body is not read (it may be of a shape not known
    /// here); the answer is version 0 with the served ranges.
    ApiVersionsTooNew { version: i16, correlation_id: i32 },
}

/// Decodes one request; an error says why the connection must close, naming the API and
/// version where they are known.
pub(super) fn decode_request(mut bytes: Bytes) -> Result<Decoded, String> {
    if bytes.len() < MIN_REQUEST_LEN {
        return Err(format!(
            "request of {} bytes is shorter than a request header ({MIN_REQUEST_LEN})",
            bytes.len()
        ));
    }
    let api_key = i16::from_be_bytes([bytes[0], bytes[1]]);
    let version = i16::from_be_bytes([bytes[2], bytes[3]]);
    let correlation_id = i32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    let api = match versions::negotiate(api_key, version) {
        Negotiated::Served(api) => api,
        Negotiated::ApiVersionsTooNew => {
            return Ok(Decoded::ApiVersionsTooNew {
                version,
                correlation_id,
            });
        }
        Negotiated::Refused(reason) => return Err(reason),
    };
    let header = RequestHeader::decode(&mut bytes, api.request_header_version(version))
        .map_err(|error| format!("{api:?} v{version}: malformed request header: {error}"))?;
    let request = RequestKind::decode(api, &mut bytes, version)
        .map_err(|error| format!("{api:?} v{version}: malformed request: {error}"))?;
    Ok(Decoded::Request {
        api,
        version,
        correlation_id,
        header,
        request,
    })
}

#[cfg(test)]
mod fuzz;

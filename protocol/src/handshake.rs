//! The handshake: the first frame of a connection is a [`Hello`] from the client, answered by a
//! [`Welcome`]. Both envelopes keep their shape forever (version 1), so any two builds can agree
//! on a protocol version, or say clearly that they cannot.

use std::ops::RangeInclusive;

use crate::codec::Envelope;
use serde::{Deserialize, Serialize};

use super::error::{ErrorCode, WireError};
use super::messages::Request;

/// The protocol versions this build speaks: the versions of the [`Request`] and
/// [`super::Response`] envelopes it can read and write.
pub const PROTOCOL_VERSIONS: RangeInclusive<u16> = Request::VERSION..=Request::VERSION;

/// The client's opening frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub min_version: u16,
    pub max_version: u16,
    /// Names the client in the server's logs.
    pub client: String,
}

impl Hello {
    /// A hello offering every version this build speaks.
    pub fn current(client: &str) -> Hello {
        Hello {
            min_version: *PROTOCOL_VERSIONS.start(),
            max_version: *PROTOCOL_VERSIONS.end(),
            client: client.to_owned(),
        }
    }
}

impl Envelope for Hello {
    const TAG: [u8; 4] = *b"RGHI";
    const VERSION: u16 = 1;
}

/// The server's answer to [`Hello`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Welcome {
    Accepted {
        /// The version every later frame on this connection uses.
        version: u16,
        /// The server's name and build version.
        server: String,
        /// The largest request payload the server reads.
        max_frame_bytes: u64,
    },
    /// No common version, or no hello at all; the server closes the connection.
    Refused(WireError),
}

impl Envelope for Welcome {
    const TAG: [u8; 4] = *b"RGWL";
    const VERSION: u16 = 1;
}

/// The highest version both sides speak.
pub fn negotiate_version(hello: &Hello) -> Result<u16, WireError> {
    let ours = PROTOCOL_VERSIONS;
    let top = hello.max_version.min(*ours.end());
    if top >= hello.min_version.max(*ours.start()) {
        Ok(top)
    } else {
        Err(WireError::new(
            ErrorCode::UnsupportedVersion,
            format!(
                "client {:?} speaks protocol versions {}..={}, this server {}..={}",
                hello.client,
                hello.min_version,
                hello.max_version,
                ours.start(),
                ours.end()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_common_version_wins_and_disjoint_ranges_are_refused() {
        assert_eq!(
            negotiate_version(&Hello::current("c")),
            Ok(*PROTOCOL_VERSIONS.end())
        );
        let wide = Hello {
            min_version: 0,
            max_version: 40,
            client: "c".into(),
        };
        assert_eq!(negotiate_version(&wide), Ok(*PROTOCOL_VERSIONS.end()));
        let future = Hello {
            min_version: 40,
            max_version: 41,
            client: "c".into(),
        };
        let refused = negotiate_version(&future).unwrap_err();
        assert!(refused.is(ErrorCode::UnsupportedVersion));
        assert!(refused.message.contains("40..=41"), "{refused}");
    }
}

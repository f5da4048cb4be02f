//! Kafka's standard `consumer` protocol formats (`ConsumerProtocolSubscription` versions 0 to
//! 3 and `ConsumerProtocolAssignment`), decoded only to show a classic group's members in
//! describe: the bytes members exchange pass through untouched. Anything that does not decode
//! is shown as opaque bytes instead.

use crate::group::types::PartitionName;

/// A member's subscription as a `consumer` client encodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerSubscription {
    pub topics: Vec<String>,
    pub user_data: usize,
    pub owned: Vec<PartitionName>,
    pub rack: Option<String>,
}

/// A member's assignment as a `consumer` leader encodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerAssignment {
    pub partitions: Vec<PartitionName>,
    pub user_data: usize,
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn i16(&mut self) -> Option<i16> {
        self.take(2).map(|b| i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Option<i32> {
        self.take(4).map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Option<Option<String>> {
        let len = self.i16()?;
        if len < 0 {
            return Some(None);
        }
        let bytes = self.take(len as usize)?;
        String::from_utf8(bytes.to_vec()).ok().map(Some)
    }

    /// A count that cannot claim more entries than bytes are left (each takes at least one).
    fn count(&mut self) -> Option<usize> {
        let n = self.i32()?;
        let n = usize::try_from(n.max(0)).ok()?;
        (n <= self.0.len()).then_some(n)
    }

    fn bytes_len(&mut self) -> Option<usize> {
        let len = self.i32()?;
        if len < 0 {
            return Some(0);
        }
        self.take(len as usize).map(<[u8]>::len)
    }

    fn partitions(&mut self) -> Option<Vec<PartitionName>> {
        let mut all = Vec::new();
        for _ in 0..self.count()? {
            let topic = self.string()??;
            for _ in 0..self.count()? {
                all.push(PartitionName::new(&topic, u32::try_from(self.i32()?).ok()?));
            }
        }
        Some(all)
    }
}

impl ConsumerSubscription {
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader(bytes);
        let version = r.i16()?;
        let mut topics = Vec::new();
        for _ in 0..r.count()? {
            topics.push(r.string()??);
        }
        let user_data = r.bytes_len()?;
        let owned = if version >= 1 { r.partitions()? } else { Vec::new() };
        if version >= 2 {
            r.i32()?;
        }
        let rack = if version >= 3 { r.string()? } else { None };
        Some(ConsumerSubscription {
            topics,
            user_data,
            owned,
            rack,
        })
    }
}

impl ConsumerAssignment {
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader(bytes);
        r.i16()?;
        let partitions = r.partitions()?;
        let user_data = r.bytes_len()?;
        Some(ConsumerAssignment {
            partitions,
            user_data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend((s.len() as i16).to_be_bytes());
        out.extend(s.as_bytes());
    }

    #[test]
    fn a_version_3_subscription_and_an_assignment_decode_and_garbage_does_not() {
        let mut sub = 3i16.to_be_bytes().to_vec();
        sub.extend(2i32.to_be_bytes());
        string(&mut sub, "orders");
        string(&mut sub, "audit");
        sub.extend(3i32.to_be_bytes());
        sub.extend(b"abc");
        sub.extend(1i32.to_be_bytes());
        string(&mut sub, "orders");
        sub.extend(1i32.to_be_bytes());
        sub.extend(4i32.to_be_bytes());
        sub.extend(7i32.to_be_bytes());
        string(&mut sub, "rack-a");
        assert_eq!(
            ConsumerSubscription::decode(&sub),
            Some(ConsumerSubscription {
                topics: vec!["orders".into(), "audit".into()],
                user_data: 3,
                owned: vec![PartitionName::new("orders", 4)],
                rack: Some("rack-a".into()),
            })
        );
        let mut assignment = 0i16.to_be_bytes().to_vec();
        assignment.extend(1i32.to_be_bytes());
        string(&mut assignment, "orders");
        assignment.extend(2i32.to_be_bytes());
        assignment.extend(0i32.to_be_bytes());
        assignment.extend(2i32.to_be_bytes());
        assignment.extend((-1i32).to_be_bytes());
        assert_eq!(
            ConsumerAssignment::decode(&assignment).map(|a| a.partitions),
            Some(vec![
                PartitionName::new("orders", 0),
                PartitionName::new("orders", 2)
            ])
        );
        assert_eq!(
            ConsumerSubscription::decode(&[0, 0, 0x7f, 0xff, 0xff, 0xff]),
            None
        );
        assert_eq!(ConsumerAssignment::decode(b"x"), None);
    }
}

//! Choosing a partition for a record, as Kafka's default producer partitioner does.
//!
//! An explicit partition wins; a keyed record goes to `toPositive(murmur2(key)) % partitions`,
//! bit for bit the computation of Kafka's `BuiltInPartitioner.partitionForKey` (and, before 3.3,
//! `DefaultPartitioner`), so a key lands on the same partition number as in Kafka. Records with
//! no key stick to one partition per batch, and successive batches rotate through the
//! partitions so they spread evenly (Kafka picks the next sticky partition at random, weighted
//! by broker load; a rotation is the even, load-free equivalent).

use std::sync::atomic::{AtomicU32, Ordering};

/// Kafka's `Utils.murmur2`: MurmurHash2, 32-bit, seed `0x9747b28c`.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let mut h: u32 = SEED ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes(chunk.try_into().expect("4 bytes"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if tail.len() == 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (not `abs`, which overflows on `MIN`).
pub fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

/// The partition Kafka's default partitioner gives `key` among `partition_count` partitions.
pub fn partition_for_key(key: &[u8], partition_count: u32) -> u32 {
    to_positive(murmur2(key)) as u32 % partition_count
}

/// The rotation of sticky partitions for records without a key, one per topic.
#[derive(Debug, Default)]
pub struct StickyRotation {
    next: AtomicU32,
}

impl StickyRotation {
    /// The partition for the keyless records of the next batch.
    pub fn next_partition(&self, partition_count: u32) -> u32 {
        self.next.fetch_add(1, Ordering::Relaxed) % partition_count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases of Kafka's `UtilsTest.testMurmur2`
    /// (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
    const KAFKA_MURMUR2_CASES: [(&[u8], i32); 6] = [
        (b"21", -973932308),
        (b"foobar", -790332482),
        (b"a-little-bit-long-string", -985981536),
        (b"a-little-bit-longer-string", -1486304829),
        (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        (b"abc", 479470107),
    ];

    #[test]
    fn murmur2_matches_kafka_utils_test() {
        for (key, expected) in KAFKA_MURMUR2_CASES {
            assert_eq!(murmur2(key), expected, "key {:?}", String::from_utf8_lossy(key));
        }
    }

    #[test]
    fn keys_land_where_kafka_puts_them() {
        // toPositive(-973932308) = 1173551340; toPositive(479470107) = 479470107.
        assert_eq!(partition_for_key(b"21", 10), 1173551340 % 10);
        assert_eq!(partition_for_key(b"21", 10), 0);
        assert_eq!(partition_for_key(b"abc", 7), 4);
        // toPositive(-790332482) = 1357151166, and 1357151166 % 3 = 0.
        assert_eq!(partition_for_key(b"foobar", 3), 0);
    }

    #[test]
    fn to_positive_clears_only_the_sign_bit() {
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(5), 5);
    }

    #[test]
    fn sticky_rotation_visits_every_partition_evenly() {
        let rotation = StickyRotation::default();
        let mut counts = [0; 4];
        for _ in 0..40 {
            counts[rotation.next_partition(4) as usize] += 1;
        }
        assert_eq!(counts, [10; 4]);
    }
}

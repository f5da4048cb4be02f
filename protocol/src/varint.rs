//! Kafka's variable-length integers, as its record batches use them for every record field:
//! zigzag-encoded (small negative numbers stay short), then 7 bits per byte, low bits first, the
//! high bit set on every byte but the last (protobuf's `sint32`/`sint64`). A "varint" holds an
//! `i32` in at most 5 bytes, a "varlong" an `i64` in at most 10 (`ByteUtils.java` in Kafka).

/// Appends `value` as a varlong (a varint is the same bytes for the same number).
pub fn put(value: i64, out: &mut Vec<u8>) {
    let mut zigzag = ((value << 1) ^ (value >> 63)) as u64;
    while zigzag >= 0x80 {
        out.push(zigzag as u8 | 0x80);
        zigzag >>= 7;
    }
    out.push(zigzag as u8);
}

/// Bytes [`put`] takes for `value`.
pub fn len(value: i64) -> usize {
    let zigzag = ((value << 1) ^ (value >> 63)) as u64;
    (64 - zigzag.max(1).leading_zeros() as usize).div_ceil(7)
}

/// Reads a varint from the front of `bytes`, advancing it; `None` if it is cut short, longer
/// than 5 bytes, or outside `i32`.
pub fn read_varint(bytes: &mut &[u8]) -> Option<i32> {
    i32::try_from(read(bytes, 5)?).ok()
}

/// Reads a varlong from the front of `bytes`, advancing it; `None` if it is cut short or longer
/// than 10 bytes.
pub fn read_varlong(bytes: &mut &[u8]) -> Option<i64> {
    read(bytes, 10)
}

fn read(bytes: &mut &[u8], max_len: usize) -> Option<i64> {
    let mut zigzag = 0u64;
    for (index, &byte) in bytes.iter().take(max_len).enumerate() {
        zigzag |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            *bytes = &bytes[index + 1..];
            return Some((zigzag >> 1) as i64 ^ -((zigzag & 1) as i64));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn kafka_s_own_examples_encode_as_kafka_does() {
        // Zigzag maps 0, -1, 1, -2 to 0, 1, 2, 3; then 7 bits a byte, low first.
        for (value, bytes) in [
            (0i64, &[0x00][..]),
            (-1, &[0x01]),
            (1, &[0x02]),
            (-2, &[0x03]),
            (63, &[0x7e]),
            (-64, &[0x7f]),
            (64, &[0x80, 0x01]),
            (i64::from(i32::MAX), &[0xfe, 0xff, 0xff, 0xff, 0x0f]),
            (i64::from(i32::MIN), &[0xff, 0xff, 0xff, 0xff, 0x0f]),
        ] {
            let mut out = Vec::new();
            put(value, &mut out);
            assert_eq!(out, bytes, "{value}");
            assert_eq!(len(value), bytes.len(), "{value}");
        }
    }

    #[test]
    fn cut_short_overlong_and_out_of_range_varints_are_refused() {
        assert_eq!(read_varint(&mut &[0x80, 0x80][..]), None);
        assert_eq!(read_varint(&mut &[0x80, 0x80, 0x80, 0x80, 0x80, 0x01][..]), None);
        let mut beyond_i32 = Vec::new();
        put(i64::from(i32::MAX) + 1, &mut beyond_i32);
        assert_eq!(read_varint(&mut beyond_i32.as_slice()), None);
        assert_eq!(read_varlong(&mut &[0xff; 11][..]), None);
    }

    proptest! {
        #[test]
        fn every_varlong_round_trips_and_advances_past_itself(value: i64, tail: Vec<u8>) {
            let mut bytes = Vec::new();
            put(value, &mut bytes);
            prop_assert_eq!(bytes.len(), len(value));
            bytes.extend_from_slice(&tail);
            let mut cursor = bytes.as_slice();
            prop_assert_eq!(read_varlong(&mut cursor), Some(value));
            prop_assert_eq!(cursor, tail.as_slice());
        }

        #[test]
        fn every_varint_round_trips(value: i32) {
            let mut bytes = Vec::new();
            put(i64::from(value), &mut bytes);
            prop_assert_eq!(read_varint(&mut bytes.as_slice()), Some(value));
        }
    }
}

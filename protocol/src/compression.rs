//! The compression codecs of Kafka's record batches: bits 0-2 of a batch's attributes name the
//! codec that compressed its records as one block. The log stores compressed batches untouched;
//! only producers compress and only consumers decompress.

use std::io::{Read, Write};

use super::batch::BatchDefect;

/// A batch's compression codec, numbered as Kafka numbers them in the attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl Compression {
    const MASK: i16 = 0x07;

    pub fn from_attributes(attributes: i16) -> Result<Compression, BatchDefect> {
        match attributes & Self::MASK {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Gzip),
            2 => Ok(Compression::Snappy),
            3 => Ok(Compression::Lz4),
            4 => Ok(Compression::Zstd),
            other => Err(BatchDefect::Unsupported(format!(
                "compression codec {other} (Kafka knows 0-4)"
            ))),
        }
    }

    /// The attribute bits of the codec.
    pub fn attributes(self) -> i16 {
        match self {
            Compression::None => 0,
            Compression::Gzip => 1,
            Compression::Snappy => 2,
            Compression::Lz4 => 3,
            Compression::Zstd => 4,
        }
    }

    /// Kafka's name of the codec (its `compression.type` values).
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }
}

impl std::str::FromStr for Compression {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [
            Compression::None,
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ]
        .into_iter()
        .find(|codec| codec.name() == name)
        .ok_or_else(|| format!("unknown compression {name:?} (none, gzip, snappy, lz4 or zstd)"))
    }
}

/// The xerial snappy framing Kafka's Java client writes: this magic, version 1, compatible
/// version 1, then blocks, each a big-endian i32 length and a raw snappy block.
const XERIAL_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
const XERIAL_HEADER_LEN: usize = 16;
/// Uncompressed bytes per xerial block (the Java client's default block size).
const XERIAL_BLOCK: usize = 32 * 1024;

/// Appends `plain` compressed with `codec` to `out`: gzip as a gzip stream, snappy in xerial
/// framing (as Kafka's Java client writes it), lz4 as an LZ4 frame, zstd as a zstd frame.
pub fn compress(codec: Compression, plain: &[u8], out: &mut Vec<u8>) -> Result<(), BatchDefect> {
    let failed = |error: std::io::Error| {
        BatchDefect::Unsupported(format!("{} compression failed: {error}", codec.name()))
    };
    match codec {
        Compression::None => out.extend_from_slice(plain),
        Compression::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
            encoder.write_all(plain).map_err(failed)?;
            encoder.finish().map_err(failed)?;
        }
        Compression::Snappy => {
            out.extend_from_slice(&XERIAL_MAGIC);
            out.extend_from_slice(&1i32.to_be_bytes());
            out.extend_from_slice(&1i32.to_be_bytes());
            let mut encoder = snap::raw::Encoder::new();
            for block in plain.chunks(XERIAL_BLOCK) {
                let compressed = encoder.compress_vec(block).map_err(|error| {
                    BatchDefect::Unsupported(format!("snappy compression failed: {error}"))
                })?;
                out.extend_from_slice(&(compressed.len() as i32).to_be_bytes());
                out.extend_from_slice(&compressed);
            }
        }
        Compression::Lz4 => {
            let mut encoder = lz4_flex::frame::FrameEncoder::new(out);
            encoder.write_all(plain).map_err(failed)?;
            encoder
                .finish()
                .map_err(|error| BatchDefect::Unsupported(format!("lz4 compression failed: {error}")))?;
        }
        Compression::Zstd => {
            ruzstd::encoding::compress(plain, &mut *out, ruzstd::encoding::CompressionLevel::Fastest);
        }
    }
    Ok(())
}

/// `compressed` decompressed with `codec`, refused once it passes `limit` bytes (a small batch
/// must not become gigabytes). Snappy is read in xerial framing or as one raw block (as
/// librdkafka writes it).
pub fn decompress(codec: Compression, compressed: &[u8], limit: usize) -> Result<Vec<u8>, BatchDefect> {
    let too_large = || {
        BatchDefect::Decompression(format!(
            "{} records decompress to more than {limit} bytes",
            codec.name()
        ))
    };
    let failed = |error: std::io::Error| BatchDefect::Decompression(format!("{}: {error}", codec.name()));
    let read_bounded = |reader: &mut dyn Read| -> Result<Vec<u8>, BatchDefect> {
        let mut plain = Vec::with_capacity(compressed.len().saturating_mul(2).min(limit));
        reader
            .take(limit as u64 + 1)
            .read_to_end(&mut plain)
            .map_err(failed)?;
        if plain.len() > limit {
            return Err(too_large());
        }
        Ok(plain)
    };
    match codec {
        Compression::None if compressed.len() <= limit => Ok(compressed.to_vec()),
        Compression::None => Err(too_large()),
        Compression::Gzip => read_bounded(&mut flate2::read::MultiGzDecoder::new(compressed)),
        Compression::Lz4 => read_bounded(&mut lz4_flex::frame::FrameDecoder::new(compressed)),
        Compression::Zstd => {
            let mut decoder = ruzstd::decoding::StreamingDecoder::new(compressed)
                .map_err(|error| BatchDefect::Decompression(format!("zstd: {error}")))?;
            read_bounded(&mut decoder)
        }
        Compression::Snappy => decompress_snappy(compressed, limit),
    }
}

fn decompress_snappy(compressed: &[u8], limit: usize) -> Result<Vec<u8>, BatchDefect> {
    let failed = |error: snap::Error| BatchDefect::Decompression(format!("snappy: {error}"));
    let too_large =
        || BatchDefect::Decompression(format!("snappy records decompress to more than {limit} bytes"));
    let mut decoder = snap::raw::Decoder::new();
    let block_len = |block: &[u8]| snap::raw::decompress_len(block).map_err(failed);
    if !compressed.starts_with(&XERIAL_MAGIC) {
        if block_len(compressed)? > limit {
            return Err(too_large());
        }
        return decoder.decompress_vec(compressed).map_err(failed);
    }
    let mut rest = compressed
        .get(XERIAL_HEADER_LEN..)
        .ok_or_else(|| BatchDefect::Decompression("snappy: xerial header cut short".to_owned()))?;
    let mut plain = Vec::new();
    while !rest.is_empty() {
        let length = rest
            .get(..4)
            .map(|b| i32::from_be_bytes(b.try_into().expect("4 bytes")))
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n <= rest.len() - 4)
            .ok_or_else(|| BatchDefect::Decompression("snappy: xerial block length is wrong".to_owned()))?;
        let block = &rest[4..4 + length];
        let start = plain.len();
        let grown = start + block_len(block)?;
        if grown > limit {
            return Err(too_large());
        }
        plain.resize(grown, 0);
        decoder.decompress(block, &mut plain[start..]).map_err(failed)?;
        rest = &rest[4 + length..];
    }
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODECS: [Compression; 5] = [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ];

    fn sample() -> Vec<u8> {
        (0..200_000u32).flat_map(|i| (i % 977).to_le_bytes()).collect()
    }

    #[test]
    fn every_codec_round_trips_and_shrinks_repetitive_records() {
        let plain = sample();
        for codec in CODECS {
            let mut compressed = Vec::new();
            compress(codec, &plain, &mut compressed).unwrap();
            if codec != Compression::None {
                assert!(
                    compressed.len() < plain.len() / 2,
                    "{codec:?}: {}",
                    compressed.len()
                );
            }
            assert_eq!(
                decompress(codec, &compressed, plain.len()).unwrap(),
                plain,
                "{codec:?}"
            );
            assert_eq!(Compression::from_attributes(codec.attributes()), Ok(codec));
            assert_eq!(codec.name().parse::<Compression>(), Ok(codec));
        }
    }

    #[test]
    fn the_formats_are_the_ones_kafka_clients_write() {
        let plain = sample();
        let compressed = |codec| {
            let mut out = Vec::new();
            compress(codec, &plain, &mut out).unwrap();
            out
        };
        assert_eq!(compressed(Compression::Gzip)[..2], [0x1f, 0x8b], "gzip member");
        assert_eq!(
            compressed(Compression::Snappy)[..8],
            XERIAL_MAGIC,
            "xerial framing"
        );
        assert_eq!(
            compressed(Compression::Lz4)[..4],
            [0x04, 0x22, 0x4d, 0x18],
            "LZ4 frame magic"
        );
        assert_eq!(
            compressed(Compression::Zstd)[..4],
            [0x28, 0xb5, 0x2f, 0xfd],
            "zstd frame magic"
        );
    }

    #[test]
    fn raw_snappy_as_librdkafka_writes_it_is_read_too() {
        let plain = sample();
        let raw = snap::raw::Encoder::new().compress_vec(&plain).unwrap();
        assert_eq!(decompress(Compression::Snappy, &raw, plain.len()).unwrap(), plain);
    }

    #[test]
    fn output_past_the_limit_and_garbage_are_defects_not_panics() {
        let plain = sample();
        for codec in CODECS {
            let mut compressed = Vec::new();
            compress(codec, &plain, &mut compressed).unwrap();
            let error = decompress(codec, &compressed, plain.len() - 1).unwrap_err();
            assert!(error.to_string().contains("more than"), "{codec:?}: {error}");
            if codec != Compression::None {
                // Cut short: an error, never a panic or records missing without one (lz4_flex
                // takes a frame whose last bytes, the end mark, are gone, but then all the
                // records are there; the batch CRC catches a cut before any codec runs anyway).
                for cut in [1, compressed.len() / 2, compressed.len() - 1] {
                    let result = decompress(codec, &compressed[..cut], plain.len());
                    assert!(
                        result.as_ref().is_err() || result.as_ref() == Ok(&plain),
                        "{codec:?} cut at {cut}"
                    );
                }
                assert!(decompress(codec, &compressed[..compressed.len() / 2], plain.len()).is_err());
            }
        }
    }
}

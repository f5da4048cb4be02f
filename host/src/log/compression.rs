//! The compression codecs of Kafka's record batches: bits 0-2 of a batch's attributes name the
//! codec that compressed its records as one block. The log stores compressed batches untouched;
//! only producers compress and only consumers decompress.

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

/// Appends `plain` compressed with `codec` to `out`.
pub fn compress(codec: Compression, plain: &[u8], out: &mut Vec<u8>) -> Result<(), BatchDefect> {
    match codec {
        Compression::None => {
            out.extend_from_slice(plain);
            Ok(())
        }
        other => Err(BatchDefect::Unsupported(format!(
            "compressing with {} is not built in",
            other.name()
        ))),
    }
}

/// `compressed` decompressed with `codec`, refused once it passes `limit` bytes.
pub fn decompress(codec: Compression, compressed: &[u8], limit: usize) -> Result<Vec<u8>, BatchDefect> {
    match codec {
        Compression::None if compressed.len() <= limit => Ok(compressed.to_vec()),
        Compression::None => Err(BatchDefect::Decompression(format!(
            "{} bytes exceed the limit of {limit}",
            compressed.len()
        ))),
        other => Err(BatchDefect::Unsupported(format!(
            "decompressing {} is not built in",
            other.name()
        ))),
    }
}

//! Checks a plugin file's ELF structure before anything maps it.
//!
//! dlopen of a truncated or half-written shared library killed the host with SIGBUS instead of
//! returning an error (DESIGN.md), so every header, segment and section must lie inside the file.
//! The same pass finds the exported root-module symbols, whose names carry the plugin's crate name.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ElfError {
    #[error("no ELF magic number")]
    NotElf,
    #[error("unsupported ELF file: {0}")]
    Unsupported(String),
    #[error("{what} ends at byte {end} but the file has {len} bytes")]
    Truncated { what: String, end: u64, len: u64 },
}

const EM_X86_64: u16 = 62;
const EM_AARCH64: u16 = 183;
const ET_DYN: u16 = 3;
const SHT_NOBITS: u32 = 8;
const SHT_DYNSYM: u32 = 11;

fn host_machine() -> u16 {
    if cfg!(target_arch = "aarch64") {
        EM_AARCH64
    } else {
        EM_X86_64
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn u16(&self, at: u64) -> u16 {
        let at = at as usize;
        u16::from_le_bytes([self.bytes[at], self.bytes[at + 1]])
    }
    fn u32(&self, at: u64) -> u32 {
        let at = at as usize;
        u32::from_le_bytes(self.bytes[at..at + 4].try_into().expect("4 bytes"))
    }
    fn u64(&self, at: u64) -> u64 {
        let at = at as usize;
        u64::from_le_bytes(self.bytes[at..at + 8].try_into().expect("8 bytes"))
    }
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }
    /// Errors unless `offset + size` lies within the file.
    fn within(&self, what: impl FnOnce() -> String, offset: u64, size: u64) -> Result<(), ElfError> {
        let end = offset.saturating_add(size);
        if end > self.len() {
            return Err(ElfError::Truncated {
                what: what(),
                end,
                len: self.len(),
            });
        }
        Ok(())
    }
}

struct Section {
    kind: u32,
    offset: u64,
    size: u64,
    link: u32,
    entsize: u64,
}

/// Checks that `bytes` is a complete 64-bit little-endian shared library for this machine and
/// returns the names of its defined dynamic symbols that start with `prefix`.
pub fn check(bytes: &[u8], prefix: &str) -> Result<Vec<String>, ElfError> {
    if bytes.len() < 4 || &bytes[..4] != b"\x7fELF" {
        return Err(ElfError::NotElf);
    }
    let r = Reader { bytes };
    r.within(|| "the ELF header".into(), 0, 64)?;
    if bytes[4] != 2 || bytes[5] != 1 {
        return Err(ElfError::Unsupported(
            "only 64-bit little-endian libraries are supported".into(),
        ));
    }
    if r.u16(16) != ET_DYN {
        return Err(ElfError::Unsupported(format!(
            "ELF type {} is not a shared library",
            r.u16(16)
        )));
    }
    let machine = r.u16(18);
    if machine != host_machine() {
        return Err(ElfError::Unsupported(format!(
            "built for machine {machine}, this host is machine {}",
            host_machine()
        )));
    }
    let (phoff, shoff) = (r.u64(32), r.u64(40));
    let (phentsize, phnum) = (r.u16(54) as u64, r.u16(56) as u64);
    let (shentsize, shnum) = (r.u16(58) as u64, r.u16(60) as u64);
    r.within(|| "the program header table".into(), phoff, phentsize * phnum)?;
    for i in 0..phnum {
        let at = phoff + i * phentsize;
        r.within(|| format!("program header {i}"), at, 56)?;
        r.within(|| format!("segment {i}"), r.u64(at + 8), r.u64(at + 32))?;
    }
    r.within(|| "the section header table".into(), shoff, shentsize * shnum)?;
    let mut sections = Vec::with_capacity(shnum as usize);
    for i in 0..shnum {
        let at = shoff + i * shentsize;
        r.within(|| format!("section header {i}"), at, 64)?;
        let s = Section {
            kind: r.u32(at + 4),
            offset: r.u64(at + 24),
            size: r.u64(at + 32),
            link: r.u32(at + 40),
            entsize: r.u64(at + 56),
        };
        if s.kind != SHT_NOBITS {
            r.within(|| format!("section {i}"), s.offset, s.size)?;
        }
        sections.push(s);
    }
    let mut found = Vec::new();
    for dynsym in sections
        .iter()
        .filter(|s| s.kind == SHT_DYNSYM && s.entsize >= 24)
    {
        let Some(strtab) = sections.get(dynsym.link as usize) else {
            return Err(ElfError::Unsupported(
                "the dynamic symbol table names no string table".into(),
            ));
        };
        for n in 0..dynsym.size / dynsym.entsize {
            let at = dynsym.offset + n * dynsym.entsize;
            let (name_at, shndx) = (r.u32(at) as u64, r.u16(at + 6));
            if shndx == 0 || name_at >= strtab.size {
                continue; // undefined (imported) symbol, or a name outside the table
            }
            let start = (strtab.offset + name_at) as usize;
            let end = (strtab.offset + strtab.size) as usize;
            let name = &bytes[start..end];
            let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
            if name.starts_with(prefix.as_bytes()) {
                found.push(String::from_utf8_lossy(name).into_owned());
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own_library() -> Vec<u8> {
        // Any shared library of this machine will do: the C library is always there.
        let candidates = [
            "/lib/x86_64-linux-gnu/libc.so.6",
            "/lib/aarch64-linux-gnu/libc.so.6",
            "/usr/lib/libc.so.6",
        ];
        let path = candidates
            .iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("a libc.so.6");
        std::fs::read(path).unwrap()
    }

    #[test]
    fn finds_prefixed_symbols_in_a_complete_library() {
        let names = check(&own_library(), "malloc").unwrap();
        assert!(names.iter().any(|n| n == "malloc"), "{names:?}");
    }

    #[test]
    fn refuses_junk_and_non_libraries() {
        assert_eq!(check(b"hello world, not a library", "x"), Err(ElfError::NotElf));
        assert_eq!(check(b"", "x"), Err(ElfError::NotElf));
        let mut exe = own_library();
        exe[16] = 2; // ET_EXEC
        assert!(matches!(check(&exe, "x"), Err(ElfError::Unsupported(_))));
    }

    #[test]
    fn refuses_every_truncation_of_a_library() {
        let lib = own_library();
        for len in [5, 63, 64, 200, lib.len() / 2, lib.len() - 1] {
            let err = check(&lib[..len], "x").unwrap_err();
            assert!(
                matches!(err, ElfError::Truncated { .. } | ElfError::NotElf),
                "len {len}: {err}"
            );
        }
    }
}

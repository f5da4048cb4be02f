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

/// Reads little-endian fields of untrusted bytes: every offset and length is checked, and any
/// arithmetic that would overflow is an error, so no input can make it panic.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// The `size` bytes at `offset`, or why they are not in the file.
    fn slice(&self, what: impl FnOnce() -> String, offset: u64, size: u64) -> Result<&[u8], ElfError> {
        let end = offset.checked_add(size).filter(|&end| end <= self.len());
        match end {
            Some(end) => Ok(&self.bytes[offset as usize..end as usize]),
            None => Err(ElfError::Truncated {
                what: what(),
                end: offset.saturating_add(size),
                len: self.len(),
            }),
        }
    }

    fn array<const N: usize>(&self, what: &str, at: u64) -> Result<[u8; N], ElfError> {
        let bytes = self.slice(|| what.to_owned(), at, N as u64)?;
        Ok(bytes.try_into().expect("slice has N bytes"))
    }
    fn u16(&self, what: &str, at: u64) -> Result<u16, ElfError> {
        self.array(what, at).map(u16::from_le_bytes)
    }
    fn u32(&self, what: &str, at: u64) -> Result<u32, ElfError> {
        self.array(what, at).map(u32::from_le_bytes)
    }
    fn u64(&self, what: &str, at: u64) -> Result<u64, ElfError> {
        self.array(what, at).map(u64::from_le_bytes)
    }

    /// Errors unless `offset + size` lies within the file.
    fn within(&self, what: impl FnOnce() -> String, offset: u64, size: u64) -> Result<(), ElfError> {
        self.slice(what, offset, size).map(|_| ())
    }
}

/// `base + index * stride`, or an error naming `what` if that overflows.
fn entry_at(what: impl FnOnce() -> String, base: u64, index: u64, stride: u64) -> Result<u64, ElfError> {
    index
        .checked_mul(stride)
        .and_then(|o| o.checked_add(base))
        .ok_or_else(|| ElfError::Truncated {
            what: what(),
            end: u64::MAX,
            len: 0,
        })
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
    let header = "the ELF header";
    let kind = r.u16(header, 16)?;
    if kind != ET_DYN {
        return Err(ElfError::Unsupported(format!(
            "ELF type {kind} is not a shared library"
        )));
    }
    let machine = r.u16(header, 18)?;
    if machine != host_machine() {
        return Err(ElfError::Unsupported(format!(
            "built for machine {machine}, this host is machine {}",
            host_machine()
        )));
    }
    let (phoff, shoff) = (r.u64(header, 32)?, r.u64(header, 40)?);
    let (phentsize, phnum) = (u64::from(r.u16(header, 54)?), u64::from(r.u16(header, 56)?));
    let (shentsize, shnum) = (u64::from(r.u16(header, 58)?), u64::from(r.u16(header, 60)?));
    // Entries smaller than ELF64's would overlap: with size 0, a count of 65,535 costs nothing
    // in the file but 65,535 reads and section records.
    for (table, entsize, needed) in [("program", phentsize, 56), ("section", shentsize, 64)] {
        if entsize < needed {
            return Err(ElfError::Unsupported(format!(
                "{table} header entries of {entsize} bytes (ELF64's take {needed})"
            )));
        }
    }
    r.within(|| "the program header table".into(), phoff, phentsize * phnum)?;
    for i in 0..phnum {
        let what = || format!("program header {i}");
        let at = entry_at(what, phoff, i, phentsize)?;
        r.within(what, at, 56)?;
        let (offset, size) = (
            r.u64("a program header", at + 8)?,
            r.u64("a program header", at + 32)?,
        );
        r.within(|| format!("segment {i}"), offset, size)?;
    }
    r.within(|| "the section header table".into(), shoff, shentsize * shnum)?;
    let mut sections = Vec::with_capacity(shnum as usize);
    for i in 0..shnum {
        let what = || format!("section header {i}");
        let at = entry_at(what, shoff, i, shentsize)?;
        r.within(what, at, 64)?;
        let field = "a section header";
        let s = Section {
            kind: r.u32(field, at + 4)?,
            offset: r.u64(field, at + 24)?,
            size: r.u64(field, at + 32)?,
            link: r.u32(field, at + 40)?,
            entsize: r.u64(field, at + 56)?,
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
        // A NOBITS section was never checked against the file: read the table through the
        // checked slice, which refuses one that lies outside it.
        let names = r.slice(|| "the dynamic string table".into(), strtab.offset, strtab.size)?;
        for n in 0..dynsym.size / dynsym.entsize {
            let at = entry_at(|| "a dynamic symbol".into(), dynsym.offset, n, dynsym.entsize)?;
            let (name_at, shndx) = (r.u32("a dynamic symbol", at)?, r.u16("a dynamic symbol", at + 6)?);
            let Some(name) = names.get(name_at as usize..).filter(|_| shndx != 0) else {
                continue; // undefined (imported) symbol, or a name outside the table
            };
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

    /// Offset of the section header that the dynamic symbol table links to (its string table).
    pub(super) fn dynstr_header(lib: &[u8]) -> usize {
        let r = |at: usize, n: usize| -> u64 {
            let mut v = [0u8; 8];
            v[..n].copy_from_slice(&lib[at..at + n]);
            u64::from_le_bytes(v)
        };
        let (shoff, shentsize, shnum) = (r(40, 8) as usize, r(58, 2) as usize, r(60, 2) as usize);
        let dynsym = (0..shnum)
            .map(|i| shoff + i * shentsize)
            .find(|&at| r(at + 4, 4) == u64::from(SHT_DYNSYM))
            .expect("a dynamic symbol table");
        shoff + r(dynsym + 40, 4) as usize * shentsize
    }

    #[test]
    fn a_string_table_outside_the_file_is_refused_not_read() {
        // A crafted file: the symbol names' table marked NOBITS (so never checked as a section)
        // and placed far past the end. The check once sliced it out of bounds and panicked.
        let mut lib = own_library();
        let strtab = dynstr_header(&lib);
        lib[strtab + 4..strtab + 8].copy_from_slice(&SHT_NOBITS.to_le_bytes());
        lib[strtab + 24..strtab + 32].copy_from_slice(&(u64::MAX - 4).to_le_bytes());
        let err = check(&lib, "malloc").unwrap_err();
        assert!(
            matches!(&err, ElfError::Truncated { what, .. } if what == "the dynamic string table"),
            "{err}"
        );
    }

    pub(super) fn library() -> &'static [u8] {
        static LIBRARY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        LIBRARY.get_or_init(own_library)
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

#[cfg(test)]
mod fuzz;

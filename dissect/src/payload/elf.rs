//! ELF headers that a process read from a file (the dynamic loader reads each library's
//! first bytes; so do tools that inspect binaries).
//!
//! Recognized by the magic number at the start of bytes read from a file. The fields come
//! from the file header (`ELFCLASS`, byte order, type, machine, entry point, table sizes),
//! each answered when the bytes holding it were kept; names of types and machines are
//! those `readelf` and the kernel headers use.

use super::{Direction, Dissector, FdContext, Payload};
use crate::registry::{Arg, FieldInfo, FieldType};
use crate::value::Value;

/// The ELF dissector.
#[derive(Debug, Clone, Copy, Default)]
pub struct Elf;

const FIELDS: &[(&str, FieldType, &str)] = &[
    ("elf.class", FieldType::Charbuf, "ELF32 or ELF64."),
    (
        "elf.data",
        FieldType::Charbuf,
        "Byte order: little or big (endian).",
    ),
    (
        "elf.osabi",
        FieldType::Uint64,
        "The OS/ABI number (0 System V, 3 Linux).",
    ),
    (
        "elf.type",
        FieldType::Charbuf,
        "The file's type: REL, EXEC, DYN (shared object or position-independent executable), CORE.",
    ),
    (
        "elf.machine",
        FieldType::Charbuf,
        "The architecture (x86_64, i386, aarch64, arm, riscv, ...; the number when unnamed).",
    ),
    ("elf.entry", FieldType::Uint64, "The entry point's address."),
    ("elf.phnum", FieldType::Uint64, "Number of program headers."),
    ("elf.shnum", FieldType::Uint64, "Number of section headers."),
    ("elf.flags", FieldType::Uint64, "Processor-specific flags."),
];

/// Machine names by `e_machine` (the `EM_*` constants).
fn machine(m: u16) -> Option<&'static str> {
    Some(match m {
        2 => "sparc",
        3 => "i386",
        4 => "m68k",
        8 => "mips",
        20 => "ppc",
        21 => "ppc64",
        22 => "s390",
        40 => "arm",
        42 => "sh",
        43 => "sparcv9",
        50 => "ia64",
        62 => "x86_64",
        183 => "aarch64",
        243 => "riscv",
        247 => "bpf",
        258 => "loongarch",
        _ => return None,
    })
}

/// The header's layout: 64-bit or not, little-endian or not.
struct Header<'a> {
    d: &'a [u8],
    wide: bool,
    little: bool,
}

impl Header<'_> {
    fn uint(&self, at: usize, len: usize) -> Option<u64> {
        let b = self.d.get(at..at + len)?;
        let mut v = 0u64;
        for i in 0..len {
            let byte = if self.little { b[len - 1 - i] } else { b[i] };
            v = v << 8 | byte as u64;
        }
        Some(v)
    }

    /// An address-sized field at its 32-bit and 64-bit offsets.
    fn addr(&self, at32: usize, at64: usize) -> Option<u64> {
        if self.wide {
            self.uint(at64, 8)
        } else {
            self.uint(at32, 4)
        }
    }
}

fn header<'a>(p: &Payload<'a>) -> Option<Header<'a>> {
    let d = p.data;
    if !d.starts_with(b"\x7fELF") {
        return None;
    }
    let wide = match d.get(4)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let little = match d.get(5)? {
        1 => true,
        2 => false,
        _ => return None,
    };
    Some(Header { d, wide, little })
}

impl Dissector for Elf {
    fn name(&self) -> &str {
        "elf"
    }

    fn fields(&self) -> Vec<FieldInfo> {
        super::field_infos("elf", FIELDS)
    }

    fn recognizes(&self, p: &Payload<'_>) -> bool {
        p.direction == Direction::In
            && matches!(p.fd, FdContext::File { .. })
            && header(p).is_some()
    }

    fn field<'s>(
        &self,
        field: usize,
        p: &Payload<'_>,
        _arg: Option<&Arg>,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        let h = header(p)?;
        Some(match field {
            0 => Value::Str(if h.wide { "ELF64" } else { "ELF32" }),
            1 => Value::Str(if h.little { "little" } else { "big" }),
            2 => Value::U64(*h.d.get(7)? as u64),
            3 => Value::Str(match h.uint(16, 2)? {
                1 => "REL",
                2 => "EXEC",
                3 => "DYN",
                4 => "CORE",
                _ => {
                    use std::fmt::Write as _;
                    let _ = write!(scratch, "{}", h.uint(16, 2)?);
                    return Some(Value::Str(scratch.as_str()));
                }
            }),
            4 => {
                let m = h.uint(18, 2)? as u16;
                match machine(m) {
                    Some(n) => Value::Str(n),
                    None => {
                        use std::fmt::Write as _;
                        let _ = write!(scratch, "{m}");
                        Value::Str(scratch.as_str())
                    }
                }
            }
            5 => Value::U64(h.addr(24, 24)?),
            6 => Value::U64(if h.wide {
                h.uint(56, 2)?
            } else {
                h.uint(44, 2)?
            }),
            7 => Value::U64(if h.wide {
                h.uint(60, 2)?
            } else {
                h.uint(48, 2)?
            }),
            8 => Value::U64(h.uint(if h.wide { 48 } else { 36 }, 4)?),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(data: &[u8]) -> Payload<'_> {
        Payload::new(
            data,
            Direction::In,
            FdContext::File {
                path: b"/lib/libc.so.6",
            },
        )
    }

    fn get(p: &Payload<'_>, name: &str) -> Option<String> {
        let i = FIELDS.iter().position(|f| f.0 == name).unwrap();
        let mut s = String::new();
        Elf.field(i, p, None, &mut s).map(|v| v.to_string())
    }

    /// The first 64 bytes of an x86-64 shared object (as glibc's libc.so.6 starts).
    fn elf64() -> Vec<u8> {
        let mut h = b"\x7fELF\x02\x01\x01\x03".to_vec();
        h.resize(16, 0);
        h.extend_from_slice(&3u16.to_le_bytes()); // DYN
        h.extend_from_slice(&62u16.to_le_bytes()); // x86_64
        h.extend_from_slice(&1u32.to_le_bytes());
        h.extend_from_slice(&0x28800u64.to_le_bytes()); // entry
        h.extend_from_slice(&64u64.to_le_bytes()); // phoff
        h.extend_from_slice(&0x1f0000u64.to_le_bytes()); // shoff
        h.extend_from_slice(&0u32.to_le_bytes()); // flags
        for v in [64u16, 56, 14, 64, 66, 65] {
            h.extend_from_slice(&v.to_le_bytes());
        }
        h
    }

    #[test]
    fn elf64_header() {
        let h = elf64();
        assert_eq!(h.len(), 64);
        let p = read(&h);
        assert!(Elf.recognizes(&p));
        assert_eq!(get(&p, "elf.class").as_deref(), Some("ELF64"));
        assert_eq!(get(&p, "elf.data").as_deref(), Some("little"));
        assert_eq!(get(&p, "elf.osabi").as_deref(), Some("3"));
        assert_eq!(get(&p, "elf.type").as_deref(), Some("DYN"));
        assert_eq!(get(&p, "elf.machine").as_deref(), Some("x86_64"));
        assert_eq!(get(&p, "elf.entry").as_deref(), Some("165888"));
        assert_eq!(get(&p, "elf.phnum").as_deref(), Some("14"));
        assert_eq!(get(&p, "elf.shnum").as_deref(), Some("66"));
        // Cut at 30 bytes: the entry point is not whole.
        let p = read(&h[..30]);
        assert_eq!(get(&p, "elf.machine").as_deref(), Some("x86_64"));
        assert_eq!(get(&p, "elf.entry"), None);
    }

    #[test]
    fn elf32_big_endian_and_others() {
        let mut h = b"\x7fELF\x01\x02\x01\x00".to_vec();
        h.resize(16, 0);
        h.extend_from_slice(&2u16.to_be_bytes()); // EXEC
        h.extend_from_slice(&8u16.to_be_bytes()); // mips
        h.extend_from_slice(&1u32.to_be_bytes());
        h.extend_from_slice(&0x400100u32.to_be_bytes());
        let p = read(&h);
        assert_eq!(get(&p, "elf.class").as_deref(), Some("ELF32"));
        assert_eq!(get(&p, "elf.data").as_deref(), Some("big"));
        assert_eq!(get(&p, "elf.type").as_deref(), Some("EXEC"));
        assert_eq!(get(&p, "elf.machine").as_deref(), Some("mips"));
        assert_eq!(get(&p, "elf.entry").as_deref(), Some("4194560"));
        // Written, not read; not a file; not ELF.
        let w = Payload::new(&h[..], Direction::Out, FdContext::File { path: b"/tmp/x" });
        assert!(!Elf.recognizes(&w));
        assert!(!Elf.recognizes(&Payload::new(&h[..], Direction::In, FdContext::Other)));
        assert!(!Elf.recognizes(&read(b"\x7fELG\x02\x01")));
        assert!(!Elf.recognizes(&read(b"\x7fELF\x03\x01")));
    }
}

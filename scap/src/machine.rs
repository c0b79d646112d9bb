//! The machine info block (MI, `0x201`, and its pre-release number `0x8002ABCD`).
//!
//! The body is one packed 180-byte record. libscap copies exactly 180 bytes and then checks the
//! block trailer, so a body of any other size is rejected here too.

use crate::block::types::{MI, MI_INT};
use crate::bytes::Endian;
use crate::error::ErrorKind;

/// Size of the hostname field, NUL-padded.
const HOSTNAME_LEN: usize = 128;

/// Machine info: the host a capture was taken on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MachineInfo<'a> {
    /// Block type code: [`MI`] (or the pre-release `MI_INT`).
    pub block_type: u32,
    /// Number of CPUs.
    pub num_cpus: u32,
    /// Physical memory in bytes.
    pub memory_size_bytes: u64,
    /// Maximum pid (0 in every capture seen so far).
    pub max_pid: u64,
    /// The hostname field as stored: 128 NUL-padded bytes when parsed; when building one, a
    /// name of at most 128 bytes, NUL-padded to 128 on encoding (keep it under 128 so C
    /// readers find a terminator).
    pub hostname_raw: &'a [u8],
    /// Host boot time, ns since the epoch (0 in files before 2022).
    pub boot_ts_epoch: u64,
    /// Flags (written, not interpreted, by current libs).
    pub flags: u64,
    /// Reserved.
    pub reserved3: u64,
    /// Reserved.
    pub reserved4: u64,
}

impl Default for MachineInfo<'_> {
    fn default() -> Self {
        MachineInfo {
            block_type: MI,
            num_cpus: 0,
            memory_size_bytes: 0,
            max_pid: 0,
            hostname_raw: &[],
            boot_ts_epoch: 0,
            flags: 0,
            reserved3: 0,
            reserved4: 0,
        }
    }
}

impl<'a> MachineInfo<'a> {
    /// Size of the record, the only valid body size.
    pub const BODY_LEN: usize = 180;

    /// A machine info for `hostname` (at most 128 bytes), every other field 0.
    pub fn new(hostname: &'a [u8]) -> Self {
        MachineInfo {
            hostname_raw: hostname,
            ..MachineInfo::default()
        }
    }

    /// Parses a block body, which must be exactly [`BODY_LEN`](Self::BODY_LEN) bytes.
    pub fn parse(block_type: u32, body: &'a [u8], endian: Endian) -> Result<Self, ErrorKind> {
        if block_type != MI && block_type != MI_INT {
            return Err(ErrorKind::Malformed("not a machine info block type"));
        }
        if body.len() < Self::BODY_LEN {
            return Err(ErrorKind::Overrun {
                what: "machine info",
                needed: Self::BODY_LEN as u64,
                available: body.len() as u64,
            });
        }
        if body.len() > Self::BODY_LEN {
            return Err(ErrorKind::Malformed(
                "machine info body is longer than 180 bytes",
            ));
        }
        let u64_at = |at| endian.u64(body, at).unwrap_or_default();
        Ok(MachineInfo {
            block_type,
            num_cpus: endian.u32(body, 0).unwrap_or_default(),
            memory_size_bytes: u64_at(4),
            max_pid: u64_at(12),
            hostname_raw: &body[20..20 + HOSTNAME_LEN],
            boot_ts_epoch: u64_at(148),
            flags: u64_at(156),
            reserved3: u64_at(164),
            reserved4: u64_at(172),
        })
    }

    /// The block type code.
    pub fn block_type(&self) -> u32 {
        self.block_type
    }

    /// The hostname: the stored field up to its first NUL.
    pub fn hostname(&self) -> &'a [u8] {
        let h = self.hostname_raw;
        &h[..h.iter().position(|&b| b == 0).unwrap_or(h.len())]
    }

    /// Appends the 180-byte body in byte order `endian`.
    pub fn encode(&self, out: &mut Vec<u8>, endian: Endian) -> Result<(), ErrorKind> {
        let h = self.hostname_raw;
        if h.len() > HOSTNAME_LEN {
            return Err(ErrorKind::TooLargeToWrite {
                what: "hostname",
                len: h.len() as u64,
                max: HOSTNAME_LEN as u64,
            });
        }
        endian.put_u32(out, self.num_cpus);
        endian.put_u64(out, self.memory_size_bytes);
        endian.put_u64(out, self.max_pid);
        out.extend_from_slice(h);
        out.resize(out.len() + HOSTNAME_LEN - h.len(), 0);
        endian.put_u64(out, self.boot_ts_epoch);
        endian.put_u64(out, self.flags);
        endian.put_u64(out, self.reserved3);
        endian.put_u64(out, self.reserved4);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{blocks, corpus_files};

    fn sample() -> MachineInfo<'static> {
        MachineInfo {
            num_cpus: 8,
            memory_size_bytes: 16 << 30,
            max_pid: 4_194_304,
            boot_ts_epoch: 1_700_000_000_000_000_000,
            flags: 3,
            reserved3: 4,
            reserved4: 5,
            ..MachineInfo::new(b"builder")
        }
    }

    #[test]
    fn round_trip_both_orders() {
        for endian in [Endian::Little, Endian::Big] {
            let mi = sample();
            let mut body = Vec::new();
            mi.encode(&mut body, endian).unwrap();
            assert_eq!(body.len(), MachineInfo::BODY_LEN);
            let back = MachineInfo::parse(MI, &body, endian).unwrap();
            assert_eq!(back.hostname(), b"builder");
            assert_eq!(back.hostname_raw.len(), 128);
            assert_eq!(
                (back.num_cpus, back.memory_size_bytes, back.max_pid),
                (mi.num_cpus, mi.memory_size_bytes, mi.max_pid)
            );
            assert_eq!(
                (
                    back.boot_ts_epoch,
                    back.flags,
                    back.reserved3,
                    back.reserved4
                ),
                (mi.boot_ts_epoch, mi.flags, mi.reserved3, mi.reserved4)
            );
            let mut again = Vec::new();
            back.encode(&mut again, endian).unwrap();
            assert_eq!(again, body);
        }
        let mut body = Vec::new();
        sample().encode(&mut body, Endian::Little).unwrap();
        assert_eq!(
            MachineInfo::parse(MI_INT, &body, Endian::Little)
                .unwrap()
                .block_type(),
            MI_INT
        );
    }

    #[test]
    fn raw_hostname_kept_exactly() {
        let mut body = Vec::new();
        sample().encode(&mut body, Endian::Little).unwrap();
        body[20 + 100] = b'x'; // garbage after the NUL
        let mi = MachineInfo::parse(MI, &body, Endian::Little).unwrap();
        assert_eq!(mi.hostname(), b"builder");
        let mut again = Vec::new();
        mi.encode(&mut again, Endian::Little).unwrap();
        assert_eq!(again, body);
        // A full 128-byte name without a NUL reads whole and writes back unchanged.
        body[20..148].fill(b'a');
        let mi = MachineInfo::parse(MI, &body, Endian::Little).unwrap();
        assert_eq!(mi.hostname().len(), 128);
        let mut again = Vec::new();
        mi.encode(&mut again, Endian::Little).unwrap();
        assert_eq!(again, body);
    }

    #[test]
    fn malformed() {
        let mut body = Vec::new();
        sample().encode(&mut body, Endian::Little).unwrap();
        assert!(matches!(
            MachineInfo::parse(MI, &body[..179], Endian::Little),
            Err(ErrorKind::Overrun { .. })
        ));
        assert!(MachineInfo::parse(MI, &[], Endian::Little).is_err());
        body.extend_from_slice(&[0; 4]);
        assert!(matches!(
            MachineInfo::parse(MI, &body, Endian::Little),
            Err(ErrorKind::Malformed(_))
        ));
        assert!(MachineInfo::parse(0x202, &body[..180], Endian::Little).is_err());
        let long = [b'h'; 129];
        assert!(matches!(
            MachineInfo::new(&long).encode(&mut Vec::new(), Endian::Little),
            Err(ErrorKind::TooLargeToWrite { .. })
        ));
        assert!(
            MachineInfo::new(&long[..128])
                .encode(&mut Vec::new(), Endian::Little)
                .is_ok()
        );
    }

    #[test]
    fn corpus_round_trip() {
        let Some(files) = corpus_files() else {
            return;
        };
        let mut seen = 0;
        for (name, data) in &files {
            for (t, body, endian) in blocks(data) {
                if t != MI && t != MI_INT {
                    continue;
                }
                let mi = MachineInfo::parse(t, body, endian)
                    .unwrap_or_else(|e| panic!("{name}: MI parse: {e}"));
                // The libsinsp 0.25 rewrites in corpus-modern carry an all-zero record.
                if name.starts_with("corpus/") {
                    assert!(mi.num_cpus > 0 && mi.memory_size_bytes > 0, "{name}: sizes");
                    assert!(!mi.hostname().is_empty(), "{name}: hostname");
                }
                let mut out = Vec::new();
                mi.encode(&mut out, endian).unwrap();
                assert_eq!(out, body, "{name}: MI re-encoding differs");
                seen += 1;
            }
        }
        assert!(files.is_empty() || seen > 0);
    }
}

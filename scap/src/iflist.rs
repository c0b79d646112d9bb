//! Interface list blocks (IL `0x205`, IL_V2 `0x219`, pre-release `0x8011ABCD`).
//!
//! Entries are network interface addresses. IL_V2 prefixes each entry with a u32 length that
//! excludes the prefix itself (unlike the PL v9, FDL_V2 and UL_V2 lengths, which include it).
//! [`InterfaceList::parse`] validates the whole body up front without allocating;
//! [`InterfaceList::entries`] decodes entries lazily.

use std::iter::FusedIterator;

use crate::block::types::{IL, IL_INT, IL_V2};
use crate::bytes::{Cursor, Endian};
use crate::error::ErrorKind;

/// Longest interface name libscap accepts (`SCAP_MAX_PATH_SIZE` − 1).
const MAX_NAME: usize = 1023;

/// A validated interface list block body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterfaceList<'a> {
    block_type: u32,
    body: &'a [u8],
    used: usize,
    len: usize,
    endian: Endian,
}

impl<'a> InterfaceList<'a> {
    /// Validates every entry of a block body (padding included).
    pub fn parse(block_type: u32, body: &'a [u8], endian: Endian) -> Result<Self, ErrorKind> {
        let v2 = is_v2(block_type)?;
        let (mut used, mut len) = (0, 0);
        while body.len() - used >= 4 {
            let (_, n) = parse_entry(v2, &body[used..], endian)?;
            used += n;
            len += 1;
        }
        Ok(InterfaceList {
            block_type,
            body,
            used,
            len,
            endian,
        })
    }

    /// The block type code this list was read with.
    pub fn block_type(&self) -> u32 {
        self.block_type
    }

    /// Whether entries carry a length prefix (IL_V2).
    pub fn is_v2(&self) -> bool {
        self.block_type == IL_V2
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole body as given to [`parse`](Self::parse).
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The 0 to 3 bytes after the last entry, ignored as padding.
    pub fn padding(&self) -> &'a [u8] {
        &self.body[self.used..]
    }

    /// The entries, decoded one at a time.
    pub fn entries(&self) -> InterfaceEntries<'a> {
        InterfaceEntries {
            v2: self.is_v2(),
            rest: &self.body[..self.used],
            endian: self.endian,
            left: self.len,
        }
    }

    /// Appends the body (entries re-encoded, no padding) in byte order `endian`.
    pub fn encode(&self, out: &mut Vec<u8>, endian: Endian) -> Result<(), ErrorKind> {
        let start = out.len();
        for e in self.entries() {
            if let Err(k) = e.encode_inner(self.is_v2(), out, endian) {
                out.truncate(start);
                return Err(k);
            }
        }
        Ok(())
    }

    /// Appends a body holding `entries` in the layout of `block_type` (no padding).
    pub fn encode_entries(
        block_type: u32,
        entries: &[InterfaceEntry<'_>],
        out: &mut Vec<u8>,
        endian: Endian,
    ) -> Result<(), ErrorKind> {
        let v2 = is_v2(block_type)?;
        let start = out.len();
        for e in entries {
            if let Err(k) = e.encode_inner(v2, out, endian) {
                out.truncate(start);
                return Err(k);
            }
        }
        Ok(())
    }
}

fn is_v2(block_type: u32) -> Result<bool, ErrorKind> {
    match block_type {
        IL | IL_INT => Ok(false),
        IL_V2 => Ok(true),
        _ => Err(ErrorKind::Malformed("not an interface list block type")),
    }
}

/// Iterator over the entries of an [`InterfaceList`].
#[derive(Debug, Clone)]
pub struct InterfaceEntries<'a> {
    v2: bool,
    rest: &'a [u8],
    endian: Endian,
    left: usize,
}

impl<'a> Iterator for InterfaceEntries<'a> {
    type Item = InterfaceEntry<'a>;

    fn next(&mut self) -> Option<InterfaceEntry<'a>> {
        if self.left == 0 || self.rest.len() < 4 {
            return None;
        }
        match parse_entry(self.v2, self.rest, self.endian) {
            Ok((e, n)) => {
                self.rest = &self.rest[n..];
                self.left -= 1;
                Some(e)
            }
            Err(_) => {
                self.left = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for InterfaceEntries<'_> {}
impl FusedIterator for InterfaceEntries<'_> {}

/// One interface address.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InterfaceEntry<'a> {
    /// IL_V2 entry length as on disk (excludes its own 4 bytes); `None` computes it when
    /// encoding. When `Some(n)` is encoded, `n` must equal the fields plus `extra`.
    pub entry_len: Option<u32>,
    /// The addresses, and the entry type they imply.
    pub addr: InterfaceAddr,
    /// Interface name (not NUL-terminated on disk).
    pub name: &'a [u8],
    /// Bytes of an IL_V2 entry after the name (fields of a newer writer).
    pub extra: &'a [u8],
}

/// The addresses of an interface entry. Addresses are raw bytes in network order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InterfaceAddr {
    /// Entry types 1 (with link speed) and 3 (without).
    Ipv4 {
        /// Address.
        addr: [u8; 4],
        /// Netmask.
        netmask: [u8; 4],
        /// Broadcast address.
        bcast: [u8; 4],
        /// Link speed, absent in type 3 entries.
        linkspeed: Option<u64>,
    },
    /// Entry types 2 (with link speed) and 4 (without).
    Ipv6 {
        /// Address.
        addr: [u8; 16],
        /// Netmask.
        netmask: [u8; 16],
        /// Broadcast address.
        bcast: [u8; 16],
        /// Link speed, absent in type 4 entries.
        linkspeed: Option<u64>,
    },
}

impl InterfaceAddr {
    /// The on-disk entry type: 1 IPv4, 2 IPv6, 3 IPv4 without link speed, 4 IPv6 without.
    pub fn entry_type(&self) -> u16 {
        match self {
            InterfaceAddr::Ipv4 {
                linkspeed: Some(_), ..
            } => 1,
            InterfaceAddr::Ipv6 {
                linkspeed: Some(_), ..
            } => 2,
            InterfaceAddr::Ipv4 {
                linkspeed: None, ..
            } => 3,
            InterfaceAddr::Ipv6 {
                linkspeed: None, ..
            } => 4,
        }
    }

    /// The link speed, if the entry type carries one.
    pub fn linkspeed(&self) -> Option<u64> {
        match *self {
            InterfaceAddr::Ipv4 { linkspeed, .. } | InterfaceAddr::Ipv6 { linkspeed, .. } => {
                linkspeed
            }
        }
    }
}

impl<'a> InterfaceEntry<'a> {
    /// An entry with a computed length and no extra bytes.
    pub fn new(addr: InterfaceAddr, name: &'a [u8]) -> Self {
        InterfaceEntry {
            entry_len: None,
            addr,
            name,
            extra: &[],
        }
    }

    /// Appends this entry in the layout of `block_type` (IL or IL_V2).
    pub fn encode(
        &self,
        block_type: u32,
        out: &mut Vec<u8>,
        endian: Endian,
    ) -> Result<(), ErrorKind> {
        let v2 = is_v2(block_type)?;
        let start = out.len();
        let r = self.encode_inner(v2, out, endian);
        if r.is_err() {
            out.truncate(start);
        }
        r
    }

    fn encode_inner(&self, v2: bool, out: &mut Vec<u8>, endian: Endian) -> Result<(), ErrorKind> {
        if self.name.len() > MAX_NAME {
            return Err(ErrorKind::TooLargeToWrite {
                what: "interface name",
                len: self.name.len() as u64,
                max: MAX_NAME as u64,
            });
        }
        let fixed = match self.addr {
            InterfaceAddr::Ipv4 { .. } => 16,
            InterfaceAddr::Ipv6 { .. } => 52,
        } + if self.addr.linkspeed().is_some() {
            8
        } else {
            0
        };
        let body_len = fixed + self.name.len() + self.extra.len();
        if v2 {
            let n = match self.entry_len {
                None => body_len,
                Some(n) if n as usize == body_len => body_len,
                Some(_) => {
                    return Err(ErrorKind::Malformed(
                        "interface entry length disagrees with its fields and extra bytes",
                    ));
                }
            };
            let n = u32::try_from(n).map_err(|_| ErrorKind::TooLargeToWrite {
                what: "interface entry length",
                len: n as u64,
                max: u32::MAX as u64,
            })?;
            endian.put_u32(out, n);
        } else if !self.extra.is_empty() {
            return Err(ErrorKind::Malformed(
                "extra interface entry bytes need an IL_V2 entry length",
            ));
        }
        endian.put_u16(out, self.addr.entry_type());
        endian.put_u16(out, self.name.len() as u16);
        match self.addr {
            InterfaceAddr::Ipv4 {
                addr,
                netmask,
                bcast,
                ..
            } => {
                out.extend_from_slice(&addr);
                out.extend_from_slice(&netmask);
                out.extend_from_slice(&bcast);
            }
            InterfaceAddr::Ipv6 {
                addr,
                netmask,
                bcast,
                ..
            } => {
                out.extend_from_slice(&addr);
                out.extend_from_slice(&netmask);
                out.extend_from_slice(&bcast);
            }
        }
        if let Some(speed) = self.addr.linkspeed() {
            endian.put_u64(out, speed);
        }
        out.extend_from_slice(self.name);
        out.extend_from_slice(self.extra);
        Ok(())
    }
}

fn array<const N: usize>(c: &mut Cursor<'_>) -> Result<[u8; N], ErrorKind> {
    let b = c.bytes(N, "interface address")?;
    let mut a = [0u8; N];
    a.copy_from_slice(b);
    Ok(a)
}

/// Parses one entry at the start of `buf`; returns it and its on-disk size.
fn parse_entry(
    v2: bool,
    buf: &[u8],
    endian: Endian,
) -> Result<(InterfaceEntry<'_>, usize), ErrorKind> {
    let mut c = Cursor::new(buf, endian);
    let entry_len = if v2 {
        Some(c.u32("interface entry length")?)
    } else {
        None
    };
    if let Some(n) = entry_len
        && n as usize > c.remaining()
    {
        return Err(ErrorKind::Overrun {
            what: "interface entry",
            needed: n as u64,
            available: c.remaining() as u64,
        });
    }
    let ty = c.u16("interface type")?;
    let name_len = c.u16("interface name length")? as usize;
    if !(1..=4).contains(&ty) {
        return Err(ErrorKind::UnknownInterfaceType(ty));
    }
    if name_len > MAX_NAME {
        return Err(ErrorKind::StringTooLong {
            what: "interface name",
            len: name_len as u64,
            max: MAX_NAME as u64,
        });
    }
    let with_speed = ty <= 2;
    let addr = if ty % 2 == 1 {
        let (addr, netmask, bcast) = (array(&mut c)?, array(&mut c)?, array(&mut c)?);
        let linkspeed = if with_speed {
            Some(c.u64("interface link speed")?)
        } else {
            None
        };
        InterfaceAddr::Ipv4 {
            addr,
            netmask,
            bcast,
            linkspeed,
        }
    } else {
        let (addr, netmask, bcast) = (array(&mut c)?, array(&mut c)?, array(&mut c)?);
        let linkspeed = if with_speed {
            Some(c.u64("interface link speed")?)
        } else {
            None
        };
        InterfaceAddr::Ipv6 {
            addr,
            netmask,
            bcast,
            linkspeed,
        }
    };
    let name = c.bytes(name_len, "interface name")?;
    let core = c.pos();
    let Some(n) = entry_len else {
        return Ok((
            InterfaceEntry {
                entry_len,
                addr,
                name,
                extra: &[],
            },
            core,
        ));
    };
    let end = 4 + n as usize;
    if end < core {
        return Err(ErrorKind::Malformed(
            "interface entry length is smaller than its fields",
        ));
    }
    Ok((
        InterfaceEntry {
            entry_len,
            addr,
            name,
            extra: &buf[core..end],
        },
        end,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{Rng, blocks, corpus_files, pad4};

    const V6: [u8; 16] = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
    const MASK6: [u8; 16] = [0xff; 16];

    fn sample() -> Vec<InterfaceEntry<'static>> {
        vec![
            InterfaceEntry::new(
                InterfaceAddr::Ipv4 {
                    addr: [127, 0, 0, 1],
                    netmask: [255, 0, 0, 0],
                    bcast: [127, 0, 0, 1],
                    linkspeed: Some(0),
                },
                b"lo",
            ),
            InterfaceEntry::new(
                InterfaceAddr::Ipv4 {
                    addr: [10, 0, 0, 79],
                    netmask: [255, 255, 255, 0],
                    bcast: [10, 0, 0, 255],
                    linkspeed: Some(10_000),
                },
                b"eth0",
            ),
            InterfaceEntry::new(
                InterfaceAddr::Ipv6 {
                    addr: V6,
                    netmask: MASK6,
                    bcast: [0; 16],
                    linkspeed: Some(1),
                },
                b"eth0",
            ),
            InterfaceEntry::new(
                InterfaceAddr::Ipv4 {
                    addr: [1, 2, 3, 4],
                    netmask: [5, 6, 7, 8],
                    bcast: [9, 10, 11, 12],
                    linkspeed: None,
                },
                b"tun0",
            ),
            InterfaceEntry::new(
                InterfaceAddr::Ipv6 {
                    addr: V6,
                    netmask: MASK6,
                    bcast: V6,
                    linkspeed: None,
                },
                b"",
            ),
        ]
    }

    #[test]
    fn round_trip_both_versions_and_orders() {
        for bt in [IL, IL_INT, IL_V2] {
            for endian in [Endian::Little, Endian::Big] {
                let mut entries = sample();
                if bt == IL_V2 {
                    entries[1].extra = b"\x01\x02\x03";
                }
                let mut body = Vec::new();
                InterfaceList::encode_entries(bt, &entries, &mut body, endian).unwrap();
                let il = InterfaceList::parse(bt, &body, endian).unwrap();
                assert_eq!(
                    (il.len(), il.block_type(), il.is_v2()),
                    (5, bt, bt == IL_V2)
                );
                for (got, want) in il.entries().zip(&entries) {
                    let mut want = want.clone();
                    if bt == IL_V2 {
                        want.entry_len = got.entry_len;
                        let fixed = [24, 60, 16, 52][usize::from(want.addr.entry_type() - 1)];
                        let n = fixed + want.name.len() + want.extra.len();
                        assert_eq!(
                            got.entry_len,
                            Some(n as u32),
                            "IL_V2 length excludes itself"
                        );
                    }
                    assert_eq!(got, want);
                }
                let types: Vec<u16> = il.entries().map(|e| e.addr.entry_type()).collect();
                assert_eq!(types, [1, 1, 2, 3, 4]);
                let mut again = Vec::new();
                il.encode(&mut again, endian).unwrap();
                assert_eq!(again, body);
                let other = if endian == Endian::Little {
                    Endian::Big
                } else {
                    Endian::Little
                };
                let mut swapped = Vec::new();
                il.encode(&mut swapped, other).unwrap();
                assert!(
                    InterfaceList::parse(bt, &swapped, other)
                        .unwrap()
                        .entries()
                        .eq(il.entries())
                );
            }
        }
    }

    #[test]
    fn sizes_match_the_format() {
        // Fixed sizes 24 + n, 60 + n, 16 + n, 52 + n (IL v1).
        for (e, size) in sample().iter().zip([26, 28, 64, 20, 52]) {
            let mut out = Vec::new();
            e.encode(IL, &mut out, Endian::Little).unwrap();
            assert_eq!(out.len(), size);
            let mut out2 = Vec::new();
            e.encode(IL_V2, &mut out2, Endian::Little).unwrap();
            assert_eq!(out2.len(), size + 4);
        }
    }

    #[test]
    fn malformed_inputs() {
        let le = Endian::Little;
        assert!(InterfaceList::parse(0x203, &[], le).is_err());
        for bt in [IL, IL_V2] {
            let off = if bt == IL_V2 { 4 } else { 0 };
            let mut body = Vec::new();
            InterfaceList::encode_entries(bt, &sample()[..1], &mut body, le).unwrap();
            for bad in [0u16, 5, 0xffff] {
                let mut b = body.clone();
                b[off..off + 2].copy_from_slice(&bad.to_le_bytes());
                assert_eq!(
                    InterfaceList::parse(bt, &b, le),
                    Err(ErrorKind::UnknownInterfaceType(bad))
                );
            }
            let mut b = body.clone();
            b[off + 2..off + 4].copy_from_slice(&1024u16.to_le_bytes());
            assert!(matches!(
                InterfaceList::parse(bt, &b, le),
                Err(ErrorKind::StringTooLong {
                    len: 1024,
                    max: 1023,
                    ..
                })
            ));
            // Name running past the body.
            let mut b = body.clone();
            b[off + 2..off + 4].copy_from_slice(&3u16.to_le_bytes());
            assert!(InterfaceList::parse(bt, &b, le).is_err());
        }
        let mut body = Vec::new();
        InterfaceList::encode_entries(IL_V2, &sample(), &mut body, le).unwrap();
        let first = u32::from_le_bytes(body[..4].try_into().unwrap());
        for bad in [0, 4, first - 1] {
            let mut b = body.clone();
            b[..4].copy_from_slice(&bad.to_le_bytes());
            assert!(
                InterfaceList::parse(IL_V2, &b, le).is_err(),
                "entry_len {bad}"
            );
        }
        let mut b = body.clone();
        b[..4].copy_from_slice(&(body.len() as u32 - 3).to_le_bytes());
        assert!(matches!(
            InterfaceList::parse(IL_V2, &b, le),
            Err(ErrorKind::Overrun { .. })
        ));
        let long = [b'x'; 1024];
        let mut out = vec![5];
        let e = InterfaceEntry::new(sample()[0].addr, &long);
        assert!(matches!(
            InterfaceList::encode_entries(IL_V2, &[e], &mut out, le),
            Err(ErrorKind::TooLargeToWrite { .. })
        ));
        assert_eq!(out, [5]);
        let e = InterfaceEntry {
            extra: b"x",
            ..sample()[0].clone()
        };
        assert!(e.encode(IL, &mut out, le).is_err());
        let e = InterfaceEntry {
            entry_len: Some(3),
            ..sample()[0].clone()
        };
        assert!(e.encode(IL_V2, &mut out, le).is_err());
    }

    #[test]
    fn truncation_never_panics_and_errors_mid_entry() {
        for bt in [IL, IL_V2] {
            let (mut body, mut ends) = (Vec::new(), vec![0]);
            for e in sample() {
                e.encode(bt, &mut body, Endian::Little).unwrap();
                ends.push(body.len());
            }
            for cut in 0..=body.len() {
                let r = InterfaceList::parse(bt, &body[..cut], Endian::Little);
                let clean = ends.iter().any(|&x| (x..x + 4).contains(&cut));
                assert_eq!(r.is_ok(), clean, "{bt:#x} cut at {cut}");
            }
        }
    }

    #[test]
    fn mutated_bodies_parse_or_fail_cleanly_and_round_trip() {
        let mut rng = Rng(0xD1B5_4A32_D192_ED03);
        for bt in [IL, IL_V2] {
            let mut orig = Vec::new();
            InterfaceList::encode_entries(bt, &sample(), &mut orig, Endian::Little).unwrap();
            for _ in 0..5000 {
                let mut b = orig.clone();
                for _ in 0..=rng.below(4) {
                    let i = rng.below(b.len());
                    b[i] = match rng.below(3) {
                        0 => 0,
                        1 => 0xff,
                        _ => rng.next() as u8,
                    };
                }
                b.truncate(b.len() - rng.below(3));
                if let Ok(il) = InterfaceList::parse(bt, &b, Endian::Little) {
                    assert_eq!(il.entries().count(), il.len());
                    let mut again = Vec::new();
                    il.encode(&mut again, Endian::Little).unwrap();
                    assert_eq!(again, b[..b.len() - il.padding().len()]);
                }
            }
        }
    }

    #[test]
    fn corpus_round_trip() {
        let Some(files) = corpus_files() else {
            return;
        };
        let mut seen = 0;
        for (name, data) in &files {
            for (t, body, endian) in blocks(data) {
                if !matches!(t, IL | IL_INT | IL_V2) {
                    continue;
                }
                let il = InterfaceList::parse(t, body, endian)
                    .unwrap_or_else(|e| panic!("{name}: IL parse: {e}"));
                assert!(!il.is_empty(), "{name}: empty interface list");
                assert_eq!(il.entries().count(), il.len());
                assert!(il.entries().any(|e| e.name == b"lo"), "{name}: no loopback");
                let mut out = Vec::new();
                il.encode(&mut out, endian).unwrap();
                pad4(&mut out);
                assert_eq!(out, body, "{name}: IL re-encoding differs");
                seen += 1;
            }
        }
        assert!(files.is_empty() || seen > 0);
    }
}

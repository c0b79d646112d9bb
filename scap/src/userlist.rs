//! User and group list blocks (UL `0x206`, UL_V2 `0x220`, pre-release `0x8012ABCD`).
//!
//! [`UserList::parse`] validates the whole body up front without allocating;
//! [`UserList::entries`] decodes users and groups lazily, borrowing strings from the body.

use std::iter::FusedIterator;

use crate::block::types::{UL, UL_INT, UL_V2};
use crate::bytes::{Cursor, Endian, put_str16};
use crate::error::ErrorKind;

/// Longest name, home directory or shell libscap accepts (`MAX_CREDENTIALS_STR_LEN` − 1).
const MAX_STR: usize = 255;

/// A validated user list block body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserList<'a> {
    block_type: u32,
    body: &'a [u8],
    used: usize,
    len: usize,
    endian: Endian,
}

impl<'a> UserList<'a> {
    /// Validates every entry of a block body (padding included).
    pub fn parse(block_type: u32, body: &'a [u8], endian: Endian) -> Result<Self, ErrorKind> {
        let v2 = is_v2(block_type)?;
        let (mut used, mut len) = (0, 0);
        while body.len() - used >= 4 {
            let (_, n) = parse_entry(v2, &body[used..], endian)?;
            used += n;
            len += 1;
        }
        Ok(UserList {
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

    /// Whether entries carry a length prefix (UL_V2).
    pub fn is_v2(&self) -> bool {
        self.block_type == UL_V2
    }

    /// The number of entries, users and groups together.
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

    /// The entries, decoded one at a time, in file order.
    pub fn entries(&self) -> UserEntries<'a> {
        UserEntries {
            v2: self.is_v2(),
            rest: &self.body[..self.used],
            endian: self.endian,
            left: self.len,
        }
    }

    /// The users only.
    pub fn users(&self) -> impl Iterator<Item = User<'a>> + use<'a> {
        self.entries().filter_map(|e| match e.record {
            UserRecord::User(u) => Some(u),
            UserRecord::Group(_) => None,
        })
    }

    /// The groups only.
    pub fn groups(&self) -> impl Iterator<Item = Group<'a>> + use<'a> {
        self.entries().filter_map(|e| match e.record {
            UserRecord::Group(g) => Some(g),
            UserRecord::User(_) => None,
        })
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
        entries: &[UserEntry<'_>],
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
        UL | UL_INT => Ok(false),
        UL_V2 => Ok(true),
        _ => Err(ErrorKind::Malformed("not a user list block type")),
    }
}

/// Iterator over the entries of a [`UserList`].
#[derive(Debug, Clone)]
pub struct UserEntries<'a> {
    v2: bool,
    rest: &'a [u8],
    endian: Endian,
    left: usize,
}

impl<'a> Iterator for UserEntries<'a> {
    type Item = UserEntry<'a>;

    fn next(&mut self) -> Option<UserEntry<'a>> {
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

impl ExactSizeIterator for UserEntries<'_> {}
impl FusedIterator for UserEntries<'_> {}

/// One entry of a user list: a user or a group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserEntry<'a> {
    /// UL_V2 entry length as on disk (includes itself); `None` computes it when encoding.
    /// When `Some(n)` is encoded, `n` must equal the fields plus `extra`; `Some(0)` is
    /// libscap's "no length" (no extra bytes).
    pub entry_len: Option<u32>,
    /// The user or group.
    pub record: UserRecord<'a>,
    /// Bytes of a UL_V2 entry after the last known field (fields of a newer writer).
    pub extra: &'a [u8],
}

/// A user or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserRecord<'a> {
    /// Kind byte 0.
    User(User<'a>),
    /// Any other kind byte.
    Group(Group<'a>),
}

/// A user account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct User<'a> {
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Login name.
    pub name: &'a [u8],
    /// Home directory.
    pub homedir: &'a [u8],
    /// Login shell.
    pub shell: &'a [u8],
}

/// A group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Group<'a> {
    /// The kind byte as stored: anything but 0 means group (libscap writes 1).
    pub kind: u8,
    /// Group id.
    pub gid: u32,
    /// Group name.
    pub name: &'a [u8],
}

impl<'a> UserEntry<'a> {
    /// A user entry with a computed length.
    pub fn user(uid: u32, gid: u32, name: &'a [u8], homedir: &'a [u8], shell: &'a [u8]) -> Self {
        UserEntry {
            entry_len: None,
            record: UserRecord::User(User {
                uid,
                gid,
                name,
                homedir,
                shell,
            }),
            extra: &[],
        }
    }

    /// A group entry (kind byte 1) with a computed length.
    pub fn group(gid: u32, name: &'a [u8]) -> Self {
        UserEntry {
            entry_len: None,
            record: UserRecord::Group(Group { kind: 1, gid, name }),
            extra: &[],
        }
    }

    /// Appends this entry in the layout of `block_type` (UL or UL_V2).
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
        let start = out.len();
        if v2 {
            endian.put_u32(out, 0);
        } else if !self.extra.is_empty() {
            return Err(ErrorKind::Malformed(
                "extra user entry bytes need a UL_V2 entry length",
            ));
        }
        match self.record {
            UserRecord::User(u) => {
                out.push(0);
                endian.put_u32(out, u.uid);
                endian.put_u32(out, u.gid);
                put_limited(out, endian, u.name, "user name")?;
                put_limited(out, endian, u.homedir, "user home directory")?;
                put_limited(out, endian, u.shell, "user shell")?;
            }
            UserRecord::Group(g) => {
                if g.kind == 0 {
                    return Err(ErrorKind::Malformed("a group's kind byte must not be 0"));
                }
                out.push(g.kind);
                endian.put_u32(out, g.gid);
                put_limited(out, endian, g.name, "group name")?;
            }
        }
        if !v2 {
            return Ok(());
        }
        let core = out.len() - start;
        let n = match self.entry_len {
            Some(0) if self.extra.is_empty() => return Ok(()),
            Some(n) if n as usize == core + self.extra.len() => n as usize,
            Some(_) => {
                return Err(ErrorKind::Malformed(
                    "user entry length disagrees with its fields and extra bytes",
                ));
            }
            None => core + self.extra.len(),
        };
        out.extend_from_slice(self.extra);
        let n = u32::try_from(n).map_err(|_| ErrorKind::TooLargeToWrite {
            what: "user entry length",
            len: n as u64,
            max: u32::MAX as u64,
        })?;
        let b = match endian {
            Endian::Little => n.to_le_bytes(),
            Endian::Big => n.to_be_bytes(),
        };
        out[start..start + 4].copy_from_slice(&b);
        Ok(())
    }
}

fn put_limited(
    out: &mut Vec<u8>,
    endian: Endian,
    s: &[u8],
    what: &'static str,
) -> Result<(), ErrorKind> {
    if s.len() > MAX_STR {
        return Err(ErrorKind::TooLargeToWrite {
            what,
            len: s.len() as u64,
            max: MAX_STR as u64,
        });
    }
    put_str16(out, endian, s, what)
}

/// Parses one entry at the start of `buf`; returns it and its on-disk size.
fn parse_entry(v2: bool, buf: &[u8], endian: Endian) -> Result<(UserEntry<'_>, usize), ErrorKind> {
    let mut c = Cursor::new(buf, endian);
    let entry_len = if v2 {
        Some(c.u32("user entry length")?)
    } else {
        None
    };
    let kind = c.u8("user entry kind")?;
    let record = if kind == 0 {
        UserRecord::User(User {
            uid: c.u32("user uid")?,
            gid: c.u32("user gid")?,
            name: c.str16("user name", MAX_STR)?,
            homedir: c.str16("user home directory", MAX_STR)?,
            shell: c.str16("user shell", MAX_STR)?,
        })
    } else {
        UserRecord::Group(Group {
            kind,
            gid: c.u32("group gid")?,
            name: c.str16("group name", MAX_STR)?,
        })
    };
    let core = c.pos();
    let n = match entry_len {
        None | Some(0) => {
            return Ok((
                UserEntry {
                    entry_len,
                    record,
                    extra: &[],
                },
                core,
            ));
        }
        Some(n) => n as usize,
    };
    if n < core {
        return Err(ErrorKind::Malformed(
            "user entry length is smaller than its fields",
        ));
    }
    if n > buf.len() {
        return Err(ErrorKind::Overrun {
            what: "user entry",
            needed: n as u64,
            available: buf.len() as u64,
        });
    }
    Ok((
        UserEntry {
            entry_len,
            record,
            extra: &buf[core..n],
        },
        n,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{Rng, blocks, corpus_files, pad4};

    fn sample() -> Vec<UserEntry<'static>> {
        vec![
            UserEntry::user(0, 0, b"root", b"/root", b"/bin/bash"),
            UserEntry::user(
                65534,
                65534,
                b"nobody",
                b"/nonexistent",
                b"/usr/sbin/nologin",
            ),
            UserEntry::group(0, b"root"),
            UserEntry::user(1000, 1000, b"", b"", b""),
            UserEntry::group(4, b"adm"),
        ]
    }

    #[test]
    fn round_trip_both_versions_and_orders() {
        for bt in [UL, UL_INT, UL_V2] {
            for endian in [Endian::Little, Endian::Big] {
                let mut entries = sample();
                if bt == UL_V2 {
                    entries[2].extra = b"\x09\x09";
                }
                let mut body = Vec::new();
                UserList::encode_entries(bt, &entries, &mut body, endian).unwrap();
                let ul = UserList::parse(bt, &body, endian).unwrap();
                assert_eq!(
                    (ul.len(), ul.block_type(), ul.is_v2()),
                    (5, bt, bt == UL_V2)
                );
                for (got, want) in ul.entries().zip(&entries) {
                    let mut want = want.clone();
                    if bt == UL_V2 {
                        assert!(got.entry_len.is_some());
                        want.entry_len = got.entry_len;
                    }
                    assert_eq!(got, want);
                }
                assert_eq!(ul.users().count(), 3);
                assert_eq!(
                    ul.groups().map(|g| g.name).collect::<Vec<_>>(),
                    [&b"root"[..], b"adm"]
                );
                let mut again = Vec::new();
                ul.encode(&mut again, endian).unwrap();
                assert_eq!(again, body);
                let other = if endian == Endian::Little {
                    Endian::Big
                } else {
                    Endian::Little
                };
                let mut swapped = Vec::new();
                ul.encode(&mut swapped, other).unwrap();
                assert!(
                    UserList::parse(bt, &swapped, other)
                        .unwrap()
                        .entries()
                        .eq(ul.entries())
                );
            }
        }
    }

    #[test]
    fn any_nonzero_kind_is_a_group_and_is_kept() {
        let mut body = Vec::new();
        UserEntry::group(7, b"g")
            .encode(UL_V2, &mut body, Endian::Little)
            .unwrap();
        body[4] = 0xAB;
        let ul = UserList::parse(UL_V2, &body, Endian::Little).unwrap();
        let e = ul.entries().next().unwrap();
        assert!(matches!(
            e.record,
            UserRecord::Group(Group {
                kind: 0xAB,
                gid: 7,
                ..
            })
        ));
        let mut again = Vec::new();
        ul.encode(&mut again, Endian::Little).unwrap();
        assert_eq!(again, body);
    }

    #[test]
    fn zero_entry_len_means_no_length() {
        let mut body = Vec::new();
        let e = UserEntry {
            entry_len: Some(0),
            ..UserEntry::group(7, b"g")
        };
        UserList::encode_entries(UL_V2, &[e.clone(), e], &mut body, Endian::Little).unwrap();
        let ul = UserList::parse(UL_V2, &body, Endian::Little).unwrap();
        assert_eq!(ul.len(), 2);
        let mut again = Vec::new();
        ul.encode(&mut again, Endian::Little).unwrap();
        assert_eq!(again, body);
    }

    #[test]
    fn malformed_inputs() {
        let le = Endian::Little;
        assert!(UserList::parse(0x205, &[], le).is_err());
        let long = [b'x'; 256];
        for bt in [UL, UL_V2] {
            let off = if bt == UL_V2 { 4 } else { 0 };
            let mut body = Vec::new();
            UserEntry::user(1, 2, b"n", &long[..255], b"s")
                .encode(bt, &mut body, le)
                .unwrap();
            assert!(UserList::parse(bt, &body, le).is_ok());
            // homedir length 256 (after kind, uid, gid, name).
            let at = off + 1 + 8 + 3;
            body[at..at + 2].copy_from_slice(&256u16.to_le_bytes());
            assert!(matches!(
                UserList::parse(bt, &body, le),
                Err(ErrorKind::StringTooLong {
                    len: 256,
                    max: 255,
                    ..
                })
            ));
            let mut out = vec![3];
            let e = UserEntry::user(1, 2, b"n", b"h", &long);
            assert!(matches!(
                UserList::encode_entries(bt, &[e], &mut out, le),
                Err(ErrorKind::TooLargeToWrite { .. })
            ));
            assert_eq!(out, [3]);
        }
        let mut body = Vec::new();
        UserList::encode_entries(UL_V2, &sample(), &mut body, le).unwrap();
        let first = u32::from_le_bytes(body[..4].try_into().unwrap());
        for bad in [1, 4, first - 1] {
            let mut b = body.clone();
            b[..4].copy_from_slice(&bad.to_le_bytes());
            assert!(matches!(
                UserList::parse(UL_V2, &b, le),
                Err(ErrorKind::Malformed(_))
            ));
        }
        let mut b = body.clone();
        b[..4].copy_from_slice(&(body.len() as u32 + 1).to_le_bytes());
        assert!(matches!(
            UserList::parse(UL_V2, &b, le),
            Err(ErrorKind::Overrun { .. })
        ));
        let g0 = UserEntry {
            record: UserRecord::Group(Group {
                kind: 0,
                gid: 1,
                name: b"",
            }),
            ..UserEntry::group(1, b"")
        };
        assert!(g0.encode(UL, &mut Vec::new(), le).is_err());
        let e = UserEntry {
            extra: b"x",
            ..UserEntry::group(1, b"")
        };
        assert!(e.encode(UL, &mut Vec::new(), le).is_err());
        assert!(
            UserEntry {
                entry_len: Some(2),
                ..e
            }
            .encode(UL_V2, &mut Vec::new(), le)
            .is_err()
        );
    }

    #[test]
    fn truncation_never_panics_and_errors_mid_entry() {
        for bt in [UL, UL_V2] {
            let (mut body, mut ends) = (Vec::new(), vec![0]);
            for e in sample() {
                e.encode(bt, &mut body, Endian::Little).unwrap();
                ends.push(body.len());
            }
            for cut in 0..=body.len() {
                let r = UserList::parse(bt, &body[..cut], Endian::Little);
                let clean = ends.iter().any(|&x| (x..x + 4).contains(&cut));
                assert_eq!(r.is_ok(), clean, "{bt:#x} cut at {cut}");
            }
        }
    }

    #[test]
    fn mutated_bodies_parse_or_fail_cleanly_and_round_trip() {
        let mut rng = Rng(0xA076_1D64_78BD_642F);
        for bt in [UL, UL_V2] {
            let mut orig = Vec::new();
            UserList::encode_entries(bt, &sample(), &mut orig, Endian::Little).unwrap();
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
                if let Ok(ul) = UserList::parse(bt, &b, Endian::Little) {
                    assert_eq!(ul.entries().count(), ul.len());
                    let mut again = Vec::new();
                    ul.encode(&mut again, Endian::Little).unwrap();
                    assert_eq!(again, b[..b.len() - ul.padding().len()]);
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
                if !matches!(t, UL | UL_INT | UL_V2) {
                    continue;
                }
                let ul = UserList::parse(t, body, endian)
                    .unwrap_or_else(|e| panic!("{name}: UL parse: {e}"));
                assert_eq!(ul.entries().count(), ul.len());
                let mut out = Vec::new();
                ul.encode(&mut out, endian).unwrap();
                pad4(&mut out);
                assert_eq!(out, body, "{name}: UL re-encoding differs");
                seen += 1;
            }
        }
        assert!(files.is_empty() || seen > 0);
    }
}

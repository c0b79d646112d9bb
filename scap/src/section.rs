//! The section header block: byte order, format version, and pcapng options.

use crate::bytes::Endian;
use crate::error::ErrorKind;

/// The byte-order magic as written in the writer's own order.
pub const BYTE_ORDER_MAGIC: u32 = 0x1A2B3C4D;

/// Option code of a comment (pcapng `opt_comment`).
pub const OPT_COMMENT: u16 = 1;
/// Option code that ends the option list.
pub const OPT_END: u16 = 0;

/// A section header: every block up to the next one uses its byte order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionHeader<'a> {
    /// Byte order of the section, from its magic.
    pub endian: Endian,
    /// Major version (1 in every known capture).
    pub major: u16,
    /// Minor version (0 to 2 in known captures; not checked, as in libscap).
    pub minor: u16,
    /// Section length, usually `u64::MAX` (unspecified).
    pub section_length: u64,
    /// The raw pcapng option bytes after the fixed fields (libscap writes none).
    pub options: &'a [u8],
}

impl<'a> SectionHeader<'a> {
    /// Size of the fixed part of the body.
    pub const FIXED_LEN: usize = 16;

    /// The byte order a section body declares, from its first four bytes.
    pub fn detect_endian(body: &[u8]) -> Result<Endian, ErrorKind> {
        let magic = Endian::Little.u32(body, 0).ok_or(ErrorKind::Truncated {
            needed: 4,
            available: body.len() as u64,
        })?;
        if magic == BYTE_ORDER_MAGIC {
            Ok(Endian::Little)
        } else if magic.swap_bytes() == BYTE_ORDER_MAGIC {
            Ok(Endian::Big)
        } else {
            Err(ErrorKind::BadMagic(magic))
        }
    }

    /// Parses a section header body (everything between block header and trailer).
    pub fn parse(body: &'a [u8]) -> Result<Self, ErrorKind> {
        let endian = Self::detect_endian(body)?;
        if body.len() < Self::FIXED_LEN {
            return Err(ErrorKind::Truncated {
                needed: Self::FIXED_LEN as u64,
                available: body.len() as u64,
            });
        }
        let major = endian.u16(body, 4).unwrap_or_default();
        let minor = endian.u16(body, 6).unwrap_or_default();
        if major != 1 {
            return Err(ErrorKind::UnsupportedVersion { major, minor });
        }
        Ok(SectionHeader {
            endian,
            major,
            minor,
            section_length: endian.u64(body, 8).unwrap_or_default(),
            options: &body[Self::FIXED_LEN..],
        })
    }

    /// A little-endian version 1.2 header without options, as libscap writes today.
    pub fn current() -> SectionHeader<'static> {
        SectionHeader {
            endian: Endian::Little,
            major: 1,
            minor: 2,
            section_length: u64::MAX,
            options: &[],
        }
    }

    /// The options as `(code, value)` pairs; iteration stops at the end-of-options marker or at
    /// the first malformed option.
    pub fn iter_options(&self) -> Options<'a> {
        Options {
            rest: self.options,
            endian: self.endian,
        }
    }

    /// The first comment option, if any.
    pub fn comment(&self) -> Option<&'a [u8]> {
        self.iter_options()
            .find(|&(c, _)| c == OPT_COMMENT)
            .map(|(_, v)| v)
    }

    /// Appends the body bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let e = self.endian;
        e.put_u32(out, BYTE_ORDER_MAGIC);
        e.put_u16(out, self.major);
        e.put_u16(out, self.minor);
        e.put_u64(out, self.section_length);
        out.extend_from_slice(self.options);
    }
}

/// Iterator over pcapng options (`u16 code, u16 length, value padded to 4`).
#[derive(Debug, Clone)]
pub struct Options<'a> {
    rest: &'a [u8],
    endian: Endian,
}

impl<'a> Iterator for Options<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let code = self.endian.u16(self.rest, 0)?;
        let len = self.endian.u16(self.rest, 2)? as usize;
        if code == OPT_END {
            self.rest = &[];
            return None;
        }
        let value = self.rest.get(4..4 + len)?;
        let padded = 4 + len.div_ceil(4) * 4;
        self.rest = self.rest.get(padded..).unwrap_or(&[]);
        Some((code, value))
    }
}

/// Encodes pcapng options, each value padded to 4 bytes, ending with an end-of-options marker.
pub fn encode_options(endian: Endian, options: &[(u16, &[u8])]) -> Result<Vec<u8>, ErrorKind> {
    let mut out = Vec::new();
    for &(code, value) in options {
        let len = u16::try_from(value.len()).map_err(|_| ErrorKind::TooLargeToWrite {
            what: "option value",
            len: value.len() as u64,
            max: u16::MAX as u64,
        })?;
        endian.put_u16(&mut out, code);
        endian.put_u16(&mut out, len);
        out.extend_from_slice(value);
        out.resize(out.len() + (4 - value.len() % 4) % 4, 0);
    }
    endian.put_u16(&mut out, OPT_END);
    endian.put_u16(&mut out, 0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_comment() {
        let opts = encode_options(Endian::Little, &[(OPT_COMMENT, b"hello")]).unwrap();
        let shb = SectionHeader {
            options: &opts,
            ..SectionHeader::current()
        };
        let mut body = Vec::new();
        shb.encode(&mut body);
        let back = SectionHeader::parse(&body).unwrap();
        assert_eq!(back, shb);
        assert_eq!(back.comment(), Some(&b"hello"[..]));
    }

    #[test]
    fn big_endian_and_bad_magic() {
        let shb = SectionHeader {
            endian: Endian::Big,
            ..SectionHeader::current()
        };
        let mut body = Vec::new();
        shb.encode(&mut body);
        assert_eq!(SectionHeader::parse(&body).unwrap().endian, Endian::Big);
        body[0] ^= 0xff;
        assert!(matches!(
            SectionHeader::parse(&body),
            Err(ErrorKind::BadMagic(_))
        ));
    }

    #[test]
    fn rejects_major_2() {
        let shb = SectionHeader {
            major: 2,
            ..SectionHeader::current()
        };
        let mut body = Vec::new();
        shb.encode(&mut body);
        assert_eq!(
            SectionHeader::parse(&body),
            Err(ErrorKind::UnsupportedVersion { major: 2, minor: 2 })
        );
    }
}

//! Where rendered text goes: a `String` (a field's value, borrowed by the caller) or the bytes
//! of an output line (`Vec<u8>`), written to the same way and without `core::fmt` for the
//! common pieces (integers, names, paths, buffers).
//!
//! Everything written is UTF-8, so a `Vec<u8>` filled through [`Text`] always holds valid
//! text.

use std::fmt;

/// Two decimal digits for every number below 100.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// The two digits of `v` (below 100).
#[inline(always)]
pub(crate) fn pair(v: u32) -> [u8; 2] {
    let d = v as usize * 2;
    [PAIRS[d], PAIRS[d + 1]]
}

/// The decimal digits of `v`, at the end of `buf`; returns where they start.
#[inline]
pub(crate) fn u64_digits(mut v: u64, buf: &mut [u8; 20]) -> usize {
    let mut i = buf.len();
    while v >= 100 {
        let d = (v % 100) as u32;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&pair(d));
    }
    if v >= 10 {
        i -= 2;
        buf[i..i + 2].copy_from_slice(&pair(v as u32));
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    i
}

/// `v` (below 10^9) as nine digits, zero-padded.
#[inline]
pub(crate) fn nine_digits(v: u32) -> [u8; 9] {
    let (hi, lo) = (v / 100_000_000, v % 100_000_000);
    let (a, b) = (lo / 1_000_000, lo % 1_000_000);
    let (c, d) = (b / 10_000, b % 10_000);
    let (e, f) = (d / 100, d % 100);
    let [a0, a1] = pair(a);
    let [c0, c1] = pair(c);
    let [e0, e1] = pair(e);
    let [f0, f1] = pair(f);
    [b'0' + hi as u8, a0, a1, c0, c1, e0, e1, f0, f1]
}

/// A text buffer rendering writes into.
pub(crate) trait Text {
    /// Bytes written so far.
    fn len(&self) -> usize;
    /// Cuts back to `len` bytes (always a character boundary: a length taken before).
    fn truncate(&mut self, len: usize);
    /// Appends text.
    fn push_str(&mut self, s: &str);
    /// Appends bytes that are all ASCII.
    fn push_ascii(&mut self, b: &[u8]);
    /// Appends one ASCII byte.
    fn push_byte(&mut self, c: u8);
    /// Appends a character.
    fn push_char(&mut self, c: char);
    /// Appends bytes as text: as they are when they are UTF-8, else with each invalid
    /// sequence replaced by U+FFFD.
    fn push_lossy(&mut self, b: &[u8]);
    /// Appends printable ASCII as it is and any other byte as `.` (libsinsp's buffers).
    fn push_printable(&mut self, b: &[u8]);
    /// Appends the printable ASCII bytes of `b`, leaving out the others (libsinsp's
    /// `sanitize_string`).
    fn push_sanitized(&mut self, b: &[u8]);
    /// Formats through `core::fmt`: for the rare values that have no direct writer.
    fn write_fmt(&mut self, args: fmt::Arguments<'_>);

    /// Appends `v` in decimal.
    #[inline]
    fn push_u64(&mut self, v: u64) {
        if v < 10 {
            self.push_byte(b'0' + v as u8);
            return;
        }
        let mut buf = [0u8; 20];
        let i = u64_digits(v, &mut buf);
        self.push_ascii(&buf[i..]);
    }

    /// Appends `v` in decimal, with a `-` when negative.
    #[inline]
    fn push_i64(&mut self, v: i64) {
        if v < 0 {
            self.push_byte(b'-');
        }
        self.push_u64(v.unsigned_abs());
    }

    /// Appends `v` in decimal, zero-padded to at least `width` digits (`{v:0width$}`).
    fn push_u64_padded(&mut self, v: u64, width: usize) {
        let mut buf = [0u8; 20];
        let i = u64_digits(v, &mut buf);
        for _ in 20 - i..width {
            self.push_byte(b'0');
        }
        self.push_ascii(&buf[i..]);
    }

    /// Appends `v` in decimal, zero-padded to at least `width` characters, a minus sign
    /// included (`{v:0width$}`, C's `%0Nd`).
    fn push_i64_padded(&mut self, v: i64, width: usize) {
        if v < 0 {
            self.push_byte(b'-');
            self.push_u64_padded(v.unsigned_abs(), width.saturating_sub(1));
        } else {
            self.push_u64_padded(v as u64, width);
        }
    }

    /// Appends `v` in hexadecimal, without a prefix.
    fn push_hex(&mut self, v: u64, upper: bool) {
        let digits: &[u8; 16] = if upper {
            b"0123456789ABCDEF"
        } else {
            b"0123456789abcdef"
        };
        let mut buf = [0u8; 16];
        let mut i = buf.len();
        let mut v = v;
        loop {
            i -= 1;
            buf[i] = digits[(v & 15) as usize];
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        self.push_ascii(&buf[i..]);
    }

    /// Appends `v` in octal, without a prefix.
    fn push_oct(&mut self, v: u64) {
        let mut buf = [0u8; 22];
        let mut i = buf.len();
        let mut v = v;
        loop {
            i -= 1;
            buf[i] = b'0' + (v & 7) as u8;
            v >>= 3;
            if v == 0 {
                break;
            }
        }
        self.push_ascii(&buf[i..]);
    }

    /// Appends an IPv6 address as glibc's `inet_ntop` writes it (what
    /// `strata_scap::param::Ipv6Text` displays): the longest run of two or more zero groups
    /// compressed, lower-case hex, and `::a.b.c.d` / `::ffff:a.b.c.d` for IPv4-compatible
    /// and IPv4-mapped addresses.
    fn push_ipv6(&mut self, a: std::net::Ipv6Addr) {
        use strata_scap::param::{Ipv6Piece, ipv6_pieces};
        ipv6_pieces(&a, |p| match p {
            Ipv6Piece::Colon => self.push_byte(b':'),
            Ipv6Piece::Group(g) => self.push_hex(g as u64, false),
            Ipv6Piece::V4(v4) => self.push_ipv4(v4),
        });
    }

    /// Appends an IPv4 address in dotted decimal.
    fn push_ipv4(&mut self, a: std::net::Ipv4Addr) {
        let mut buf = [0u8; 15];
        let mut n = 0;
        for (k, o) in a.octets().into_iter().enumerate() {
            if k > 0 {
                buf[n] = b'.';
                n += 1;
            }
            if o >= 100 {
                buf[n] = b'0' + o / 100;
                n += 1;
            }
            if o >= 10 {
                buf[n] = b'0' + o / 10 % 10;
                n += 1;
            }
            buf[n] = b'0' + o % 10;
            n += 1;
        }
        self.push_ascii(&buf[..n]);
    }
}

impl Text for Vec<u8> {
    #[inline(always)]
    fn len(&self) -> usize {
        Vec::len(self)
    }

    #[inline(always)]
    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len)
    }

    #[inline(always)]
    fn push_str(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }

    #[inline(always)]
    fn push_ascii(&mut self, b: &[u8]) {
        debug_assert!(b.is_ascii());
        self.extend_from_slice(b);
    }

    #[inline(always)]
    fn push_byte(&mut self, c: u8) {
        debug_assert!(c.is_ascii());
        self.push(c);
    }

    #[inline]
    fn push_char(&mut self, c: char) {
        self.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }

    #[inline]
    fn push_lossy(&mut self, b: &[u8]) {
        // `is_ascii` first: cheaper than full validation for the short names this usually
        // gets.
        if b.is_ascii() || std::str::from_utf8(b).is_ok() {
            self.extend_from_slice(b);
            return;
        }
        for chunk in b.utf8_chunks() {
            self.extend_from_slice(chunk.valid().as_bytes());
            if !chunk.invalid().is_empty() {
                self.extend_from_slice("\u{fffd}".as_bytes());
            }
        }
    }

    #[inline]
    fn push_printable(&mut self, b: &[u8]) {
        self.extend(
            b.iter()
                .map(|&c| if (0x20..0x7f).contains(&c) { c } else { b'.' }),
        );
    }

    #[inline]
    fn push_sanitized(&mut self, b: &[u8]) {
        if all_printable(b) {
            self.extend_from_slice(b);
        } else {
            self.extend(b.iter().copied().filter(|&c| is_printable(c)));
        }
    }

    fn write_fmt(&mut self, args: fmt::Arguments<'_>) {
        // Writing to a Vec cannot fail.
        let _ = std::io::Write::write_fmt(self, args);
    }
}

impl Text for String {
    #[inline(always)]
    fn len(&self) -> usize {
        String::len(self)
    }

    #[inline(always)]
    fn truncate(&mut self, len: usize) {
        String::truncate(self, len)
    }

    #[inline(always)]
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }

    #[inline]
    fn push_ascii(&mut self, b: &[u8]) {
        debug_assert!(b.is_ascii());
        String::push_str(self, std::str::from_utf8(b).unwrap_or_default());
    }

    #[inline(always)]
    fn push_byte(&mut self, c: u8) {
        debug_assert!(c.is_ascii());
        self.push(c as char);
    }

    #[inline(always)]
    fn push_char(&mut self, c: char) {
        self.push(c);
    }

    fn push_lossy(&mut self, b: &[u8]) {
        let _ = crate::value::write_lossy(self, b);
    }

    fn push_printable(&mut self, b: &[u8]) {
        let _ = crate::value::write_printable(self, b);
    }

    fn push_sanitized(&mut self, b: &[u8]) {
        let _ = crate::value::write_sanitized(self, b);
    }

    fn write_fmt(&mut self, args: fmt::Arguments<'_>) {
        // Writing to a String cannot fail.
        let _ = fmt::Write::write_fmt(self, args);
    }
}

/// Whether libsinsp keeps byte `c` when it sanitizes a string: printable ASCII.
pub(crate) const fn is_printable(c: u8) -> bool {
    matches!(c, 0x20..=0x7e)
}

/// Whether every byte of `b` is printable ASCII; 16 bytes at a time, without a branch per
/// byte, since names are usually all printable.
#[inline]
pub(crate) fn all_printable(b: &[u8]) -> bool {
    let mut chunks = b.chunks_exact(16);
    for c in &mut chunks {
        if !c.iter().fold(true, |all, &x| all & is_printable(x)) {
            return false;
        }
    }
    chunks.remainder().iter().all(|&x| is_printable(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTS: [i64; 10] = [0, 7, -7, 10, 99, 100, -100, i64::MIN, i64::MAX, 123_456_789];

    fn ints<T: Text>(t: &mut T) {
        for v in INTS {
            t.push_i64(v);
            t.push_byte(b' ');
            t.push_i64_padded(v, 9);
            t.push_byte(b' ');
            t.push_u64_padded(v as u64, 12);
            t.push_byte(b' ');
            t.push_hex(v as u64, true);
            t.push_byte(b' ');
            t.push_hex(v as u64, false);
            t.push_byte(b' ');
            t.push_oct(v as u64);
            t.push_byte(b'\n');
        }
        t.push_ipv4([10, 0, 100, 255].into());
        t.push_byte(b' ');
        t.push_ipv4([0, 9, 10, 99].into());
    }

    #[test]
    fn integers_as_core_fmt_writes_them() {
        let (mut s, mut v) = (String::new(), Vec::new());
        ints(&mut s);
        ints(&mut v);
        assert_eq!(s.as_bytes(), &v[..]);
        let mut want = String::new();
        for v in INTS {
            let u = v as u64;
            want += &format!("{v} {v:09} {u:012} {u:X} {u:x} {u:o}\n");
        }
        want += "10.0.100.255 0.9.10.99";
        assert_eq!(s, want);
    }

    #[test]
    fn ipv6_as_inet_ntop_writes_it() {
        use std::net::Ipv6Addr;
        let mut addrs: Vec<Ipv6Addr> = [
            "::",
            "::1",
            "1::",
            "::ffff:10.0.0.1",
            "::10.0.0.1",
            "2001:db8::4",
            "fe80::1:0:0:1",
            "1:0:0:2:0:0:0:3",
            "1:0:2:0:3:0:4:0",
            "0:0:1::",
            "::ffff:0:1",
            "1:2:3:4:5:6:7:8",
        ]
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
        // Every pattern of zero and non-zero groups, with a few values.
        for mask in 0u32..256 {
            for v in [1u16, 0xffff, 0xabc] {
                let mut g = [0u16; 8];
                for (k, x) in g.iter_mut().enumerate() {
                    if mask & (1 << k) != 0 {
                        *x = v.wrapping_add(k as u16);
                    }
                }
                addrs.push(Ipv6Addr::from(g));
            }
        }
        for a in addrs {
            let want = strata_scap::param::Ipv6Text(a).to_string();
            let (mut s, mut v) = (String::new(), Vec::new());
            s.push_ipv6(a);
            v.push_ipv6(a);
            assert_eq!(s, want, "{a:?}");
            assert_eq!(v, want.as_bytes(), "{a:?}");
        }
    }

    #[test]
    fn nine_digit_fractions() {
        for v in [
            0u32,
            1,
            9,
            10,
            99_999,
            123_456_789,
            999_999_999,
            100_000_000,
        ] {
            assert_eq!(nine_digits(v), format!("{v:09}").as_bytes());
        }
        let mut buf = [0u8; 20];
        for v in (0..100_000u64).step_by(7).chain([u64::MAX, 1 << 63]) {
            let i = u64_digits(v, &mut buf);
            assert_eq!(&buf[i..], v.to_string().as_bytes());
        }
    }

    #[test]
    fn lossy_printable_and_sanitized_agree() {
        for b in [
            &b"plain"[..],
            b"a\xffb\xc3",
            "ünï".as_bytes(),
            b"a\0b\n\x7f\x80~ ",
            b"/a/rather/long/path/of/printable/bytes/only",
            b"/a/rather/long/path/of/printable/bytes/with\x7f/one/that/is/not",
            b"/a/rather/long/pat\x19",
        ] {
            let (mut s, mut v) = (String::new(), Vec::new());
            s.push_lossy(b);
            v.push_lossy(b);
            s.push_printable(b);
            v.push_printable(b);
            s.push_sanitized(b);
            v.push_sanitized(b);
            assert_eq!(s.as_bytes(), &v[..]);
            assert_eq!(all_printable(b), b.iter().all(|&c| is_printable(c)));
        }
    }
}

//! `contains` on one constant: a substring search for the short texts filters mostly meet
//! (paths, names, command lines of a few dozen bytes).
//!
//! memchr's `memmem` searcher has a set-up cost that dominates on such texts (a sixth of
//! a filter run's instructions on a capture of many opens); below [`SHORT`] bytes the search
//! looks for the needle's rarest byte with `memchr` and compares the needle where it occurs.

use memchr::memmem::Finder;

/// Texts shorter than this are searched from the needle's rarest byte.
const SHORT: usize = 64;

/// A compiled `contains` constant.
#[derive(Debug, Clone)]
pub(crate) struct Substring {
    finder: Finder<'static>,
    /// Index in the needle of its rarest byte (by [`rank`]).
    rare: usize,
}

impl Substring {
    pub(crate) fn new(needle: &[u8]) -> Self {
        let rare = (0..needle.len())
            .min_by_key(|&i| rank(needle[i]))
            .unwrap_or(0);
        Substring {
            finder: Finder::new(needle).into_owned(),
            rare,
        }
    }

    /// Whether `hay` contains the needle.
    #[inline]
    pub(crate) fn is_in(&self, hay: &[u8]) -> bool {
        let needle = self.finder.needle();
        if hay.len() >= SHORT || needle.is_empty() {
            return self.finder.find(hay).is_some();
        }
        let Some(starts) = (hay.len() + 1).checked_sub(needle.len()) else {
            return false;
        };
        // A match starting at `s` has the rare byte at `s + rare`.
        let r = self.rare;
        let window = hay.get(r..r + starts).unwrap_or_default();
        any_at(window, needle[r], |s| {
            hay.get(s..s + needle.len()) == Some(needle)
        })
    }
}

/// Whether `check` holds at some position of `window` that holds `c`, and perhaps at
/// others (`check` must tell). Eight bytes at a time: on the few words of a short text this
/// beats `memchr`'s vector set-up.
#[inline]
fn any_at(window: &[u8], c: u8, check: impl Fn(usize) -> bool) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let len = window.len();
    if len < 8 {
        return window.iter().enumerate().any(|(s, &b)| b == c && check(s));
    }
    let word = |b: &[u8]| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    // The high bit of each byte equal to `c`, and of some bytes above one that is.
    let hits = |w: u64| {
        let x = w ^ (LO * u64::from(c));
        x.wrapping_sub(LO) & !x & HI
    };
    let test = |mut m: u64, base: usize| {
        while m != 0 {
            if check(base + (m.trailing_zeros() / 8) as usize) {
                return true;
            }
            m &= m - 1;
        }
        false
    };
    let mut words = window.chunks_exact(8);
    let mut base = 0;
    for w in words.by_ref() {
        if test(hits(word(w)), base) {
            return true;
        }
        base += 8;
    }
    // The tail as the last eight bytes, without the ones already looked at.
    let tail = len - base;
    tail > 0
        && test(
            hits(word(&window[len - 8..])) & (!0u64 << (8 * (8 - tail))),
            len - 8,
        )
}

/// How common a byte is in paths, names and text (lower is rarer): separators, lowercase
/// letters by their frequency in English, digits, and then everything else.
fn rank(b: u8) -> u8 {
    const COMMON: &[u8] = b"/. etaoinshrdlcumwfgypbvkjxqz0123456789-_";
    match COMMON.iter().position(|&c| c == b) {
        Some(i) => 255 - i as u8,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(hay: &[u8], needle: &[u8]) -> bool {
        needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
    }

    /// A needle at every place of texts up to past the short bound, among decoys of its
    /// rare byte (the same byte right after a match, a zero byte before it) and without.
    #[test]
    fn finds_every_place() {
        for needle in [&b"/zzz"[..], b"~", b"q~", b"\0~"] {
            let f = Substring::new(needle);
            for len in 0..=SHORT + 9 {
                for at in 0..=len {
                    for decoy in [None, Some(at.wrapping_sub(1)), Some(at + needle.len())] {
                        let mut hay = vec![b'a'; len];
                        if let Some(d) = decoy.filter(|&d| d < len) {
                            hay[d] = if d < at { 0 } else { needle[f.rare] };
                        }
                        if at + needle.len() <= len {
                            hay[at..at + needle.len()].copy_from_slice(needle);
                        }
                        assert_eq!(f.is_in(&hay), naive(&hay, needle), "{needle:?} in {hay:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn agrees_with_a_plain_search() {
        let hays: &[&[u8]] = &[
            b"",
            b"/",
            b"/zzz",
            b"/var/www/html/index.html",
            b"/var/www/html/zzz/index.html",
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
            b"/proc/self/fd/3/zz/zzz",
            b"zzzz",
            b"ab\0cd",
        ];
        let needles: &[&[u8]] = &[
            b"",
            b"/",
            b"/zzz",
            b"zz",
            b"html",
            b"index.html",
            b"ab",
            b"aab",
            b"b",
            b"\0c",
            b"/var/www/html/index.html!",
        ];
        for hay in hays {
            for needle in needles {
                // Every prefix of every text, to cross the short/long boundary and the ends.
                for end in 0..=hay.len() {
                    let h = &hay[..end];
                    assert_eq!(
                        Substring::new(needle).is_in(h),
                        naive(h, needle),
                        "{:?} in {:?}",
                        String::from_utf8_lossy(needle),
                        String::from_utf8_lossy(h)
                    );
                }
            }
        }
    }
}

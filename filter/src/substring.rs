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
        memchr::memchr_iter(needle[r], window).any(|s| hay.get(s..s + needle.len()) == Some(needle))
    }
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

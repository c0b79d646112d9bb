//! Path resolution: how libsinsp turns the path an event carries into an absolute,
//! lexically normalized name (`fd.name`, cwd).

/// Which era's rules [`concat_into`] follows; they differ on odd paths only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PathRules {
    /// libsinsp 0.25: `.` and `..` count only as whole components, and a path that climbs
    /// out of a relative base stays relative (`foo/../a` is `a`).
    #[default]
    Libsinsp025,
    /// sysdig 0.29 (libsinsp of 2022): `./` and `../` are recognized anywhere, even inside a
    /// name (`a./b` is `ab`), and bytes that are not printable ASCII become `.`.
    Sysdig029,
}

/// Appends to `out` the normalized form of `path` resolved against `base` (libsinsp's
/// `concatenate_paths`).
///
/// An absolute `path` ignores `base`. A relative one is appended to `base` as it is (a
/// working directory ends with `/`; a `base` that does not gets one); then `.` components and
/// repeated `/` go away, `..` climbs (never above the first character), and a trailing `/` is
/// dropped (except for `/` itself). An empty `base` leaves the result relative, as libsinsp
/// does for a thread whose directory it never learnt. `out` is cleared first; nothing is
/// allocated once `out` has grown to fit.
///
/// ```
/// use strata_sinsp::paths::{PathRules, concat_into};
/// let mut out = Vec::new();
/// concat_into(&mut out, b"/home/u/", b"../etc//./hosts", PathRules::Libsinsp025);
/// assert_eq!(out, b"/home/etc/hosts");
/// concat_into(&mut out, b"", b"./hosts", PathRules::Libsinsp025);
/// assert_eq!(out, b"hosts");
/// ```
pub fn concat_into(out: &mut Vec<u8>, base: &[u8], path: &[u8], rules: PathRules) {
    out.clear();
    let relative = !path.is_empty() && path[0] != b'/';
    if relative {
        out.extend_from_slice(base);
        if !base.is_empty() && base.last() != Some(&b'/') {
            out.push(b'/');
        }
    }
    normalize_onto(out, path, rules, relative && !base.is_empty());
}

/// [`concat_into`] with today's rules, for a `base` that is absolute.
///
/// ```
/// let mut out = Vec::new();
/// strata_sinsp::paths::resolve_into(&mut out, b"/home/u/", b"../etc//./hosts");
/// assert_eq!(out, b"/home/etc/hosts");
/// ```
pub fn resolve_into(out: &mut Vec<u8>, base: &[u8], path: &[u8]) {
    concat_into(out, base, path, PathRules::Libsinsp025);
    if out.is_empty() {
        out.push(b'/');
    }
}

/// libsinsp's `rewind_to_parent_path`: back to just after the previous `/`, never before
/// the second character.
fn rewind(out: &mut Vec<u8>) {
    let mut t = out.len();
    if t <= 1 {
        return;
    }
    t -= 1;
    while t >= 1 && out[t - 1] != b'/' {
        t -= 1;
    }
    out.truncate(t);
}

/// Copies `path` onto `out` (which holds the base, if any), normalizing as libsinsp's
/// `copy_and_normalize_path` (or, for [`PathRules::Sysdig029`], `copy_and_sanitize_path`).
fn normalize_onto(out: &mut Vec<u8>, path: &[u8], rules: PathRules, had_base: bool) {
    let old = rules == PathRules::Sysdig029;
    // libsinsp's strings end at the first NUL.
    let path = strata_scap::param::until_nul(path);
    if is_plain(path, old) {
        // Nothing to normalize (most paths): copied whole, not byte by byte.
        out.extend_from_slice(path);
    } else {
        normalize_bytes(out, path, old, had_base);
    }
    if out.len() > 1 && out.last() == Some(&b'/') {
        out.pop();
    }
}

/// Whether normalizing `path` would copy it unchanged: no `.` starting it or following a
/// `/`, no `//`, and with sysdig 0.29's rules no unprintable byte and no `.` followed by
/// `.`, `/` or the end.
///
/// Eight bytes at a time, as bit masks (paths are short: a vector loop spends most of its
/// time on the tail). Each byte's flag is its high bit; a pair is a flag and the next
/// byte's flag shifted onto it, across words by the last byte's flag carried over.
fn is_plain(path: &[u8], old: bool) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    if path.first() == Some(&b'.') || (old && path.last() == Some(&b'.')) {
        return false;
    }
    // The high bit of each byte equal to `c`, exactly (no carries between bytes).
    let eq = |w: u64, c: u8| {
        let t = w ^ (LO * c as u64);
        !(((t & !HI) + !HI) | t) & HI
    };
    let mut bad = 0;
    let mut carry = 0;
    let mut check = |w: u64| {
        let slash = eq(w, b'/');
        let dot_or_slash = slash | eq(w, b'.');
        // The first byte of a bad pair: `/` today, `/` or `.` with sysdig 0.29's rules.
        let lead = if old { dot_or_slash } else { slash };
        bad |= (lead & (dot_or_slash >> 8)) | (carry & dot_or_slash);
        carry = (lead >> 56) & 0x80;
        if old {
            // Below 0x20 (its low seven bits plus 0x60 stay under 0x80), 0x7f, or 0x80 up.
            let low = w & !HI;
            bad |= (!(low + 0x60 * LO) | (low + LO) | w) & HI;
        }
    };
    let mut words = path.chunks_exact(8);
    for c in words.by_ref() {
        check(u64::from_le_bytes([
            c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
        ]));
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        // Padded with a byte that is printable and neither `.` nor `/`.
        let mut b = [b'a'; 8];
        b[..tail.len()].copy_from_slice(tail);
        check(u64::from_le_bytes(b));
    }
    bad == 0
}

/// The byte-by-byte normalization of [`normalize_onto`] (trailing `/` aside).
fn normalize_bytes(out: &mut Vec<u8>, path: &[u8], old: bool, had_base: bool) {
    let at = |i: usize| path.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while i < path.len() {
        let c = path[i];
        let at_start = out.is_empty() || out.last() == Some(&b'/');
        if old && !(0x20..0x7f).contains(&c) {
            out.push(b'.');
            i += 1;
        } else if c == b'.' && (old || at_start) {
            match (at(i + 1), at(i + 2)) {
                (b'.', b'/') => {
                    rewind(out);
                    i += 3;
                }
                (b'.', 0) => {
                    rewind(out);
                    i += 2;
                }
                (b'.', _) if old => {
                    out.extend_from_slice(b"..");
                    i += 2;
                }
                (b'/', _) => i += 2,
                (0, _) => i += 1,
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
        } else if c == b'/' {
            let skip = out.last() == Some(&b'/') || (!old && out.is_empty() && had_base);
            if !skip {
                out.push(c);
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
}

/// Normalizes a working directory the way libsinsp keeps it: absolute, ending with `/`.
pub fn cwd_into(out: &mut Vec<u8>, base: &[u8], path: &[u8]) {
    resolve_into(out, base, path);
    if out.last() != Some(&b'/') {
        out.push(b'/');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(base: &str, p: &str) -> String {
        let mut out = Vec::new();
        resolve_into(&mut out, base.as_bytes(), p.as_bytes());
        String::from_utf8(out).unwrap()
    }

    /// `is_plain` byte by byte, as its doc states it.
    fn is_plain_bytewise(path: &[u8], old: bool) -> bool {
        let dot_or_slash = |c: u8| c == b'/' || c == b'.';
        if path.first() == Some(&b'.') || (old && path.last() == Some(&b'.')) {
            return false;
        }
        if old && path.iter().any(|c| !(0x20..0x7f).contains(c)) {
            return false;
        }
        !path.windows(2).any(|p| {
            let lead = if old {
                dot_or_slash(p[0])
            } else {
                p[0] == b'/'
            };
            lead && dot_or_slash(p[1])
        })
    }

    /// The word-at-a-time `is_plain` agrees with the bytewise one for every byte that
    /// matters, alone and in pairs, at every position of paths up to three words long (so
    /// across each word boundary and in padded tails).
    #[test]
    fn plain_by_words_agrees_with_bytes() {
        let bytes = [
            b'a',
            b'.',
            b'/',
            0,
            0x01,
            0x1f,
            0x20,
            0x2e ^ 0x80,
            0x2f ^ 0x80,
            0x7e,
            0x7f,
            0x80,
            0xa0,
            0xff,
        ];
        for len in 0..=24 {
            for i in 0..len {
                for &x in &bytes {
                    for &y in &bytes {
                        let mut path = vec![b'b'; len];
                        path[i] = x;
                        if i + 1 < len {
                            path[i + 1] = y;
                        }
                        for old in [false, true] {
                            assert_eq!(
                                is_plain(&path, old),
                                is_plain_bytewise(&path, old),
                                "{path:?} old={old}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The shortcut for plain paths gives what the byte-by-byte walk gives, on every
    /// path of up to six bytes from an alphabet of the bytes that matter, for both rules.
    #[test]
    fn plain_paths_shortcut_agrees_with_the_walk() {
        let alphabet = [b'a', b'.', b'/', 0x01];
        let bases: [&[u8]; 4] = [b"", b"/", b"/home/u/", b"/home/u"];
        for rules in [PathRules::Sysdig029, PathRules::Libsinsp025] {
            let old = rules == PathRules::Sysdig029;
            for len in 0..=6u32 {
                for n in 0..4usize.pow(len) {
                    let path: Vec<u8> = (0..len)
                        .map(|k| alphabet[(n / 4usize.pow(k)) % 4])
                        .collect();
                    for base in bases {
                        let mut fast = Vec::new();
                        concat_into(&mut fast, base, &path, rules);
                        let relative = !path.is_empty() && path[0] != b'/';
                        let mut slow = Vec::new();
                        if relative {
                            slow.extend_from_slice(base);
                            if !base.is_empty() && base.last() != Some(&b'/') {
                                slow.push(b'/');
                            }
                        }
                        normalize_bytes(&mut slow, &path, old, relative && !base.is_empty());
                        if slow.len() > 1 && slow.last() == Some(&b'/') {
                            slow.pop();
                        }
                        assert_eq!(fast, slow, "{rules:?} {base:?} {path:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn absolute_paths_ignore_base() {
        assert_eq!(r("/tmp/", "/etc/hosts"), "/etc/hosts");
        assert_eq!(r("/tmp/", "//etc///hosts/"), "/etc/hosts");
    }

    #[test]
    fn relative_paths_join_base() {
        assert_eq!(r("/tmp/", "a/b"), "/tmp/a/b");
        assert_eq!(r("/tmp", "a"), "/tmp/a");
        assert_eq!(r("/tmp/", "./a/./b"), "/tmp/a/b");
        assert_eq!(r("/", "."), "/");
    }

    #[test]
    fn dotdot_climbs_but_not_above_root() {
        assert_eq!(r("/a/b/", "../c"), "/a/c");
        assert_eq!(r("/a/", "../../../c"), "/c");
        assert_eq!(r("/a/b/", ".."), "/a");
        assert_eq!(r("/", ".."), "/");
    }

    fn c(base: &str, p: &str, rules: PathRules) -> String {
        let mut out = Vec::new();
        concat_into(&mut out, base.as_bytes(), p.as_bytes(), rules);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn empty_base_stays_relative() {
        for rules in [PathRules::Libsinsp025, PathRules::Sysdig029] {
            assert_eq!(c("", "./tested_file.txt", rules), "tested_file.txt");
            assert_eq!(c("", "tls/x86_64/libc.so.6", rules), "tls/x86_64/libc.so.6");
        }
        assert_eq!(c("", "foo/../a", PathRules::Libsinsp025), "a");
        assert_eq!(c("", "foo/../a", PathRules::Sysdig029), "a");
    }

    #[test]
    fn sysdig_029_rules_inside_names() {
        // `./` inside a name is skipped, and control bytes become `.`.
        assert_eq!(c("/t/", "a./b", PathRules::Sysdig029), "/t/ab");
        assert_eq!(c("/t/", "a./b", PathRules::Libsinsp025), "/t/a./b");
        assert_eq!(c("/t/", "a\nb", PathRules::Sysdig029), "/t/a.b");
        assert_eq!(c("/t/", "x..y", PathRules::Sysdig029), "/t/x..y");
    }

    #[test]
    fn cwd_keeps_trailing_slash() {
        let mut out = Vec::new();
        cwd_into(&mut out, b"/home/u/", b"..");
        assert_eq!(out, b"/home/");
        cwd_into(&mut out, b"/home/u/", b"/");
        assert_eq!(out, b"/");
    }
}

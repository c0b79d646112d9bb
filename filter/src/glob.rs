//! `glob`, `iglob` and `pmatch`: fnmatch(3) without flags (so `*` crosses `/` and leading
//! dots), optionally case-folded, and libsinsp's path-prefix tree.

use std::collections::HashMap;

/// fnmatch(3) with no flags (or `FNM_CASEFOLD` when `fold`), over bytes as in the C locale.
/// Linear in practice: the usual two-pointer backtracking on the last `*`.
pub(crate) fn fnmatch(pat: &[u8], s: &[u8], fold: bool) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    let eq = |a: u8, b: u8| {
        if fold {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    loop {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    while p < pat.len() && pat[p] == b'*' {
                        p += 1;
                    }
                    star = Some((p, i));
                    continue;
                }
                b'?' if i < s.len() => {
                    p += 1;
                    i += 1;
                    continue;
                }
                b'[' if i < s.len() => {
                    if let Some((matched, next)) = bracket(pat, p, s[i], fold) {
                        if matched {
                            p = next;
                            i += 1;
                            continue;
                        }
                    } else if eq(b'[', s[i]) {
                        // An unclosed `[` is an ordinary character.
                        p += 1;
                        i += 1;
                        continue;
                    }
                }
                b'\\' if p + 1 < pat.len() && i < s.len() && eq(pat[p + 1], s[i]) => {
                    p += 2;
                    i += 1;
                    continue;
                }
                b'\\' if p + 1 < pat.len() => {}
                c if i < s.len() && c != b'?' && c != b'[' && eq(c, s[i]) => {
                    p += 1;
                    i += 1;
                    continue;
                }
                _ => {}
            }
        } else if i == s.len() {
            return true;
        }
        // Mismatch: let the last `*` take one more byte.
        match star {
            Some((sp, si)) if si < s.len() => {
                star = Some((sp, si + 1));
                p = sp;
                i = si + 1;
            }
            _ => return false,
        }
    }
}

/// A bracket expression at `pat[p] == '['`: whether `c` matches, and where the pattern goes
/// on; `None` if the bracket is not closed.
fn bracket(pat: &[u8], p: usize, c: u8, fold: bool) -> Option<(bool, usize)> {
    let mut j = p + 1;
    let negate = matches!(pat.get(j), Some(b'!' | b'^'));
    if negate {
        j += 1;
    }
    let mut matched = false;
    let mut first = true;
    let lc = c.to_ascii_lowercase();
    loop {
        let &b = pat.get(j)?;
        if b == b']' && !first {
            j += 1;
            break;
        }
        first = false;
        if b == b'[' && pat.get(j + 1) == Some(&b':') {
            if let Some(end) = pat[j + 2..].windows(2).position(|w| w == b":]") {
                let name = &pat[j + 2..j + 2 + end];
                matched |= class(name, c)
                    || (fold && (class(name, lc) || class(name, c.to_ascii_uppercase())));
                j += 2 + end + 2;
                continue;
            }
        }
        let mut lo = b;
        if b == b'\\' {
            lo = *pat.get(j + 1)?;
            j += 1;
        }
        j += 1;
        let mut hi = lo;
        if pat.get(j) == Some(&b'-') && pat.get(j + 1).is_some_and(|&x| x != b']') {
            hi = pat[j + 1];
            if hi == b'\\' {
                hi = *pat.get(j + 2)?;
                j += 1;
            }
            j += 2;
        }
        let inr = |x: u8| lo <= x && x <= hi;
        if inr(c) || (fold && (inr(lc) || inr(c.to_ascii_uppercase()))) {
            matched = true;
        }
    }
    Some((matched != negate, j))
}

fn class(name: &[u8], c: u8) -> bool {
    match name {
        b"alpha" => c.is_ascii_alphabetic(),
        b"digit" => c.is_ascii_digit(),
        b"alnum" => c.is_ascii_alphanumeric(),
        b"upper" => c.is_ascii_uppercase(),
        b"lower" => c.is_ascii_lowercase(),
        b"space" => matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'),
        b"blank" => matches!(c, b' ' | b'\t'),
        b"punct" => c.is_ascii_punctuation(),
        b"print" => (0x20..0x7f).contains(&c),
        b"graph" => (0x21..0x7f).contains(&c),
        b"cntrl" => c < 0x20 || c == 0x7f,
        b"xdigit" => c.is_ascii_hexdigit(),
        _ => false,
    }
}

/// libsinsp's path-prefix tree for `pmatch`: a path matches when one of the tree's paths is
/// a prefix of it on `/` boundaries; components holding `?`, `*` or `[` are globs.
#[derive(Debug, Clone, Default)]
pub(crate) struct PrefixTree {
    dirs: HashMap<Vec<u8>, Entry>,
    globs: Vec<(Vec<u8>, Entry)>,
    /// Whether components with `?`, `*` or `[` are patterns (libsinsp 0.25) or plain text
    /// (sysdig 0.29).
    with_globs: bool,
}

/// A component: the subtree below it, or `None` when a path ends here.
#[derive(Debug, Clone)]
struct Entry(Option<Box<PrefixTree>>);

fn components(path: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = vec![b"root"];
    v.extend(path.split(|&c| c == b'/').filter(|c| !c.is_empty()));
    v
}

impl PrefixTree {
    pub fn new(with_globs: bool) -> Self {
        PrefixTree {
            with_globs,
            ..Default::default()
        }
    }

    pub fn add(&mut self, path: &[u8]) {
        self.add_components(&components(path));
    }

    fn add_components(&mut self, comps: &[&[u8]]) {
        let (first, rest) = (comps[0], &comps[1..]);
        let is_glob = self.with_globs && first.iter().any(|c| matches!(c, b'?' | b'*' | b'['));
        let slot = if is_glob {
            match self.globs.iter().position(|(k, _)| k == first) {
                Some(i) => Some(&mut self.globs[i].1),
                None => None,
            }
        } else {
            self.dirs.get_mut(first)
        };
        match slot {
            None => {
                let with_globs = self.with_globs;
                let sub = (!rest.is_empty()).then(|| {
                    let mut t = PrefixTree::new(with_globs);
                    t.add_components(rest);
                    Box::new(t)
                });
                if is_glob {
                    self.globs.push((first.to_vec(), Entry(sub)));
                } else {
                    self.dirs.insert(first.to_vec(), Entry(sub));
                }
            }
            // A shorter path replaces the longer ones below it.
            Some(e) if rest.is_empty() => e.0 = None,
            // A longer path under a shorter one adds nothing.
            Some(Entry(None)) => {}
            Some(Entry(Some(sub))) => sub.add_components(rest),
        }
    }

    pub fn matches(&self, path: &[u8]) -> bool {
        self.match_components(&components(path))
    }

    fn match_components(&self, comps: &[&[u8]]) -> bool {
        if let Some(e) = self.dirs.get(comps[0]) {
            if e.matches_rest(&comps[1..]) {
                return true;
            }
        }
        self.globs
            .iter()
            .any(|(g, e)| fnmatch(g, comps[0], false) && e.matches_rest(&comps[1..]))
    }
}

impl Entry {
    fn matches_rest(&self, rest: &[&[u8]]) -> bool {
        match (&self.0, rest.is_empty()) {
            (None, _) => true,
            (Some(_), true) => false,
            (Some(sub), false) => sub.match_components(rest),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let g = |p: &str, s: &str| fnmatch(p.as_bytes(), s.as_bytes(), false);
        assert!(g("/etc/*", "/etc/a/b"));
        assert!(g("*", ".hidden"));
        assert!(g("a?c", "abc"));
        assert!(!g("a?c", "ac"));
        assert!(g("[a-c]x", "bx"));
        assert!(g("[!a-c]x", "dx"));
        assert!(!g("[!a-c]x", "ax"));
        assert!(g("[]]", "]"));
        assert!(g("\\*", "*"));
        assert!(!g("\\*", "a"));
        assert!(g("[[:digit:]]*", "7up"));
        assert!(g("*.so.*", "libc.so.6"));
        assert!(!g("*.so", "libc.so.6"));
        assert!(g("a*b*c", "aXbYbZc"));
        assert!(g("[", "["));
        assert!(fnmatch(b"*LIB*", b"/usr/lib", true));
        assert!(!fnmatch(b"*LIB*", b"/usr/lib", false));
        assert!(g("", ""));
        assert!(!g("", "a"));
    }

    #[test]
    fn prefixes() {
        let mut exact = PrefixTree::new(false);
        exact.add(b"/etc/*");
        assert!(!exact.matches(b"/etc/passwd"));
        assert!(exact.matches(b"/etc/*/x"));
        let mut t = PrefixTree::new(true);
        for p in ["/opt/dir", "/usr/lib", "/var/*/x", "/srv/di?"] {
            t.add(p.as_bytes());
        }
        let m = |p: &str| t.matches(p.as_bytes());
        assert!(m("/opt/dir"));
        assert!(m("/opt/dir/sub/f"));
        assert!(!m("/opt/di"));
        assert!(!m("/opt"));
        assert!(m("/usr/lib/x.so"));
        assert!(m("/var/tmp/x/y"));
        assert!(!m("/var/tmp/y"));
        assert!(m("/srv/dix/a"));
        t.add(b"/usr");
        assert!(t.matches(b"/usr/bin"));
        let mut root = PrefixTree::new(true);
        root.add(b"/");
        assert!(root.matches(b"/anything"));
    }
}

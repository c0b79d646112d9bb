//! Path resolution: how libsinsp turns the path an event carries into an absolute,
//! lexically normalized name (`fd.name`, cwd).

/// Appends to `out` the normalized absolute form of `path` resolved against `base`.
///
/// An absolute `path` ignores `base`. `.` components and repeated `/` go away, `..` climbs
/// (never above `/`), and a trailing `/` is dropped (except for `/` itself). `out` is cleared
/// first; nothing is allocated once `out` has grown to fit.
///
/// ```
/// let mut out = Vec::new();
/// strata_sinsp::paths::resolve_into(&mut out, b"/home/u/", b"../etc//./hosts");
/// assert_eq!(out, b"/home/etc/hosts");
/// ```
pub fn resolve_into(out: &mut Vec<u8>, base: &[u8], path: &[u8]) {
    out.clear();
    if path.first() != Some(&b'/') {
        push_components(out, base);
    }
    push_components(out, path);
    if out.is_empty() {
        out.push(b'/');
    }
}

/// Appends `/`-separated components of `p` to the normalized path in `out`.
fn push_components(out: &mut Vec<u8>, p: &[u8]) {
    for comp in p.split(|&b| b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                let cut = out.iter().rposition(|&b| b == b'/').unwrap_or(0);
                out.truncate(cut);
            }
            c => {
                out.push(b'/');
                out.extend_from_slice(c);
            }
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

    #[test]
    fn cwd_keeps_trailing_slash() {
        let mut out = Vec::new();
        cwd_into(&mut out, b"/home/u/", b"..");
        assert_eq!(out, b"/home/");
        cwd_into(&mut out, b"/home/u/", b"/");
        assert_eq!(out, b"/");
    }
}

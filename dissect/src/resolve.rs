//! Names resolved to addresses, for the `fd.cip.name`, `fd.sip.name`, `fd.lip.name` and
//! `fd.rip.name` comparisons.
//!
//! libsinsp compares those fields by resolving the filter's name with the system's resolver
//! (`getaddrinfo`) and looking for the connection's address among the answers; the answer
//! depends on the machine that reads the capture, as it does for libsinsp. Each name is
//! resolved once per process and kept, as libsinsp's DNS manager keeps it (it refreshes its
//! entries in a background thread while a live capture runs; a capture file is read far
//! faster than any refresh period, so none is made here).

use std::collections::HashMap;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex, OnceLock};

type Cache = HashMap<Box<[u8]>, Arc<[IpAddr]>>;

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The addresses `name` resolves to on this machine (none if it does not resolve, or is not
/// a host name at all).
pub(crate) fn addresses(name: &[u8]) -> Arc<[IpAddr]> {
    // A poisoned lock only means another thread panicked while holding it: the map is whole.
    let mut map = cache().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(a) = map.get(name) {
        return a.clone();
    }
    let found: Arc<[IpAddr]> = match std::str::from_utf8(name) {
        Ok(host) if !host.is_empty() && !host.contains('\0') => (host, 0)
            .to_socket_addrs()
            .map(|it| it.map(|s| s.ip()).collect())
            .unwrap_or_default(),
        _ => Arc::from([]),
    };
    map.insert(name.into(), found.clone());
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_localhost_resolve_and_junk_does_not() {
        assert_eq!(&*addresses(b"192.0.2.7"), &[IpAddr::from([192, 0, 2, 7])]);
        assert!(addresses(b"localhost").iter().any(|a| a.is_loopback()));
        assert!(addresses(b"").is_empty());
        assert!(addresses(b"a\0b").is_empty());
        assert!(addresses(b"\xff").is_empty());
        // The second answer comes from the cache: the same allocation.
        assert!(Arc::ptr_eq(
            &addresses(b"192.0.2.7"),
            &addresses(b"192.0.2.7")
        ));
    }
}

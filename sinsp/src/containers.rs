//! Containers the capture describes: their ids and IPv4 addresses, from its container events
//! (the JSON ones, and the older `container` event, which carries no address).
//!
//! sysdig 0.29 asked this table whether a connection's destination is the machine's own
//! (`fd.is_server`): a thread's container's address counts as local.

use std::net::Ipv4Addr;

use hashbrown::HashMap;

/// What the capture said of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContainerInfo {
    /// The container id, as threads name it (`container.id`).
    pub id: Vec<u8>,
    /// Its IPv4 address; unspecified (0.0.0.0) when not given.
    pub ip: Ipv4Addr,
}

/// The containers seen, at most a configured number (later ones are dropped and counted).
#[derive(Debug, Clone, Default)]
pub struct ContainerTable {
    by_id: HashMap<Vec<u8>, ContainerInfo>,
    max: usize,
    dropped: u64,
}

impl ContainerTable {
    /// An empty table holding at most `max` containers.
    pub fn new(max: usize) -> Self {
        ContainerTable {
            by_id: HashMap::new(),
            max,
            dropped: 0,
        }
    }

    /// The container `id`, if the capture described it.
    pub fn get(&self, id: &[u8]) -> Option<&ContainerInfo> {
        self.by_id.get(id)
    }

    /// Every container described so far, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &ContainerInfo> {
        self.by_id.values()
    }

    /// How many containers are known.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether none is known.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The bound on containers.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Approximate bytes held.
    pub fn approx_bytes(&self) -> usize {
        self.by_id.capacity() * (std::mem::size_of::<(Vec<u8>, ContainerInfo)>() + 1)
            + self
                .by_id
                .iter()
                .map(|(k, c)| k.capacity() + c.id.capacity())
                .sum::<usize>()
    }

    /// Containers not recorded because the table was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Records (or replaces) a container.
    pub(crate) fn insert(&mut self, id: &[u8], ip: Ipv4Addr) {
        if let Some(c) = self.by_id.get_mut(id) {
            c.ip = ip;
        } else if self.by_id.len() < self.max {
            self.by_id.insert(
                id.to_vec(),
                ContainerInfo {
                    id: id.to_vec(),
                    ip,
                },
            );
        } else {
            self.dropped += 1;
        }
    }

    /// Whether `addr` is local to a thread of container `id` in sysdig 0.29's way: the
    /// container's own address if it has one, else any known container's. sysdig also
    /// made an entry without an address for every container a thread's cgroups named, so a
    /// container never described still has one: `0.0.0.0` is then local.
    pub fn is_local_ipv4(&self, id: &[u8], addr: Ipv4Addr) -> bool {
        match self.get(id) {
            Some(c) if !c.ip.is_unspecified() => c.ip == addr,
            _ => addr.is_unspecified() || self.iter().any(|c| c.ip == addr),
        }
    }
}

/// The value of the first `"key":"value"` string in `json` (no escapes inside).
pub(crate) fn json_string<'j>(json: &'j [u8], key: &[u8]) -> Option<&'j [u8]> {
    let mut pat = Vec::with_capacity(key.len() + 4);
    pat.push(b'"');
    pat.extend_from_slice(key);
    pat.extend_from_slice(b"\":\"");
    let start = json.windows(pat.len()).position(|w| w == &pat[..])? + pat.len();
    let rest = &json[start..];
    Some(&rest[..rest.iter().position(|&c| c == b'"')?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_address_or_any_when_unknown() {
        let mut t = ContainerTable::new(2);
        let (a, b) = (Ipv4Addr::new(172, 17, 0, 2), Ipv4Addr::new(172, 17, 0, 3));
        t.insert(b"aaa", a);
        t.insert(b"bbb", Ipv4Addr::UNSPECIFIED);
        assert!(t.is_local_ipv4(b"aaa", a));
        assert!(!t.is_local_ipv4(b"aaa", b));
        // No address of its own: any container's counts.
        assert!(t.is_local_ipv4(b"bbb", a));
        // Never described: an empty entry, as sysdig made from the cgroups.
        assert!(t.is_local_ipv4(b"ccc", a));
        assert!(t.is_local_ipv4(b"ccc", Ipv4Addr::UNSPECIFIED));
        assert!(!t.is_local_ipv4(b"ccc", b));
        t.insert(b"ccc", b);
        assert_eq!((t.len(), t.dropped()), (2, 1));
    }

    #[test]
    fn json_strings() {
        let j = br#"{"container":{"id":"3ad7b26ded6d","ip":"172.17.0.2","name":"x"}}"#;
        assert_eq!(json_string(j, b"id"), Some(&b"3ad7b26ded6d"[..]));
        assert_eq!(json_string(j, b"ip"), Some(&b"172.17.0.2"[..]));
        assert_eq!(json_string(j, b"nope"), None);
    }
}

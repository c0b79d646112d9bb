//! Users and groups, by container (empty id = host) and uid/gid.

use hashbrown::HashMap;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct UserInfo {
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Login name.
    pub name: Vec<u8>,
    /// Home directory.
    pub homedir: Vec<u8>,
    /// Login shell.
    pub shell: Vec<u8>,
}

/// A group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GroupInfo {
    /// Group id.
    pub gid: u32,
    /// Group name.
    pub name: Vec<u8>,
}

/// Users and groups per container; the host is the empty container id. Bounded per scope.
///
/// Beyond its bounds (users or groups per scope, and scopes: the host and at most as many
/// containers as the container table holds) new entries are dropped and counted, as libsinsp
/// drops what does not fit; entries already known are still updated.
#[derive(Debug, Default)]
pub struct UserTable {
    users: HashMap<Vec<u8>, HashMap<u32, UserInfo>>,
    groups: HashMap<Vec<u8>, HashMap<u32, GroupInfo>>,
    max: usize,
    max_scopes: usize,
    users_dropped: u64,
    groups_dropped: u64,
    /// How many times the table was written to (see [`changes`](UserTable::changes)).
    changes: u64,
}

/// The users (or groups) of `container`, or the host's if it has none listed.
#[inline]
fn scope<'m, T>(
    by_container: &'m HashMap<Vec<u8>, HashMap<u32, T>>,
    container: &[u8],
) -> Option<&'m HashMap<u32, T>> {
    // Nearly every capture lists one scope (the host's): compared, not hashed (a container
    // id is 64 bytes, looked up for every event that asks for a user).
    if by_container.len() == 1 {
        let (c, m) = by_container.iter().next()?;
        return (c.is_empty() || c == container).then_some(m);
    }
    by_container
        .get(container)
        .or_else(|| by_container.get(&b""[..]))
}

impl UserTable {
    pub(crate) fn new(max: usize, max_containers: usize) -> Self {
        UserTable {
            max,
            max_scopes: max_containers.saturating_add(1),
            ..Default::default()
        }
    }

    /// The bound on users (and on groups) per scope.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Users not recorded because their scope, or the table of scopes, was full.
    pub fn users_dropped(&self) -> u64 {
        self.users_dropped
    }

    /// Groups not recorded because their scope, or the table of scopes, was full.
    pub fn groups_dropped(&self) -> u64 {
        self.groups_dropped
    }

    /// Number of groups over all containers.
    pub fn group_count(&self) -> usize {
        self.groups.values().map(|m| m.len()).sum()
    }

    /// Approximate bytes held by the users (`groups` false) or the groups.
    pub fn approx_bytes(&self, groups: bool) -> usize {
        fn scopes<T>(m: &HashMap<Vec<u8>, HashMap<u32, T>>, heap: impl Fn(&T) -> usize) -> usize {
            m.capacity() * (std::mem::size_of::<(Vec<u8>, HashMap<u32, T>)>() + 1)
                + m.iter()
                    .map(|(c, s)| {
                        c.capacity()
                            + s.capacity() * (std::mem::size_of::<(u32, T)>() + 1)
                            + s.values().map(&heap).sum::<usize>()
                    })
                    .sum::<usize>()
        }
        if groups {
            scopes(&self.groups, |g| g.name.capacity())
        } else {
            scopes(&self.users, |u| {
                u.name.capacity() + u.homedir.capacity() + u.shell.capacity()
            })
        }
    }

    /// The user `uid` of container `container` (`b""` for the host).
    ///
    /// A container the capture lists no users for uses the host's (captures of sysdig 0.29's
    /// time had host users only, and libsinsp 0.25 without a container engine sees no
    /// containers).
    pub fn user(&self, container: &[u8], uid: u32) -> Option<&UserInfo> {
        scope(&self.users, container)?.get(&uid)
    }

    /// The group `gid` of container `container` (`b""` for the host); a container the
    /// capture lists no groups for uses the host's.
    pub fn group(&self, container: &[u8], gid: u32) -> Option<&GroupInfo> {
        scope(&self.groups, container)?.get(&gid)
    }

    /// How many times users or groups were added, changed or removed so far: a reader that
    /// keeps what it looked up (a user's name for a column of them) may keep it while this
    /// stays the same.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Number of users over all containers.
    pub fn user_count(&self) -> usize {
        self.users.values().map(|m| m.len()).sum()
    }

    /// Every user, with its container id (empty for the host), in no particular order.
    pub fn users(&self) -> impl Iterator<Item = (&[u8], &UserInfo)> {
        self.users
            .iter()
            .flat_map(|(c, m)| m.values().map(move |u| (c.as_slice(), u)))
    }

    /// Every group, with its container id (empty for the host), in no particular order.
    pub fn groups(&self) -> impl Iterator<Item = (&[u8], &GroupInfo)> {
        self.groups
            .iter()
            .flat_map(|(c, m)| m.values().map(move |g| (c.as_slice(), g)))
    }

    pub(crate) fn add_user(&mut self, container: &[u8], u: UserInfo) {
        self.changes += 1;
        // NSS compat entries (`+`/`-`) are not users.
        if matches!(u.name.first(), Some(b'+' | b'-')) {
            return;
        }
        if !self.users.contains_key(container) {
            if self.users.len() >= self.max_scopes {
                self.users_dropped += 1;
                return;
            }
            self.users.insert(container.to_vec(), HashMap::new());
        }
        let Some(m) = self.users.get_mut(container) else {
            return;
        };
        if m.len() < self.max || m.contains_key(&u.uid) {
            m.insert(u.uid, u);
        } else {
            self.users_dropped += 1;
        }
    }

    pub(crate) fn remove_user(&mut self, container: &[u8], uid: u32) {
        self.changes += 1;
        if let Some(m) = self.users.get_mut(container) {
            m.remove(&uid);
        }
    }

    pub(crate) fn add_group(&mut self, container: &[u8], g: GroupInfo) {
        self.changes += 1;
        if matches!(g.name.first(), Some(b'+' | b'-')) {
            return;
        }
        if !self.groups.contains_key(container) {
            if self.groups.len() >= self.max_scopes {
                self.groups_dropped += 1;
                return;
            }
            self.groups.insert(container.to_vec(), HashMap::new());
        }
        let Some(m) = self.groups.get_mut(container) else {
            return;
        };
        if m.len() < self.max || m.contains_key(&g.gid) {
            m.insert(g.gid, g);
        } else {
            self.groups_dropped += 1;
        }
    }

    pub(crate) fn remove_group(&mut self, container: &[u8], gid: u32) {
        self.changes += 1;
        if let Some(m) = self.groups.get_mut(container) {
            m.remove(&gid);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.changes += 1;
        self.users.clear();
        self.groups.clear();
    }
}

/// One address of a network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InterfaceInfo {
    /// Interface name (`eth0`).
    pub name: Vec<u8>,
    /// Address, netmask and broadcast.
    pub addr: InterfaceAddr,
    /// Link speed, if recorded.
    pub linkspeed: Option<u64>,
}

/// The addresses of an interface entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InterfaceAddr {
    /// IPv4.
    V4 {
        /// Address.
        addr: std::net::Ipv4Addr,
        /// Netmask.
        netmask: std::net::Ipv4Addr,
        /// Broadcast.
        bcast: std::net::Ipv4Addr,
    },
    /// IPv6.
    V6 {
        /// Address.
        addr: std::net::Ipv6Addr,
        /// Netmask.
        netmask: std::net::Ipv6Addr,
        /// Broadcast.
        bcast: std::net::Ipv6Addr,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_by_container() {
        let mut t = UserTable::new(10, 4);
        t.add_user(
            b"",
            UserInfo {
                uid: 0,
                name: b"root".to_vec(),
                ..Default::default()
            },
        );
        t.add_user(
            b"abc",
            UserInfo {
                uid: 0,
                name: b"croot".to_vec(),
                ..Default::default()
            },
        );
        t.add_user(
            b"",
            UserInfo {
                uid: 5,
                name: b"+nis".to_vec(),
                ..Default::default()
            },
        );
        assert_eq!(t.user(b"", 0).unwrap().name, b"root");
        assert_eq!(t.user(b"abc", 0).unwrap().name, b"croot");
        assert!(t.user(b"", 5).is_none());
        t.remove_user(b"", 0);
        assert!(t.user(b"", 0).is_none());
        // Every write counts, so a reader that kept a name knows to look again.
        assert_eq!(t.changes(), 4);
    }

    #[test]
    fn one_scope_answers_for_its_own_container_and_falls_back_to_the_host() {
        let mut host = UserTable::new(10, 4);
        let u = |name: &[u8]| UserInfo {
            uid: 7,
            name: name.to_vec(),
            ..Default::default()
        };
        host.add_user(b"", u(b"seven"));
        assert_eq!(host.user(b"c1", 7).unwrap().name, b"seven");
        let mut only_c1 = UserTable::new(10, 4);
        only_c1.add_user(b"c1", u(b"c-seven"));
        assert_eq!(only_c1.user(b"c1", 7).unwrap().name, b"c-seven");
        assert!(only_c1.user(b"c2", 7).is_none());
        assert!(only_c1.user(b"", 7).is_none());
    }
}

//! Threads and processes: the thread table, keyed by tid, bounded in size.

use hashbrown::HashMap;

use crate::fds::FdTable;

/// What a thread runs as in its container (libsinsp's `m_category`), set when its container
/// is resolved (clone, execve, the process list).
pub mod category {
    /// Nothing particular (or not in a container).
    pub const NONE: u8 = 0;
    /// The container's first process (pid 1 in its namespace) or one it started.
    pub const CONTAINER: u8 = 1;
    /// The container's health check (Docker's `HEALTHCHECK`) or a process it started.
    pub const HEALTHCHECK: u8 = 2;
    /// A Kubernetes liveness probe.
    pub const LIVENESS_PROBE: u8 = 3;
    /// A Kubernetes readiness probe.
    pub const READINESS_PROBE: u8 = 4;
}

/// Thread flags (`PPM_CL_*`), as clone events and the process list carry them.
pub mod flags {
    /// The thread shares its process's fd table.
    pub const CLONE_FILES: u32 = 1;
    /// A new pid namespace.
    pub const CLONE_NEWPID: u32 = 64;
    /// The child gets the caller's parent.
    pub const CLONE_PARENT: u32 = 256;
    /// A thread of the caller's process, not a new process.
    pub const CLONE_THREAD: u32 = 8192;
    /// The child's clone exit was seen before the parent's.
    pub const CLONE_INVERTED: u32 = 65536;
    /// The name changed by execve.
    pub const NAME_CHANGED: u32 = 131072;
    /// The thread exited (procexit seen).
    pub const CLOSED: u32 = 262144;
    /// Set on every thread the engine knows.
    pub const ACTIVE: u32 = 1 << 19;
    /// A new user namespace.
    pub const CLONE_NEWUSER: u32 = 1 << 20;
    /// Heuristic: the process writes to a pipe on stdout.
    pub const PIPE_SRC: u32 = 1 << 21;
    /// Heuristic: the process reads from a pipe on stdin.
    pub const PIPE_DST: u32 = 1 << 22;
    /// vfork.
    pub const CLONE_VFORK: u32 = 134217728;
    /// The child lives in another pid namespace.
    pub const CHILD_IN_PIDNS: u32 = 536870912;
    /// The thread is its process's main thread.
    pub const IS_MAIN_THREAD: u32 = 1 << 30;
}

/// One thread (and, for a main thread, its process).
///
/// Strings are bytes: capture strings need not be UTF-8. Lists (`args`, `env`, `cgroups`) are
/// kept as one NUL-separated buffer and read with the iterator methods, so a thread costs a few
/// allocations rather than one per argument.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ThreadInfo {
    /// Thread id.
    pub tid: i64,
    /// Process id (tid of the main thread); −1 for a placeholder.
    pub pid: i64,
    /// Parent thread id; −1 for a placeholder, 0 when the parent is unknown.
    pub ptid: i64,
    /// Session id.
    pub sid: i64,
    /// Process group id as seen in the thread's pid namespace.
    pub vpgid: i64,
    /// Process group id.
    pub pgid: i64,
    /// Command name (`proc.name`), at most 16 bytes in the kernel.
    pub comm: Vec<u8>,
    /// `argv[0]` (`proc.exe`).
    pub exe: Vec<u8>,
    /// Full executable path (`proc.exepath`).
    pub exepath: Vec<u8>,
    /// Arguments after `argv[0]`, each NUL-terminated; see [`ThreadInfo::args`].
    pub args_raw: Vec<u8>,
    /// Environment, each entry NUL-terminated; see [`ThreadInfo::env`].
    pub env_raw: Vec<u8>,
    /// Working directory, ending with `/` (meaningful on the main thread).
    pub cwd: Vec<u8>,
    /// Root directory.
    pub root: Vec<u8>,
    /// cgroups as `subsys=path` entries, each NUL-terminated.
    pub cgroups_raw: Vec<u8>,
    /// Container id, empty for the host.
    pub container_id: Vec<u8>,
    /// RLIMIT_NOFILE.
    pub fdlimit: i64,
    /// `PPM_CL_*` flags (see [`flags`]).
    pub flags: u32,
    /// Effective user id (`u32::MAX` when unknown).
    pub uid: u32,
    /// Effective group id (`u32::MAX` when unknown).
    pub gid: u32,
    /// Login user id.
    pub loginuid: u32,
    /// Thread id in its pid namespace.
    pub vtid: i64,
    /// Process id in its pid namespace.
    pub vpid: i64,
    /// Controlling terminal.
    pub tty: u32,
    /// Inheritable capabilities.
    pub cap_inheritable: u64,
    /// Permitted capabilities.
    pub cap_permitted: u64,
    /// Effective capabilities.
    pub cap_effective: u64,
    /// Virtual memory size, kB.
    pub vmsize_kb: u32,
    /// Resident set size, kB.
    pub vmrss_kb: u32,
    /// Swap, kB.
    pub vmswap_kb: u32,
    /// Major page faults.
    pub pfmajor: u64,
    /// Minor page faults.
    pub pfminor: u64,
    /// Executable inode (0: unknown).
    pub exe_ino: u64,
    /// Last status change of the executable's inode, ns since the epoch (0: unknown).
    pub exe_ino_ctime: u64,
    /// Last modification of the executable's inode, ns since the epoch (0: unknown).
    pub exe_ino_mtime: u64,
    /// `clone_ts − exe_ino_ctime` as the last execve saw it (0: not computed); inherited by
    /// children, as libsinsp keeps it.
    pub exe_ino_ctime_duration_clone_ts: u64,
    /// The executable is writable by the user that ran it.
    pub exe_writable: bool,
    /// The executable is in an overlayfs upper layer.
    pub exe_upper_layer: bool,
    /// The executable is in an overlayfs lower layer.
    pub exe_lower_layer: bool,
    /// The executable is a memfd (executed through its fd).
    pub exe_from_memfd: bool,
    /// When the thread was created by a clone seen in the capture (0 if not).
    pub clone_ts: u64,
    /// When the thread last called execve.
    pub lastexec_ts: u64,
    /// Start of the pid namespace's init.
    pub pidns_init_start_ts: u64,
    /// The reaper chosen for this thread's children (−1 unknown).
    pub reaper_tid: i64,
    /// What the thread runs as in its container ([`category`]): libsinsp's category.
    pub category: u8,
    /// The fd table: used by the main thread, and by threads that do not share it.
    pub(crate) fds: FdTable,
    pub(crate) lastevent_fd: i64,
    pub(crate) lastevent_type: u16,
    pub(crate) enter: EnterStore,
    /// The enter event sysdig 0.29 would have kept for the exit's parser, when a filter runs
    /// inside the state engine ([`Config::filter_in_parser`](crate::Config)): only the enters
    /// its parser stored, freed by an exit the filter let through.
    pub(crate) kept_2022: EnterStore,
    pub(crate) seq: u64,
    /// Time of the thread's last event (or of its insertion): what eviction goes by.
    pub(crate) active_ts: u64,
    /// Timestamp of the last enter event.
    pub(crate) lastevent_ts: u64,
    /// libsinsp's `m_latency`: set by each exit (0 if unpaired), cleared by each enter, kept
    /// by events that skip the enter/exit bookkeeping.
    pub(crate) latency: u64,
    /// The child's own clone exit has been seen (or the thread was made by it): a dumper
    /// need not fear it.
    pub(crate) child_clone_seen: bool,
}

/// The stored copy of a thread's last enter event.
#[derive(Debug, Clone, Default)]
pub(crate) struct EnterStore {
    /// Event body as in an EV/EV_V2 block: cpu, then the event bytes.
    pub(crate) body: Vec<u8>,
    pub(crate) block_type: u32,
    pub(crate) endian: strata_scap::Endian,
    pub(crate) valid: bool,
    /// The event has parameters (an enter without any, as old captures' `open` has, gives
    /// its exit's handler nothing: it is not parsed again).
    pub(crate) has_params: bool,
}

impl EnterStore {
    /// Keeps a copy of `ev` (its cpu and bytes) if it is at most `max` bytes long; the store is
    /// valid only then.
    pub(crate) fn keep(&mut self, ev: &strata_scap::Event<'_>, max: usize) {
        let raw = ev.raw();
        self.valid = raw.len() <= max;
        if !self.valid {
            return;
        }
        self.has_params = ev.nparams() > 0;
        self.body.clear();
        let e = ev.endian();
        e.put_u16(&mut self.body, ev.cpu);
        self.body.extend_from_slice(raw);
        self.block_type = if ev.is_v1() {
            strata_scap::block::types::EV
        } else if ev.large_payload() {
            strata_scap::block::types::EV_V2_LARGE
        } else {
            strata_scap::block::types::EV_V2
        };
        self.endian = e;
    }

    /// [`keep`](Self::keep) for a store read only through `has_params`: an event without
    /// parameters leaves the old bytes in place.
    pub(crate) fn keep_with_params(&mut self, ev: &strata_scap::Event<'_>, max: usize) {
        if ev.nparams() == 0 {
            self.valid = ev.raw().len() <= max;
            self.has_params = false;
            return;
        }
        self.keep(ev, max);
    }

    /// The stored event, parsed again from its copy (whether or not the store is valid).
    pub(crate) fn event(&self) -> Option<strata_scap::Event<'_>> {
        strata_scap::Event::parse(self.block_type, &self.body, self.endian).ok()
    }
}

/// Splits a NUL-separated list, ignoring the final terminator.
#[derive(Debug, Clone)]
pub struct NulList<'a> {
    rest: &'a [u8],
}

impl<'a> NulList<'a> {
    /// Iterates the entries of `raw` (`a\0b\0` gives `a`, `b`).
    pub fn new(raw: &'a [u8]) -> Self {
        NulList { rest: raw }
    }
}

impl<'a> Iterator for NulList<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        match self.rest.iter().position(|&b| b == 0) {
            Some(i) => {
                let s = &self.rest[..i];
                self.rest = &self.rest[i + 1..];
                Some(s)
            }
            None => Some(std::mem::take(&mut self.rest)),
        }
    }
}

impl ThreadInfo {
    /// Heap bytes the thread owns (its strings, fd table and stored enters), approximately.
    pub fn heap_bytes(&self) -> usize {
        [
            &self.comm,
            &self.exe,
            &self.exepath,
            &self.args_raw,
            &self.env_raw,
            &self.cwd,
            &self.root,
            &self.cgroups_raw,
            &self.container_id,
            &self.enter.body,
            &self.kept_2022.body,
        ]
        .iter()
        .map(|v| v.capacity())
        .sum::<usize>()
            + self.fds.approx_bytes()
    }

    /// A placeholder for a thread seen in an event but never described (libsinsp's
    /// "invalid" thread): ids unknown, names `<NA>`, credentials unknown.
    pub(crate) fn placeholder(tid: i64, pid: i64) -> Self {
        ThreadInfo {
            tid,
            pid,
            ptid: -1,
            reaper_tid: -1,
            comm: b"<NA>".to_vec(),
            exe: b"<NA>".to_vec(),
            uid: u32::MAX,
            gid: u32::MAX,
            loginuid: u32::MAX,
            vtid: tid,
            vpid: -1,
            ..Self::blank(tid)
        }
    }

    pub(crate) fn blank(tid: i64) -> Self {
        ThreadInfo {
            tid,
            lastevent_fd: -1,
            lastevent_type: u16::MAX,
            fdlimit: -1,
            sid: -1,
            vpgid: -1,
            pgid: -1,
            reaper_tid: -1,
            ..Default::default()
        }
    }

    /// Arguments after `argv[0]`.
    pub fn args(&self) -> NulList<'_> {
        NulList::new(&self.args_raw)
    }

    /// Environment entries (`NAME=value`).
    pub fn env(&self) -> NulList<'_> {
        NulList::new(&self.env_raw)
    }

    /// cgroups (`subsys=path`).
    pub fn cgroups(&self) -> NulList<'_> {
        NulList::new(&self.cgroups_raw)
    }

    /// Whether this is its process's main thread.
    pub fn is_main_thread(&self) -> bool {
        self.tid == self.pid || self.flags & flags::IS_MAIN_THREAD != 0
    }

    /// Whether the thread has exited (procexit seen).
    pub fn is_dead(&self) -> bool {
        self.flags & flags::CLOSED != 0
    }

    /// Whether the thread is a placeholder with unknown ids (libsinsp's `is_invalid`).
    pub fn is_invalid(&self) -> bool {
        self.tid < 0 || self.pid < 0 || self.ptid < 0
    }

    /// Whether the thread uses its main thread's fd table.
    pub fn shares_fds(&self) -> bool {
        self.flags & flags::CLONE_FILES != 0 && !self.is_main_thread()
    }

    /// This thread's own fd table (see [`crate::Inspector::fd_table`] for the shared one).
    pub fn own_fds(&self) -> &FdTable {
        &self.fds
    }

    /// The fd given by the last event's fd parameter (`fd.num`), −1 if none.
    pub fn lastevent_fd(&self) -> i64 {
        self.lastevent_fd
    }

    /// Sets the container id from the cgroups, when one of them names a runc-based container
    /// (libsinsp's container engines resolving a thread); otherwise the id is left as it was
    /// (inherited, or empty for the host).
    pub(crate) fn resolve_container(&mut self) {
        if let Some(id) = NulList::new(&self.cgroups_raw).find_map(container_id_of_cgroup) {
            self.container_id.clear();
            self.container_id.extend_from_slice(id);
        }
    }
}

/// Length of a runc container id in a cgroup path, and of the id reported.
const CONTAINER_ID_LEN: usize = 64;
const REPORTED_CONTAINER_ID_LEN: usize = 12;

/// The container id a `subsys=path` cgroup entry names: runc-based runtimes (Docker,
/// containerd, CRI-O, podman) put a container in a cgroup whose last component is the 64-hex
/// id, bare (non-systemd layout, `/docker/ID`, `/kubepods/.../ID`, `/crio-ID`) or with an
/// engine prefix and a `.scope` suffix (systemd layout, `docker-ID.scope`). The id reported
/// is its first 12 digits.
/// The container type number libsinsp's engines give a container known only from a
/// thread's cgroups (no container event): docker's layouts (`/ID`, `docker-ID.scope`) 0,
/// podman's (`libpod-ID.scope`) 11, the CRI ones (`crio-ID`, `cri-containerd-ID.scope`) 6.
pub fn container_kind_of_cgroups(raw: &[u8]) -> Option<u32> {
    NulList::new(raw).find_map(|e| {
        container_id_of_cgroup(e)?;
        let last = &e[e.iter().rposition(|&c| c == b'/')? + 1..];
        Some(if last.starts_with(b"libpod-") {
            11
        } else if last.starts_with(b"crio-") || last.starts_with(b"cri-containerd-") {
            6
        } else {
            0
        })
    })
}

pub(crate) fn container_id_of_cgroup(entry: &[u8]) -> Option<&[u8]> {
    const PREFIXES: &[&[u8]] = &[b"docker-", b"crio-", b"cri-containerd-", b"libpod-"];
    let path = match entry.iter().position(|&c| c == b'=') {
        Some(p) => &entry[p + 1..],
        None => entry,
    };
    let last = &path[path.iter().rposition(|&c| c == b'/')? + 1..];
    let (body, scope) = match last.strip_suffix(b".scope") {
        Some(b) => (b, true),
        None => (last, false),
    };
    let id = PREFIXES
        .iter()
        .find_map(|p| body.strip_prefix(*p))
        .or_else(|| (!scope).then_some(body))?;
    (id.len() == CONTAINER_ID_LEN && id.iter().all(u8::is_ascii_hexdigit))
        .then(|| &id[..REPORTED_CONTAINER_ID_LEN])
}

/// The thread table, bounded: the threads in a vector, found by tid through a hash map.
/// When full, the least recently active threads (by the time of their last event, then by
/// age) are evicted, a sixteenth of the bound at a time, so endless streams with lost
/// procexits keep memory flat at a cost of a few comparisons per new thread. Activity is event
/// time, never the clock: replaying a file evicts the same threads.
#[derive(Debug, Default)]
pub struct ThreadTable {
    slots: Vec<ThreadInfo>,
    index: HashMap<i64, usize>,
    /// The slot `get_mut` or `insert` last gave out. Events come mostly in runs from one
    /// thread (an enter, then its exit), and comparing this slot's tid costs less than
    /// hashing. It is checked, never trusted: a stale slot holds another thread or none.
    last: usize,
    per_pid: HashMap<i64, u32>,
    next_seq: u64,
    max: usize,
    evicted: u64,
    fds_evicted: u64,
    /// The current event's time: a thread inserted now is active now.
    pub(crate) now: u64,
    /// Reused by eviction: (last active, seq, tid) of every thread.
    scratch: Vec<(u64, u64, i64)>,
}

impl ThreadTable {
    pub(crate) fn new(max: usize) -> Self {
        ThreadTable {
            max: max.max(1),
            ..Default::default()
        }
    }

    /// The slot of thread `tid`.
    #[inline]
    fn slot(&self, tid: i64) -> Option<usize> {
        if self.slots.get(self.last).is_some_and(|t| t.tid == tid) {
            return Some(self.last);
        }
        self.index.get(&tid).copied()
    }

    /// The thread `tid`.
    #[inline]
    pub fn get(&self, tid: i64) -> Option<&ThreadInfo> {
        self.slots.get(self.slot(tid)?)
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, tid: i64) -> Option<&mut ThreadInfo> {
        let i = self.slot(tid)?;
        self.last = i;
        self.slots.get_mut(i)
    }

    /// Number of threads.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// How many threads were evicted to respect the bound.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// The bound on the number of threads.
    pub fn max(&self) -> usize {
        self.max
    }

    /// How many fds went with the threads evicted (those of evicted main threads).
    pub fn fds_evicted(&self) -> u64 {
        self.fds_evicted
    }

    /// Every thread, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &ThreadInfo> {
        self.slots.iter()
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut ThreadInfo> {
        self.slots.iter_mut()
    }

    #[inline]
    pub(crate) fn contains(&self, tid: i64) -> bool {
        self.slot(tid).is_some()
    }

    /// Inserts (or replaces) a thread, evicting the least recently active ones if the table
    /// is full.
    pub(crate) fn insert(&mut self, mut t: ThreadInfo) -> &mut ThreadInfo {
        let tid = t.tid;
        if self.slots.len() >= self.max && !self.contains(tid) {
            self.evict_least_active();
        }
        self.next_seq += 1;
        t.seq = self.next_seq;
        t.active_ts = t.active_ts.max(self.now);
        *self.per_pid.entry(t.pid).or_default() += 1;
        let i = match self.slot(tid) {
            Some(i) => {
                let old = std::mem::replace(&mut self.slots[i], t);
                self.uncount(old.pid);
                i
            }
            None => {
                self.slots.push(t);
                self.index.insert(tid, self.slots.len() - 1);
                self.slots.len() - 1
            }
        };
        self.last = i;
        &mut self.slots[i]
    }

    /// Evicts a sixteenth of the bound (at least what makes room for one), least recently
    /// active first; ties go by age. The set is the same whatever the table's order.
    fn evict_least_active(&mut self) {
        let n = self.slots.len();
        let k = (self.max / 16).max(n + 1 - self.max.min(n)).min(n);
        let mut keys = std::mem::take(&mut self.scratch);
        keys.clear();
        keys.extend(self.slots.iter().map(|t| (t.active_ts, t.seq, t.tid)));
        if k < keys.len() {
            keys.select_nth_unstable(k);
        }
        for &(_, _, tid) in keys.iter().take(k) {
            if let Some(t) = self.remove(tid) {
                self.evicted += 1;
                self.fds_evicted += t.fds.len() as u64;
            }
        }
        self.scratch = keys;
    }

    /// Approximate bytes held: the table's slots and what each thread owns.
    pub fn approx_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<ThreadInfo>()
            + self.index.capacity() * (std::mem::size_of::<(i64, usize)>() + 1)
            + self.per_pid.capacity() * (std::mem::size_of::<(i64, u32)>() + 1)
            + self.scratch.capacity() * std::mem::size_of::<(u64, u64, i64)>()
            + self.slots.iter().map(ThreadInfo::heap_bytes).sum::<usize>()
    }

    fn uncount(&mut self, pid: i64) {
        if let Some(n) = self.per_pid.get_mut(&pid) {
            *n -= 1;
            if *n == 0 {
                self.per_pid.remove(&pid);
            }
        }
    }

    /// Changes a thread's pid, keeping the per-process counts right.
    pub(crate) fn set_pid(&mut self, tid: i64, pid: i64) {
        let Some(t) = self.get_mut(tid) else {
            return;
        };
        let old = std::mem::replace(&mut t.pid, pid);
        if old != pid {
            self.uncount(old);
            *self.per_pid.entry(pid).or_default() += 1;
        }
    }

    /// How many threads of process `pid` the table holds (dead main threads included).
    pub fn threads_of(&self, pid: i64) -> u32 {
        self.per_pid.get(&pid).copied().unwrap_or(0)
    }

    pub(crate) fn remove(&mut self, tid: i64) -> Option<ThreadInfo> {
        let i = self.index.remove(&tid)?;
        let t = self.slots.swap_remove(i);
        // The last thread moved into the freed slot.
        if let Some(moved) = self.slots.get(i) {
            self.index.insert(moved.tid, i);
        }
        self.uncount(t.pid);
        Some(t)
    }

    pub(crate) fn clear(&mut self) {
        self.slots.clear();
        self.index.clear();
        self.per_pid.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_ids_from_cgroups() {
        let id = "697956520d891b5cb0e215093970c733549a3f745f52263c05b37f8a488994bb";
        let of = |c: String| container_id_of_cgroup(c.as_bytes()).map(<[u8]>::to_vec);
        let want = Some(b"697956520d89".to_vec());
        assert_eq!(of(format!("cpuset=/docker/{id}")), want);
        assert_eq!(of(format!("cpu=/system.slice/docker-{id}.scope")), want);
        assert_eq!(of(format!("memory=/kubepods/pod1/crio-{id}")), want);
        assert_eq!(
            of(format!("cpu=/kubepods.slice/cri-containerd-{id}.scope")),
            want
        );
        assert_eq!(of(format!("cpu=/x/{id}.scope")), None);
        assert_eq!(of("cpu=/user.slice".into()), None);
        assert_eq!(of(format!("cpu=/docker/{}", &id[1..])), None);
        let mut t = ThreadInfo::blank(1);
        t.cgroups_raw = format!("cpu=/user.slice\0cpuset=/docker/{id}\0").into_bytes();
        t.resolve_container();
        assert_eq!(t.container_id, b"697956520d89");
    }

    #[test]
    fn nul_list_splits() {
        let v: Vec<_> = NulList::new(b"a\0bc\0").collect();
        assert_eq!(v, [&b"a"[..], b"bc"]);
        let v: Vec<_> = NulList::new(b"a\0\0b").collect();
        assert_eq!(v, [&b"a"[..], b"", b"b"]);
        assert_eq!(NulList::new(b"").count(), 0);
    }

    #[test]
    fn table_evicts_oldest() {
        let mut t = ThreadTable::new(3);
        for tid in 1..=5 {
            t.insert(ThreadInfo::blank(tid));
        }
        assert_eq!(t.len(), 3);
        assert!(t.get(1).is_none() && t.get(2).is_none());
        assert!(t.get(5).is_some());
        assert_eq!(t.evicted(), 2);
    }

    #[test]
    fn table_finds_threads_after_removals_whatever_it_last_gave_out() {
        let mut t = ThreadTable::new(100);
        for tid in 1..=5 {
            t.insert(ThreadInfo::blank(tid));
        }
        t.get_mut(5).unwrap().comm = b"five".to_vec();
        // Thread 5 moves into thread 2's slot.
        assert!(t.remove(2).is_some());
        assert!(t.get(2).is_none() && !t.contains(2));
        assert_eq!(t.get(5).unwrap().comm, b"five");
        t.get_mut(4).unwrap().comm = b"four".to_vec();
        // The slot last given out now holds nothing.
        assert!(t.remove(4).is_some());
        assert!(t.get(4).is_none() && t.get_mut(4).is_none());
        // ... and then another thread.
        t.insert(ThreadInfo::blank(6));
        assert!(t.get(4).is_none());
        assert_eq!(t.get(6).unwrap().tid, 6);
        let mut tids: Vec<i64> = t.iter().map(|x| x.tid).collect();
        tids.sort();
        assert_eq!(tids, [1, 3, 5, 6]);
        // Replacing keeps one entry per tid.
        t.insert(ThreadInfo::blank(3));
        assert_eq!(t.len(), 4);
        t.clear();
        assert!(t.is_empty() && t.get(6).is_none());
    }

    #[test]
    fn table_evicts_least_recently_active_in_batches() {
        let mut t = ThreadTable::new(32);
        for tid in 1..=32 {
            t.now = tid as u64 * 10;
            t.insert(ThreadInfo::blank(tid));
        }
        // Threads 1 and 2 are active again; 3 and 4 are now the least recently active.
        t.now = 1000;
        t.get_mut(1).unwrap().active_ts = 1000;
        t.get_mut(2).unwrap().active_ts = 1000;
        t.insert(ThreadInfo::blank(33));
        assert_eq!(t.evicted(), 2, "a sixteenth of 32 at a time");
        assert!(t.get(3).is_none() && t.get(4).is_none());
        assert!(t.get(1).is_some() && t.get(2).is_some() && t.get(5).is_some());
        assert_eq!(t.len(), 31);
        assert!(t.approx_bytes() >= 31 * std::mem::size_of::<ThreadInfo>());
    }
}

//! The inspector: consumes a capture's blocks in order and keeps the state tables current.

use strata_scap::fdlist::FdInfo as ScapFd;
use strata_scap::iflist::InterfaceAddr as ScapIfAddr;
use strata_scap::param::PPM_AT_FDCWD;
use strata_scap::table::{Direction, EventFlags};
use strata_scap::userlist::UserRecord;
use strata_scap::{Block, Event, ParamValue};

use crate::containers::{ContainerInfo, ContainerTable};
use crate::convert::{self, Converter, Reading};
use crate::ctx::EventCtx;
use crate::fds::{self, FdInfo, FdTable, FdType, SockInfo};
use crate::k8s::K8sState;
use crate::mesos::MesosState;
use crate::params::{Args, Layouts};
use crate::parsers::Handler;
use crate::paths::{self, PathRules};
use crate::stats::{TableStat, TableStats};
use crate::threads::{EnterStore, ThreadInfo, ThreadTable, flags};
use crate::users::{GroupInfo, InterfaceAddr, InterfaceInfo, UserInfo, UserTable};
use hashbrown::HashMap;

/// Bounds of the state tables, and behaviour switches.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Most threads kept (libsinsp's default: 262144). Beyond, the least recently active
    /// threads (by the time of their last event) are evicted, a sixteenth of the bound at a
    /// time. libsinsp instead refuses new threads while full (and purges long-idle ones
    /// every few minutes), so a stream that loses procexits can stop learning new processes
    /// until the purge. Also bounds the enters kept aside for
    /// their exits ([`drop_enter_events`](Self::drop_enter_events)), the oldest let go first.
    pub max_threads: usize,
    /// Most fds per process; further fds are ignored and counted (libsinsp: 4096, also
    /// ignoring them).
    pub max_fds_per_process: usize,
    /// Most users (and groups) per container; further ones are ignored and counted.
    pub max_users: usize,
    /// Most containers described by container events; further ones are ignored and counted.
    /// Users and groups are kept for the host and at most this many containers.
    pub max_containers: usize,
    /// Largest enter event copied for its exit (libsinsp: 4096 bytes).
    pub max_enter_event_bytes: usize,
    /// How many of the newest bytes each stream (a process's fd, one direction) keeps from
    /// its earlier read and write events, for readers of messages that span events
    /// ([`EventCtx::stream_before`]); 0 (the default) keeps none and copies nothing.
    pub stream_bytes: usize,
    /// Placeholder threads get pid = tid, as sysdig 0.29 (libs of 2022) did; libsinsp 0.25
    /// gives them pid −1.
    pub placeholder_pid_is_tid: bool,
    /// `switch` events leave the enter/exit bookkeeping alone (an exit after a context switch
    /// still pairs with its enter), as sysdig 0.29's event table said; today's table does not
    /// flag them, so they break the pair.
    pub switch_skips_pairing: bool,
    /// A send with a destination on an fd never seen creates a UDP socket from the tuple, as
    /// libsinsp 0.25 does; sysdig 0.29 did not.
    pub infer_socket_from_send: bool,
    /// A thread created by clone(CLONE_THREAD) gets the creating thread as its parent (`ptid`),
    /// as sysdig 0.29 did; libsinsp 0.25 gives it the creator's parent.
    pub thread_parent_is_creator: bool,
    /// Placeholder threads have vtid −1, and an execve that does not carry vtid/vpid leaves
    /// them unknown, as sysdig 0.29 did; libsinsp 0.25 takes tid (and pid at the execve).
    pub placeholder_vtid_unknown: bool,
    /// A connect on a socket whose destination is already known keeps it (only the source
    /// is updated), as sysdig 0.29 did; libsinsp 0.25 takes the new destination.
    pub connect_keeps_destination: bool,
    /// A `container` event with JSON is given a thread of its own, as sysdig 0.29 did: tid and pid −1,
    /// vtid and vpid −2, named `container:ID` and in that container. Today's libsinsp leaves
    /// such events without a thread.
    pub container_event_thread: bool,
    /// A clone whose caller was never described (named `<NA>`, uid unknown) drops the caller
    /// and makes a fresh placeholder of it (fds gone) named after the child (comm, exe,
    /// args), gives the child none of the caller's session, tty or loginuid, and the child
    /// of an invalid parent keeps it as parent, as sysdig 0.29 did. libsinsp 0.25 keeps the
    /// caller, fills its ids from the event, and gives such a child parent 0.
    pub clone_names_unknown_caller: bool,
    /// An exit without its enter leaves the thread's last fd as it was (a new thread's is
    /// 0), as sysdig 0.29 did; libsinsp 0.25 forgets it (−1) and takes the exit's own fd
    /// parameter if it has one.
    pub unpaired_exit_keeps_fd: bool,
    /// Enter events are read as libsinsp 0.25's capture reader reads them (see the rules in
    /// `convert.rs`): those of system calls are removed before the state engine, not counted
    /// by `evt.num` and not shown ([`EventCtx::is_dropped`]), their parameters completing the
    /// exit that lacks them; those of `open`, `openat`, `openat2`, `creat`, `connect`,
    /// `execve` and `execveat` are parsed and counted but not shown
    /// ([`EventCtx::is_hidden`]). Enters waiting for their exit are kept for at most
    /// `max_threads` threads. sysdig 0.29 kept every event as it was.
    pub drop_enter_events: bool,
    /// The caller's clone exit adds the child unless the child is in a pid namespace
    /// (`CLONE_CHILD_IN_PIDNS`, or an event vtid other than its tid), as sysdig 0.29 did.
    /// libsinsp 0.25 also leaves `CLONE_NEWPID`, `CLONE_PARENT` and vfork children, and
    /// callers whose known vtid differs, to the child's own clone exit. With it, as in
    /// sysdig 0.29, the child's exit gives a child the caller added the vtid/vpid seen inside
    /// its pid namespace, and a thread the child's exit adds has its main thread as parent.
    pub clone_defers_only_pidns: bool,
    /// Which events use, create or destroy an fd follows sysdig 0.29's event table
    /// ([`event_flags_2022`]): mmap, mmap2, sendmmsg, recvmmsg, symlinkat, unlinkat,
    /// mkdirat, fchmodat and fchmod used none, fstat64 did.
    pub fd_flags_2022: bool,
    /// setresuid/setresgid with an effective id of −1 (unchanged) leave the thread's id as
    /// it was, as sysdig 0.29 did; libsinsp 0.25 takes the −1.
    pub setres_keeps_unchanged_id: bool,
    /// How paths are joined and normalized (`fd.name`, cwd): today's rules, or sysdig
    /// 0.29's ([`PathRules`]).
    pub path_rules: PathRules,
    /// execve keeps the fds opened with `O_CLOEXEC` and the process's other threads, as
    /// sysdig 0.29 did; libsinsp 0.25 drops both, as the kernel does.
    pub execve_keeps_state: bool,
    /// An executable path ending in ` (deleted)` (the kernel's mark for a file removed since
    /// it was run) keeps the mark, as sysdig 0.29 did; libsinsp 0.25 (since libs 0.19) cuts
    /// it off.
    pub exepath_keeps_deleted: bool,
    /// A filter given to [`Inspector::update_filtered`] runs inside the state engine, as
    /// sysdig 0.29's did: on an event whose type does not modify state (no
    /// `EF_MODIFIES_STATE` in the 2022 table), right after the thread and pairing
    /// bookkeeping and before the event's own parsing; an event it refuses is not parsed, and
    /// an enter it refuses leaves its exit unpaired. So with a filter, sysdig 0.29's state
    /// (and what later events show) depends on the filter. libsinsp 0.25 filters after
    /// parsing, leaving the state alone. It also measures `evt.latency` of every exit from
    /// the thread's last enter, as sysdig 0.29 did (which only a filter makes visible).
    pub filter_in_parser: bool,
    /// The state rules see the machine-info block as libsinsp 0.25 does when it reads a
    /// capture: all zero (libscap's generic platform set-up clears the block after the
    /// capture reader filled it), so a clone's child gets no pid-namespace start from the
    /// boot time. sysdig 0.29 had no such rule to feed.
    pub machine_info_zeroed: bool,
}

impl Config {
    /// The behaviour of sysdig 0.29.3 (libsinsp of 2022) where it differs from today's
    /// libsinsp: placeholder pids, `switch` pairing, no socket inferred from sends, the
    /// parent of new threads, vtid/vpid of placeholders, the destination of a second connect,
    /// the thread of a container event, the names of a clone's unknown caller, the fd of an
    /// unpaired exit, which children a clone's caller adds, the event table's fd flags, an
    /// unchanged id given to setresuid/setresgid, the path rules, what execve drops, every enter event kept as it is, filters run inside the state engine.
    pub fn sysdig_029() -> Self {
        Config {
            placeholder_pid_is_tid: true,
            switch_skips_pairing: true,
            infer_socket_from_send: false,
            thread_parent_is_creator: true,
            placeholder_vtid_unknown: true,
            connect_keeps_destination: true,
            container_event_thread: true,
            clone_names_unknown_caller: true,
            unpaired_exit_keeps_fd: true,
            drop_enter_events: false,
            clone_defers_only_pidns: true,
            fd_flags_2022: true,
            setres_keeps_unchanged_id: true,
            path_rules: PathRules::Sysdig029,
            execve_keeps_state: true,
            exepath_keeps_deleted: true,
            filter_in_parser: true,
            machine_info_zeroed: false,
            ..Config::default()
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_threads: 262_144,
            max_fds_per_process: 4096,
            max_users: 65_536,
            max_containers: 4096,
            max_enter_event_bytes: 65_536,
            stream_bytes: 0,
            placeholder_pid_is_tid: false,
            switch_skips_pairing: false,
            infer_socket_from_send: true,
            thread_parent_is_creator: false,
            placeholder_vtid_unknown: false,
            connect_keeps_destination: false,
            container_event_thread: false,
            clone_names_unknown_caller: false,
            unpaired_exit_keeps_fd: false,
            drop_enter_events: true,
            clone_defers_only_pidns: false,
            fd_flags_2022: false,
            setres_keeps_unchanged_id: false,
            path_rules: PathRules::Libsinsp025,
            execve_keeps_state: false,
            exepath_keeps_deleted: false,
            filter_in_parser: false,
            machine_info_zeroed: true,
        }
    }
}

/// What the machine-info block said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Machine {
    /// Number of CPUs.
    pub num_cpus: u32,
    /// Physical memory, bytes.
    pub memory_size_bytes: u64,
    /// Highest pid.
    pub max_pid: u64,
    /// Host name.
    pub hostname: Vec<u8>,
    /// Boot time, nanoseconds since the epoch (0 if not recorded).
    pub boot_ts: u64,
}

/// The state engine: threads, processes, fds, users, groups and interfaces, rebuilt from a
/// capture's metadata blocks and kept current by its events.
///
/// Feed it every block in order: [`process_block`](Inspector::process_block) for metadata,
/// [`process`](Inspector::process) for events, which returns an [`EventCtx`] with read-only
/// views of the event's thread, fd, user and enter event.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use strata_scap::{Block, Capture};
/// use strata_sinsp::Inspector;
///
/// let capture = Capture::from_bytes(strata_scap::demo::capture())?;
/// let mut inspector = Inspector::new();
/// for block in capture.blocks() {
///     match block? {
///         Block::Event(ev) => {
///             let ctx = inspector.process(&ev);
///             if let (Some(thread), Some(fd)) = (ctx.thread(), ctx.fd()) {
///                 let _ = (&thread.comm, &fd.name);
///             }
///         }
///         other => inspector.process_block(&other),
///     }
/// }
/// assert!(inspector.events_seen() > 0);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Inspector {
    pub(crate) cfg: Config,
    pub(crate) threads: ThreadTable,
    pub(crate) users: UserTable,
    pub(crate) interfaces: Vec<InterfaceInfo>,
    pub(crate) machine: Machine,
    k8s: Option<K8sState>,
    pub(crate) streams: crate::streams::Streams,
    mesos: Option<MesosState>,
    pub(crate) lay: &'static Layouts,
    /// Each event code's flags, as this behaviour's table has them, its handler, and whether
    /// it is inert: looked up once per event instead of worked out.
    kinds: Vec<Kind>,
    evt_num: u64,
    first_ts: Option<u64>,
    last_ts: u64,
    pending_thread: Option<i64>,
    pending_close: Option<(i64, i64)>,
    in_metadata: bool,
    leading: bool,
    enter_buf: Vec<u8>,
    pub(crate) path_buf: Vec<u8>,
    /// Closed fds kept so new ones reuse their name buffers (no allocation once warm).
    pub(crate) spare_fds: Vec<FdInfo>,
    listen_ports: Vec<u16>,
    /// The thread of the last container event, in sysdig 0.29's behaviour.
    container_thread: Option<ThreadInfo>,
    pub(crate) containers: ContainerTable,
    /// Container events' JSON, parsed (`ContainerInfo::from_json`) and its id alone.
    container_json: crate::containers::JsonMemo<Option<ContainerInfo>>,
    container_json_ids: crate::containers::JsonMemo<Option<String>>,
    /// Whether the current event is an exit whose thread's last event was not its enter.
    unpaired_exit: bool,
    /// libsinsp 0.25's capture reader ([`Config::drop_enter_events`]).
    conv: Converter,
    /// The last exit the reader completed.
    conv_buf: Vec<u8>,
    /// A filter runs inside the state engine ([`Inspector::update_filtered`] with
    /// [`Config::filter_in_parser`]).
    filtering: bool,
    /// The thread whose kept enter the last exit frees, unless the filter refuses that exit.
    pending_free: Option<i64>,
    /// fds not recorded because their process's table was full.
    pub(crate) fds_dropped: u64,
    /// Whether the current event named its fd anew (libsinsp's `fdinfo_name_changed`).
    pub(crate) fd_renamed: bool,
}

impl Default for Inspector {
    fn default() -> Self {
        Self::new()
    }
}

/// Events whose enter-side fd is not parameter 0.
const MMAP_E: u16 = 160;
const MMAP2_E: u16 = 168;
const SPLICE_E: u16 = 166;
const EXECVE_19_X: u16 = 293;
const EXECVEAT_E: u16 = 330;
/// The container events with JSON (sysdig 0.29 made up a thread for these).
const CONTAINER_JSON_E: u16 = 272;
/// The older container event: id, type, name, image; no address.
const CONTAINER_E: u16 = 228;
/// `k8s`: Kubernetes objects (older captures).
const K8S_E: u16 = 260;
/// `mesos`: Mesos frameworks and tasks, Marathon groups and apps (older captures).
const MESOS_E: u16 = 270;
const CONTAINER_JSON_2_E: u16 = 324;
const WRITE_X: u16 = 9;

/// What reading one event did.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// The flavor's reader drops it: not counted, not applied.
    Dropped,
    /// Applied; `converted` when the inspector's buffer holds the completed exit, `hidden`
    /// when counted but not shown.
    Applied {
        applied: Applied,
        converted: bool,
        hidden: bool,
    },
}

impl Inspector {
    /// An inspector with default bounds.
    pub fn new() -> Self {
        Self::with_config(Config::default())
    }

    /// An inspector with the given bounds.
    pub fn with_config(cfg: Config) -> Self {
        let containers = ContainerTable::new(cfg.max_containers);
        Inspector {
            threads: ThreadTable::new(cfg.max_threads),
            users: UserTable::new(cfg.max_users, cfg.max_containers),
            interfaces: Vec::new(),
            machine: Machine::default(),
            k8s: None,
            streams: Default::default(),
            mesos: None,
            lay: crate::params::layouts(),
            kinds: kinds(&cfg),
            evt_num: 0,
            first_ts: None,
            last_ts: 0,
            pending_thread: None,
            pending_close: None,
            in_metadata: true,
            leading: true,
            enter_buf: Vec::new(),
            path_buf: Vec::new(),
            spare_fds: Vec::new(),
            listen_ports: Vec::new(),
            container_thread: None,
            containers,
            container_json: Default::default(),
            container_json_ids: Default::default(),
            unpaired_exit: false,
            filtering: false,
            pending_free: None,
            fds_dropped: 0,
            fd_renamed: false,
            conv: Converter::new(cfg.max_enter_event_bytes, cfg.max_threads),
            conv_buf: Vec::new(),
            cfg,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Adopts the behaviour switches of `cfg` for the events still to come, keeping the
    /// tables and their bounds.
    ///
    /// For a choice that depends on the capture itself, such as following sysdig 0.29 on a
    /// capture written in its time: the leading events say which, after the blocks of initial
    /// state are already read. Until the first event that is not a leading user, group or
    /// container event, the choice changes nothing already done.
    pub fn set_behaviour(&mut self, cfg: &Config) {
        let Config {
            max_threads: _,
            max_fds_per_process: _,
            max_users: _,
            max_containers: _,
            max_enter_event_bytes: _,
            stream_bytes: _,
            placeholder_pid_is_tid,
            switch_skips_pairing,
            infer_socket_from_send,
            thread_parent_is_creator,
            placeholder_vtid_unknown,
            connect_keeps_destination,
            container_event_thread,
            clone_names_unknown_caller,
            unpaired_exit_keeps_fd,
            drop_enter_events,
            clone_defers_only_pidns,
            fd_flags_2022,
            setres_keeps_unchanged_id,
            path_rules,
            execve_keeps_state,
            exepath_keeps_deleted,
            filter_in_parser,
            machine_info_zeroed,
        } = *cfg;
        self.cfg.machine_info_zeroed = machine_info_zeroed;
        self.cfg.exepath_keeps_deleted = exepath_keeps_deleted;
        self.cfg.placeholder_pid_is_tid = placeholder_pid_is_tid;
        self.cfg.switch_skips_pairing = switch_skips_pairing;
        self.cfg.infer_socket_from_send = infer_socket_from_send;
        self.cfg.thread_parent_is_creator = thread_parent_is_creator;
        self.cfg.placeholder_vtid_unknown = placeholder_vtid_unknown;
        self.cfg.connect_keeps_destination = connect_keeps_destination;
        self.cfg.container_event_thread = container_event_thread;
        self.cfg.clone_names_unknown_caller = clone_names_unknown_caller;
        self.cfg.unpaired_exit_keeps_fd = unpaired_exit_keeps_fd;
        self.cfg.clone_defers_only_pidns = clone_defers_only_pidns;
        self.cfg.fd_flags_2022 = fd_flags_2022;
        self.cfg.setres_keeps_unchanged_id = setres_keeps_unchanged_id;
        self.cfg.path_rules = path_rules;
        self.cfg.execve_keeps_state = execve_keeps_state;
        self.cfg.filter_in_parser = filter_in_parser;
        self.cfg.drop_enter_events = drop_enter_events;
        self.kinds = kinds(&self.cfg);
        // Threads read from the tables before the first event (leading user, group and
        // container events aside) start as the new behaviour's do.
        if self.leading {
            let fd = self.new_thread_last_fd();
            for t in self.threads.iter_mut() {
                t.lastevent_fd = fd;
            }
        }
    }

    /// The thread table.
    pub fn threads(&self) -> &ThreadTable {
        &self.threads
    }

    /// The thread `tid` (for ancestors: follow `ptid`).
    #[inline]
    pub fn thread(&self, tid: i64) -> Option<&ThreadInfo> {
        self.threads.get(tid)
    }

    /// The main thread of `t`'s process (itself for a main thread).
    pub fn main_thread<'s>(&'s self, t: &'s ThreadInfo) -> Option<&'s ThreadInfo> {
        if t.is_main_thread() {
            Some(t)
        } else {
            self.threads.get(t.pid)
        }
    }

    /// The fd table `t` uses: its main thread's when it shares it, else its own.
    pub fn fd_table<'s>(&'s self, t: &'s ThreadInfo) -> &'s FdTable {
        if t.shares_fds() {
            if let Some(m) = self.threads.get(t.pid) {
                return &m.fds;
            }
        }
        &t.fds
    }

    /// The working directory of `t` (kept on the main thread).
    pub fn cwd<'s>(&'s self, t: &'s ThreadInfo) -> &'s [u8] {
        match self.main_thread(t) {
            Some(m) => &m.cwd,
            None => &t.cwd,
        }
    }

    /// Users and groups.
    pub fn users(&self) -> &UserTable {
        &self.users
    }

    /// Each bounded table's size, bound, approximate bytes, and what its bound evicted or
    /// dropped (see [`Config`] for the bounds). It walks the tables: call it now and then,
    /// not per event.
    pub fn table_stats(&self) -> TableStats {
        let t = &self.threads;
        let u = &self.users;
        let c = &self.containers;
        let (enters, max_enters) = self.conv.len_and_max();
        TableStats {
            threads: TableStat {
                len: t.len(),
                max: t.max(),
                bytes: t.approx_bytes(),
                evicted: t.evicted(),
                dropped: 0,
            },
            fds: TableStat {
                len: t.iter().map(|t| t.fds.len()).sum(),
                max: self.cfg.max_fds_per_process,
                bytes: 0,
                evicted: t.fds_evicted(),
                dropped: self.fds_dropped,
            },
            users: TableStat {
                len: u.user_count(),
                max: u.max(),
                bytes: u.approx_bytes(false),
                evicted: 0,
                dropped: u.users_dropped(),
            },
            groups: TableStat {
                len: u.group_count(),
                max: u.max(),
                bytes: u.approx_bytes(true),
                evicted: 0,
                dropped: u.groups_dropped(),
            },
            containers: TableStat {
                len: c.len(),
                max: c.max(),
                bytes: c.approx_bytes(),
                evicted: 0,
                dropped: c.dropped(),
            },
            enters: TableStat {
                len: enters,
                max: max_enters,
                bytes: self.conv.approx_bytes(),
                evicted: 0,
                dropped: self.conv.dropped,
            },
        }
    }

    /// The containers the capture's container events described.
    pub fn containers(&self) -> &ContainerTable {
        &self.containers
    }

    /// Keeps the newest `bytes` bytes of each stream's earlier reads and writes from now on
    /// ([`Config::stream_bytes`]; 0 stops).
    pub fn set_stream_bytes(&mut self, bytes: usize) {
        self.cfg.stream_bytes = bytes;
        if bytes == 0 {
            self.streams.clear();
        }
    }

    /// The Kubernetes objects the capture's `k8s` events described; `None` before the first
    /// such event.
    pub fn k8s(&self) -> Option<&K8sState> {
        self.k8s.as_ref()
    }

    /// The Mesos and Marathon state the capture's `mesos` events described; `None` before the
    /// first such event (sysdig reading a file always has one, empty until then: no task is
    /// known either way).
    pub fn mesos(&self) -> Option<&MesosState> {
        self.mesos.as_ref()
    }

    /// The network interfaces.
    pub fn interfaces(&self) -> &[InterfaceInfo] {
        &self.interfaces
    }

    /// The machine-info block's contents.
    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    /// Number of events processed (the last `evt.num`).
    pub fn events_seen(&self) -> u64 {
        self.evt_num
    }

    /// Timestamp of the last event processed (0 before any).
    pub fn last_ts(&self) -> u64 {
        self.last_ts
    }

    /// The thread and the fd the last event scheduled for removal: they leave the tables
    /// when the next event is processed, so a dumper opened now leaves them out.
    pub(crate) fn pending_removals(&self) -> (Option<i64>, Option<(i64, i64)>) {
        (self.pending_thread, self.pending_close)
    }

    /// The enter events waiting for their exit, per thread: the last enter the pairing kept
    /// (while its exit has not come) and, in libsinsp 0.25's reading, the enter its capture
    /// reader kept aside to complete the exit. The later one when both are kept.
    pub(crate) fn awaiting_enters(&self) -> Vec<(u64, EnterStore)> {
        let mut out: HashMap<u64, EnterStore> = HashMap::new();
        for t in self.threads.iter() {
            if t.enter.valid && t.lastevent_type != u16::MAX {
                if let Some(ev) = t.enter.event() {
                    if ev.event_type == t.lastevent_type {
                        out.insert(t.tid as u64, t.enter.clone());
                    }
                }
            }
        }
        for (tid, slot) in self.conv.kept_enters() {
            let newer = match (out.get(&tid).and_then(|s| s.event()), slot.event()) {
                (Some(a), Some(b)) => b.ts > a.ts,
                (None, Some(_)) => true,
                _ => false,
            };
            if newer {
                out.insert(tid, slot.clone());
            }
        }
        out.into_iter().collect()
    }

    /// Resets every table, as a new section of the capture starts.
    pub fn reset(&mut self) {
        self.threads.clear();
        self.users.clear();
        self.interfaces.clear();
        self.machine = Machine::default();
        self.pending_thread = None;
        self.pending_close = None;
        self.in_metadata = true;
        self.leading = true;
        self.first_ts = None;
        self.listen_ports.clear();
        self.conv.clear();
        self.containers = ContainerTable::new(self.cfg.max_containers);
        self.k8s = None;
        self.streams.clear();
        self.mesos = None;
    }

    /// Takes in a metadata block: process, fd, user and interface lists, machine info; a
    /// section header resets the state. Event blocks go to [`process`](Self::process) instead
    /// (given here, they are processed and their context dropped).
    pub fn process_block(&mut self, block: &Block<'_>) {
        match block {
            Block::Section(_) => self.reset(),
            Block::MachineInfo(mi) => {
                self.machine = Machine {
                    num_cpus: mi.num_cpus,
                    memory_size_bytes: mi.memory_size_bytes,
                    max_pid: mi.max_pid,
                    hostname: mi.hostname().to_vec(),
                    boot_ts: mi.boot_ts_epoch,
                };
            }
            Block::ProcessList(pl) => {
                for e in pl.entries() {
                    self.add_proc_entry(&e);
                }
            }
            Block::FdList(fl) => {
                let tid = fl.tid() as i64;
                for e in fl.entries() {
                    self.add_fd_entry(tid, e.fd, e.ino, &e.info);
                }
            }
            Block::UserList(ul) => {
                for e in ul.entries() {
                    match e.record {
                        UserRecord::User(u) => self.users.add_user(
                            b"",
                            UserInfo {
                                uid: u.uid,
                                gid: u.gid,
                                name: u.name.to_vec(),
                                homedir: u.homedir.to_vec(),
                                shell: u.shell.to_vec(),
                            },
                        ),
                        UserRecord::Group(g) => self.users.add_group(
                            b"",
                            GroupInfo {
                                gid: g.gid,
                                name: g.name.to_vec(),
                            },
                        ),
                    }
                }
            }
            Block::InterfaceList(il) => {
                for e in il.entries() {
                    let addr = match e.addr {
                        ScapIfAddr::Ipv4 {
                            addr,
                            netmask,
                            bcast,
                            ..
                        } => InterfaceAddr::V4 {
                            addr: addr.into(),
                            netmask: netmask.into(),
                            bcast: bcast.into(),
                        },
                        ScapIfAddr::Ipv6 {
                            addr,
                            netmask,
                            bcast,
                            ..
                        } => InterfaceAddr::V6 {
                            addr: addr.into(),
                            netmask: netmask.into(),
                            bcast: bcast.into(),
                        },
                        _ => continue,
                    };
                    self.interfaces.push(InterfaceInfo {
                        name: e.name.to_vec(),
                        addr,
                        linkspeed: e.addr.linkspeed(),
                    });
                }
            }
            Block::Event(ev) => {
                let _ = self.process(ev);
            }
            _ => {}
        }
    }

    fn add_proc_entry(&mut self, e: &strata_scap::proclist::ProcessEntry<'_>) {
        let tid = e.tid as i64;
        let mut t = ThreadInfo::blank(tid);
        t.lastevent_fd = self.new_thread_last_fd();
        t.pid = e.pid as i64;
        t.ptid = e.ptid as i64;
        t.sid = e.sid;
        t.vpgid = e.vpgid;
        t.pgid = e.pgid;
        t.comm = e.comm.to_vec();
        t.exe = e.exe.to_vec();
        // Until the leading events have settled the era, the path is kept as listed (see
        // `advance`).
        let keep = self.leading || self.cfg.exepath_keeps_deleted;
        crate::parsers::set_exepath(&mut t, e.exepath, keep);
        t.args_raw = e.args.to_vec();
        t.env_raw = e.env.to_vec();
        paths::cwd_into(&mut t.cwd, b"/", e.cwd);
        t.root = e.root.to_vec();
        t.cgroups_raw = e.cgroups.to_vec();
        t.resolve_container();
        t.fdlimit = e.fdlimit;
        t.flags = e.flags | flags::ACTIVE;
        if tid != t.pid {
            t.flags |= flags::CLONE_THREAD | flags::CLONE_FILES;
        }
        t.uid = e.uid;
        t.gid = e.gid;
        t.loginuid = e.loginuid;
        t.vmsize_kb = e.vmsize_kb;
        t.vmrss_kb = e.vmrss_kb;
        t.vmswap_kb = e.vmswap_kb;
        t.pfmajor = e.pfmajor;
        t.pfminor = e.pfminor;
        t.vtid = e.vtid;
        t.vpid = e.vpid;
        t.pidns_init_start_ts = e.pidns_init_start_ts;
        t.tty = e.tty;
        t.cap_inheritable = e.cap_inheritable;
        t.cap_permitted = e.cap_permitted;
        t.cap_effective = e.cap_effective;
        t.exe_ino = e.exe_ino;
        // libscap's capture reader leaves `exe_ino_ctime_duration_clone_ts` of listed threads
        // unset (stack garbage); 0 here, which reads as unknown.
        t.exe_ino_ctime = e.exe_ino_ctime;
        t.exe_ino_mtime = e.exe_ino_mtime;
        t.exe_writable = e.exe_writable != 0;
        t.exe_upper_layer = e.exe_upper_layer != 0;
        t.exe_lower_layer = e.exe_lower_layer != 0;
        t.exe_from_memfd = e.exe_from_memfd != 0;
        let tid = t.tid;
        self.threads.insert(t);
        crate::parsers::proc::identify_category(self, tid);
    }

    fn add_fd_entry(&mut self, tid: i64, fd: i64, ino: u64, info: &ScapFd<'_>) {
        let max = self.cfg.max_fds_per_process;
        let Some(t) = self.threads.get_mut(tid) else {
            return;
        };
        let mut f = FdInfo {
            fd,
            ino,
            ty: FdType::from_code(info.fd_type()),
            flags: fds::FLAG_FROM_PROC,
            ..Default::default()
        };
        // The four IP kinds differ only in their address type and whether they listen.
        let ip = match *info {
            ScapFd::Ipv4Socket {
                sip,
                dip,
                sport,
                dport,
                l4proto,
            } => Some((
                l4proto,
                SockInfo::V4 {
                    sip: sip.into(),
                    sport,
                    dip: dip.into(),
                    dport,
                },
                None,
            )),
            ScapFd::Ipv6Socket {
                sip,
                dip,
                sport,
                dport,
                l4proto,
            } => Some((
                l4proto,
                SockInfo::V6 {
                    sip: sip.into(),
                    sport,
                    dip: dip.into(),
                    dport,
                },
                None,
            )),
            ScapFd::Ipv4ServerSocket { ip, port, l4proto } => Some((
                l4proto,
                SockInfo::V4Server {
                    ip: ip.into(),
                    port,
                },
                Some(port),
            )),
            ScapFd::Ipv6ServerSocket { ip, port, l4proto } => Some((
                l4proto,
                SockInfo::V6Server {
                    ip: ip.into(),
                    port,
                },
                Some(port),
            )),
            _ => None,
        };
        if let Some((l4proto, sock, listening)) = ip {
            f.l4proto = l4proto;
            f.sock = sock;
            // libsinsp takes a TCP connection of the table for a connected one.
            if listening.is_none() && l4proto == fds::l4::TCP {
                f.flags |= fds::FLAG_SOCKET_CONNECTED;
            }
            if let Some(port) = listening {
                f.flags |= fds::FLAG_ROLE_SERVER;
                self.listen_ports.push(port);
            }
            f.rename_from_sock();
        }
        match *info {
            ScapFd::Ipv4Socket { .. }
            | ScapFd::Ipv6Socket { .. }
            | ScapFd::Ipv4ServerSocket { .. }
            | ScapFd::Ipv6ServerSocket { .. } => {}
            ScapFd::UnixSocket {
                source,
                destination,
                path,
            } => {
                f.sock = SockInfo::Unix {
                    source,
                    dest: destination,
                };
                f.name = path.to_vec();
                // libsinsp gives a unix socket of the table a role: server when it has a
                // path, else client.
                f.flags |= if path.is_empty() {
                    fds::FLAG_ROLE_CLIENT
                } else {
                    fds::FLAG_ROLE_SERVER
                };
            }
            ScapFd::FileV2 {
                open_flags,
                name,
                dev,
            } => {
                f.open_flags = open_flags;
                f.dev = dev.unwrap_or(0);
                f.name = name.to_vec();
            }
            _ => f.name = info.name().unwrap_or_default().to_vec(),
        }
        if !t.fds.insert(f, max) {
            self.fds_dropped += 1;
        }
    }

    /// Ends the metadata phase: parent links, and socket roles from the listening ports.
    fn finish_metadata(&mut self) {
        self.in_metadata = false;
        let tids: Vec<(i64, i64, i64)> = self
            .threads
            .iter()
            .map(|t| (t.tid, t.pid, t.ptid))
            .collect();
        for (tid, pid, ptid) in tids {
            if pid != 1 && self.threads.get(ptid).is_none_or(|p| p.is_invalid()) {
                if let Some(t) = self.threads.get_mut(tid) {
                    t.ptid = 0;
                }
            }
        }
        let ports = std::mem::take(&mut self.listen_ports);
        for t in self.threads.iter_mut() {
            t.fds.retain(|f| {
                if f.flags & fds::FLAG_FROM_PROC != 0 {
                    if let SockInfo::V4 {
                        sip,
                        sport,
                        dip,
                        dport,
                    } = f.sock
                    {
                        if ports.contains(&sport) {
                            f.sock = SockInfo::V4 {
                                sip: dip,
                                sport: dport,
                                dip: sip,
                                dport: sport,
                            };
                            f.flags |= fds::FLAG_ROLE_SERVER;
                            f.rename_from_sock();
                        } else {
                            f.flags |= fds::FLAG_ROLE_CLIENT;
                        }
                    }
                }
                true
            });
        }
        self.listen_ports = ports;
    }

    /// The thread `tid`, created as a placeholder if unknown (libsinsp's lookup with creation).
    pub(crate) fn thread_or_placeholder(&mut self, tid: i64) -> &mut ThreadInfo {
        if !self.threads.contains(tid) {
            let pid = if self.cfg.placeholder_pid_is_tid {
                tid
            } else {
                -1
            };
            let mut t = ThreadInfo::placeholder(tid, pid);
            if self.cfg.placeholder_vtid_unknown {
                t.vtid = -1;
            }
            t.lastevent_fd = self.new_thread_last_fd();
            self.threads.insert(t);
        }
        self.threads.get_mut(tid).expect("present")
    }

    /// The last fd of a thread just made: sysdig 0.29's threads started with 0, which an
    /// unpaired exit then shows (`unpaired_exit_keeps_fd`); otherwise none (−1).
    pub(crate) fn new_thread_last_fd(&self) -> i64 {
        if self.cfg.unpaired_exit_keeps_fd {
            0
        } else {
            -1
        }
    }

    /// Writes to `out` the absolute name of `path` as thread `tid`'s openat at directory fd
    /// `dirfd` reaches it (libsinsp's `parse_dirfd`): against the working directory for
    /// `AT_FDCWD` (`path` as it is when that is unknown), against the directory's name for
    /// another fd, after `<UNKNOWN>` when that fd is not in the table.
    pub(crate) fn resolve_at(&self, tid: i64, dirfd: i64, path: &[u8], out: &mut Vec<u8>) {
        out.clear();
        let rules = self.cfg.path_rules;
        if path.first() == Some(&b'/') {
            paths::concat_into(out, b"/", path, rules);
        } else if dirfd != PPM_AT_FDCWD {
            match self.fds_of(tid).and_then(|t| t.get(dirfd)) {
                Some(dir) => paths::concat_into(out, &dir.name, path, rules),
                None => {
                    out.extend_from_slice(b"<UNKNOWN>");
                    out.extend_from_slice(path);
                }
            }
        } else {
            let cwd = self.threads.get(tid).map(|t| self.cwd(t)).unwrap_or(b"");
            paths::concat_into(out, cwd, path, rules);
        }
    }

    /// The fd table `tid` uses, mutable.
    pub(crate) fn fds_mut(&mut self, tid: i64) -> Option<&mut FdTable> {
        let t = self.threads.get(tid)?;
        let owner = if t.shares_fds() && self.threads.contains(t.pid) {
            t.pid
        } else {
            tid
        };
        self.threads.get_mut(owner).map(|t| &mut t.fds)
    }

    /// The fd table `tid` uses.
    pub(crate) fn fds_of(&self, tid: i64) -> Option<&FdTable> {
        let t = self.threads.get(tid)?;
        Some(self.fd_table(t))
    }

    pub(crate) fn schedule_thread_removal(&mut self, tid: i64) {
        self.pending_thread = Some(tid);
    }

    pub(crate) fn schedule_close(&mut self, tid: i64, fd: i64) {
        self.pending_close = Some((tid, fd));
    }

    /// Removes an exited thread, keeping a dead main thread while other threads of its
    /// process live (their fd table is its).
    pub(crate) fn remove_thread(&mut self, tid: i64) {
        let Some(t) = self.threads.get(tid) else {
            return;
        };
        if t.is_invalid() {
            self.threads.remove(tid);
            return;
        }
        let pid = t.pid;
        if t.is_main_thread() {
            if self.threads.threads_of(pid) <= 1 {
                self.threads.remove(tid);
            }
            return;
        }
        self.threads.remove(tid);
        if self.threads.threads_of(pid) == 1 && self.threads.get(pid).is_some_and(|m| m.is_dead()) {
            self.threads.remove(pid);
        }
    }

    /// Processes one event: updates the state and returns the event's context.
    ///
    /// Every event is counted (`evt.num` from 1), whatever its type, and none is hidden,
    /// except where libsinsp 0.25's capture reader removes or filters out enter events
    /// ([`Config::drop_enter_events`]): then [`EventCtx::is_dropped`] and
    /// [`EventCtx::is_hidden`] say so, and an exit that lacked parameters comes back
    /// completed from its enter event.
    pub fn process<'a>(&'a mut self, ev: &Event<'a>) -> EventCtx<'a> {
        let p = self.update(ev);
        self.context_of(ev, p)
    }

    /// The first half of [`process`](Self::process): updates the state with `ev` and says
    /// what it did, without building the context. [`context_of`](Self::context_of) builds it,
    /// from a shared borrow, until the next event is applied. The split lets a reader that
    /// decides per event whether to hand it out (a filter) take the inspector mutably in a
    /// loop and return the context of the event it stops at.
    pub fn update(&mut self, ev: &Event<'_>) -> Processed {
        Processed(self.step(ev, None))
    }

    /// [`update`](Self::update) for a reader with a filter. With
    /// [`Config::filter_in_parser`] (sysdig 0.29), `filter` runs where sysdig 0.29 ran it,
    /// inside the state engine, on the events that do not modify state, and decides whether
    /// they are parsed ([`Processed::prefiltered`] gives its answer); on other events (and
    /// without that switch) it is not called, and the caller filters the context.
    #[inline]
    pub fn update_filtered(
        &mut self,
        ev: &Event<'_>,
        filter: &mut dyn FnMut(&EventCtx<'_>) -> bool,
    ) -> Processed {
        self.filtering |= self.cfg.filter_in_parser;
        Processed(self.step(ev, Some(Prefilter::Ask(filter))))
    }

    /// [`update_filtered`](Self::update_filtered) for an event the caller knows the filter
    /// refuses (one of a type the filter cannot match), without building a context to ask
    /// it. Call [`refused`](Self::refused) after it if it was parsed anyway
    /// ([`Processed::prefiltered`] is `None`).
    #[inline]
    pub fn update_refused(&mut self, ev: &Event<'_>) -> Processed {
        self.filtering |= self.cfg.filter_in_parser;
        Processed(self.step(ev, Some(Prefilter::Refused)))
    }

    /// Tells the inspector that the filter refused the event last given to
    /// [`update_filtered`](Self::update_filtered) after it was parsed (its
    /// [`Processed::prefiltered`] was `None`). With [`Config::filter_in_parser`], as in
    /// sysdig 0.29, an exit the filter refuses does not free the enter kept for it, which the
    /// next exit of the same type then takes as its own.
    pub fn refused(&mut self) {
        self.pending_free = None;
    }

    /// The context of the event last given to [`update`](Self::update), which returned `p`.
    /// `ev` must be that event.
    #[inline]
    pub fn context_of<'a>(&'a self, ev: &Event<'a>, p: Processed) -> EventCtx<'a> {
        match p.0 {
            Step::Dropped => {
                let t = self.threads.get(ev.tid as i64);
                let first_ts = self.first_ts.unwrap_or(ev.ts);
                EventCtx::with_thread(self, *ev, self.evt_num, t, self.last_ts, first_ts, false)
                    .dropped()
            }
            Step::Applied {
                applied,
                converted,
                hidden,
            } => {
                // A completed exit lives in the inspector's buffer until the next event.
                let ev = match converted {
                    true => convert::converted(ev, &self.conv_buf).unwrap_or(*ev),
                    false => *ev,
                };
                let ctx = self.context(ev, applied);
                if hidden { ctx.hidden() } else { ctx }
            }
        }
    }

    /// The fd the context of `ev` is about (what [`context_of`](Self::context_of) then
    /// [`EventCtx::fd`] give), found without building the context: a filter that needs an
    /// fd refuses the events without one for less.
    ///
    /// ```
    /// use strata_sinsp::Inspector;
    /// let bytes = strata_scap::demo::capture();
    /// let mut insp = Inspector::new();
    /// for block in strata_scap::SliceReader::new(&bytes) {
    ///     match block? {
    ///         strata_scap::Block::Event(ev) => {
    ///             let p = insp.update(&ev);
    ///             let fd = insp.event_fd_of(&ev, p).map(|f| f.fd);
    ///             assert_eq!(fd, insp.context_of(&ev, p).fd().map(|f| f.fd));
    ///         }
    ///         other => insp.process_block(&other),
    ///     }
    /// }
    /// # Ok::<(), strata_scap::Error>(())
    /// ```
    #[inline]
    pub fn event_fd_of<'a>(&'a self, ev: &Event<'a>, p: Processed) -> Option<&'a FdInfo> {
        match p.0 {
            Step::Applied {
                applied,
                converted: false,
                ..
            } if !applied.container => {
                let (_, _, fds, fd_num) = crate::ctx::resolve(self, &applied);
                fds?.get(fd_num?)
            }
            _ => self.context_of(ev, p).fd(),
        }
    }

    /// The event the context of `ev` holds ([`context_of`](Self::context_of)): `ev`, or
    /// the exit libsinsp 0.25 completes in its place (see the example of
    /// [`Processed::without_fd`]).
    pub fn event_of<'a>(&'a self, ev: &Event<'a>, p: Processed) -> Event<'a> {
        match p.0 {
            Step::Applied {
                converted: true, ..
            } => convert::converted(ev, &self.conv_buf).unwrap_or(*ev),
            _ => *ev,
        }
    }

    /// Takes in an event the caller will not look at (one it hides, such as `procinfo`):
    /// the state and the event count move on exactly as with [`process`](Self::process),
    /// without the cost of building the event's context.
    #[inline]
    pub fn skip(&mut self, ev: &Event<'_>) {
        if self.is_inert(ev) {
            self.advance(ev);
            // As the bookkeeping of such an enter event leaves it.
            self.unpaired_exit = false;
            return;
        }
        self.skip_applied(ev);
    }

    /// [`skip`](Self::skip) for an event that is not inert.
    #[inline(never)]
    fn skip_applied(&mut self, ev: &Event<'_>) {
        let _ = self.step(ev, None);
    }

    /// Counts `ev` as read (its number, the capture's times, the leading initial state)
    /// without applying it to the state, for a reader that needs no state from here on (a
    /// filter on the event alone, writing no state). Returns the event's number (`evt.num`)
    /// and whether it belongs to the leading initial state, which readers do not show. Only
    /// for a flavor whose reader drops no event ([`Config::drop_enter_events`] off); the
    /// state no longer follows the capture.
    #[inline]
    pub fn pass_over(&mut self, ev: &Event<'_>) -> (u64, bool) {
        // Nearly every event: past the leading events, nothing scheduled by the one before.
        if !self.in_metadata
            && !self.leading
            && self.first_ts.is_some()
            && self.pending_free.is_none()
            && self.pending_thread.is_none()
            && self.pending_close.is_none()
        {
            self.evt_num += 1;
            self.last_ts = ev.ts;
            self.threads.now = ev.ts;
            return (self.evt_num, false);
        }
        if self.in_metadata {
            self.finish_metadata();
        }
        let (initial_state, _, _) = self.advance(ev);
        (self.evt_num, initial_state)
    }

    /// Reads one event as the flavor's capture reader would, and applies it unless dropped.
    #[inline(never)]
    fn step(&mut self, ev: &Event<'_>, filter: Option<Prefilter<'_>>) -> Step {
        if self.in_metadata {
            self.finish_metadata();
        }
        if self.cfg.drop_enter_events {
            return self.step_reading(ev, filter);
        }
        Step::Applied {
            applied: self.apply(ev, filter),
            converted: false,
            hidden: false,
        }
    }

    /// [`step`](Self::step) through libsinsp 0.25's capture reader, which drops, hides or
    /// completes events before they are applied. Out of line: sysdig 0.29's reading, with
    /// none of it, goes without its frame.
    #[inline(never)]
    fn step_reading(&mut self, ev: &Event<'_>, filter: Option<Prefilter<'_>>) -> Step {
        let mut buf = std::mem::take(&mut self.conv_buf);
        let reading = self.conv.read(ev, &mut buf);
        let converted = match reading {
            Reading::Converted => convert::converted(ev, &buf),
            _ => None,
        };
        if let Some(conv) = converted {
            let applied = self.apply(&conv, filter);
            self.conv_buf = buf;
            return Step::Applied {
                applied,
                converted: true,
                hidden: false,
            };
        }
        self.conv_buf = buf;
        let hidden = match reading {
            Reading::Drop => return Step::Dropped,
            Reading::Hide => true,
            Reading::Keep | Reading::Converted => false,
        };
        Step::Applied {
            applied: self.apply(ev, filter),
            converted: false,
            hidden,
        }
    }

    /// Applies one (counted) event to the state.
    fn apply(&mut self, ev: &Event<'_>, filter: Option<Prefilter<'_>>) -> Applied {
        let (initial_state, first_ts, prev_ts) = self.advance(ev);
        let code = ev.event_type;
        let (eflags, handler) = self.flags_and_handler(ev);
        let tid = ev.tid as i64;
        // (`contains` first: a known thread needs no second lookup.)
        if tid != -1 && handler.creates_thread_on_lookup() && !self.threads.contains(tid) {
            self.thread_or_placeholder(tid);
        }
        let thread_new = handler == Handler::Clone && !self.threads.contains(tid);
        if handler == Handler::ProcExit {
            self.conv.forget(ev.tid);
        }

        // An enter the filter refuses before it is parsed (sysdig 0.29) leaves its exit
        // unpaired: its copy would never be read.
        let refused_unparsed = matches!(filter, Some(Prefilter::Refused))
            && self.cfg.filter_in_parser
            && eflags & EventFlags::MODIFIES_STATE == 0;
        let enter_valid = self.pair(ev, tid, code, eflags, !refused_unparsed);

        // sysdig 0.29 found no fd for an exit without its enter, so its parsers of fd changes
        // and of calls that needed their enter's parameters did nothing.
        // Under a filter, sysdig 0.29 looked up a write exit's fd even when unpaired (to tell
        // tracer writes apart), so its parser ran as for a paired one.
        let unpaired = self.cfg.unpaired_exit_keeps_fd
            && self.unpaired_exit
            && !(self.filtering && code == WRITE_X);
        let fd_flags = EventFlags::CREATES_FD | EventFlags::USES_FD | EventFlags::DESTROYS_FD;
        let before = Applied {
            tid,
            uses_fd: eflags & fd_flags != 0,
            enter_valid,
            prev_ts,
            first_ts,
            initial_state,
            unpaired,
            container: false,
            prefiltered: None,
            thread_new,
        };
        let mut prefiltered = None;
        if let Some(f) = filter {
            if self.cfg.filter_in_parser && eflags & EventFlags::MODIFIES_STATE == 0 {
                let pass = match f {
                    Prefilter::Ask(f) => f(&self.context(*ev, before)),
                    Prefilter::Refused => false,
                };
                prefiltered = Some(pass);
                if !pass {
                    // sysdig 0.29 forgot the thread's last event, so the exit of a refused
                    // enter is unpaired, and did not parse the event.
                    if let Some(t) = self.threads.get_mut(tid) {
                        if eflags & EventFlags::SKIP_PARSE_RESET == 0 {
                            t.lastevent_type = u16::MAX;
                        }
                        if ev.direction() == Direction::Exit {
                            t.enter.valid = false;
                        }
                    }
                    return Applied {
                        prefiltered,
                        ..before
                    };
                }
            }
        }
        let skip = unpaired && !handler.runs_unpaired_in_sysdig_029();
        // Events without a handler (most of them) need neither the enter copy nor its parse.
        if !skip && !matches!(handler, Handler::None | Handler::Meta) {
            let mut buf = std::mem::take(&mut self.enter_buf);
            buf.clear();
            let mut enter = None;
            if self.filtering {
                // sysdig 0.29's parser under a filter: the enter it kept, if of this exit's
                // type and the exit is paired.
                if ev.direction() == Direction::Exit && !self.unpaired_exit {
                    if let Some(t) = self.threads.get(tid) {
                        if t.kept_2022.valid && t.kept_2022.has_params {
                            buf.extend_from_slice(&t.kept_2022.body);
                            enter = Event::parse(t.kept_2022.block_type, &buf, t.kept_2022.endian)
                                .ok()
                                .filter(|e| e.event_type.wrapping_add(1) == code);
                        }
                    }
                }
            } else if enter_valid {
                if let Some(t) = self.threads.get(tid).filter(|t| t.enter.has_params) {
                    buf.extend_from_slice(&t.enter.body);
                    enter = Event::parse(t.enter.block_type, &buf, t.enter.endian).ok();
                }
            }
            let args = Args {
                lay: self.lay,
                ev: *ev,
                enter,
            };
            handler.run(self, tid, &args);
            self.enter_buf = buf;
        }

        if ev.direction() == Direction::Exit {
            if let Some(t) = self.threads.get_mut(tid) {
                t.enter.valid = false;
            }
            if self.filtering {
                self.pending_free = Some(tid);
            }
        } else if self.filtering && self.kept_by_2022_parser(ev) {
            let max = self.cfg.max_enter_event_bytes;
            if let Some(t) = self.threads.get_mut(tid) {
                // (Read only when it has parameters.)
                t.kept_2022.keep_with_params(ev, max);
            }
        }
        if self.cfg.stream_bytes > 0 {
            self.record_stream(ev, tid, eflags);
        }
        if matches!(code, CONTAINER_E | CONTAINER_JSON_E | CONTAINER_JSON_2_E) {
            self.record_container(ev);
        } else if code == K8S_E {
            if let Some(Ok(ParamValue::Bytes(b) | ParamValue::Str(b))) = ev.param(0) {
                self.k8s.get_or_insert_with(Default::default).apply(b);
            }
        } else if code == MESOS_E {
            if let Some(Ok(ParamValue::Bytes(b) | ParamValue::Str(b))) = ev.param(0) {
                self.mesos.get_or_insert_with(Default::default).apply(b);
            }
        }
        let container = self.cfg.container_event_thread
            && matches!(code, CONTAINER_JSON_E | CONTAINER_JSON_2_E);
        if container {
            let json = match ev.param(0) {
                Some(Ok(ParamValue::Bytes(b) | ParamValue::Str(b))) => b,
                _ => &[][..],
            };
            let id = self
                .container_json_ids
                .get_or(json, container_json_id)
                .unwrap_or_default();
            let t = self
                .container_thread
                .get_or_insert_with(|| ThreadInfo::blank(-1));
            container_event_thread(t, id.as_bytes());
        }
        Applied {
            container,
            prefiltered,
            ..before
        }
    }

    /// What every counted event does first: its number, the capture's times, the thread
    /// removal and fd close that the event before scheduled. Returns whether the event is
    /// part of the leading initial state, the capture's first time, and the previous time.
    #[inline(always)]
    fn advance(&mut self, ev: &Event<'_>) -> (bool, u64, u64) {
        self.evt_num += 1;
        self.fd_renamed = false;
        // Nearly every event: past the leading ones, the clock started, no thread or fd to
        // remove for the event before (inlined; the rest is not).
        if let (false, Some(first_ts), None, None) = (
            self.leading,
            self.first_ts,
            self.pending_thread,
            self.pending_close,
        ) {
            if let Some(tid) = self.pending_free.take() {
                if let Some(t) = self.threads.get_mut(tid) {
                    t.kept_2022.valid = false;
                }
            }
            let prev_ts = std::mem::replace(&mut self.last_ts, ev.ts);
            self.threads.now = ev.ts;
            return (false, first_ts, prev_ts);
        }
        self.advance_rest(ev)
    }

    /// [`advance`](Self::advance) past its common case.
    #[inline(never)]
    fn advance_rest(&mut self, ev: &Event<'_>) -> (bool, u64, u64) {
        let was_leading = self.leading;
        self.leading = self.leading && is_initial_state_event(ev.name());
        if was_leading && !self.leading && !self.cfg.exepath_keeps_deleted {
            // The era is settled: the listed threads' paths lose the mark now.
            for t in self.threads.iter_mut() {
                crate::parsers::cut_deleted(&mut t.exepath);
            }
        }
        let initial_state = self.leading;
        // libsinsp 0.25 (whose reading drops enter events) starts the capture's clock at the
        // first event that is not a metaevent (procinfo, container, ...); sysdig 0.29 at the
        // first event after the leading ones.
        let meta = self.cfg.drop_enter_events
            && ev.info().is_some_and(|i| {
                i.category.source() & strata_scap::table::Category::METAEVENT != 0
            });
        let first_ts = if meta {
            // Before the clock starts, libsinsp 0.25 counts from 0.
            self.first_ts.unwrap_or(0)
        } else if initial_state {
            self.first_ts.unwrap_or(ev.ts)
        } else {
            *self.first_ts.get_or_insert(ev.ts)
        };
        let prev_ts = std::mem::replace(&mut self.last_ts, ev.ts);
        self.threads.now = ev.ts;
        if let Some(tid) = self.pending_free.take() {
            if let Some(t) = self.threads.get_mut(tid) {
                t.kept_2022.valid = false;
            }
        }
        if let Some(tid) = self.pending_thread.take() {
            self.remove_thread(tid);
        }
        if let Some((tid, fd)) = self.pending_close.take() {
            if let Some(old) = self.fds_mut(tid).and_then(|t| t.remove(fd)) {
                fds::recycle(&mut self.spare_fds, old);
            }
        }
        (initial_state, first_ts, prev_ts)
    }

    /// The event's flags as this behaviour's table has them, and its handler.
    #[inline]
    fn flags_and_handler(&self, ev: &Event<'_>) -> (u32, Handler) {
        match self.kinds.get(ev.event_type as usize) {
            Some(k) => (k.eflags, k.handler),
            // (A code past the table: no flags, no handler.)
            None => (0, Handler::None),
        }
    }

    /// Whether sysdig 0.29's parser kept a copy of enter event `ev` for its exit.
    #[inline]
    fn kept_by_2022_parser(&self, ev: &Event<'_>) -> bool {
        match self.kinds.get(ev.event_type as usize).map(|k| k.kept_2022) {
            Some(Keep::Always) => true,
            Some(Keep::IfDup) => matches!(
                ev.param(1).and_then(Result::ok).and_then(|p| p.as_u64()),
                Some(1 | 26)
            ),
            _ => false,
        }
    }

    /// Whether applying `ev` changes nothing but the counters: a metadata enter event outside
    /// the enter/exit bookkeeping (`procinfo`, `drop`, ...) that records no container and no
    /// orchestrator state.
    #[inline]
    fn is_inert(&self, ev: &Event<'_>) -> bool {
        !self.in_metadata
            && self
                .kinds
                .get(ev.event_type as usize)
                .is_some_and(|k| k.inert)
    }

    /// The context of an event [`apply`](Self::apply) took in.
    #[inline]
    fn context<'a>(&'a self, ev: Event<'a>, a: Applied) -> EventCtx<'a> {
        if a.container {
            return EventCtx::with_thread(
                self,
                ev,
                self.evt_num,
                self.container_thread.as_ref(),
                a.prev_ts,
                a.first_ts,
                a.initial_state,
            );
        }
        // The context reads the thread's `lastevent_fd` from the thread it looks up anyway.
        EventCtx::new(self, ev, self.evt_num, &a)
    }

    /// Keeps the bytes of a read or write on its stream; forgets the streams of an fd number
    /// opened or closed.
    fn record_stream(&mut self, ev: &Event<'_>, tid: i64, eflags: u32) {
        self.streams.clear_before();
        let Some(t) = self.threads.get(tid) else {
            return;
        };
        let (pid, fd) = (t.pid, t.lastevent_fd);
        if eflags & (EventFlags::CREATES_FD | EventFlags::DESTROYS_FD) != 0 {
            self.streams.forget(pid, fd);
            return;
        }
        let out = eflags & EventFlags::WRITES_TO_FD != 0;
        if !out && eflags & EventFlags::READS_FROM_FD == 0 || ev.direction() != Direction::Exit {
            return;
        }
        let Some(Ok(ParamValue::Bytes(data) | ParamValue::Str(data))) = ev.param_by_name("data")
        else {
            return;
        };
        let moved = match ev.param_by_name("res") {
            Some(Ok(p)) => p.as_i64().unwrap_or(0),
            _ => data.len() as i64,
        };
        if moved <= 0 {
            return;
        }
        let cut = moved > data.len() as i64;
        self.streams
            .record((pid, fd, out), data, cut, self.cfg.stream_bytes);
    }

    /// Records the container an event describes: the JSON event's metadata, or the older
    /// event's id, type, name and image.
    fn record_container(&mut self, ev: &Event<'_>) {
        let text = |i: usize| match ev.param(i) {
            Some(Ok(ParamValue::Bytes(b) | ParamValue::Str(b))) => Some(b),
            _ => None,
        };
        let Some(raw) = text(0) else { return };
        let info = if ev.event_type == CONTAINER_E {
            let mut c = ContainerInfo::new(raw, std::net::Ipv4Addr::UNSPECIFIED);
            if let Some(Ok(p)) = ev.param(1) {
                c.kind = p.as_i64().unwrap_or(0) as u32;
            }
            let lossy =
                |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or_default()).into_owned();
            c.name = lossy(text(2));
            c.image = lossy(text(3));
            c
        } else {
            match self.container_json.get_or(raw, ContainerInfo::from_json) {
                Some(c) => c,
                None => return,
            }
        };
        self.containers.insert(info);
    }

    /// Enter/exit bookkeeping (libsinsp's `reset`): stores enter events (unless `keep` is
    /// off: then the thread has no valid stored enter), decides whether an exit pairs with the
    /// stored enter, and finds the event's fd.
    fn pair(&mut self, ev: &Event<'_>, tid: i64, code: u16, eflags: u32, keep: bool) -> bool {
        let max_enter = self.cfg.max_enter_event_bytes;
        let keep_unpaired_fd = self.cfg.unpaired_exit_keeps_fd;
        self.unpaired_exit = ev.direction() == Direction::Exit;
        let Some(t) = self.threads.get_mut(tid) else {
            return false;
        };
        t.active_ts = ev.ts;
        let uses_fd = eflags & EventFlags::USES_FD != 0;
        if ev.direction() == Direction::Enter {
            if eflags & EventFlags::SKIP_PARSE_RESET != 0 {
                return false;
            }
            t.lastevent_type = code;
            t.lastevent_fd = -1;
            t.lastevent_ts = ev.ts;
            t.latency = 0;
            if uses_fd {
                let i = match code {
                    MMAP_E | MMAP2_E => 4,
                    SPLICE_E => 1,
                    _ => 0,
                };
                t.lastevent_fd = enter_fd(ev, i).unwrap_or(-1);
            }
            if keep {
                t.enter.keep(ev, max_enter);
            } else {
                t.enter.valid = false;
            }
            return false;
        }
        let paired = t.lastevent_type.wrapping_add(1) == code
            || (code == EXECVE_19_X && t.lastevent_type == EXECVEAT_E);
        self.unpaired_exit = !paired;
        let valid = t.enter.valid && paired;
        // sysdig 0.29 left an unpaired exit's fd as the thread last had it (and looked for
        // none in the exit's own parameters).
        let keep_fd = !paired && keep_unpaired_fd;
        if !valid && !keep_fd {
            t.lastevent_fd = -1;
        }
        // sysdig 0.29 measured every exit from the thread's last enter, paired or not.
        let since_last_enter = self.cfg.filter_in_parser && t.lastevent_ts != 0;
        t.latency = if since_last_enter
            || t.lastevent_type.wrapping_add(1) == code
            || (code == EXECVE_19_X && t.lastevent_type == EXECVEAT_E)
        {
            ev.ts.saturating_sub(t.lastevent_ts)
        } else {
            0
        };
        if uses_fd && !keep_fd && t.lastevent_fd == -1 {
            let i = self.kinds.get(code as usize).map_or(u8::MAX, |k| k.exit_fd);
            if i != u8::MAX {
                if let Some(Ok(v)) = ev.param(i as usize) {
                    if let Some(fd) = v.as_i64() {
                        t.lastevent_fd = fd;
                    }
                }
            }
        }
        t.lastevent_type = u16::MAX;
        valid
    }
}

/// Whether sysdig 0.29's parser kept a copy of an enter event of this kind for its exit: the
/// enters of the calls whose exit parsers read them ([`Keep::Always`]), and `fcntl` when it
/// duplicates an fd ([`Keep::IfDup`]).
fn kept_by_2022_parser(enum_name: &str) -> Keep {
    const NAMES: &[&str] = &[
        "PPME_SOCKET_SENDTO_E",
        "PPME_SYSCALL_OPEN_E",
        "PPME_SYSCALL_CREAT_E",
        "PPME_SYSCALL_OPENAT_E",
        "PPME_SYSCALL_OPENAT_2_E",
        "PPME_SYSCALL_OPENAT2_E",
        "PPME_SOCKET_SOCKET_E",
        "PPME_SYSCALL_EVENTFD_E",
        "PPME_SYSCALL_CHDIR_E",
        "PPME_SYSCALL_FCHDIR_E",
        "PPME_SOCKET_SHUTDOWN_E",
        "PPME_SYSCALL_GETRLIMIT_E",
        "PPME_SYSCALL_SETRLIMIT_E",
        "PPME_SYSCALL_PRLIMIT_E",
        "PPME_SOCKET_SENDMSG_E",
        "PPME_SYSCALL_SENDFILE_E",
        "PPME_SYSCALL_SETRESUID_E",
        "PPME_SYSCALL_SETRESGID_E",
        "PPME_SYSCALL_SETUID_E",
        "PPME_SYSCALL_SETGID_E",
        "PPME_SYSCALL_EXECVE_18_E",
        "PPME_SYSCALL_EXECVE_19_E",
        "PPME_SYSCALL_EXECVEAT_E",
        "PPME_SYSCALL_SETPGID_E",
    ];
    if NAMES.contains(&enum_name) {
        Keep::Always
    } else if enum_name == "PPME_SYSCALL_FCNTL_E" {
        Keep::IfDup
    } else {
        Keep::Never
    }
}

/// Which enter events sysdig 0.29's parser kept for their exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    Never,
    Always,
    /// `fcntl`'s enter, when its command (F_DUPFD 1, F_DUPFD_CLOEXEC 26) duplicates an fd.
    IfDup,
}

/// The fd parameter `i` of an enter event names: what decoding it and `as_i64` give, the
/// usual 8-byte PT_FD read straight from its bytes (every read and close enter has one).
#[inline]
fn enter_fd(ev: &Event<'_>, i: usize) -> Option<i64> {
    let info = ev.info()?.params.get(i)?;
    let raw = ev.param_raw(i)?;
    if info.ty == strata_scap::table::ParamType::Fd && raw.len() == 8 {
        return ev.endian().u64(raw, 0).map(|v| v as i64);
    }
    ParamValue::decode(info, raw, ev.endian()).ok()?.as_i64()
}

/// A filter that runs inside the state engine.
enum Prefilter<'f> {
    /// Asks the filter.
    Ask(&'f mut dyn FnMut(&EventCtx<'_>) -> bool),
    /// The caller knows the filter refuses the event (its type cannot match).
    Refused,
}

/// What [`Inspector::update`] did with one event: enough to build its context.
#[derive(Debug, Clone, Copy)]
pub struct Processed(Step);

impl Processed {
    /// Whether the event's context will say [`is_hidden`](EventCtx::is_hidden).
    pub fn is_hidden(&self) -> bool {
        match self.0 {
            Step::Dropped => true,
            Step::Applied {
                applied, hidden, ..
            } => hidden || applied.initial_state,
        }
    }

    /// Whether the event is about no fd, known without building its context: its context
    /// then has no [`fd_num`](EventCtx::fd_num) (`false` says nothing either way).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use strata_scap::{Block, Capture};
    /// use strata_sinsp::Inspector;
    ///
    /// let capture = Capture::from_bytes(strata_scap::demo::capture())?;
    /// let mut inspector = Inspector::new();
    /// for block in capture.blocks() {
    ///     match block? {
    ///         Block::Event(ev) => {
    ///             let p = inspector.update(&ev);
    ///             if p.without_fd() {
    ///                 assert_eq!(inspector.context_of(&ev, p).fd_num(), None);
    ///             }
    ///             assert_eq!(inspector.event_of(&ev, p).ts, ev.ts);
    ///         }
    ///         other => inspector.process_block(&other),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn without_fd(&self) -> bool {
        match self.0 {
            Step::Dropped => true,
            Step::Applied { applied, .. } => !applied.uses_fd,
        }
    }

    /// What a filter given to [`Inspector::update_filtered`] answered inside the state
    /// engine; `None` where it did not run there (the caller then filters the context).
    pub fn prefiltered(&self) -> Option<bool> {
        match self.0 {
            Step::Dropped => None,
            Step::Applied { applied, .. } => applied.prefiltered,
        }
    }
}

/// What applying an event found, for its context.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Applied {
    pub(crate) tid: i64,
    /// The event creates, uses or destroys an fd: its thread's last fd is its own.
    pub(crate) uses_fd: bool,
    /// The exit pairs with its thread's stored enter.
    pub(crate) enter_valid: bool,
    pub(crate) prev_ts: u64,
    pub(crate) first_ts: u64,
    pub(crate) initial_state: bool,
    /// An exit without its enter in sysdig 0.29's behaviour: it found no fd.
    pub(crate) unpaired: bool,
    /// The event gets sysdig 0.29's container thread.
    pub(crate) container: bool,
    /// The answer of a filter run inside the state engine ([`Config::filter_in_parser`]).
    pub(crate) prefiltered: Option<bool>,
    /// A clone exit whose thread the table did not hold when it came (the child's own exit
    /// before its creator's): its thread is the one the event made.
    pub(crate) thread_new: bool,
}

/// `flags` of event type `code` as sysdig 0.29's event table (falcosecurity libs of 2022)
/// gave them, where they differ in a way state or fields see (the fd and I/O flags): that
/// table flagged none of mmap, mmap2, sendmmsg, recvmmsg, symlinkat, unlinkat, mkdirat,
/// fchmodat and fchmod as using an fd, and fstat64's exit as using one; and whether an event
/// modifies state (which decides where sysdig 0.29 ran a filter): setpgid did, the exits of
/// sendmmsg and recvmmsg did not.
pub fn event_flags_2022(code: u16, flags: u32) -> u32 {
    const CHANGED: &[(u16, u32)] = &[
        (51, 0),                   // sendmmsg exit: today uses an fd, writes, modifies state
        (55, 0),                   // recvmmsg exit: today uses an fd, reads, modifies state
        (77, EventFlags::USES_FD), // fstat64 exit: today flagged with nothing
        (160, 0),                  // mmap enter: today uses an fd
        (161, 0),                  // mmap exit
        (162, 0),                  // mmap2 enter
        (163, 0),                  // mmap2 exit
        (181, 0),                  // symlinkat exit: today uses an fd (the dirfd)
        (303, 0),                  // unlinkat exit
        (305, 0),                  // mkdirat exit
        (313, 0),                  // fchmodat exit
        (317, 0),                  // fchmod exit
    ];
    match CHANGED.iter().find(|(c, _)| *c == code) {
        Some(&(_, old)) => old,
        // setpgid modified state in the 2022 table (it decides where a filter runs).
        None if matches!(code, 294 | 295) => flags | EventFlags::MODIFIES_STATE,
        None => flags,
    }
}

/// Each event code's flags under `cfg` and its handler, indexed by code.
/// What [`Inspector::apply`] looks up per event code.
#[derive(Debug, Clone, Copy)]
struct Kind {
    /// The flags, as the behaviour's table has them.
    eflags: u32,
    handler: Handler,
    /// A metadata enter event outside the enter/exit bookkeeping that records no container
    /// and no orchestrator state (`procinfo`, `drop`, ...): applying it changes only the
    /// counters (outside the leading metadata, and when the reader drops no enter event).
    inert: bool,
    /// For an exit: which of its parameters names its fd when the thread has none
    /// ([`exit_fd_index`]); `u8::MAX` if none does.
    exit_fd: u8,
    /// For an enter: whether sysdig 0.29's parser kept it for its exit.
    kept_2022: Keep,
}

fn kinds(cfg: &Config) -> Vec<Kind> {
    Handler::table()
        .into_iter()
        .zip(strata_scap::table::events())
        .enumerate()
        .map(|(code, (handler, info))| {
            let code = code as u16;
            let mut eflags = info.flags.0;
            if cfg.switch_skips_pairing && info.name == "switch" {
                eflags |= EventFlags::SKIP_PARSE_RESET;
            }
            if cfg.fd_flags_2022 {
                eflags = event_flags_2022(code, eflags);
            }
            let inert = !cfg.drop_enter_events
                && Direction::of(code) == Direction::Enter
                && !matches!(
                    code,
                    CONTAINER_E | CONTAINER_JSON_E | CONTAINER_JSON_2_E | K8S_E | MESOS_E
                )
                && handler == Handler::Meta
                && eflags & EventFlags::SKIP_PARSE_RESET != 0;
            let exit_fd = match Direction::of(code) {
                Direction::Exit => exit_fd_index(info.name).map_or(u8::MAX, |i| i as u8),
                Direction::Enter => u8::MAX,
            };
            Kind {
                eflags,
                handler,
                inert,
                exit_fd,
                kept_2022: match Direction::of(code) {
                    Direction::Enter => kept_by_2022_parser(info.enum_name),
                    Direction::Exit => Keep::Never,
                },
            }
        })
        .collect()
}

/// Fills `t` as sysdig 0.29 made the thread of a container event: a fresh thread, tid and pid
/// −1, vtid and vpid −2, comm `container:ID`, in container ID (`id`, from the event's JSON).
fn container_event_thread(t: &mut ThreadInfo, id: &[u8]) {
    let (comm, container_id) = (
        std::mem::take(&mut t.comm),
        std::mem::take(&mut t.container_id),
    );
    *t = ThreadInfo {
        pid: -1,
        ptid: 0,
        vtid: -2,
        vpid: -2,
        fdlimit: -1,
        comm,
        container_id,
        ..ThreadInfo::blank(-1)
    };
    t.comm.clear();
    t.comm.extend_from_slice(b"container:");
    t.comm.extend_from_slice(id);
    t.container_id.clear();
    t.container_id.extend_from_slice(id);
}

/// The `container.id` of a container event's JSON.
fn container_json_id(json: &[u8]) -> Option<String> {
    let end = json.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let root: serde_json::Value = serde_json::from_slice(&json[..end]).ok()?;
    Some(root.get("container")?.get("id")?.as_str()?.to_owned())
}

/// Events that libsinsp consumes as initial state when they lead the capture.
fn is_initial_state_event(name: &str) -> bool {
    matches!(
        name,
        "useradded" | "groupadded" | "userdeleted" | "groupdeleted" | "container" | "asyncevent"
    )
}

/// Where exit events carry the fd they use (libscap's `get_exit_event_fd_location`).
fn exit_fd_index(name: &str) -> Option<usize> {
    Some(match name {
        "setns" | "listen" | "shutdown" | "fchdir" | "lseek" | "llseek" | "ioctl" | "fstat"
        | "close" | "getdents" | "getdents64" | "flock" | "copy_file_range" | "fcntl" | "dup"
        | "dup2" | "dup3" | "newfstatat" | "fchownat" | "fchmodat" | "mkdirat" | "unlinkat"
        | "mknodat" | "sendmmsg" | "recvmmsg" | "io_uring_register" | "io_uring_enter"
        | "setsockopt" | "getsockopt" | "fsconfig" | "finit_module" | "fchmod" | "fchown" => 1,
        "read" | "pread" | "bind" | "write" | "pwrite" | "recv" | "send" | "sendto" | "sendmsg"
        | "sendfile" | "splice" | "writev" | "pwritev" | "connect" | "symlinkat" => 2,
        "recvfrom" | "readv" | "preadv" => 3,
        "recvmsg" => 5,
        "mmap" | "mmap2" => 8,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_sockets_of_the_fd_table_get_a_role() {
        let mut insp = Inspector::new();
        insp.threads.insert(ThreadInfo::placeholder(10, 10));
        let unix = |path| ScapFd::UnixSocket {
            source: 1,
            destination: 2,
            path,
        };
        insp.add_fd_entry(10, 3, 0, &unix(b"/run/x.sock"));
        insp.add_fd_entry(10, 4, 0, &unix(b""));
        let t = insp.threads.get(10).unwrap();
        let (named, anonymous) = (t.fds.get(3).unwrap(), t.fds.get(4).unwrap());
        assert!(named.is_server() && !named.is_client());
        assert!(anonymous.is_client() && !anonymous.is_server());
    }
}

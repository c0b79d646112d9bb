//! The dumper: the state tables as they stand, then events, written as a capture that stands
//! alone.
//!
//! libsinsp's dumper writes a section header, machine info, the interface and user lists, a
//! process list and each process's fd list, taken from its state at the moment it opens, then
//! the events it is given. Strata's does the same in today's block versions (PL v9, FDL v2,
//! IL v2, UL v2), so a file started in the middle of a capture still names every process and
//! fd its events touch. Two ways of libsinsp are kept, so that each era's tools read the file
//! as they read the original:
//!
//! - users and groups go in a user-list block, as libscap wrote them until 2022, or (for
//!   libsinsp 0.25's captures) as leading `useradded`/`groupadded` events, as libsinsp writes
//!   them today ([`DumpOptions::users_as_events`]); those leading events are what tells a
//!   reader which era a capture belongs to;
//! - with [`DumpOptions::keep_state`] (sysdig's `--fatfile`), events that change the state
//!   are written even when not selected, flagged [`DF_STATE_ONLY`]: readers apply them and do
//!   not show them.
//!
//! Without `keep_state` the file holds the selected events and nothing else (metadata events
//! aside), as libsinsp's dumper writes them, with two exceptions that keep exits whole: the
//! enters in flight when the dumper opens (part of the state of that moment), and, with
//! [`DumpOptions::enters_with_exits`] (for libsinsp 0.25's reading, which never shows an
//! enter, so never selects one), every unselected enter whose exit is written. Such an enter is
//! held back and written, flagged state-only, just before its exit, so that the exit reads with
//! its enter's parameters, pairing and latency as it did in the original; an enter whose exit
//! is not written is not written either. With `keep_state`, beyond libsinsp, every enter is
//! handled so, in both eras.

use std::io::Write;

use hashbrown::HashMap;
use strata_scap::block::types;
use strata_scap::event::DF_STATE_ONLY;
use strata_scap::fdlist::{FdEntry, FdInfo as ScapFd, FdList};
use strata_scap::iflist::{InterfaceAddr as ScapIfAddr, InterfaceEntry, InterfaceList};
use strata_scap::machine::MachineInfo;
use strata_scap::proclist::{ProcessEntry, ProcessList};
use strata_scap::table::{self, Category, Direction, EventFlags};
use strata_scap::userlist::{UserEntry, UserList};
use strata_scap::{Endian, Event, SectionHeader, Writer};

use crate::error::Error;
use crate::fds::{FdInfo, FdType, SockInfo};
use crate::inspector::Inspector;
use crate::parsers::Handler;
use crate::threads::{EnterStore, ThreadInfo};
use crate::users::InterfaceAddr;

/// How a [`Dumper`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DumpOptions {
    /// Also write, flagged state-only, the events that are not selected but change the state
    /// (clone and its kin, execve, exit, the calls that create, change or close fds, credential
    /// and directory changes, user and container events), and the enter of each written exit,
    /// so that every selected event reads back with the same process, fd, user and enter as
    /// in the original.
    pub keep_state: bool,
    /// Hold each unselected enter and write it (flagged state-only) just before its exit when
    /// the exit is written, as `keep_state` does: for readers that never show enters
    /// (libsinsp 0.25's), whose filters therefore never select one.
    pub enters_with_exits: bool,
    /// Write users and groups as leading `useradded`/`groupadded` events (libsinsp 0.25's
    /// way, which marks the file as of its era) instead of a user-list block (sysdig 0.29's).
    pub users_as_events: bool,
    /// The byte order of the file: that of the events it will be given, which are written
    /// as they were read (little-endian by default, as every capture known).
    pub endian: Endian,
}

impl Default for DumpOptions {
    fn default() -> Self {
        DumpOptions {
            keep_state: false,
            enters_with_exits: false,
            users_as_events: false,
            endian: Endian::Little,
        }
    }
}

impl DumpOptions {
    /// Options with `endian` set as given.
    pub fn endian(mut self, endian: Endian) -> Self {
        self.endian = endian;
        self
    }

    /// Options with `keep_state` set as given.
    pub fn keep_state(mut self, on: bool) -> Self {
        self.keep_state = on;
        self
    }

    /// Options with `enters_with_exits` set as given.
    pub fn enters_with_exits(mut self, on: bool) -> Self {
        self.enters_with_exits = on;
        self
    }

    /// Options with `users_as_events` set as given.
    pub fn users_as_events(mut self, on: bool) -> Self {
        self.users_as_events = on;
        self
    }
}

/// What of the state a [`Dumper`] could not write as it stands, because the capture format
/// has no room for it (libsinsp's dumper loses the same). Events that read such state may
/// read differently in the file than in the original.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StateLoss {
    /// Sockets not bound or connected yet: the fd list gives them all-zero addresses, which
    /// readers name (`0.0.0.0:0->0.0.0.0:0`) where the original had no name.
    pub unaddressed_sockets: u32,
    /// fds of an unknown kind: the fd list keeps no name for them.
    pub unknown_fds: u32,
    /// Threads whose working directory is unknown: the process list gives them `/`, against
    /// which readers then resolve relative paths.
    pub unknown_cwds: u32,
    /// Threads the caller's side of a clone made less than 2 s before, whose child's side has
    /// not come yet: the process list has no clone time, so the child's own clone exit, if it
    /// is written, makes them afresh from their parent.
    pub recent_clones: u32,
}

impl StateLoss {
    /// Whether nothing was lost.
    pub fn is_empty(&self) -> bool {
        *self == StateLoss::default()
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &StateLoss) {
        self.unaddressed_sockets += other.unaddressed_sockets;
        self.unknown_fds += other.unknown_fds;
        self.unknown_cwds += other.unknown_cwds;
        self.recent_clones += other.recent_clones;
    }

    fn of(insp: &Inspector) -> StateLoss {
        let (gone_thread, gone_fd) = insp.pending_removals();
        let now = insp.last_ts();
        let mut l = StateLoss::default();
        for t in insp.threads().iter().filter(|t| Some(t.tid) != gone_thread) {
            if insp.cwd(t).is_empty() {
                l.unknown_cwds += 1;
            }
            if t.clone_ts != 0
                && !t.child_clone_seen
                && now.saturating_sub(t.clone_ts) < crate::parsers::proc::CLONE_STALE_TIME_NS
            {
                l.recent_clones += 1;
            }
            for f in t
                .own_fds()
                .iter()
                .filter(|f| gone_fd != Some((t.tid, f.fd)))
            {
                match (f.ty, f.sock) {
                    (FdType::Ipv4Sock | FdType::Ipv6Sock, SockInfo::None) => {
                        l.unaddressed_sockets += 1
                    }
                    (FdType::Unknown, _) if !f.name.is_empty() => l.unknown_fds += 1,
                    _ => {}
                }
            }
        }
        l
    }
}

/// What the dumper does with an event it is not asked to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Neither state nor metadata: dropped.
    Plain,
    /// A system call's enter: held for its exit.
    Enter,
    /// A thread's exit (`procexit`): changes the state, and ends what the thread held.
    ProcExit,
    /// Changes the state: written with `keep_state`.
    State,
    /// Changes the state through a socket tuple parameter, when it has one.
    StateIfTuple,
    /// A metadata event (users, containers, process info): always written, as libsinsp
    /// never drops its internal events.
    Meta,
}

/// A user or group written as an event before the first event.
#[derive(Debug, Clone)]
struct UserEvent {
    code: u16,
    params: Vec<Vec<u8>>,
}

/// Writes the state as it stands, then the events it is given, to a capture.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use strata_scap::{Block, SliceReader, Writer};
/// use strata_sinsp::{DumpOptions, Dumper, Inspector};
///
/// let capture = strata_scap::demo::capture();
/// let mut insp = Inspector::new();
/// let mut dumper = None;
/// for block in SliceReader::new(&capture) {
///     match block? {
///         Block::Event(ev) => {
///             // Open at the first event: the file starts with the capture's own tables.
///             let d = match &mut dumper {
///                 Some(d) => d,
///                 None => dumper.insert(Dumper::open(Writer::new(Vec::new()), &insp, DumpOptions::default())?),
///             };
///             let selected = !insp.process(&ev).is_hidden() && ev.name() == "connect";
///             d.dump(&ev, selected)?;
///         }
///         other => insp.process_block(&other),
///     }
/// }
/// let d = dumper.expect("the demo has events");
/// assert!(d.events_written() > 0);
/// let bytes = d.finish()?;
/// assert!(SliceReader::new(&bytes).all(|b| b.is_ok()));
/// # Ok(()) }
/// ```
pub struct Dumper<W: Write> {
    w: Writer<W>,
    opts: DumpOptions,
    roles: Vec<Role>,
    /// Enter events not written (yet), per thread.
    held: HashMap<u64, EnterStore>,
    /// The state engine's bounds: the largest enter kept, and the most threads.
    max_enter: usize,
    max_threads: usize,
    /// Users and groups still to write, before the first event (they take its timestamp).
    users: Vec<UserEvent>,
    /// Timestamp for the user events if no event comes.
    last_ts: u64,
    /// Threads of the tables that a clone made recently (their clone time): the child's own
    /// clone exit leaves such a thread as it is, but would make a thread of the process list
    /// afresh (the list has no clone time), so it is not written unless selected.
    cloned: HashMap<u64, u64>,
    loss: StateLoss,
    /// Bytes of the section header and the state tables.
    preamble: u64,
    events: u64,
}

impl<W: Write> std::fmt::Debug for Dumper<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dumper")
            .field("opts", &self.opts)
            .field("events", &self.events)
            .field("bytes", &self.w.bytes_written())
            .finish_non_exhaustive()
    }
}

/// The exit of execve version 19 pairs with execveat's enter.
const EXECVE_19_X: u16 = 293;
const EXECVEAT_E: u16 = 330;

impl<W: Write> Dumper<W> {
    /// Starts a capture on `w` with the state of `insp` as it stands: section header, machine
    /// info, interfaces, users (as a block, or held for events), processes and their fds.
    /// Enter events the state is waiting to pair are held for their exits.
    pub fn open(mut w: Writer<W>, insp: &Inspector, opts: DumpOptions) -> Result<Self, Error> {
        let shb = SectionHeader {
            endian: opts.endian,
            major: 1,
            minor: 2,
            section_length: u64::MAX,
            options: &[],
        };
        w.write_section(&shb)?;
        let mut body = Vec::new();
        write_machine(&mut w, insp, &mut body)?;
        write_interfaces(&mut w, insp, &mut body)?;
        let users = if opts.users_as_events {
            user_events(insp)
        } else {
            write_users(&mut w, insp, &mut body)?;
            Vec::new()
        };
        write_threads(&mut w, insp, &mut body)?;
        let preamble = w.bytes_written();
        let held = insp.awaiting_enters().into_iter().collect();
        let cloned = insp
            .threads()
            .iter()
            .filter(|t| t.clone_ts != 0 && !t.child_clone_seen)
            .map(|t| (t.tid as u64, t.clone_ts))
            .collect();
        Ok(Dumper {
            w,
            opts,
            roles: roles(),
            held,
            max_enter: insp.config().max_enter_event_bytes,
            max_threads: insp.config().max_threads.max(1),
            users,
            last_ts: insp.last_ts(),
            cloned,
            loss: StateLoss::of(insp),
            preamble,
            events: 0,
        })
    }

    /// Takes the next event of the capture (every event, in order, after the state engine has
    /// processed it): written if `selected`, else written flagged state-only if the options
    /// call for it, held if it is an enter whose exit may be written, dropped otherwise.
    /// Returns whether the event itself was written now.
    #[inline]
    pub fn dump(&mut self, ev: &Event<'_>, selected: bool) -> Result<bool, Error> {
        // A plain file past its start: the selected events and the metadata, as they are.
        if !self.opts.keep_state
            && !self.opts.enters_with_exits
            && self.held.is_empty()
            && self.users.is_empty()
            && ev.endian() == self.w.endian()
        {
            let meta = self.roles.get(ev.event_type as usize) == Some(&Role::Meta);
            if !(selected || meta) {
                return Ok(false);
            }
            self.w.write_event_flagged(ev, 0)?;
            self.events += 1;
            return Ok(true);
        }
        self.dump_any(ev, selected)
    }

    /// [`dump`](Self::dump) in every case.
    #[inline(never)]
    fn dump_any(&mut self, ev: &Event<'_>, selected: bool) -> Result<bool, Error> {
        if ev.endian() != self.w.endian() {
            return Err(Error::Encode {
                what: "event",
                kind: strata_scap::ErrorKind::Malformed(
                    "the event's byte order is not the file's (see DumpOptions::endian)",
                ),
            });
        }
        self.write_users(ev.ts)?;
        let hold = self.opts.keep_state || self.opts.enters_with_exits;
        let role = self
            .roles
            .get(ev.event_type as usize)
            .copied()
            .unwrap_or(Role::Plain);
        let exit = ev.direction() == Direction::Exit && role != Role::Meta;
        let role = match role {
            Role::State if self.is_late_child_clone(ev) => Role::Plain,
            r => r,
        };
        let write =
            selected
                || match role {
                    Role::Meta => true,
                    Role::State => self.opts.keep_state,
                    // (Old sendto and recvfrom carry the tuple in their enter.)
                    Role::StateIfTuple => {
                        self.opts.keep_state
                            && (has_tuple(ev)
                                || self.held.get(&ev.tid).and_then(|h| h.event()).is_some_and(
                                    |e| pairs(e.event_type, ev.event_type) && has_tuple(&e),
                                ))
                    }
                    Role::Enter if hold => return Ok(self.hold(ev)),
                    Role::Enter => false,
                    Role::ProcExit => self.opts.keep_state,
                    Role::Plain => false,
                };
        if hold || !self.held.is_empty() {
            self.release_held(ev, role, exit, write, hold)?;
        }
        if !write {
            return Ok(false);
        }
        // Metadata events go as they are, selected or not, as libsinsp writes its internal
        // events; readers hide them by their type.
        let flags = if selected || role == Role::Meta {
            0
        } else {
            DF_STATE_ONLY
        };
        self.w.write_event_flagged(ev, flags)?;
        self.events += 1;
        Ok(true)
    }

    /// The held enters after `ev`: its exit's enter written (when the exit is) and let go; a
    /// selected enter makes the older one useless; a thread's exit frees its slot. When no
    /// more enters are held (`hold` off: only those in flight at the start), a used slot goes.
    fn release_held(
        &mut self,
        ev: &Event<'_>,
        role: Role,
        exit: bool,
        write: bool,
        hold: bool,
    ) -> Result<(), Error> {
        if exit {
            // (The slot stays, its buffer kept for the thread's next enter.)
            if let Some(enter) = self.held.get_mut(&ev.tid) {
                if write && enter.valid {
                    if let Some(e) = enter.event() {
                        if pairs(e.event_type, ev.event_type) {
                            self.w.write_event_flagged(&e, DF_STATE_ONLY)?;
                            self.events += 1;
                        }
                    }
                }
                enter.valid = false;
            }
        } else if role == Role::Enter {
            if let Some(enter) = self.held.get_mut(&ev.tid) {
                enter.valid = false;
            }
        } else if role == Role::ProcExit {
            self.held.remove(&ev.tid);
        }
        if !hold && self.held.get(&ev.tid).is_some_and(|s| !s.valid) {
            // Only the enters in flight at the start are held: a used slot goes.
            self.held.remove(&ev.tid);
        }
        Ok(())
    }

    /// Holds `ev`, an enter, for its exit; nothing is written now. Bounded as the state
    /// engine's own copies are: an enter too large is not held, and past the engine's number
    /// of threads the used slots go first, then all.
    fn hold(&mut self, ev: &Event<'_>) -> bool {
        if self.held.len() >= self.max_threads && !self.held.contains_key(&ev.tid) {
            self.held.retain(|_, s| s.valid);
            if self.held.len() >= self.max_threads {
                self.held.clear();
            }
        }
        self.held
            .entry(ev.tid)
            .or_default()
            .keep(ev, self.max_enter);
        false
    }

    /// Whether `ev` is the child's side of a clone whose caller's side made the thread before
    /// the file started, recently enough that the child's side changes nothing.
    fn is_late_child_clone(&mut self, ev: &Event<'_>) -> bool {
        if self.cloned.is_empty() || !matches!(ev.name(), "clone" | "fork" | "vfork" | "clone3") {
            return false;
        }
        let child_side = matches!(ev.param(0), Some(Ok(v)) if v.as_i64() == Some(0));
        match self.cloned.get(&ev.tid) {
            Some(&ts) if child_side => {
                self.cloned.remove(&ev.tid);
                ev.ts.saturating_sub(ts) < crate::parsers::proc::CLONE_STALE_TIME_NS
            }
            _ => false,
        }
    }

    /// What of the state at the start could not be written as it stood.
    pub fn state_loss(&self) -> &StateLoss {
        &self.loss
    }

    /// Events written so far (state-only ones included, user events not).
    pub fn events_written(&self) -> u64 {
        self.events
    }

    /// Bytes written so far, before compression.
    pub fn bytes_written(&self) -> u64 {
        self.w.bytes_written()
    }

    /// Bytes of the section header and the state tables that start the file.
    pub fn preamble_bytes(&self) -> u64 {
        self.preamble
    }

    /// Writes what is pending and returns the inner writer (finishing a gzip stream).
    pub fn finish(mut self) -> Result<W, Error> {
        let ts = self.last_ts;
        self.write_users(ts)?;
        self.w.into_inner().map_err(Error::Io)
    }

    /// The user and group events, once, stamped `ts` (libsinsp stamps them with the time of
    /// the last event it saw).
    #[inline]
    fn write_users(&mut self, ts: u64) -> Result<(), Error> {
        if self.users.is_empty() {
            return Ok(());
        }
        self.write_users_now(ts)
    }

    #[cold]
    #[inline(never)]
    fn write_users_now(&mut self, ts: u64) -> Result<(), Error> {
        for u in std::mem::take(&mut self.users) {
            let params: Vec<&[u8]> = u.params.iter().map(Vec::as_slice).collect();
            self.w.write_event(0, 0, ts, u64::MAX, u.code, &params)?;
        }
        Ok(())
    }
}

/// Whether an exit of type `exit` pairs with an enter of type `enter`.
fn pairs(enter: u16, exit: u16) -> bool {
    enter.wrapping_add(1) == exit || (exit == EXECVE_19_X && enter == EXECVEAT_E)
}

/// Whether the event has a socket tuple parameter that is not empty.
fn has_tuple(ev: &Event<'_>) -> bool {
    ev.param_raw_by_name("tuple").is_some_and(|t| !t.is_empty())
}

/// Each event type's role, from the state engine's handlers and both eras' event flags.
fn roles() -> Vec<Role> {
    let handlers = Handler::table();
    table::events()
        .iter()
        .zip(handlers)
        .map(|(info, h)| {
            let code = info.code;
            let flags = info.flags.0 | crate::inspector::event_flags_2022(code, info.flags.0);
            let source = info.category.source();
            if source & Category::METAEVENT != 0 {
                return Role::Meta;
            }
            let syscall = source & Category::SYSCALL != 0;
            if info.direction() == Direction::Enter && syscall {
                return Role::Enter;
            }
            match h {
                Handler::ProcExit => Role::ProcExit,
                Handler::Send | Handler::Recv => Role::StateIfTuple,
                Handler::None | Handler::Meta | Handler::Switch | Handler::Memory
                    if flags & EventFlags::MODIFIES_STATE == 0 =>
                {
                    Role::Plain
                }
                _ => Role::State,
            }
        })
        .collect()
}

fn write_machine<W: Write>(
    w: &mut Writer<W>,
    insp: &Inspector,
    body: &mut Vec<u8>,
) -> Result<(), Error> {
    let m = insp.machine();
    let host = &m.hostname[..m.hostname.len().min(127)];
    let mi = MachineInfo {
        num_cpus: m.num_cpus,
        memory_size_bytes: m.memory_size_bytes,
        max_pid: m.max_pid,
        boot_ts_epoch: m.boot_ts,
        ..MachineInfo::new(host)
    };
    body.clear();
    mi.encode(body, w.endian()).map_err(|k| Error::Encode {
        what: "machine info",
        kind: k,
    })?;
    Ok(w.write_raw(types::MI, body)?)
}

fn write_interfaces<W: Write>(
    w: &mut Writer<W>,
    insp: &Inspector,
    body: &mut Vec<u8>,
) -> Result<(), Error> {
    if insp.interfaces().is_empty() {
        return Ok(());
    }
    let entries: Vec<InterfaceEntry<'_>> = insp
        .interfaces()
        .iter()
        .map(|i| {
            let addr = match i.addr {
                InterfaceAddr::V4 {
                    addr,
                    netmask,
                    bcast,
                } => ScapIfAddr::Ipv4 {
                    addr: addr.octets(),
                    netmask: netmask.octets(),
                    bcast: bcast.octets(),
                    linkspeed: i.linkspeed,
                },
                InterfaceAddr::V6 {
                    addr,
                    netmask,
                    bcast,
                } => ScapIfAddr::Ipv6 {
                    addr: addr.octets(),
                    netmask: netmask.octets(),
                    bcast: bcast.octets(),
                    linkspeed: i.linkspeed,
                },
            };
            InterfaceEntry::new(addr, &i.name)
        })
        .collect();
    body.clear();
    InterfaceList::encode_entries(types::IL_V2, &entries, body, w.endian()).map_err(|k| {
        Error::Encode {
            what: "interface list",
            kind: k,
        }
    })?;
    Ok(w.write_raw(types::IL_V2, body)?)
}

fn write_users<W: Write>(
    w: &mut Writer<W>,
    insp: &Inspector,
    body: &mut Vec<u8>,
) -> Result<(), Error> {
    let mut users: Vec<_> = insp.users().users().filter(|(c, _)| c.is_empty()).collect();
    let mut groups: Vec<_> = insp
        .users()
        .groups()
        .filter(|(c, _)| c.is_empty())
        .collect();
    if users.is_empty() && groups.is_empty() {
        return Ok(());
    }
    users.sort_by_key(|(_, u)| u.uid);
    groups.sort_by_key(|(_, g)| g.gid);
    let entries: Vec<UserEntry<'_>> = users
        .iter()
        .map(|(_, u)| UserEntry::user(u.uid, u.gid, &u.name, &u.homedir, &u.shell))
        .chain(groups.iter().map(|(_, g)| UserEntry::group(g.gid, &g.name)))
        .collect();
    body.clear();
    UserList::encode_entries(types::UL_V2, &entries, body, w.endian()).map_err(|k| {
        Error::Encode {
            what: "user list",
            kind: k,
        }
    })?;
    Ok(w.write_raw(types::UL_V2, body)?)
}

/// The users and groups of every container, as libsinsp 0.25 dumps them: users first.
fn user_events(insp: &Inspector) -> Vec<UserEvent> {
    let code = |name: &str| {
        table::events()
            .iter()
            .find(|i| i.name == name && i.direction() == Direction::Enter)
            .map(|i| i.code)
    };
    let (Some(user), Some(group)) = (code("useradded"), code("groupadded")) else {
        return Vec::new();
    };
    let z = |s: &[u8]| {
        let mut v = s.to_vec();
        v.push(0);
        v
    };
    let mut users: Vec<_> = insp.users().users().collect();
    users.sort_by(|a, b| (a.0, a.1.uid).cmp(&(b.0, b.1.uid)));
    let mut groups: Vec<_> = insp.users().groups().collect();
    groups.sort_by(|a, b| (a.0, a.1.gid).cmp(&(b.0, b.1.gid)));
    let mut out = Vec::new();
    for (c, u) in users {
        out.push(UserEvent {
            code: user,
            params: vec![
                u.uid.to_le_bytes().to_vec(),
                u.gid.to_le_bytes().to_vec(),
                z(&u.name),
                z(&u.homedir),
                z(&u.shell),
                z(c),
            ],
        });
    }
    for (c, g) in groups {
        out.push(UserEvent {
            code: group,
            params: vec![g.gid.to_le_bytes().to_vec(), z(&g.name), z(c)],
        });
    }
    out
}

/// The process list, then an fd list per thread that owns fds.
fn write_threads<W: Write>(
    w: &mut Writer<W>,
    insp: &Inspector,
    body: &mut Vec<u8>,
) -> Result<(), Error> {
    let (gone_thread, gone_fd) = insp.pending_removals();
    let mut threads: Vec<&ThreadInfo> = insp
        .threads()
        .iter()
        .filter(|t| Some(t.tid) != gone_thread)
        .collect();
    if threads.is_empty() {
        return Ok(());
    }
    threads.sort_by_key(|t| t.tid);
    let entries: Vec<ProcessEntry<'_>> = threads.iter().map(|t| proc_entry(insp, t)).collect();
    body.clear();
    ProcessList::encode_entries(types::PL_V9, &entries, body, w.endian()).map_err(|k| {
        Error::Encode {
            what: "process list",
            kind: k,
        }
    })?;
    w.write_raw(types::PL_V9, body)?;
    for t in threads {
        let fds = t.own_fds();
        if fds.is_empty() {
            continue;
        }
        let mut list: Vec<&FdInfo> = fds
            .iter()
            .filter(|f| gone_fd != Some((t.tid, f.fd)))
            .collect();
        list.sort_by_key(|f| f.fd);
        let entries: Vec<FdEntry<'_>> = list.iter().map(|f| fd_entry(f)).collect();
        body.clear();
        FdList::encode_entries(types::FDL_V2, t.tid as u64, &entries, body, w.endian()).map_err(
            |k| Error::Encode {
                what: "fd list",
                kind: k,
            },
        )?;
        w.write_raw(types::FDL_V2, body)?;
    }
    Ok(())
}

fn proc_entry<'a>(insp: &'a Inspector, t: &'a ThreadInfo) -> ProcessEntry<'a> {
    let cwd = insp.cwd(t);
    let mut e = ProcessEntry::default();
    e.tid = t.tid as u64;
    e.pid = t.pid as u64;
    e.ptid = t.ptid as u64;
    e.sid = t.sid;
    e.vpgid = t.vpgid;
    e.comm = &t.comm;
    e.exe = &t.exe;
    e.exepath = &t.exepath;
    e.args = &t.args_raw;
    e.cwd = if cwd.is_empty() { b"/" } else { cwd };
    e.fdlimit = t.fdlimit;
    e.flags = t.flags;
    e.uid = t.uid;
    e.gid = t.gid;
    e.vmsize_kb = t.vmsize_kb;
    e.vmrss_kb = t.vmrss_kb;
    e.vmswap_kb = t.vmswap_kb;
    e.pfmajor = t.pfmajor;
    e.pfminor = t.pfminor;
    e.env = &t.env_raw;
    e.vtid = t.vtid;
    e.vpid = t.vpid;
    e.cgroups = &t.cgroups_raw;
    e.root = &t.root;
    e.pidns_init_start_ts = t.pidns_init_start_ts;
    e.tty = t.tty;
    e.loginuid = t.loginuid;
    e.exe_writable = t.exe_writable.into();
    e.cap_inheritable = t.cap_inheritable;
    e.cap_permitted = t.cap_permitted;
    e.cap_effective = t.cap_effective;
    e.exe_upper_layer = t.exe_upper_layer.into();
    e.exe_ino = t.exe_ino;
    e.exe_ino_ctime = t.exe_ino_ctime;
    e.exe_ino_mtime = t.exe_ino_mtime;
    e.exe_from_memfd = t.exe_from_memfd.into();
    e.exe_lower_layer = t.exe_lower_layer.into();
    e.pgid = t.pgid;
    e
}

/// An fd as libsinsp's `fd_to_scap` writes it: sockets by their addresses, the rest by name.
fn fd_entry(f: &FdInfo) -> FdEntry<'_> {
    let name = &f.name[..];
    let info = match (f.ty, f.sock) {
        (FdType::Ipv4Sock | FdType::Ipv4ServSock, SockInfo::V4Server { ip, port }) => {
            ScapFd::Ipv4ServerSocket {
                ip: ip.octets(),
                port,
                l4proto: f.l4proto,
            }
        }
        (FdType::Ipv6Sock | FdType::Ipv6ServSock, SockInfo::V6Server { ip, port }) => {
            ScapFd::Ipv6ServerSocket {
                ip: ip.octets(),
                port,
                l4proto: f.l4proto,
            }
        }
        (FdType::Ipv4Sock | FdType::Ipv4ServSock, sock) => {
            let (sip, sport, dip, dport) = match sock {
                SockInfo::V4 {
                    sip,
                    sport,
                    dip,
                    dport,
                } => (sip.octets(), sport, dip.octets(), dport),
                _ => ([0; 4], 0, [0; 4], 0),
            };
            if f.ty == FdType::Ipv4ServSock {
                ScapFd::Ipv4ServerSocket {
                    ip: sip,
                    port: sport,
                    l4proto: f.l4proto,
                }
            } else {
                ScapFd::Ipv4Socket {
                    sip,
                    dip,
                    sport,
                    dport,
                    l4proto: f.l4proto,
                }
            }
        }
        (FdType::Ipv6Sock | FdType::Ipv6ServSock, sock) => {
            let (sip, sport, dip, dport) = match sock {
                SockInfo::V6 {
                    sip,
                    sport,
                    dip,
                    dport,
                } => (sip.octets(), sport, dip.octets(), dport),
                _ => ([0; 16], 0, [0; 16], 0),
            };
            if f.ty == FdType::Ipv6ServSock {
                ScapFd::Ipv6ServerSocket {
                    ip: sip,
                    port: sport,
                    l4proto: f.l4proto,
                }
            } else {
                ScapFd::Ipv6Socket {
                    sip,
                    dip,
                    sport,
                    dport,
                    l4proto: f.l4proto,
                }
            }
        }
        (FdType::UnixSock, sock) => {
            let (source, destination) = match sock {
                SockInfo::Unix { source, dest } => (source, dest),
                _ => (0, 0),
            };
            ScapFd::UnixSocket {
                source,
                destination,
                path: name,
            }
        }
        (FdType::File, _) => ScapFd::File(name),
        (FdType::FileV2, _) => ScapFd::FileV2 {
            open_flags: f.open_flags,
            name,
            dev: Some(f.dev),
        },
        (FdType::Directory, _) => ScapFd::Directory(name),
        (FdType::Fifo, _) => ScapFd::Fifo(name),
        (FdType::Event, _) => ScapFd::Event(name),
        (FdType::Unsupported, _) => ScapFd::Unsupported(name),
        (FdType::Signalfd, _) => ScapFd::Signalfd(name),
        (FdType::Eventpoll, _) => ScapFd::Eventpoll(name),
        (FdType::Inotify, _) => ScapFd::Inotify(name),
        (FdType::Timerfd, _) => ScapFd::Timerfd(name),
        (FdType::Netlink, _) => ScapFd::Netlink(name),
        (FdType::Bpf, _) => ScapFd::Bpf(name),
        (FdType::Userfaultfd, _) => ScapFd::Userfaultfd(name),
        (FdType::IoUring, _) => ScapFd::IoUring(name),
        (FdType::Memfd, _) => ScapFd::Memfd(name),
        (FdType::Pidfd, _) => ScapFd::Pidfd(name),
        (FdType::Unknown, _) => ScapFd::Unknown,
    };
    FdEntry::new(f.fd, f.ino, info)
}

#[cfg(test)]
mod tests {
    use strata_scap::event::DF_STATE_ONLY;
    use strata_scap::table::{self, Direction};
    use strata_scap::{Block, Endian, SectionHeader, SliceReader, Writer};

    use super::{DumpOptions, Dumper};
    use crate::Inspector;

    fn code(name: &str, dir: Direction) -> u16 {
        table::events()
            .iter()
            .find(|i| i.name == name && i.direction() == dir)
            .map(|i| i.code)
            .expect("event type")
    }

    /// A capture in byte order `e`: thread 7 reads fd 3 (enter, exit), then closes it.
    fn capture(e: Endian) -> Vec<u8> {
        let mut w = Writer::new(Vec::new());
        w.write_section(&SectionHeader {
            endian: e,
            major: 1,
            minor: 2,
            section_length: u64::MAX,
            options: &[],
        })
        .unwrap();
        let i64b = |v: i64| match e {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        };
        let u32b = |v: u32| match e {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        };
        let (read_e, read_x) = (
            code("read", Direction::Enter),
            code("read", Direction::Exit),
        );
        let (close_e, close_x) = (
            code("close", Direction::Enter),
            code("close", Direction::Exit),
        );
        w.write_event(0, 0, 10, 7, read_e, &[&i64b(3), &u32b(8)])
            .unwrap();
        w.write_event(0, 0, 11, 7, read_x, &[&i64b(2), b"hi"])
            .unwrap();
        w.write_event(0, 0, 12, 7, close_e, &[&i64b(3)]).unwrap();
        w.write_event(0, 0, 13, 7, close_x, &[&i64b(0)]).unwrap();
        w.into_inner().unwrap()
    }

    /// Dumps `capture` selecting the exits of `select`; (event type, dump flags) written.
    fn dump(capture: &[u8], e: Endian, opts: DumpOptions, select: &str) -> Vec<(String, u32)> {
        let mut insp = Inspector::new();
        let mut d = None;
        for b in SliceReader::new(capture) {
            match b.unwrap() {
                Block::Event(ev) => {
                    let d = d.get_or_insert_with(|| {
                        Dumper::open(Writer::new(Vec::new()), &insp, opts.endian(e)).unwrap()
                    });
                    insp.process(&ev);
                    let selected = ev.name() == select && ev.direction() == Direction::Exit;
                    d.dump(&ev, selected).unwrap();
                }
                other => insp.process_block(&other),
            }
        }
        let out = d.unwrap().finish().unwrap();
        SliceReader::new(&out)
            .filter_map(|b| match b.expect("the written capture reads") {
                Block::Event(ev) => {
                    assert_eq!(ev.endian(), e);
                    Some((
                        format!("{}{}", ev.name(), ev.direction().as_char()),
                        ev.dump_flags,
                    ))
                }
                Block::Section(s) => {
                    assert_eq!(s.endian, e);
                    None
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_unselected_enter_goes_just_before_its_written_exit_flagged() {
        let c = capture(Endian::Little);
        let keep = DumpOptions::default().keep_state(true);
        let got = dump(&c, Endian::Little, keep, "read");
        assert_eq!(
            got,
            [
                ("read>".into(), DF_STATE_ONLY),
                ("read<".into(), 0),
                ("close>".into(), DF_STATE_ONLY),
                ("close<".into(), DF_STATE_ONLY)
            ]
        );
        // Without keep_state: what was selected, and nothing else.
        let got = dump(&c, Endian::Little, DumpOptions::default(), "read");
        assert_eq!(got, [("read<".into(), 0)]);
        // For a reader that never shows enters: the selected exit keeps its enter.
        let with = DumpOptions::default().enters_with_exits(true);
        let got = dump(&c, Endian::Little, with, "read");
        assert_eq!(got, [("read>".into(), DF_STATE_ONLY), ("read<".into(), 0)]);
    }

    #[test]
    fn keep_state_writes_the_state_changes_flagged_state_only() {
        let c = capture(Endian::Little);
        let got = dump(
            &c,
            Endian::Little,
            DumpOptions::default().keep_state(true),
            "none",
        );
        assert_eq!(
            got,
            [
                ("close>".into(), DF_STATE_ONLY),
                ("close<".into(), DF_STATE_ONLY)
            ]
        );
        assert!(dump(&c, Endian::Little, DumpOptions::default(), "none").is_empty());
    }

    #[test]
    fn a_big_endian_capture_is_written_in_its_byte_order() {
        let c = capture(Endian::Big);
        let got = dump(
            &c,
            Endian::Big,
            DumpOptions::default().keep_state(true),
            "read",
        );
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn an_event_of_another_byte_order_is_an_error() {
        let c = capture(Endian::Big);
        let insp = Inspector::new();
        let mut d = Dumper::open(Writer::new(Vec::new()), &insp, DumpOptions::default()).unwrap();
        let ev = SliceReader::new(&c)
            .find_map(|b| match b.unwrap() {
                Block::Event(ev) => Some(ev),
                _ => None,
            })
            .unwrap();
        assert!(d.dump(&ev, true).is_err());
    }
}

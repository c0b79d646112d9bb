//! What libsinsp 0.25's capture reader does to a capture that still has enter events, before
//! its state engine sees them.
//!
//! Today's drivers send exit events only, each carrying every parameter of its system call,
//! and libscap's file reader brings older event streams to that shape (its scap converter,
//! `userspace/libscap/engine/savefile/converter`, and `test_event_convertibility`):
//!
//! - Enter events of system calls are removed: not counted by `evt.num`, never parsed. Those
//!   the converter manages are kept aside, one per thread, for their exit; older versions it
//!   does not manage are simply dropped. Event types marked unused are dropped too.
//! - Except the enter events of `open`, `openat`, `openat2`, `creat`, `connect`, `execve` and
//!   `execveat`: they still reach the state engine (which pairs them with their exit) and are
//!   counted, but libsinsp filters them out after parsing (`sinsp_evt_filter`), so they are
//!   never shown. Those of `connect` and `execve` are also kept aside for their exit.
//! - An exit with fewer parameters than today's table gets the missing ones: a parameter the
//!   enter event also has (same name) is taken from the kept enter, which is then used up;
//!   without a kept enter it is left empty for a few calls (`syscall`, `brk`, `execve`,
//!   `prlimit`, the `set*id` family, `setpgid`, `mkdir`, `ptrace`, `fchdir`, `setns`) and gets
//!   its type's default (zero, or −1 for ids) for the others. A parameter the enter does not
//!   have is left empty, except `fcntl`'s `arg`, `socket`'s `flags` and the result of
//!   `sendmmsg`/`recvmmsg`, which get the default.
//! - An exit that needs its enter's parameters while the thread's kept enter is of another
//!   call, or that has more parameters than the table, is refused: libscap reports an error
//!   and libsinsp goes on with the next event, so it is neither counted nor parsed.
//! - Enter events of non-syscall events (`switch`, `procexit`, `container`, ...) pass.
//!
//! Strata applies these rules in the libsinsp 0.25 flavor only
//! ([`Config::drop_enter_events`](crate::Config::drop_enter_events)); sysdig 0.29 read and
//! counted every event as it was. Old exit versions (which the converter rewrites to today's
//! types) are left as they are: libsinsp-written captures, the only ones read in this flavor,
//! do not have them.

use hashbrown::HashMap;
use strata_scap::Event;
use strata_scap::event::encode_event;
use strata_scap::param::fixed_size;
use strata_scap::table::{self, Category, Direction, EventFlags, EventInfo, ParamType};

use crate::threads::EnterStore;

/// What the reader does with one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Passed on as it is.
    Keep,
    /// Passed on, counted and parsed, then filtered out: never shown.
    Hide,
    /// Removed: not counted, not parsed.
    Drop,
    /// An exit passed on with its missing parameters filled in (the event to use is in the
    /// buffer given to [`Converter::read`]).
    Converted,
}

/// What an event type gets, decided once per type from the event table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Keep,
    /// An enter event: hidden after parsing (else dropped), kept aside for its exit if `store`.
    Enter {
        hide: bool,
        store: bool,
    },
    Drop,
    /// An exit the converter completes when it lacks parameters.
    Exit,
}

/// Where a missing exit parameter comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Parameter `i` of the enter event.
    Enter(usize),
    Empty,
    Default,
}

/// The reader's state: each event type's kind, and the enter event kept aside per thread.
#[derive(Debug)]
pub(crate) struct Converter {
    kinds: Vec<Kind>,
    kept: HashMap<u64, (u16, EnterStore)>,
    max_enter: usize,
    /// Most threads with an enter kept aside (libscap keeps them without bound).
    max_threads: usize,
}

/// Default values: zeros of a type's size; −1 for user and group ids.
const DEFAULT_VALUES: [u8; 16] = [0; 16];
const NO_ID: [u8; 4] = [0xff; 4];

impl Converter {
    /// A reader keeping enter events up to `max_enter` bytes for their exits, for at most
    /// `max_threads` threads at a time.
    pub(crate) fn new(max_enter: usize, max_threads: usize) -> Self {
        Converter {
            kinds: table::events().iter().map(kind).collect(),
            kept: HashMap::new(),
            max_enter,
            max_threads: max_threads.max(1),
        }
    }

    /// Reads one event. For [`Reading::Converted`], `out` holds the completed exit as an
    /// EV_V2 (or EV_V2_LARGE) block body: cpu, then the event.
    pub(crate) fn read(&mut self, ev: &Event<'_>, out: &mut Vec<u8>) -> Reading {
        let kind = self
            .kinds
            .get(ev.event_type as usize)
            .copied()
            .unwrap_or(Kind::Keep);
        match kind {
            Kind::Keep => Reading::Keep,
            Kind::Drop => Reading::Drop,
            Kind::Enter { hide, store } => {
                if store {
                    if self.kept.len() >= self.max_threads && !self.kept.contains_key(&ev.tid) {
                        // Bounded: the enters already used go first, then all of them.
                        self.kept.retain(|_, (_, slot)| slot.valid);
                        if self.kept.len() >= self.max_threads {
                            self.kept.clear();
                        }
                    }
                    let (ty, slot) = self.kept.entry(ev.tid).or_default();
                    *ty = ev.event_type;
                    slot.keep(ev, self.max_enter);
                }
                if hide { Reading::Hide } else { Reading::Drop }
            }
            Kind::Exit => self.complete(ev, out),
        }
    }

    /// Forgets what thread `tid` kept aside (it exited).
    pub(crate) fn forget(&mut self, tid: u64) {
        self.kept.remove(&tid);
    }

    /// Forgets everything (a new section starts).
    pub(crate) fn clear(&mut self) {
        self.kept.clear();
    }

    /// Fills the parameters an exit lacks.
    fn complete(&mut self, ev: &Event<'_>, out: &mut Vec<u8>) -> Reading {
        let Some(info) = ev.info() else {
            return Reading::Keep;
        };
        let (have, want) = (ev.nparams(), info.params.len());
        if have == want {
            return Reading::Keep;
        }
        if have > want || want > MAX_PARAMS {
            return Reading::Drop;
        }
        let enter_info = table::event_info(ev.event_type - 1);
        let mut sources = [Source::Empty; MAX_PARAMS];
        let mut needs_enter = false;
        for (i, s) in sources.iter_mut().enumerate().take(want).skip(have) {
            *s = source(info, enter_info, i);
            needs_enter |= matches!(s, Source::Enter(_));
        }
        let enter = match self.kept.get(&ev.tid) {
            Some((ty, slot)) if needs_enter && slot.valid => {
                if *ty != ev.event_type - 1 {
                    // libscap: "the enter event is not the right one".
                    return Reading::Drop;
                }
                slot.event()
            }
            _ => None,
        };
        let empty_without_enter = empty_without_enter(info.name);
        let mut params: [&[u8]; MAX_PARAMS] = [&[]; MAX_PARAMS];
        for (i, p) in params.iter_mut().enumerate().take(want) {
            let ty = info.params[i].ty;
            *p = match sources[i] {
                _ if i < have => ev.param_raw(i).unwrap_or_default(),
                Source::Enter(j) => match &enter {
                    Some(e) => match e.param_raw(j) {
                        Some(raw) => raw,
                        None => return Reading::Drop,
                    },
                    None if empty_without_enter => &[],
                    None => default_value(ty),
                },
                Source::Empty => &[],
                Source::Default => default_value(ty),
            };
        }
        out.clear();
        let endian = ev.endian();
        endian.put_u16(out, ev.cpu);
        if encode_event(out, endian, ev.ts, ev.tid, ev.event_type, &params[..want]).is_err() {
            return Reading::Keep;
        }
        if enter.is_some() {
            if let Some((_, slot)) = self.kept.get_mut(&ev.tid) {
                slot.valid = false;
            }
        }
        Reading::Converted
    }
}

/// The most parameters an event type has in today's table.
const MAX_PARAMS: usize = 32;

/// The block type of a completed exit (the body [`Converter::read`] builds).
pub(crate) fn converted_block_type(ev: &Event<'_>) -> u32 {
    if ev.large_payload() {
        strata_scap::block::types::EV_V2_LARGE
    } else {
        strata_scap::block::types::EV_V2
    }
}

/// Parses the completed exit [`Converter::read`] left in `buf`.
pub(crate) fn converted<'b>(ev: &Event<'_>, buf: &'b [u8]) -> Option<Event<'b>> {
    Event::parse(converted_block_type(ev), buf, ev.endian()).ok()
}

fn kind(info: &EventInfo) -> Kind {
    let f = info.flags;
    if f.contains(EventFlags::UNUSED) {
        return Kind::Drop;
    }
    let managed = f.contains(EventFlags::CONVERTER_MANAGED);
    let old = f.contains(EventFlags::OLD_VERSION);
    let syscall = info.category.source() & Category::SYSCALL != 0;
    match info.direction() {
        Direction::Enter if !managed => {
            if old {
                Kind::Drop
            } else {
                Kind::Keep
            }
        }
        // Old switch, procexit and container events become today's: they pass.
        Direction::Enter if !syscall => Kind::Keep,
        Direction::Enter => {
            let (hide, store) = match info.name {
                "open" | "openat" | "openat2" | "creat" | "execveat" => (true, false),
                "connect" | "execve" => (true, true),
                _ => (false, true),
            };
            Kind::Enter { hide, store }
        }
        Direction::Exit if managed && !old => Kind::Exit,
        Direction::Exit => Kind::Keep,
    }
}

/// Where missing parameter `i` of an exit (`info`) comes from; `enter` is its enter's type.
fn source(info: &EventInfo, enter: Option<&EventInfo>, i: usize) -> Source {
    let p = &info.params[i];
    match (info.name, p.name) {
        ("fcntl", "arg") | ("socket", "flags") | ("sendmmsg" | "recvmmsg", "res") => {
            return Source::Default;
        }
        // The exec flags of execve's exit are not execveat's flags.
        ("execve" | "execveat", "flags") => return Source::Empty,
        _ => {}
    }
    match enter.and_then(|e| e.param_index(p.name)) {
        Some(j) => Source::Enter(j),
        None => Source::Empty,
    }
}

/// Calls whose exit leaves an enter's parameter empty, rather than at its default, when the
/// enter event is missing.
fn empty_without_enter(name: &str) -> bool {
    matches!(
        name,
        "syscall"
            | "brk"
            | "execve"
            | "prlimit"
            | "setuid"
            | "setgid"
            | "setresuid"
            | "setresgid"
            | "setpgid"
            | "mkdir"
            | "ptrace"
            | "fchdir"
            | "setns"
    )
}

/// A type's default value: zero of its size (nothing for variable-size types), −1 for ids.
fn default_value(ty: ParamType) -> &'static [u8] {
    match ty {
        ParamType::Uid | ParamType::Gid => &NO_ID,
        _ => &DEFAULT_VALUES[..fixed_size(ty).unwrap_or(0)],
    }
}

#[cfg(test)]
mod tests {
    use strata_scap::block::types::EV_V2;
    use strata_scap::event::encode_event;
    use strata_scap::{Endian, Event};

    use super::{Converter, Reading, converted};
    use crate::{Config, Inspector};

    /// An EV_V2 block body (cpu 0) of event `code` of thread `tid` with `params`.
    fn body(code: u16, tid: u64, params: &[&[u8]]) -> Vec<u8> {
        let mut b = 0u16.to_le_bytes().to_vec();
        encode_event(&mut b, Endian::Little, 1_000, tid, code, params).unwrap();
        b
    }

    fn parse(b: &[u8]) -> Event<'_> {
        Event::parse(EV_V2, b, Endian::Little).unwrap()
    }

    const READ_E: u16 = 6;
    const READ_X: u16 = 7;
    const CLOSE_E: u16 = 4;
    const CLOSE_X: u16 = 5;

    fn read(c: &mut Converter, b: &[u8], out: &mut Vec<u8>) -> Reading {
        c.read(&parse(b), out)
    }

    #[test]
    fn an_exit_takes_the_parameters_of_its_dropped_enter_once() {
        let mut c = Converter::new(4096, 100);
        let mut out = Vec::new();
        let enter = body(READ_E, 7, &[&5i64.to_le_bytes(), &64u32.to_le_bytes()]);
        assert_eq!(read(&mut c, &enter, &mut out), Reading::Drop);
        let exit = body(READ_X, 7, &[&3i64.to_le_bytes(), b"abc"]);
        assert_eq!(read(&mut c, &exit, &mut out), Reading::Converted);
        let ev = converted(&parse(&exit), &out).unwrap();
        assert_eq!(ev.nparams(), 4);
        assert_eq!(ev.param_raw(1), Some(&b"abc"[..]));
        assert_eq!(
            ev.param(2).unwrap().unwrap().as_i64(),
            Some(5),
            "fd from the enter"
        );
        assert_eq!(
            ev.param(3).unwrap().unwrap().as_u64(),
            Some(64),
            "size from the enter"
        );
        // The enter is used up: the next exit without one gets the types' defaults.
        assert_eq!(read(&mut c, &exit, &mut out), Reading::Converted);
        let ev = converted(&parse(&exit), &out).unwrap();
        assert_eq!(ev.param_raw(2), Some(&[0u8; 8][..]));
        assert_eq!(ev.param_raw(3), Some(&[0u8; 4][..]));
    }

    #[test]
    fn another_thread_keeps_its_own_enter() {
        let mut c = Converter::new(4096, 100);
        let mut out = Vec::new();
        let enter = body(READ_E, 7, &[&5i64.to_le_bytes(), &64u32.to_le_bytes()]);
        read(&mut c, &enter, &mut out);
        let other = body(CLOSE_X, 8, &[&0i64.to_le_bytes()]);
        assert_eq!(read(&mut c, &other, &mut out), Reading::Converted);
        let ev = converted(&parse(&other), &out).unwrap();
        assert_eq!(ev.param_raw(1), Some(&[0u8; 8][..]), "no enter: default fd");
    }

    #[test]
    fn an_exit_needing_an_enter_of_another_call_is_refused() {
        let mut c = Converter::new(4096, 100);
        let mut out = Vec::new();
        read(&mut c, &body(CLOSE_E, 7, &[&4i64.to_le_bytes()]), &mut out);
        let exit = body(READ_X, 7, &[&3i64.to_le_bytes(), b"abc"]);
        assert_eq!(read(&mut c, &exit, &mut out), Reading::Drop);
        // Complete exits pass whatever was kept.
        let full = body(
            READ_X,
            7,
            &[
                &3i64.to_le_bytes(),
                b"abc",
                &4i64.to_le_bytes(),
                &3u32.to_le_bytes(),
            ],
        );
        assert_eq!(read(&mut c, &full, &mut out), Reading::Keep);
        // More parameters than the table has: refused too.
        let long = body(
            CLOSE_X,
            7,
            &[&0i64.to_le_bytes(), &4i64.to_le_bytes(), b"x"],
        );
        assert_eq!(read(&mut c, &long, &mut out), Reading::Drop);
    }

    #[test]
    fn enter_events_that_libsinsp_still_parses_are_hidden() {
        let mut c = Converter::new(4096, 100);
        let mut out = Vec::new();
        const OPENAT_E: u16 = 306;
        const CONNECT_E: u16 = 22;
        const CONNECT_X: u16 = 23;
        let openat = body(
            OPENAT_E,
            7,
            &[
                &(-100i64).to_le_bytes(),
                b"/etc\0",
                &0u32.to_le_bytes(),
                &0u32.to_le_bytes(),
            ],
        );
        assert_eq!(read(&mut c, &openat, &mut out), Reading::Hide);
        let addr = [1u8, b'/', b'x', 0];
        let connect = body(CONNECT_E, 7, &[&3i64.to_le_bytes(), &addr]);
        assert_eq!(read(&mut c, &connect, &mut out), Reading::Hide);
        // connect's enter is also kept for its exit.
        let exit = body(
            CONNECT_X,
            7,
            &[&0i64.to_le_bytes(), &[], &3i64.to_le_bytes()],
        );
        assert_eq!(read(&mut c, &exit, &mut out), Reading::Converted);
        let ev = converted(&parse(&exit), &out).unwrap();
        assert_eq!(ev.param_raw(3), Some(&addr[..]));
    }

    #[test]
    fn other_events_pass_or_drop_by_their_table_flags() {
        let mut c = Converter::new(4096, 100);
        let mut out = Vec::new();
        const STAT_E: u16 = 66;
        const STAT_X: u16 = 67;
        const PROCEXIT_1_E: u16 = 186;
        // An old enter the converter does not manage: dropped, not kept.
        assert_eq!(read(&mut c, &body(STAT_E, 7, &[]), &mut out), Reading::Drop);
        let stat = body(STAT_X, 7, &[&0i64.to_le_bytes(), b"/\0"]);
        assert_eq!(read(&mut c, &stat, &mut out), Reading::Keep);
        let exit = body(PROCEXIT_1_E, 7, &[&0i64.to_le_bytes()]);
        assert_eq!(read(&mut c, &exit, &mut out), Reading::Keep);
    }

    #[test]
    fn missing_parameters_the_enter_lacks_are_empty_or_default() {
        let mut c = Converter::new(4096, 100);
        let mut out = Vec::new();
        const SOCKET_E: u16 = 18;
        const SOCKET_X: u16 = 19;
        const BRK_4_X: u16 = 159;
        let u = |v: u32| v.to_le_bytes();
        read(&mut c, &body(SOCKET_E, 7, &[&u(2), &u(1), &u(0)]), &mut out);
        let exit = body(SOCKET_X, 7, &[&3i64.to_le_bytes()]);
        assert_eq!(read(&mut c, &exit, &mut out), Reading::Converted);
        let ev = converted(&parse(&exit), &out).unwrap();
        assert_eq!(ev.param_raw(1), Some(&u(2)[..]));
        assert_eq!(
            ev.param_raw(4),
            Some(&[0u8; 4][..]),
            "socket's flags: the default"
        );
        // brk's addr without its enter: empty.
        let brk = body(BRK_4_X, 7, &[&0u64.to_le_bytes(), &u(1), &u(2), &u(3)]);
        assert_eq!(read(&mut c, &brk, &mut out), Reading::Converted);
        let ev = converted(&parse(&brk), &out).unwrap();
        assert_eq!(ev.param_raw(4), Some(&[][..]));
    }

    /// openat's enter and exit, then read's, of thread 7 opening /etc/hosts as fd 3.
    fn open_then_read() -> Vec<Vec<u8>> {
        let fd = 3i64.to_le_bytes();
        let at = (-100i64).to_le_bytes();
        let z = 0u32.to_le_bytes();
        vec![
            body(306, 7, &[&at, b"/etc/hosts\0", &z, &z]),
            body(
                307,
                7,
                &[&fd, &at, b"/etc/hosts\0", &z, &z, &z, &0u64.to_le_bytes()],
            ),
            body(READ_E, 7, &[&fd, &64u32.to_le_bytes()]),
            body(READ_X, 7, &[&5i64.to_le_bytes(), b"hello"]),
        ]
    }

    #[test]
    fn libsinsp_025_counts_and_shows_exits_carrying_their_enters() {
        let mut insp = Inspector::new();
        let seen: Vec<(u64, bool, bool, Option<i64>, usize)> = open_then_read()
            .iter()
            .map(|b| {
                let ctx = insp.process(&parse(b));
                let n = ctx.event().nparams();
                (
                    ctx.num(),
                    ctx.is_hidden(),
                    ctx.is_dropped(),
                    ctx.fd_num(),
                    n,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (1, true, false, Some(-1), 4),
                (2, false, false, Some(3), 7),
                (2, true, true, None, 2),
                (3, false, false, Some(3), 4),
            ]
        );
        assert_eq!(insp.events_seen(), 3);
        let t = insp.thread(7).unwrap();
        assert_eq!(insp.fd_table(t).get(3).unwrap().name, b"/etc/hosts");
    }

    #[test]
    fn sysdig_029_counts_and_shows_every_event() {
        let mut insp = Inspector::with_config(Config::sysdig_029());
        let seen: Vec<(u64, bool, Option<i64>, usize)> = open_then_read()
            .iter()
            .map(|b| {
                let ctx = insp.process(&parse(b));
                (
                    ctx.num(),
                    ctx.is_hidden(),
                    ctx.fd_num(),
                    ctx.event().nparams(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (1, false, Some(-1), 4),
                (2, false, Some(3), 7),
                (3, false, Some(3), 2),
                (4, false, Some(3), 2),
            ]
        );
    }

    #[test]
    fn enters_are_kept_for_a_bounded_number_of_threads() {
        let mut c = Converter::new(4096, 2);
        let mut out = Vec::new();
        for tid in 1..=3 {
            let enter = body(READ_E, tid, &[&5i64.to_le_bytes(), &64u32.to_le_bytes()]);
            read(&mut c, &enter, &mut out);
        }
        assert_eq!(c.kept.len(), 1, "the full table was emptied for thread 3");
        let exit = body(READ_X, 3, &[&3i64.to_le_bytes(), b"abc"]);
        assert_eq!(read(&mut c, &exit, &mut out), Reading::Converted);
        let ev = converted(&parse(&exit), &out).unwrap();
        assert_eq!(ev.param(2).unwrap().unwrap().as_i64(), Some(5));
    }
}

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
    /// Enters still waiting for their exit, let go to respect the bound.
    pub(crate) dropped: u64,
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
            dropped: 0,
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
                            self.drop_oldest();
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

    /// Lets the oldest pending enters go (by event time, then tid), a sixteenth of the bound
    /// at a time: their threads have waited longest for an exit.
    fn drop_oldest(&mut self) {
        let n = self.kept.len();
        let k = (self.max_threads / 16)
            .max(n + 1 - self.max_threads.min(n))
            .min(n);
        let mut by_age: Vec<(u64, u64)> = self
            .kept
            .iter()
            .map(|(&tid, (_, slot))| (slot.event().map_or(0, |e| e.ts), tid))
            .collect();
        if k < by_age.len() {
            by_age.select_nth_unstable(k);
        }
        for &(_, tid) in &by_age[..k] {
            self.kept.remove(&tid);
        }
        self.dropped += k as u64;
    }

    /// How many threads have an enter kept aside (used or not), and the bound.
    pub(crate) fn len_and_max(&self) -> (usize, usize) {
        (self.kept.len(), self.max_threads)
    }

    /// Approximate bytes held by the enters kept aside.
    pub(crate) fn approx_bytes(&self) -> usize {
        self.kept.capacity() * (std::mem::size_of::<(u64, (u16, EnterStore))>() + 1)
            + self
                .kept
                .values()
                .map(|(_, e)| e.body.capacity())
                .sum::<usize>()
    }

    /// The enters kept aside and not used yet, by thread.
    pub(crate) fn kept_enters(&self) -> impl Iterator<Item = (u64, &EnterStore)> {
        self.kept
            .iter()
            .filter(|(_, (_, s))| s.valid)
            .map(|(tid, (_, s))| (*tid, s))
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

    const CLOSE_E: u16 = 4;
    const CLOSE_X: u16 = 5;
    const READ_E: u16 = 6;
    const READ_X: u16 = 7;
    const SOCKET_E: u16 = 18;
    const SOCKET_X: u16 = 19;
    const CONNECT_E: u16 = 22;
    const CONNECT_X: u16 = 23;
    const STAT_E: u16 = 66;
    const STAT_X: u16 = 67;
    const BRK_4_X: u16 = 159;
    const PROCEXIT_1_E: u16 = 186;
    const OPENAT_E: u16 = 306;
    const OPENAT_X: u16 = 307;

    fn i64b(v: i64) -> [u8; 8] {
        v.to_le_bytes()
    }

    fn u32b(v: u32) -> [u8; 4] {
        v.to_le_bytes()
    }

    /// An EV_V2 block body (cpu 0) of event `code` of thread `tid` with `params`.
    fn body(code: u16, tid: u64, params: &[&[u8]]) -> Vec<u8> {
        let mut b = 0u16.to_le_bytes().to_vec();
        encode_event(&mut b, Endian::Little, 1_000, tid, code, params).unwrap();
        b
    }

    fn parse(b: &[u8]) -> Event<'_> {
        Event::parse(EV_V2, b, Endian::Little).unwrap()
    }

    /// A reader and the last exit it completed.
    struct Reader {
        c: Converter,
        out: Vec<u8>,
        last: Vec<u8>,
    }

    impl Reader {
        fn new(max_threads: usize) -> Self {
            Reader {
                c: Converter::new(4096, max_threads),
                out: Vec::new(),
                last: Vec::new(),
            }
        }

        fn read(&mut self, code: u16, tid: u64, params: &[&[u8]]) -> Reading {
            self.last = body(code, tid, params);
            self.c.read(&parse(&self.last), &mut self.out)
        }

        /// Parameter `i` of the exit completed last.
        fn param(&self, i: usize) -> Option<Vec<u8>> {
            let ev = converted(&parse(&self.last), &self.out)?;
            ev.param_raw(i).map(<[u8]>::to_vec)
        }
    }

    #[test]
    fn an_exit_takes_the_parameters_of_its_dropped_enter_once() {
        let mut r = Reader::new(100);
        assert_eq!(r.read(READ_E, 7, &[&i64b(5), &u32b(64)]), Reading::Drop);
        assert_eq!(r.read(READ_X, 7, &[&i64b(3), b"abc"]), Reading::Converted);
        assert_eq!(r.param(1).unwrap(), b"abc");
        assert_eq!(r.param(2).unwrap(), i64b(5), "fd from the enter");
        assert_eq!(r.param(3).unwrap(), u32b(64), "size from the enter");
        assert!(r.param(4).is_none());
        // The enter is used up: the next exit without one gets the types' defaults.
        assert_eq!(r.read(READ_X, 7, &[&i64b(3), b"abc"]), Reading::Converted);
        assert_eq!(r.param(2).unwrap(), [0; 8]);
        assert_eq!(r.param(3).unwrap(), [0; 4]);
        // Another thread has no enter kept either.
        r.read(READ_E, 7, &[&i64b(5), &u32b(64)]);
        assert_eq!(r.read(CLOSE_X, 8, &[&i64b(0)]), Reading::Converted);
        assert_eq!(r.param(1).unwrap(), [0; 8]);
    }

    #[test]
    fn an_exit_needing_an_enter_of_another_call_is_refused() {
        let mut r = Reader::new(100);
        r.read(CLOSE_E, 7, &[&i64b(4)]);
        assert_eq!(r.read(READ_X, 7, &[&i64b(3), b"abc"]), Reading::Drop);
        // Complete exits pass whatever was kept.
        let full: [&[u8]; 4] = [&i64b(3), b"abc", &i64b(4), &u32b(3)];
        assert_eq!(r.read(READ_X, 7, &full), Reading::Keep);
        // More parameters than the table has: refused too.
        let long: [&[u8]; 3] = [&i64b(0), &i64b(4), b"x"];
        assert_eq!(r.read(CLOSE_X, 7, &long), Reading::Drop);
    }

    #[test]
    fn enter_events_that_libsinsp_still_parses_are_hidden() {
        let mut r = Reader::new(100);
        let openat: [&[u8]; 4] = [&i64b(-100), b"/etc\0", &u32b(0), &u32b(0)];
        assert_eq!(r.read(OPENAT_E, 7, &openat), Reading::Hide);
        let addr = [1u8, b'/', b'x', 0];
        assert_eq!(r.read(CONNECT_E, 7, &[&i64b(3), &addr]), Reading::Hide);
        // connect's enter is also kept for its exit.
        let exit: [&[u8]; 3] = [&i64b(0), &[], &i64b(3)];
        assert_eq!(r.read(CONNECT_X, 7, &exit), Reading::Converted);
        assert_eq!(r.param(3).unwrap(), addr);
    }

    #[test]
    fn other_events_pass_or_drop_by_their_table_flags() {
        let mut r = Reader::new(100);
        // An old enter the converter does not manage: dropped, not kept.
        assert_eq!(r.read(STAT_E, 7, &[]), Reading::Drop);
        assert_eq!(r.read(STAT_X, 7, &[&i64b(0), b"/\0"]), Reading::Keep);
        assert_eq!(r.read(PROCEXIT_1_E, 7, &[&i64b(0)]), Reading::Keep);
    }

    #[test]
    fn missing_parameters_the_enter_lacks_are_empty_or_default() {
        let mut r = Reader::new(100);
        r.read(SOCKET_E, 7, &[&u32b(2), &u32b(1), &u32b(0)]);
        assert_eq!(r.read(SOCKET_X, 7, &[&i64b(3)]), Reading::Converted);
        assert_eq!(r.param(1).unwrap(), u32b(2));
        assert_eq!(r.param(4).unwrap(), [0; 4], "socket's flags: the default");
        // brk's addr without its enter: empty.
        let brk: [&[u8]; 4] = [&0u64.to_le_bytes(), &u32b(1), &u32b(2), &u32b(3)];
        assert_eq!(r.read(BRK_4_X, 7, &brk), Reading::Converted);
        assert_eq!(r.param(4).unwrap(), b"");
    }

    #[test]
    fn enters_are_kept_for_a_bounded_number_of_threads() {
        let mut r = Reader::new(2);
        for tid in 1..=3 {
            r.read(READ_E, tid, &[&i64b(5), &u32b(64)]);
        }
        assert_eq!(r.c.kept.len(), 2, "the oldest was let go for thread 3");
        assert!(!r.c.kept.contains_key(&1));
        assert_eq!(r.c.dropped, 1);
        assert_eq!(r.read(READ_X, 3, &[&i64b(3), b"abc"]), Reading::Converted);
        assert_eq!(r.param(2).unwrap(), i64b(5));
    }

    /// openat's enter and exit, then read's, of thread 7 opening /etc/hosts as fd 3.
    fn open_then_read() -> Vec<Vec<u8>> {
        let (fd, at, z) = (i64b(3), i64b(-100), u32b(0));
        vec![
            body(OPENAT_E, 7, &[&at, b"/etc/hosts\0", &z, &z]),
            body(
                OPENAT_X,
                7,
                &[&fd, &at, b"/etc/hosts\0", &z, &z, &z, &[0; 8]],
            ),
            body(READ_E, 7, &[&fd, &u32b(64)]),
            body(READ_X, 7, &[&i64b(5), b"hello"]),
        ]
    }

    /// What each event of `open_then_read` gives: number, hidden, dropped, fd, parameters.
    fn seen(insp: &mut Inspector) -> Vec<(u64, bool, bool, Option<i64>, usize)> {
        open_then_read()
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
            .collect()
    }

    #[test]
    fn libsinsp_025_counts_and_shows_exits_carrying_their_enters() {
        let mut insp = Inspector::new();
        assert_eq!(
            seen(&mut insp),
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
        assert_eq!(
            seen(&mut insp),
            [
                (1, false, false, Some(-1), 4),
                (2, false, false, Some(3), 7),
                (3, false, false, Some(3), 2),
                (4, false, false, Some(3), 2),
            ]
        );
    }
}

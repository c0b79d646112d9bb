//! Parameters by name: each handler asks for `fd`, `name`, `tuple`, ... and gets the index in
//! whatever version of the event it is looking at. Indices are resolved once per event type
//! when the inspector is built, and reading falls back to the stored enter event when the exit
//! event lacks the parameter (old captures put many parameters on the enter side).

use strata_scap::Event;
use strata_scap::param::ParamValue;
use strata_scap::table;

macro_rules! params {
    ($($v:ident = $n:literal,)*) => {
        /// The parameter names handlers use.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(missing_docs, dead_code)]
        pub(crate) enum P { $($v,)* }
        const NAMES: &[&str] = &[$($n,)*];
    };
}

params! {
    Res = "res", Fd = "fd", Name = "name", Flags = "flags", Dev = "dev", Ino = "ino",
    Dirfd = "dirfd", Tuple = "tuple", Addr = "addr", Domain = "domain", Type = "type",
    Proto = "proto", Fd1 = "fd1", Fd2 = "fd2", Source = "source", Peer = "peer",
    Oldfd = "oldfd", Cmd = "cmd", Arg = "arg", Exe = "exe", Args = "args", Tid = "tid",
    Pid = "pid", Ptid = "ptid", Cwd = "cwd", Fdlimit = "fdlimit", PgftMaj = "pgft_maj",
    PgftMin = "pgft_min", VmSize = "vm_size", VmRss = "vm_rss", VmSwap = "vm_swap",
    Comm = "comm", Cgroups = "cgroups", Uid = "uid", Gid = "gid", Vtid = "vtid", Vpid = "vpid",
    PidnsInit = "pidns_init_start_ts", Env = "env", Tty = "tty", Vpgid = "vpgid",
    Loginuid = "loginuid", CapInh = "cap_inheritable", CapPerm = "cap_permitted",
    CapEff = "cap_effective", ExeIno = "exe_ino", TrustedExepath = "trusted_exepath",
    Pgid = "pgid", Euid = "euid", Egid = "egid", Option = "option", Arg2Str = "arg2_str",
    Arg2Int = "arg2_int", ContainerId = "container_id", Home = "home", Shell = "shell",
    ReaperTid = "reaper_tid", First = "first", Last = "last", CreatFlags = "creat_flags",
    Path = "path", PidFd = "pid_fd", TargetFd = "target_fd", Filename = "filename",
    Pathname = "pathname", Next = "next", Data = "data", ExeInoCtime = "exe_ino_ctime",
    ExeInoMtime = "exe_ino_mtime", Nstype = "nstype", Level = "level", Optname = "optname",
    Val = "val",
}

const N: usize = NAMES.len();
const ABSENT: u8 = u8::MAX;

/// Per event type, the index of each named parameter.
#[derive(Debug)]
pub(crate) struct Layouts {
    idx: Vec<[u8; N]>,
}

/// The layouts of every event type, built on first use.
pub(crate) fn layouts() -> &'static Layouts {
    static L: std::sync::OnceLock<Layouts> = std::sync::OnceLock::new();
    L.get_or_init(Layouts::build)
}

impl Layouts {
    fn build() -> Self {
        // Each event's parameters are walked once, each name looked up (at start-up, a
        // search of every name in every event showed in short runs).
        let by_name: std::collections::HashMap<&str, usize> =
            NAMES.iter().enumerate().map(|(k, n)| (*n, k)).collect();
        let idx = table::events()
            .iter()
            .map(|info| {
                let mut row = [ABSENT; N];
                for (i, param) in info.params.iter().enumerate() {
                    if let Some(&k) = by_name.get(param.name) {
                        // The first parameter of a name, as `EventInfo::param_index` finds it.
                        if row[k] == ABSENT {
                            row[k] = i as u8;
                        }
                    }
                }
                row
            })
            .collect();
        Layouts { idx }
    }

    #[inline]
    pub(crate) fn index(&self, code: u16, p: P) -> Option<usize> {
        let i = *self.idx.get(code as usize)?.get(p as usize)?;
        (i != ABSENT).then_some(i as usize)
    }
}

/// An exit event with, optionally, the enter event it pairs with.
#[derive(Clone, Copy)]
pub(crate) struct Args<'l, 'e> {
    pub(crate) lay: &'l Layouts,
    pub(crate) ev: Event<'e>,
    pub(crate) enter: Option<Event<'e>>,
}

impl<'e> Args<'_, 'e> {
    /// Parameter `p` of `ev`, decoded (`Event::param` finds its bytes: once, not twice).
    #[inline]
    fn decoded_in(&self, ev: &Event<'e>, p: P) -> Option<ParamValue<'e>> {
        let i = self.lay.index(ev.event_type, p)?;
        ev.param(i)?.ok()
    }

    /// The parameter from the event itself only.
    pub(crate) fn own(&self, p: P) -> Option<ParamValue<'e>> {
        self.decoded_in(&self.ev, p)?.flatten_dyn().ok()
    }

    /// A PT_DYN parameter of the event itself, undecoded: its type index and value.
    pub(crate) fn dyn_value(&self, p: P) -> Option<strata_scap::param::DynValue<'e>> {
        match self.decoded_in(&self.ev, p)? {
            ParamValue::Dyn(d) => Some(d),
            _ => None,
        }
    }

    /// The parameter from the stored enter event only.
    pub(crate) fn of_enter(&self, p: P) -> Option<ParamValue<'e>> {
        let e = self.enter.as_ref()?;
        self.decoded_in(e, p)?.flatten_dyn().ok()
    }

    /// The parameter, from the event or else from its enter event.
    pub(crate) fn get(&self, p: P) -> Option<ParamValue<'e>> {
        self.own(p).or_else(|| self.of_enter(p))
    }

    pub(crate) fn i64(&self, p: P) -> Option<i64> {
        self.get(p)?.as_i64().or_else(|| match self.get(p)? {
            ParamValue::Uint(u) => Some(u as i64),
            _ => None,
        })
    }

    pub(crate) fn u64(&self, p: P) -> Option<u64> {
        as_u64(self.get(p)?)
    }

    /// The bytes of parameters of the event itself, found in one walk of the parameter
    /// lengths (the memory figures of mmap, brk and switch: frequent enough that looking each
    /// up and decoding it showed).
    pub(crate) fn own_raws<const N: usize>(&self, ps: [P; N]) -> [Option<&'e [u8]>; N] {
        raws_of(&self.ev, self.lay, ps)
    }

    /// Parameters `ps` of the event itself, each with its table entry, found in one walk of
    /// the lengths (the open handler's five: looking each up and decoding it showed).
    pub(crate) fn own_slots<const N: usize>(&self, ps: [P; N]) -> [Option<Slot<'e>>; N] {
        let raws = raws_of(&self.ev, self.lay, ps);
        let infos = self.ev.info().map_or(&[][..], |i| i.params);
        let code = self.ev.event_type;
        let mut out = [None; N];
        for ((o, p), raw) in out.iter_mut().zip(ps).zip(raws) {
            if let (Some(raw), Some(info)) =
                (raw, self.lay.index(code, p).and_then(|i| infos.get(i)))
            {
                *o = Some(Slot { info, raw });
            }
        }
        out
    }

    /// What [`own`](Self::own) gives, from the parameter's slot.
    pub(crate) fn value_in(&self, slot: Option<Slot<'e>>) -> Option<ParamValue<'e>> {
        let s = slot?;
        ParamValue::decode(s.info, s.raw, self.ev.endian())
            .ok()?
            .flatten_dyn()
            .ok()
    }

    /// The non-empty text of a parameter of the event itself, from its slot: what
    /// [`value_in`](Self::value_in) then `as_bytes` give, empty text counting as none. A
    /// string or path is cut at its NUL here, without the general decoder (an open's name,
    /// on every open).
    pub(crate) fn text_in(&self, slot: Option<Slot<'e>>) -> Option<&'e [u8]> {
        use strata_scap::table::ParamType as T;
        let s = slot?;
        let text = match s.info.ty {
            T::Charbuf | T::Fspath => {
                let t = strata_scap::param::until_nul(s.raw);
                // (libscap's legacy text for a null string.)
                (t != b"(NULL)").then_some(t)
            }
            _ => self.value_in(slot)?.as_bytes(),
        };
        text.filter(|t| !t.is_empty())
    }

    /// What [`own`](Self::own) then [`as_u64`] give, from the parameter's slot: `None` where
    /// `own` gives nothing, `Some(None)` for a value that is no number. The 32- and 64-bit
    /// unsigned kinds are read without the general decoder.
    fn num_in(&self, slot: Option<Slot<'e>>) -> Option<Option<u64>> {
        use strata_scap::table::ParamType as T;
        let s = slot?;
        let e = self.ev.endian();
        Some(match (s.info.ty, s.raw.len()) {
            (T::Uint32 | T::Flags32, 4) => e.u32(s.raw, 0).map(u64::from),
            (T::Uint64, 8) => e.u64(s.raw, 0),
            _ => as_u64(self.value_in(slot)?),
        })
    }

    /// An unsigned parameter of the event itself from its slot (`own(p)` then [`as_u64`]).
    pub(crate) fn own_u64_in(&self, slot: Option<Slot<'e>>) -> Option<u64> {
        self.num_in(slot)?
    }

    /// What [`u64`](Self::u64) gives for parameter `p` (the event's, else its enter's), the
    /// event's own from its slot.
    pub(crate) fn u64_in(&self, p: P, slot: Option<Slot<'e>>) -> Option<u64> {
        match self.num_in(slot) {
            Some(v) => v,
            None => as_u64(self.of_enter(p)?),
        }
    }

    /// A 4-byte unsigned parameter's bytes as a number (as decoding gives it).
    pub(crate) fn u32_of(&self, raw: Option<&[u8]>) -> Option<u32> {
        let b = <[u8; 4]>::try_from(raw?).ok()?;
        Some(match self.ev.endian() {
            strata_scap::Endian::Little => u32::from_le_bytes(b),
            strata_scap::Endian::Big => u32::from_be_bytes(b),
        })
    }

    /// An 8-byte unsigned parameter's bytes as a number (as decoding gives it).
    pub(crate) fn u64_of(&self, raw: Option<&[u8]>) -> Option<u64> {
        let b = <[u8; 8]>::try_from(raw?).ok()?;
        Some(match self.ev.endian() {
            strata_scap::Endian::Little => u64::from_le_bytes(b),
            strata_scap::Endian::Big => u64::from_be_bytes(b),
        })
    }

    pub(crate) fn u32(&self, p: P) -> Option<u32> {
        self.u64(p).map(|v| v as u32)
    }

    /// A string, path or buffer (empty values count as absent).
    pub(crate) fn bytes(&self, p: P) -> Option<&'e [u8]> {
        match self.get(p)? {
            ParamValue::Empty => None,
            v => v.as_bytes(),
        }
    }

    /// The return value: parameter 0 when it is an errno, fd or pid (`res`, or `fd` for the
    /// fd-returning events).
    pub(crate) fn res(&self) -> Option<i64> {
        use strata_scap::table::ParamType as T;
        // Read straight from the bytes, as decoding them would (every exit has it).
        let ty = self.ev.info()?.params.first()?.ty;
        let raw = self.ev.param_raw(0)?;
        let e = self.ev.endian();
        match ty {
            T::Errno | T::Fd | T::Pid if raw.len() == 8 => Some(e.u64(raw, 0)? as i64),
            T::Fd32 | T::Pid32 if raw.len() == 4 => Some(i64::from(e.u32(raw, 0)? as i32)),
            _ => None,
        }
    }
}

/// A parameter of an event: its table entry and its bytes.
#[derive(Clone, Copy)]
pub(crate) struct Slot<'e> {
    info: &'static strata_scap::table::ParamInfo,
    raw: &'e [u8],
}

/// A number parameter as an unsigned value (signed kinds as their two's complement bits).
pub(crate) fn as_u64(v: ParamValue<'_>) -> Option<u64> {
    match v {
        ParamValue::Int(v) | ParamValue::Pid(v) | ParamValue::Errno(v) | ParamValue::Fd(v) => {
            Some(v as u64)
        }
        v => v.as_u64(),
    }
}

/// The bytes of parameters `ps` of `ev`: the first ones in one walk of the lengths (those
/// of switch, mmap and brk are among them), any past them one by one.
#[inline]
fn raws_of<'e, const N: usize>(ev: &Event<'e>, lay: &Layouts, ps: [P; N]) -> [Option<&'e [u8]>; N] {
    const FIRST: usize = 8;
    let mut raws: [&'e [u8]; FIRST] = [&[]; FIRST];
    let got = ev.params_raw_into(&mut raws);
    let mut out = [None; N];
    for (o, p) in out.iter_mut().zip(ps) {
        *o = match lay.index(ev.event_type, p) {
            Some(i) if i < got => Some(raws[i]),
            Some(i) if i >= FIRST => ev.param_raw(i),
            _ => None,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text_in` gives what decoding then `as_bytes` give, empty text as none, for every
    /// text type and the raw forms that matter (empty, NUL-cut, the legacy null, plain).
    #[test]
    fn text_in_agrees_with_decoding() {
        use strata_scap::table::ParamType as T;
        let lay = layouts();
        let raws: [&[u8]; 7] = [
            b"",
            b"\0",
            b"(NULL)",
            b"(NULL)\0",
            b"/a\0b",
            b"/dev/urandom\0",
            b"x",
        ];
        let ev_bytes = strata_scap::demo::capture();
        let ev = strata_scap::SliceReader::new(&ev_bytes)
            .filter_map(Result::ok)
            .find_map(|b| match b {
                strata_scap::Block::Event(e) => Some(e),
                _ => None,
            })
            .expect("an event");
        let a = Args {
            lay,
            ev,
            enter: None,
        };
        let infos = table::events().iter().flat_map(|i| i.params.iter());
        for ty in [T::Charbuf, T::Fspath, T::Fsrelpath, T::Bytebuf] {
            let Some(info) = infos.clone().find(|p| p.ty == ty) else {
                continue;
            };
            for raw in raws {
                let slot = Some(Slot { info, raw });
                let want = a
                    .value_in(slot)
                    .and_then(|v| v.as_bytes())
                    .filter(|t| !t.is_empty());
                assert_eq!(a.text_in(slot), want, "{ty:?} {raw:?}");
            }
        }
    }

    #[test]
    fn layouts_give_the_first_parameter_of_each_name() {
        let lay = layouts();
        for (code, info) in table::events().iter().enumerate() {
            for (k, name) in NAMES.iter().enumerate() {
                let p = lay.idx[code][k];
                let want = info.param_index(name).map_or(ABSENT, |i| i as u8);
                assert_eq!(p, want, "{} {name}", info.name);
            }
        }
    }
}

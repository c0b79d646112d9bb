//! sysdig's `-p` output formats: compiled once, rendered per event into a reused buffer.
//!
//! Syntax: literal text with `%field` references (`%evt.num`, `%evt.arg.fd`,
//! `%proc.aname[2]`), an optional width (`%10evt.type` pads with spaces on the right or cuts to
//! 10 bytes), and an optional leading `*`. With `*`, a field without a value prints `<NA>`;
//! without it, an event that lacks any field is not printed at all (sysdig's rule).

use crate::error::Error;
use crate::fields::{Builtin, FieldRef};
use crate::registry::Registry;
use crate::render::{Flavor, RenderOptions};
use crate::state::{StateView, WithPrev};
use crate::time::StampCache;
use crate::value::Value;

/// The format of sysdig's default output line (when stdout is not a terminal).
pub const SYSDIG_DEFAULT: &str =
    "*%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.info";

#[derive(Debug, Clone)]
enum Token {
    Lit(Box<str>),
    /// Text only sysdig 0.29's formatter wrote: the name of `proc.aname` or `proc.apid`
    /// written without an index, which it read as a field of no length (index 0, the process
    /// itself) followed by the name as plain text.
    Lit029(Box<str>),
    Field {
        field: FieldRef,
        width: Option<usize>,
        /// The field as written (`proc.aname[1]`): its key in JSON output.
        key: Box<str>,
    },
    /// `evt.latency.human`, which in sysdig 0.29 repeats its previous text on an event
    /// without a thread (libsinsp's filter check kept it in a buffer).
    LatencyHuman {
        field: FieldRef,
        width: Option<usize>,
        last: Option<u64>,
        key: Box<str>,
    },
    /// `util.cnt`: how many times this occurrence was read.
    Count {
        width: Option<usize>,
        n: u64,
        key: Box<str>,
    },
    /// `thread.exectime` (`total` false) or `thread.totexectime`: each occurrence keeps its
    /// own clock, as each of libsinsp's filter checks does.
    Exec {
        total: bool,
        width: Option<usize>,
        clock: ExecClock,
        key: Box<str>,
    },
}

/// What `thread.exectime` and `thread.totexectime` remember between the events a format
/// renders: the time of the last context switch rendered on each CPU, and each thread's sum.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExecClock {
    last_switch: Vec<u64>,
    totals: std::collections::HashMap<u64, u64>,
}

/// Threads whose `thread.totexectime` a format keeps; past this the sums start again, so
/// that a capture of endless thread ids cannot grow the table without bound.
const MAX_EXEC_THREADS: usize = 1 << 16;

impl ExecClock {
    /// libsinsp's `extract_exectime`: on a context switch, the time since the previous
    /// switch this clock saw on the same CPU (0 for the first); 0 on other events.
    fn exectime(&mut self, ev: &strata_scap::Event<'_>, cpus: Option<u32>, flavor: Flavor) -> u64 {
        // libsinsp 0.25 counts the current switch event only.
        const SCHEDSWITCH_6_E: u16 = 152;
        let counted = match flavor {
            Flavor::Libsinsp025 => ev.event_type == SCHEDSWITCH_6_E,
            _ => ev.name() == "switch",
        };
        if !counted {
            return 0;
        }
        let cpu = ev.cpu as usize;
        // libsinsp keeps one clock per CPU of the machine block: none when it says 0 (and a
        // CPU past the count has none it could read).
        if cpus.is_some_and(|n| cpu >= n as usize) {
            return 0;
        }
        if cpu >= self.last_switch.len() {
            if cpu > u16::MAX as usize {
                return 0;
            }
            self.last_switch.resize(cpu + 1, 0);
        }
        let last = std::mem::replace(&mut self.last_switch[cpu], ev.ts);
        if last == 0 {
            0
        } else {
            ev.ts.wrapping_sub(last)
        }
    }

    /// The value of the field for `view`'s event, advancing the clock.
    pub(crate) fn value<S: StateView + ?Sized>(
        &mut self,
        total: bool,
        view: &S,
        flavor: Flavor,
    ) -> Option<u64> {
        let ev = view.event();
        let t = self.exectime(ev, view.num_cpus(), flavor);
        if !total {
            return Some(t);
        }
        if !view.has_thread() {
            return None;
        }
        // libsinsp 0.25's per-thread sums read back as 0 (measured on its own captures): the
        // total is this switch's time alone.
        if flavor == Flavor::Libsinsp025 {
            return Some(t);
        }
        if self.totals.len() >= MAX_EXEC_THREADS && !self.totals.contains_key(&ev.tid) {
            self.totals.clear();
        }
        let sum = self.totals.entry(ev.tid).or_insert(0);
        *sum = sum.wrapping_add(t);
        Some(*sum)
    }
}

/// A compiled output format.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use strata_dissect::{Format, Registry, RenderOptions, Stateless, TimeZone};
/// use strata_scap::{Block, Capture};
///
/// let opts = RenderOptions::default().with_tz(TimeZone::UTC);
/// let mut fmt = Format::compile(Registry::builtin(), "*%evt.num %evt.dir %evt.type %evt.args", opts)?;
/// let capture = Capture::from_bytes(strata_scap::demo::capture())?;
/// let mut line = String::new();
/// let mut num = 0;
/// for block in capture.blocks() {
///     if let Block::Event(ev) = block? {
///         num += 1;
///         line.clear();
///         if fmt.render(&Stateless::new(ev, num), &mut line) {
///             assert!(line.starts_with(&format!("{num} ")));
///         }
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Format {
    tokens: Vec<Token>,
    show_missing: bool,
    opts: RenderOptions,
    prev_ts: Option<u64>,
    /// The text of the last second written, for the timestamp fields.
    stamps: StampCache,
    scratch: String,
    line: Vec<u8>,
    /// Without `*`: the token of the field that last had no value. It is tried first, so a
    /// line that will be skipped usually costs one extraction.
    likely_missing: Option<usize>,
}

impl Format {
    /// Compiles `text` against `reg`. Errors name the byte position of the bad token.
    pub fn compile(reg: &Registry, text: &str, opts: RenderOptions) -> Result<Self, Error> {
        let (show_missing, body, base) = match text.strip_prefix('*') {
            Some(rest) => (true, rest, 1),
            None => (false, text, 0),
        };
        let mut tokens = Vec::new();
        let mut lit = String::new();
        let mut i = 0;
        let b = body.as_bytes();
        while i < b.len() {
            if b[i] != b'%' {
                let next = body[i..].find('%').map_or(b.len(), |n| i + n);
                lit.push_str(&body[i..next]);
                i = next;
                continue;
            }
            let pos = base + i;
            i += 1;
            let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            let width = if digits > 0 {
                Some(
                    body[i..i + digits]
                        .parse()
                        .map_err(|_| Error::BadToken { pos })?,
                )
            } else {
                None
            };
            i += digits;
            if !b.get(i).is_some_and(u8::is_ascii_alphabetic) {
                return Err(Error::BadToken { pos });
            }
            let parsed = reg.parse_prefix(&body[i..], base + i)?;
            if !lit.is_empty() {
                tokens.push(Token::Lit(std::mem::take(&mut lit).into()));
            }
            let no_arg = parsed.arg.is_none();
            let field = FieldRef::new(reg, parsed.id, parsed.arg);
            let key: Box<str> = body[i..i + parsed.len].into();
            tokens.push(match field.info().builtin {
                Some(b @ (Builtin::ThreadExectime | Builtin::ThreadTotexectime)) => Token::Exec {
                    total: b == Builtin::ThreadTotexectime,
                    width,
                    clock: ExecClock::default(),
                    key,
                },
                Some(Builtin::UtilCnt) => Token::Count { width, n: 0, key },
                Some(Builtin::EvtLatencyHuman) => Token::LatencyHuman {
                    field,
                    width,
                    last: None,
                    key,
                },
                _ => Token::Field { field, width, key },
            });
            // (At the end of the format sysdig read the whole name.)
            if no_arg
                && i + parsed.len < b.len()
                && matches!(
                    tokens.last(),
                    Some(Token::Field { field, .. })
                        if matches!(field.info().builtin, Some(Builtin::ProcAname | Builtin::ProcApid))
                )
            {
                tokens.push(Token::Lit029(body[i..i + parsed.len].into()));
            }
            i += parsed.len;
        }
        if !lit.is_empty() {
            tokens.push(Token::Lit(lit.into()));
        }
        Ok(Format {
            tokens,
            show_missing,
            opts,
            prev_ts: None,
            stamps: StampCache::default(),
            scratch: String::new(),
            line: Vec::new(),
            likely_missing: None,
        })
    }

    /// sysdig's default line: [`SYSDIG_DEFAULT`].
    pub fn sysdig_default(reg: &Registry, opts: RenderOptions) -> Self {
        Self::compile(reg, SYSDIG_DEFAULT, opts).expect("the default format compiles")
    }

    /// For an event whose view has no value for any fd field (the state engine's event about
    /// no fd, see [`FieldRef::is_fd_field`]): whether its line is known not to print without
    /// looking at the view, because the field that last went missing, which
    /// [`render_into`](Self::render_into) tries first, is an fd field. If so, the format moves
    /// on as `render_into` does for a skipped line (it records `ts`, the event's time).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use strata_dissect::{Format, Registry, RenderOptions, Stateless};
    /// use strata_scap::{Block, Capture};
    ///
    /// let mut fmt = Format::compile(Registry::builtin(), "%evt.num %fd.name", RenderOptions::default())?;
    /// // Nothing has gone missing yet: the line must be tried.
    /// assert!(!fmt.skips_without_fd(0));
    /// let capture = Capture::from_bytes(strata_scap::demo::capture())?;
    /// let ev = capture
    ///     .blocks()
    ///     .filter_map(Result::ok)
    ///     .find_map(|b| match b {
    ///         Block::Event(ev) => Some(ev),
    ///         _ => None,
    ///     })
    ///     .ok_or("no event")?;
    /// // A view without state has no fd: `fd.name` goes missing, and the line with it.
    /// let mut out = Vec::new();
    /// assert!(!fmt.render_into(&Stateless::new(ev, 1), &mut out));
    /// assert!(fmt.skips_without_fd(ev.ts));
    /// # Ok(()) }
    /// ```
    pub fn skips_without_fd(&mut self, ts: u64) -> bool {
        let Some(Token::Field { field, .. }) = self.likely_missing.map(|i| &self.tokens[i]) else {
            return false;
        };
        if !field.is_fd_field() {
            return false;
        }
        self.prev_ts = Some(ts);
        true
    }

    /// The options the format renders with.
    pub fn options(&self) -> &RenderOptions {
        &self.opts
    }

    /// Switches the [`Flavor`] lines are rendered in, for example once the leading events of
    /// a capture have shown its era ([`FlavorDecider`](crate::FlavorDecider)).
    pub fn set_flavor(&mut self, flavor: Flavor) {
        self.opts.flavor = flavor;
    }

    /// Appends the event's line to `out` (without a newline) and returns `true`; or, for a
    /// format without `*` where some field has no value, leaves `out` as it was and returns
    /// `false` (sysdig skips such events).
    ///
    /// `evt.deltatime` counts from the previous event this format rendered, as in sysdig. After
    /// the first calls have sized the internal buffer, rendering does not allocate unless
    /// `out` must grow.
    pub fn render<S: StateView + ?Sized>(&mut self, view: &S, out: &mut String) -> bool {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        let complete = self.render_into(view, &mut line);
        if complete {
            // Every value is written as UTF-8 (bytes lossily), so this never replaces anything.
            out.push_str(&String::from_utf8_lossy(&line));
        }
        self.line = line;
        complete
    }

    /// [`render`](Self::render) into a byte buffer: the fastest way to print. Appends the same
    /// text (always valid UTF-8) to `out` and returns `true`, or leaves `out` as it was and
    /// returns `false`.
    pub fn render_into<S: StateView + ?Sized>(&mut self, view: &S, out: &mut Vec<u8>) -> bool {
        let start = out.len();
        let ts = view.event().ts;
        let view = WithPrev {
            inner: view,
            prev_ts: self.prev_ts,
        };
        // Extraction has no side effects, so checking one field ahead changes nothing but
        // the work done for lines that are skipped.
        if let Some(Token::Field { field, .. }) = self.likely_missing.map(|i| &self.tokens[i]) {
            if field
                .extract(&view, &self.opts, &mut self.scratch)
                .is_none()
            {
                self.prev_ts = Some(ts);
                return false;
            }
        }
        let mut complete = true;
        // A field without a value: `<NA>` with `*`, else the line is not printed.
        macro_rules! missing {
            ($i:expr) => {
                if !self.show_missing {
                    self.likely_missing = Some($i);
                    complete = false;
                    break;
                }
                out.extend_from_slice(b"<NA>");
            };
        }
        for (i, tok) in self.tokens.iter_mut().enumerate() {
            match tok {
                // Most literals are a space or two: pushed, not copied by memcpy.
                Token::Lit(s) => match s.as_bytes() {
                    &[c] => out.push(c),
                    &[c, d] => out.extend_from_slice(&[c, d]),
                    b => out.extend_from_slice(b),
                },
                Token::Field { field, width, .. } => {
                    let field_start = out.len();
                    let wrote = field.write_into(
                        &view,
                        &self.opts,
                        &mut self.stamps,
                        &mut self.scratch,
                        out,
                    );
                    if !wrote {
                        missing!(i);
                    }
                    if let Some(w) = *width {
                        fit(out, field_start, w);
                    }
                }
                // The fields that keep state between events, out of the common loop's way.
                stateful => {
                    let field_start = out.len();
                    let width = stateful_width(stateful);
                    if !render_stateful(
                        stateful,
                        &view,
                        &self.opts,
                        &mut self.stamps,
                        &mut self.scratch,
                        out,
                    ) {
                        missing!(i);
                    }
                    if let Some(w) = width {
                        fit(out, field_start, w);
                    }
                }
            }
        }
        self.prev_ts = Some(ts);
        if !complete {
            out.truncate(start);
        }
        complete
    }
}

impl Format {
    /// Appends the event as one JSON object (no newline) and returns `true`, as sysdig's and
    /// libsinsp's `-j` do: one key per field, the field as written, typed values
    /// ([`field_json`](crate::field_json)), keys in byte order; literal text is left out.
    /// Without `*`, an event that lacks any field is skipped (`false`, `out` unchanged).
    pub fn render_json<S: StateView + ?Sized>(&mut self, view: &S, out: &mut Vec<u8>) -> bool {
        use serde_json::Value as Json;
        let ts = view.event().ts;
        // libsinsp reads each field twice for JSON (once to test for a value, once to
        // store it): the stateful ones show their second reading, so the time since the
        // previous event is 0 and a switch's exectime too.
        let view = WithPrev {
            inner: view,
            prev_ts: Some(ts),
        };
        let mut obj = std::collections::BTreeMap::<&str, Json>::new();
        let mut complete = true;
        let sysdig = self.opts.flavor == Flavor::Sysdig029;
        let mut last_key = None;
        for tok in self.tokens.iter_mut() {
            let (key, v) = match tok {
                Token::Lit(_) => continue,
                // sysdig 0.29 keyed the field of no length before it with an empty name.
                Token::Lit029(_) => {
                    if let Some(v) = last_key
                        .take()
                        .filter(|_| sysdig)
                        .and_then(|k| obj.remove(k))
                    {
                        obj.insert("", v);
                    }
                    continue;
                }
                Token::LatencyHuman {
                    key, last, field, ..
                } => {
                    if !sysdig {
                        let v =
                            crate::json::field_json(field, &view, &self.opts, &mut self.scratch);
                        (&**key, v)
                    } else {
                        let internal = view.event().info().is_some_and(|i| i.category.0 & 256 != 0);
                        let v = if internal {
                            Json::Null
                        } else {
                            if view.had_thread() {
                                *last = Some(view.latency().unwrap_or(0));
                            }
                            let mut text = Vec::new();
                            if let Some(ns) = *last {
                                crate::time::write_human_duration(&mut text, ns);
                            }
                            Json::from(String::from_utf8_lossy(&text).into_owned())
                        };
                        (&**key, v)
                    }
                }
                Token::Field { field, key, .. } => (
                    &**key,
                    crate::json::field_json(field, &view, &self.opts, &mut self.scratch),
                ),
                Token::Count { n, key, .. } => {
                    *n += 2;
                    (&**key, Json::from(*n))
                }
                Token::Exec {
                    total, clock, key, ..
                } => {
                    clock.value(*total, &view, self.opts.flavor);
                    (
                        &**key,
                        clock
                            .value(*total, &view, self.opts.flavor)
                            .map_or(Json::Null, Json::from),
                    )
                }
            };
            if v.is_null() && !self.show_missing {
                complete = false;
            }
            last_key = Some(key);
            obj.insert(key, v);
        }
        self.prev_ts = Some(ts);
        if complete {
            // Writing into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, &obj);
        }
        complete
    }
}

/// The width of a stateful token.
fn stateful_width(tok: &Token) -> Option<usize> {
    match tok {
        Token::LatencyHuman { width, .. }
        | Token::Count { width, .. }
        | Token::Exec { width, .. } => *width,
        _ => None,
    }
}

/// Writes a stateful token's text (`evt.latency.human` in sysdig 0.29's way, `util.cnt`,
/// `thread.exectime`, `thread.totexectime`) and returns `true`, or `false` without a value.
#[inline(never)]
fn render_stateful<S: StateView + ?Sized>(
    tok: &mut Token,
    view: &S,
    opts: &RenderOptions,
    stamps: &mut StampCache,
    scratch: &mut String,
    out: &mut Vec<u8>,
) -> bool {
    match tok {
        Token::LatencyHuman { field, last, .. } => {
            if opts.flavor != Flavor::Sysdig029 {
                return field.write_into(view, opts, stamps, scratch, out);
            }
            if view.event().info().is_some_and(|i| i.category.0 & 256 != 0) {
                return false;
            }
            if view.had_thread() {
                *last = Some(view.latency().unwrap_or(0));
            }
            if let Some(ns) = *last {
                crate::time::write_human_duration(out, ns);
            }
            true
        }
        Token::Count { n, .. } => {
            *n += 1;
            Value::U64(*n).write_to(out);
            true
        }
        Token::Exec { total, clock, .. } => match clock.value(*total, view, opts.flavor) {
            Some(v) => {
                Value::RelTime(v).write_to(out);
                true
            }
            None => false,
        },
        Token::Lit029(s) => {
            if opts.flavor == Flavor::Sysdig029 {
                out.extend_from_slice(s.as_bytes());
            }
            true
        }
        Token::Lit(_) | Token::Field { .. } => true,
    }
}

/// Pads the text after `start` with spaces, or cuts it, to `width` bytes (on a character
/// boundary when the cut would split one).
fn fit(out: &mut Vec<u8>, start: usize, width: usize) {
    let len = out.len() - start;
    if len < width {
        out.resize(start + width, b' ');
    } else if len > width {
        let mut end = start + width;
        // Back off UTF-8 continuation bytes; `start` itself is a boundary.
        while end > start && out[end] & 0xC0 == 0x80 {
            end -= 1;
        }
        out.truncate(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Stateless;
    use crate::time::TimeZone;
    use strata_scap::{Block, Capture, Event};

    fn events(c: &Capture) -> Vec<Event<'_>> {
        c.blocks()
            .filter_map(|b| match b.unwrap() {
                Block::Event(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    fn opts() -> RenderOptions {
        RenderOptions::default().with_tz(TimeZone::UTC)
    }

    #[test]
    fn compile_errors_have_positions() {
        let reg = Registry::builtin();
        assert!(matches!(
            Format::compile(reg, "%evt.num %nope.x", opts()),
            Err(Error::UnknownField { pos: 10, .. })
        ));
        assert!(matches!(
            Format::compile(reg, "*ab %-5evt.num", opts()),
            Err(Error::BadToken { pos: 4 })
        ));
        assert!(matches!(
            Format::compile(reg, "x %evt.rawarg", opts()),
            Err(Error::MissingArgument { pos: 3, .. })
        ));
    }

    #[test]
    fn widths_missing_values_and_literals() {
        let cap = Capture::from_bytes(strata_scap::demo::capture()).unwrap();
        let evs = events(&cap);
        let reg = Registry::builtin();
        let view = Stateless::new(evs[0], 7);
        let mut out = String::new();
        let mut f =
            Format::compile(reg, "*[%5evt.num|%2evt.dir%3evt.type] %fd.name", opts()).unwrap();
        assert!(f.render(&view, &mut out));
        let ty = crate::fields::FieldRef::parse(reg, "evt.type").unwrap();
        let mut s = String::new();
        let name = ty.extract(&view, &opts(), &mut s).unwrap().to_string();
        let cut: String = name.chars().take(3).collect();
        assert_eq!(
            out,
            format!("[7    |{} {cut:<3}] <NA>", evs[0].direction().as_char())
        );
        let mut strict = Format::compile(reg, "%evt.num %fd.name", opts()).unwrap();
        out.clear();
        out.push_str("keep");
        assert!(!strict.render(&view, &mut out));
        assert_eq!(out, "keep");
    }

    #[test]
    fn util_cnt_counts_each_reading() {
        let cap = Capture::from_bytes(strata_scap::demo::capture()).unwrap();
        let evs = events(&cap);
        let mut f = Format::compile(Registry::builtin(), "%util.cnt", opts()).unwrap();
        let mut out = String::new();
        for (i, ev) in evs.iter().take(3).enumerate() {
            out.clear();
            assert!(f.render(&Stateless::new(*ev, i as u64 + 1), &mut out));
            assert_eq!(out, (i + 1).to_string());
        }
        // JSON reads every field twice, as libsinsp does.
        let mut j = Vec::new();
        assert!(f.render_json(&Stateless::new(evs[0], 1), &mut j));
        assert_eq!(j, br#"{"util.cnt":5}"#);
    }

    #[test]
    fn default_line_renders_every_demo_event() {
        let cap = Capture::from_bytes(strata_scap::demo::capture()).unwrap();
        let mut f = Format::sysdig_default(Registry::builtin(), opts());
        let mut out = String::new();
        for (i, ev) in events(&cap).into_iter().enumerate() {
            out.clear();
            assert!(f.render(&Stateless::new(ev, i as u64 + 1), &mut out));
            assert!(out.starts_with(&format!("{} ", i + 1)), "{out}");
            assert!(out.contains(" <NA> ("), "{out}");
        }
    }
}

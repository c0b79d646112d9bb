//! The front door: a capture in, its events out, each with its state, optionally filtered.

use std::io::{self, Read};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use strata_dissect::{
    FieldRef, FilterField, FilterRecord, FilterSchema, Flavor, FlavorDecider, Format, Registry,
    RenderOptions, StateView,
};
use strata_filter::{Dialect, ParseOptions, Program};
use strata_scap::{Block, StreamReader};
use strata_sinsp::{Config, EventCtx, Inspector, Processed};

use crate::Recorder;

use crate::Error;

/// A capture's events, read as the tools of its era read them, with their state.
///
/// The flavor (`sysdig` 0.29 or libsinsp 0.25) is decided from the capture's leading events
/// unless [`with_flavor`](Events::with_flavor) forces one; `procinfo` events and the leading
/// events that libsinsp takes as initial state are taken in but not handed out, as
/// `sysdig -r` does. Events are lent one at a time by [`next`](Events::next) (each borrows the
/// reader and its state until the next one):
///
/// ```
/// let mut events = strata::Events::demo().filter("evt.type = connect")?;
/// while let Some(ev) = events.next() {
///     let ev = ev?;
///     println!("{} {} {}", ev.num(), ev.field("proc.name")?.unwrap_or_default(), ev.field("fd.name")?.unwrap_or_default());
/// }
/// # Ok::<(), strata::Error>(())
/// ```
pub struct Events {
    reader: StreamReader<Box<dyn Read>>,
    /// The fields filters and [`EventView::field`] may name (the built-in ones unless
    /// [`with_registry`](Events::with_registry) gave others).
    registry: Option<Arc<Registry>>,
    insp: Inspector,
    opts: RenderOptions,
    decider: Option<FlavorDecider>,
    filter: Option<Filter>,
    scratch: String,
    done: bool,
    recorder: Option<Recorder>,
    recover: bool,
    /// [`state_on_demand`](Events::state_on_demand) was asked for.
    on_demand: bool,
    /// A drain runs without the state engine (see [`state_on_demand`](Events::state_on_demand)).
    lazy: bool,
    draining: bool,
    recheck_lazy: bool,
    passed_over: u64,
    /// A drain without the state engine whose filter reads only `evt.type` and `evt.dir`:
    /// its answer by event code (0 not known yet, 1 refused, 2 passed), decided once.
    by_code: Vec<u8>,
    /// The first code `by_code` answers for: 2, as generic events (0 and 1) are named by a
    /// parameter, or 0 when the filter reads only `evt.dir`.
    by_code_from: u16,
    /// Whether the filter in use may match a generic syscall event, by code (0, 1) and syscall
    /// id (`code * GENERIC_IDS + id`; 0 not known yet, 1 refused, 2 may match), decided once
    /// per syscall from its name.
    generic_types: Vec<u8>,
}

/// Syscall ids [`Events::generic_types`] keeps answers for, per generic event code.
const GENERIC_IDS: usize = 1024;

/// A filter compiled for each era, the one in use picked once the era is known.
struct Filter {
    text: String,
    libsinsp: Result<Program<FilterField>, strata_filter::Error>,
    sysdig: Result<Program<FilterField>, strata_filter::Error>,
    /// Whether the sysdig 0.29 program has checks that keep state from event to event
    /// (`evt.deltatime`): then it must see every event sysdig's filter saw.
    sysdig_keeps_state: bool,
    /// For each era's program (libsinsp 0.25's, sysdig 0.29's): whether it is false on an
    /// enter event whose fd the state does not hold ([`FilterField::needs_fd_on_enter`]).
    fd_on_enter: [bool; 2],
}

impl Filter {
    fn compile(
        reg: &Registry,
        text: &str,
        flavor: Flavor,
    ) -> Result<Program<FilterField>, strata_filter::Error> {
        let dialect = match flavor {
            Flavor::Sysdig029 => Dialect::Sysdig029,
            _ => Dialect::Libsinsp,
        };
        let expr = strata_filter::parse_with(text, ParseOptions::default().with_dialect(dialect))?;
        strata_filter::compile(&FilterSchema::new(reg, flavor), &expr)
    }

    /// The program for `flavor`, if it compiled, as [`step`] runs it.
    #[inline]
    fn checks(&self, flavor: Flavor) -> Option<Checks<'_>> {
        let (program, keeps_state, fd_on_enter) = match flavor {
            Flavor::Sysdig029 => (&self.sysdig, self.sysdig_keeps_state, self.fd_on_enter[1]),
            _ => (&self.libsinsp, false, self.fd_on_enter[0]),
        };
        Some(Checks {
            program: program.as_ref().ok()?,
            keeps_state,
            fd_on_enter,
        })
    }

    fn for_flavor(&self, flavor: Flavor) -> &Result<Program<FilterField>, strata_filter::Error> {
        match flavor {
            Flavor::Sysdig029 => &self.sysdig,
            _ => &self.libsinsp,
        }
    }
}

fn config(flavor: Flavor) -> Config {
    match flavor {
        Flavor::Sysdig029 => Config::sysdig_029(),
        _ => Config::default(),
    }
}

impl Events {
    /// Reads the capture at `path` (gzip'd or not).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|source| Error::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_reader(file).map_err(|e| match e {
            Error::Io(source) => Error::Open {
                path: path.to_path_buf(),
                source,
            },
            other => other,
        })
    }

    /// Reads a capture held in memory (gzip'd or not).
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self, Error> {
        Self::from_reader(io::Cursor::new(bytes.into()))
    }

    /// Reads a capture from any reader (gzip'd or not), as it arrives.
    pub fn from_reader(reader: impl Read + 'static) -> Result<Self, Error> {
        let boxed: Box<dyn Read> = Box::new(reader);
        let flavor = Flavor::default();
        Ok(Events {
            reader: StreamReader::new(boxed)?,
            registry: None,
            insp: Inspector::with_config(config(flavor)),
            opts: RenderOptions::default().with_flavor(flavor),
            decider: Some(FlavorDecider::new()),
            filter: None,
            scratch: String::new(),
            done: false,
            recorder: None,
            recover: false,
            on_demand: false,
            lazy: false,
            draining: false,
            recheck_lazy: false,
            passed_over: 0,
            by_code: Vec::new(),
            by_code_from: 2,
            generic_types: Vec::new(),
        })
    }

    /// The built-in demo capture (a shell running `curl`).
    pub fn demo() -> Self {
        Self::from_bytes(strata_scap::demo::capture()).expect("the demo capture reads")
    }

    /// Reads the capture as the tools of `flavor`'s era do, whatever its leading events say.
    pub fn with_flavor(mut self, flavor: Flavor) -> Self {
        self.decider = None;
        self.set_flavor(flavor);
        self
    }

    /// Hands out only the events that pass `filter` (libsinsp's filter language; on a
    /// capture read as sysdig 0.29 reads it, as sysdig 0.29.3 took it). The filter is
    /// compiled for each era the capture may turn out to be from; it is an error here if it
    /// compiles for none (or not for a forced flavor), and an error from [`next`](Self::next)
    /// if the capture turns out to be of an era it does not compile for.
    pub fn filter(mut self, filter: &str) -> Result<Self, Error> {
        let sysdig = Filter::compile(self.registry(), filter, Flavor::Sysdig029);
        let sysdig_keeps_state = sysdig
            .as_ref()
            .is_ok_and(|p| p.fields().iter().any(|f| f.keeps_state()));
        let libsinsp = Filter::compile(self.registry(), filter, Flavor::Libsinsp025);
        let needs_fd = |p: &Result<Program<FilterField>, _>| {
            p.as_ref()
                .is_ok_and(|p| p.required_fields().iter().any(|f| f.needs_fd_on_enter()))
        };
        let f = Filter {
            text: filter.to_string(),
            fd_on_enter: [needs_fd(&libsinsp), needs_fd(&sysdig)],
            libsinsp,
            sysdig,
            sysdig_keeps_state,
        };
        let err = |e: &strata_filter::Error| Error::Filter {
            text: filter.to_string(),
            error: e.clone(),
        };
        match (&self.decider, f.for_flavor(self.opts.flavor)) {
            (None, Err(e)) => return Err(err(e)),
            (Some(_), Err(e)) if f.for_flavor(Flavor::Sysdig029).is_err() => return Err(err(e)),
            _ => {}
        }
        self.filter = Some(f);
        self.generic_types.clear();
        Ok(self)
    }

    /// Keeps the newest `bytes` bytes of each stream's earlier reads and writes (a
    /// process's fd, one direction), so that payload dissectors read messages that span
    /// events (`strata_sinsp::Config::stream_bytes`); 0, the default, keeps none.
    pub fn with_streams(mut self, bytes: usize) -> Self {
        self.insp.set_stream_bytes(bytes);
        self
    }

    /// Names fields from `registry` (the built-in ones and the user fields added to it) in
    /// the filters given after this, and in [`EventView::field`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use strata::dissect::{FieldInfo, FieldType, Registry, Value};
    ///
    /// let mut reg = Registry::new();
    /// reg.register_fn(
    ///     FieldInfo::new("my.tid_is_odd", "my", FieldType::Bool, "Whether the thread id is odd."),
    ///     |view, _, _, _| Some(Value::Bool(view.event().tid % 2 == 1)),
    /// )?;
    /// let mut events = strata::Events::demo()
    ///     .with_registry(Arc::new(reg))
    ///     .filter("my.tid_is_odd = true")?;
    /// while let Some(ev) = events.next() {
    ///     assert_eq!(ev?.field("my.tid_is_odd")?.as_deref(), Some("true"));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_registry(mut self, registry: Arc<Registry>) -> Self {
        self.registry = Some(registry);
        self
    }

    fn registry(&self) -> &Registry {
        self.registry.as_deref().unwrap_or(Registry::builtin())
    }

    fn set_flavor(&mut self, flavor: Flavor) {
        self.opts.flavor = flavor;
        self.insp.set_behaviour(&config(flavor));
        self.generic_types.clear();
    }

    /// The flavor events are read in (the default until the leading events decide it).
    pub fn flavor(&self) -> Flavor {
        self.opts.flavor
    }

    /// The options fields are rendered with (their flavor is [`flavor`](Self::flavor)).
    pub fn options(&self) -> &RenderOptions {
        &self.opts
    }

    /// The state engine, as it stands after the last event handed out (or where a drain
    /// without it began: see [`state_on_demand`](Self::state_on_demand)).
    pub fn inspector(&self) -> &Inspector {
        &self.insp
    }

    /// Reads on past damage: a block whose frame is broken is reported by
    /// [`next`](Self::next) as an error, after which reading goes on at the next plausible
    /// block (see [`ReadOptions::recover`](strata_scap::ReadOptions::recover)); a block whose
    /// contents are bad is reported and passed over. Without it, the first error ends the
    /// capture.
    ///
    /// ```
    /// let mut bytes = strata::scap::demo::capture();
    /// // Zero the length of the 20th block.
    /// let mut blocks = strata::scap::SliceReader::new(&bytes);
    /// blocks.nth(19);
    /// let at = blocks.block_offset() as usize;
    /// bytes[at + 4..at + 8].fill(0);
    /// let mut events = strata::Events::from_bytes(bytes)?.recover(true);
    /// let (mut read, mut errors) = (0, 0);
    /// while let Some(ev) = events.next() {
    ///     match ev {
    ///         Ok(_) => read += 1,
    ///         Err(_) => errors += 1,
    ///     }
    /// }
    /// assert!(errors > 0 && read > 0 && events.skipped_bytes() > 0);
    /// # Ok::<(), strata::Error>(())
    /// ```
    pub fn recover(mut self, on: bool) -> Self {
        self.recover = on;
        self.reader.set_recover(on);
        self
    }

    /// Runs the state engine only where something needs it. When events are drained
    /// ([`drain`](Self::drain): none is handed out), the capture is read as sysdig 0.29 read
    /// it (in libsinsp 0.25's reading, enter events are merged into exits, which takes the
    /// state), the filter reads only fields of the event itself (`evt.num`, `evt.type`,
    /// `evt.dir`, `evt.cpu`, `evt.rawtime`: see
    /// [`FilterField::from_event_alone`](strata_dissect::FilterField::from_event_alone)) or
    /// there is none, and a recorder, if any, neither keeps the state nor rotates, then the
    /// events are counted and filtered without being applied to the state: the same events
    /// are selected and the same file is written, several times faster. The state then stays
    /// as it was where the drain began (event counts and times aside), which
    /// [`inspector`](Self::inspector) shows and [`next`](Self::next) would go on from after a
    /// drain that stopped at an error: read with `next` from the start when the state
    /// matters. [`passed_over`](Self::passed_over) counts the events not applied. Off by
    /// default.
    ///
    /// ```
    /// let mut events = strata::Events::from_bytes(strata::scap::demo::capture())?
    ///     .with_flavor(strata::dissect::Flavor::Sysdig029)
    ///     .filter("evt.dir = <")?
    ///     .state_on_demand(true);
    /// let exits = events.drain()?;
    /// assert!(exits > 0 && events.passed_over() > exits);
    /// # Ok::<(), strata::Error>(())
    /// ```
    pub fn state_on_demand(mut self, on: bool) -> Self {
        self.on_demand = on;
        self
    }

    /// Events a drain with [`state_on_demand`](Self::state_on_demand) counted and filtered
    /// without applying them to the state.
    pub fn passed_over(&self) -> u64 {
        self.passed_over
    }

    /// Whether a drain can go on without the state engine (see
    /// [`state_on_demand`](Self::state_on_demand)).
    fn can_pass_over(&self) -> bool {
        self.on_demand
            && self.decider.is_none()
            && self.opts.flavor == Flavor::Sysdig029
            && self.recorder.as_ref().is_none_or(|r| !r.needs_state())
            && match &self.filter {
                None => true,
                Some(f) => f
                    .for_flavor(Flavor::Sysdig029)
                    .as_ref()
                    .is_ok_and(|p| p.fields().iter().all(|f| f.from_event_alone())),
            }
    }

    /// Decides whether the drain goes without the state engine, and whether its filter's
    /// answers can be kept by event code.
    fn set_lazy(&mut self) {
        self.lazy = self.can_pass_over();
        let fields = match &self.filter {
            Some(f) if self.lazy => f.for_flavor(self.opts.flavor).as_ref().ok(),
            _ => None,
        }
        .map(|p| p.fields());
        let by_type = fields
            .as_ref()
            .is_some_and(|f| f.iter().all(|f| f.from_event_type()));
        let dir_only = fields
            .as_ref()
            .is_some_and(|f| f.iter().all(|f| f.is_direction()));
        self.by_code_from = if dir_only { 0 } else { 2 };
        self.by_code.clear();
        if by_type {
            self.by_code
                .resize(strata_scap::table::PPM_EVENT_MAX as usize, 0);
        }
    }

    /// Bytes passed over by recovery so far.
    pub fn skipped_bytes(&self) -> u64 {
        self.reader.skipped_bytes()
    }

    /// Also writes the events read to `recorder` (see [`Recorder`]): the selected ones, and
    /// those the options of the recorder keep. Files are finished when [`next`](Self::next)
    /// reaches the end of the capture (or by [`finish_recording`](Self::finish_recording)).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let path = std::env::temp_dir().join(format!("strata-doc-{}.scap", std::process::id()));
    /// let recorder = strata::Recorder::to_path(&path).keep_state(true);
    /// let mut events = strata::Events::demo().filter("evt.type = connect")?.record(recorder);
    /// while let Some(ev) = events.next() {
    ///     ev?;
    /// }
    /// // The file holds the connect events, with the processes and fds they name.
    /// let mut back = strata::Events::open(&path)?.filter("evt.type = connect")?;
    /// let ev = back.next().expect("a connect event")?;
    /// assert_eq!(ev.field("proc.name")?.as_deref(), Some("curl"));
    /// # std::fs::remove_file(&path)?; Ok(()) }
    /// ```
    pub fn record(mut self, recorder: Recorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// Starts writing from the next event on, with the state as it stands (the recorder's
    /// first file begins with the tables of this moment): a capture of what follows, such as
    /// the events after an alert. A recorder already writing is finished first.
    pub fn start_recording(&mut self, recorder: Recorder) -> Result<(), Error> {
        self.finish_recording()?;
        self.recorder = Some(recorder);
        Ok(())
    }

    /// The recorder given to [`record`](Self::record), if any.
    pub fn recorder(&self) -> Option<&Recorder> {
        self.recorder.as_ref()
    }

    /// Finishes the file being written (the end of the capture does it too).
    pub fn finish_recording(&mut self) -> Result<(), Error> {
        match &mut self.recorder {
            Some(r) => r.end(&self.insp),
            None => Ok(()),
        }
    }

    /// The next event that passes the filter, or `None` at the end of the capture. After an
    /// error (a bad block, or a filter that does not compile for the capture's era), `None`.
    ///
    /// Events a dumper flagged as kept for state only are taken in but not handed out, as
    /// libsinsp does.
    #[allow(clippy::should_implement_trait)]
    #[inline]
    pub fn next(&mut self) -> Option<Result<EventView<'_>, Error>> {
        let processed = match self.step_to_next(true, |_, _, _, _, p| Some(p))? {
            Ok(Some(p)) => p,
            // (Only a drain goes without the state.)
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        let ev = self.reader.current_event()?;
        let registry = self.registry.as_deref().unwrap_or(Registry::builtin());
        Some(Ok(EventView::new(
            &self.insp, ev, processed, &self.opts, registry,
        )))
    }

    /// Reads to the end of the capture without handing events out (a recorder given to
    /// [`record`](Self::record) writes as it goes); returns how many events passed the filter.
    /// The same as calling [`next`](Self::next) until `None`, without building each event's
    /// view.
    ///
    /// ```
    /// let mut events = strata::Events::demo().filter("evt.type = connect")?;
    /// assert_eq!(events.drain()?, 2);
    /// # Ok::<(), strata::Error>(())
    /// ```
    pub fn drain(&mut self) -> Result<u64, Error> {
        self.draining = true;
        self.set_lazy();
        let mut n = 0;
        let r = loop {
            match self.step_to_next(false, |_, _, _, _, _| Some(())) {
                None => break Ok(n),
                Some(Err(e)) => break Err(e),
                Some(Ok(_)) => n += 1,
            }
        };
        self.lazy = false;
        self.draining = false;
        r
    }

    /// Calls `f` on every event that passes the filter, in order, until `f` breaks (its
    /// value is returned) or the capture ends (`Ok(None)`); stops at an error, after which
    /// (with [`recover`](Self::recover)) it may be called again to go on. What
    /// [`next`](Self::next) in a loop does, without handing each event out of the reader:
    /// cheaper per event.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// let mut events = strata::Events::demo().filter("evt.type = connect")?;
    /// let mut names = Vec::new();
    /// events.try_for_each(|ev| {
    ///     names.push(ev.field("fd.name").unwrap().unwrap_or_default());
    ///     ControlFlow::<()>::Continue(())
    /// })?;
    /// assert_eq!(names.len(), 2);
    /// # Ok::<(), strata::Error>(())
    /// ```
    pub fn try_for_each<B>(
        &mut self,
        mut f: impl FnMut(&EventView<'_>) -> ControlFlow<B>,
    ) -> Result<Option<B>, Error> {
        let stop = self.step_to_next(false, |insp, opts, registry, ev, p| {
            // (Not a drain: every event handed out comes with its processing.)
            match f(&EventView::new(insp, *ev, p?, opts, registry)) {
                ControlFlow::Break(b) => Some(b),
                ControlFlow::Continue(()) => None,
            }
        });
        stop.transpose()
    }

    /// Under a filter, takes events in through [`filtered_run`] up to the first that passes
    /// (then the reader's current event, with how it was processed), or `None`: nothing to
    /// do there, or no event left whole in the reader's buffer. Not while a recorder writes,
    /// the era is being decided, or a drain goes without the state engine: the general loop
    /// does what those need.
    #[inline]
    fn filtered_run(&mut self) -> Option<Processed> {
        if self.recorder.is_some() || self.decider.is_some() || self.lazy {
            return None;
        }
        let checks = self.filter.as_ref()?.checks(self.opts.flavor)?;
        filtered_run(
            &mut self.reader,
            &mut self.insp,
            &self.opts,
            checks,
            &mut self.scratch,
            &mut self.generic_types,
        )
    }

    /// Takes events into the state, handing each one that passes to `hand` (with the
    /// inspector, the options, the registry, the event and its processing: `None` when the
    /// drain goes without the state engine), up to the first that `hand` answers for; that
    /// answer, an error, or `None` at the end.
    fn step_to_next<T>(
        &mut self,
        keep: bool,
        mut hand: impl FnMut(
            &Inspector,
            &RenderOptions,
            &Registry,
            &strata_scap::Event<'_>,
            Option<Processed>,
        ) -> Option<T>,
    ) -> Option<Result<T, Error>> {
        let handed = loop {
            if self.done {
                return None;
            }
            if self.recheck_lazy {
                self.recheck_lazy = false;
                if self.draining {
                    self.set_lazy();
                }
            }
            // What is done with each event, written once for the two ways events come.
            macro_rules! on_event {
                ($ev:expr) => {{
                    let ev = $ev;
                    if let Some(d) = &mut self.decider {
                        if let Some(flavor) = d.feed(ev) {
                            self.decider = None;
                            self.opts.flavor = flavor;
                            // (The era's program answers for generic events from now on.)
                            self.generic_types.clear();
                            self.insp.set_behaviour(&config(flavor));
                            // (A drain that began before the era was known: from the next event.)
                            self.recheck_lazy = self.draining;
                            let program = self.filter.as_ref().map(|f| f.for_flavor(flavor));
                            if let Some(Err(e)) = program {
                                self.done = true;
                                let text = self
                                    .filter
                                    .as_ref()
                                    .map(|f| f.text.clone())
                                    .unwrap_or_default();
                                return Some(Err(Error::Filter {
                                    text,
                                    error: e.clone(),
                                }));
                            }
                        }
                    }
                    if let Some(r) = &mut self.recorder {
                        // Users go as events in libsinsp 0.25's era, as it writes them; before the
                        // era is known (leading container events), the recorder waits.
                        let users_as_events = match self.decider {
                            Some(_) => None,
                            None => Some(self.opts.flavor == Flavor::Libsinsp025),
                        };
                        if let Err(e) = r.before(ev, &self.insp, users_as_events) {
                            self.done = true;
                            return Some(Err(e));
                        }
                    }
                    let flavor = self.opts.flavor;
                    let checks = self.filter.as_ref().and_then(|f| f.checks(flavor));
                    let outcome = if self.lazy {
                        let program = checks.map(|c| c.program);
                        self.passed_over += 1;
                        let selected = pass_over(
                            &mut self.insp,
                            &self.opts,
                            program,
                            &mut self.by_code,
                            self.by_code_from,
                            ev,
                        );
                        if let Some(r) = &mut self.recorder {
                            if let Err(e) = r.after(ev, selected) {
                                self.done = true;
                                return Some(Err(e));
                            }
                        }
                        if selected {
                            let registry = self.registry.as_deref().unwrap_or(Registry::builtin());
                            if let Some(t) = hand(&self.insp, &self.opts, registry, ev, None) {
                                break t;
                            }
                        }
                        continue;
                    } else {
                        let outcome = step(
                            &mut self.insp,
                            &self.opts,
                            checks,
                            &mut self.scratch,
                            &mut self.generic_types,
                            ev,
                        );
                        // Before the era is known (leading `container` events), a sysdig 0.29
                        // filter whose checks keep state sees the events as sysdig's did; these
                        // carry no thread, so the event alone is what it reads.
                        if let Some(Ok(p)) = self
                            .filter
                            .as_ref()
                            .filter(|f| self.decider.is_some() && f.sysdig_keeps_state)
                            .map(|f| &f.sysdig)
                        {
                            let view = EventAlone {
                                ev,
                                num: self.insp.events_seen(),
                            };
                            let opts = self.opts.with_flavor(Flavor::Sysdig029);
                            let _ = p.matches(&mut FilterRecord::new(&view, &opts));
                        }
                        outcome
                    };
                    if let Some(r) = &mut self.recorder {
                        if let Err(e) = r.after(ev, outcome.is_some()) {
                            self.done = true;
                            return Some(Err(e));
                        }
                    }
                    if let Some(p) = outcome {
                        let registry = self.registry.as_deref().unwrap_or(Registry::builtin());
                        if let Some(t) = hand(&self.insp, &self.opts, registry, ev, Some(p)) {
                            break t;
                        }
                    }
                }};
            }
            // Under a filter, the events it refuses go through a loop of their own.
            if let Some(p) = self.filtered_run() {
                if let Some(ev) = self.reader.current_event() {
                    let registry = self.registry.as_deref().unwrap_or(Registry::builtin());
                    if let Some(t) = hand(&self.insp, &self.opts, registry, &ev, Some(p)) {
                        break t;
                    }
                    continue;
                }
            }
            // Nearly every block: an event whole in the reader's buffer, lent where it lies
            // (`keep`: for `current_event` after a handed-out event).
            if let Some(ev) = self.reader.next_whole_event(keep) {
                on_event!(&ev);
                continue;
            }
            // The block is looked at where the reader put it, not moved out: a copy of a
            // just-written event stalls the store buffer, a measurable share of the loop.
            let next = self.reader.next_block();
            let block = if let Some(Ok(b)) = &next {
                b
            } else {
                match next {
                    Some(Err(e)) => {
                        // With recovery the reader has moved past the bad block: go on after it.
                        if !self.recover {
                            self.done = true;
                            let _ = self.finish_recording();
                        }
                        return Some(Err(e.into()));
                    }
                    _ => {
                        self.done = true;
                        if let Err(e) = self.finish_recording() {
                            return Some(Err(e));
                        }
                        return None;
                    }
                }
            };
            let ev = match block {
                Block::Event(ev) => ev,
                other => {
                    self.insp.process_block(other);
                    continue;
                }
            };
            on_event!(ev);
        };
        Some(Ok(handed))
    }
}

/// Takes one event into the state; returns how it was processed if it is handed out (it is
/// not hidden, passes the filter, and is not flagged state-only).
#[inline(always)]
fn step(
    insp: &mut Inspector,
    opts: &RenderOptions,
    checks: Option<Checks<'_>>,
    scratch: &mut String,
    generic_types: &mut Vec<u8>,
    ev: &strata_scap::Event<'_>,
) -> Option<Processed> {
    if opts.flavor.hides(ev) {
        match checks {
            // sysdig 0.29 hid `procinfo` events after its filter had seen them.
            Some(c) if c.keeps_state => {
                let p = insp.update(ev);
                let _ = passes(c, &insp.context_of(ev, p), opts, scratch);
            }
            _ => insp.skip(ev),
        }
        return None;
    }
    let state_only = ev.is_state_only();
    let Some(checks) = checks else {
        let p = insp.update(ev);
        return (!p.is_hidden() && !state_only).then_some(p);
    };
    if refuse_by_type(insp, opts, checks, generic_types, ev) {
        return None;
    }
    let mut run = |ctx: &EventCtx<'_>| passes(checks, ctx, opts, scratch);
    // sysdig 0.29 ran filters inside its state engine; the inspector knows where.
    let p = insp.update_filtered(ev, &mut run);
    if p.is_hidden() {
        return None;
    }
    match p.prefiltered() {
        Some(true) => return (!state_only).then_some(p),
        Some(false) => return None,
        None => {}
    }
    // An enter about no fd the state holds, under a filter false without one: refused
    // without building its context. (Only exits are completed by libsinsp 0.25's reading:
    // an enter is the event its context holds.)
    if checks.fd_on_enter
        && !checks.keeps_state
        && ev.direction() == strata_scap::table::Direction::Enter
        && insp.event_fd_of(ev, p).is_none()
    {
        insp.refused();
        return None;
    }
    let ctx = insp.context_of(ev, p);
    if !passes(checks, &ctx, opts, scratch) || state_only {
        insp.refused();
        return None;
    }
    Some(p)
}

/// Takes in `ev` as refused, if the filter cannot match an event of its type (unless its
/// checks keep state, which must see what sysdig's saw): without looking at it. Returns
/// whether it did.
#[inline(always)]
fn refuse_by_type(
    insp: &mut Inspector,
    opts: &RenderOptions,
    checks: Checks<'_>,
    generic_types: &mut Vec<u8>,
    ev: &strata_scap::Event<'_>,
) -> bool {
    let program = checks.program;
    if checks.keeps_state
        || (program.event_types().contains(ev.event_type)
            && generic_may_match(program, opts, generic_types, ev))
    {
        return false;
    }
    let p = insp.update_refused(ev);
    if !p.is_hidden() && p.prefiltered().is_none() {
        insp.refused();
    }
    true
}

/// Takes events in under a filter, as [`step`] does, up to the first that passes (then the
/// reader's current event, with how it was processed) or the first that is not an event
/// whole in the reader's buffer (`None`). The events a filter refuses, most of a capture, go
/// through this small loop rather than the general one.
#[inline(never)]
fn filtered_run<R: Read>(
    reader: &mut StreamReader<R>,
    insp: &mut Inspector,
    opts: &RenderOptions,
    checks: Checks<'_>,
    scratch: &mut String,
    generic_types: &mut Vec<u8>,
) -> Option<Processed> {
    // (`keep`: the event that passes is taken again as the current one.)
    while let Some(ev) = reader.next_whole_event(true) {
        if let Some(p) = step(insp, opts, Some(checks), scratch, generic_types, &ev) {
            return Some(p);
        }
    }
    None
}

/// Whether a filter may match `ev` judging by its type name alone, for a generic syscall
/// event (named by the syscall it carries, which its code does not tell); `true` for any
/// other event. The answer is kept per syscall id: a filter on `evt.type` then refuses the
/// generic events of other syscalls without building their context.
#[inline]
fn generic_may_match(
    program: &Program<FilterField>,
    opts: &RenderOptions,
    memo: &mut Vec<u8>,
    ev: &strata_scap::Event<'_>,
) -> bool {
    let code = ev.event_type;
    if code >= 2 {
        return true;
    }
    // The syscall id, a 2-byte parameter, read from its bytes as decoding would.
    // (Id 0 is named by the native number in libsinsp 0.25: not kept.)
    let id = match ev.param_raw(0).and_then(|b| <[u8; 2]>::try_from(b).ok()) {
        Some(b) => match ev.endian() {
            strata_scap::Endian::Little => u16::from_le_bytes(b),
            strata_scap::Endian::Big => u16::from_be_bytes(b),
        },
        None => 0,
    };
    let id = if id == 0 { usize::MAX } else { id as usize };
    let slot = (id < GENERIC_IDS).then(|| code as usize * GENERIC_IDS + id);
    if let Some(&k @ (1 | 2)) = slot.and_then(|i| memo.get(i)) {
        return k == 2;
    }
    generic_decide(program, opts, memo, ev, slot)
}

/// [`generic_may_match`] for a syscall not decided yet: asks the program, and keeps the
/// answer in `slot` of `memo` (none for an id past the memo).
#[inline(never)]
fn generic_decide(
    program: &Program<FilterField>,
    opts: &RenderOptions,
    memo: &mut Vec<u8>,
    ev: &strata_scap::Event<'_>,
    slot: Option<usize>,
) -> bool {
    let view = EventAlone { ev, num: 0 };
    let may = program.may_match(&mut FilterRecord::with_scratch(&view, opts, String::new()));
    if let Some(i) = slot {
        if memo.len() < 2 * GENERIC_IDS {
            memo.resize(2 * GENERIC_IDS, 0);
        }
        memo[i] = 1 + u8::from(may);
    }
    may
}

/// Counts one event without applying it to the state; whether it is handed out (not hidden,
/// not state-only, and passing a filter on the event alone).
fn pass_over(
    insp: &mut Inspector,
    opts: &RenderOptions,
    program: Option<&Program<FilterField>>,
    by_code: &mut [u8],
    by_code_from: u16,
    ev: &strata_scap::Event<'_>,
) -> bool {
    let (num, initial_state) = insp.pass_over(ev);
    if initial_state || opts.flavor.hides(ev) || ev.is_state_only() {
        return false;
    }
    let Some(program) = program else {
        return true;
    };
    let code = ev.event_type;
    if !program.event_types().contains(code) {
        return false;
    }
    // (Generic events, codes 0 and 1, are named by a parameter: answered by code only for a
    // filter on `evt.dir` alone.)
    let slot = if code >= by_code_from {
        by_code.get_mut(code as usize)
    } else {
        None
    };
    if let Some(&mut k @ (1 | 2)) = slot {
        return k == 2;
    }
    // (The fields of the event alone compose no text: no scratch to lend.)
    let view = EventAlone { ev, num };
    let pass = program.matches(&mut FilterRecord::with_scratch(&view, opts, String::new()));
    if let Some(k) = by_code
        .get_mut(code as usize)
        .filter(|_| code >= by_code_from)
    {
        *k = 1 + u8::from(pass);
    }
    pass
}

/// What a filter on the event alone reads: the event, by reference, and its number.
struct EventAlone<'a, 'e> {
    ev: &'a strata_scap::Event<'e>,
    num: u64,
}

impl StateView for EventAlone<'_, '_> {
    fn event(&self) -> &strata_scap::Event<'_> {
        self.ev
    }
    fn num(&self) -> u64 {
        self.num
    }
}

/// A compiled filter as [`step`] runs it.
#[derive(Clone, Copy)]
struct Checks<'p> {
    program: &'p Program<FilterField>,
    /// Whether it has checks that keep state from event to event (sysdig 0.29's
    /// `evt.deltatime`, ...).
    keeps_state: bool,
    /// Whether it is false on an enter event whose fd the state does not hold
    /// ([`FilterField::needs_fd_on_enter`]).
    fd_on_enter: bool,
}

/// Whether the event of `ctx` passes the filter.
fn passes(
    checks: Checks<'_>,
    ctx: &EventCtx<'_>,
    opts: &RenderOptions,
    scratch: &mut String,
) -> bool {
    let program = checks.program;
    if !checks.keeps_state {
        let ev = ctx.event();
        if !program.event_types().contains(ev.event_type)
            || (checks.fd_on_enter
                && ev.direction() == strata_scap::table::Direction::Enter
                && ctx.fd().is_none())
        {
            return false;
        }
    }
    let mut rec = FilterRecord::with_scratch(ctx, opts, std::mem::take(scratch));
    let keep = program.matches(&mut rec);
    *scratch = rec.into_scratch();
    keep
}

/// One event handed out by [`Events`], with its state.
///
/// Its context is built when asked for ([`ctx`](Self::ctx)): a reader that decides from the
/// event alone (as [`render_into`](Self::render_into) does for most lines that will not
/// print) goes without it.
pub struct EventView<'a> {
    insp: &'a Inspector,
    ev: strata_scap::Event<'a>,
    processed: Processed,
    opts: &'a RenderOptions,
    registry: &'a Registry,
}

impl<'a> EventView<'a> {
    #[inline]
    fn new(
        insp: &'a Inspector,
        ev: strata_scap::Event<'a>,
        processed: Processed,
        opts: &'a RenderOptions,
        registry: &'a Registry,
    ) -> Self {
        EventView {
            insp,
            ev,
            processed,
            opts,
            registry,
        }
    }

    /// The event with its state: threads, fds, users, as the state engine has them. Built
    /// at each call (cheap: a few lookups, nothing copied but the event's header).
    #[inline]
    pub fn ctx(&self) -> EventCtx<'a> {
        self.insp.context_of(&self.ev, self.processed)
    }

    /// The event as the capture holds it (or as libsinsp 0.25 completes it).
    pub fn event(&self) -> strata_scap::Event<'a> {
        self.insp.event_of(&self.ev, self.processed)
    }

    /// Renders `format`'s line of the event into `out`, as [`Format::render_into`] does:
    /// the fastest way to print. The line of an event about no fd, when the field that last
    /// went missing is an fd field (`%fd.name` in most formats), is known not to print
    /// without building the event's context.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use strata::dissect::{Format, Registry, RenderOptions};
    /// let mut events = strata::Events::demo();
    /// let mut fmt = Format::compile(Registry::builtin(), "%evt.num %fd.name", RenderOptions::default())?;
    /// let mut out = Vec::new();
    /// events.try_for_each(|ev| {
    ///     if ev.render_into(&mut fmt, &mut out) {
    ///         out.push(b'\n');
    ///     }
    ///     ControlFlow::<()>::Continue(())
    /// })?;
    /// assert!(String::from_utf8(out).unwrap().lines().all(|l| l.split(' ').count() == 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn render_into(&self, format: &mut Format, out: &mut Vec<u8>) -> bool {
        if self.processed.without_fd() && format.skips_without_fd(self.ev.ts) {
            return false;
        }
        format.render_into(&self.ctx(), out)
    }

    /// Its number in the capture, from 1 (`evt.num`).
    pub fn num(&self) -> u64 {
        self.insp.events_seen()
    }

    /// The options its fields render with.
    pub fn options(&self) -> &'a RenderOptions {
        self.opts
    }

    /// The text of field `name` (`proc.name`, `proc.aname[2]`, `evt.arg.fd`) as sysdig
    /// prints it; `None` where sysdig prints `<NA>`. An error for an unknown field.
    pub fn field(&self, name: &str) -> Result<Option<String>, Error> {
        let f = FieldRef::parse(self.registry, name)?;
        Ok(self.value(&f))
    }

    /// The text of an already resolved field (cheaper than [`field`](Self::field) in a loop;
    /// each call builds the event's context: for several fields of one event, take
    /// [`ctx`](Self::ctx) once and [`FieldRef::extract`] from it).
    pub fn value(&self, field: &FieldRef) -> Option<String> {
        let mut scratch = String::new();
        field
            .extract(&self.ctx(), self.opts, &mut scratch)
            .map(|v| v.to_string())
    }
}

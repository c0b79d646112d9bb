//! Writing what [`Events`](crate::Events) reads: one capture, or a rotation of them, each
//! starting with the state as it stands (sysdig's `-w` with `-C`, `-G`, `-W` and `-e`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use strata_dissect::TimeZone;
use strata_scap::block::types;
use strata_scap::{Endian, Event, Writer};
use strata_sinsp::{DumpOptions, Dumper, Inspector, StateLoss};

use crate::Error;

/// Leading events kept while the era is unknown, at most.
const MAX_EARLY: usize = 4096;

/// When a [`Recorder`] starts a new file. Every limit is off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rotation {
    /// sysdig's `-C`: a new file before an event when the events of the current one take
    /// more than this many bytes (sysdig counts millions of bytes: `-C 5` is 5,000,000). The
    /// state tables that start each file do not count: they cannot be split, and a state
    /// larger than the limit would otherwise make a file of every event.
    pub max_bytes: Option<u64>,
    /// sysdig's `-G`: a new file when an event comes this many seconds (of capture time) or
    /// more after the current file's first.
    pub seconds: Option<u64>,
    /// sysdig's `-W`: at most this many files; then the names are used again from the first,
    /// overwriting (with a time-formatted `-G` name, the oldest file is removed).
    pub files: Option<u32>,
    /// sysdig's `-e`: a new file after this many events.
    pub events: Option<u64>,
}

impl Rotation {
    /// No rotation: one file.
    pub fn none() -> Self {
        Self::default()
    }

    /// With `-C` in bytes.
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = Some(bytes);
        self
    }

    /// With `-G` in seconds.
    pub fn seconds(mut self, secs: u64) -> Self {
        self.seconds = Some(secs);
        self
    }

    /// With `-W`.
    pub fn files(mut self, n: u32) -> Self {
        self.files = Some(n);
        self
    }

    /// With `-e`.
    pub fn events(mut self, n: u64) -> Self {
        self.events = Some(n);
        self
    }

    fn is_off(&self) -> bool {
        self.max_bytes.is_none() && self.seconds.is_none() && self.events.is_none()
    }
}

/// Where a recorder writes.
enum Target {
    /// Files named from a base path, as sysdig names them.
    Path(PathBuf),
    /// One writer, taken by the first file.
    Writer(Option<Box<dyn Write>>),
}

/// Writes the events a filtered [`Events`](crate::Events) reads: the selected ones and, with
/// [`keep_state`](Recorder::keep_state), those the state needs, after the state tables as they
/// stand when each file starts. Given to [`Events::record`](crate::Events::record).
///
/// The first file starts at the capture's first event, with the capture's own tables; users
/// and groups are written the way the capture's era writes them (leading `useradded` events
/// for libsinsp 0.25's captures, a user-list block for the others), so that the file is read
/// in the same era.
pub struct Recorder {
    target: Target,
    gzip: bool,
    keep_state: bool,
    rotation: Rotation,
    dumper: Option<Dumper<Box<dyn Write>>>,
    /// The next file's index, and how many files were started.
    index: u64,
    started: u64,
    /// Capture time (seconds) at which the current file started.
    file_start_s: u64,
    /// Names of the time-formatted files of a `-G` and `-W` rotation, by slot.
    past: Vec<Option<PathBuf>>,
    written: Vec<PathBuf>,
    events: u64,
    /// Leading events read before the capture's era was known (container events): written
    /// after the tables once it is, since the era decides how users are written.
    early: Vec<(u32, Vec<u8>, Endian)>,
    loss: StateLoss,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("rotation", &self.rotation)
            .field("files", &self.written)
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Writes to the file `path` (with a [`Rotation`], to files named after it).
    pub fn to_path(path: impl AsRef<Path>) -> Self {
        Self::new(Target::Path(path.as_ref().to_path_buf()))
    }

    /// Writes one capture to `w` (rotation does not apply).
    pub fn to_writer(w: impl Write + 'static) -> Self {
        Self::new(Target::Writer(Some(Box::new(w))))
    }

    fn new(target: Target) -> Self {
        Recorder {
            target,
            gzip: false,
            keep_state: false,
            rotation: Rotation::none(),
            dumper: None,
            index: 0,
            started: 0,
            file_start_s: 0,
            past: Vec::new(),
            written: Vec::new(),
            events: 0,
            early: Vec::new(),
            loss: StateLoss::default(),
        }
    }

    /// Gzips the output (sysdig's `-z`).
    pub fn gzip(mut self, on: bool) -> Self {
        self.gzip = on;
        self
    }

    /// Also writes, flagged state-only, the unselected events the state needs, so that the
    /// file stands alone (see [`DumpOptions::keep_state`]).
    pub fn keep_state(mut self, on: bool) -> Self {
        self.keep_state = on;
        self
    }

    /// Whether writing needs the state to follow every event: to write what the state
    /// needs, or to start each file of a rotation with the state of its moment.
    pub(crate) fn needs_state(&self) -> bool {
        self.keep_state || !self.rotation.is_off()
    }

    /// Rotates files as `rotation` says (only for [`to_path`](Self::to_path)).
    pub fn rotation(mut self, rotation: Rotation) -> Self {
        self.rotation = rotation;
        self
    }

    /// The files started so far, in order (a name used again by `-W` appears again).
    pub fn files(&self) -> &[PathBuf] {
        &self.written
    }

    /// What of the state could not be written as it stood when files started (see
    /// [`StateLoss`]), over all files.
    pub fn state_loss(&self) -> &StateLoss {
        &self.loss
    }

    /// Events written so far, over all files.
    pub fn events_written(&self) -> u64 {
        self.events + self.dumper.as_ref().map_or(0, |d| d.events_written())
    }

    /// Before the state engine takes `ev`: starts the first file, or the next one when a
    /// rotation limit is reached, with the state as it stands. `users_as_events` is `None`
    /// while the capture's era is not known: the event is then kept for the first file.
    #[inline]
    pub(crate) fn before(
        &mut self,
        ev: &Event<'_>,
        insp: &Inspector,
        users_as_events: Option<bool>,
    ) -> Result<(), Error> {
        // Nearly every event: a file is open and never rotates.
        if self.dumper.is_some() && self.rotation.is_off() {
            return Ok(());
        }
        let Some(users_as_events) = users_as_events else {
            // (Bounded: past this many, the file starts in today's era.)
            if self.dumper.is_none() && self.early.len() < MAX_EARLY {
                let mut body = Vec::with_capacity(ev.raw().len() + 6);
                let e = ev.endian();
                e.put_u16(&mut body, ev.cpu);
                if matches!(
                    ev.block_type,
                    types::EVF | types::EVF_V2 | types::EVF_V2_LARGE
                ) {
                    e.put_u32(&mut body, ev.dump_flags);
                }
                body.extend_from_slice(ev.raw());
                self.early.push((ev.block_type, body, e));
                return Ok(());
            }
            return self.rotate(ev, insp, true);
        };
        self.rotate(ev, insp, users_as_events)
    }

    fn rotate(
        &mut self,
        ev: &Event<'_>,
        insp: &Inspector,
        users_as_events: bool,
    ) -> Result<(), Error> {
        if self.dumper.is_some() && self.rotation.is_off() {
            return Ok(());
        }
        let secs = ev.ts / 1_000_000_000;
        let due = match &self.dumper {
            None => true,
            Some(d) => {
                let r = &self.rotation;
                r.seconds
                    .is_some_and(|s| s > 0 && secs.saturating_sub(self.file_start_s) >= s)
                    || r.max_bytes
                        .is_some_and(|b| d.bytes_written() - d.preamble_bytes() > b)
                    || r.events.is_some_and(|n| n > 0 && d.events_written() >= n)
            }
        };
        if !due || (self.dumper.is_some() && matches!(self.target, Target::Writer(_))) {
            return Ok(());
        }
        self.close()?;
        self.start(secs, ev.endian(), insp, users_as_events)
    }

    /// Starts a file with the state of `insp`, then the early events.
    fn start(
        &mut self,
        secs: u64,
        endian: Endian,
        insp: &Inspector,
        users_as_events: bool,
    ) -> Result<(), Error> {
        self.file_start_s = secs;
        let out = self.next_output(secs)?;
        let w = if self.gzip {
            Writer::gzip(out)
        } else {
            Writer::new(out)
        };
        // libsinsp 0.25's reading never shows an enter, so never selects one: exits keep
        // theirs (the era that writes users as events is that one).
        let opts = DumpOptions::default()
            .keep_state(self.keep_state)
            .enters_with_exits(users_as_events)
            .users_as_events(users_as_events)
            .endian(endian);
        let mut d = Dumper::open(w, insp, opts)?;
        self.loss.add(d.state_loss());
        for (t, body, e) in std::mem::take(&mut self.early) {
            if let Ok(ev) = Event::parse(t, &body, e) {
                d.dump(&ev, false)?;
            }
        }
        self.dumper = Some(d);
        Ok(())
    }

    /// After the state engine took `ev`: writes it if selected or needed (see [`Dumper::dump`]).
    pub(crate) fn after(&mut self, ev: &Event<'_>, selected: bool) -> Result<(), Error> {
        if let Some(d) = &mut self.dumper {
            d.dump(ev, selected)?;
        }
        Ok(())
    }

    /// Finishes the current file.
    pub(crate) fn close(&mut self) -> Result<(), Error> {
        if let Some(d) = self.dumper.take() {
            self.events += d.events_written();
            let mut w = d.finish()?;
            w.flush()?;
        }
        Ok(())
    }

    /// The end of the capture: finishes the current file, or writes the only one (the state,
    /// and the early events) if no event started it.
    pub(crate) fn end(&mut self, insp: &Inspector) -> Result<(), Error> {
        if self.dumper.is_none() && self.started == 0 {
            let users_as_events = !self.early.is_empty();
            let endian = self.early.first().map_or(Endian::Little, |e| e.2);
            self.start(
                insp.last_ts() / 1_000_000_000,
                endian,
                insp,
                users_as_events,
            )?;
        }
        self.close()
    }

    /// The next file, named as sysdig's cycle writer names it.
    fn next_output(&mut self, secs: u64) -> Result<Box<dyn Write>, Error> {
        let base = match &mut self.target {
            Target::Writer(w) => {
                return w
                    .take()
                    .ok_or_else(|| Error::Io(io::Error::other("the output writer was used")));
            }
            Target::Path(p) => p.clone(),
        };
        let r = self.rotation;
        let limit = r.files.unwrap_or(0) as u64;
        if limit > 0 && self.index >= limit {
            self.index = 0;
        }
        let base_s = base.to_string_lossy().into_owned();
        let mut name = if r.is_off() {
            base_s.clone()
        } else if r.seconds.is_some_and(|s| s > 0) {
            if base_s.contains('%') {
                let n = strftime(
                    &base_s,
                    secs as i64 + TimeZone::from_env().offset_secs() as i64,
                );
                if limit > 0 {
                    self.past.resize(limit as usize, None);
                    if let Some(old) = self.past[self.index as usize].take() {
                        let _ = std::fs::remove_file(old);
                    }
                    self.past[self.index as usize] = Some(PathBuf::from(&n));
                }
                n
            } else {
                format!("{base_s}{}", self.index)
            }
        } else {
            base_s.clone()
        };
        if r.max_bytes.is_some() {
            let digits = if limit > 0 {
                limit.to_string().len()
            } else {
                0
            };
            name = format!("{name}{:0digits$}", self.index);
        }
        if r.events.is_some() {
            name = format!("{base_s}{}", self.index);
        }
        self.index += 1;
        self.started += 1;
        let path = PathBuf::from(name);
        let f = File::create(&path).map_err(|source| Error::Open {
            path: path.clone(),
            source,
        })?;
        self.written.push(path);
        Ok(Box::new(BufWriter::with_capacity(1 << 16, f)))
    }
}

/// `format` with `%Y %m %d %H %M %S %j %s %%` replaced for the local time `secs` (others
/// are kept as written).
fn strftime(format: &str, secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    let yday = days - days_from_civil(y, 1, 1) + 1;
    let mut out = String::new();
    let mut it = format.chars();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('Y') => out.push_str(&y.to_string()),
            Some('m') => out.push_str(&format!("{m:02}")),
            Some('d') => out.push_str(&format!("{d:02}")),
            Some('H') => out.push_str(&format!("{:02}", sod / 3600)),
            Some('M') => out.push_str(&format!("{:02}", sod / 60 % 60)),
            Some('S') => out.push_str(&format!("{:02}", sod % 60)),
            Some('j') => out.push_str(&format!("{yday:03}")),
            Some('s') => out.push_str(&secs.to_string()),
            Some('%') => out.push('%'),
            Some(o) => {
                out.push('%');
                out.push(o);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strftime_formats_utc_seconds() {
        // 2017-03-01 12:34:56 UTC.
        assert_eq!(
            strftime("out-%Y%m%d-%H%M%S-%j-%%.scap", 1_488_371_696),
            "out-20170301-123456-060-%.scap"
        );
        assert_eq!(strftime("%s %q", 5), "5 %q");
        for days in [-800_000, -1, 0, 59, 10_000, 2_000_000] {
            let (y, m, d) = civil(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}

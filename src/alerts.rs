//! Falco rules over a capture: rules files loaded by `strata-rules`, compiled against the
//! built-in fields for each era, and run on every event of [`Events`], giving [`Alert`]s.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::path::Path;

use strata_dissect::{
    FieldRef, FilterField, FilterRecord, FilterSchema, Flavor, Format, Registry, RenderOptions,
    Value,
};
use strata_rules::{FileResult, Loader, Priority, RuleSet};

use crate::{Error, Events};

/// Rules files loaded in order and compiled for both eras, ready to run over captures.
///
/// ```
/// let text = "
/// - rule: Outbound connection
///   desc: a process connects out
///   condition: evt.type = connect and evt.dir = < and fd.type = ipv4
///   output: '%proc.name connects to %fd.name'
///   priority: NOTICE
/// ";
/// let rules = strata::Rules::from_texts(&[("demo_rules.yaml", text)])?;
/// let alerts: Vec<_> = rules.run(strata::Events::demo()).collect::<Result<_, _>>()?;
/// assert!(!alerts.is_empty());
/// assert!(alerts.iter().all(|a| a.rule == "Outbound connection" && a.output.contains(" connects to ")));
/// # Ok::<(), strata::Error>(())
/// ```
pub struct Rules {
    results: Vec<FileResult>,
    not_runnable: Vec<(String, String)>,
    libsinsp: Compiled,
    sysdig: Compiled,
}

/// A rule set for one era, with each rule's output compiled.
struct Compiled {
    set: RuleSet<FilterField>,
    outputs: Vec<Output>,
}

/// A rule's output: the format, and the fields it names (for `output_fields`).
struct Output {
    format: Format,
    fields: Vec<(String, FieldRef)>,
}

fn opts(flavor: Flavor) -> RenderOptions {
    RenderOptions::default().with_flavor(flavor)
}

/// The fields an output names, as written (`%proc.name`, `%proc.aname[2]`), in order, once each.
fn output_fields(output: &str) -> Vec<(String, FieldRef)> {
    let mut out: Vec<(String, FieldRef)> = Vec::new();
    let b = output.as_bytes();
    let mut i = 0;
    while let Some(n) = output[i..].find('%') {
        i += n + 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let start = i;
        while b
            .get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
        {
            i += 1;
        }
        if b.get(i) == Some(&b'[') {
            if let Some(close) = output[i..].find(']') {
                i += close + 1;
            }
        }
        let name = output[start..i].trim_end_matches('.');
        if name.is_empty() || out.iter().any(|(n, _)| n == name) {
            continue;
        }
        if let Ok(f) = FieldRef::parse(Registry::builtin(), name) {
            out.push((name.to_string(), f));
        }
    }
    out
}

fn check_output(output: &str) -> Result<(), String> {
    Format::compile(Registry::builtin(), output, RenderOptions::default())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

impl Compiled {
    fn new(loader: &Loader, flavor: Flavor) -> Result<Self, Error> {
        let schema = FilterSchema::new(Registry::builtin(), flavor);
        let set = loader
            .compile(&schema, &check_output)
            .map_err(|e| Error::Rules(e.to_string()))?;
        let outputs = set
            .rules()
            .iter()
            .map(|r| {
                let format =
                    Format::compile(Registry::builtin(), &format!("*{}", r.output), opts(flavor))
                        .map_err(|e| Error::Rules(format!("rule '{}': output: {e}", r.name)))?;
                Ok(Output {
                    format,
                    fields: output_fields(&r.output),
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(Compiled { set, outputs })
    }
}

impl Rules {
    /// Loads rules files given as (name, text), in order, as Falco loads them; an error if
    /// any file is invalid (its rendering, Falco's way, is the message).
    pub fn from_texts(files: &[(&str, &str)]) -> Result<Self, Error> {
        let (rules, results) = Self::load(files);
        match rules {
            Some(r) => Ok(r),
            None => Err(Error::Rules(
                results
                    .iter()
                    .filter(|r| !r.is_ok())
                    .map(|r| r.render(false))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )),
        }
    }

    /// Reads and loads rules files, in order.
    pub fn from_files<P: AsRef<Path>>(paths: &[P]) -> Result<Self, Error> {
        let texts = read_files(paths)?;
        let refs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        Self::from_texts(&refs)
    }

    /// Loads rules files given as (name, text), in order: the rules (unless a file is
    /// invalid) and what Falco would report of each file.
    pub fn load(files: &[(&str, &str)]) -> (Option<Self>, Vec<FileResult>) {
        let mut loader = Loader::new();
        let schema = FilterSchema::new(Registry::builtin(), Flavor::Libsinsp025);
        let results: Vec<FileResult> = files
            .iter()
            .map(|(name, text)| loader.load(name, text, &schema, &check_output))
            .collect();
        if results.iter().any(|r| !r.is_ok()) {
            return (None, results);
        }
        let both = Compiled::new(&loader, Flavor::Libsinsp025)
            .and_then(|l| Ok((l, Compiled::new(&loader, Flavor::Sysdig029)?)));
        match both {
            Ok((libsinsp, sysdig)) => (
                Some(Rules {
                    results: results.clone(),
                    not_runnable: loader
                        .not_runnable()
                        .map(|(n, s)| (n.to_string(), s.to_string()))
                        .collect(),
                    libsinsp,
                    sysdig,
                }),
                results,
            ),
            Err(_) => (None, results),
        }
    }

    /// What loading each file gave (warnings included).
    pub fn results(&self) -> &[FileResult] {
        &self.results
    }

    /// Rules of event sources other than `syscall` (name, source): read and checked, not run.
    pub fn not_runnable(&self) -> &[(String, String)] {
        &self.not_runnable
    }

    /// The rules as compiled for `flavor`'s era.
    pub fn rule_set(&self, flavor: Flavor) -> &RuleSet<FilterField> {
        &self.compiled(flavor).set
    }

    fn compiled(&self, flavor: Flavor) -> &Compiled {
        match flavor {
            Flavor::Sysdig029 => &self.sysdig,
            _ => &self.libsinsp,
        }
    }

    /// Runs only rules at least as severe as `min`.
    pub fn set_min_priority(&mut self, min: Priority) {
        self.libsinsp.set.set_min_priority(min);
        self.sysdig.set.set_min_priority(min);
    }

    /// Enables or disables the rules named `name`; how many there are.
    pub fn enable(&mut self, name: &str, on: bool) -> usize {
        self.sysdig.set.enable(name, on);
        self.libsinsp.set.enable(name, on)
    }

    /// Enables or disables the rules tagged `tag`; how many there are.
    pub fn enable_tag(&mut self, tag: &str, on: bool) -> usize {
        self.sysdig.set.enable_tag(tag, on);
        self.libsinsp.set.enable_tag(tag, on)
    }

    /// The alerts of `events`: one per (event, rule) match, events in order, the rules of an
    /// event in file order.
    pub fn run(self, events: Events) -> Alerts {
        Alerts {
            rules: self,
            events,
            pending: VecDeque::new(),
            hits: Vec::new(),
            scratch: String::new(),
            indexed: true,
        }
    }
}

fn read_files<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<(String, String)>, Error> {
    paths
        .iter()
        .map(|p| {
            let p = p.as_ref();
            std::fs::read_to_string(p)
                .map(|t| (p.display().to_string(), t))
                .map_err(|source| Error::Open {
                    path: p.to_path_buf(),
                    source,
                })
        })
        .collect()
}

/// A value of an alert's `output_fields`, typed as JSON will have it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FieldValue {
    /// No value (`<NA>` in the text).
    Null,
    /// A number.
    Int(i128),
    /// A floating-point number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// Text.
    Str(String),
}

impl FieldValue {
    fn of(v: Option<Value<'_>>) -> Self {
        match v {
            None => FieldValue::Null,
            Some(Value::I64(n)) => FieldValue::Int(n.into()),
            Some(Value::U64(n) | Value::RelTime(n) | Value::AbsTime(n)) => {
                FieldValue::Int(n.into())
            }
            Some(Value::Port(p)) => FieldValue::Int(p.into()),
            Some(Value::Bool(b)) => FieldValue::Bool(b),
            Some(Value::Double(d)) => FieldValue::Float(d),
            Some(other) => {
                let mut out = Vec::new();
                other.write_to(&mut out);
                FieldValue::Str(String::from_utf8_lossy(&out).into_owned())
            }
        }
    }
}

/// One rule matching one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The rule's name.
    pub rule: String,
    /// Its priority.
    pub priority: Priority,
    /// Its source (`syscall`).
    pub source: String,
    /// Its tags, sorted.
    pub tags: Vec<String>,
    /// The event's number in the capture (`evt.num`).
    pub evt_num: u64,
    /// The event's time, nanoseconds since the epoch.
    pub time: u64,
    /// `HH:MM:SS.nnnnnnnnn` of the event in the zone of the events' options (`TZ`).
    pub time_of_day: String,
    /// The rule's output rendered for the event (`<NA>` for fields without a value).
    pub output: String,
    /// The fields the output names, as written, with their values.
    pub output_fields: Vec<(String, FieldValue)>,
}

impl Alert {
    /// Falco's text line: `TIME: Priority OUTPUT`.
    pub fn text(&self) -> String {
        format!("{}: {} {}", self.time_of_day, self.priority, self.output)
    }

    /// Falco's JSON alert, keys sorted as Falco writes them: `hostname`, `output`,
    /// `output_fields`, `priority`, `rule`, `source`, `tags`, `time` (RFC 3339, UTC, ns).
    pub fn json(&self, hostname: &str) -> String {
        let mut out = String::from("{\"hostname\":");
        json_str(&mut out, hostname);
        out.push_str(",\"output\":");
        json_str(&mut out, &self.output);
        out.push_str(",\"output_fields\":{");
        let mut fields: Vec<&(String, FieldValue)> = self.output_fields.iter().collect();
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_str(&mut out, k);
            out.push(':');
            match v {
                FieldValue::Null => out.push_str("null"),
                FieldValue::Int(n) => {
                    let _ = write!(out, "{n}");
                }
                FieldValue::Float(f) if f.is_finite() => {
                    let _ = write!(out, "{f}");
                }
                FieldValue::Float(_) => out.push_str("null"),
                FieldValue::Bool(b) => {
                    let _ = write!(out, "{b}");
                }
                FieldValue::Str(s) => json_str(&mut out, s),
            }
        }
        out.push_str("},\"priority\":");
        json_str(&mut out, self.priority.name());
        out.push_str(",\"rule\":");
        json_str(&mut out, &self.rule);
        out.push_str(",\"source\":");
        json_str(&mut out, &self.source);
        out.push_str(",\"tags\":[");
        for (i, t) in self.tags.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_str(&mut out, t);
        }
        out.push_str("],\"time\":");
        json_str(&mut out, &rfc3339(self.time));
        out.push('}');
        out
    }
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` of nanoseconds since the epoch.
pub fn rfc3339(ns: u64) -> String {
    let secs = ns / 1_000_000_000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        ns % 1_000_000_000
    )
}

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The alerts of a capture ([`Rules::run`]).
pub struct Alerts {
    rules: Rules,
    events: Events,
    pending: VecDeque<Alert>,
    hits: Vec<usize>,
    scratch: String,
    indexed: bool,
}

impl Alerts {
    /// Tries every rule on every event instead of only the rules of the event's type (the
    /// same alerts, more slowly: for measuring the index).
    pub fn without_index(mut self) -> Self {
        self.indexed = false;
        self
    }

    /// Reads events up to the next one that raises alerts (queued in `pending`); `None` at
    /// the end.
    fn fill(&mut self) -> Option<Result<(), Error>> {
        let Alerts {
            rules,
            events,
            pending,
            hits,
            scratch,
            indexed,
        } = self;
        // (Each event is looked at where the reader holds it.)
        let found = events.try_for_each(|ev| {
            let flavor = ev.options().flavor;
            let compiled = match flavor {
                Flavor::Sysdig029 => &mut rules.sysdig,
                _ => &mut rules.libsinsp,
            };
            let ctx = ev.ctx();
            let code = ctx.event().event_type;
            let mut rec = FilterRecord::with_scratch(&ctx, ev.options(), std::mem::take(scratch));
            if *indexed {
                // A generic event's first parameter is its syscall number: its subtype.
                let subtype = ctx.event().param_raw(0).map_or(0, |b| {
                    b.iter().take(8).fold(0u64, |a, &x| a << 8 | u64::from(x))
                });
                compiled.set.matching(code, subtype, &mut rec, hits);
            } else {
                compiled.set.matching_unindexed(&mut rec, hits);
            }
            *scratch = rec.into_scratch();
            if hits.is_empty() {
                return ControlFlow::Continue(());
            }
            let time_of_day = ev.field("evt.time").ok().flatten().unwrap_or_default();
            for &i in hits.iter() {
                let rule = &compiled.set.rules()[i];
                let out = &mut compiled.outputs[i];
                if out.format.options().flavor != flavor {
                    out.format.set_flavor(flavor);
                }
                let mut text = String::new();
                out.format.render(&ctx, &mut text);
                let mut scratch = String::new();
                let output_fields = out
                    .fields
                    .iter()
                    .map(|(name, f)| {
                        (
                            name.clone(),
                            FieldValue::of(f.extract(&ctx, ev.options(), &mut scratch)),
                        )
                    })
                    .collect();
                pending.push_back(Alert {
                    rule: rule.name.clone(),
                    priority: rule.priority,
                    source: rule.source.clone(),
                    tags: rule.tags.clone(),
                    evt_num: ev.num(),
                    time: ctx.event().ts,
                    time_of_day: time_of_day.clone(),
                    output: text,
                    output_fields,
                });
            }
            ControlFlow::Break(())
        });
        match found {
            Ok(Some(())) => Some(Ok(())),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

impl Iterator for Alerts {
    type Item = Result<Alert, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(a) = self.pending.pop_front() {
                return Some(Ok(a));
            }
            match self.fill()? {
                Ok(()) => {}
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_of_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            rfc3339(1_470_327_477_881_730_713),
            "2016-08-04T16:17:57.881730713Z"
        );
        assert_eq!(
            rfc3339(951_782_400_000_000_001),
            "2000-02-29T00:00:00.000000001Z"
        );
    }

    #[test]
    fn output_fields_as_written() {
        let f: Vec<String> =
            output_fields("a %proc.name (%proc.aname[2]) %evt.arg.fd %proc.name. 100%")
                .into_iter()
                .map(|(n, _)| n)
                .collect();
        assert_eq!(f, ["proc.name", "proc.aname[2]", "evt.arg.fd"]);
    }
}

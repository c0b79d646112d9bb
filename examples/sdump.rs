//! Prints a capture's events as `sysdig -r` does: the default line, or a `-p` format.
//!
//! ```text
//! cargo run --release --example sdump -- [-r FILE] [-j] [-V] [-p FORMAT] [--flavor F] [FILTER...]
//! ```
//!
//! Without `-r` it reads the built-in demo capture. Times are in the zone of `TZ`. Like sysdig,
//! it hides `procinfo` events and the leading user, group and container events that libsinsp
//! takes as initial state (they still count for `evt.num`), and what libsinsp 0.25 does not
//! return in its flavor (`EventCtx::is_hidden`: the enter events its capture reader removes,
//! which do not count, and those it parses then filters out, which do).
//!
//! Where libsinsp changed its answers over the years, a capture is read as the tools of its
//! era read it (`--flavor auto`, the default, decided by the leading events,
//! `FlavorDecider`): one written by today's libsinsp (`useradded`/`groupadded` among its
//! leading metadata events) as libsinsp 0.25 does, any other as sysdig 0.29.3 does.
//! `--flavor sysdig-0.29` or `--flavor libsinsp-0.25` forces one. sysdig 0.29's ways are
//! `Config::sysdig_029` for the state and `Flavor::Sysdig029` for the fields.
//!
//! The arguments after the options, joined by spaces, are a filter, as sysdig takes it
//! (`sdump -r f.scap proc.name = curl and fd.type = ipv4`); a bad one prints the error with a
//! caret under the fault and exits 2. On a bad file it prints every event it could read,
//! then the error on stderr, and exits 1.
//!
//! With `-j` each event is one JSON object, as `sysdig -j` prints it: one key per field of the
//! format (the default line's fields without `-p`), typed values (`strata_dissect::json`).
//!
//! `-l` lists the fields by class, as `sysdig -l` does (`-l --json` as JSON).
//! `-V` prints each event as a tree, as `tshark -V` prints packets: the event, its
//! parameters, process, fd, and a subtree per payload dissector that read its bytes
//! (`-V -j`: the tree as JSON, `strata_dissect::tree`).
//!
//! With `--recover` it reads on past a damaged block: each error goes to stderr, reading
//! resumes at the next plausible block (`Events::recover`), and the bytes passed over are
//! counted at the end.
//!
//! With `-w OUT` it writes the selected events to a capture instead of printing them, as
//! `sysdig -w` does, after the state tables as they stand (so the file names the processes
//! and fds of its events): `--keep-state` also writes, flagged state-only, the unselected
//! events the state needs (sysdig's `--fatfile`), so that reading OUT with the same filter
//! gives the same answers as reading the original; `-z` gzips; `-C MB`, `-G SECONDS`,
//! `-W FILES` and `-e EVENTS` rotate files as sysdig's options of the same names do, each
//! file starting with the state as it then stands. It prints the files written on stderr.
//! When neither the filter (fields of the event alone, such as `evt.type` and `evt.dir`) nor
//! the file needs the state, it is not kept (`Events::state_on_demand`), which is what makes
//! such a filtered copy cheap.
//!
//! It is a thin user of [`strata::Events`], the library's front door, and of
//! [`strata::Recorder`].

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::process::ExitCode;

use strata::dissect::{Flavor, Format, Registry};
use strata::{Error, Events, Recorder, Rotation};

const USAGE: &str =
    "usage: sdump [-r FILE] [-j] [-V] [-p FORMAT] [--flavor auto|sysdig-0.29|libsinsp-0.25]
             [-w OUT [--keep-state] [-z] [-C MB] [-G SECONDS] [-W FILES] [-e EVENTS]] [FILTER...]";

struct Args {
    file: Option<String>,
    format: Option<String>,
    /// `-j`: one JSON object per event.
    json: bool,
    /// `-l`: list the fields (as JSON with `--json`).
    list: bool,
    /// `-V`: each event as a tree (as JSON with `-j`).
    tree: bool,
    /// `None`: decided by the capture's leading events.
    flavor: Option<Flavor>,
    /// The filter, if any.
    filter: Option<String>,
    /// `-w`: where to write instead of printing.
    write: Option<String>,
    keep_state: bool,
    gzip: bool,
    rotation: Rotation,
    /// `--recover`: read on past damaged blocks.
    recover: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        file: None,
        format: None,
        json: false,
        list: false,
        tree: false,
        flavor: None,
        filter: None,
        write: None,
        keep_state: false,
        gzip: false,
        rotation: Rotation::none(),
        recover: false,
    };
    let mut filter = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-r" => a.file = Some(it.next().ok_or("-r needs a file name")?),
            "-p" => a.format = Some(it.next().ok_or("-p needs a format")?),
            "-j" | "--json" => a.json = true,
            "-l" | "--list" => a.list = true,
            "-V" => a.tree = true,
            "--flavor" => {
                a.flavor = match it.next().as_deref() {
                    Some("auto") => None,
                    Some("sysdig-0.29") => Some(Flavor::Sysdig029),
                    Some("libsinsp-0.25") => Some(Flavor::Libsinsp025),
                    other => {
                        return Err(format!(
                            "--flavor {other:?}: expected auto, sysdig-0.29 or libsinsp-0.25"
                        ));
                    }
                }
            }
            // Kept from earlier versions: the same as `--flavor sysdig-0.29`.
            "--sysdig-0.29" => a.flavor = Some(Flavor::Sysdig029),
            "-w" => a.write = Some(it.next().ok_or("-w needs a file name")?),
            "--keep-state" | "-F" | "--fatfile" => a.keep_state = true,
            "-z" => a.gzip = true,
            "--recover" => a.recover = true,
            "-C" => a.rotation = a.rotation.max_bytes(number(&mut it, "-C")? * 1_000_000),
            "-G" => a.rotation = a.rotation.seconds(number(&mut it, "-G")?),
            "-W" => {
                let n = number(&mut it, "-W")?;
                a.rotation = a
                    .rotation
                    .files(u32::try_from(n).map_err(|_| "-W is too large")?);
            }
            "-e" => a.rotation = a.rotation.events(number(&mut it, "-e")?),
            "-h" | "--help" => return Err(USAGE.into()),
            _ if arg.starts_with('-') && arg.len() > 1 => {
                return Err(format!("unknown option {arg:?}\n{USAGE}"));
            }
            _ => filter.push(arg),
        }
    }
    if !filter.is_empty() {
        a.filter = Some(filter.join(" "));
    }
    Ok(a)
}

/// The number after option `opt`.
fn number(it: &mut impl Iterator<Item = String>, opt: &str) -> Result<u64, String> {
    let v = it.next().ok_or_else(|| format!("{opt} needs a number"))?;
    v.parse()
        .map_err(|_| format!("{opt} {v:?}: expected a whole number"))
}

/// What stopped the dump.
enum Failure {
    /// Bad arguments or a bad file: exit 1.
    Other(String),
    /// A filter that does not compile: exit 2.
    Filter(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Filter { .. } => Failure::Filter(e.to_string()),
            other => Failure::Other(other.to_string()),
        }
    }
}

fn run(args: Args) -> Result<(), Failure> {
    if args.list {
        let reg = Registry::builtin();
        let text = if args.json {
            strata::dissect::list::to_json(reg) + "\n"
        } else {
            let mut t = String::new();
            let _ = strata::dissect::list::write_text(reg, &mut t);
            t
        };
        let mut out = io::stdout().lock();
        return out
            .write_all(text.as_bytes())
            .map_err(|e| Failure::Other(e.to_string()));
    }
    let mut events = match &args.file {
        Some(f) => Events::open(f)?,
        None => Events::demo(),
    };
    if let Some(flavor) = args.flavor {
        events = events.with_flavor(flavor);
    }
    if let Some(f) = &args.filter {
        events = events.filter(f)?;
    }
    // Payload dissectors read messages written in parts from the stream's earlier bytes.
    let texts = [args.format.as_deref(), args.filter.as_deref()];
    if args.tree || uses_dissector(Registry::builtin(), &texts) {
        events = events.with_streams(STREAM_BYTES);
    }
    events = events.recover(args.recover);
    if let Some(out) = &args.write {
        let rec = Recorder::to_path(out)
            .keep_state(args.keep_state)
            .gzip(args.gzip)
            .rotation(args.rotation);
        // Nothing is printed: the state engine runs only if the filter or the file needs it.
        return write(events.record(rec).state_on_demand(true), args.recover);
    }
    let reg = Registry::builtin();
    let mut opts = *events.options();
    if args.json {
        // sysdig -j prints buffers whole.
        opts = opts.with_max_buf_len(0);
    }
    let mut format = match &args.format {
        Some(p) => {
            Format::compile(reg, p, opts).map_err(|e| Failure::Other(format!("-p {p:?}: {e}")))?
        }
        None => Format::sysdig_default(reg, opts),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let io_err = |e: io::Error| Failure::Other(e.to_string());
    // Lines are rendered straight into one output buffer, written out when it is full.
    const OUT_BUF: usize = 64 << 10;
    let mut buf: Vec<u8> = Vec::with_capacity(OUT_BUF + 4096);
    let mut failure = None;
    let mut errors = 0u64;
    // Each event is rendered where the reader holds it (`try_for_each`): straight into one
    // output buffer, written out when it is full.
    let mut line = |ev: &strata::EventView<'_>| -> ControlFlow<Failure> {
        // The flavor is decided by the leading events, before any is handed out.
        let flavor = ev.options().flavor;
        if format.options().flavor != flavor {
            format.set_flavor(flavor);
        }
        let rendered = if args.tree {
            let tree = strata::dissect::tree::event_tree(reg, &ev.ctx(), &opts_of(&format));
            if args.json {
                let _ = serde_json::to_writer(&mut buf, &tree);
            } else {
                let mut text = String::new();
                tree.write_text(&mut text);
                buf.extend_from_slice(text.as_bytes());
            }
            true
        } else if args.json {
            format.render_json(&ev.ctx(), &mut buf)
        } else {
            ev.render_into(&mut format, &mut buf)
        };
        if rendered {
            buf.push(b'\n');
            if buf.len() >= OUT_BUF {
                if let Err(e) = out.write_all(&buf) {
                    return ControlFlow::Break(io_err(e));
                }
                buf.clear();
            }
        }
        ControlFlow::Continue(())
    };
    loop {
        match events.try_for_each(&mut line) {
            Ok(None) => break,
            Ok(Some(f)) => {
                failure = Some(f);
                break;
            }
            // With --recover, a damaged block is reported and reading goes on after it.
            Err(e @ Error::Capture(_)) if args.recover => {
                errors += 1;
                eprintln!("sdump: {e}");
            }
            Err(e) => {
                failure = Some(Failure::from(e));
                break;
            }
        }
    }
    out.write_all(&buf).map_err(io_err)?;
    out.flush().map_err(io_err)?;
    if errors > 0 {
        eprintln!(
            "sdump: recovered from {errors} errors, {} bytes passed over",
            events.skipped_bytes()
        );
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Bytes of each stream's earlier reads and writes kept when dissector fields are asked for.
const STREAM_BYTES: usize = 4096;

/// Whether a format or filter names a payload dissector's field.
fn uses_dissector(reg: &Registry, texts: &[Option<&str>]) -> bool {
    reg.iter().any(|(id, f)| {
        reg.is_dissector_field(id) && texts.iter().flatten().any(|t| t.contains(&*f.name))
    })
}

/// The options a format renders with (the flavor already decided).
fn opts_of(format: &Format) -> strata::dissect::RenderOptions {
    *format.options()
}

/// Reads every event, the recorder writing as it goes.
fn write(mut events: Events, recover: bool) -> Result<(), Failure> {
    let mut failure = None;
    loop {
        match events.drain() {
            Ok(_) => break,
            Err(e @ Error::Capture(_)) if recover => eprintln!("sdump: {e}"),
            Err(e) => {
                failure = Some(Failure::from(e));
                break;
            }
        }
    }
    if let Some(r) = events.recorder() {
        for f in r.files() {
            eprintln!("{}", f.display());
        }
        eprintln!("{} events written", r.events_written());
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn main() -> ExitCode {
    let result = parse_args().map_err(Failure::Other).and_then(run);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Other(e)) => {
            eprintln!("sdump: {e}");
            ExitCode::FAILURE
        }
        Err(Failure::Filter(e)) => {
            eprintln!("sdump: {e}");
            ExitCode::from(2)
        }
    }
}

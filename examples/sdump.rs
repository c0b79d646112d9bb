//! Prints a capture's events as `sysdig -r` does: the default line, or a `-p` format.
//!
//! ```text
//! cargo run --release --example sdump -- [-r FILE] [-p FORMAT] [--flavor F]
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
//! `Config::sysdig_029` for the state and `Flavor::Sysdig029` for the fields. A filter
//! argument is refused: the filter language comes later. On a bad file it prints every event
//! it could read, then the error on stderr, and exits 1.

use std::io::{self, Read, Write};
use std::process::ExitCode;

use strata::dissect::{Flavor, FlavorDecider, Format, Registry, RenderOptions};
use strata::scap::{Block, StreamReader};
use strata::sinsp::{Config, Inspector};

const USAGE: &str = "usage: sdump [-r FILE] [-p FORMAT] [--flavor auto|sysdig-0.29|libsinsp-0.25]";

struct Args {
    file: Option<String>,
    format: Option<String>,
    /// `None`: decided by the capture's leading events.
    flavor: Option<Flavor>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        file: None,
        format: None,
        flavor: None,
    };
    let mut filter = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-r" => a.file = Some(it.next().ok_or("-r needs a file name")?),
            "-p" => a.format = Some(it.next().ok_or("-p needs a format")?),
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
            "-h" | "--help" => return Err(USAGE.into()),
            _ if arg.starts_with('-') && arg.len() > 1 => {
                return Err(format!("unknown option {arg:?}\n{USAGE}"));
            }
            _ => filter.push(arg),
        }
    }
    if !filter.is_empty() {
        return Err(format!(
            "filters are not supported yet (the filter language is a later step): {:?}",
            filter.join(" ")
        ));
    }
    Ok(a)
}

fn run(args: Args) -> Result<(), String> {
    let opts = RenderOptions::default().with_flavor(args.flavor.unwrap_or_default());
    let reg = Registry::builtin();
    let mut format = match &args.format {
        Some(p) => Format::compile(reg, p, opts).map_err(|e| format!("-p {p:?}: {e}"))?,
        None => Format::sysdig_default(reg, opts),
    };
    let input: Box<dyn Read> = match &args.file {
        Some(f) => Box::new(std::fs::File::open(f).map_err(|e| format!("{f}: {e}"))?),
        None => Box::new(io::Cursor::new(strata::scap::demo::capture())),
    };
    // StreamReader buffers itself: a BufReader in between would only add a copy.
    let mut reader = StreamReader::new(input).map_err(|e| format!("reading: {e}"))?;
    let behaviour = |f: Flavor| match f {
        Flavor::Sysdig029 => Config::sysdig_029(),
        _ => Config::default(),
    };
    let mut insp = Inspector::with_config(behaviour(args.flavor.unwrap_or_default()));
    // With no flavor asked for, the leading events decide.
    let mut decider = args.flavor.is_none().then(FlavorDecider::new);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    // Lines are rendered straight into one output buffer, written out when it is full.
    const OUT_BUF: usize = 64 << 10;
    let mut buf: Vec<u8> = Vec::with_capacity(OUT_BUF + 4096);
    let mut failure = None;
    while let Some(block) = reader.next_block() {
        // Matched in place: the event is not moved out of the reader's answer.
        let ev = match &block {
            Ok(Block::Event(ev)) => ev,
            Ok(other) => {
                insp.process_block(other);
                continue;
            }
            Err(e) => {
                failure = Some(e.to_string());
                break;
            }
        };
        if let Some(d) = &mut decider {
            if let Some(flavor) = d.feed(ev) {
                decider = None;
                insp.set_behaviour(&behaviour(flavor));
                format.set_flavor(flavor);
            }
        }
        if format.options().flavor.hides(ev) {
            insp.skip(ev);
            continue;
        }
        let ctx = insp.process(ev);
        if ctx.is_hidden() {
            continue;
        }
        if format.render_into(&ctx, &mut buf) {
            buf.push(b'\n');
            if buf.len() >= OUT_BUF {
                out.write_all(&buf).map_err(|e| e.to_string())?;
                buf.clear();
            }
        }
    }
    out.write_all(&buf).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn main() -> ExitCode {
    match parse_args().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sdump: {e}");
            ExitCode::FAILURE
        }
    }
}

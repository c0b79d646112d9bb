//! Prints a capture's events as `sysdig -r` does: the default line, or a `-p` format.
//!
//! ```text
//! cargo run --release --example sdump -- [-r FILE] [-p FORMAT] [--sysdig-0.29]
//! ```
//!
//! Without `-r` it reads the built-in demo capture. Times are in the zone of `TZ`. Like sysdig,
//! it hides `procinfo` events and the leading user, group and container events that libsinsp
//! takes as initial state (they still count for `evt.num`). Fields follow libsinsp 0.25;
//! `--sysdig-0.29` follows sysdig 0.29.3 where the two differ (`Config::sysdig_029` for the
//! state, `Flavor::Sysdig029` for the fields: placeholder threads get pid = tid, `switch`
//! keeps enter/exit pairs, no socket is inferred from a send, the type of an unknown fd is
//! guessed from the event, failed connects are named by their tuple, mmap results print in
//! hexadecimal). A filter argument is refused: the filter language comes later. On a bad
//! file it prints every event it could read, then the error on stderr, and exits 1.

use std::io::{self, Read, Write};
use std::process::ExitCode;

use strata::dissect::{Flavor, Format, Registry, RenderOptions};
use strata::scap::{Block, StreamReader};
use strata::sinsp::{Config, Inspector};

const USAGE: &str = "usage: sdump [-r FILE] [-p FORMAT] [--sysdig-0.29]";

struct Args {
    file: Option<String>,
    format: Option<String>,
    sysdig_029: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        file: None,
        format: None,
        sysdig_029: false,
    };
    let mut filter = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-r" => a.file = Some(it.next().ok_or("-r needs a file name")?),
            "-p" => a.format = Some(it.next().ok_or("-p needs a format")?),
            "--sysdig-0.29" => a.sysdig_029 = true,
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
    let flavor = if args.sysdig_029 {
        Flavor::Sysdig029
    } else {
        Flavor::Libsinsp025
    };
    let opts = RenderOptions::default().with_flavor(flavor);
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
    let cfg = if args.sysdig_029 {
        Config::sysdig_029()
    } else {
        Config::default()
    };
    let mut insp = Inspector::with_config(cfg);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    // Lines are rendered straight into one output buffer, written out when it is full.
    const OUT_BUF: usize = 64 << 10;
    let mut buf: Vec<u8> = Vec::with_capacity(OUT_BUF + 4096);
    let mut failure = None;
    while let Some(block) = reader.next_block() {
        let block = match block {
            Ok(b) => b,
            Err(e) => {
                failure = Some(e.to_string());
                break;
            }
        };
        let Block::Event(ev) = &block else {
            insp.process_block(&block);
            continue;
        };
        let ctx = insp.process(ev);
        if ctx.is_initial_state() || ev.name() == "procinfo" {
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

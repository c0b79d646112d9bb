//! Prints every event block of a capture: `NUM TS CPU TID TYPE LEN`, one line each.
//!
//! ```text
//! cargo run --release --example blocks -- [--params] [--copy OUT] [--recover] [FILE]
//! ```
//!
//! With no FILE it reads the built-in demo capture. `--params` adds each decoded parameter as
//! `name=value`; `--copy OUT` writes every block read to OUT with the writer. `--recover` reads on past a
//! damaged block (`ReadOptions::recover`): each error goes to stderr, reading resumes at the
//! next plausible block, and the bytes passed over are counted at the end. On a bad file it
//! prints every whole block, then the error on stderr, and exits 1.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use strata::scap::{Block, Event, ReadOptions, StreamReader, Writer};

struct Args {
    params: bool,
    copy: Option<String>,
    recover: bool,
    file: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        params: false,
        copy: None,
        recover: false,
        file: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--params" => a.params = true,
            "--copy" => a.copy = Some(it.next().ok_or("--copy needs a file name")?),
            "--recover" => a.recover = true,
            "-h" | "--help" => {
                return Err("usage: blocks [--params] [--copy OUT] [--recover] [FILE]".into());
            }
            _ if a.file.is_none() => a.file = Some(arg),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(a)
}

fn print_event(out: &mut impl Write, num: u64, ev: &Event<'_>, params: bool) -> io::Result<()> {
    write!(
        out,
        "{num} {} {} {} {} {}",
        ev.ts, ev.cpu, ev.tid as i64, ev.event_type, ev.len
    )?;
    if params {
        let info = ev.info();
        for (i, raw) in ev.params_raw().enumerate() {
            let p = info.and_then(|inf| inf.params.get(i));
            let name = p.map_or("?", |p| p.name);
            match ev.param(i) {
                Some(Ok(v)) => {
                    match p {
                        Some(p) => write!(out, " {name}={}", v.display_param(p))?,
                        None => write!(out, " {name}={v}")?,
                    }
                    if let Some(r) = v.resolved() {
                        write!(out, "({r})")?;
                    }
                }
                Some(Err(e)) => write!(out, " {name}=<bad: {e}>")?,
                None => write!(out, " {name}=<{} bytes>", raw.len())?,
            }
        }
    }
    writeln!(out)
}

fn run(args: Args) -> Result<(), String> {
    let input: Box<dyn Read> = match &args.file {
        Some(f) => Box::new(File::open(f).map_err(|e| format!("{f}: {e}"))?),
        None => Box::new(io::Cursor::new(strata::scap::demo::capture())),
    };
    let opts = ReadOptions::default().recover(args.recover);
    let mut reader = StreamReader::with_options(io::BufReader::with_capacity(1 << 20, input), opts)
        .map_err(|e| format!("reading: {e}"))?;
    let mut copy = match &args.copy {
        Some(f) => Some(Writer::new(BufWriter::new(
            File::create(f).map_err(|e| format!("{f}: {e}"))?,
        ))),
        None => None,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut num = 0u64;
    let mut failure = None;
    let mut errors = 0u64;
    while let Some(block) = reader.next_block() {
        let block = match block {
            Ok(b) => b,
            Err(e) if args.recover => {
                errors += 1;
                eprintln!("blocks: {e}");
                continue;
            }
            Err(e) => {
                failure = Some(e.to_string());
                break;
            }
        };
        if let Block::Event(ev) = &block {
            num += 1;
            print_event(&mut out, num, ev, args.params).map_err(|e| e.to_string())?;
        }
        if let Some(w) = copy.as_mut() {
            w.write_block(&block)
                .map_err(|e| format!("writing copy: {e}"))?;
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    if args.recover && errors > 0 {
        eprintln!(
            "blocks: recovered from {errors} errors, {} bytes passed over",
            reader.skipped_bytes()
        );
    }
    if let Some(w) = copy {
        w.into_inner().map_err(|e| format!("writing copy: {e}"))?;
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn main() -> ExitCode {
    let result = parse_args().and_then(run);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("blocks: {e}");
            ExitCode::FAILURE
        }
    }
}

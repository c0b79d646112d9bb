//! `to_parquet -o DIR [-p FORMAT] [-z zstd|zstd:LEVEL|snappy|none] [--partition-by host,day] [FILTER]
//! CAPTURE...`: exports each capture's events (those that pass FILTER) to `DIR/NAME.parquet`
//! (with `--partition-by`, `DIR/host=H/day=D/NAME.parquet`, Hive's layout), one column per field of
//! FORMAT (named as written; `strata::export::DEFAULT_FIELDS` without `-p`), as many
//! captures at once as the machine has cores, with progress on a terminal.
//!
//! ```sh
//! cargo run --release --features parquet --example to_parquet -- -o out \
//!     -p "%evt.num %proc.name %fd.name" "evt.type in (open, openat)" ../shared/corpus/*.scap
//! ```
//! The argument that names an existing file starts the captures; one before them that is
//! not an option is the filter.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use strata::dissect::Registry;
use strata::export::{
    Columns, DEFAULT_FIELDS, ParquetOptions, Partition, compression, write_parquet_from,
    write_parquet_partitioned,
};

struct Args {
    out: PathBuf,
    format: String,
    compression: String,
    partition_by: Vec<Partition>,
    filter: Option<String>,
    captures: Vec<PathBuf>,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        out: PathBuf::new(),
        format: DEFAULT_FIELDS.to_string(),
        compression: "zstd".into(),
        partition_by: Vec::new(),
        filter: None,
        captures: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    let mut out = None;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-o" => out = Some(it.next().ok_or("-o needs a directory")?),
            "-p" => a.format = it.next().ok_or("-p needs a format")?,
            "-z" => {
                a.compression = it
                    .next()
                    .ok_or("-z needs zstd, zstd:LEVEL, snappy or none")?
            }
            "--partition-by" => {
                a.partition_by = Partition::parse_list(
                    &it.next()
                        .ok_or("--partition-by needs host, day or host,day")?,
                )?;
            }
            _ if Path::new(&arg).is_file() => a.captures.push(PathBuf::from(arg)),
            _ if a.captures.is_empty() && a.filter.is_none() => a.filter = Some(arg),
            _ => return Err(format!("{arg}: no such capture")),
        }
    }
    a.out = PathBuf::from(out.ok_or(
        "usage: to_parquet -o DIR [-p FORMAT] [-z zstd|zstd:LEVEL|snappy|none] [FILTER] CAPTURE...",
    )?);
    if a.captures.is_empty() {
        return Err("no capture given".into());
    }
    Ok(a)
}

fn run() -> Result<(), String> {
    let args = parse()?;
    // Files are named for their capture: two of the same name would overwrite each other.
    let mut stems = std::collections::HashSet::new();
    for cap in &args.captures {
        if !stems.insert(cap.file_stem()) {
            return Err(format!(
                "two captures named {}: export them to different directories",
                cap.file_name().unwrap_or_default().to_string_lossy()
            ));
        }
    }
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let columns = Columns::parse(Registry::builtin(), &args.format).map_err(|e| e.to_string())?;
    let opts = ParquetOptions::default().with_compression(compression(&args.compression)?);
    let next = AtomicUsize::new(0);
    let (rows, done) = (AtomicU64::new(0), AtomicUsize::new(0));
    let failures = Mutex::new(Vec::new());
    let tty = std::io::stderr().is_terminal();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    // Progress: rows written and capture bytes read, counted by the workers as they go.
    let total_bytes: u64 = args
        .captures
        .iter()
        .filter_map(|c| std::fs::metadata(c).ok())
        .map(|m| m.len())
        .sum();
    let bytes_read = Arc::new(AtomicU64::new(0));
    let rows_written = Arc::new(AtomicU64::new(0));
    let mut opts = opts;
    opts.progress = Some(rows_written.clone());
    let finished = AtomicBool::new(false);
    std::thread::scope(|s| {
        if tty {
            s.spawn(|| {
                while !finished.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(250));
                    let secs = start.elapsed().as_secs_f64().max(1e-9);
                    let (b, r) = (bytes_read.load(Ordering::Relaxed), rows_written.load(Ordering::Relaxed));
                    eprint!(
                        "\r{}/{} captures, {:.1}/{:.1} MB read, {r} rows, {:.0} rows/s, {:.1} MB/s   ",
                        done.load(Ordering::Relaxed),
                        args.captures.len(),
                        b as f64 / 1e6,
                        total_bytes as f64 / 1e6,
                        r as f64 / secs,
                        b as f64 / 1e6 / secs,
                    );
                }
            });
        }
        let handles: Vec<_> = (0..workers.min(args.captures.len()))
            .map(|_| {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(cap) = args.captures.get(i) else {
                            break;
                        };
                        let stem = cap
                            .file_stem()
                            .map_or("capture".into(), |s| s.to_string_lossy());
                        let out = args.out.join(format!("{stem}.parquet"));
                        let counted =
                            std::fs::File::open(cap)
                                .map_err(strata::Error::Io)
                                .map(|file| Counted {
                                    file,
                                    read: bytes_read.clone(),
                                });
                        let result = counted.and_then(|c| {
                            let mut e = strata::Events::from_reader(c)?;
                            if let Some(f) = &args.filter {
                                e = e.filter(f)?;
                            }
                            let src = cap.to_string_lossy();
                            if args.partition_by.is_empty() {
                                write_parquet_from(e, &columns, &out, &opts, Some(&src))
                            } else {
                                write_parquet_partitioned(
                                    e,
                                    &columns,
                                    &args.out,
                                    &stem,
                                    &args.partition_by,
                                    &opts,
                                    Some(&src),
                                )
                            }
                        });
                        match result {
                            Ok(st) => {
                                rows.fetch_add(st.rows, Ordering::Relaxed);
                            }
                            Err(e) => failures
                                .lock()
                                .expect("not poisoned")
                                .push(format!("{}: {e}", cap.display())),
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for h in handles {
            let _ = h.join();
        }
        // The progress line stops with the workers.
        finished.store(true, Ordering::Relaxed);
    });
    if tty {
        eprintln!();
    }
    let failures = failures.into_inner().expect("not poisoned");
    if !failures.is_empty() {
        return Err(failures.join("\n"));
    }
    println!(
        "{} captures, {} rows, in {}",
        args.captures.len(),
        rows.load(Ordering::Relaxed),
        args.out.display()
    );
    Ok(())
}

/// A capture file whose bytes are counted as they are read.
struct Counted {
    file: std::fs::File,
    read: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("to_parquet: {e}");
            ExitCode::FAILURE
        }
    }
}

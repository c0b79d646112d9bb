//! `strata-sql`: SQL over captures and their Parquet exports, with DataFusion.
//!
//! ```sh
//! strata-sql -t events=out/ 'SELECT "proc.name", COUNT(*) AS n FROM events GROUP BY 1 ORDER BY n DESC'
//! strata-sql -c events=a.scap,b.scap -p "%proc.name %fd.name" 'SELECT ... WHERE "proc.name" = '"'"'curl'"'"''
//! ```
//!
//! `-t NAME=PATH` registers a Parquet file, or a directory of them (as `to_parquet` writes),
//! as table NAME; `-c NAME=CAPTURE[,CAPTURE...]` registers captures read directly, a row per
//! event with the fields of `-p` (default: `strata::export::DEFAULT_FIELDS`), the `WHERE`
//! handed to strata-filter; `--explain` prints the plan (the filter pushed into the scan
//! shows there) instead of running the query.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use datafusion::prelude::{ParquetReadOptions, SessionContext};
use strata_datafusion::CaptureTable;

struct Args {
    parquet: Vec<(String, String)>,
    captures: Vec<(String, Vec<PathBuf>)>,
    format: String,
    explain: bool,
    sql: String,
}

const USAGE: &str = "usage: strata-sql [-t NAME=PARQUET]... [-c NAME=CAPTURE[,CAPTURE...]]... \
                     [-p FORMAT] [--explain] SQL";

fn args() -> Result<Args, String> {
    let mut a = Args {
        parquet: Vec::new(),
        captures: Vec::new(),
        format: strata::export::DEFAULT_FIELDS.to_string(),
        explain: false,
        sql: String::new(),
    };
    let mut it = std::env::args().skip(1);
    let named = |v: Option<String>, flag: &str| -> Result<(String, String), String> {
        let v = v.ok_or(format!("{flag} needs NAME=PATH"))?;
        let (n, p) = v
            .split_once('=')
            .ok_or(format!("{flag} {v}: expected NAME=PATH"))?;
        Ok((n.to_string(), p.to_string()))
    };
    let mut sql = None;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-t" => a.parquet.push(named(it.next(), "-t")?),
            "-c" => {
                let (n, p) = named(it.next(), "-c")?;
                a.captures
                    .push((n, p.split(',').map(PathBuf::from).collect()));
            }
            "-p" => a.format = it.next().ok_or("-p needs a format")?,
            "--explain" => a.explain = true,
            "-h" | "--help" => return Err(USAGE.into()),
            s if sql.is_none() && !s.starts_with('-') => sql = Some(s.to_string()),
            s => return Err(format!("unexpected argument {s}\n{USAGE}")),
        }
    }
    a.sql = sql.ok_or(USAGE)?;
    Ok(a)
}

async fn run(a: Args) -> datafusion::error::Result<()> {
    let ctx = SessionContext::new();
    for (name, path) in &a.parquet {
        ctx.register_parquet(name.as_str(), path.as_str(), ParquetReadOptions::default())
            .await?;
    }
    for (name, paths) in &a.captures {
        let table = CaptureTable::new(paths.clone(), &a.format)?;
        ctx.register_table(name.as_str(), Arc::new(table))?;
    }
    let df = ctx.sql(&a.sql).await?;
    if a.explain {
        df.explain(false, false)?.show().await
    } else {
        df.show().await
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(a).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("strata-sql: {e}");
            ExitCode::FAILURE
        }
    }
}

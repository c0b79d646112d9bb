//! Three questions asked three ways, on every shared capture (corpus, corpus-wild,
//! corpus-modern): SQL over their Parquet export, SQL over the captures read directly (the
//! `WHERE` pushed into strata-filter), and sdump with a filter, its lines counted here. The
//! answers must be equal.
//!
//! Needs the shared captures (`STRATA_SHARED`, default `../../shared`) and sdump built in the
//! main workspace (`cargo build --release --example sdump` there, in its target directory or
//! `CARGO_TARGET_DIR`; or `STRATA_SDUMP`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use strata::dissect::Registry;
use strata::export::{Columns, ParquetOptions, write_parquet_from};
use strata_datafusion::CaptureTable;

/// The fields the questions use.
const FORMAT: &str = "%evt.num %evt.type %evt.dir %evt.rawres %evt.is_io_write %proc.name \
                      %fd.rport %fd.typechar %fd.name %container.id";

/// A question: the SQL (key `k`, number `v`), and the same asked of sdump: a filter and the
/// fields of a line, value last when the lines are summed rather than counted.
struct Question {
    what: &'static str,
    sql: &'static str,
    filter: &'static str,
    sdump: &'static str,
    sum: bool,
}

const QUESTIONS: &[Question] = &[
    Question {
        what: "top processes by bytes written",
        sql: r#"SELECT COALESCE("proc.name", '<NA>') AS k, SUM("evt.rawres") AS v FROM events
                WHERE "evt.is_io_write" AND "evt.dir" = '<' AND "evt.rawres" > 0
                GROUP BY 1 ORDER BY v DESC, k LIMIT 10"#,
        filter: "evt.is_io_write = true and evt.dir = < and evt.rawres > 0",
        sdump: "%proc.name %evt.rawres",
        sum: true,
    },
    Question {
        what: "connections per remote port",
        sql: r#"SELECT COALESCE(CAST("fd.rport" AS VARCHAR), '<NA>') AS k, COUNT(*) AS v
                FROM events WHERE "evt.type" = 'connect' AND "evt.dir" = '<'
                GROUP BY 1 ORDER BY v DESC, k"#,
        filter: "evt.type = connect and evt.dir = <",
        sdump: "%fd.rport",
        sum: false,
    },
    Question {
        what: "files opened per container",
        sql: r#"SELECT COALESCE("container.id", '<NA>') AS k, COUNT(*) AS v FROM events
                WHERE "evt.type" IN ('open', 'openat', 'openat2') AND "evt.dir" = '<'
                AND "fd.typechar" = 'f'
                GROUP BY 1 ORDER BY v DESC, k"#,
        filter: "evt.type in (open, openat, openat2) and evt.dir = < and fd.typechar = f",
        sdump: "%container.id",
        sum: false,
    },
];

fn shared() -> PathBuf {
    std::env::var_os("STRATA_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
}

fn sdump() -> PathBuf {
    if let Some(p) = std::env::var_os("STRATA_SDUMP") {
        return p.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    ["release", "debug"]
        .iter()
        .map(|p| target.join(p).join("examples/sdump"))
        .find(|p| p.exists())
        .expect("sdump: run `cargo build --release --example sdump` in the main workspace")
}

fn captures() -> Vec<PathBuf> {
    let mut all = Vec::new();
    for dir in ["corpus", "corpus-wild", "corpus-modern"] {
        let dir = shared().join(dir);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut caps: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "scap"))
            .collect();
        caps.sort();
        all.extend(caps);
    }
    assert!(all.len() >= 37, "{} captures", all.len());
    all
}

/// The `(k, v)` rows of a query.
async fn answer(ctx: &SessionContext, sql: &str) -> Vec<(String, i64)> {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let mut rows = Vec::new();
    for b in batches {
        // Parquet's text reads as Utf8View, a capture's as Utf8; sums and counts as either
        // sign.
        let k = cast(b.column(0), &DataType::Utf8).unwrap();
        let k = k.as_string::<i32>();
        let v = cast(b.column(1), &DataType::Int64).unwrap();
        let v = v.as_primitive::<Int64Type>();
        for r in 0..b.num_rows() {
            assert!(!v.is_null(r));
            rows.push((k.value(r).to_string(), v.value(r)));
        }
    }
    rows
}

/// sdump's answer: its lines counted (or their last value summed) by the rest of the line,
/// ordered as the SQL orders.
fn sdump_answer(q: &Question, caps: &[PathBuf], limit: Option<usize>) -> Vec<(String, i64)> {
    let mut by = BTreeMap::<String, i64>::new();
    for cap in caps {
        let out = Command::new(sdump())
            .env("TZ", "UTC")
            .arg("-r")
            .arg(cap)
            .args(["-p", &format!("*{}", q.sdump), q.filter])
            .output()
            .unwrap();
        assert!(out.status.success(), "sdump on {}", cap.display());
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if q.sum {
                let (k, v) = line.rsplit_once(' ').unwrap();
                *by.entry(k.to_string()).or_default() += v.parse::<i64>().unwrap();
            } else {
                *by.entry(line.to_string()).or_default() += 1;
            }
        }
    }
    let mut rows: Vec<(String, i64)> = by.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    rows.truncate(limit.unwrap_or(usize::MAX));
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn sql_answers_as_sdump_counts() {
    let caps = captures();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("export");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cols = Columns::parse(Registry::builtin(), FORMAT).unwrap();
    let mut rows = 0;
    for (i, cap) in caps.iter().enumerate() {
        let out = dir.join(format!("{i:02}.parquet"));
        let events = strata::Events::open(cap).unwrap();
        let stats =
            write_parquet_from(events, &cols, &out, &ParquetOptions::default(), None).unwrap();
        rows += stats.rows;
    }

    let export = SessionContext::new();
    export
        .register_parquet(
            "events",
            dir.to_str().unwrap(),
            ParquetReadOptions::default(),
        )
        .await
        .unwrap();
    let direct = SessionContext::new();
    direct
        .register_table(
            "events",
            Arc::new(CaptureTable::new(caps.clone(), FORMAT).unwrap()),
        )
        .unwrap();

    for q in QUESTIONS {
        let from_export = answer(&export, q.sql).await;
        let from_captures = answer(&direct, q.sql).await;
        let limit = q.sql.contains("LIMIT 10").then_some(10);
        let from_sdump = sdump_answer(q, &caps, limit);
        eprintln!("\n{}:", q.what);
        for (k, v) in &from_sdump {
            eprintln!("  {k}\t{v}");
        }
        assert!(!from_sdump.is_empty(), "{}: no answer", q.what);
        assert_eq!(from_export, from_sdump, "{}: export", q.what);
        assert_eq!(
            from_captures, from_sdump,
            "{}: captures read directly",
            q.what
        );
    }
    eprintln!("{} captures, {rows} rows exported", caps.len());
}

/// The `WHERE` reaches the scan: the optimized plan's table scan carries both conditions,
/// and they translate to one strata filter.
#[tokio::test]
async fn where_is_pushed_into_the_scan() {
    use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
    use datafusion::logical_expr::LogicalPlan;
    let caps = vec![shared().join("corpus/curl_google.scap")];
    let ctx = SessionContext::new();
    ctx.register_table("events", Arc::new(CaptureTable::new(caps, FORMAT).unwrap()))
        .unwrap();
    let df = ctx
        .sql(r#"SELECT COUNT(*) FROM events WHERE "proc.name" = 'curl' AND "evt.rawres" > 0"#)
        .await
        .unwrap();
    let plan = df.clone().into_optimized_plan().unwrap();
    let mut pushed = None;
    plan.apply(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            pushed = strata_datafusion::filter_text(&scan.filters, &scan.source.schema());
        }
        Ok(TreeNodeRecursion::Continue)
    })
    .unwrap();
    assert_eq!(
        pushed.as_deref(),
        Some(r#"(proc.name = "curl") and (evt.rawres > 0)"#)
    );
    let n = df.collect().await.unwrap();
    let count = n[0].column(0).as_primitive::<Int64Type>().value(0);
    assert!(count > 0);
}

/// A time range reaches the scan as nanoseconds, and counts what sdump's filter counts.
#[tokio::test]
async fn time_ranges_are_pushed_as_nanoseconds() {
    use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
    use datafusion::logical_expr::LogicalPlan;
    let cap = shared().join("corpus/curl_google.scap");
    let ctx = SessionContext::new();
    ctx.register_table(
        "events",
        Arc::new(CaptureTable::new(vec![cap.clone()], strata::export::DEFAULT_FIELDS).unwrap()),
    )
    .unwrap();
    let df = ctx
        .sql(
            r#"SELECT COUNT(*) FROM events
               WHERE "evt.rawtime" >= TIMESTAMP '2018-08-17T17:35:48.515553554Z'"#,
        )
        .await
        .unwrap();
    let mut pushed = None;
    df.clone()
        .into_optimized_plan()
        .unwrap()
        .apply(|node| {
            if let LogicalPlan::TableScan(scan) = node {
                pushed = strata_datafusion::filter_text(&scan.filters, &scan.source.schema());
            }
            Ok(TreeNodeRecursion::Continue)
        })
        .unwrap();
    let filter = "evt.rawtime >= 1534527348515553554";
    assert_eq!(pushed.as_deref(), Some(filter));
    let batches = df.collect().await.unwrap();
    let count = batches[0].column(0).as_primitive::<Int64Type>().value(0);
    let out = Command::new(sdump())
        .arg("-r")
        .arg(&cap)
        .args(["-p", "%evt.num", filter])
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(lines > 100, "{lines}");
    assert_eq!(count as usize, lines);
}

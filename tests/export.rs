//! Parquet export (feature `parquet`): captures written by `strata::export` and read back
//! with the `parquet` crate's own Arrow reader hold, row by row, what sdump prints for the
//! same fields and filter (`<NA>` as null), with the types the registry gives the fields;
//! and the file's metadata names the capture.
//!
//! Needs the shared captures: with `CI=true` their absence fails, elsewhere the test is
//! skipped (with the reason on stderr).

mod common;

use std::process::Command;

use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use strata::dissect::Registry;
use strata::export::{Columns, ParquetOptions, compression, write_parquet_from};

const FORMAT: &str =
    "%evt.num %evt.rawtime %evt.type %proc.name %proc.pid %fd.name %fd.sport %evt.failed %user.uid";
const FILTER: &str = "evt.type in (open, openat, connect, sendto, execve) or fd.sport exists";

/// A cell as sdump writes it (`<NA>` for null).
fn cell(a: &dyn Array, row: usize) -> String {
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    if a.is_null(row) {
        return "<NA>".into();
    }
    match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().value(row).to_string(),
        DataType::UInt64 => a.as_primitive::<UInt64Type>().value(row).to_string(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::UInt32 => a.as_primitive::<UInt32Type>().value(row).to_string(),
        DataType::UInt16 => a.as_primitive::<UInt16Type>().value(row).to_string(),
        DataType::Boolean => a.as_boolean().value(row).to_string(),
        DataType::Timestamp(_, _) => a
            .as_primitive::<TimestampNanosecondType>()
            .value(row)
            .to_string(),
        other => panic!("unexpected column type {other}"),
    }
}

#[test]
fn exports_read_back_as_sdump_prints() {
    let Some(captures) = common::old_format_captures() else {
        return;
    };
    let Some(modern) = common::corpus("corpus-modern") else {
        return;
    };
    let tmp = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let cols = Columns::parse(Registry::builtin(), FORMAT).unwrap();
    let mut rows_total = 0;
    for (i, cap) in captures.iter().chain(&modern).enumerate() {
        let out = tmp.join(format!("export-{i}.parquet"));
        // Small batches and row groups, so several of each are written and read.
        let mut opts = ParquetOptions::default().with_compression(compression("zstd").unwrap());
        opts.batch_rows = 1000;
        opts.row_group_rows = 4000;
        let events = strata::Events::open(cap).unwrap().filter(FILTER).unwrap();
        let stats =
            write_parquet_from(events, &cols, &out, &opts, Some(&cap.to_string_lossy())).unwrap();

        let file = std::fs::File::open(&out).unwrap();
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let meta = builder
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .cloned()
            .unwrap_or_default();
        assert!(
            meta.iter().any(|kv| kv.key == "strata.source"
                && kv.value.as_deref() == Some(&*cap.to_string_lossy())),
            "{}: source in the metadata",
            cap.display()
        );
        let schema = builder.schema().clone();
        assert_eq!(
            schema.field_with_name("evt.rawtime").unwrap().data_type(),
            &DataType::Timestamp(arrow_schema::TimeUnit::Nanosecond, Some("UTC".into()))
        );
        assert_eq!(
            schema.field_with_name("fd.sport").unwrap().data_type(),
            &DataType::UInt16
        );
        assert_eq!(
            schema.field_with_name("evt.failed").unwrap().data_type(),
            &DataType::Boolean
        );
        let batches: Vec<RecordBatch> = builder.build().unwrap().map(Result::unwrap).collect();
        let mut lines = Vec::new();
        for b in &batches {
            for r in 0..b.num_rows() {
                let cells: Vec<String> = b.columns().iter().map(|c| cell(c.as_ref(), r)).collect();
                lines.push(cells.join(" "));
            }
        }
        assert_eq!(lines.len() as u64, stats.rows);
        let sdump = Command::new(common::example("sdump"))
            .env("TZ", "UTC")
            .arg("-r")
            .arg(cap)
            .args(["-p", &format!("*{FORMAT}"), FILTER])
            .output()
            .unwrap();
        let want: Vec<String> = String::from_utf8_lossy(&sdump.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(lines.len(), want.len(), "{}", cap.display());
        for (got, want) in lines.iter().zip(&want) {
            // sdump prints evt.rawtime as the time in nanoseconds, as the column holds it.
            assert_eq!(got, want, "{}", cap.display());
        }
        rows_total += lines.len();
    }
    assert!(rows_total > 10_000, "{rows_total} rows");
}

#[test]
fn partitioned_exports_lay_out_hive_directories() {
    use strata::export::{Partition, write_parquet_partitioned};
    let Some(dir) = common::shared("corpus") else {
        return;
    };
    let cap = dir.join("curl_google.scap");
    let cols = Columns::parse(Registry::builtin(), FORMAT).unwrap();
    let out = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("partitioned");
    let _ = std::fs::remove_dir_all(&out);
    let opts = ParquetOptions::default();
    let by = Partition::parse_list("host,day").unwrap();
    let events = strata::Events::open(&cap).unwrap().filter(FILTER).unwrap();
    let stats =
        write_parquet_partitioned(events, &cols, &out, "curl_google", &by, &opts, None).unwrap();
    let whole_path = out.join("whole.parquet");
    let events = strata::Events::open(&cap).unwrap().filter(FILTER).unwrap();
    let whole = write_parquet_from(events, &cols, &whole_path, &opts, None).unwrap();
    assert_eq!(stats.rows, whole.rows);
    // curl_google was recorded on one machine on one day.
    let file = out.join("host=ip-10-0-0-79/day=2018-08-17/curl_google.parquet");
    let rows: usize = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&file).unwrap())
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap().num_rows())
        .sum();
    assert_eq!(rows as u64, whole.rows);
}

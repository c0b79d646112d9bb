//! Parquet export (feature `parquet`): captures written by `strata::export` and read back
//! with the `parquet` crate's own Arrow reader hold, value by value, what `sdump -j` gives
//! for the same fields and filter (null as `null`, lists as arrays), with the types the
//! registry gives the fields; and the file's metadata names the capture.
//!
//! Every capture of corpus, corpus-wild and corpus-modern, with a filter and without.
//!
//! Needs the shared captures: with `CI=true` their absence fails, elsewhere the test is
//! skipped (with the reason on stderr).

mod common;

use std::process::Command;

use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value as Json;
use strata::dissect::Registry;
use strata::export::{Columns, DEFAULT_FIELDS, ParquetOptions, compression, write_parquet_from};

const FORMAT: &str = "%evt.num %evt.rawtime %evt.type %proc.name %proc.pid %fd.name %fd.sport \
     %evt.failed %user.uid %fd.types %dns.qname";
const FILTER: &str = "evt.type in (open, openat, connect, sendto, execve) or fd.sport exists";

/// A cell as libsinsp's JSON types it (`null` for null).
fn cell(a: &dyn Array, row: usize) -> Json {
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    if a.is_null(row) {
        return Json::Null;
    }
    match a.data_type() {
        DataType::Utf8 => Json::from(a.as_string::<i32>().value(row)),
        DataType::UInt64 => Json::from(a.as_primitive::<UInt64Type>().value(row)),
        DataType::Int64 => Json::from(a.as_primitive::<Int64Type>().value(row)),
        DataType::UInt32 => Json::from(a.as_primitive::<UInt32Type>().value(row)),
        DataType::UInt16 => Json::from(a.as_primitive::<UInt16Type>().value(row)),
        DataType::Boolean => Json::from(a.as_boolean().value(row)),
        DataType::Timestamp(_, _) => {
            Json::from(a.as_primitive::<TimestampNanosecondType>().value(row))
        }
        DataType::List(_) => {
            let items = a.as_list::<i32>().value(row);
            Json::Array((0..items.len()).map(|i| cell(items.as_ref(), i)).collect())
        }
        other => panic!("unexpected column type {other}"),
    }
}

#[test]
fn exports_read_back_as_sdump_json_gives_them() {
    // Every capture of corpus, corpus-wild (both eras) and corpus-modern.
    let (Some(mut captures), Some(wild), Some(modern)) = (
        common::corpus("corpus"),
        common::corpus("corpus-wild"),
        common::corpus("corpus-modern"),
    ) else {
        return;
    };
    captures.extend(wild);
    assert_eq!(captures.len() + modern.len(), 37);
    let tmp = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    // The fields above, on the events of a filter; and the default fields with the list ones,
    // on every event.
    let all = format!("{DEFAULT_FIELDS} %fd.types %dns.qname %evt.failed");
    for (format, filter) in [(FORMAT, Some(FILTER)), (all.as_str(), None)] {
        export_and_compare(&captures, &modern, &tmp, format, filter);
    }
}

fn export_and_compare(
    captures: &[std::path::PathBuf],
    modern: &[std::path::PathBuf],
    tmp: &std::path::Path,
    format: &str,
    filter: Option<&str>,
) {
    let cols = Columns::parse(Registry::builtin(), format).unwrap();
    let (mut rows_total, mut lists, mut values) = (0, 0, 0);
    for (i, cap) in captures.iter().chain(modern).enumerate() {
        let out = tmp.join(format!("export-{i}.parquet"));
        // Small batches and row groups, so several of each are written and read.
        let mut opts = ParquetOptions::default().with_compression(compression("zstd").unwrap());
        opts.batch_rows = 1000;
        opts.row_group_rows = 4000;
        let mut events = strata::Events::open(cap).unwrap();
        if let Some(f) = filter {
            events = events.filter(f).unwrap();
        }
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
        let ty = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
        assert_eq!(
            ty("evt.rawtime"),
            DataType::Timestamp(arrow_schema::TimeUnit::Nanosecond, Some("UTC".into()))
        );
        assert_eq!(ty("fd.sport"), DataType::UInt16);
        assert_eq!(ty("evt.failed"), DataType::Boolean);
        assert!(matches!(ty("fd.types"), DataType::List(_)));
        assert!(matches!(ty("dns.qname"), DataType::List(_)));
        let batches: Vec<RecordBatch> = builder.build().unwrap().map(Result::unwrap).collect();
        let mut rows = Vec::new();
        for b in &batches {
            for r in 0..b.num_rows() {
                let row: serde_json::Map<String, Json> = schema
                    .fields()
                    .iter()
                    .zip(b.columns())
                    .map(|(f, c)| (f.name().clone(), cell(c.as_ref(), r)))
                    .collect();
                rows.push(row);
            }
        }
        assert_eq!(rows.len() as u64, stats.rows);
        let sdump = Command::new(common::example("sdump"))
            .env("TZ", "UTC")
            .arg("-r")
            .arg(cap)
            .args(["-j", "-p", &format!("*{format}")])
            .args(filter)
            .output()
            .unwrap();
        let want: Vec<serde_json::Map<String, Json>> = String::from_utf8_lossy(&sdump.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), want.len(), "{}", cap.display());
        for (got, want) in rows.iter().zip(&want) {
            // Value by value, with the keys sdump gives them (each field as written).
            assert_eq!(got, want, "{}", cap.display());
            lists += got.values().filter(|v| v.is_array()).count();
            values += got.values().filter(|v| !v.is_null()).count();
        }
        rows_total += rows.len();
    }
    assert!(rows_total > 10_000, "{rows_total} rows");
    assert!(lists > 1_000, "{lists} lists");
    eprintln!(
        "{format} ({filter:?}): {rows_total} rows, {values} values of which {lists} lists, \
         equal to sdump -j"
    );
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

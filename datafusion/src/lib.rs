//! SQL over captures with DataFusion: Strata's Parquet exports registered as tables, and
//! captures read directly as a table ([`CaptureTable`]) whose scans extract only the columns a
//! query uses and hand its `WHERE` to strata-filter, so events it refuses are never turned
//! into rows.
//!
//! ```no_run
//! # async fn run() -> datafusion::error::Result<()> {
//! use std::sync::Arc;
//! let ctx = datafusion::prelude::SessionContext::new();
//! let table = strata_datafusion::CaptureTable::new(vec!["a.scap".into()], strata::export::DEFAULT_FIELDS)?;
//! ctx.register_table("events", Arc::new(table))?;
//! ctx.sql(r#"SELECT "proc.name", COUNT(*) FROM events GROUP BY 1"#).await?.show().await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod pushdown;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::stream::RecordBatchReceiverStream;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use strata::dissect::Registry;
use strata::export::{Batches, Columns};

pub use pushdown::filter_text;

/// Rows per record batch a capture scan hands DataFusion.
const BATCH_ROWS: usize = 8192;

/// Captures as one table: a row per event, a column per field of an `sdump -p` format (each
/// named as written, typed as [`strata::export`] types it), one partition per capture, so
/// DataFusion reads as many captures at once as it has threads.
#[derive(Debug)]
pub struct CaptureTable {
    captures: Vec<PathBuf>,
    columns: Columns,
}

impl CaptureTable {
    /// A table of `captures` with the columns `format` names (`"%evt.num %proc.name"`).
    pub fn new(captures: Vec<PathBuf>, format: &str) -> Result<Self> {
        let columns = Columns::parse(Registry::builtin(), format)
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        Ok(CaptureTable { captures, columns })
    }
}

#[async_trait]
impl TableProvider for CaptureTable {
    fn schema(&self) -> SchemaRef {
        self.columns.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    /// Conditions strata-filter can test are pushed down; DataFusion still applies them
    /// (`Inexact`), which keeps the SQL's own null and type rules the final word.
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        let schema = self.schema();
        Ok(filters
            .iter()
            .map(|e| match pushdown::translate(e, &schema) {
                Some(_) => TableProviderFilterPushDown::Inexact,
                None => TableProviderFilterPushDown::Unsupported,
            })
            .collect())
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let columns = match projection {
            Some(p) => self.columns.project(p),
            None => self.columns.clone(),
        };
        let filter = filter_text(filters, &self.schema());
        let schema = columns.schema();
        let partitions: Vec<Arc<dyn PartitionStream>> = self
            .captures
            .iter()
            .map(|path| {
                Arc::new(CaptureScan {
                    path: path.clone(),
                    columns: columns.clone(),
                    filter: filter.clone(),
                }) as Arc<dyn PartitionStream>
            })
            .collect();
        let exec = StreamingTableExec::try_new(schema, partitions, None, [], false, None)?;
        Ok(Arc::new(exec))
    }
}

/// One capture's scan: the events that pass the pushed-down filter, as batches of the
/// projected columns.
struct CaptureScan {
    path: PathBuf,
    columns: Columns,
    filter: Option<String>,
}

impl fmt::Debug for CaptureScan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureScan")
            .field("path", &self.path)
            .field("filter", &self.filter)
            .finish()
    }
}

impl PartitionStream for CaptureScan {
    fn schema(&self) -> &SchemaRef {
        // The schema lives in the columns; StreamingTableExec compares it with the plan's.
        self.columns.schema_ref()
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let mut builder = RecordBatchReceiverStream::builder(self.columns.schema(), 2);
        let tx = builder.tx();
        let (path, columns, filter) =
            (self.path.clone(), self.columns.clone(), self.filter.clone());
        builder.spawn_blocking(move || {
            let external = |e: strata::Error| DataFusionError::External(Box::new(e));
            let mut events = strata::Events::open(&path).map_err(external)?;
            if let Some(f) = &filter {
                events = events.filter(f).map_err(external)?;
            }
            let mut batches = Batches::new(&columns, BATCH_ROWS);
            while let Some(ev) = events.next() {
                let ev = ev.map_err(external)?;
                if let Some(b) = batches.push(&ev)
                    && tx.blocking_send(Ok(b)).is_err()
                {
                    // The query stopped reading (a LIMIT met, or cancelled).
                    return Ok(());
                }
            }
            if let Some(b) = batches.finish() {
                let _ = tx.blocking_send(Ok(b));
            }
            Ok(())
        });
        builder.build()
    }
}

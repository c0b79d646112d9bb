//! SQL conditions as strata-filter text: what a capture scan can refuse before it builds a
//! row. Only conditions whose filter selects every row the SQL keeps are translated (the
//! filter may keep more: `fd.port` matches either end, `proc.aname` any ancestor), since
//! DataFusion applies each condition again after the scan.

use datafusion::arrow::datatypes::{DataType, Schema, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{BinaryExpr, Expr, Like, Operator};

/// The filter for all of `filters` (SQL's `AND` of them), or `None` when none translates.
pub fn filter_text(filters: &[Expr], schema: &Schema) -> Option<String> {
    let parts: Vec<String> = filters
        .iter()
        .filter_map(|e| translate(e, schema))
        .collect();
    match parts.len() {
        0 => None,
        1 => parts.into_iter().next(),
        _ => Some(
            parts
                .iter()
                .map(|p| format!("({p})"))
                .collect::<Vec<_>>()
                .join(" and "),
        ),
    }
}

/// A condition as filter text, when the filter selects at least the rows it keeps and
/// compiles in both eras' dialects (a capture's era is known only once it is read).
pub(crate) fn translate(e: &Expr, schema: &Schema) -> Option<String> {
    condition(e, schema).filter(|text| compiles(text))
}

fn compiles(text: &str) -> bool {
    use strata::dissect::{FilterSchema, Flavor, Registry};
    use strata::filter::{Dialect, ParseOptions, compile, parse_with};
    [
        (Dialect::Libsinsp, Flavor::Libsinsp025),
        (Dialect::Sysdig029, Flavor::Sysdig029),
    ]
    .into_iter()
    .all(|(dialect, flavor)| {
        parse_with(text, ParseOptions::default().with_dialect(dialect))
            .is_ok_and(|e| compile(&FilterSchema::new(Registry::builtin(), flavor), &e).is_ok())
    })
}

fn condition(e: &Expr, schema: &Schema) -> Option<String> {
    match e {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match op {
            // One side is enough: the filter then keeps more rows, never fewer.
            Operator::And => match (condition(left, schema), condition(right, schema)) {
                (Some(l), Some(r)) => Some(format!("({l}) and ({r})")),
                (Some(one), None) | (None, Some(one)) => Some(one),
                (None, None) => None,
            },
            Operator::Or => Some(format!(
                "({}) or ({})",
                condition(left, schema)?,
                condition(right, schema)?
            )),
            _ => compare(left, *op, right, schema),
        },
        Expr::Column(_) => {
            let (name, ty) = column(e, schema)?;
            (ty == DataType::Boolean).then(|| format!("{name} = true"))
        }
        Expr::IsNotNull(inner) => {
            let (name, _) = column(inner, schema)?;
            Some(format!("{name} exists"))
        }
        Expr::InList(list) if !list.negated => {
            let (name, ty) = column(&list.expr, schema)?;
            let values: Option<Vec<String>> = list.list.iter().map(|v| literal(v, &ty)).collect();
            Some(format!("{name} in ({})", values?.join(", ")))
        }
        Expr::Like(like) => like_text(like, schema),
        _ => None,
    }
}

/// `column OP literal`, or the other way round.
fn compare(left: &Expr, op: Operator, right: &Expr, schema: &Schema) -> Option<String> {
    let (col, lit, op) = match column(left, schema) {
        Some(c) => (c, right, op),
        None => (column(right, schema)?, left, op.swap()?),
    };
    let (name, ty) = col;
    let value = literal(lit, &ty)?;
    let sym = match op {
        Operator::Eq => "=",
        Operator::NotEq => "!=",
        Operator::Lt if ordered(&ty) => "<",
        Operator::LtEq if ordered(&ty) => "<=",
        Operator::Gt if ordered(&ty) => ">",
        Operator::GtEq if ordered(&ty) => ">=",
        _ => return None,
    };
    Some(format!("{name} {sym} {value}"))
}

/// `column LIKE 'abc%'` (and `'%abc'`, `'%abc%'`) as startswith, endswith, contains.
fn like_text(like: &Like, schema: &Schema) -> Option<String> {
    if like.negated || like.case_insensitive || like.escape_char.is_some() {
        return None;
    }
    let (name, ty) = column(&like.expr, schema)?;
    if ty != DataType::Utf8 {
        return None;
    }
    let p = match like.pattern.as_ref() {
        Expr::Literal(
            ScalarValue::Utf8(Some(p))
            | ScalarValue::LargeUtf8(Some(p))
            | ScalarValue::Utf8View(Some(p)),
            _,
        ) => p,
        _ => return None,
    };
    let (op, inner) = match (p.strip_prefix('%'), p.strip_suffix('%')) {
        (Some(rest), _) if rest.ends_with('%') => ("contains", &rest[..rest.len() - 1]),
        (Some(rest), _) => ("endswith", rest),
        (None, Some(rest)) => ("startswith", rest),
        (None, None) => return None,
    };
    if inner.is_empty() || inner.contains(['%', '_']) {
        return None;
    }
    Some(format!("{name} {op} {}", quote(inner)))
}

/// A column of the table (under casts between integer types, which keep its values), with
/// its type; list columns are left to DataFusion.
fn column(e: &Expr, schema: &Schema) -> Option<(String, DataType)> {
    match e {
        Expr::Column(c) => {
            let ty = schema.field_with_name(&c.name).ok()?.data_type().clone();
            // Of the time columns, only the raw one: its filter compares nanoseconds, as the
            // column holds them.
            let raw_time = c.name == "evt.rawtime"
                && matches!(ty, DataType::Timestamp(TimeUnit::Nanosecond, _));
            (matches!(ty, DataType::Utf8 | DataType::Boolean) || is_integer(&ty) || raw_time)
                .then(|| (c.name.clone(), ty))
        }
        Expr::Cast(c) if is_integer(c.field.data_type()) => {
            column(&c.expr, schema).filter(|(_, ty)| is_integer(ty))
        }
        Expr::TryCast(c) if is_integer(c.field.data_type()) => {
            column(&c.expr, schema).filter(|(_, ty)| is_integer(ty))
        }
        _ => None,
    }
}

fn is_integer(ty: &DataType) -> bool {
    ty.is_integer()
}

/// Whether `<` and `>` mean the same to SQL and to the filter: numbers and the raw time.
fn ordered(ty: &DataType) -> bool {
    is_integer(ty) || matches!(ty, DataType::Timestamp(..))
}

/// A literal as a filter value for a column of type `ty`: integers for integer columns,
/// quoted text for text ones, `true`/`false` for booleans.
fn literal(e: &Expr, ty: &DataType) -> Option<String> {
    let Expr::Literal(v, _) = e else {
        return None;
    };
    match (v, ty) {
        (
            ScalarValue::Utf8(Some(s))
            | ScalarValue::LargeUtf8(Some(s))
            | ScalarValue::Utf8View(Some(s)),
            DataType::Utf8,
        ) => Some(quote(s)),
        (ScalarValue::Boolean(Some(b)), DataType::Boolean) => Some(b.to_string()),
        (v, ty) if is_integer(ty) && v.data_type().is_integer() && !v.is_null() => {
            Some(v.to_string())
        }
        (ScalarValue::TimestampNanosecond(Some(ns), _), DataType::Timestamp(..)) => {
            Some(ns.to_string())
        }
        _ => None,
    }
}

/// A filter string, quoted.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::Field;
    use datafusion::prelude::{ident as col, lit};

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("proc.name", DataType::Utf8, true),
            Field::new("evt.rawres", DataType::Int64, true),
            Field::new("fd.rport", DataType::UInt16, true),
            Field::new("evt.is_io_write", DataType::Boolean, true),
            Field::new("evt.latency", DataType::Float64, true),
            Field::new(
                "evt.rawtime",
                DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                true,
            ),
            Field::new(
                "evt.time",
                DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                true,
            ),
        ])
    }

    #[test]
    fn conditions_translate() {
        let s = schema();
        let t = |e: Expr| translate(&e, &s);
        assert_eq!(
            t(col("proc.name").eq(lit("curl"))).as_deref(),
            Some(r#"proc.name = "curl""#)
        );
        assert_eq!(
            t(lit(0i64).lt(col("evt.rawres"))).as_deref(),
            Some("evt.rawres > 0")
        );
        assert_eq!(
            t(col("proc.name").like(lit("ngi%"))).as_deref(),
            Some(r#"proc.name startswith "ngi""#)
        );
        assert_eq!(
            t(col("proc.name").in_list(vec![lit("a\"b"), lit("c")], false)).as_deref(),
            Some(r#"proc.name in ("a\"b", "c")"#)
        );
        assert_eq!(
            t(col("evt.is_io_write")).as_deref(),
            Some("evt.is_io_write = true")
        );
        assert_eq!(
            t(col("fd.rport").is_not_null()).as_deref(),
            Some("fd.rport exists")
        );
        // Half an AND is enough; half an OR is not.
        assert_eq!(
            t(col("proc.name")
                .eq(lit("x"))
                .and(col("evt.latency").gt(lit(1.0))))
            .as_deref(),
            Some(r#"proc.name = "x""#)
        );
        assert_eq!(
            t(col("proc.name")
                .eq(lit("x"))
                .or(col("evt.latency").gt(lit(1.0)))),
            None
        );
        // Text has no order here, and NOT is left to DataFusion.
        assert_eq!(t(col("proc.name").gt(lit("m"))), None);
        assert_eq!(t(datafusion::prelude::not(col("evt.is_io_write"))), None);
        assert_eq!(t(col("proc.name").like(lit("a_b%"))), None);
        // The raw time, by nanoseconds; other time columns are left to DataFusion.
        let at = |ns| {
            lit(ScalarValue::TimestampNanosecond(
                Some(ns),
                Some("UTC".into()),
            ))
        };
        assert_eq!(
            t(col("evt.rawtime").gt_eq(at(1_534_527_348_000_000_000))).as_deref(),
            Some("evt.rawtime >= 1534527348000000000")
        );
        assert_eq!(t(col("evt.time").gt_eq(at(1))), None);
    }
}

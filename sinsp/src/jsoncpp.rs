//! How libsinsp's JSON library (jsoncpp) turns values into text, for the JSON that captures
//! carry (container and orchestrator events).

use serde_json::Value as J;

/// jsoncpp's `asString`: text as is, `null` as empty, booleans as `true`/`false`, integers in
/// decimal and other numbers as C's `%.17g` (with `.0` added when that shows no point or
/// exponent: `3.0`, `0.10000000000000001`, `1e+20`). `None` for arrays and objects, which
/// jsoncpp refuses to convert.
pub(crate) fn as_string(v: &J) -> Option<String> {
    Some(match v {
        J::Null => String::new(),
        J::String(s) => s.clone(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.to_string()
            } else if let Some(u) = n.as_u64() {
                u.to_string()
            } else {
                real_text(n.as_f64().unwrap_or(0.0))
            }
        }
        J::Array(_) | J::Object(_) => return None,
    })
}

/// jsoncpp's `isInt`: an integer, or an integral real, within the range of a C `int`; with
/// its value.
pub(crate) fn as_int(v: &J) -> Option<i32> {
    let n = v.as_number()?;
    if let Some(i) = n.as_i64() {
        return i32::try_from(i).ok();
    }
    if n.as_u64().is_some() {
        return None;
    }
    let f = n.as_f64()?;
    (f.fract() == 0.0 && f >= f64::from(i32::MIN) && f <= f64::from(i32::MAX)).then_some(f as i32)
}

/// A real number as jsoncpp writes it: `%.17g`, then `.0` when it shows neither point nor
/// exponent.
fn real_text(x: f64) -> String {
    if !x.is_finite() {
        // JSON has no such numbers; jsoncpp would print these names.
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    const PREC: i32 = 17;
    // 17 significant digits, correctly rounded: `d.dddddddddddddddde<exp>`.
    let sci = format!("{:.*e}", (PREC - 1) as usize, x);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut out = if !(-4..PREC).contains(&exp) {
        let m = trim_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.unsigned_abs())
    } else {
        let decimals = (PREC - 1 - exp).max(0) as usize;
        trim_zeros(&format!("{:.*}", decimals, x)).to_owned()
    };
    if !out.contains(['.', 'e']) {
        out.push_str(".0");
    }
    out
}

/// `%g`'s removal of trailing zeros after the point (and of a bare point).
fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_jsoncpp_writes_them() {
        let t = |s: &str| as_string(&serde_json::from_str(s).unwrap()).unwrap();
        assert_eq!(t("1.5"), "1.5");
        assert_eq!(t("0.1"), "0.10000000000000001");
        assert_eq!(t("1e20"), "1e+20");
        assert_eq!(t("3.0"), "3.0");
        assert_eq!(t("-7"), "-7");
        assert_eq!(t("18446744073709551615"), "18446744073709551615");
        assert_eq!(t("1e-5"), "1.0000000000000001e-05");
        assert_eq!(t("123456.75"), "123456.75");
        assert_eq!(t("1e16"), "10000000000000000.0");
        assert_eq!(t("1e17"), "1e+17");
        assert_eq!(t("0.0001"), "0.0001");
        assert_eq!(t("true"), "true");
        assert_eq!(t("null"), "");
        assert!(as_string(&serde_json::json!([])).is_none());
    }

    #[test]
    fn ints_as_jsoncpp_sees_them() {
        let i = |s: &str| as_int(&serde_json::from_str(s).unwrap());
        assert_eq!(i("2"), Some(2));
        assert_eq!(i("2.0"), Some(2));
        assert_eq!(i("2.5"), None);
        assert_eq!(i("3000000000"), None);
        assert_eq!(i("\"2\""), None);
    }
}

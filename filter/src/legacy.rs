//! sysdig 0.29.3's reading of filter text (libsinsp of 2022), into the same [`Expr`].
//!
//! The 2022 compiler had no grammar: a character scanner built the checks as it went. Its
//! reading differs from today's in ways that change what a filter selects, so
//! [`Dialect::Sysdig029`](crate::Dialect::Sysdig029) reads a filter this way first, and only
//! if it refuses the text reads it with today's grammar. What it does:
//!
//! * `and`, `or` and `not` are found letter by letter, blanks allowed between the letters;
//!   every word that starts with `n` outside a check is read as `not`.
//! * `not` sets a "not" bit on the pending operator rather than toggling (`not not x` is
//!   `not x`); the pending operator is not reset after a check, so `x and y not z` is
//!   `x and y and not z`, while `x not y` is just `x` (a check with no `and`/`or` after the
//!   first is ignored).
//! * No precedence: `and` and `or` at one level of parentheses are refused.
//! * A field name ends at a blank or one of `( ) ! = < >`; operators need no blank around
//!   them, and are tried in the order `= != <= < >= > contains icontains startswith endswith
//!   glob in intersects pmatch exists` (so `==` is `=` with a value starting with `=`).
//! * A value ends at a blank or a parenthesis (and a comma in a list), or, quoted, at the
//!   next quote of either kind; `\\`, `\"` and `\xHH` are escapes in every value, any other
//!   backslash stays. Empty values are values: `in ()` is `in ("")`.

use crate::Error;
use crate::ast::{Check, Expr, Field, Op, Operand, Rhs};

/// One boolean operator as the 2022 compiler kept it: and/or, and a "not" bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BoolOp {
    kind: Kind,
    not: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    None,
    And,
    Or,
}

const NONE: BoolOp = BoolOp {
    kind: Kind::None,
    not: false,
};

/// An expression being built: its children with the operator each was added with.
struct Group {
    op: BoolOp,
    start: usize,
    children: Vec<(BoolOp, Expr)>,
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

fn is_special(c: u8) -> bool {
    matches!(c, b'(' | b')' | b'!' | b'=' | b'<' | b'>')
}

struct Scanner<'t> {
    text: &'t [u8],
    /// The scan position; −1 before the first character, as in the 2022 code.
    pos: isize,
}

impl Scanner<'_> {
    fn at(&self, i: isize) -> u8 {
        if i < 0 {
            return 0;
        }
        self.text.get(i as usize).copied().unwrap_or(0)
    }

    fn cur(&self) -> u8 {
        self.at(self.pos)
    }

    fn len(&self) -> isize {
        self.text.len() as isize
    }

    fn err(&self, msg: impl Into<String>) -> Error {
        Error::syntax(msg, self.pos.clamp(0, self.len()) as usize)
    }

    /// The next character that is not blank, 0 at the end.
    fn next(&mut self) -> u8 {
        loop {
            self.pos += 1;
            if self.pos >= self.len() {
                return 0;
            }
            if !is_blank(self.cur()) {
                return self.cur();
            }
        }
    }

    /// A field name (`first`) or a value, as the 2022 scanner reads it; leaves the position
    /// on the character that ended it (or before a bracket or comma that did).
    fn operand(&mut self, first: bool, in_list: bool) -> Result<Vec<u8>, Error> {
        if is_blank(self.cur()) {
            self.next();
        }
        let mut quoted = false;
        if self.pos < self.len() && matches!(self.cur(), b'"' | b'\'') {
            quoted = true;
            self.pos += 1;
        }
        let start = self.pos.max(0) as usize;
        let mut out = Vec::new();
        #[derive(PartialEq)]
        enum Esc {
            Normal,
            Slash,
            Hex(u8, u8),
        }
        let mut esc = Esc::Normal;
        while self.pos < self.len() {
            let c = self.cur();
            let end = if first {
                is_blank(c) || is_special(c)
            } else {
                (!quoted && (is_blank(c) || c == b'(' || c == b')' || (in_list && c == b',')))
                    || (quoted && esc != Esc::Slash && (c == b'"' || c == b'\''))
            };
            if end {
                if esc != Esc::Normal {
                    return Err(self.bad_escape(start));
                }
                if c == b'(' || c == b')' || (in_list && c == b',') {
                    self.pos -= 1;
                }
                return Ok(out);
            }
            esc = match esc {
                Esc::Normal if c == b'\\' && !first => Esc::Slash,
                Esc::Normal => {
                    out.push(c);
                    Esc::Normal
                }
                Esc::Slash => match c {
                    b'\\' | b'"' => {
                        out.push(c);
                        Esc::Normal
                    }
                    b'x' => Esc::Hex(0, 0),
                    _ => {
                        out.extend_from_slice(&[b'\\', c]);
                        Esc::Normal
                    }
                },
                Esc::Hex(n, v) => {
                    let Some(d) = (c as char).to_digit(16) else {
                        return Err(self.bad_escape(start));
                    };
                    let v = v * 16 + d as u8;
                    if n == 1 {
                        out.push(v);
                        Esc::Normal
                    } else {
                        Esc::Hex(1, v)
                    }
                }
            };
            self.pos += 1;
        }
        // A backslash (or \x) the text ends in is dropped.
        if quoted {
            return Err(self.err("filter error: unclosed quotes"));
        }
        Ok(out)
    }

    fn bad_escape(&self, start: usize) -> Error {
        let end = (self.pos.max(0) as usize).min(self.text.len());
        self.err(format!(
            "filter error: unrecognized escape sequence at {}",
            String::from_utf8_lossy(&self.text[start.min(end)..end])
        ))
    }

    fn operator(&mut self) -> Result<Op, Error> {
        if is_blank(self.cur()) {
            self.next();
        }
        let start = self.pos.max(0) as usize;
        const OPS: [(&str, Op); 15] = [
            ("=", Op::Eq),
            ("!=", Op::Ne),
            ("<=", Op::Le),
            ("<", Op::Lt),
            (">=", Op::Ge),
            (">", Op::Gt),
            ("contains", Op::Contains),
            ("icontains", Op::IContains),
            ("startswith", Op::StartsWith),
            ("endswith", Op::EndsWith),
            ("glob", Op::Glob),
            ("in", Op::In),
            ("intersects", Op::Intersects),
            ("pmatch", Op::PMatch),
            ("exists", Op::Exists),
        ];
        let rest = self.text.get(start..).unwrap_or_default();
        for (s, op) in OPS {
            if rest.starts_with(s.as_bytes()) {
                self.pos += s.len() as isize;
                return Ok(op);
            }
        }
        Err(self.err(format!(
            "filter error: unrecognized comparison operator after {}",
            String::from_utf8_lossy(&self.text[..start.min(self.text.len())])
        )))
    }
}

/// Reads `text` as sysdig 0.29.3 did. An empty text is an error here (sysdig took it as no
/// filter).
///
/// Parentheses nest at most `max_depth` deep (the 2022 compiler had no bound).
pub(crate) fn parse_legacy(text: &str, max_depth: u32) -> Result<Expr, Error> {
    let mut s = Scanner {
        text: text.as_bytes(),
        pos: -1,
    };
    let mut pending = NONE;
    let mut need = true;
    let mut stack = vec![Group {
        op: NONE,
        start: 0,
        children: Vec::new(),
    }];
    loop {
        let c = s.next();
        match c {
            0 => {
                if stack.len() != 1 || need {
                    return Err(s.err("filter error: unexpected end of filter"));
                }
                let root = stack.pop().expect("root");
                return finish(root, text.len(), &s);
            }
            b'(' => {
                if !need {
                    return Err(s.err(format!(
                        "unexpected '(' after {}",
                        &text[..(s.pos as usize).min(text.len())]
                    )));
                }
                if stack.len() > max_depth as usize {
                    return Err(s.err(format!("exceeded max depth limit of {max_depth}")));
                }
                stack.push(Group {
                    op: pending,
                    start: s.pos as usize,
                    children: Vec::new(),
                });
                pending = NONE;
            }
            b')' => {
                if stack.len() == 1 {
                    // The 2022 compiler popped its root here and crashed on what followed.
                    return Err(s.err("filter error: unexpected end of filter"));
                }
                let g = stack.pop().expect("group");
                let op = g.op;
                let e = finish(g, s.pos as usize + 1, &s)?;
                stack.last_mut().expect("parent").children.push((op, e));
            }
            b'o' | b'a' if s.pos != 0 && !need => {
                let ok = if c == b'o' {
                    s.next() == b'r'
                } else {
                    s.next() == b'n' && s.next() == b'd'
                };
                if !ok {
                    return Err(s.err("syntax error in filter"));
                }
                pending = BoolOp {
                    kind: if c == b'o' { Kind::Or } else { Kind::And },
                    not: false,
                };
                need = true;
            }
            b'n' => {
                if !(s.next() == b'o' && s.next() == b't') {
                    return Err(s.err("syntax error in filter"));
                }
                pending.not = true;
                need = true;
            }
            _ if need => {
                let (e, after) = check(&mut s)?;
                stack.last_mut().expect("group").children.push((pending, e));
                if let Some(p) = after {
                    pending = p;
                }
                need = false;
            }
            _ => return Err(s.err("syntax error in filter")),
        }
    }
}

/// One check at the scan position; the pending operator after it if the check changed it
/// (an `in` list on a field that is not text reset it, but which fields those are is known
/// only when compiling, so this reader leaves it).
fn check(s: &mut Scanner<'_>) -> Result<(Expr, Option<BoolOp>), Error> {
    let start = s.pos.max(0) as usize;
    let name_bytes = s.operand(true, false)?;
    let name = String::from_utf8_lossy(&name_bytes).into_owned();
    let name_end = s.pos.max(0) as usize;
    let mut field = split_field(name, start..name_end);
    let op_start = if is_blank(s.cur()) {
        // The operator starts after the blanks.
        let mut i = s.pos;
        while is_blank(s.at(i)) {
            i += 1;
        }
        i as usize
    } else {
        s.pos.max(0) as usize
    };
    let op = s.operator()?;
    let op_span = op_start..s.pos.max(0) as usize;
    // The 2022 compiler rewrote `in` on a field that is not text into `=` checks on copies
    // of the field that lost what its name said: `proc.apid[N] in (...)` compared the
    // process's own pid.
    if op == Op::In && field.name == "proc.apid" {
        field.arg = Some("0".into());
    }
    let right = match op {
        Op::In | Op::Intersects | Op::PMatch => {
            if is_blank(s.cur()) {
                s.next();
            }
            if s.cur() != b'(' {
                return Err(s.err("expected '(' after 'in/intersects/pmatch' operand"));
            }
            let list_start = s.pos as usize;
            s.pos += 1;
            let mut items = Vec::new();
            loop {
                let at = s.pos.max(0) as usize;
                let v = s.operand(false, true)?;
                items.push((v, at..(s.pos.max(0) as usize)));
                match s.next() {
                    b')' => break,
                    b',' => s.pos += 1,
                    _ => {
                        return Err(s.err(
                            "expected either ')' or ',' after a value inside the 'in/pmatch' clause",
                        ));
                    }
                }
            }
            Rhs::List(items, list_start..s.pos as usize + 1)
        }
        Op::Exists => {
            s.pos -= 1;
            Rhs::None
        }
        _ => {
            let at = s.pos.max(0) as usize;
            let v = s.operand(false, false)?;
            Rhs::Value(v, at..(s.pos.max(0) as usize))
        }
    };
    let end = (s.pos + 1).clamp(0, s.len()) as usize;
    Ok((
        Expr::Check(Box::new(Check {
            left: Operand::Field(field),
            op,
            modifier: None,
            right,
            span: start..end,
            op_span,
        })),
        None,
    ))
}

/// `name[arg]` into the name and its argument.
fn split_field(name: String, span: std::ops::Range<usize>) -> Field {
    if let (Some(open), true) = (name.find('['), name.ends_with(']')) {
        return Field {
            arg: Some(name[open + 1..name.len() - 1].to_string()),
            name: name[..open].to_string(),
            span,
        };
    }
    Field {
        name,
        arg: None,
        span,
    }
}

/// A finished group as one expression, as the 2022 evaluator read it: the first child
/// (negated by a "not" bit), then each later child joined by its and/or (a later child
/// without one is ignored); mixing and and or is refused.
fn finish(g: Group, end: usize, s: &Scanner<'_>) -> Result<Expr, Error> {
    let span = g.start..end;
    let mut kind = Kind::None;
    let mut parts = Vec::with_capacity(g.children.len());
    for (i, (op, e)) in g.children.into_iter().enumerate() {
        let e = if op.not {
            Expr::Not(Box::new(e), span.clone())
        } else {
            e
        };
        if i == 0 {
            parts.push(e);
            continue;
        }
        match (kind, op.kind) {
            (_, Kind::None) => continue,
            (Kind::None, k) => kind = k,
            (k, k2) if k != k2 => {
                return Err(Error::syntax(
                    "expression mixes 'and' and 'or' in an ambiguous way. Please use brackets.",
                    end.min(s.text.len()),
                ));
            }
            _ => {}
        }
        parts.push(e);
    }
    Ok(match (kind, parts.len()) {
        (_, 1) => parts.pop().expect("one"),
        (Kind::Or, _) => Expr::Or(parts, span),
        // No child at all: true, as the 2022 evaluator had it.
        _ => Expr::And(parts, span),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        parse_legacy(s, 100)
            .unwrap_or_else(|e| panic!("{s:?}: {}", e.render(s)))
            .to_string()
    }

    #[test]
    fn readings_of_2022() {
        assert_eq!(ok("proc.name==curl"), "proc.name = \"=curl\"");
        assert_eq!(ok("proc.name=a=b"), "proc.name = \"a=b\"");
        assert_eq!(
            ok("evt.num>1 a n d evt.num<5"),
            "(evt.num > 1 and evt.num < 5)"
        );
        assert_eq!(ok("not not proc.name=x"), "not (proc.name = x)");
        assert_eq!(ok("evt.num<1060 not evt.num>1050"), "evt.num < 1060");
        assert_eq!(
            ok("a.b=1 and c.d=2 not e.f=3"),
            "(a.b = 1 and c.d = 2 and not (e.f = 3))"
        );
        assert_eq!(ok("(a.b=1 and) c.d=2"), "(a.b = 1 and c.d = 2)");
        assert_eq!(ok("proc.name containscurl"), "proc.name contains curl");
        assert_eq!(ok("fd.name in ()"), "fd.name in (\"\")");
        assert_eq!(ok("fd.name in (,x)"), "fd.name in (\"\", x)");
        assert_eq!(ok("proc.name='curl\""), "proc.name = curl");
        assert_eq!(ok("proc.name=c\\x75rl"), "proc.name = curl");
        assert_eq!(ok("proc.name=\"a\\tb\""), "proc.name = \"a\\x5ctb\"");
        assert_eq!(ok("proc.name="), "proc.name = \"\"");
        assert_eq!(ok("x.y exists and a.b=1"), "(x.y exists and a.b = 1)");
        assert_eq!(ok("x.y existsand a.b=1"), "(x.y exists and a.b = 1)");
        assert_eq!(ok("proc.aname[2]=bash"), "proc.aname[2] = bash");
        assert!(parse_legacy_100("a.b=1 and c.d=2 or e.f=3").is_err());
        assert!(parse_legacy_100("a.b=1 and").is_err());
        assert!(parse_legacy_100("a.b intersects (x)").is_err());
        assert!(parse_legacy_100("a.b=\"x").is_err());
        assert!(parse_legacy_100("a.b=x\\ y").is_err());
        assert_eq!(ok("proc.name contains \\"), "proc.name contains \"\"");
        assert_eq!(ok("proc.apid[2] in (1)"), "proc.apid[0] in (1)");
        assert!(parse_legacy_100("a.b=1) and c.d=2").is_err());
        let deep = "(".repeat(50_000) + "a.b=1" + &")".repeat(50_000);
        assert!(parse_legacy(&deep, 100).is_err());
        let nested = "(a.b=1 and ".repeat(50) + "a.b=1" + &")".repeat(50);
        assert!(parse_legacy(&nested, 100).is_ok());
    }

    fn parse_legacy_100(s: &str) -> Result<Expr, Error> {
        parse_legacy(s, 100)
    }
}

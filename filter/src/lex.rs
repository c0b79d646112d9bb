//! The tokens of the filter language, recognised where the parser asks for them.
//!
//! libsinsp's lexer is driven by its parser: what a token is depends on where it stands (`a.b`
//! is a field on the left of an operator and a bare string on the right). So the lexer here
//! is a cursor with one recogniser per token class, each consuming the token at the cursor
//! or nothing. The classes are libsinsp's (POSIX longest match):
//!
//! | class | pattern |
//! |---|---|
//! | blank | `[ \t\b\r\n]` |
//! | identifier | `[a-zA-Z]+[a-zA-Z0-9_]*` |
//! | field name | identifier (`.` identifier)+ |
//! | field argument | `[^][\"'[:space:]]+` |
//! | hex number | `0[xX][0-9a-fA-F]+` |
//! | number | `[+-]?[0-9]+\.?[0-9]*([eE][+-][0-9]+)?` |
//! | quoted string | `"..."` or `'...'`, ended by a quote not preceded by `\` |
//! | bare string | `[^()\"'[:space:]=,]+` |

use crate::Error;

/// The cursor over the filter text.
#[derive(Debug, Clone)]
pub(crate) struct Lexer<'t> {
    pub text: &'t str,
    pub pos: usize,
}

fn is_space_class(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic()
}

fn is_ident_rest(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl<'t> Lexer<'t> {
    pub fn new(text: &'t str) -> Self {
        Lexer { text, pos: 0 }
    }

    fn bytes(&self) -> &'t [u8] {
        &self.text.as_bytes()[self.pos..]
    }

    /// The byte at the cursor; 0 at the end (libsinsp reads a C string).
    pub fn peek(&self) -> u8 {
        self.bytes().first().copied().unwrap_or(0)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// Skips blanks; whether there was one.
    pub fn blank(&mut self) -> bool {
        let n = self
            .bytes()
            .iter()
            .take_while(|&&c| matches!(c, b' ' | b'\t' | b'\x08' | b'\r' | b'\n'))
            .count();
        self.pos += n;
        n > 0
    }

    /// Consumes `s` if the text at the cursor starts with it.
    pub fn lit(&mut self, s: &str) -> bool {
        if self.bytes().starts_with(s.as_bytes()) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// Consumes `word` when a blank follows it, with the blanks.
    pub fn word_then_blank(&mut self, word: &str) -> bool {
        let save = self.pos;
        if self.lit(word) && self.blank() {
            return true;
        }
        self.pos = save;
        false
    }

    fn take(&mut self, n: usize) -> Option<&'t str> {
        if n == 0 {
            return None;
        }
        let s = &self.text[self.pos..self.pos + n];
        self.pos += n;
        Some(s)
    }

    fn ident_len(b: &[u8]) -> usize {
        let letters = b.iter().take_while(|&&c| is_ident_start(c)).count();
        if letters == 0 {
            return 0;
        }
        letters
            + b[letters..]
                .iter()
                .take_while(|&&c| is_ident_rest(c))
                .count()
    }

    pub fn identifier(&mut self) -> Option<&'t str> {
        let n = Self::ident_len(self.bytes());
        self.take(n)
    }

    /// Whether an identifier starts at the cursor (nothing consumed).
    pub fn identifier_follows(&self) -> bool {
        Self::ident_len(self.bytes()) > 0
    }

    pub fn field_name(&mut self) -> Option<&'t str> {
        let b = self.bytes();
        let mut n = Self::ident_len(b);
        if n == 0 {
            return None;
        }
        let mut parts = 1;
        while b.get(n) == Some(&b'.') {
            let more = Self::ident_len(&b[n + 1..]);
            if more == 0 {
                break;
            }
            n += 1 + more;
            parts += 1;
        }
        if parts < 2 {
            return None;
        }
        self.take(n)
    }

    pub fn field_arg_bare(&mut self) -> Option<&'t str> {
        let n = self
            .bytes()
            .iter()
            .take_while(|&&c| !matches!(c, b'[' | b']' | b'"' | b'\'') && !is_space_class(c))
            .count();
        self.take(n)
    }

    pub fn hex_number(&mut self) -> Option<&'t str> {
        let b = self.bytes();
        if b.len() >= 3 && b[0] == b'0' && matches!(b[1], b'x' | b'X') {
            let digits = b[2..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
            if digits > 0 {
                return self.take(2 + digits);
            }
        }
        None
    }

    pub fn number(&mut self) -> Option<&'t str> {
        let b = self.bytes();
        let mut n = usize::from(matches!(b.first(), Some(b'+' | b'-')));
        let digits = b[n..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        n += digits;
        if b.get(n) == Some(&b'.') {
            n += 1;
        }
        n += b[n..].iter().take_while(|c| c.is_ascii_digit()).count();
        if matches!(b.get(n), Some(b'e' | b'E'))
            && matches!(b.get(n + 1), Some(b'+' | b'-'))
            && b.get(n + 2).is_some_and(|c| c.is_ascii_digit())
        {
            n += 2;
            n += b[n..].iter().take_while(|c| c.is_ascii_digit()).count();
        }
        self.take(n)
    }

    pub fn bare_string(&mut self) -> Option<&'t str> {
        let n = self
            .bytes()
            .iter()
            .take_while(|&&c| {
                !matches!(c, b'(' | b')' | b'"' | b'\'' | b'=' | b',') && !is_space_class(c)
            })
            .count();
        self.take(n)
    }

    /// A quoted string, unescaped. `Ok(None)` when no quote is at the cursor or the string
    /// is not closed (libsinsp then tries other tokens); an error for a bad escape.
    pub fn quoted(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let b = self.bytes();
        let Some(&q) = b.first().filter(|&&c| c == b'"' || c == b'\'') else {
            return Ok(None);
        };
        let mut prev = b'\\';
        for (i, &c) in b.iter().enumerate() {
            if c == 0 {
                break;
            }
            if c == q && prev != b'\\' {
                let start = self.pos;
                let raw = &self.text[self.pos..self.pos + i + 1];
                self.pos += i + 1;
                let inner = &raw[1..raw.len() - 1];
                return unescape(inner, q, start + 1).map(Some);
            }
            prev = c;
        }
        Ok(None)
    }
}

/// libsinsp 0.25's string escapes: `\b \f \n \r \t \\ \/ \xHH`, the quote of the string,
/// and `\ ` (a legacy spelling of a backslash).
pub(crate) fn unescape(s: &str, quote: u8, base: usize) -> Result<Vec<u8>, Error> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&e) = b.get(i + 1) else {
            // A lone trailing backslash cannot happen: it would have escaped the quote.
            out.push(c);
            break;
        };
        let at = base + i;
        match e {
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b' ' | b'\\' => out.push(b'\\'),
            b'/' => out.push(b'/'),
            b'"' | b'\'' if e == quote => out.push(e),
            b'"' => return Err(Error::syntax("invalid \\\" escape in '-quoted string", at)),
            b'\'' => return Err(Error::syntax("invalid \\' escape in \"-quoted string", at)),
            b'x' => {
                let hex = b
                    .get(i + 2..i + 4)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit));
                let Some(h) = hex else {
                    return Err(Error::syntax(
                        "truncated or invalid hex char escape sequence",
                        at,
                    ));
                };
                let v = u8::from_str_radix(std::str::from_utf8(h).unwrap_or("0"), 16).unwrap_or(0);
                out.push(v);
                i += 2;
            }
            _ => {
                let ch = s[i + 1..].chars().next().unwrap_or('?');
                return Err(Error::syntax(
                    format!("unsupported string escape sequence: \\{ch}"),
                    at,
                ));
            }
        }
        i += 2;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let mut l = Lexer::new("proc.name[1] x");
        assert_eq!(l.field_name(), Some("proc.name"));
        assert!(l.lit("["));
        assert_eq!(l.field_arg_bare(), Some("1"));
        let mut l = Lexer::new("a.b.");
        assert_eq!(l.field_name(), Some("a.b"));
        assert_eq!(Lexer::new("_a.b").field_name(), None);
        assert_eq!(Lexer::new("a").field_name(), None);
        assert_eq!(Lexer::new("-0.1222e+10x").number(), Some("-0.1222e+10"));
        assert_eq!(Lexer::new("12e5").number(), Some("12"));
        assert_eq!(Lexer::new("0x1Fg").hex_number(), Some("0x1F"));
        assert_eq!(Lexer::new("/a/b*.log)").bare_string(), Some("/a/b*.log"));
        assert_eq!(Lexer::new("a=b").bare_string(), Some("a"));
    }

    #[test]
    fn quoted() {
        let q = |s: &str| {
            Lexer::new(s)
                .quoted()
                .map(|o| o.map(|b| String::from_utf8(b).unwrap()))
        };
        assert_eq!(q(r#""a\tb""#).unwrap().as_deref(), Some("a\tb"));
        assert_eq!(q(r#"'it\'s'"#).unwrap().as_deref(), Some("it's"));
        assert_eq!(q(r#""\x41\x00""#).unwrap().as_deref(), Some("A\0"));
        assert_eq!(q(r#""a\ b""#).unwrap().as_deref(), Some("a\\b"));
        assert!(q(r#""a\'b""#).is_err());
        assert!(q(r#""\q""#).is_err());
        assert!(q(r#""\x4""#).is_err());
        assert_eq!(q(r#""open"#).unwrap(), None);
        assert_eq!(q("x").unwrap(), None);
        // A quote after a backslash does not close, even after an escaped backslash.
        assert_eq!(q(r#""a\\" b""#).unwrap().as_deref(), Some("a\\\" b"));
        assert_eq!(Lexer::new(r#""\xff""#).quoted().unwrap(), Some(vec![0xff]));
    }
}

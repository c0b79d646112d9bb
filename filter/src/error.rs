//! The crate's one error type, with the span it is about and a renderer that points at it.

use std::fmt::Write as _;
use std::ops::Range;

/// Which stage refused the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// The text is not a filter (`parse`).
    Syntax,
    /// The filter parses, but a field, operator or value does not fit (`compile`).
    Check,
}

/// A filter that cannot be parsed or compiled: what is wrong, and where.
///
/// The span is in bytes of the filter text. [`Error::render`] prints the text with a caret line
/// under the fault, as Wireshark's display filters do:
///
/// ```
/// use strata_filter::parse;
/// let text = "proc.name = bash and";
/// let err = parse(text).unwrap_err();
/// assert_eq!(err.render(text), "\
/// expected blank or '(' after 'and'
/// proc.name = bash and
///                     ^");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at byte {})", span.start)]
pub struct Error {
    /// What is wrong.
    pub message: String,
    /// Where, in bytes of the filter text (empty at the end of the text).
    pub span: Range<usize>,
    /// Which stage refused it.
    pub stage: Stage,
}

impl Error {
    pub(crate) fn syntax(message: impl Into<String>, at: usize) -> Self {
        Error {
            message: message.into(),
            span: at..at,
            stage: Stage::Syntax,
        }
    }

    pub(crate) fn check(message: impl Into<String>, span: Range<usize>) -> Self {
        Error {
            message: message.into(),
            span,
            stage: Stage::Check,
        }
    }

    /// The message, then the line of `text` that holds the fault and a caret line under it
    /// (`^` under each byte of the span, one `^` for an empty span).
    pub fn render(&self, text: &str) -> String {
        let start = self.span.start.min(text.len());
        let end = self.span.end.clamp(start, text.len());
        let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let line_end = text[start..]
            .find(['\n', '\r'])
            .map_or(text.len(), |i| start + i);
        let line = &text[line_start..line_end];
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.message);
        out.push_str(line);
        out.push('\n');
        // Columns count characters, tabs kept so the caret lines up under them.
        for c in text[line_start..start].chars() {
            out.push(if c == '\t' { '\t' } else { ' ' });
        }
        let width = text[start..end.min(line_end)].chars().count().max(1);
        out.extend(std::iter::repeat_n('^', width));
        out
    }
}

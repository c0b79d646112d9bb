//! Errors and warnings of loading rules files, placed as Falco places them: the file, the chain
//! of items that leads to the fault (rule, exception, condition...), and a line and column.

use std::fmt::{self, Write as _};

use crate::yaml::Pos;

/// What kind of fault, with Falco's code names (`LOAD_ERR_COMPILE_CONDITION`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// The text is not YAML.
    ErrYamlParse,
    /// YAML, but not the shape of a rules file.
    ErrYamlValidate,
    /// A rule, list or macro that cannot be taken (append to nothing, bad exception...).
    ErrValidate,
    /// A condition that does not parse or compile.
    ErrCompileCondition,
    /// An output that does not compile.
    ErrCompileOutput,
    /// An item of none of the known kinds.
    WarnUnknownItem,
    /// A key no item of its kind has.
    WarnUnknownKey,
    /// A rule of an event source this engine does not have.
    WarnUnknownSource,
    /// A macro no rule or macro uses.
    WarnUnusedMacro,
    /// A list no rule or macro uses.
    WarnUnusedList,
    /// A rule that can match more than 100 event types.
    WarnNoEvttype,
    /// `append: true` and `enabled`-only rules, which `override` replaces.
    WarnDeprecatedItem,
    /// A rule skipped for an unknown field (`skip-if-unknown-filter`).
    WarnUnknownFilter,
    /// A list name Falco's grammar cannot refer to.
    WarnInvalidListName,
    /// A macro name that is not an identifier.
    WarnInvalidMacroName,
    /// Two exceptions of one rule with the same name.
    WarnExceptionNameNotUnique,
    /// An exception appended without values.
    WarnAppendNoValues,
    /// What the filter compiler warns of in a condition.
    WarnCompileCondition,
}

impl Code {
    /// Falco's name of the code.
    pub const fn name(self) -> &'static str {
        match self {
            Code::ErrYamlParse => "LOAD_ERR_YAML_PARSE",
            Code::ErrYamlValidate => "LOAD_ERR_YAML_VALIDATE",
            Code::ErrValidate => "LOAD_ERR_VALIDATE",
            Code::ErrCompileCondition => "LOAD_ERR_COMPILE_CONDITION",
            Code::ErrCompileOutput => "LOAD_ERR_COMPILE_OUTPUT",
            Code::WarnUnknownItem => "LOAD_UNKNOWN_ITEM",
            Code::WarnUnknownKey => "LOAD_UNKNOWN_KEY",
            Code::WarnUnknownSource => "LOAD_UNKNOWN_SOURCE",
            Code::WarnUnusedMacro => "LOAD_UNUSED_MACRO",
            Code::WarnUnusedList => "LOAD_UNUSED_LIST",
            Code::WarnNoEvttype => "LOAD_NO_EVTTYPE",
            Code::WarnDeprecatedItem => "LOAD_DEPRECATED_ITEM",
            Code::WarnUnknownFilter => "LOAD_UNKNOWN_FILTER",
            Code::WarnInvalidListName => "LOAD_INVALID_LIST_NAME",
            Code::WarnInvalidMacroName => "LOAD_INVALID_MACRO_NAME",
            Code::WarnExceptionNameNotUnique => "LOAD_EXCEPTION_NAME_NOT_UNIQUE",
            Code::WarnAppendNoValues => "LOAD_APPEND_NO_VALUES",
            Code::WarnCompileCondition => "LOAD_COMPILE_CONDITION",
        }
    }

    /// Falco's short description of the code.
    pub const fn summary(self) -> &'static str {
        match self {
            Code::ErrYamlParse => "Invalid yaml",
            Code::ErrYamlValidate => "Invalid rules content",
            Code::ErrValidate => "Invalid rule, list or macro",
            Code::ErrCompileCondition => "Error compiling condition",
            Code::ErrCompileOutput => "Error compiling output",
            Code::WarnUnknownItem => "Unknown top level item",
            Code::WarnUnknownKey => "Unknown key",
            Code::WarnUnknownSource => "Unknown event source",
            Code::WarnUnusedMacro => "Unused macro",
            Code::WarnUnusedList => "Unused list",
            Code::WarnNoEvttype => "Rule matches too many event types",
            Code::WarnDeprecatedItem => "Deprecated item",
            Code::WarnUnknownFilter => "Unknown field or event type in condition or output",
            Code::WarnInvalidListName => "Invalid list name",
            Code::WarnInvalidMacroName => "Invalid macro name",
            Code::WarnExceptionNameNotUnique => "Exception name is not unique",
            Code::WarnAppendNoValues => "Overriding/appending exception with no values",
            Code::WarnCompileCondition => "Condition has a problem",
        }
    }

    /// Whether it is an error (else a warning).
    pub const fn is_error(self) -> bool {
        matches!(
            self,
            Code::ErrYamlParse
                | Code::ErrYamlValidate
                | Code::ErrValidate
                | Code::ErrCompileCondition
                | Code::ErrCompileOutput
        )
    }
}

/// One step of the way to a fault: an item, its kind, its name and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The kind of item (`rule`, `exception`, `condition expression`...).
    pub kind: &'static str,
    /// Its name, where it has one.
    pub name: String,
    /// Where it is, in the file (or, for a condition expression, in the condition).
    pub pos: Pos,
}

/// An error or a warning, with the way to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// The file it is in.
    pub file: String,
    /// From the file down to the fault.
    pub path: Vec<Location>,
    /// For a fault inside a condition: the condition as compiled (lists expanded, exceptions
    /// added), and the filter layer's caret rendering of the fault in it.
    pub condition: Option<(String, String)>,
}

impl Diagnostic {
    /// Where the fault is in the file: the deepest location's position.
    pub fn pos(&self) -> Pos {
        self.path
            .iter()
            .rev()
            .find(|l| l.kind != "condition expression")
            .map_or(Pos::default(), |l| l.pos)
    }
}

impl fmt::Display for Diagnostic {
    /// Falco's form: the way to the fault, one line per item, the message with its code, and
    /// for a condition the caret rendering.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        let _ = writeln!(out, "In rules content: ({}:0:0)", self.file);
        for l in &self.path {
            out.push_str("    ");
            out.push_str(l.kind);
            if !l.name.is_empty() {
                let _ = write!(out, " '{}'", l.name);
            }
            let _ = writeln!(out, ": ({}:{})", self.file, l.pos);
        }
        out.push_str("------\n");
        if let Some((_, caret)) = &self.condition {
            out.push_str(caret);
            out.push('\n');
            out.push_str("------\n");
        }
        let _ = write!(
            out,
            "{} ({}): {}",
            self.code.name(),
            self.code.summary(),
            self.message
        );
        f.write_str(&out)
    }
}

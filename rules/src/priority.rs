//! Falco's rule priorities (syslog's severities), most severe first.

use std::fmt;
use std::str::FromStr;

/// How severe a rule's alerts are. Ordered from the most severe: `Emergency < Debug` in
/// `Ord`, so "at least as severe as `min`" is `priority <= min`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// The system is unusable.
    Emergency,
    /// Act at once.
    Alert,
    /// Critical.
    Critical,
    /// An error.
    Error,
    /// A warning.
    Warning,
    /// Normal but significant.
    Notice,
    /// Informational (`INFO` is read as this too).
    Informational,
    /// For debugging.
    Debug,
}

impl Priority {
    /// Every priority, most severe first.
    pub const ALL: [Priority; 8] = [
        Priority::Emergency,
        Priority::Alert,
        Priority::Critical,
        Priority::Error,
        Priority::Warning,
        Priority::Notice,
        Priority::Informational,
        Priority::Debug,
    ];

    /// The name Falco prints in alerts (`Warning`, `Informational`).
    pub const fn name(self) -> &'static str {
        match self {
            Priority::Emergency => "Emergency",
            Priority::Alert => "Alert",
            Priority::Critical => "Critical",
            Priority::Error => "Error",
            Priority::Warning => "Warning",
            Priority::Notice => "Notice",
            Priority::Informational => "Informational",
            Priority::Debug => "Debug",
        }
    }

    /// Whether an alert of this priority passes a minimum of `min` (is as severe or more).
    pub fn at_least(self, min: Priority) -> bool {
        self <= min
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A priority name Falco does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPriority(pub String);

impl fmt::Display for UnknownPriority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown priority value {:?}", self.0)
    }
}

impl std::error::Error for UnknownPriority {}

impl FromStr for Priority {
    type Err = UnknownPriority;

    /// Reads a name in any case; `info` is `Informational`, as Falco reads it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "emergency" => Priority::Emergency,
            "alert" => Priority::Alert,
            "critical" => Priority::Critical,
            "error" => Priority::Error,
            "warning" => Priority::Warning,
            "notice" => Priority::Notice,
            "informational" | "info" => Priority::Informational,
            "debug" => Priority::Debug,
            _ => return Err(UnknownPriority(s.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_in_any_case() {
        for p in Priority::ALL {
            assert_eq!(p.name().parse::<Priority>(), Ok(p));
            assert_eq!(p.name().to_uppercase().parse::<Priority>(), Ok(p));
        }
        assert_eq!("INFO".parse::<Priority>(), Ok(Priority::Informational));
        assert!("loud".parse::<Priority>().is_err());
    }

    #[test]
    fn order_is_severity() {
        assert!(Priority::Critical.at_least(Priority::Warning));
        assert!(Priority::Warning.at_least(Priority::Warning));
        assert!(!Priority::Notice.at_least(Priority::Warning));
    }
}

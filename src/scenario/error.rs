//! Errors in scenario input. Every variant is the user's input at fault (exit code 2 in the CLI)
//! and says where: the file and line, or the `--set` argument, and the key.

use std::fmt;
use std::path::PathBuf;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A position in a scenario file (1-based line and column).
    File {
        file: PathBuf,
        line: usize,
        column: usize,
    },
    /// A `--set KEY=VALUE` argument.
    Set(String),
    /// The built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, line, column } => {
                write!(f, "{}:{line}:{column}", file.display())
            }
            Origin::Set(arg) => write!(f, "--set {arg}"),
            Origin::Default => write!(f, "(default)"),
        }
    }
}

/// One invalid value found when a scenario is resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub origin: Origin,
    /// Dotted key path, e.g. `groups[0].extortion_rate`.
    pub key: String,
    /// What was found and what was expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: key `{}`: {}", self.origin, self.key, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario file {}: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },

    #[error("{origin}: TOML syntax error: {message}")]
    Syntax { origin: Origin, message: String },

    #[error("{origin}: unknown key `{key}`{}", suggestion_text(suggestion))]
    UnknownKey {
        origin: Origin,
        key: String,
        suggestion: Option<String>,
    },

    #[error("{origin}: key `{key}`: {message}")]
    WrongType {
        origin: Origin,
        key: String,
        message: String,
    },

    #[error("{origin}: `extends = \"{target}\"`: no such scenario file {}", resolved.display())]
    MissingExtends {
        origin: Origin,
        target: String,
        resolved: PathBuf,
    },

    #[error("{origin}: `extends` forms a cycle through {}", file.display())]
    ExtendsCycle { origin: Origin, file: PathBuf },

    #[error("--set {arg}: {message}")]
    BadSet { arg: String, message: String },

    #[error("invalid scenario:\n{}", problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid { problems: Vec<Problem> },

    /// A sweep file's own problems (its keys, design and parameters).
    #[error("invalid sweep file:\n{}", problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    InvalidSweep { problems: Vec<Problem> },
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

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
    /// A command-line override, as the user wrote it (`--set KEY=VALUE`, `--ticks 104`).
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
            Origin::Set(written) => write!(f, "{written}"),
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
    // The cause is part of the message, not a chained source, so that it is printed once.
    #[error("cannot read scenario file {}: {cause}", file.display())]
    Read {
        file: PathBuf,
        cause: std::io::Error,
    },

    #[error("cannot read {}: {problem}", file.display())]
    Unreadable { file: PathBuf, problem: String },

    #[error("{}: {hint}", file.display())]
    NotAScenario { file: PathBuf, hint: String },

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

    #[error("{origin}: `extends = \"{target}\"`: {problem}")]
    BadExtends {
        origin: Origin,
        target: String,
        problem: String,
    },

    #[error("{origin}: `extends` forms a cycle: {} is already in the chain", file.display())]
    ExtendsCycle { origin: Origin, file: PathBuf },

    #[error(
        "{origin}: the `extends` chain is longer than {depth} files; make one file hold more of it"
    )]
    ExtendsTooDeep { origin: Origin, depth: usize },

    /// A bad command-line override; `written` is the argument as the user typed it.
    #[error("{written}: {message}")]
    BadSet { written: String, message: String },

    #[error("invalid scenario:\n{}", listing(problems))]
    Invalid { problems: Vec<Problem> },

    /// A sweep file's own problems (its keys, design and parameters).
    #[error("invalid sweep file:\n{}", listing(problems))]
    InvalidSweep { problems: Vec<Problem> },

    /// A calibration file's own problems (its keys, priors, targets and constraints).
    #[error("invalid calibration file:\n{}", listing(problems))]
    InvalidCalibration { problems: Vec<Problem> },
}

/// Problems a message lists before it counts the rest.
pub const MAX_LISTED_PROBLEMS: usize = 20;

/// The first [`MAX_LISTED_PROBLEMS`] problems, one per line, and a count of the others.
fn listing(problems: &[Problem]) -> String {
    let mut lines: Vec<String> = problems
        .iter()
        .take(MAX_LISTED_PROBLEMS)
        .map(|p| format!("  {p}"))
        .collect();
    if problems.len() > MAX_LISTED_PROBLEMS {
        lines.push(format!(
            "  ... and {} more problems (fix these first)",
            problems.len() - MAX_LISTED_PROBLEMS
        ));
    }
    lines.join("\n")
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

/// A number as a message shows it: as written for ordinary values, in scientific notation when
/// it is huge or tiny (`1e308`, not 309 digits), and without binary noise
/// (`1.84`, not `1.8400000000000003`).
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-4..1e15).contains(&magnitude) {
        return format!("{value:e}");
    }
    let shortest = format!("{value}");
    if shortest.len() <= 12 {
        return shortest;
    }
    // Ten significant figures drop the noise of a sum of shares.
    let decimals = (9 - libm::floor(libm::log10(magnitude)) as i32).max(0) as usize;
    let rounded = format!("{value:.decimals$}");
    if rounded.contains('.') {
        rounded
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        rounded
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_in_messages_are_short() {
        assert_eq!(number(1e308), "1e308");
        assert_eq!(number(-2.5e-9), "-2.5e-9");
        assert_eq!(number(5201.0), "5201");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(1.8400000000000003), "1.84");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(123456.5), "123456.5");
    }
}

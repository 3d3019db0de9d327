//! `report.html`: one self-contained page that says what a run or a comparison found and how it
//! was made, for a reader who has neither the command line nor the tables at hand.
//!
//! The page is built from the folder's own files only, so it can be written for any run or
//! comparison folder, old ones included. Figures are embedded as `data:` URIs and the page carries
//! a Content-Security-Policy that forbids anything else: it opens offline and asks for nothing.

pub mod diff;
pub mod facts;
pub mod html;
pub mod sentences;

mod compare;
mod run;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Where `displace report` reads and writes.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A `displace validate` folder (default: `validation` beside the folder reported on).
    pub validation: Option<PathBuf>,
    /// The page (default: `report.html` in the folder).
    pub out: Option<PathBuf>,
}

/// Why a report could not be written. Messages name the file and say what was expected.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "{} is neither a run folder (no summary.json) nor a comparison folder (no compare.json)",
        path.display()
    )]
    NotAResultFolder { path: PathBuf },
    #[error("cannot read {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{}: {message}", path.display())]
    Damaged { path: PathBuf, message: String },
    #[error("cannot write {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
}

impl ReportError {
    /// True when the fault is in the folder read (bad input), not in the machine.
    pub fn is_input(&self) -> bool {
        !matches!(self, ReportError::Write { .. })
    }
}

/// Writes the report of the run or comparison in `dir`; returns the page's path.
pub fn write(dir: &Path, options: &Options) -> Result<PathBuf, ReportError> {
    let page = if dir.join("compare.json").is_file() {
        let validation = options
            .validation
            .clone()
            .or_else(|| default_validation(dir));
        compare::page(dir, validation.as_deref())?
    } else if dir.join("summary.json").is_file() {
        run::page(dir)?
    } else {
        return Err(ReportError::NotAResultFolder {
            path: dir.to_path_buf(),
        });
    };
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| dir.join("report.html"));
    write_atomically(&out, page.as_bytes())?;
    Ok(out)
}

/// `validation` beside `dir`, where `displace validate` writes by default, if it is there.
fn default_validation(dir: &Path) -> Option<PathBuf> {
    let parent = dir.parent()?;
    let beside = if parent.as_os_str().is_empty() {
        PathBuf::from("validation")
    } else {
        parent.join("validation")
    };
    beside.is_dir().then_some(beside)
}

/// Writes `bytes` to a temporary name beside `out`, then renames it: a reader sees the old page
/// or the new one, never half of one.
fn write_atomically(out: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let name = out
        .file_name()
        .map_or("report.html".into(), |n| n.to_string_lossy().into_owned());
    let temp = out.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    let fail = |e: std::io::Error| ReportError::Write {
        path: out.to_path_buf(),
        reason: crate::plot::io_words(&e),
    };
    std::fs::write(&temp, bytes).map_err(fail)?;
    std::fs::rename(&temp, out).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        fail(e)
    })
}

/// A JSON file of the folder.
fn read_json(path: &Path) -> Result<Value, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReportError::Read {
        path: path.to_path_buf(),
        reason: crate::plot::io_words(&e),
    })?;
    serde_json::from_str(&text).map_err(|e| ReportError::Damaged {
        path: path.to_path_buf(),
        message: format!("not valid JSON ({e})"),
    })
}

/// A key of a JSON file that must be there, with what it should hold.
fn required<'a>(
    json: &'a Value,
    path: &Path,
    key: &str,
    expected: &str,
) -> Result<&'a Value, ReportError> {
    json.pointer(&format!("/{}", key.replace('.', "/")))
        .filter(|v| !v.is_null())
        .ok_or_else(|| ReportError::Damaged {
            path: path.to_path_buf(),
            message: format!("key `{key}` is missing, expected {expected}"),
        })
}

/// A JSON value as a reader wants it: text without quotes, numbers as written.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A figure file: its name, MIME type and bytes.
type Figure = (String, &'static str, Vec<u8>);

/// The figures in `plots/` of `dir`: `(file name, MIME type, bytes)`, those named in `first` in
/// that order, then the rest by name. PNG and GIF only (the SVGs are the same figures).
fn figures(dir: &Path, first: &[String]) -> Result<Vec<Figure>, ReportError> {
    let plots = dir.join("plots");
    let Ok(entries) = std::fs::read_dir(&plots) else {
        return Ok(Vec::new());
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png") || n.ends_with(".gif"))
        .collect();
    names.sort_by_key(|n| {
        (
            first.iter().position(|f| f == n).unwrap_or(first.len()),
            n.clone(),
        )
    });
    names
        .into_iter()
        .map(|n| {
            let path = plots.join(&n);
            let bytes = std::fs::read(&path).map_err(|e| ReportError::Read {
                path: path.clone(),
                reason: crate::plot::io_words(&e),
            })?;
            let mime = if n.ends_with(".gif") {
                "image/gif"
            } else {
                "image/png"
            };
            Ok((n, mime, bytes))
        })
        .collect()
}

/// The resolved scenario of a manifest as TOML (JSON if it cannot be written as TOML).
fn scenario_text(scenario: &Value) -> String {
    fn without_nulls(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), without_nulls(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
            other => other.clone(),
        }
    }
    let clean = without_nulls(scenario);
    toml::to_string(&clean)
        .unwrap_or_else(|_| serde_json::to_string_pretty(&clean).unwrap_or_default())
}

/// How long the runs were, in words: "52 weeks" (or days when ticks are not weeks).
fn span(scenario: Option<&Value>) -> String {
    let ticks = scenario
        .and_then(|s| s.pointer("/simulation/ticks"))
        .and_then(Value::as_u64);
    let days = scenario
        .and_then(|s| s.pointer("/simulation/tick_days"))
        .and_then(Value::as_u64)
        .unwrap_or(7);
    match ticks {
        Some(t) if days == 7 => format!("{t} weeks"),
        Some(t) => format!("{} days", t * days),
        None => "the whole run".into(),
    }
}

/// Provenance rows: key and value, both as text.
fn facts_table(rows: &[(String, String)]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|(k, v)| vec![html::escape(k), html::escape(v)])
        .collect();
    html::table(&["", ""], &rows).replace("<thead><tr><th></th><th></th></tr></thead>\n", "")
}

/// The burn-in, in words: a comparison's from its manifest's `burn_in` (how the arms began), a
/// run's from its scenario's `simulation.burn_in`. Nothing without one.
fn burn_in_rows(manifest: &Value) -> Vec<(String, String)> {
    if let Some(b) = manifest.get("burn_in").filter(|b| b.is_object()) {
        let weeks = b.get("weeks").map(plain).unwrap_or_default();
        let keys: Vec<String> = b
            .get("own_burn_in_keys")
            .and_then(Value::as_array)
            .map(|k| k.iter().map(plain).collect())
            .unwrap_or_default();
        let how = if b.get("forked") == Some(&Value::Bool(true)) {
            let saved = b
                .get("seconds_saved")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            format!(
                "{weeks} weeks before tick 0, run once per replicate under the first arm's scenario; every arm was forked from it, so the arms share one history up to tick 0 (about {saved:.1} s saved)"
            )
        } else if keys.is_empty() {
            format!("{weeks} weeks before tick 0; each run burnt in under its own policies")
        } else {
            format!(
                "{weeks} weeks before tick 0; each run burnt in on its own, as the arms differ in {}",
                keys.join(", ")
            )
        };
        return vec![("burn-in".into(), how)];
    }
    let weeks = manifest
        .pointer("/scenario/simulation/burn_in")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if weeks > 0 {
        vec![(
            "burn-in".into(),
            format!("{weeks} weeks before tick 0, not output"),
        )]
    } else {
        Vec::new()
    }
}

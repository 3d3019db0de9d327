//! Reading scenario files: TOML syntax, `extends` chains, `--set` overrides, and a record of where
//! every value came from so that validation errors can point at the file and line.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use super::error::{Origin, ScenarioError};
use super::spec::ScenarioSpec;

/// Where each key path of a merged scenario was set (`groups[0].reach` → file:line:column).
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    entries: BTreeMap<String, Origin>,
}

impl Provenance {
    /// Origin of a key; for a table set key by key (`[world.mix]`), the first of its keys in
    /// the file; otherwise the nearest enclosing key that was set as a whole.
    pub fn origin(&self, key: &str) -> Origin {
        if let Some(origin) = self.entries.get(key) {
            return origin.clone();
        }
        if !key.is_empty()
            && let Some(first) = self.below(key).map(|(_, o)| o).min_by_key(|o| match o {
                Origin::File { line, column, .. } => (0, *line, *column),
                _ => (1, 0, 0),
            })
        {
            return first.clone();
        }
        let mut probe = key;
        loop {
            if let Some(origin) = self.entries.get(probe) {
                return origin.clone();
            }
            match probe.rfind(['.', '[']) {
                Some(i) => probe = &probe[..i],
                None => return self.entries.get("").cloned().unwrap_or(Origin::Default),
            }
        }
    }

    /// Replaces everything at or below `key` with one origin.
    fn set_subtree(&mut self, key: &str, origin: Origin) {
        self.clear_subtree(key);
        self.entries.insert(key.to_string(), origin);
    }

    /// Removes `key` and everything below it. The keys below `key` sort right after it, so
    /// this costs the entries removed, not the whole map (a file with 20,000 events stays fast).
    fn clear_subtree(&mut self, key: &str) {
        let doomed: Vec<String> = std::iter::once(key.to_string())
            .filter(|k| self.entries.contains_key(k))
            .chain(self.below(key).map(|(k, _)| k.clone()))
            .collect();
        for k in doomed {
            self.entries.remove(&k);
        }
    }

    /// Entries strictly below `key` (`key.x`, `key[0]`, ...).
    fn below<'a>(&'a self, key: &'a str) -> impl Iterator<Item = (&'a String, &'a Origin)> + 'a {
        // `.` and `[` are the only separators and sort before letters and digits, so each
        // subtree is one contiguous range starting at `key.` and at `key[`.
        let dot = format!("{key}.");
        let bracket = format!("{key}[");
        let range = |prefix: String| {
            self.entries
                .range(prefix.clone()..)
                .take_while(move |(k, _)| k.starts_with(&prefix))
        };
        range(dot).chain(range(bracket))
    }
}

/// The merged, still unresolved content of a scenario and its provenance.
pub struct Loaded {
    pub spec: ScenarioSpec,
    pub provenance: Provenance,
}

/// A command-line override: the `KEY=VALUE` it sets, and how the user wrote it, so that a
/// message quotes `--ticks 5201` rather than the key it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub assignment: String,
    pub written: String,
}

impl Override {
    /// `--set KEY=VALUE`.
    pub fn set(assignment: impl Into<String>) -> Override {
        let assignment = assignment.into();
        Override {
            written: format!("--set {assignment}"),
            assignment,
        }
    }

    /// A flag that stands for one key, e.g. `--ticks 104` for `simulation.ticks=104`.
    pub fn flag(flag: &str, key: &str, value: impl std::fmt::Display) -> Override {
        Override {
            assignment: format!("{key}={value}"),
            written: format!("{flag} {value}"),
        }
    }

    /// `--set` overrides from `KEY=VALUE` strings.
    pub fn sets(assignments: &[String]) -> Vec<Override> {
        assignments.iter().map(Override::set).collect()
    }
}

/// Reads `path` and the files it extends, then applies `overrides` (`KEY=VALUE` strings, as
/// `--set` gives them).
pub fn load(path: &Path, overrides: &[String]) -> Result<Loaded, ScenarioError> {
    load_with(path, &Override::sets(overrides))
}

/// Reads `path` and the files it extends, then applies `overrides` in order.
pub fn load_with(path: &Path, overrides: &[Override]) -> Result<Loaded, ScenarioError> {
    Base::read(path)?.with(overrides)
}

/// A scenario file and the files it extends, read and merged once, their own `set` entries
/// applied: the base that overrides apply to. A calibration or a sweep keeps one, so that every
/// simulation runs from the files as they were when it started (as its manifest's hash records
/// them), and none reads them again.
#[derive(Debug, Clone)]
pub struct Base {
    merged: toml::Table,
    provenance: Provenance,
}

impl Base {
    /// Reads `path` and the files it extends.
    pub fn read(path: &Path) -> Result<Base, ScenarioError> {
        let mut chain = Vec::new();
        read_chain(path, &mut chain, &mut Vec::new())?;

        // Merge the built-in defaults, then every file from the root ancestor down to the file
        // named on the command line: a partial table keeps the defaults of the keys it does not
        // name.
        let mut merged = match toml::Value::try_from(ScenarioSpec::default()) {
            Ok(toml::Value::Table(defaults)) => defaults,
            _ => toml::Table::new(),
        };
        let mut provenance = Provenance::default();
        for file in chain.into_iter().rev() {
            for (key, value) in file.table {
                if key == "extends" || key == "set" {
                    continue;
                }
                merge_value(&mut merged, key, value);
            }
            for (key, entry) in file.leaves {
                if entry.replaces_subtree {
                    provenance.clear_subtree(&key);
                }
                provenance.entries.insert(key, entry.origin);
            }
            for arg in &file.sets {
                apply_override(&mut merged, &mut provenance, arg)?;
            }
        }
        Ok(Base { merged, provenance })
    }

    /// The scenario with `overrides` applied in order.
    pub fn with(&self, overrides: &[Override]) -> Result<Loaded, ScenarioError> {
        let mut merged = self.merged.clone();
        let mut provenance = self.provenance.clone();
        for arg in overrides {
            apply_override(&mut merged, &mut provenance, arg)?;
        }
        let spec = ScenarioSpec::deserialize(toml::Value::Table(merged)).map_err(|e| {
            ScenarioError::WrongType {
                origin: Origin::Default,
                key: "(merged scenario)".into(),
                message: e.message().to_string(),
            }
        })?;
        Ok(Loaded { spec, provenance })
    }
}

/// A key set by one file, and whether setting it replaces everything inherited below it
/// (arrays and scalars do; tables merge key by key).
struct Leaf {
    origin: Origin,
    replaces_subtree: bool,
}

struct ParsedFile {
    table: toml::Table,
    leaves: Vec<(String, Leaf)>,
    /// The file's own `set` entries, applied after its keys.
    sets: Vec<Override>,
}

/// Files an `extends` chain may hold, the named file included.
pub const MAX_EXTENDS_DEPTH: usize = 32;

/// The largest scenario or sweep file read (an explicit 4000 x 4000 `world.map` and its
/// `region_map` take about 33 MB).
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Reads a scenario or sweep file as text: a regular file or a pipe, at most
/// [`MAX_FILE_BYTES`], in UTF-8. Anything else is refused before it is read.
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    use std::io::Read;
    let unreadable = |problem: String| ScenarioError::Unreadable {
        file: path.to_path_buf(),
        problem,
    };
    let metadata = std::fs::metadata(path).map_err(|cause| ScenarioError::Read {
        file: path.to_path_buf(),
        cause,
    })?;
    let kind = metadata.file_type();
    if kind.is_dir() {
        return Err(unreadable("it is a folder, expected a TOML file".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() || kind.is_block_device() || kind.is_socket() {
            return Err(unreadable(
                "it is a device or socket, expected a TOML file".into(),
            ));
        }
    }
    let file = std::fs::File::open(path).map_err(|cause| ScenarioError::Read {
        file: path.to_path_buf(),
        cause,
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|cause| ScenarioError::Read {
            file: path.to_path_buf(),
            cause,
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(unreadable(format!(
            "it is larger than {} MiB, expected a scenario or sweep file",
            MAX_FILE_BYTES >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&e.as_bytes()[..valid]);
        let line = text.matches('\n').count() + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        unreadable(format!(
            "line {line}, column {column}: byte 0x{:02x} is not UTF-8 text; save the file as UTF-8",
            e.as_bytes()[valid]
        ))
    })
}

/// Parses `path` and its ancestors; `chain[0]` is `path` itself. `visited` holds the canonical
/// paths of the files read so far, to tell a cycle from a long chain.
fn read_chain(
    path: &Path,
    chain: &mut Vec<ParsedFile>,
    visited: &mut Vec<std::path::PathBuf>,
) -> Result<(), ScenarioError> {
    let text = read_text(path)?;
    visited.push(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()));
    let lines = LineIndex::new(&text);

    let keys = located_keys(path, &text, &lines)?;
    if let Some(hint) = other_file_kind(&keys) {
        return Err(ScenarioError::NotAScenario {
            file: path.to_path_buf(),
            hint,
        });
    }

    // Shape check: a single file must deserialize on its own because every key has a default.
    if let Err(e) = toml::from_str::<ScenarioSpec>(&text) {
        return Err(shape_error(path, &lines, &keys, &e));
    }

    let table: toml::Table = toml::from_str(&text).map_err(|e| ScenarioError::Syntax {
        origin: lines.origin(path, e.span().map_or(0, |s| s.start)),
        message: first_line(e.message()),
    })?;

    let leaves = keys
        .iter()
        .filter(|k| k.is_leaf)
        .map(|k| {
            let leaf = Leaf {
                origin: lines.origin(path, k.key_span.start),
                replaces_subtree: true,
            };
            (k.path.clone(), leaf)
        })
        .collect();

    let extends = match table.get("extends") {
        Some(toml::Value::String(s)) => {
            let span = keys
                .iter()
                .find(|k| k.path == "extends")
                .map_or(0, |k| k.key_span.start);
            Some((s.clone(), lines.origin(path, span)))
        }
        _ => None,
    };

    let sets = match table.get("set") {
        Some(toml::Value::Array(entries)) => {
            let origin = keys
                .iter()
                .find(|k| k.path == "set")
                .map_or(0, |k| k.key_span.start);
            let at = lines.origin(path, origin);
            entries
                .iter()
                .filter_map(|e| e.as_str())
                .map(|assignment| Override {
                    assignment: assignment.to_string(),
                    written: format!("{at}: key `set`: entry `{assignment}`"),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    chain.push(ParsedFile {
        table,
        leaves,
        sets,
    });

    if let Some((target, origin)) = extends {
        let base = path.parent().unwrap_or(Path::new("."));
        let resolved = base.join(&target);
        if !resolved.exists() {
            return Err(ScenarioError::MissingExtends {
                origin,
                target,
                resolved,
            });
        }
        let resolved_canonical = resolved.canonicalize().unwrap_or_else(|_| resolved.clone());
        if visited.contains(&resolved_canonical) {
            return Err(ScenarioError::ExtendsCycle {
                origin,
                file: resolved,
            });
        }
        if chain.len() >= MAX_EXTENDS_DEPTH {
            return Err(ScenarioError::ExtendsTooDeep {
                origin,
                depth: MAX_EXTENDS_DEPTH,
            });
        }
        read_chain(&resolved, chain, visited).map_err(|e| match e {
            // A base that is not a TOML file is reported where `extends` names it.
            ScenarioError::Unreadable { file, problem } if file == resolved => {
                ScenarioError::BadExtends {
                    origin,
                    target,
                    problem,
                }
            }
            other => other,
        })?;
    }
    Ok(())
}

/// A key of a parsed file with the spans of the key and its value.
struct KeyEntry {
    path: String,
    key_span: Range<usize>,
    value_span: Range<usize>,
    is_leaf: bool,
}

/// Every key of a TOML file with where it is written; a syntax error is located.
fn located_keys(
    path: &Path,
    text: &str,
    lines: &LineIndex<'_>,
) -> Result<Vec<KeyEntry>, ScenarioError> {
    let document = DeTable::parse(text).map_err(|e| ScenarioError::Syntax {
        origin: lines.origin(path, e.span().map_or(0, |s| s.start)),
        message: first_line(e.message()),
    })?;
    let mut keys = Vec::new();
    walk_table(document.get_ref(), "", &mut keys);
    Ok(keys)
}

fn walk_table(table: &DeTable<'_>, prefix: &str, out: &mut Vec<KeyEntry>) {
    for (key, value) in table.iter() {
        let path = join_key(prefix, key.get_ref());
        walk_value(&path, key.span(), value, out);
    }
}

fn walk_value(
    path: &str,
    key_span: Range<usize>,
    value: &toml::Spanned<DeValue<'_>>,
    out: &mut Vec<KeyEntry>,
) {
    match value.get_ref() {
        DeValue::Table(inner) => {
            out.push(KeyEntry {
                path: path.to_string(),
                key_span,
                value_span: value.span(),
                is_leaf: false,
            });
            walk_table(inner, path, out);
        }
        DeValue::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|v| matches!(v.get_ref(), DeValue::Table(_))) =>
        {
            out.push(KeyEntry {
                path: path.to_string(),
                key_span,
                value_span: value.span(),
                is_leaf: true,
            });
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                if let DeValue::Table(inner) = item.get_ref() {
                    out.push(KeyEntry {
                        path: item_path.clone(),
                        key_span: item.span(),
                        value_span: item.span(),
                        is_leaf: false,
                    });
                    walk_table(inner, &item_path, out);
                }
            }
        }
        _ => out.push(KeyEntry {
            path: path.to_string(),
            key_span,
            value_span: value.span(),
            is_leaf: true,
        }),
    }
}

fn join_key(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Turns a serde error from deserializing one file into an error naming file, line, key.
fn shape_error(
    path: &Path,
    lines: &LineIndex<'_>,
    keys: &[KeyEntry],
    e: &toml::de::Error,
) -> ScenarioError {
    let offset = e.span().map_or(0, |s| s.start);
    let origin = lines.origin(path, offset);
    // The most specific key whose key or value span holds the error position.
    let key = keys
        .iter()
        .filter(|k| k.key_span.contains(&offset) || k.value_span.contains(&offset))
        .min_by_key(|k| k.value_span.len().min(k.key_span.len().max(1)))
        .map(|k| k.path.clone())
        .unwrap_or_else(|| "(document)".into());
    classify_serde_message(origin, key, e.message())
}

/// Unknown fields and variants get a suggestion; anything else is a type error.
fn classify_serde_message(origin: Origin, key: String, message: &str) -> ScenarioError {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let found = backticked(rest).into_iter().next().unwrap_or_default();
        let expected = expected_names(rest);
        return ScenarioError::UnknownKey {
            origin,
            key,
            suggestion: nearest(&found, &expected),
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let found = backticked(rest).into_iter().next().unwrap_or_default();
        let expected = expected_names(rest);
        let hint = match nearest(&found, &expected) {
            Some(s) => format!(" (did you mean `{s}`?)"),
            None => String::new(),
        };
        return ScenarioError::WrongType {
            origin,
            key,
            message: format!(
                "unknown value `{found}`{hint}; expected one of {}",
                expected
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
    }
    ScenarioError::WrongType {
        origin,
        key,
        message: plain_types(message.trim().lines().next().unwrap_or("")),
    }
}

/// A serde message (`invalid type: integer `-3`, expected u32`) in words a scenario author
/// uses (`found -3, expected a whole number from 0 to 4294967295`). Rust type names never reach
/// the user.
pub(crate) fn plain_types(message: &str) -> String {
    if message.contains("wanted string or table") {
        return "expected a name in quotes, e.g. `kind = \"cartel\"`".into();
    }
    let body = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "));
    let Some((found, expected)) = body.and_then(|b| b.rsplit_once(", expected ")) else {
        return rust_names(message);
    };
    let (expected, max) = expected_words(expected);
    let found_words = found_words(found);
    let too_large = max.is_some_and(|max| integer_in(found).is_some_and(|n| n > i128::from(max)));
    let note = if too_large {
        " (too large for this key)"
    } else {
        ""
    };
    format!("found {found_words}, expected {expected}{note}")
}

/// What a serde "expected" clause means, and the largest whole number it allows.
fn expected_words(expected: &str) -> (String, Option<u64>) {
    let whole = |max: u64| (format!("a whole number from 0 to {max}"), Some(max));
    match expected.trim() {
        "u8" => whole(u8::MAX.into()),
        "u16" => whole(u16::MAX.into()),
        "u32" => whole(u32::MAX.into()),
        "u64" | "usize" => whole(i64::MAX as u64),
        "i8" | "i16" | "i32" | "i64" | "isize" => ("a whole number".into(), None),
        "f32" | "f64" => ("a number".into(), None),
        "a boolean" => ("true or false".into(), None),
        "a string" => ("text in quotes".into(), None),
        "a sequence" => ("a list in brackets, e.g. [1, 2]".into(), None),
        "a map" => ("a table".into(), None),
        other if other.starts_with("struct ") => ("a table".into(), None),
        other => (rust_names(other), None),
    }
}

/// The value a serde "invalid type" clause names, as the user wrote it.
fn found_words(found: &str) -> String {
    let quoted = || found.split('`').nth(1).unwrap_or(found).to_string();
    if found.starts_with("integer ") {
        quoted()
    } else if found.starts_with("floating point ") {
        quoted()
            .parse::<f64>()
            .map_or_else(|_| quoted(), super::error::number)
    } else if let Some(text) = found.strip_prefix("string ") {
        format!("the text {text}")
    } else if found.starts_with("boolean ") {
        quoted()
    } else {
        match found {
            "sequence" => "a list".into(),
            "map" => "a table".into(),
            other => rust_names(other),
        }
    }
}

fn integer_in(found: &str) -> Option<i128> {
    found
        .strip_prefix("integer ")
        .and_then(|rest| rest.split('`').nth(1))
        .and_then(|n| n.parse().ok())
}

/// Rust type names anywhere else in a message, in plain words.
pub(crate) fn rust_names(message: &str) -> String {
    [
        ("expected u32", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        (" as i128", ""),
        (
            "u64 value was too large",
            "the number is too large (TOML whole numbers go up to 9223372036854775807)",
        ),
    ]
    .iter()
    .fold(message.to_string(), |m, (from, to)| m.replace(from, to))
}

fn expected_names(message: &str) -> Vec<String> {
    match message.find("expected") {
        Some(i) => backticked(&message[i..]),
        None => Vec::new(),
    }
}

fn backticked(s: &str) -> Vec<String> {
    s.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The valid name closest to `found`, if it is close enough to be a likely typo.
pub(crate) fn nearest(found: &str, candidates: &[String]) -> Option<String> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(found, c), c))
        .filter(|(d, c)| *d <= (c.len().max(found.len()) / 2).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.clone())
}

/// Where each line of a text starts, to turn a byte offset into a line and column without
/// rescanning the text for every key.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> LineIndex<'a> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub(crate) fn origin(&self, path: &Path, offset: usize) -> Origin {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |l| l.chars().count())
            + 1;
        Origin::File {
            file: path.to_path_buf(),
            line,
            column,
        }
    }
}

/// A sweep file given where a scenario is expected: it says how to run it instead.
fn other_file_kind(keys: &[KeyEntry]) -> Option<String> {
    let top = |name: &str| keys.iter().any(|k| k.path == name);
    (top("base") && (top("parameters") || top("design") || top("replicates"))).then(|| {
        "it is a sweep file (it has `base` and sweep keys), not a scenario: run it with \
         `displace sweep FILE`, or give the scenario it names in `base`"
            .to_string()
    })
}

/// The first line of a parser message, in plain words.
fn first_line(message: &str) -> String {
    rust_names(message.trim().lines().next().unwrap_or(""))
}

/// Deep merge: tables merge key by key; anything else (scalars, arrays) replaces.
fn merge_value(into: &mut toml::Table, key: String, value: toml::Value) {
    match (into.get_mut(&key), value) {
        (Some(toml::Value::Table(existing)), toml::Value::Table(incoming)) => {
            for (k, v) in incoming {
                merge_value(existing, k, v);
            }
        }
        (_, value) => {
            into.insert(key, value);
        }
    }
}

/// One step of a `--set` key path.
enum Step {
    Key(String),
    Index(usize),
}

/// Applies `KEY=VALUE`: the key is a dotted path; an array element is picked by its index
/// (`groups.0.reach`) or by its `name` (`groups.gangs.reach`). VALUE is read as a TOML value,
/// or as a plain string when it is not one (`--set groups.0.kind=cartel`).
fn apply_override(
    merged: &mut toml::Table,
    provenance: &mut Provenance,
    arg: &Override,
) -> Result<(), ScenarioError> {
    let bad = |message: String| ScenarioError::BadSet {
        written: arg.written.clone(),
        message,
    };
    let (raw_key, raw_value) = arg
        .assignment
        .split_once('=')
        .ok_or_else(|| bad("expected KEY=VALUE, e.g. --set simulation.ticks=104".into()))?;
    // `events[0].tick` (the form errors print) means the same as `events.0.tick`.
    let bracketed = raw_key.trim().replace('[', ".").replace(']', "");
    let raw_key = bracketed.as_str();
    if raw_key.is_empty() || raw_key.split('.').any(str::is_empty) {
        return Err(bad(
            "the key must be a dotted path such as `world.width`".into()
        ));
    }
    if raw_key == "extends" {
        return Err(bad(
            "`extends` cannot be changed from the command line; write a scenario file with \
             `extends = \"...\"` and the keys to change, and run that"
                .into(),
        ));
    }
    let value = parse_set_value(raw_value.trim());

    // Resolve the path against the merged document, turning names into indices.
    let mut steps = Vec::new();
    let mut cursor = Some(&*merged);
    let mut array: Option<&Vec<toml::Value>> = None;
    let mut canonical = String::new();
    for segment in raw_key.split('.') {
        if let Some(items) = array.take() {
            let index = match segment.parse::<usize>() {
                Ok(i) => i,
                Err(_) => items
                    .iter()
                    .enumerate()
                    .position(|(i, v)| element_name(v, i).as_deref() == Some(segment))
                    .ok_or_else(|| {
                        let names: Vec<String> =
                            items.iter().enumerate().filter_map(|(i, v)| element_name(v, i)).collect();
                        bad(format!(
                            "`{segment}` is neither an index nor the name of an element of `{canonical}` (names: {})",
                            names.join(", ")
                        ))
                    })?,
            };
            let item = items.get(index).ok_or_else(|| {
                bad(format!(
                    "`{canonical}` has {} elements; index {index} is out of range",
                    items.len()
                ))
            })?;
            canonical = format!("{canonical}[{index}]");
            steps.push(Step::Index(index));
            cursor = item.as_table();
            continue;
        }
        canonical = join_key(&canonical, segment);
        steps.push(Step::Key(segment.to_string()));
        let next = cursor.and_then(|t| t.get(segment));
        array = next.and_then(|v| v.as_array());
        cursor = next.and_then(|v| v.as_table());
    }

    // Check the key and the value's type on their own: a partial document must deserialize.
    let partial = partial_document(&steps, value.clone());
    if let Err(e) = ScenarioSpec::deserialize(toml::Value::Table(partial)) {
        let err = classify_serde_message(
            Origin::Set(arg.written.clone()),
            canonical.clone(),
            e.message(),
        );
        return Err(match err {
            ScenarioError::UnknownKey {
                key, suggestion, ..
            } => {
                let hint = suggestion
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                bad(format!("unknown key `{key}`{hint}"))
            }
            ScenarioError::WrongType { message, .. } => bad(message),
            other => other,
        });
    }

    set_path(merged, &steps, value).map_err(bad)?;
    provenance.set_subtree(&canonical, Origin::Set(arg.written.clone()));
    Ok(())
}

/// The name an array element answers to: its `name`, or for a group without one the name it
/// will be given (`<kind>_<index>`).
/// The name `--set` knows an array element by: its `name` (groups), its `label` (events), or
/// `<kind>_<index>` for an unnamed group.
fn element_name(value: &toml::Value, index: usize) -> Option<String> {
    let named = |key: &str| {
        value
            .get(key)
            .and_then(|n| n.as_str())
            .filter(|n| !n.is_empty())
    };
    match named("name").or_else(|| named("label")) {
        Some(name) => Some(name.to_string()),
        _ => value
            .get("kind")
            .and_then(|k| k.as_str())
            .map(|kind| format!("{kind}_{index}")),
    }
}

fn parse_set_value(raw: &str) -> toml::Value {
    let doc = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&doc) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

/// A document holding only `value` at `steps` (array steps become one-element arrays).
fn partial_document(steps: &[Step], value: toml::Value) -> toml::Table {
    let mut current = value;
    for step in steps.iter().rev() {
        current = match step {
            Step::Key(k) => {
                let mut t = toml::Table::new();
                t.insert(k.clone(), current);
                toml::Value::Table(t)
            }
            // An element of an array: wrap it so the enclosing key holds an array.
            Step::Index(_) => toml::Value::Array(vec![current]),
        };
    }
    match current {
        toml::Value::Table(t) => t,
        _ => toml::Table::new(),
    }
}

fn set_path(root: &mut toml::Table, steps: &[Step], value: toml::Value) -> Result<(), String> {
    let mut wrapped = toml::Value::Table(std::mem::take(root));
    let result = set_in(&mut wrapped, steps, value);
    if let toml::Value::Table(table) = wrapped {
        *root = table;
    }
    result
}

fn set_in(node: &mut toml::Value, steps: &[Step], value: toml::Value) -> Result<(), String> {
    let Some((first, rest)) = steps.split_first() else {
        // A table merges into a table, as in scenario files; anything else replaces.
        match (node, value) {
            (toml::Value::Table(existing), toml::Value::Table(incoming)) => {
                for (k, v) in incoming {
                    merge_value(existing, k, v);
                }
            }
            (node, value) => *node = value,
        }
        return Ok(());
    };
    let child = match first {
        Step::Key(k) => node
            .as_table_mut()
            .ok_or("a parent of the key is not a table")?
            .entry(k.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new())),
        Step::Index(i) => node
            .as_array_mut()
            .and_then(|a| a.get_mut(*i))
            .ok_or("array index out of range")?,
    };
    set_in(child, rest, value)
}

/// Reads one TOML file into `T` (a type whose keys all have defaults), reporting syntax errors,
/// unknown keys and wrong types with the file, line, column and key, as for scenarios. Returns the
/// value and where each key was set.
pub fn read_located<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> Result<(T, Provenance), ScenarioError> {
    let text = read_text(path)?;
    let lines = LineIndex::new(&text);
    let keys = located_keys(path, &text, &lines)?;
    let value = toml::from_str::<T>(&text).map_err(|e| shape_error(path, &lines, &keys, &e))?;
    let mut provenance = Provenance::default();
    // A key the file leaves out is reported at the top of the file rather than as a default.
    provenance
        .entries
        .insert(String::new(), lines.origin(path, 0));
    for k in &keys {
        provenance
            .entries
            .insert(k.path.clone(), lines.origin(path, k.key_span.start));
    }
    Ok((value, provenance))
}

impl Provenance {
    /// A problem at `key`, located where the key was set.
    pub fn problem(&self, key: &str, message: String) -> super::error::Problem {
        super::error::Problem {
            origin: self.origin(key),
            key: key.to_string(),
            message,
        }
    }
}

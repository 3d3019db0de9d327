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
    /// Origin of a key, or of the nearest enclosing key that was set as a whole.
    pub fn origin(&self, key: &str) -> Origin {
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

    fn clear_subtree(&mut self, key: &str) {
        let doomed: Vec<String> = self
            .entries
            .keys()
            .filter(|k| is_at_or_below(k, key))
            .cloned()
            .collect();
        for k in doomed {
            self.entries.remove(&k);
        }
    }
}

fn is_at_or_below(candidate: &str, key: &str) -> bool {
    candidate == key
        || (candidate.starts_with(key)
            && matches!(candidate.as_bytes().get(key.len()), Some(b'.') | Some(b'[')))
}

/// The merged, still unresolved content of a scenario and its provenance.
pub struct Loaded {
    pub spec: ScenarioSpec,
    pub provenance: Provenance,
}

/// Reads `path` and the files it extends, then applies `overrides` (`KEY=VALUE` strings).
pub fn load(path: &Path, overrides: &[String]) -> Result<Loaded, ScenarioError> {
    let mut chain = Vec::new();
    read_chain(path, None, &mut chain)?;

    // Merge the built-in defaults, then every file from the root ancestor down to the file named
    // on the command line: a partial table keeps the defaults of the keys it does not name.
    let mut merged = match toml::Value::try_from(ScenarioSpec::default()) {
        Ok(toml::Value::Table(defaults)) => defaults,
        _ => toml::Table::new(),
    };
    let mut provenance = Provenance::default();
    for file in chain.into_iter().rev() {
        for (key, value) in file.table {
            if key == "extends" {
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
    }

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

/// A key set by one file, and whether setting it replaces everything inherited below it
/// (arrays and scalars do; tables merge key by key).
struct Leaf {
    origin: Origin,
    replaces_subtree: bool,
}

struct ParsedFile {
    table: toml::Table,
    leaves: Vec<(String, Leaf)>,
}

/// Parses `path` and its ancestors; `chain[0]` is `path` itself.
fn read_chain(
    path: &Path,
    referrer: Option<Origin>,
    chain: &mut Vec<ParsedFile>,
) -> Result<(), ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        file: path.to_path_buf(),
        source,
    })?;
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if chain.len() > 32 {
        return Err(ScenarioError::ExtendsCycle {
            origin: referrer.unwrap_or(Origin::Default),
            file: path.to_path_buf(),
        });
    }

    let keys = located_keys(path, &text)?;

    // Shape check: a single file must deserialize on its own because every key has a default.
    if let Err(e) = toml::from_str::<ScenarioSpec>(&text) {
        return Err(shape_error(path, &text, &keys, &e));
    }

    let table: toml::Table = toml::from_str(&text).map_err(|e| ScenarioError::Syntax {
        origin: origin_at(path, &text, e.span().map_or(0, |s| s.start)),
        message: first_line(e.message()),
    })?;

    let leaves = keys
        .iter()
        .filter(|k| k.is_leaf)
        .map(|k| {
            let leaf = Leaf {
                origin: origin_at(path, &text, k.key_span.start),
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
            Some((s.clone(), origin_at(path, &text, span)))
        }
        _ => None,
    };

    chain.push(ParsedFile { table, leaves });

    if let Some((target, origin)) = extends {
        let base = path.parent().unwrap_or(Path::new("."));
        let resolved = base.join(&target);
        if !resolved.is_file() {
            return Err(ScenarioError::MissingExtends {
                origin,
                target,
                resolved,
            });
        }
        let resolved_canonical = resolved.canonicalize().unwrap_or_else(|_| resolved.clone());
        if resolved_canonical == canonical {
            return Err(ScenarioError::ExtendsCycle {
                origin,
                file: resolved,
            });
        }
        read_chain(&resolved, Some(origin), chain)?;
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
fn located_keys(path: &Path, text: &str) -> Result<Vec<KeyEntry>, ScenarioError> {
    let document = DeTable::parse(text).map_err(|e| ScenarioError::Syntax {
        origin: origin_at(path, text, e.span().map_or(0, |s| s.start)),
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
fn shape_error(path: &Path, text: &str, keys: &[KeyEntry], e: &toml::de::Error) -> ScenarioError {
    let offset = e.span().map_or(0, |s| s.start);
    let origin = origin_at(path, text, offset);
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
        message: plain_types(&first_line(message)),
    }
}

/// Rust type names in serde messages, in words a scenario author uses.
fn plain_types(message: &str) -> String {
    [
        ("expected u32", "expected a whole number (0 or more)"),
        ("expected u64", "expected a whole number (0 or more)"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
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

fn origin_at(path: &Path, text: &str, offset: usize) -> Origin {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Origin::File {
        file: path.to_path_buf(),
        line,
        column,
    }
}

fn first_line(message: &str) -> String {
    message.trim().lines().next().unwrap_or("").to_string()
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
    arg: &str,
) -> Result<(), ScenarioError> {
    let bad = |message: String| ScenarioError::BadSet {
        arg: arg.to_string(),
        message,
    };
    let (raw_key, raw_value) = arg
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
        let err =
            classify_serde_message(Origin::Set(arg.to_string()), canonical.clone(), e.message());
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
    provenance.set_subtree(&canonical, Origin::Set(arg.to_string()));
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
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        file: path.to_path_buf(),
        source,
    })?;
    let keys = located_keys(path, &text)?;
    let value = toml::from_str::<T>(&text).map_err(|e| shape_error(path, &text, &keys, &e))?;
    let mut provenance = Provenance::default();
    // A key the file leaves out is reported at the top of the file rather than as a default.
    provenance
        .entries
        .insert(String::new(), origin_at(path, &text, 0));
    for k in &keys {
        provenance
            .entries
            .insert(k.path.clone(), origin_at(path, &text, k.key_span.start));
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

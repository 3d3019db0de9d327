//! Reading a run's (or comparison's) files for plotting. Every read is checked: a damaged file
//! gives a [`PlotError`] naming the file, the line and column (or JSON key) and what was
//! expected, never a panic and never a silently wrong figure.

use std::path::{Path, PathBuf};

use super::{PlotError, io_words};

/// A CSV table: its header and its rows, with the line each row starts on.
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
    lines: Vec<u64>,
}

/// At most this many characters of a bad value are quoted in a message.
const QUOTE: usize = 40;

/// `value` quoted for a message, shortened when long.
pub(crate) fn quoted(value: &str) -> String {
    if value.is_empty() {
        return "an empty value".to_string();
    }
    if value.chars().count() <= QUOTE {
        format!("`{value}`")
    } else {
        let head: String = value.chars().take(QUOTE).collect();
        format!("`{head}…`")
    }
}

impl Table {
    /// Reads `path`, whose header must name every column of `required` (others are kept).
    pub fn read(path: &Path, required: &[&str]) -> Result<Table, PlotError> {
        let file = std::fs::File::open(path).map_err(|e| PlotError::Read {
            path: path.to_path_buf(),
            reason: io_words(&e),
        })?;
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
        let damaged = |place: Option<String>, message: String| PlotError::Damaged {
            path: path.to_path_buf(),
            place,
            message,
        };
        let csv_error = |e: csv::Error| match e.kind() {
            csv::ErrorKind::Io(io) => PlotError::Read {
                path: path.to_path_buf(),
                reason: io_words(io),
            },
            csv::ErrorKind::Utf8 { pos, .. } => damaged(
                pos.as_ref().map(|p| format!("line {}", p.line())),
                "not valid UTF-8 text".to_string(),
            ),
            _ => damaged(
                e.position().map(|p| format!("line {}", p.line())),
                "not valid CSV".to_string(),
            ),
        };
        let header: Vec<String> = reader
            .headers()
            .map_err(csv_error)?
            .iter()
            .map(str::to_string)
            .collect();
        if header.iter().all(String::is_empty) {
            return Err(damaged(
                None,
                "the file is empty, expected a header row naming its columns, then its rows"
                    .to_string(),
            ));
        }
        if let Some(missing) = required.iter().find(|c| !header.iter().any(|h| h == *c)) {
            return Err(damaged(
                Some("line 1 (the header)".to_string()),
                format!("no column `{missing}`, expected one"),
            ));
        }
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        for record in reader.records() {
            let record = record.map_err(csv_error)?;
            let line = record.position().map_or(0, |p| p.line());
            if record.len() != header.len() {
                return Err(damaged(
                    Some(format!("line {line}")),
                    format!(
                        "found {} field{}, expected {} (one per column of the header)",
                        record.len(),
                        if record.len() == 1 { "" } else { "s" },
                        header.len()
                    ),
                ));
            }
            rows.push(record);
            lines.push(line);
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
            lines,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of rows (the header excluded).
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    pub fn has(&self, name: &str) -> bool {
        self.header.iter().any(|h| h == name)
    }

    /// Line of the file where row `row` is.
    pub fn line(&self, row: usize) -> u64 {
        self.lines[row]
    }

    fn index(&self, name: &str) -> Result<usize, PlotError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| PlotError::Damaged {
                path: self.path.clone(),
                place: Some("line 1 (the header)".to_string()),
                message: format!("no column `{name}`, expected one"),
            })
    }

    /// An error at row `row`, column `name`.
    pub fn damaged(&self, row: usize, name: &str, message: String) -> PlotError {
        let column = self.header.iter().position(|h| h == name).map_or_else(
            || format!("column `{name}`"),
            |i| format!("column {} (`{name}`)", i + 1),
        );
        PlotError::Damaged {
            path: self.path.clone(),
            place: Some(format!("line {}, {column}", self.line(row))),
            message,
        }
    }

    /// An error about the file as a whole.
    pub fn damaged_file(&self, message: String) -> PlotError {
        PlotError::Damaged {
            path: self.path.clone(),
            place: None,
            message,
        }
    }

    /// Every value of a column, each checked by `parse`, which says what it expected.
    fn column<T>(
        &self,
        name: &str,
        parse: impl Fn(&str) -> Result<T, &'static str>,
    ) -> Result<Vec<T>, PlotError> {
        let i = self.index(name)?;
        self.rows
            .iter()
            .enumerate()
            .map(|(row, record)| {
                let value = &record[i];
                parse(value).map_err(|expected| {
                    self.damaged(
                        row,
                        name,
                        format!("found {}, expected {expected}", quoted(value)),
                    )
                })
            })
            .collect()
    }

    /// A column as text.
    pub fn text(&self, name: &str) -> Result<Vec<String>, PlotError> {
        self.column(name, |v| Ok(v.to_string()))
    }

    /// A column of numbers (finite, any sign).
    pub fn numbers(&self, name: &str) -> Result<Vec<f64>, PlotError> {
        self.column(name, number)
    }

    /// A column of numbers that may be blank.
    pub fn optional_numbers(&self, name: &str) -> Result<Vec<Option<f64>>, PlotError> {
        self.column(name, |v| {
            if v.is_empty() {
                Ok(None)
            } else {
                number(v)
                    .map(Some)
                    .map_err(|_| "a number or an empty value")
            }
        })
    }

    /// A column of counts: numbers, 0 or more.
    pub fn counts(&self, name: &str) -> Result<Vec<f64>, PlotError> {
        self.column(name, |v| match number(v) {
            Ok(x) if x >= 0.0 => Ok(x),
            _ => Err("a count (a number, 0 or more)"),
        })
    }

    /// A column of whole numbers, 0 or more.
    pub fn whole(&self, name: &str) -> Result<Vec<u32>, PlotError> {
        self.column(name, |v| v.parse().map_err(|_| "a whole number, 0 or more"))
    }

    /// A column of whole numbers, 0 or more, that may be blank.
    pub fn optional_whole(&self, name: &str) -> Result<Vec<Option<u32>>, PlotError> {
        self.optional(name, "a whole number (0 or more) or an empty value")
    }

    /// A column of integers that may be negative (ticks of the burn-in) or blank.
    pub fn optional_integer(&self, name: &str) -> Result<Vec<Option<i64>>, PlotError> {
        self.optional(name, "a whole number or an empty value")
    }

    /// A column of numbers of type `T` that may be blank; `expected` says what they should be.
    fn optional<T: std::str::FromStr>(
        &self,
        name: &str,
        expected: &'static str,
    ) -> Result<Vec<Option<T>>, PlotError> {
        self.column(name, |v| {
            if v.is_empty() {
                Ok(None)
            } else {
                v.parse().map(Some).map_err(|_| expected)
            }
        })
    }
}

fn number(v: &str) -> Result<f64, &'static str> {
    match v.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err("a number"),
    }
}

/// A JSON file (`manifest.json`, `summary.json`) read whole.
#[derive(Debug, Clone)]
pub struct Json {
    path: PathBuf,
    value: serde_json::Value,
}

impl Json {
    /// Reads `path`, which must hold a JSON object.
    pub fn read(path: &Path) -> Result<Json, PlotError> {
        let text = std::fs::read_to_string(path).map_err(|e| PlotError::Read {
            path: path.to_path_buf(),
            reason: io_words(&e),
        })?;
        let damaged = |place: Option<String>, message: String| PlotError::Damaged {
            path: path.to_path_buf(),
            place,
            message,
        };
        if text.trim().is_empty() {
            return Err(damaged(
                None,
                "the file is empty, expected a JSON object".to_string(),
            ));
        }
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            let place = Some(format!("line {}, column {}", e.line(), e.column()));
            let message = if e.classify() == serde_json::error::Category::Eof {
                "the file ends too early, expected the rest of a JSON object".to_string()
            } else {
                let full = e.to_string();
                let words = full
                    .rfind(" at line ")
                    .map_or(full.as_str(), |i| &full[..i]);
                format!("not valid JSON: {words}")
            };
            damaged(place, message)
        })?;
        if !value.is_object() {
            return Err(damaged(None, "expected a JSON object `{...}`".to_string()));
        }
        Ok(Json {
            path: path.to_path_buf(),
            value,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The value at a dotted key (`scenario.outputs.map_weeks`), if there is one (`null` is none).
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        key.split('.')
            .try_fold(&self.value, |v, k| v.get(k))
            .filter(|v| !v.is_null())
    }

    /// An error at `key`.
    pub fn damaged(&self, key: &str, message: String) -> PlotError {
        PlotError::Damaged {
            path: self.path.clone(),
            place: Some(format!("key `{key}`")),
            message,
        }
    }

    /// A number at `key`, which may be absent.
    pub fn optional_number(&self, key: &str) -> Result<Option<f64>, PlotError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| self.damaged(key, format!("found {v}, expected a number"))),
        }
    }

    /// A number at `key`.
    pub fn number(&self, key: &str) -> Result<f64, PlotError> {
        self.optional_number(key)?
            .ok_or_else(|| self.damaged(key, "missing, expected a number".to_string()))
    }
}

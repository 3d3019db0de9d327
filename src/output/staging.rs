//! Atomic output folders: everything is written into a hidden temporary sibling folder, which is
//! renamed into place only when complete. An interrupted write leaves the old folder untouched,
//! and the leftovers of a process that was killed are cleaned up by the next one.
//!
//! An existing folder at the destination is never destroyed unless it is an earlier output of
//! the same kind: `--force` replaces such a folder (only once the new one is complete), and a
//! command's default folder keeps the earlier result aside under a name with its time.

use std::fs;
use std::path::{Path, PathBuf};

use super::liveness::process_alive;
use super::{OutputError, io_at};

/// What an output folder holds, so that an existing folder is replaced only by one of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// A `displace run` folder (its `manifest.json` has a `scenario_hash`).
    Run,
    /// A `displace compare` folder (its `manifest.json` lists `arms`).
    Comparison,
    /// A `displace validate` folder (its `manifest.json` says `"kind": "validation"`).
    Validation,
    /// The `plots/` folder inside a run or comparison folder.
    Plots,
    /// A hidden working folder of the tool's own, inside one of its output folders.
    Scratch,
}

impl OutputKind {
    fn name(self) -> &'static str {
        match self {
            OutputKind::Run => "run",
            OutputKind::Comparison => "comparison",
            OutputKind::Validation => "validation",
            OutputKind::Plots => "plots",
            OutputKind::Scratch => "working",
        }
    }

    /// Whether `dir` is an output folder of this kind.
    pub fn recognises(self, dir: &Path) -> bool {
        if !dir.is_dir() {
            return false;
        }
        match self {
            OutputKind::Plots | OutputKind::Scratch => true,
            OutputKind::Run | OutputKind::Comparison | OutputKind::Validation => {
                let Ok(text) = fs::read_to_string(dir.join("manifest.json")) else {
                    return false;
                };
                let Ok(serde_json::Value::Object(manifest)) =
                    serde_json::from_str::<serde_json::Value>(&text)
                else {
                    return false;
                };
                let has = |key: &str| manifest.contains_key(key);
                match self {
                    OutputKind::Run => has("scenario_hash") && !has("arms") && !has("sweep_hash"),
                    OutputKind::Validation => {
                        manifest.get("kind").and_then(|k| k.as_str()) == Some("validation")
                    }
                    _ => has("arms") && has("replicates"),
                }
            }
        }
    }
}

/// What to do when the destination folder already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse: the destination was named explicitly and the user did not ask to replace it.
    Refuse,
    /// Replace it (`--force`), if it is an output of the same kind; the old folder is removed
    /// only once the new one is in place.
    Replace,
    /// Keep it beside the new one under a name with its time (`outputs/baseline.2026-12-01_21-32-05`),
    /// if it is an output of the same kind: a command's default folder, so that running the
    /// same command twice never fails and never loses the first result.
    KeepAside,
}

/// A temporary folder that becomes `final_dir` on [`Staging::commit`] (and vanishes if dropped).
pub struct Staging {
    final_dir: PathBuf,
    temp_dir: PathBuf,
    existing: Existing,
    committed: bool,
    /// A resumable folder (`.NAME.resumable`) outlives an unfinished run: it holds the last
    /// checkpoint to continue from.
    resumable: bool,
}

impl Staging {
    /// Prepares to write `out`. Fails if `out` exists and `existing` is `Refuse`, or if it exists
    /// and is not an output folder of `kind`. Leftovers of killed processes beside `out` are
    /// cleaned up first.
    pub fn create(
        out: &Path,
        kind: OutputKind,
        existing: Existing,
    ) -> Result<Staging, OutputError> {
        let name = format!(".{}.partial-{}", folder_name(out), std::process::id());
        Self::prepare(out, kind, existing, parent_of(out).join(name), true, false)
    }

    /// Cleans up beside `out`, checks it may be written, and makes `temp_dir` (emptied first if
    /// `fresh`) to stage it in.
    fn prepare(
        out: &Path,
        kind: OutputKind,
        existing: Existing,
        temp_dir: PathBuf,
        fresh: bool,
        resumable: bool,
    ) -> Result<Staging, OutputError> {
        let parent = parent_of(out);
        if parent.is_dir() {
            clean_stale(&parent);
        }
        Self::check(out, kind, existing)?;
        if fresh && temp_dir.exists() {
            fs::remove_dir_all(&temp_dir).map_err(io_at(&temp_dir))?;
        }
        fs::create_dir_all(&temp_dir).map_err(io_at(&temp_dir))?;
        Ok(Staging {
            final_dir: out.to_path_buf(),
            temp_dir,
            existing,
            committed: false,
            resumable,
        })
    }

    /// The resumable folder of `out` (`.NAME.resumable` beside it), for a run that checkpoints:
    /// unlike [`Staging::create`]'s, it keeps a fixed name and outlives a run that does not
    /// finish, so the same command continues from its last checkpoint. Created if missing;
    /// `fresh` empties one already there.
    pub fn resumable(
        out: &Path,
        kind: OutputKind,
        existing: Existing,
        fresh: bool,
    ) -> Result<Staging, OutputError> {
        Self::prepare(out, kind, existing, Self::resumable_dir(out), fresh, true)
    }

    /// Where a checkpointing run keeps `out` until it finishes.
    pub fn resumable_dir(out: &Path) -> PathBuf {
        parent_of(out).join(format!(".{}.resumable", folder_name(out)))
    }

    /// Whether `out` may be written with `existing`: the errors of [`Staging::create`], checked
    /// without writing anything (so a command can refuse before its work, not after it).
    pub fn check(out: &Path, kind: OutputKind, existing: Existing) -> Result<(), OutputError> {
        if out.exists() || out.is_symlink() {
            if existing == Existing::Refuse {
                return Err(OutputError::AlreadyExists {
                    path: out.to_path_buf(),
                });
            }
            if !kind.recognises(out) {
                return Err(OutputError::NotOurs {
                    path: out.to_path_buf(),
                    kind: kind.name(),
                });
            }
        }
        Ok(())
    }

    /// The folder's name once committed.
    pub fn final_path(&self) -> &Path {
        &self.final_dir
    }

    /// Where a file of the folder is written before the commit.
    pub fn path(&self, file: &str) -> PathBuf {
        self.temp_dir.join(file)
    }

    /// Moves the folder into place. Returns where an earlier folder was kept, if it was.
    pub fn commit(mut self) -> Result<Option<PathBuf>, OutputError> {
        let present = self.final_dir.exists();
        let mut kept = None;
        match (present, self.existing) {
            (false, _) => {}
            (true, Existing::Refuse) => {
                return Err(OutputError::AlreadyExists {
                    path: self.final_dir.clone(),
                });
            }
            (true, Existing::Replace) => {
                // Moved aside first and removed only once the new folder is in place; a kill
                // in between leaves the backup, which the next run puts back.
                let backup = backup_of(&self.temp_dir);
                fs::rename(&self.final_dir, &backup).map_err(io_at(&self.final_dir))?;
                if let Err(e) = fs::rename(&self.temp_dir, &self.final_dir) {
                    let _ = fs::rename(&backup, &self.final_dir);
                    return Err(io_at(&self.final_dir)(e));
                }
                self.committed = true;
                fs::remove_dir_all(&backup).map_err(io_at(&backup))?;
                return Ok(None);
            }
            (true, Existing::KeepAside) => {
                let aside = aside_name(&self.final_dir);
                fs::rename(&self.final_dir, &aside).map_err(io_at(&self.final_dir))?;
                kept = Some(aside);
            }
        }
        if let Err(e) = fs::rename(&self.temp_dir, &self.final_dir) {
            if let Some(aside) = &kept {
                let _ = fs::rename(aside, &self.final_dir);
            }
            return Err(io_at(&self.final_dir)(e));
        }
        self.committed = true;
        Ok(kept)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed && !self.resumable {
            let _ = fs::remove_dir_all(&self.temp_dir);
        }
    }
}

/// The last part of `out`'s path ("run" if it has none).
fn folder_name(out: &Path) -> String {
    out.file_name()
        .map_or("run".into(), |n| n.to_string_lossy().into_owned())
}

fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn backup_of(temp_dir: &Path) -> PathBuf {
    let name = temp_dir
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    temp_dir.with_file_name(format!("{name}.old"))
}

/// A free sibling name for an earlier result: its name and the time it was made (from its
/// manifest, else the folder's modification time), e.g. `baseline.2026-12-01_21-32-05`.
fn aside_name(dir: &Path) -> PathBuf {
    let started = fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|m| m.get("started_unix").and_then(serde_json::Value::as_u64))
        .or_else(|| {
            fs::metadata(dir)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs())
        })
        .unwrap_or(0);
    let name = dir
        .file_name()
        .map_or("run".into(), |n| n.to_string_lossy().into_owned());
    let stamp = utc_stamp(started);
    let mut candidate = dir.with_file_name(format!("{name}.{stamp}"));
    let mut n = 2;
    while candidate.exists() {
        candidate = dir.with_file_name(format!("{name}.{stamp}-{n}"));
        n += 1;
    }
    candidate
}

/// `YYYY-MM-DD_HH-MM-SS` in UTC for seconds since the Unix epoch.
pub fn utc_stamp(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}_{:02}-{:02}-{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Removes the temporary folders that processes no longer running left in `parent`
/// (`.NAME.partial-PID`), and puts back a folder such a process had moved aside to replace it
/// (`.NAME.partial-PID.old`) when the replacement never arrived.
pub fn clean_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str() else {
            continue;
        };
        let Some((target, pid, is_backup)) = parse_partial(name) else {
            continue;
        };
        if process_alive(pid) {
            continue;
        }
        let path = entry.path();
        if is_backup {
            let original = parent.join(target);
            if !original.exists() {
                let _ = fs::rename(&path, &original);
                continue;
            }
        }
        let _ = fs::remove_dir_all(&path);
    }
}

/// `.NAME.partial-PID[.old]` → (NAME, PID, is the backup).
fn parse_partial(name: &str) -> Option<(&str, u32, bool)> {
    let rest = name.strip_prefix('.')?;
    let (target, tail) = rest.rsplit_once(".partial-")?;
    let (digits, is_backup) = match tail.strip_suffix(".old") {
        Some(d) => (d, true),
        None => (tail, false),
    };
    if target.is_empty() || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((target, digits.parse().ok()?, is_backup))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_utc_calendar_times() {
        assert_eq!(utc_stamp(0), "1970-01-01_00-00-00");
        assert_eq!(utc_stamp(951_782_400), "2000-02-29_00-00-00");
        assert_eq!(utc_stamp(1_796_160_725), "2026-12-01_21-32-05");
    }

    #[test]
    fn partial_names_parse() {
        assert_eq!(
            parse_partial(".baseline.partial-123"),
            Some(("baseline", 123, false))
        );
        assert_eq!(parse_partial(".a.b.partial-9.old"), Some(("a.b", 9, true)));
        assert_eq!(parse_partial(".baseline.partial-x"), None);
        assert_eq!(parse_partial("baseline.partial-1"), None);
    }
}

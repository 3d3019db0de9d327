//! Atomic output folders: everything is written into a hidden temporary sibling folder, which is
//! renamed into place only when complete. An interrupted write leaves the old folder untouched.

use std::fs;
use std::path::{Path, PathBuf};

use super::{OutputError, io_at};

/// A temporary folder that becomes `final_dir` on [`Staging::commit`] (and vanishes if dropped).
pub struct Staging {
    final_dir: PathBuf,
    temp_dir: PathBuf,
    force: bool,
    committed: bool,
}

impl Staging {
    /// Fails if `out` exists and `force` is false.
    pub fn create(out: &Path, force: bool) -> Result<Staging, OutputError> {
        if out.exists() && !force {
            return Err(OutputError::AlreadyExists {
                path: out.to_path_buf(),
            });
        }
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_at(&parent))?;
        let name = out
            .file_name()
            .map_or("run".into(), |n| n.to_string_lossy().into_owned());
        let temp_dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if temp_dir.exists() {
            fs::remove_dir_all(&temp_dir).map_err(io_at(&temp_dir))?;
        }
        fs::create_dir(&temp_dir).map_err(io_at(&temp_dir))?;
        Ok(Staging {
            final_dir: out.to_path_buf(),
            temp_dir,
            force,
            committed: false,
        })
    }

    /// The folder's name once committed.
    pub fn final_path(&self) -> &Path {
        &self.final_dir
    }

    /// Where a file of the folder is written before the commit.
    pub fn path(&self, file: &str) -> PathBuf {
        self.temp_dir.join(file)
    }

    /// Moves the folder into place. An existing folder (allowed by `force`) is moved aside first
    /// and removed only once the new one is in place.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let backup = self.temp_dir.with_file_name(format!(
            "{}.old",
            self.temp_dir
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        ));
        let replacing = self.force && self.final_dir.exists();
        if replacing {
            fs::rename(&self.final_dir, &backup).map_err(io_at(&self.final_dir))?;
        }
        fs::rename(&self.temp_dir, &self.final_dir).map_err(io_at(&self.final_dir))?;
        self.committed = true;
        if replacing {
            fs::remove_dir_all(&backup).map_err(io_at(&backup))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.temp_dir);
        }
    }
}

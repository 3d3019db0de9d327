//! State files: a run's complete state between two ticks (`displace run --save-state FILE`),
//! from which `displace run --from-state FILE` continues, byte for byte the run that never
//! stopped (docs/OUTPUTS.md, "State files").
//!
//! Layout: the 8 bytes `DSPSTATE`, the format version (`u32`, little-endian), then the saved
//! run in postcard: the scenario it ran (resolved TOML), the model and the run's summary so far.
//! The random streams need no saving: they are keyed by (seed, process, entity, tick).
//! (The module is named for what it does: in this model "the state" is the government.)

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::metrics::SummaryBuilder;
use crate::scenario::Scenario;
use crate::step::Model;

/// First bytes of every state file.
const MAGIC: &[u8; 8] = b"DSPSTATE";

/// Version of the layout; a file of another version is refused, not misread.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct SavedRef<'a> {
    scenario: String,
    model: &'a Model,
    summary: &'a SummaryBuilder,
}

/// A state file read back.
#[derive(Deserialize)]
pub struct Saved {
    /// The resolved scenario it was saved under (TOML).
    pub scenario: String,
    pub model: Model,
    pub summary: SummaryBuilder,
}

/// Why a state file cannot be read or continued.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("cannot read {}: {message}", path.display())]
    Unreadable { path: PathBuf, message: String },
    #[error("{} is not a state file of displace (it does not start with DSPSTATE)", path.display())]
    NotAState { path: PathBuf },
    #[error(
        "{} is a state file of format version {found}; this build reads version {VERSION}",
        path.display()
    )]
    Version { path: PathBuf, found: u32 },
    #[error("{} is damaged: {message}", path.display())]
    Damaged { path: PathBuf, message: String },
    #[error(
        "{} was saved under another scenario: {} differ{} (a run continues only the scenario it saved, but for simulation.ticks)",
        path.display(),
        keys.join(", "),
        if keys.len() == 1 { "s" } else { "" }
    )]
    OtherScenario { path: PathBuf, keys: Vec<String> },
    #[error(
        "{} was saved after tick {saved}, at or past the scenario's last tick ({ticks}): nothing is left to run",
        path.display()
    )]
    NothingLeft {
        path: PathBuf,
        saved: u32,
        ticks: u32,
    },
}

/// Writes the state of `model` and `summary` under `scenario` to `path`, through a temporary
/// file renamed into place, so that a file already there is never left half-written.
pub fn write(
    path: &Path,
    scenario: &Scenario,
    model: &Model,
    summary: &SummaryBuilder,
) -> std::io::Result<()> {
    let saved = SavedRef {
        scenario: scenario.to_toml(),
        model,
        summary,
    };
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    let bytes = postcard::to_extend(&saved, bytes).map_err(std::io::Error::other)?;
    let mut temp = path.as_os_str().to_owned();
    temp.push(".partial");
    let temp = PathBuf::from(temp);
    std::fs::write(&temp, &bytes)?;
    std::fs::rename(&temp, path)
}

/// Reads a state file.
pub fn read(path: &Path) -> Result<Saved, CheckpointError> {
    let bytes = std::fs::read(path).map_err(|e| CheckpointError::Unreadable {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if bytes.len() < 12 || &bytes[..8] != MAGIC {
        return Err(CheckpointError::NotAState {
            path: path.to_path_buf(),
        });
    }
    let found = u32::from_le_bytes(bytes[8..12].try_into().expect("four bytes"));
    if found != VERSION {
        return Err(CheckpointError::Version {
            path: path.to_path_buf(),
            found,
        });
    }
    postcard::from_bytes(&bytes[12..]).map_err(|e| CheckpointError::Damaged {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// The model and summary of `saved`, to be continued under `scenario`: refused if the scenario
/// differs in anything but `simulation.ticks`, or if no tick is left to run.
pub fn resume(
    path: &Path,
    saved: Saved,
    scenario: &Scenario,
) -> Result<(Model, SummaryBuilder), CheckpointError> {
    let keys = differing_keys(&saved.scenario, &scenario.to_toml());
    if !keys.is_empty() {
        return Err(CheckpointError::OtherScenario {
            path: path.to_path_buf(),
            keys,
        });
    }
    let ticks = scenario.spec.simulation.ticks;
    if saved.model.tick >= ticks {
        return Err(CheckpointError::NothingLeft {
            path: path.to_path_buf(),
            saved: saved.model.tick,
            ticks,
        });
    }
    Ok((Model::restore(scenario, saved.model), saved.summary))
}

/// The dotted keys whose values differ between two resolved scenarios (TOML), but for
/// `simulation.ticks`, in order.
pub fn differing_keys(a: &str, b: &str) -> Vec<String> {
    let parse = |text: &str| text.parse::<toml::Table>().unwrap_or_default();
    let (a, b) = (parse(a), parse(b));
    let mut keys = Vec::new();
    diff(
        &toml::Value::Table(a),
        &toml::Value::Table(b),
        "",
        &mut keys,
    );
    keys.retain(|k| k != "simulation.ticks");
    keys
}

fn diff(a: &toml::Value, b: &toml::Value, at: &str, out: &mut Vec<String>) {
    let join = |k: &str| {
        if at.is_empty() {
            k.to_string()
        } else {
            format!("{at}.{k}")
        }
    };
    match (a, b) {
        (toml::Value::Table(x), toml::Value::Table(y)) => {
            let mut names: Vec<&String> = x.keys().chain(y.keys()).collect();
            names.sort();
            names.dedup();
            for k in names {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => diff(p, q, &join(k), out),
                    _ => out.push(join(k)),
                }
            }
        }
        _ if a != b => out.push(at.to_string()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::differing_keys;

    #[test]
    fn differing_keys_are_named_by_their_dotted_paths() {
        let a = "[simulation]\nticks = 10\nseed = 1\n[state.crackdown]\nunits = 0\n";
        let b = "[simulation]\nticks = 52\nseed = 2\n[state.crackdown]\nunits = 200\n";
        assert_eq!(
            differing_keys(a, b),
            vec![
                "simulation.seed".to_string(),
                "state.crackdown.units".to_string()
            ]
        );
        assert!(differing_keys(a, a).is_empty());
    }
}

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
        "{} was saved under another scenario: {} differ{} ({})",
        path.display(),
        keys.join(", "),
        if keys.len() == 1 { "s" } else { "" },
        match continuing {
            Continuing::SameRun => "a checkpointed run resumes only the scenario it saved, but for simulation.ticks",
            Continuing::SameWorld => "a run continues only the world it saved: it may change what an arm may, [state] and [[events]], and what does not change the world, simulation.ticks, description, [outputs] and [targets]",
        }
    )]
    OtherScenario {
        path: PathBuf,
        keys: Vec<String>,
        continuing: Continuing,
    },
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

/// What a scenario must share with the one a state was saved under to continue it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Continuing {
    /// The same run, but for its length (`simulation.ticks`): a checkpointed run resuming.
    SameRun,
    /// The same world, under policies and events of its own ([`unshared_keys`]): a run
    /// continued by `--from-state`, or an arm forked from a burn-in.
    SameWorld,
}

/// The model and summary of `saved`, to be continued under `scenario`: refused if the scenario
/// differs from the saved one in more than `continuing` allows (naming the keys), or if no tick
/// is left to run. Under the same scenario the run goes on as if it had never stopped; under
/// other policies or events it is a fork, the world as saved under new policies.
pub fn resume(
    path: &Path,
    saved: Saved,
    scenario: &Scenario,
    continuing: Continuing,
) -> Result<(Model, SummaryBuilder), CheckpointError> {
    let now = scenario.to_toml();
    let keys = match continuing {
        Continuing::SameRun => differing_keys(&saved.scenario, &now),
        Continuing::SameWorld => unshared_keys(&saved.scenario, &now),
    };
    if !keys.is_empty() {
        return Err(CheckpointError::OtherScenario {
            path: path.to_path_buf(),
            keys,
            continuing,
        });
    }
    let model = Model::restore(scenario, saved.model);
    if model.tick >= scenario.end_tick() {
        return Err(CheckpointError::NothingLeft {
            path: path.to_path_buf(),
            saved: model.output_tick(),
            ticks: scenario.spec.simulation.ticks,
        });
    }
    Ok((model, saved.summary))
}

/// Whether a dotted scenario key is one that arms of a comparison may set differently and still
/// share one world up to their fork: the state's policies (`[state]`) and their timeline
/// (`[[events]]`). Every other key shapes the world they share, so they must agree on it.
pub fn is_arm_key(key: &str) -> bool {
    key == "state" || key.starts_with("state.") || key == "events" || key.starts_with("events.")
}

/// The keys two resolved scenarios (TOML) set differently that keep them from sharing a world:
/// all but those of an arm ([`is_arm_key`]) and those the model never reads (`description`,
/// `simulation.ticks`, `[outputs]`, `[targets]`), in order.
pub fn unshared_keys(a: &str, b: &str) -> Vec<String> {
    let unread = |k: &str| {
        k == "description"
            || ["outputs", "targets"]
                .iter()
                .any(|t| k == *t || k.strip_prefix(t).is_some_and(|r| r.starts_with('.')))
    };
    differing_keys(a, b)
        .into_iter()
        .filter(|k| !is_arm_key(k) && !unread(k))
        .collect()
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

//! Scenario files: the TOML format ([`spec`]), loading with `extends` and `--set` ([`load`]),
//! resolution and range checks ([`validate`]), and the per-tick parameters the model uses
//! ([`params`]). Only a resolved [`Scenario`] reaches the model.

pub mod error;
pub mod load;
pub mod mechanisms;
pub mod params;
pub mod spec;
pub mod state;
pub mod validate;

use std::path::Path;

use sha2::{Digest, Sha256};

pub use error::{Origin, Problem, ScenarioError};
pub use load::Override;
pub use params::Params;
pub use spec::*;

/// A resolved, checked scenario: every default filled in, every value in range.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub spec: ScenarioSpec,
    pub params: Params,
}

/// The built-in defaults, as an empty scenario file gives them.
impl Default for Scenario {
    fn default() -> Self {
        Scenario::from_spec(ScenarioSpec::default()).expect("the built-in defaults are valid")
    }
}

impl Scenario {
    /// Loads a scenario file (following `extends`), applies `KEY=VALUE` overrides and resolves it.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
        Ok(Self::load_with_warnings(path, &Override::sets(overrides))?.0)
    }

    /// Loads like [`Scenario::load`] and also returns the warnings: things that are valid but
    /// probably not meant, such as an event after the last tick or a world without groups.
    pub fn load_with_warnings(
        path: &Path,
        overrides: &[Override],
    ) -> Result<(Scenario, Vec<Problem>), ScenarioError> {
        let loaded = load::load_with(path, overrides)?;
        let scenario = Self::resolve_with(loaded.spec, &loaded.provenance)?;
        let warnings = validate::warnings(&scenario.spec, &loaded.provenance)
            .into_iter()
            .map(|mut w| {
                // A warning about something no file sets points at the file named.
                if w.origin == Origin::Default {
                    w.origin = Origin::File {
                        file: path.to_path_buf(),
                        line: 1,
                        column: 1,
                    };
                }
                w
            })
            .collect();
        Ok((scenario, warnings))
    }

    /// The scenario of a [`load::Base`] read before, with `KEY=VALUE` overrides applied and
    /// resolved: the same scenario as [`Scenario::load`] of its file when it was read.
    pub fn from_base(base: &load::Base, overrides: &[String]) -> Result<Scenario, ScenarioError> {
        let loaded = base.with(&load::Override::sets(overrides))?;
        Self::resolve_with(loaded.spec, &loaded.provenance)
    }

    /// Resolves a scenario built in code (errors carry no file positions).
    pub fn from_spec(spec: ScenarioSpec) -> Result<Scenario, ScenarioError> {
        Self::resolve_with(spec, &load::Provenance::default())
    }

    fn resolve_with(
        spec: ScenarioSpec,
        provenance: &load::Provenance,
    ) -> Result<Scenario, ScenarioError> {
        let spec = validate::resolve(spec, provenance)?;
        let params = Params::from_spec(&spec);
        Ok(Scenario { spec, params })
    }

    /// The resolved scenario as TOML; loading this text gives the same scenario back.
    pub fn to_toml(&self) -> String {
        toml::to_string(&self.spec).expect("a resolved scenario always serializes")
    }

    /// SHA-256 of [`Scenario::to_toml`], in hex: identifies the exact scenario that ran.
    pub fn hash(&self) -> String {
        hex(&Sha256::digest(self.to_toml().as_bytes()))
    }

    /// Seed of every random stream.
    pub fn seed(&self) -> u64 {
        self.spec.simulation.seed
    }

    /// Ticks the world runs before tick 0 ([`Params::burn_in_ticks`]).
    pub fn burn_in_ticks(&self) -> u32 {
        self.params.burn_in_ticks
    }

    /// The model's tick after the last: the burn-in and then `simulation.ticks`. The model counts
    /// its ticks from the world's building, so that no random stream is keyed by a tick twice;
    /// outputs count them from the end of the burn-in.
    pub fn end_tick(&self) -> u32 {
        self.burn_in_ticks() + self.spec.simulation.ticks
    }
}

/// Lower-case hexadecimal of a byte string.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

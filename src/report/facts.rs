//! Which stylised facts of the validation battery bear on a comparison: those whose experiments
//! vary what the compared arms vary.
//!
//! The rule, from the facts' own data ([`crate::validate::facts::catalogue`]): a fact is relevant
//! when one of its checks
//! - overrides (`--set`) a parameter that differs between the first arm and another arm, two
//!   keys naming the same parameter when they have the same section (first part) and the same
//!   name (last part), array positions and group names aside (`events[0].state.crackdown.posture`
//!   and `events[1].state.crackdown.posture`; `groups.gangs.reach` and `groups[0].reach`); or
//! - contrasts two different scenario files, the treated one being the file of an arm after the
//!   first (`crackdown.toml`).
//!
//! Keys of `simulation` and `outputs`, and a scenario's `description`, name no mechanism and are
//! never matched.

use std::collections::BTreeSet;

use crate::validate::{Design, Fact};

/// Sections whose keys say how a run is made, not what the model does.
const NOT_MECHANISMS: [&str; 4] = ["simulation", "outputs", "description", "extends"];

/// The parameter a dotted key names: its section and its last part, without array positions
/// (`None` for keys that name no mechanism).
pub fn parameter(key: &str) -> Option<(String, String)> {
    let parts: Vec<String> = key
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p).to_string())
        .collect();
    let section = parts.first()?.clone();
    if NOT_MECHANISMS.contains(&section.as_str()) {
        return None;
    }
    Some((section, parts.last()?.clone()))
}

/// Why `fact` bears on a comparison whose arms differ in `keys`, the arms after the first running
/// the scenario files named `files` (file names, `crackdown.toml`); empty when it does not.
pub fn reasons(fact: &Fact, keys: &[String], files: &[String]) -> Vec<String> {
    let differing: BTreeSet<(String, String)> = keys.iter().filter_map(|k| parameter(k)).collect();
    let mut reasons = BTreeSet::new();
    for check in &fact.checks {
        let arms = match &check.design {
            Design::Single(a) => vec![a],
            Design::Paired { base, treated } => {
                if base.scenario != treated.scenario && files.iter().any(|f| f == treated.scenario)
                {
                    reasons.insert(format!(
                        "contrasts {} with {}",
                        treated.scenario, base.scenario
                    ));
                }
                vec![base, treated]
            }
        };
        for arm in arms {
            for set in &arm.set {
                let key = set.split('=').next().unwrap_or("").trim();
                if let Some(p) = parameter(key)
                    && differing.contains(&p)
                {
                    reasons.insert(format!("varies {key}"));
                }
            }
        }
    }
    reasons.into_iter().collect()
}

/// The facts of `catalogue` that bear on the comparison, with why.
pub fn relevant(catalogue: &[Fact], keys: &[String], files: &[String]) -> Vec<(u32, Vec<String>)> {
    catalogue
        .iter()
        .map(|f| (f.id, reasons(f, keys, files)))
        .filter(|(_, r)| !r.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::facts::catalogue;

    #[test]
    fn parameters_ignore_positions_and_group_names() {
        assert_eq!(
            parameter("events[0].state.crackdown.posture"),
            Some(("events".into(), "posture".into()))
        );
        assert_eq!(
            parameter("groups.gangs.reach"),
            parameter("groups[2].reach")
        );
        assert_eq!(parameter("simulation.ticks"), None);
        assert_eq!(parameter("description"), None);
    }

    #[test]
    fn a_crackdown_comparison_finds_the_crackdown_facts_and_a_seed_change_finds_none() {
        let facts = catalogue();
        let crackdown = [
            "events[0].label".to_string(),
            "events[0].state.crackdown.posture".to_string(),
            "events[0].state.crackdown.units".to_string(),
        ];
        let found = relevant(&facts, &crackdown, &["crackdown.toml".into()]);
        assert!(!found.is_empty());
        assert!(
            found
                .iter()
                .flat_map(|(_, r)| r)
                .any(|r| r.contains("posture")),
            "{found:?}"
        );
        // Only how the runs are made differs: no mechanism, no fact.
        let none = relevant(
            &facts,
            &["simulation.ticks".into(), "description".into()],
            &["baseline.toml".into()],
        );
        assert!(none.is_empty(), "{none:?}");
        // A parameter no fact varies.
        assert!(relevant(&facts, &["world.no_such_key".into()], &[]).is_empty());
    }
}

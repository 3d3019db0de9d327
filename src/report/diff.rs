//! What differs between two resolved scenarios, key by key.

use std::collections::BTreeMap;

use serde_json::Value;

/// Every leaf of a resolved scenario under its dotted key (`groups[0].reach`, `state.leak_probability`),
/// with its value as TOML writes it. Tables become dotted keys and arrays of tables indexed keys;
/// an array of plain values stays one value (`["R1", "R2"]`); an absent optional value is left out.
pub fn flatten(scenario: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk(scenario, "", &mut out);
    out
}

fn walk(value: &Value, key: &str, out: &mut BTreeMap<String, String>) {
    let child = |name: &str| {
        if key.is_empty() {
            name.to_string()
        } else {
            format!("{key}.{name}")
        }
    };
    match value {
        Value::Object(map) => {
            for (name, v) in map {
                walk(v, &child(name), out);
            }
        }
        Value::Array(items) if items.iter().any(|v| v.is_object()) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{key}[{i}]"), out);
            }
        }
        Value::Null => {}
        leaf => {
            out.insert(key.to_string(), text(leaf));
        }
    }
}

/// A value as TOML writes it: strings quoted, arrays bracketed.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(text).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// A key whose value differs between the first arm and another: the first arm's value and the
/// arm's (`None` where the scenario has no such key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub key: String,
    pub first: Option<String>,
    pub arm: Option<String>,
}

/// Keys that differ in every comparison without being a difference of the arms: the seed is the
/// replicate's in every arm.
const IGNORED: [&str; 1] = ["simulation.seed"];

/// The keys whose values differ between `first` and `arm`, in key order.
pub fn differences(first: &Value, arm: &Value) -> Vec<Difference> {
    let (a, b) = (flatten(first), flatten(arm));
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !IGNORED.contains(&k.as_str()))
        .filter(|k| a.get(*k) != b.get(*k))
        .filter(|k| !emptied_table_array(k, &a, &b) && !emptied_table_array(k, &b, &a))
        .map(|k| Difference {
            key: k.clone(),
            first: a.get(k).cloned(),
            arm: b.get(k).cloned(),
        })
        .collect()
}

/// An array of tables empty in `x` (`events = []`) and filled in `y` (`events[0].tick`): its
/// entries are listed key by key, the empty array is no difference of its own.
fn emptied_table_array(
    key: &str,
    x: &BTreeMap<String, String>,
    y: &BTreeMap<String, String>,
) -> bool {
    x.get(key).is_some_and(|v| v == "[]")
        && !y.contains_key(key)
        && y.keys().any(|k| k.starts_with(&format!("{key}[")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_flatten_to_dotted_keys_and_arrays_of_tables_to_indexed_keys() {
        let s = json!({
            "simulation": {"ticks": 52, "seed": 1},
            "groups": [{"name": "gangs", "reach": 3.0}],
            "regions": ["R1", "R2"],
            "optional": null
        });
        let flat = flatten(&s);
        assert_eq!(flat["simulation.ticks"], "52");
        assert_eq!(flat["groups[0].name"], "\"gangs\"");
        assert_eq!(flat["groups[0].reach"], "3.0");
        assert_eq!(flat["regions"], "[\"R1\", \"R2\"]");
        assert!(!flat.contains_key("optional"));
    }

    #[test]
    fn only_differing_keys_are_listed_with_both_values() {
        let first = json!({
            "simulation": {"ticks": 52, "seed": 1},
            "state": {"leak_probability": 0.1},
            "events": []
        });
        let arm = json!({
            "simulation": {"ticks": 52, "seed": 9},
            "state": {"leak_probability": 0.3},
            "events": [{"tick": 8, "state": {"crackdown": {"posture": "militarised"}}}]
        });
        let d = differences(&first, &arm);
        let keys: Vec<&str> = d.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "events[0].state.crackdown.posture",
                "events[0].tick",
                "state.leak_probability"
            ]
        );
        assert_eq!(d[1].first, None);
        assert_eq!(d[1].arm.as_deref(), Some("8"));
        assert_eq!(d[2].first.as_deref(), Some("0.1"));
        assert!(differences(&first, &first).is_empty());
    }
}

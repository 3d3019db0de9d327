//! Every numeric scenario key has a range: setting it far outside (negative, or absurdly large)
//! is rejected with an error that names the key.

mod common;

use displace::scenario::Scenario;

/// Numeric leaf keys of a TOML value, as `--set` paths (array elements by index) and as the key
/// path errors print (`groups[0].reach`).
fn numeric_keys(
    value: &toml::Value,
    set_path: &str,
    key_path: &str,
    out: &mut Vec<(String, String)>,
) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let join = |p: &str| {
                    if p.is_empty() {
                        k.clone()
                    } else {
                        format!("{p}.{k}")
                    }
                };
                numeric_keys(v, &join(set_path), &join(key_path), out);
            }
        }
        toml::Value::Array(items) if items.iter().all(toml::Value::is_table) => {
            for (i, item) in items.iter().enumerate() {
                numeric_keys(
                    item,
                    &format!("{set_path}.{i}"),
                    &format!("{key_path}[{i}]"),
                    out,
                );
            }
        }
        toml::Value::Integer(_) | toml::Value::Float(_) => {
            out.push((set_path.to_string(), key_path.to_string()))
        }
        _ => {}
    }
}

#[test]
fn every_numeric_key_rejects_values_outside_its_range() {
    let tiny = common::tiny_path();
    let scenario = Scenario::load(&tiny, &[]).unwrap();
    let mut keys = Vec::new();
    numeric_keys(
        &toml::Value::try_from(&scenario.spec).unwrap(),
        "",
        "",
        &mut keys,
    );
    assert!(keys.len() > 150, "found {} numeric keys", keys.len());
    let mut unchecked = Vec::new();
    for (set_path, key_path) in &keys {
        for bad in ["-1", "1e15"] {
            match Scenario::load(&tiny, &[format!("{set_path}={bad}")]) {
                Ok(_) => unchecked.push(format!("{key_path}={bad}")),
                Err(e) => {
                    let text = e.to_string();
                    assert!(
                        text.contains(key_path.as_str()) || text.contains(set_path.as_str()),
                        "{text}"
                    );
                }
            }
        }
    }
    assert!(unchecked.is_empty(), "accepted out of range: {unchecked:?}");
}

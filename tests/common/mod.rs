//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use displace::scenario::Scenario;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The tiny, fast test scenario.
pub fn tiny_path() -> PathBuf {
    root().join("tests/data/tiny.toml")
}

pub fn tiny(overrides: &[&str]) -> Scenario {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    Scenario::load(&tiny_path(), &overrides).expect("tiny scenario loads")
}

/// Runs the real `displace` binary.
pub fn displace(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_displace"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("displace runs")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Files of a run folder whose bytes must not depend on the machine or thread count.
pub const RESULT_FILES: [&str; 4] = [
    "timeseries.csv",
    "episodes.csv",
    "cells.csv",
    "summary.json",
];

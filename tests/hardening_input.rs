//! Issue 12: bad input never crashes the tool or eats the machine, and its messages say what is
//! wrong in the user's words, where it is, and what was expected.

mod common;

use common::{displace, stderr, write};
use std::path::Path;

/// Runs `displace ARGS` in `dir` and returns (exit code, stderr).
fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = displace(args, dir);
    (out.status.code(), stderr(&out))
}

/// `check FILE` on `text` must fail with exit 2, each of `expect` in the message and none of
/// the internals in it.
fn check_refuses(text: &str, expect: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.toml", text);
    let (code, err) = run(dir.path(), &["check", "bad.toml"]);
    assert_eq!(code, Some(2), "{err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in: {err}");
    }
    assert_plain(&err);
    err
}

/// No Rust type name or debug text reaches a message.
fn assert_plain(message: &str) {
    for internal in [
        "i128", "u32", "u64", "f64", "struct ", "Custom {", "Error(", "Some(", "kind: ",
    ] {
        assert!(
            !message.contains(internal),
            "internal text {internal:?} in: {message}"
        );
    }
}

#[test]
fn issue_12_a_huge_region_grid_is_refused_before_region_names_are_built() {
    // Used to abort: "memory allocation of 103079215080 bytes failed".
    check_refuses(
        "[world]\nregions_x = 65537\nregions_y = 65535\n",
        &["bad.toml:2:1", "world.regions_x", "expected at most 255"],
    );
}

#[test]
fn issue_12_twenty_thousand_events_are_checked_and_the_last_one_is_located() {
    // Line and column used to be found by rescanning the file for every key (quadratic).
    let mut text = String::from("[simulation]\nticks = 52\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "[[events]]\ntick = {}\nstate = {{ corruption = 0.3 }}\n",
            i % 50
        ));
    }
    text.push_str("[[events]]\ntick = 3\nstate = { corruption = 1.5 }\n");
    let last_line = text.lines().count();
    let err = check_refuses(&text, &["events[20000].state.corruption", "from 0 to 1"]);
    assert!(
        err.contains(&format!("bad.toml:{last_line}:")),
        "expected line {last_line} in: {err}"
    );
}

#[test]
fn issue_12_a_map_of_bad_rows_reports_a_few_and_counts_the_rest() {
    let rows: Vec<String> = (0..3000).map(|_| "\"CXPX\",".to_string()).collect();
    let text = format!("[world]\nmap = [\"CPRB\", {}]\n", rows.join(""));
    let err = check_refuses(&text, &["row 2 has `X`", "more problems in its rows"]);
    assert!(err.lines().count() < 30, "{} lines", err.lines().count());
}

#[test]
fn issue_12_problem_lists_are_capped() {
    let mut text = String::from("[simulation]\nticks = 52\n");
    for _ in 0..500 {
        text.push_str("[[events]]\ntick = 1\nstate = { corruption = 7.0 }\n");
    }
    let err = check_refuses(&text, &["... and 480 more problems"]);
    assert!(err.lines().count() <= 23, "{err}");
}

#[test]
fn issue_12_devices_folders_and_huge_files_are_not_read_as_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = run(dir.path(), &["check", "/dev/zero"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("/dev/zero: it is a device"), "{err}");

    std::fs::create_dir(dir.path().join("folder.toml")).unwrap();
    let (code, err) = run(dir.path(), &["check", "folder.toml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("it is a folder"), "{err}");

    let big = dir.path().join("big.toml");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(65 << 20).unwrap(); // sparse: no disk is used
    let (code, err) = run(dir.path(), &["check", "big.toml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("larger than 64 MiB"), "{err}");
}

#[test]
fn issue_12_extends_chains_cycles_and_bad_targets_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    // 34 files without a cycle: too long, not a cycle.
    for i in 0..33 {
        write(
            dir.path(),
            &format!("c{i}.toml"),
            &format!("extends = \"c{}.toml\"\n", i + 1),
        );
    }
    write(dir.path(), "c33.toml", "[simulation]\nticks = 3\n");
    let (code, err) = run(dir.path(), &["check", "c0.toml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("chain is longer than 32 files"), "{err}");
    assert!(!err.contains("cycle"), "{err}");
    // A real cycle of two.
    write(dir.path(), "a.toml", "extends = \"b.toml\"\n");
    write(dir.path(), "b.toml", "extends = \"a.toml\"\n");
    let (code, err) = run(dir.path(), &["check", "a.toml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("b.toml:1:1: `extends` forms a cycle"), "{err}");
    // A folder and a device.
    std::fs::create_dir(dir.path().join("adir")).unwrap();
    write(dir.path(), "d.toml", "extends = \"adir\"\n");
    let (_, err) = run(dir.path(), &["check", "d.toml"]);
    assert!(
        err.contains("d.toml:1:1: `extends = \"adir\"`: it is a folder"),
        "{err}"
    );
    write(dir.path(), "n.toml", "extends = \"/dev/null\"\n");
    let (code, err) = run(dir.path(), &["check", "n.toml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("it is a device"), "{err}");
    assert!(!err.contains("no such"), "{err}");
}

#[test]
fn issue_12_type_errors_speak_the_scenario_language() {
    check_refuses(
        "[population]\nhouseholds = 10000000000000\n",
        &[
            "bad.toml:2:14",
            "found 10000000000000",
            "from 0 to 4294967295",
            "too large",
        ],
    );
    check_refuses(
        "[population]\nhouseholds = 99999999999999999999\n",
        &["found 99999999999999999999", "too large"],
    );
    check_refuses("groups = [1]\n", &["found 1, expected a table"]);
    check_refuses("[[groups]]\nkind = 3\n", &["expected a name in quotes"]);
    check_refuses(
        "[simulation]\nticks = \"many\"\n",
        &["found the text \"many\", expected a whole number"],
    );
    check_refuses(
        "[world]\ncell_km = 1e308\n",
        &["found 1e308, expected kilometres from 0.01 to 100"],
    );
    // Placed where the user wrote the table, and the sum without binary noise.
    check_refuses(
        "[world.mix]\nurban_core = 0.9\n",
        &["bad.toml:2:1: key `world.mix`: shares sum to 1.84"],
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("latin1.toml"), b"# caf\xe9\n").unwrap();
    let (code, err) = run(dir.path(), &["check", "latin1.toml"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("line 1, column 6: byte 0xe9 is not UTF-8"),
        "{err}"
    );
    assert_eq!(err.matches("UTF-8").count(), 2, "{err}"); // "not UTF-8", "save as UTF-8"
}

#[test]
fn issue_12_flags_are_quoted_as_typed() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let (code, err) = run(
        dir.path(),
        &["check", tiny.to_str().unwrap(), "--ticks", "5201"],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--ticks 5201: key `simulation.ticks`: found 5201"),
        "{err}"
    );
    assert!(!err.contains("--set"), "{err}");
}

#[test]
fn issue_12_set_extends_is_refused_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let (code, err) = run(
        dir.path(),
        &[
            "check",
            tiny.to_str().unwrap(),
            "--set",
            "extends=other.toml",
        ],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--set extends=other.toml: `extends` cannot be changed"),
        "{err}"
    );
}

#[test]
fn issue_12_sweep_and_scenario_files_given_to_the_wrong_command_say_which_to_use() {
    let root = common::root();
    let sweep = root.join("scenarios/sweeps/01_extortion_grid.toml");
    let (code, err) = run(&root, &["check", sweep.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("it is a sweep file") && err.contains("displace sweep"),
        "{err}"
    );
    assert!(!err.contains("did you mean"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let (code, err) = run(dir.path(), &["sweep", tiny.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("it is a scenario file") && err.contains("displace run"),
        "{err}"
    );
}

#[test]
fn issue_12_events_after_the_run_and_worlds_without_groups_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "late.toml",
        &format!(
            "extends = \"{}\"\n[simulation]\nticks = 10\n[[events]]\nlabel = \"too late\"\ntick = 40\nstate = {{ corruption = 0.5 }}\n",
            common::tiny_path().display()
        ),
    );
    let out = displace(&["check", "late.toml"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains("warning: late.toml:6:1: key `events[0].tick`: the event (`too late`) starts at tick 40, but the run's ticks are 0 to 9"),
        "{err}"
    );
    let (code, err) = run(dir.path(), &["check", "late.toml", "--strict"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--strict"), "{err}");
    // The same scenario with a long enough run has nothing to warn about.
    let out = displace(&["check", "late.toml", "--ticks", "41"], dir.path());
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    write(dir.path(), "empty.toml", "# nothing here yet\n");
    let out = displace(&["check", "empty.toml"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out)
            .contains("warning: empty.toml:1:1: key `groups`: the scenario has no [[groups]]"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn issue_12_thread_counts_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    for (command, flag) in [("run", "--threads"), ("bench", "--threads")] {
        let mut args = vec![command];
        if command == "run" {
            args.push(tiny.to_str().unwrap());
        }
        args.extend([flag, "99999999999999"]);
        let (code, err) = run(dir.path(), &args);
        assert_eq!(code, Some(2), "{command}: {err}");
        assert!(err.contains("is not in 1..=1024"), "{err}");
    }
    let sweep = common::root().join("scenarios/sweeps/01_extortion_grid.toml");
    let (code, err) = run(
        dir.path(),
        &["sweep", sweep.to_str().unwrap(), "--jobs", "0"],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("is not in 1..=1024"), "{err}");
}

/// A sweep over the tiny scenario with `body` after its base line.
fn sweep_file(dir: &Path, body: &str) -> String {
    write(
        dir,
        "sweep.toml",
        &format!(
            "base = \"{}\"\nset = [\"simulation.ticks=2\"]\n{body}",
            common::tiny_path().display()
        ),
    );
    "sweep.toml".into()
}

#[test]
fn issue_12_giant_designs_are_refused_before_they_are_generated() {
    let dir = tempfile::tempdir().unwrap();
    let grid =
        "[[parameters]]\nkey = \"state.corruption\"\nmin = 0.0\nmax = 1.0\nsteps = 4000000000\n";
    let sobol = "design = \"sobol\"\npoints = 4000000000\n[[parameters]]\nkey = \"state.corruption\"\nmin = 0.0\nmax = 1.0\n";
    let lhs = "design = \"latin_hypercube\"\npoints = 4000000000\n[[parameters]]\nkey = \"state.corruption\"\nmin = 0.0\nmax = 1.0\n";
    for body in [grid, sobol, lhs] {
        let file = sweep_file(dir.path(), body);
        for extra in [&[][..], &["--export-design", "d.csv"][..]] {
            let mut args = vec!["sweep", file.as_str()];
            args.extend(extra);
            let (code, err) = run(dir.path(), &args);
            assert_eq!(code, Some(2), "{err}");
            assert!(
                err.contains("the design has 4000000000 runs") && err.contains("max_runs"),
                "{err}"
            );
        }
    }
    // The explicit override lets a large design through, and is itself bounded.
    let file = sweep_file(
        dir.path(),
        "design = \"sobol\"\npoints = 2000000\nmax_runs = 2000000\n[[parameters]]\nkey = \"state.corruption\"\nmin = 0.0\nmax = 1.0\n",
    );
    let (code, err) = run(dir.path(), &["sweep", &file, "--export-design", "d.csv"]);
    assert_eq!(code, Some(0), "{err}");
    let rows = std::fs::read_to_string(dir.path().join("d.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(rows, 2_000_001);
    let file = sweep_file(
        dir.path(),
        "max_runs = 100000000000\n[[parameters]]\nkey = \"state.corruption\"\nvalues = [0.1]\n",
    );
    let (code, err) = run(dir.path(), &["sweep", &file]);
    assert_eq!(code, Some(2));
    assert!(err.contains("key `max_runs`: found 100000000000"), "{err}");
}

#[test]
fn issue_12_merge_refuses_a_manifest_that_claims_more_runs_than_its_design() {
    let dir = tempfile::tempdir().unwrap();
    let file = sweep_file(
        dir.path(),
        "[[parameters]]\nkey = \"state.corruption\"\nvalues = [0.1, 0.2]\n",
    );
    let (code, err) = run(dir.path(), &["sweep", &file, "--out", "sw", "-q"]);
    assert_eq!(code, Some(0), "{err}");
    let manifest = dir.path().join("sw/manifest.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    json["runs"] = serde_json::json!(1_000_000_000_000u64);
    std::fs::write(&manifest, json.to_string()).unwrap();
    let (code, err) = run(dir.path(), &["merge", "sw"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("claims 1000000000000 runs of 2 points x 1 replicates"),
        "{err}"
    );
}

#[test]
fn issue_12_help_shows_examples_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = displace(&["--help"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let help = common::stdout(&out);
    for expected in [
        "Examples:",
        "displace run scenarios/baseline.toml",
        "displace compare",
        "Exit codes:",
        "  2    bad input",
        "  130  stopped by Ctrl-C",
    ] {
        assert!(help.contains(expected), "{expected:?} not in:\n{help}");
    }
    // Every example names a real subcommand and a shipped file.
    for line in help
        .lines()
        .filter(|l| l.trim_start().starts_with("displace "))
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        let out = displace(&[words[1], "--help"], dir.path());
        assert_eq!(out.status.code(), Some(0), "{line}");
        for file in words.iter().filter(|w| w.starts_with("scenarios/")) {
            assert!(common::root().join(file).is_file(), "{file} in {line}");
        }
    }
}

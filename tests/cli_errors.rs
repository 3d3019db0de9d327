//! Every class of bad input gets a clear message naming where and what, and exit code 2
//! (1 where the fault is the machine's, not the input's).

mod common;

use common::{displace, stderr, write};

fn check_fails(text: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.toml", text);
    let out = displace(&["check", "bad.toml"], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in: {err}");
    }
}

#[test]
fn toml_syntax_error_names_file_line_and_column() {
    check_fails(
        "[simulation]\nticks = 3\n[world\n",
        &["bad.toml:3:7", "TOML syntax error"],
    );
}

#[test]
fn unknown_key_is_rejected_with_the_nearest_valid_key() {
    check_fails(
        "[simulation]\nticks = 3\n\n[flight]\ncandiates = 4\n",
        &[
            "bad.toml:5:1",
            "unknown key `flight.candiates`",
            "did you mean `candidates`",
        ],
    );
}

#[test]
fn unknown_key_inside_a_group_names_its_index() {
    check_fails(
        "[[groups]]\nkind = \"cartel\"\n\n[[groups]]\nkind = \"street_gang\"\nextortion_rat = 3\n",
        &[
            "bad.toml:6:1",
            "groups[1].extortion_rat",
            "did you mean `extortion_rate`",
        ],
    );
}

#[test]
fn wrong_type_says_what_was_expected() {
    check_fails(
        "[world]\nwidth = \"wide\"\n",
        &["bad.toml:2:9", "world.width", "expected a whole number"],
    );
    check_fails(
        "[[groups]]\nkind = \"gang\"\n",
        &["groups[0].kind", "`street_gang`"],
    );
}

#[test]
fn out_of_range_values_name_key_and_accepted_range() {
    check_fails(
        "[state]\ncorruption = 1.5\n[simulation]\ntick_days = 0\n",
        &[
            "bad.toml:2:1: key `state.corruption`: found 1.5, expected a share from 0 to 1",
            "bad.toml:4:1: key `simulation.tick_days`: found 0, expected days from 1 to 365",
        ],
    );
}

#[test]
fn shares_that_do_not_sum_to_one_are_rejected() {
    check_fails(
        "[world.mix]\nurban_core = 0.5\nurban_periphery = 0.5\nrural = 0.5\nborder_corridor = 0.0\nresource_site = 0.0\n",
        &["world.mix", "sum to 1.5"],
    );
}

#[test]
fn missing_extends_target_is_named() {
    check_fails(
        "extends = \"missing.toml\"\n",
        &["bad.toml:1:1", "missing.toml", "no such scenario file"],
    );
}

#[test]
fn errors_in_an_extended_file_point_into_that_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "parent.toml", "[fear]\nmemory_weeks = 0.5\n");
    write(
        dir.path(),
        "child.toml",
        "extends = \"parent.toml\"\n[simulation]\nticks = 4\n",
    );
    let out = displace(&["check", "child.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("parent.toml:2:1: key `fear.memory_weeks`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_set_overrides_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let tiny = tiny.to_str().unwrap();
    for (arg, expect) in [
        (
            "world.widht=3",
            "unknown key `world.widht` (did you mean `width`?)",
        ),
        ("groups.gangs.reach=far", "expected a whole number"),
        ("groups.mafia.reach=3", "names: gangs, traffickers, cartels"),
        ("groups.9.reach=3", "index 9 is out of range"),
        ("simulation.ticks", "expected KEY=VALUE"),
        (
            "simulation.ticks=0",
            "--set simulation.ticks=0: key `simulation.ticks`: found 0",
        ),
    ] {
        let out = displace(&["check", tiny, "--set", arg], dir.path());
        assert_eq!(out.status.code(), Some(2), "{arg}");
        assert!(stderr(&out).contains(expect), "{arg}: {}", stderr(&out));
    }
}

#[test]
fn missing_scenario_file_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = displace(&["run", "nowhere.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("cannot read scenario file nowhere.toml"),
        "{err}"
    );
    // The cause is said once, not repeated by the error chain.
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

#[test]
fn bench_outside_the_repository_says_where_its_scenario_is() {
    let dir = tempfile::tempdir().unwrap();
    let out = displace(&["bench", "--households", "1000", "--quiet"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("scenarios/bench/national.toml"), "{err}");
    assert!(err.contains("--scenario"), "{err}");
}

#[test]
fn existing_output_folder_is_kept_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    write(&dir.path().join("out"), "keep.txt", "precious");
    let out = displace(
        &[
            "run",
            tiny.to_str().unwrap(),
            "--out",
            "out",
            "--ticks",
            "2",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists (use --force"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/keep.txt")).unwrap(),
        "precious"
    );

    let out = displace(
        &[
            "run",
            tiny.to_str().unwrap(),
            "--out",
            "out",
            "--ticks",
            "2",
            "--force",
        ],
        dir.path(),
    );
    // Issue 12: --force replaces only an earlier run, never a folder of someone else's.
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is not an earlier run folder"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/keep.txt")).unwrap(),
        "precious"
    );

    let run_twice = |force: bool| {
        let mut args = vec![
            "run",
            tiny.to_str().unwrap(),
            "--out",
            "run",
            "--ticks",
            "2",
            "--no-plots",
        ];
        if force {
            args.push("--force");
        }
        displace(&args, dir.path())
    };
    assert_eq!(run_twice(false).status.code(), Some(0));
    write(dir.path(), "run/note.txt", "from the first run");
    let out = run_twice(true);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!dir.path().join("run/note.txt").exists());
    assert!(dir.path().join("run/summary.json").exists());
}

#[test]
fn unwritable_output_folder_is_a_machine_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file where a parent folder should be: no permission tricks needed, works as root.
    write(dir.path(), "blocker", "not a folder");
    let tiny = common::tiny_path();
    let out = displace(
        &[
            "run",
            tiny.to_str().unwrap(),
            "--out",
            "blocker/run",
            "--ticks",
            "2",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot write blocker"),
        "{}",
        stderr(&out)
    );
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "only the blocker file remains");
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = displace(&["run"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let out = displace(&["run", "x.toml", "--threads", "many"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_reader_that_closes_early_is_not_an_error() {
    // `displace check ... | head -1`: the pipe closes before the scenario is written.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_displace"))
        .args(["check", "scenarios/ecuador_2024.toml"])
        .current_dir(common::root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

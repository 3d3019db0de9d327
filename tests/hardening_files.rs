//! Issue 12: nothing a user owns is ever destroyed, an interrupted or killed command leaves
//! nothing half-written behind (or has it cleaned up by the next one), and two sweeps never run
//! into one folder.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{displace, stderr, write};

fn spawn(args: &[&str], cwd: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_displace"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("displace starts")
}

/// Names in `dir` starting with a dot (temporary folders, backups, locks).
fn hidden(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// Waits until `ready` holds (the command has got going), at most a minute.
fn wait_for(ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(60), "never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The id of a process that has exited.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn issue_12_force_never_replaces_what_is_not_an_earlier_result() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = std::fs::read_to_string(common::tiny_path()).unwrap();
    write(dir.path(), "s.toml", &scenario);
    for command in [
        &["run", "s.toml"][..],
        &["compare", "s.toml", "s.toml", "-n", "2"][..],
    ] {
        let mut args = command.to_vec();
        args.extend(["--out", "s.toml", "--force", "--ticks", "2"]);
        let out = displace(&args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("s.toml exists and is not an earlier"));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("s.toml")).unwrap(),
            scenario
        );
    }
    // A run folder is not a comparison folder, nor the other way round.
    let out = displace(
        &["run", "s.toml", "--out", "r", "--ticks", "2", "--no-plots"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let out = displace(
        &[
            "compare", "s.toml", "s.toml", "-n", "2", "--ticks", "2", "--out", "r", "--force",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(dir.path().join("r/summary.json").is_file());
    assert!(hidden(dir.path()).is_empty(), "{:?}", hidden(dir.path()));
}

#[test]
fn issue_12_running_the_same_command_twice_keeps_the_first_result() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "s.toml",
        &std::fs::read_to_string(common::tiny_path()).unwrap(),
    );
    let args = ["run", "s.toml", "--ticks", "2", "--no-plots"];
    assert_eq!(displace(&args, dir.path()).status.code(), Some(0));
    let first = std::fs::read(dir.path().join("outputs/s/summary.json")).unwrap();
    let out = displace(&args, dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let kept: Vec<String> = std::fs::read_dir(dir.path().join("outputs"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("s."))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(stderr(&out).contains(&format!("the earlier run is kept in outputs/{}", kept[0])));
    assert_eq!(
        std::fs::read(
            dir.path()
                .join("outputs")
                .join(&kept[0])
                .join("summary.json")
        )
        .unwrap(),
        first
    );
    assert!(dir.path().join("outputs/s/summary.json").is_file());
    // A third run keeps the second as well.
    assert_eq!(displace(&args, dir.path()).status.code(), Some(0));
    let count = std::fs::read_dir(dir.path().join("outputs"))
        .unwrap()
        .count();
    assert_eq!(count, 3);
}

#[test]
fn issue_12_sigint_and_sigterm_stop_a_run_and_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let tiny = tiny.to_str().unwrap();
    // An earlier result that --force would replace: it must survive an interrupted replacement.
    let out = displace(
        &["run", tiny, "--out", "out", "--ticks", "2", "--no-plots"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let before = std::fs::read(dir.path().join("out/summary.json")).unwrap();
    for sig in ["-INT", "-TERM"] {
        let child = spawn(
            &[
                "run",
                tiny,
                "--out",
                "out",
                "--force",
                "--ticks",
                "5200",
                "--no-plots",
                "--set",
                "population.households=40000",
            ],
            dir.path(),
        );
        // Signalled once the run is under way (its temporary folder has its first rows).
        wait_for(|| {
            hidden(dir.path()).iter().any(|n| n.contains(".partial-"))
                && std::fs::read_dir(dir.path())
                    .unwrap()
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy().contains(".partial-"))
                    .any(|e| {
                        std::fs::metadata(e.path().join("timeseries.csv"))
                            .is_ok_and(|m| m.len() > 0)
                    })
        });
        signal(&child, sig);
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(130), "{sig}: {err}");
        assert!(err.contains("interrupted: nothing was written"), "{err}");
        assert!(
            hidden(dir.path()).is_empty(),
            "{sig}: {:?}",
            hidden(dir.path())
        );
        assert_eq!(
            std::fs::read(dir.path().join("out/summary.json")).unwrap(),
            before
        );
    }
}

#[test]
fn issue_12_leftovers_of_killed_processes_are_cleaned_up_and_backups_put_back() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = dir.path().join("outputs");
    let dead = dead_pid();
    // A temporary folder of a killed run, and a result a killed --force had moved aside.
    std::fs::create_dir_all(outputs.join(format!(".a.partial-{dead}"))).unwrap();
    write(
        &outputs,
        &format!(".a.partial-{dead}/timeseries.csv"),
        "tick\n",
    );
    std::fs::create_dir_all(outputs.join(format!(".b.partial-{dead}.old"))).unwrap();
    write(
        &outputs,
        &format!(".b.partial-{dead}.old/summary.json"),
        "{}",
    );
    // A live process's temporary folder is not touched.
    let live = std::process::id();
    std::fs::create_dir_all(outputs.join(format!(".c.partial-{live}"))).unwrap();

    let tiny = common::tiny_path();
    let out = displace(
        &[
            "run",
            tiny.to_str().unwrap(),
            "--out",
            "outputs/new",
            "--ticks",
            "2",
            "--no-plots",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(hidden(&outputs), vec![format!(".c.partial-{live}")]);
    assert_eq!(
        std::fs::read_to_string(outputs.join("b/summary.json")).unwrap(),
        "{}"
    );
    // SIGKILL cannot be caught: the next run cleans up after it.
    let child = spawn(
        &[
            "run",
            tiny.to_str().unwrap(),
            "--out",
            "outputs/killed",
            "--ticks",
            "5200",
            "--no-plots",
        ],
        dir.path(),
    );
    let partial = format!(".killed.partial-{}", child.id());
    wait_for(|| outputs.join(&partial).is_dir());
    signal(&child, "-KILL");
    let _ = child.wait_with_output();
    assert!(outputs.join(&partial).is_dir());
    let out = displace(
        &[
            "run",
            tiny.to_str().unwrap(),
            "--out",
            "outputs/next",
            "--ticks",
            "2",
            "--no-plots",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(!outputs.join(&partial).exists());
}

/// A two-point sweep of the tiny scenario at `ticks` ticks with `replicates` replicates.
fn sweep_file(dir: &Path, ticks: u32, replicates: u32) {
    write(
        dir,
        "sweep.toml",
        &format!(
            "base = \"{}\"\nset = [\"simulation.ticks={ticks}\"]\nreplicates = {replicates}\n[[parameters]]\nkey = \"state.corruption\"\nvalues = [0.1, 0.2]\n",
            common::tiny_path().display()
        ),
    );
}

#[test]
fn issue_12_a_sweep_folder_is_locked_while_a_sweep_runs_in_it() {
    let dir = tempfile::tempdir().unwrap();
    sweep_file(dir.path(), 3, 2);
    let lock = dir.path().join(".sw.sweep-lock");
    // A live holder on this machine: a process that runs while the test looks.
    let mut holder = Command::new("sleep").arg("60").spawn().unwrap();
    let host = displace::output::liveness::host_name();
    std::fs::write(
        &lock,
        format!(
            r#"{{"pid":{},"host":"{host}","started_unix":0,"shard":"all"}}"#,
            holder.id()
        ),
    )
    .unwrap();
    for extra in [&[][..], &["--force"][..], &["--shard", "1/2"][..]] {
        let mut args = vec!["sweep", "sweep.toml", "--out", "sw", "-q"];
        args.extend(extra);
        let out = displace(&args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "in use by another displace sweep (process {}",
                holder.id()
            )),
            "{}",
            stderr(&out)
        );
    }
    assert!(!dir.path().join("sw/runs").exists(), "nothing ran");
    // Once the holder is gone its lock is taken over, and released at the end.
    holder.kill().unwrap();
    holder.wait().unwrap();
    let out = displace(&["sweep", "sweep.toml", "--out", "sw", "-q"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.path().join("sw/runs.csv").is_file());
    assert!(!lock.exists());
    // Shards of one sweep do not exclude each other.
    std::fs::write(
        dir.path().join(".sw2.sweep-lock-1-of-2"),
        format!(
            r#"{{"pid":{},"host":"{host}","started_unix":0,"shard":"1/2"}}"#,
            std::process::id()
        ),
    )
    .unwrap();
    let out = displace(
        &[
            "sweep",
            "sweep.toml",
            "--out",
            "sw2",
            "--shard",
            "2/2",
            "-q",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn issue_12_a_damaged_record_is_run_again_and_merge_says_so() {
    let dir = tempfile::tempdir().unwrap();
    sweep_file(dir.path(), 3, 2);
    let out = displace(&["sweep", "sweep.toml", "--out", "sw", "-q"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let runs_csv = std::fs::read(dir.path().join("sw/runs.csv")).unwrap();
    let record = dir.path().join("sw/runs/run_00000002.json");
    let text = std::fs::read(&record).unwrap();
    std::fs::write(&record, &text[..text.len() / 2]).unwrap();

    let out = displace(&["merge", "sw"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("damaged record for run 2 (it is not a whole record"),
        "{}",
        stderr(&out)
    );
    let out = displace(&["sweep", "sweep.toml", "--out", "sw"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("run 2's record was damaged"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(dir.path().join("sw/runs.csv")).unwrap(),
        runs_csv
    );
}

#[test]
fn issue_12_an_interrupted_sweep_keeps_its_finished_runs_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    sweep_file(dir.path(), 3, 150);
    let child = spawn(
        &["sweep", "sweep.toml", "--out", "sw", "-q", "--jobs", "1"],
        dir.path(),
    );
    let runs = dir.path().join("sw/runs");
    wait_for(|| std::fs::read_dir(&runs).is_ok_and(|d| d.count() >= 3));
    signal(&child, "-INT");
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("runs finished now are kept"), "{err}");
    assert!(!dir.path().join(".sw.sweep-lock").exists());
    let finished = std::fs::read_dir(&runs).unwrap().count();
    assert!((3..300).contains(&finished), "{finished}");
    // Every record left is whole.
    for entry in std::fs::read_dir(&runs).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_ok(),
            "{}",
            entry.path().display()
        );
    }
    // Resuming gives the bytes of a sweep that was never interrupted.
    let out = displace(&["sweep", "sweep.toml", "--out", "sw"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "resuming sw: {finished} of 300 runs already finished"
        )),
        "{}",
        stderr(&out)
    );
    let out = displace(&["sweep", "sweep.toml", "--out", "whole", "-q"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read(dir.path().join("sw/runs.csv")).unwrap(),
        std::fs::read(dir.path().join("whole/runs.csv")).unwrap()
    );
}

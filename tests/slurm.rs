//! A sweep run as a real Slurm job array and merged gives the same tables, byte for byte, as the
//! same sweep run on one machine. Needs a working cluster (`.ci/slurm-up` starts one); where
//! `sbatch` is not installed the test says so and skips.

mod common;

use std::path::Path;
use std::process::Command;

use common::{displace, stderr, stdout, tiny_path, write};

const SWEEP: &str = r#"
design = "grid"
replicates = 2
seed = 21
metrics = ["displaced_persons", "homicides_total", "repeat_displacement_share"]

[[parameters]]
key = "groups.gangs.extortion_rate"
values = [2.0, 8.0, 14.0]

[[parameters]]
key = "state.corruption"
values = [0.0, 0.6]
"#;

fn sbatch_available() -> bool {
    Command::new("sbatch")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_sweep_run_as_a_slurm_job_array_merges_to_the_local_tables() {
    if !sbatch_available() {
        eprintln!(
            "SKIPPED: `sbatch` is not installed, so the Slurm job-array test cannot run here \
             (.ci/slurm-up installs and starts a one-node cluster)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "base = \"{}\"\n{SWEEP}",
        tiny_path().display().to_string().replace('\\', "/")
    );
    let file = write(dir.path(), "array.toml", &body);
    let file = file.to_str().unwrap();

    // The reference: the whole sweep on this machine.
    let local = dir.path().join("local");
    let output = displace(
        &["sweep", file, "--out", local.to_str().unwrap(), "--quiet"],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));

    // The same sweep as a job array of 3 tasks.
    let cluster = dir.path().join("cluster");
    let output = displace(
        &[
            "sweep",
            file,
            "--out",
            cluster.to_str().unwrap(),
            "--slurm",
            "--array-size",
            "3",
            "--time",
            "00:10:00",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let script = cluster.join("sweep.sbatch");
    assert!(stdout(&output).contains("sbatch"), "{}", stdout(&output));
    assert!(
        !cluster.join("runs.csv").exists(),
        "nothing runs before submission"
    );

    let submitted = Command::new("timeout")
        .args(["600", "sbatch", "--wait"])
        .arg(&script)
        .current_dir(dir.path())
        .output()
        .expect("sbatch runs");
    let logs: String = (1..=3)
        .map(|k| {
            let log = cluster.join(format!("slurm/shard_{k}.log"));
            format!(
                "--- {}\n{}",
                log.display(),
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        })
        .collect();
    assert!(
        submitted.status.success(),
        "sbatch --wait failed: {}\n{}\n{logs}",
        String::from_utf8_lossy(&submitted.stdout),
        String::from_utf8_lossy(&submitted.stderr)
    );

    // Each task ran its own shard: all 12 runs are recorded, and the array wrote one log per task.
    let records = std::fs::read_dir(cluster.join("runs")).unwrap().count();
    assert_eq!(records, 12, "{logs}");
    for k in 1..=3 {
        let log = std::fs::read_to_string(cluster.join(format!("slurm/shard_{k}.log"))).unwrap();
        assert!(
            log.contains(&format!("shard {k}/3: ran 4 runs (0 failed)")),
            "{log}"
        );
    }

    let output = displace(&["merge", cluster.to_str().unwrap()], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    for table in ["runs.csv", "points.csv"] {
        assert_eq!(
            read(&local.join(table)),
            read(&cluster.join(table)),
            "{table} from the job array differs from the local sweep"
        );
    }
}

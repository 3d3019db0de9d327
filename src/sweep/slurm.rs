//! A Slurm job array that runs a sweep's shards: task *K* of the array runs shard *K* of *N*
//! into the same sweep folder, which `displace merge` then turns into the sweep's tables.

use std::path::Path;

/// How the job array is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlurmOptions {
    /// Tasks in the array (= shards).
    pub array_size: u32,
    pub partition: Option<String>,
    /// Time limit per task, in any format `sbatch --time` accepts.
    pub time: Option<String>,
    /// Cores per task; each task runs that many runs at once.
    pub cpus_per_task: u32,
    pub job_name: String,
}

/// Quotes a word for bash.
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The text of the `sbatch` script. Paths should be absolute: the tasks start in whatever folder
/// Slurm gives them.
pub fn script(
    options: &SlurmOptions,
    displace: &Path,
    sweep_file: &Path,
    out: &Path,
    runs: u64,
) -> String {
    let n = options.array_size;
    let mut s = String::from("#!/bin/bash\n");
    s += &format!("#SBATCH --job-name={}\n", options.job_name);
    s += &format!("#SBATCH --array=1-{n}\n");
    s += &format!("#SBATCH --cpus-per-task={}\n", options.cpus_per_task);
    s += &format!(
        "#SBATCH --output={}\n",
        out.join("slurm").join("shard_%a.log").display()
    );
    if let Some(p) = &options.partition {
        s += &format!("#SBATCH --partition={p}\n");
    }
    if let Some(t) = &options.time {
        s += &format!("#SBATCH --time={t}\n");
    }
    s += &format!(
        "#\n# Runs shard $SLURM_ARRAY_TASK_ID of {n} of the sweep {} ({runs} runs).\n",
        sweep_file.display()
    );
    s += &format!(
        "# Submit:  sbatch {}\n# Then:    displace merge {}\n",
        out.join("sweep.sbatch").display(),
        out.display()
    );
    s += "# A task that is cut off can simply be resubmitted: finished runs are skipped.\n";
    s += "# Its log (no progress bar off a terminal) ends with a line saying what the shard ran.\n";
    s += "set -euo pipefail\n";
    s += &format!(
        "exec {} sweep {} --out {} --shard \"${{SLURM_ARRAY_TASK_ID}}/{n}\" --jobs \"${{SLURM_CPUS_PER_TASK:-1}}\"\n",
        quote(&displace.display().to_string()),
        quote(&sweep_file.display().to_string()),
        quote(&out.display().to_string()),
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_runs_one_shard_per_array_task() {
        let options = SlurmOptions {
            array_size: 4,
            partition: Some("short".into()),
            time: Some("01:00:00".into()),
            cpus_per_task: 2,
            job_name: "displace-demo".into(),
        };
        let s = script(
            &options,
            Path::new("/opt/bin/displace"),
            Path::new("/home/me/it's.toml"),
            Path::new("/scratch/out"),
            40,
        );
        assert!(s.starts_with("#!/bin/bash\n"));
        assert!(s.contains("#SBATCH --array=1-4\n"));
        assert!(s.contains("#SBATCH --partition=short\n"));
        assert!(s.contains("#SBATCH --time=01:00:00\n"));
        assert!(s.contains("#SBATCH --cpus-per-task=2\n"));
        assert!(s.contains("--shard \"${SLURM_ARRAY_TASK_ID}/4\""));
        // A quote inside a path is escaped for bash.
        assert!(s.contains(r"'/home/me/it'\''s.toml'"));
    }
}

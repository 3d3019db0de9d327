//! `displace sweep` and `displace merge`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;

use displace::sweep::{Shard, Sweep, SweepError, slurm};

use super::{Failure, MergeArgs, SweepArgs, progress};

/// Input problems (a bad sweep file, a folder holding another sweep, an unfinished merge) exit
/// with code 2, the rest with 1.
fn failure(e: SweepError) -> Failure {
    match e {
        SweepError::Sweep(_)
        | SweepError::DifferentSweep { .. }
        | SweepError::NotASweep { .. }
        | SweepError::Incomplete { .. }
        | SweepError::DamagedRecords { .. }
        | SweepError::NotOurs { .. }
        | SweepError::Locked { .. }
        | SweepError::BadFile { .. } => Failure::input(e),
        _ => Failure::other(e),
    }
}

pub fn sweep(args: SweepArgs) -> Result<(), Failure> {
    let sweep = Sweep::load(&args.sweep).map_err(Failure::input)?;
    if let Some(file) = &args.export_design {
        return export_design(&sweep, file);
    }
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .sweep
            .file_stem()
            .map_or("sweep".into(), |s| s.to_string_lossy().into_owned());
        Path::new("outputs").join(format!("sweep_{stem}"))
    });
    // The lock comes first: `--force` must not pull a folder from under a running sweep.
    let _lock = displace::sweep::SweepLock::acquire(&out, args.shard.unwrap_or(Shard::ALL))
        .map_err(failure)?;
    let manifest = sweep.prepare(&out, args.force).map_err(failure)?;
    if args.slurm {
        return write_slurm(&args, &sweep, &out);
    }

    let shard = args.shard.unwrap_or(Shard::ALL);
    let displace::sweep::Pending {
        runs: pending,
        damaged,
    } = sweep.pending(&out, shard).map_err(failure)?;
    if !args.quiet {
        for (run, problem) in damaged.iter().take(5) {
            eprintln!("run {run}'s record was damaged ({problem}); running it again");
        }
        if damaged.len() > 5 {
            eprintln!(
                "and {} more damaged records; running them again",
                damaged.len() - 5
            );
        }
    }
    let in_shard = (0..sweep.runs()).filter(|&r| shard.holds(r)).count() as u64;
    if !args.quiet && (pending.len() as u64) < in_shard {
        eprintln!(
            "resuming {}: {} of {} runs already finished",
            out.display(),
            in_shard - pending.len() as u64,
            in_shard
        );
    }
    let bar = progress::sweep_bar(pending.len() as u64, args.quiet);
    let failed = AtomicU64::new(0);
    let finished = AtomicU64::new(0);
    let started = Instant::now();
    let stop = super::interrupt::cooperate();
    let outcome = displace::sim::with_threads(args.jobs.unwrap_or(0), || {
        sweep.execute(
            &out,
            &pending,
            &|ok| {
                if !ok {
                    let f = failed.fetch_add(1, Ordering::Relaxed) + 1;
                    bar.set_message(format!("{f} failed"));
                }
                finished.fetch_add(1, Ordering::Relaxed);
                bar.inc(1);
            },
            stop,
        )
    })
    .context("cannot start worker threads")
    .map_err(Failure::other)?;
    if let Err(SweepError::Interrupted) = outcome {
        bar.finish_and_clear();
        return Err(Failure {
            code: super::interrupt::EXIT_INTERRUPTED,
            error: anyhow::anyhow!(
                "interrupted: {} runs finished now are kept in {}; run the same command again to resume",
                finished.into_inner(),
                out.display()
            ),
        });
    }
    outcome.map_err(failure)?;
    bar.finish_and_clear();
    let failed = failed.into_inner();

    if shard != Shard::ALL {
        if !args.quiet {
            eprintln!(
                "shard {}/{}: ran {} runs ({failed} failed) in {:.1} s into {}; when every shard is done: displace merge {}",
                shard.index,
                shard.count,
                pending.len(),
                started.elapsed().as_secs_f64(),
                out.display(),
                out.display()
            );
        }
        return Ok(());
    }
    let report = displace::sweep::merge(&out).map_err(failure)?;
    if !args.quiet {
        eprintln!(
            "wrote {}: {} points x {} replicates = {} runs ({} failed, {} run now) in {:.1} s; tables runs.csv and points.csv",
            out.display(),
            manifest.points,
            manifest.replicates,
            report.runs,
            report.failed,
            pending.len(),
            started.elapsed().as_secs_f64()
        );
        if report.failed > 0 {
            eprintln!("failed runs are listed with their error in the `error` column of runs.csv");
        }
    }
    Ok(())
}

fn export_design(sweep: &Sweep, file: &Path) -> Result<(), Failure> {
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))
            .map_err(Failure::other)?;
    }
    let temp = file.with_extension("csv.partial");
    std::fs::write(&temp, sweep.design_csv())
        .and_then(|()| std::fs::rename(&temp, file))
        .with_context(|| format!("cannot write {}", file.display()))
        .map_err(Failure::other)?;
    eprintln!(
        "wrote {}: {} points x {} parameters",
        file.display(),
        sweep.points.len(),
        sweep.keys.len()
    );
    Ok(())
}

fn write_slurm(args: &SweepArgs, sweep: &Sweep, out: &Path) -> Result<(), Failure> {
    let absolute = |p: &Path| -> Result<PathBuf, Failure> {
        std::fs::canonicalize(p)
            .with_context(|| format!("cannot resolve {}", p.display()))
            .map_err(Failure::other)
    };
    let runs = sweep.runs();
    let array_size = args
        .array_size
        .unwrap_or(100)
        .min(u32::try_from(runs).unwrap_or(u32::MAX))
        .max(1);
    let out_abs = absolute(out)?;
    std::fs::create_dir_all(out_abs.join("slurm"))
        .with_context(|| format!("cannot create {}", out_abs.join("slurm").display()))
        .map_err(Failure::other)?;
    let stem = args
        .sweep
        .file_stem()
        .map_or("sweep".into(), |s| s.to_string_lossy().into_owned());
    let options = slurm::SlurmOptions {
        array_size,
        partition: args.partition.clone(),
        time: args.time.clone(),
        cpus_per_task: args.cpus_per_task,
        job_name: format!("displace-{stem}"),
    };
    let exe = std::env::current_exe()
        .context("cannot locate the displace executable")
        .map_err(Failure::other)?;
    let text = slurm::script(&options, &exe, &absolute(&args.sweep)?, &out_abs, runs);
    let script = out_abs.join("sweep.sbatch");
    let temp = out_abs.join(".sweep.sbatch.partial");
    std::fs::write(&temp, text)
        .and_then(|()| std::fs::rename(&temp, &script))
        .with_context(|| format!("cannot write {}", script.display()))
        .map_err(Failure::other)?;
    if args.array_size.is_some_and(|n| n != array_size) {
        eprintln!("note: the sweep has {runs} runs, so the array has {array_size} tasks");
    }
    super::stdout(&format!(
        "wrote {}: a job array of {array_size} tasks over {runs} runs\n\
         submit:        sbatch {}\n\
         watch:         squeue --me\n\
         when finished: {} merge {}\n",
        script.display(),
        script.display(),
        exe.display(),
        out_abs.display()
    ))
}

pub fn merge(args: MergeArgs) -> Result<(), Failure> {
    let report = displace::sweep::merge(&args.dir).map_err(failure)?;
    eprintln!(
        "wrote {}: runs.csv ({} runs, {} failed) and points.csv ({} points)",
        args.dir.display(),
        report.runs,
        report.failed,
        report.points
    );
    Ok(())
}

//! `displace report`: the page of a run or comparison folder.

use std::path::{Path, PathBuf};

use clap::Args;

use super::Failure;

#[derive(Args)]
pub(super) struct ReportArgs {
    /// A run's or a comparison's output folder.
    dir: PathBuf,
    /// A `displace validate` folder whose verdicts the comparison report shows (default:
    /// `validation` beside DIR, if it is there).
    #[arg(long, value_name = "VDIR")]
    validation: Option<PathBuf>,
    /// Where to write the page (default: `DIR/report.html`).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub(super) fn report(args: ReportArgs) -> Result<(), Failure> {
    if let Some(v) = &args.validation
        && !v.join("validation.json").is_file()
    {
        return Err(Failure::input(anyhow::anyhow!(
            "--validation {}: no validation.json there, expected a folder written by displace validate",
            v.display()
        )));
    }
    let options = displace::report::Options {
        validation: args.validation,
        out: args.out,
    };
    let page = write(&args.dir, &options)?;
    eprintln!("wrote {}", page.display());
    Ok(())
}

/// The report written at the end of `run` and `compare`.
pub(super) fn after(dir: &Path, quiet: bool) -> Result<(), Failure> {
    let page = write(dir, &displace::report::Options::default()).map_err(|f| Failure {
        code: f.code,
        error: f
            .error
            .context(format!("{} is written, but not its report", dir.display())),
    })?;
    if !quiet {
        eprintln!("wrote {}", page.display());
    }
    Ok(())
}

fn write(dir: &Path, options: &displace::report::Options) -> Result<PathBuf, Failure> {
    displace::report::write(dir, options).map_err(|e| {
        let input = e.is_input();
        let e =
            anyhow::Error::new(e).context(format!("cannot write the report of {}", dir.display()));
        if input {
            Failure::input(e)
        } else {
            Failure::other(e)
        }
    })
}

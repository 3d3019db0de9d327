//! The progress bar: ticks done, rate, ETA and displaced persons so far, on stderr.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use displace::metrics::{Episode, TickMetrics};
use displace::output::RunWriter;
use displace::scenario::Scenario;
use displace::sim::Observer;
use displace::step::Model;

/// Passes the run to the writer and advances the bar.
pub struct ProgressObserver {
    writer: RunWriter,
    bar: ProgressBar,
    displaced_persons: u64,
}

impl ProgressObserver {
    /// The bar is hidden with `quiet` or when stderr is not a terminal.
    pub fn new(writer: RunWriter, scenario: &Scenario, quiet: bool) -> ProgressObserver {
        // The burn-in's ticks are work too: the bar runs over them and then the run's.
        let bar = ticks_bar(u64::from(scenario.end_tick()), quiet);
        bar.set_message("0 displaced persons");
        ProgressObserver {
            writer,
            bar,
            displaced_persons: 0,
        }
    }

    pub fn into_parts(self) -> (RunWriter, ProgressBar) {
        (self.writer, self.bar)
    }
}

impl Observer for ProgressObserver {
    fn burn_in_tick(&mut self, _model: &Model) -> std::io::Result<()> {
        self.bar.set_message("burn-in");
        self.bar.inc(1);
        Ok(())
    }

    fn start(&mut self, model: &Model) -> std::io::Result<()> {
        // A run continued from a state starts part-way.
        self.bar.set_position(u64::from(model.tick));
        self.writer.start(model)
    }

    fn episode(&mut self, episode: &Episode) -> std::io::Result<()> {
        if episode.move_number == 1 {
            self.displaced_persons += u64::from(episode.persons);
        }
        self.writer.episode(episode)
    }

    fn checkpoint(
        &mut self,
        scenario: &displace::scenario::Scenario,
        model: &Model,
        summary: &displace::metrics::SummaryBuilder,
    ) -> std::io::Result<()> {
        self.writer.checkpoint(scenario, model, summary)
    }

    fn tick(&mut self, metrics: &TickMetrics, model: &Model) -> std::io::Result<()> {
        self.writer.tick(metrics, model)?;
        self.bar
            .set_message(format!("{} displaced persons", self.displaced_persons));
        self.bar.inc(1);
        Ok(())
    }
}

/// A bar of `len` steps on stderr, hidden with `quiet` or when stderr is not a terminal.
fn bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden())
    } else {
        ProgressBar::new(len)
    }
}

/// A bar over the ticks of one run: ticks done, rate, ETA, and a message.
pub fn ticks_bar(ticks: u64, quiet: bool) -> ProgressBar {
    let bar = bar(ticks, quiet);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} ticks · {rate} · ETA {eta} · {msg}",
        )
        .expect("valid template")
        .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.1} ticks/s", state.per_sec());
        }),
    );
    bar
}

/// A bar over the runs of a comparison or sweep: runs done, rate, ETA.
pub fn runs_bar(runs: u64, quiet: bool) -> ProgressBar {
    counted_bar(runs, "runs", quiet)
}

/// A bar over `len` pieces of work called `what`: done, rate, ETA.
pub fn counted_bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    let bar = bar(len, quiet);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {what} · {{per_sec}} · ETA {{eta}}"
        ))
        .expect("valid template"),
    );
    bar
}

/// A bar over the runs of a sweep: runs done, failed, rate, ETA.
pub fn sweep_bar(runs: u64, quiet: bool) -> ProgressBar {
    let bar = runs_bar(runs, quiet);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} runs · {msg} · {per_sec} · ETA {eta}",
        )
        .expect("valid template"),
    );
    bar.set_message("0 failed");
    bar
}

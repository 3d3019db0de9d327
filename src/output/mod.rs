//! Writing a run's folder: tidy CSV tables and JSON, streamed as the run goes and made visible
//! atomically (everything is written into a hidden temporary folder that is renamed at the end).
//!
//! Files (documented column by column in `docs/OUTPUTS.md`): `timeseries.csv`, `episodes.csv`,
//! `cells.csv`, `summary.json`, `manifest.json`.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub mod compare;
pub mod liveness;
mod staging;
pub mod validation;
pub use staging::{Existing, OutputKind, Staging, clean_stale, utc_stamp};

use crate::households::{PersonState, Status};
use crate::metrics::{Episode, TickMetrics, Trigger};
use crate::scenario::{GroupKind, Scenario, ScenarioSpec};
use crate::sim::{Observer, RunOutcome};
use crate::step::Model;
use crate::world::{CellState, Controller};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("output folder {} already exists (use --force to replace it)", path.display())]
    AlreadyExists { path: PathBuf },
    #[error(
        "{} exists and is not an earlier {kind} folder of displace, so it is left alone \
         (--force replaces only earlier {kind} results); choose another --out",
        path.display()
    )]
    NotOurs { path: PathBuf, kind: &'static str },
    /// The cause is said in plain words in the message (and not chained again after it).
    #[error("cannot write {}: {}", path.display(), crate::plot::io_words(error))]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
    #[error("interrupted")]
    Interrupted,
    #[error(transparent)]
    Checkpoint(#[from] crate::checkpoint::CheckpointError),
    #[error(
        "{} is being written by another displace process (pid {pid}); wait for it, or stop it",
        path.display()
    )]
    Busy { path: PathBuf, pid: u32 },
}

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |error| OutputError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// What `manifest.json` records about a run besides its scenario.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub scenario_file: String,
    pub threads: usize,
    /// Seconds since the Unix epoch when the run started.
    pub started_unix: u64,
    pub wall_seconds: f64,
    /// The state file the run continued from, and the first tick it ran (`--from-state`).
    pub from_state: Option<(String, u32)>,
    /// The state file it saved at its end (`--save-state`).
    pub saved_state: Option<String>,
}

/// Where a continued run came from.
#[derive(Serialize)]
struct FromState<'a> {
    file: &'a str,
    first_tick: u32,
}

#[derive(Serialize)]
struct Manifest<'a> {
    displace_version: &'static str,
    git_revision: &'static str,
    scenario_file: &'a str,
    scenario_hash: String,
    seed: u64,
    ticks: u32,
    threads: usize,
    started_unix: u64,
    wall_seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_state: Option<FromState<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    saved_state: Option<&'a str>,
    files: Vec<&'static str>,
    scenario: &'a ScenarioSpec,
}

type CsvOut = csv::Writer<BufWriter<File>>;

/// Streams a run into `<out>` through a temporary sibling folder.
pub struct RunWriter {
    timeseries: CsvOut,
    episodes: Option<CsvOut>,
    write_cells: bool,
    group_names: Vec<String>,
    group_kinds: Vec<GroupKind>,
    /// Episodes of the current tick, written with the tick.
    pending: Vec<Episode>,
    /// Snapshots of who holds each neighbourhood, every `territory_every` ticks and at the end.
    territory: CsvOut,
    territory_every: u32,
    last_tick: u32,
    /// Ticks the scenario asks maps of (always snapshotted).
    map_ticks: Vec<u32>,
    cells: usize,
    tick_days: u32,
    /// `cell_ticks.csv`, when the scenario asks for it.
    cell_ticks: Option<CellTicks>,
    /// Whether the run checkpoints into its resumable folder.
    checkpointing: bool,
    /// Declared last: dropped after the open files, removing an unfinished folder.
    staging: Staging,
}

/// The state a checkpointing run saved after `tick`, in its resumable folder.
fn checkpoint_state(tick: u32) -> String {
    format!("checkpoint.{tick:06}.state")
}
/// Where the last checkpoint stands: written after its state, so it names a complete one.
const CHECKPOINT_MARK: &str = "checkpoint.json";
/// The process writing the resumable folder.
const CHECKPOINT_OWNER: &str = "checkpoint.pid";

/// What a checkpoint of a run folder holds besides the state: the tick the run continues from
/// and each file's length then (rows written after it are dropped on resuming).
#[derive(Serialize, serde::Deserialize)]
struct CheckpointMark {
    next_tick: u32,
    /// The state file, in the same folder.
    state: String,
    lengths: std::collections::BTreeMap<String, u64>,
}

/// What happened in each neighbourhood each tick, one row per neighbourhood and tick in which
/// anything did (a sparse long table: absent rows are all zeros).
struct CellTicks {
    out: CsvOut,
    /// Cumulative departures and arrivals at the end of the previous tick.
    last_out: Vec<u32>,
    last_in: Vec<u32>,
}

impl RunWriter {
    /// Prepares to write into `out`; `existing` says what happens to a folder already there.
    pub fn create(
        out: &Path,
        existing: Existing,
        scenario: &Scenario,
    ) -> Result<RunWriter, OutputError> {
        let staging = Staging::create(out, OutputKind::Run, existing)?;
        Self::open(staging, scenario, false)
    }

    /// Prepares a run that checkpoints (`--checkpoint-every`) into the resumable folder of `out`.
    /// If that folder holds a checkpoint, the run continues it: its files are cut back to where
    /// the checkpoint left them and the model and summary to continue are returned. A
    /// checkpoint of another scenario (but for its ticks) is refused, naming the keys.
    pub fn create_checkpointed(
        out: &Path,
        existing: Existing,
        scenario: &Scenario,
    ) -> Result<(RunWriter, Option<(Model, crate::metrics::SummaryBuilder)>), OutputError> {
        let dir = Staging::resumable_dir(out);
        let owner = dir.join(CHECKPOINT_OWNER);
        if let Some(pid) = fs::read_to_string(&owner)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
            && pid != std::process::id()
            && liveness::process_alive(pid)
        {
            return Err(OutputError::Busy { path: dir, pid });
        }
        let mark_path = dir.join(CHECKPOINT_MARK);
        let mark: Option<CheckpointMark> = match fs::read(&mark_path) {
            Ok(bytes) => Some(serde_json::from_slice(&bytes).map_err(|e| OutputError::Io {
                path: mark_path.clone(),
                error: std::io::Error::other(e),
            })?),
            Err(_) => None,
        };
        // Checked before the folder is touched.
        let resumed = match &mark {
            Some(mark) => {
                let path = dir.join(&mark.state);
                let saved = crate::checkpoint::read(&path)?;
                let resumed = crate::checkpoint::resume(
                    &path,
                    saved,
                    scenario,
                    crate::checkpoint::Continuing::SameRun,
                )?;
                if resumed.0.tick != mark.next_tick {
                    return Err(OutputError::Io {
                        path: mark_path,
                        error: std::io::Error::other(format!(
                            "the checkpoint names week {} but its state is after week {}",
                            mark.next_tick, resumed.0.tick
                        )),
                    });
                }
                Some(resumed)
            }
            None => None,
        };
        let staging = Staging::resumable(out, OutputKind::Run, existing, mark.is_none())?;
        fs::write(&owner, std::process::id().to_string()).map_err(io_at(&owner))?;
        if let Some(mark) = &mark {
            for (file, length) in &mark.lengths {
                let path = dir.join(file);
                let f = fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(io_at(&path))?;
                f.set_len(*length).map_err(io_at(&path))?;
            }
        }
        let writer = Self::open(staging, scenario, mark.is_some())?;
        Ok((
            RunWriter {
                checkpointing: true,
                ..writer
            },
            resumed,
        ))
    }

    /// Opens the files of a run folder in `staging`: afresh with their headers, or, when
    /// `append`, after the rows already there.
    fn open(staging: Staging, scenario: &Scenario, append: bool) -> Result<RunWriter, OutputError> {
        let temp_dir = staging.path("");
        let open_csv = |file: &str, header: &[&str]| -> Result<CsvOut, OutputError> {
            let path = temp_dir.join(file);
            let f = if append {
                fs::OpenOptions::new().append(true).open(&path)
            } else {
                File::create(&path)
            }
            .map_err(io_at(&path))?;
            let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, f));
            if !append {
                w.write_record(header)
                    .map_err(|e| csv_error(&temp_dir, e))?;
            }
            Ok(w)
        };
        let territory = open_csv("territory.csv", &TERRITORY_COLUMNS)?;
        let ticks = scenario.spec.simulation.ticks;
        let header = timeseries_header();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let timeseries = open_csv("timeseries.csv", &header)?;
        let episodes = if scenario.spec.outputs.episodes {
            Some(open_csv("episodes.csv", &EPISODE_COLUMNS)?)
        } else {
            None
        };
        let cell_ticks = if scenario.spec.outputs.cell_ticks {
            let out = open_csv("cell_ticks.csv", &CELL_TICK_COLUMNS)?;
            Some(CellTicks {
                out,
                last_out: Vec::new(),
                last_in: Vec::new(),
            })
        } else {
            None
        };
        Ok(RunWriter {
            staging,
            cell_ticks,
            timeseries,
            episodes,
            write_cells: scenario.spec.outputs.cells,
            group_names: Vec::new(),
            group_kinds: Vec::new(),
            pending: Vec::new(),
            territory,
            territory_every: ticks.div_ceil(MAX_TERRITORY_FRAMES).max(1),
            last_tick: ticks.saturating_sub(1),
            map_ticks: scenario
                .spec
                .outputs
                .map_weeks
                .iter()
                .map(|w| w.saturating_sub(1))
                .collect(),
            cells: 0,
            tick_days: scenario.spec.simulation.tick_days,
            checkpointing: false,
        })
    }

    /// Removes the checkpoint states of the resumable folder but `keep`.
    fn remove_checkpoint_states(&self, keep: Option<&str>) -> std::io::Result<()> {
        for entry in fs::read_dir(self.staging.path(""))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("checkpoint.")
                && name.ends_with(".state")
                && Some(name.as_str()) != keep
            {
                fs::remove_file(entry.path())?;
            }
        }
        Ok(())
    }

    /// Writes the end-of-run files (and, with `plots`, the figures in `plots/`) and moves the
    /// folder into place. Returns where an earlier run was kept aside, if one was. If `stop` is
    /// raised by then, nothing is moved into place and the result is [`OutputError::Interrupted`].
    pub fn finish(
        mut self,
        outcome: &RunOutcome,
        scenario: &Scenario,
        info: &RunInfo,
        plots: bool,
        stop: &std::sync::atomic::AtomicBool,
    ) -> Result<Option<PathBuf>, OutputError> {
        let temp = self.staging.path("");
        // The finished folder holds no checkpoint.
        if self.checkpointing {
            self.remove_checkpoint_states(None).map_err(io_at(&temp))?;
            for file in [CHECKPOINT_MARK, CHECKPOINT_OWNER] {
                let path = temp.join(file);
                if path.exists() {
                    fs::remove_file(&path).map_err(io_at(&path))?;
                }
            }
        }
        self.timeseries.flush().map_err(io_at(&temp))?;
        self.territory.flush().map_err(io_at(&temp))?;
        if let Some(w) = self.episodes.as_mut() {
            w.flush().map_err(io_at(&temp))?;
        }
        if let Some(w) = self.cell_ticks.as_mut() {
            w.out.flush().map_err(io_at(&temp))?;
        }
        let mut files = vec![
            "manifest.json",
            "summary.json",
            "timeseries.csv",
            "territory.csv",
        ];
        if self.episodes.is_some() {
            files.push("episodes.csv");
        }
        if self.cell_ticks.is_some() {
            files.push("cell_ticks.csv");
        }
        if self.write_cells {
            self.write_cells_csv(&outcome.model)?;
            files.push("cells.csv");
        }
        write_json(&temp.join("summary.json"), &outcome.summary)?;
        let manifest = Manifest {
            displace_version: env!("CARGO_PKG_VERSION"),
            git_revision: env!("DISPLACE_GIT_REVISION"),
            scenario_file: &info.scenario_file,
            scenario_hash: scenario.hash(),
            seed: scenario.seed(),
            ticks: scenario.spec.simulation.ticks,
            threads: info.threads,
            started_unix: info.started_unix,
            wall_seconds: info.wall_seconds,
            from_state: info.from_state.as_ref().map(|(file, tick)| FromState {
                file,
                first_tick: *tick,
            }),
            saved_state: info.saved_state.as_deref(),
            files,
            scenario: &scenario.spec,
        };
        write_json(&temp.join("manifest.json"), &manifest)?;

        // Close the files before drawing and before the folder moves.
        drop(self.timeseries);
        drop(self.episodes);
        drop(self.territory);
        drop(self.cell_ticks);
        if plots {
            crate::plot::render_run(&temp, &temp.join("plots"))
                .map_err(|e| e.relocated(&temp, self.staging.final_path()))?;
        }
        // A stop asked for while the files were written still wins: nothing is committed.
        if stop.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(OutputError::Interrupted);
        }
        self.staging.commit()
    }

    fn write_cells_csv(&self, model: &Model) -> Result<(), OutputError> {
        let path = self.staging.path("cells.csv");
        let file = File::create(&path).map_err(io_at(&path))?;
        let mut w = csv::Writer::from_writer(BufWriter::new(file));
        let err = |e| csv_error(&path, e);
        w.write_record(CELL_COLUMNS).map_err(err)?;
        let world = &model.world;
        let cells = &world.cells;
        // With a burn-in, counters count from tick 0 and ticks are numbered from it (a ghost
        // neighbourhood since the burn-in has a negative `ghost_since`).
        let since_tick_0 = |counter: fn(&CellState) -> &Vec<u32>, c: usize| -> String {
            let before = model
                .cells_at_tick_0
                .as_ref()
                .map_or(0, |at| counter(at)[c]);
            counter(cells)[c].saturating_sub(before).to_string()
        };
        let burn_in = i64::from(model.scenario.burn_in_ticks());
        for c in 0..world.len() {
            let (x, y) = world.xy(c as u32);
            let (controller, controller_kind) = match world.controller(c as u32) {
                Controller::State => ("state".to_string(), "state"),
                Controller::Contested => ("contested".to_string(), "contested"),
                Controller::Group(g) => {
                    let group = &model.groups[g as usize];
                    (group.name.clone(), group.kind.name())
                }
            };
            let (ghost_since, ghost_cause) = match cells.ghost_cause(c) {
                None => (String::new(), ""),
                Some(cause) => (
                    (i64::from(cells.ghost_since[c]) - burn_in).to_string(),
                    cause.name(),
                ),
            };
            w.write_record([
                c.to_string(),
                x.to_string(),
                y.to_string(),
                world.region_names[world.region[c] as usize].clone(),
                world.kind[c].name().to_string(),
                controller,
                controller_kind.to_string(),
                format!("{:.3}", world.state_presence[c]),
                format!("{:.3}", world.deprivation[c]),
                cells.initial_households[c].to_string(),
                cells.households[c].to_string(),
                cells.persons[c].to_string(),
                since_tick_0(|s| &s.displaced_out, c),
                since_tick_0(|s| &s.displaced_in, c),
                since_tick_0(|s| &s.homicides_oc, c),
                since_tick_0(|s| &s.homicides_background, c),
                since_tick_0(|s| &s.homicides_state_clash, c),
                cells.businesses_open[c].to_string(),
                since_tick_0(|s| &s.business_closures, c),
                world.housing[c].to_string(),
                cells.dwellings_used[c].to_string(),
                world.shelter_capacity[c].to_string(),
                cells.shelter_used[c].to_string(),
                since_tick_0(|s| &s.seized, c),
                since_tick_0(|s| &s.recruited, c),
                since_tick_0(|s| &s.displaced_out_mass, c),
                since_tick_0(|s| &s.exits, c),
                ghost_since,
                ghost_cause.to_string(),
                format!("{:.3}", cells.risk[c]),
            ])
            .map_err(err)?;
        }
        w.flush().map_err(io_at(&path))?;
        Ok(())
    }
}

impl CellTicks {
    fn write(&mut self, tick: u32, model: &Model) -> std::io::Result<()> {
        let world = &model.world;
        let cells = &world.cells;
        for c in 0..world.len() {
            let row = [
                cells.business_closures_tick[c],
                cells.displaced_out[c] - self.last_out[c],
                cells.displaced_in[c] - self.last_in[c],
                cells.homicides_oc_tick[c],
                cells.homicides_background_tick[c],
                cells.homicides_state_clash_tick[c],
            ];
            if row.iter().all(|&v| v == 0) {
                continue;
            }
            let (x, y) = world.xy(c as u32);
            let mut record = vec![
                tick.to_string(),
                c.to_string(),
                x.to_string(),
                y.to_string(),
            ];
            record.extend(row.iter().map(u32::to_string));
            self.out
                .write_record(&record)
                .map_err(std::io::Error::other)?;
        }
        self.last_out.clone_from(&cells.displaced_out);
        self.last_in.clone_from(&cells.displaced_in);
        Ok(())
    }
}

impl Observer for RunWriter {
    fn start(&mut self, model: &Model) -> std::io::Result<()> {
        self.group_names = model.groups.iter().map(|g| g.name.clone()).collect();
        self.group_kinds = model.groups.iter().map(|g| g.kind).collect();
        self.cells = model.world.len();
        if let Some(w) = self.cell_ticks.as_mut() {
            w.last_out.clone_from(&model.world.cells.displaced_out);
            w.last_in.clone_from(&model.world.cells.displaced_in);
        }
        Ok(())
    }

    fn episode(&mut self, e: &Episode) -> std::io::Result<()> {
        // Written at the end of the tick, when the groups of this tick (splits included) are known.
        if self.episodes.is_some() {
            self.pending.push(e.clone());
        }
        Ok(())
    }

    /// Saves a checkpoint in the resumable folder: every file flushed, the state, then the mark
    /// that names them (each written to a temporary file and renamed, so a kill at any moment
    /// leaves the last complete checkpoint).
    fn checkpoint(
        &mut self,
        scenario: &Scenario,
        model: &Model,
        summary: &crate::metrics::SummaryBuilder,
    ) -> std::io::Result<()> {
        if !self.checkpointing {
            return Ok(());
        }
        let mut lengths = std::collections::BTreeMap::new();
        let mut files: Vec<(&str, &mut CsvOut)> = vec![
            ("timeseries.csv", &mut self.timeseries),
            ("territory.csv", &mut self.territory),
        ];
        if let Some(w) = self.episodes.as_mut() {
            files.push(("episodes.csv", w));
        }
        if let Some(w) = self.cell_ticks.as_mut() {
            files.push(("cell_ticks.csv", &mut w.out));
        }
        for (name, w) in files {
            w.flush()?;
            lengths.insert(name.to_string(), w.get_ref().get_ref().metadata()?.len());
        }
        // A new state beside the last one, then the mark that names it, then the last one goes:
        // a kill at any moment leaves a mark and the state it names.
        let state = checkpoint_state(model.tick);
        crate::checkpoint::write(&self.staging.path(&state), scenario, model, summary)?;
        let mark = CheckpointMark {
            next_tick: model.tick,
            state: state.clone(),
            lengths,
        };
        let path = self.staging.path(CHECKPOINT_MARK);
        let temp = self.staging.path("checkpoint.json.partial");
        fs::write(
            &temp,
            serde_json::to_vec(&mark).map_err(std::io::Error::other)?,
        )?;
        fs::rename(&temp, &path)?;
        self.remove_checkpoint_states(Some(&state))
    }

    fn tick(&mut self, m: &TickMetrics, model: &Model) -> std::io::Result<()> {
        if model.groups.len() != self.group_names.len() {
            self.group_names = model.groups.iter().map(|g| g.name.clone()).collect();
            self.group_kinds = model.groups.iter().map(|g| g.kind).collect();
        }
        for e in std::mem::take(&mut self.pending) {
            self.write_episode(&e)?;
        }
        if m.tick.is_multiple_of(self.territory_every)
            || m.tick == self.last_tick
            || self.map_ticks.contains(&m.tick)
        {
            self.write_territory(m.tick, model)?;
        }
        if let Some(w) = self.cell_ticks.as_mut() {
            w.write(m.tick, model)?;
        }
        self.write_tick(m)
    }
}

impl RunWriter {
    fn write_episode(&mut self, e: &Episode) -> std::io::Result<()> {
        let Some(w) = self.episodes.as_mut() else {
            return Ok(());
        };
        let (group, group_kind) = match e.group {
            Some(g) => (
                self.group_names[g as usize].as_str(),
                self.group_kinds[g as usize].name(),
            ),
            None => ("", ""),
        };
        let opt = |v: Option<String>| v.unwrap_or_default();
        w.write_record([
            e.id.to_string().as_str(),
            &e.tick.to_string(),
            &e.household.to_string(),
            e.trigger.name(),
            bool01(e.trigger.is_targeted()),
            group,
            group_kind,
            bool01(e.whole_household),
            bool01(e.cross_border),
            &e.event_families.to_string(),
            &e.persons.to_string(),
            &e.persons_15_plus.to_string(),
            &e.males_15_plus.to_string(),
            &e.school_age_children.to_string(),
            &e.school_resumed.to_string(),
            &e.move_number.to_string(),
            &e.origin_cell.to_string(),
            &e.origin_region.to_string(),
            &opt(e.destination_cell.map(|c| c.to_string())),
            &opt(e.destination_region.map(|r| r.to_string())),
            bool01(Some(e.origin_region) == e.destination_region),
            &format!("{:.3}", e.distance_km),
            e.lodging.map_or("abroad", |l| l.name()),
            bool01(e.host_rejected),
            e.mark.name(),
            e.occupation.name(),
            bool01(e.migrant),
        ])
        .map_err(std::io::Error::other)
    }

    fn write_territory(&mut self, tick: u32, model: &Model) -> std::io::Result<()> {
        let world = &model.world;
        let controllers: String = (0..world.len() as u32)
            .map(|c| match world.controller(c) {
                Controller::State => 'S',
                Controller::Contested => 'X',
                Controller::Group(g) => match model.groups[g as usize].kind {
                    GroupKind::StreetGang => 'G',
                    GroupKind::TraffickingGroup => 'T',
                    GroupKind::Cartel => 'C',
                    GroupKind::Autodefensa => 'A',
                },
            })
            .collect();
        let presence: String = world
            .state_presence
            .iter()
            .map(|&p| char::from(b'0' + (f64::from(p) * 9.0).round().clamp(0.0, 9.0) as u8))
            .collect();
        self.territory
            .write_record([
                tick.to_string(),
                world.width.to_string(),
                world.height.to_string(),
                controllers,
                presence,
            ])
            .map_err(std::io::Error::other)
    }

    fn write_tick(&mut self, m: &TickMetrics) -> std::io::Result<()> {
        self.timeseries
            .write_record(timeseries_row(m, self.tick_days, self.cells))
            .map_err(std::io::Error::other)
    }
}

/// One row of `timeseries.csv` (columns as in [`timeseries_header`]) for a tick's metrics, in a
/// world of `cells` neighbourhoods with ticks of `tick_days` days.
pub fn timeseries_row(m: &TickMetrics, tick_days: u32, cells: usize) -> Vec<String> {
    let mut row: Vec<String> = vec![
        m.tick.to_string(),
        (u64::from(m.tick + 1) * u64::from(tick_days)).to_string(),
    ];
    row.extend(m.households_by_status.iter().map(u64::to_string));
    row.extend(m.persons_by_state.iter().map(u64::to_string));
    row.push(m.displacements().to_string());
    row.extend(m.displacements_by_trigger.iter().map(u32::to_string));
    row.extend(m.counters().iter().map(|(_, v)| v.to_string()));
    row.push(m.ghost_cells.to_string());
    let share = |count: u32| format!("{:.6}", f64::from(count) / cells.max(1) as f64);
    row.push(share(m.cells_state));
    row.extend(m.cells_by_group_kind.iter().map(|&c| share(c)));
    row.push(share(m.cells_contested));
    row
}

fn bool01(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

/// Column names of `timeseries.csv`, in order.
pub fn timeseries_header() -> Vec<String> {
    let mut h = vec!["tick".to_string(), "day".to_string()];
    h.extend(
        Status::ALL
            .iter()
            .map(|s| format!("households_{}", s.name())),
    );
    h.extend(
        PersonState::ALL
            .iter()
            .map(|s| format!("persons_{}", s.name())),
    );
    h.push("displacements".into());
    h.extend(
        Trigger::ALL
            .iter()
            .map(|t| format!("displacements_{}", t.name())),
    );
    h.extend(
        TickMetrics::default()
            .counters()
            .iter()
            .map(|(name, _)| name.to_string()),
    );
    h.push("ghost_cells".into());
    h.push("share_state".into());
    h.extend(GroupKind::ALL.iter().map(|k| format!("share_{}", k.name())));
    h.push("share_contested".into());
    h
}

/// Column names of `episodes.csv`, in order.
pub const EPISODE_COLUMNS: [&str; 27] = [
    "episode",
    "tick",
    "household",
    "trigger",
    "targeted",
    "group",
    "group_kind",
    "whole_household",
    "cross_border",
    "event_families",
    "persons",
    "persons_15_plus",
    "males_15_plus",
    "school_age_children",
    "school_resumed",
    "move_number",
    "origin_cell",
    "origin_region",
    "destination_cell",
    "destination_region",
    "same_region",
    "distance_km",
    "lodging",
    "host_rejected",
    "mark",
    "occupation",
    "migrant",
];

/// Column names of `territory.csv`, in order.
/// Columns of `cell_ticks.csv`.
pub const CELL_TICK_COLUMNS: [&str; 10] = [
    "tick",
    "cell",
    "x",
    "y",
    "business_closures",
    "departures",
    "arrivals",
    "homicides_oc",
    "homicides_background",
    "homicides_state_clash",
];

pub const TERRITORY_COLUMNS: [&str; 5] = ["tick", "width", "height", "controllers", "presence"];

/// At most this many territory snapshots per run (the frames of the animated map).
pub const MAX_TERRITORY_FRAMES: u32 = 104;

/// Column names of `cells.csv`, in order.
pub const CELL_COLUMNS: [&str; 30] = [
    "cell",
    "x",
    "y",
    "region",
    "kind",
    "controller",
    "controller_kind",
    "state_presence",
    "deprivation",
    "initial_households",
    "households",
    "persons",
    "displaced_out",
    "displaced_in",
    "homicides_oc",
    "homicides_background",
    "homicides_state_clash",
    "businesses_open",
    "business_closures",
    "housing",
    "dwellings_used",
    "shelter_capacity",
    "shelter_used",
    "seized_dwellings",
    "children_recruited",
    "displaced_out_mass",
    "exits",
    "ghost_since",
    "ghost_cause",
    "risk",
];

fn csv_error(path: &Path, e: csv::Error) -> OutputError {
    OutputError::Io {
        path: path.to_path_buf(),
        error: std::io::Error::other(e),
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), OutputError> {
    let mut text = serde_json::to_string_pretty(value).expect("metrics serialize");
    text.push('\n');
    fs::write(path, text).map_err(io_at(path))
}

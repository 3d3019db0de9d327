//! Issue 14: `displace calibrate`, ABC-SMC. The sampler recovers a known posterior; a scenario
//! calibration gives the same bytes for any number of jobs and after a SIGKILL; failed runs are
//! recorded, not fatal; bad calibration files are refused with their line, key and what was
//! expected.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::{displace, stderr, write};
use displace::calibrate::prior::Prior;
use displace::calibrate::smc::{self, Simulator, SmcConfig};

/// A normal mean with known variance: the statistic is the mean of `n` draws N(θ, σ²).
struct NormalMean {
    n: usize,
    sigma: f64,
    observed: f64,
}

impl Simulator for NormalMean {
    fn simulate(&self, theta: &[f64], seed: u64, _tolerance: f64) -> Result<Vec<f64>, String> {
        let mut rng = displace::rng::stream(seed, displace::rng::Process::Calibration, 0, 0);
        let sum: f64 = (0..self.n)
            .map(|_| theta[0] + self.sigma * displace::rng::standard_normal(&mut rng))
            .sum();
        Ok(vec![sum / self.n as f64])
    }

    fn distance(&self, stats: &[f64]) -> f64 {
        (stats[0] - self.observed).abs()
    }
}

#[test]
fn abc_smc_recovers_the_analytic_posterior_of_a_normal_mean() {
    // Prior N(0, 2²), data of n = 20 with σ = 1 and mean 1.3: the posterior is normal with
    // precision 1/4 + 20 and mean 1.3 × 20 / (1/4 + 20).
    let (n, sigma, observed, prior_sd) = (20, 1.0, 1.3, 2.0);
    let precision = 1.0 / (prior_sd * prior_sd) + n as f64 / (sigma * sigma);
    let (mean, sd) = (
        observed * (n as f64 / (sigma * sigma)) / precision,
        (1.0 / precision).sqrt(),
    );
    let config = SmcConfig {
        seed: 11,
        particles: 2000,
        batch: 2000,
        quantile: 0.5,
        max_generations: 12,
        final_tolerance: 0.01,
        min_acceptance: 0.0,
        max_simulations: 10_000_000,
        runs_per_proposal: 1,
        priors: vec![Prior::Normal {
            mean: 0.0,
            sd: prior_sd,
        }],
        integer: vec![false],
    };
    let toy = NormalMean { n, sigma, observed };
    let (generations, _) = smc::run(
        &config,
        &toy,
        Vec::new(),
        &mut |_| Ok(()),
        &|_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let last = generations.last().unwrap();
    assert!(last.tolerance <= 0.02, "final tolerance {}", last.tolerance);
    let (m, cov) = smc::weighted_moments(&last.particles, 1);
    let s = cov[0].sqrt();
    // Stated tolerances: the mean within a tenth of a posterior sd, the sd within 10% (the
    // tolerance itself adds about ε²/3 to the variance, under 0.2% here).
    assert!(
        (m[0] - mean).abs() < 0.1 * sd,
        "posterior mean {} against {mean}",
        m[0]
    );
    assert!((s / sd - 1.0).abs() < 0.1, "posterior sd {s} against {sd}");
    // The prior is much wider than the posterior: the data did the work.
    assert!(s < prior_sd / 5.0);
}

/// A small calibration of the tiny scenario: two gang rates against two of its statistics.
fn calibration_file(dir: &Path, extra: &str) -> std::path::PathBuf {
    let base = common::tiny_path();
    write(
        dir,
        "cal.toml",
        &format!(
            r#"base = "{}"
set = ["population.households=1500", "simulation.ticks=12"]
seed = 5
particles = 24
max_generations = 4
max_simulations = 5000
{extra}
[[parameters]]
key = "groups.gangs.extortion_rate"
prior = "log_uniform"
low = 0.5
high = 20.0

[[parameters]]
key = "groups.gangs.threat_rate"
prior = "uniform"
low = 0.1
high = 4.0

[[targets]]
name = "incidence"
summary = "displacement_incidence_per_100k_15plus"
observed = 20000
scale = 4000

[[targets]]
name = "extortion"
summary = "trigger_shares.extortion"
observed = 0.3
scale = 0.05

[[targets]]
name = "late_over_early_displacements"
ratio = {{ columns = ["displacements"], numerator = [6, 12], denominator = [0, 6] }}
observed = 1.0
scale = 0.5
"#,
            base.display()
        ),
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `generations.csv` without its `seconds` column, the one figure that depends on the machine.
fn generations_without_seconds(out: &Path) -> String {
    read(&out.join("generations.csv"))
        .lines()
        .map(|l| l.rsplit_once(',').map_or(l, |(head, _)| head).to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn calibrate(file: &Path, out: &Path, jobs: &str) -> std::process::Output {
    displace(
        &[
            "calibrate",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--jobs",
            jobs,
            "--quiet",
        ],
        file.parent().unwrap(),
    )
}

#[test]
fn a_calibration_is_byte_identical_for_any_number_of_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let file = calibration_file(dir.path(), "");
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    let a = calibrate(&file, &one, "1");
    assert!(a.status.success(), "{}", stderr(&a));
    let b = calibrate(&file, &two, "2");
    assert!(b.status.success(), "{}", stderr(&b));
    assert_eq!(
        read(&one.join("posterior.csv")),
        read(&two.join("posterior.csv"))
    );
    assert_eq!(
        generations_without_seconds(&one),
        generations_without_seconds(&two)
    );
    let generations = generations_without_seconds(&one);
    assert_eq!(generations.lines().count(), 5, "{generations}");
    // Tolerances shrink from generation to generation.
    let tolerances: Vec<f64> = generations
        .lines()
        .skip(2)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(tolerances.windows(2).all(|w| w[1] < w[0]), "{tolerances:?}");
}

fn generation_files(out: &Path) -> usize {
    std::fs::read_dir(out.join("generations"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_calibration_killed_part_way_resumes_to_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let file = calibration_file(dir.path(), "");
    let reference = dir.path().join("reference");
    let out = dir.path().join("interrupted");
    let full = calibrate(&file, &reference, "2");
    assert!(full.status.success(), "{}", stderr(&full));

    let mut child = Command::new(env!("CARGO_BIN_EXE_displace"))
        .args([
            "calibrate",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--jobs",
            "2",
            "--quiet",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while generation_files(&out) < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done = generation_files(&out);
    assert!((2..4).contains(&done), "{done} generations before the kill");
    assert!(!out.join("posterior.csv").exists());

    let resumed = Command::new(env!("CARGO_BIN_EXE_displace"))
        .args([
            "calibrate",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--jobs",
            "1",
        ])
        .output()
        .unwrap();
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(
        stderr(&resumed).contains(&format!("{done} generations already finished")),
        "{}",
        stderr(&resumed)
    );
    assert_eq!(
        read(&reference.join("posterior.csv")),
        read(&out.join("posterior.csv"))
    );
    assert_eq!(
        generations_without_seconds(&reference),
        generations_without_seconds(&out)
    );
    // Nothing half-written is left behind.
    let stray: Vec<String> = std::fs::read_dir(out.join("generations"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn runs_that_fail_are_recorded_and_the_calibration_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    // Corruption is a share: the half of the prior above 1 makes scenarios that do not load.
    let file = calibration_file(
        dir.path(),
        "[[parameters]]\nkey = \"state.corruption\"\nprior = \"uniform\"\nlow = 0.5\nhigh = 1.5\n",
    );
    let out = dir.path().join("out");
    let run = calibrate(&file, &out, "2");
    assert!(run.status.success(), "{}", stderr(&run));
    let generations = generations_without_seconds(&out);
    let failed: u64 = generations
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap().parse::<u64>().unwrap())
        .sum();
    assert!(failed > 0, "{generations}");
    // Every kept particle is one that ran: corruption at most 1.
    let posterior = read(&out.join("posterior.csv"));
    let header: Vec<&str> = posterior.lines().next().unwrap().split(',').collect();
    let k = header
        .iter()
        .position(|h| *h == "state.corruption")
        .unwrap();
    assert!(
        posterior
            .lines()
            .skip(1)
            .all(|l| l.split(',').nth(k).unwrap().parse::<f64>().unwrap() <= 1.0)
    );
}

#[test]
fn bad_calibration_files_are_refused_with_line_key_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let base = common::tiny_path();
    let case = |name: &str, body: &str, wanted: &[&str]| {
        let text = format!("base = \"{}\"\n{body}", base.display());
        let file = write(dir.path(), name, &text);
        let out = displace(
            &["calibrate", file.to_str().unwrap(), "--out", "never"],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        for w in wanted {
            assert!(err.contains(w), "{name}: `{w}` not in {err}");
        }
        assert!(!dir.path().join("never").exists(), "{name}: wrote output");
    };
    let parameter = "[[parameters]]\nkey = \"groups.gangs.extortion_rate\"\nprior = \"uniform\"\nlow = 1\nhigh = 5\n";
    let target = "[[targets]]\nname = \"inc\"\nsummary = \"displacement_incidence_per_100k_15plus\"\nobserved = 900\nscale = 90\n";
    case(
        "unknown_key.toml",
        &format!("particle = 10\n{parameter}{target}"),
        &[
            "unknown_key.toml:2:1",
            "unknown key `particle`",
            "particles",
        ],
    );
    case(
        "reversed.toml",
        &format!(
            "[[parameters]]\nkey = \"groups.gangs.extortion_rate\"\nprior = \"uniform\"\nlow = 5\nhigh = 1\n{target}"
        ),
        &[
            "reversed.toml:",
            "parameters[0].high",
            "expected more than low (5)",
        ],
    );
    case(
        "no_such_statistic.toml",
        &format!(
            "{parameter}[[targets]]\nname = \"inc\"\nsummary = \"displacement_incidense_per_100k_15plus\"\nobserved = 900\nscale = 90\n"
        ),
        &[
            "no_such_statistic.toml:",
            "targets[0].summary",
            "no run of the base produces a number",
            "did you mean `displacement_incidence_per_100k_15plus`",
        ],
    );
    case(
        "bad_column.toml",
        &format!(
            "{parameter}[[targets]]\nname = \"h\"\nratio = {{ columns = [\"homicide_oc\"], numerator = [13, 26], denominator = [0, 13] }}\nobserved = 1\nscale = 1\n"
        ),
        &[
            "targets[0].ratio.columns",
            "no column `homicide_oc`",
            "homicides_oc",
        ],
    );
    case(
        "bad_key.toml",
        &format!(
            "[[parameters]]\nkey = \"groups.gangs.extortion_rat\"\nprior = \"uniform\"\nlow = 1\nhigh = 5\n{target}"
        ),
        &["bad_key.toml:", "parameters[0].key", "extortion_rate"],
    );
    case(
        "no_variant.toml",
        &format!(
            "{parameter}[[variants]]\nname = \"three_years\"\nset = [\"simulation.ticks=156\"]\n[[targets]]\nname = \"inc\"\nvariant = \"three_year\"\nsummary = \"displacement_incidence_per_100k_15plus\"\nobserved = 900\nscale = 90\n"
        ),
        &[
            "targets[0].variant",
            "no variant named `three_year`",
            "three_years",
        ],
    );
    case(
        "outside_the_run.toml",
        &format!(
            "{parameter}[[targets]]\nname = \"late\"\nwindow = {{ columns = [\"displacements\"], ticks = [20, 40] }}\nobserved = 1\nscale = 1\n"
        ),
        &["targets[0].window.ticks", "found [20, 40]", "<= 26"],
    );
    case(
        "no_prior.toml",
        &format!(
            "[[parameters]]\nkey = \"groups.gangs.extortion_rate\"\nlow = 1\nhigh = 5\n{target}"
        ),
        &["parameters[0].prior", "expected a prior"],
    );
}

#[test]
fn a_calibration_writes_a_runnable_scenario_of_its_posterior_medians_and_a_predictive_check() {
    let dir = tempfile::tempdir().unwrap();
    let file = calibration_file(dir.path(), "predictive_draws = 12\n");
    let out = dir.path().join("out");
    let run = calibrate(&file, &out, "2");
    assert!(run.status.success(), "{}", stderr(&run));

    // parameters.csv: each posterior median inside its prior's support, and the scenario file
    // sets exactly those medians.
    let parameters = read(&out.join("parameters.csv"));
    let calibrated = read(&out.join("calibrated.toml"));
    for line in parameters.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let (key, median) = (cells[0], cells[4]);
        assert!(
            calibrated.contains(&format!("\"{key}={median}\"")),
            "{key}={median} not in\n{calibrated}"
        );
    }
    let ran = displace(
        &[
            "run",
            "calibrated.toml",
            "--out",
            "run",
            "--quiet",
            "--no-plots",
        ],
        &out,
    );
    assert!(ran.status.success(), "{}", stderr(&ran));
    let summary = read(&out.join("run/summary.json"));
    assert!(summary.contains("displacement_incidence_per_100k_15plus"));

    // The figures: prior against posterior, pairs, predictive against observed; each decodes.
    for name in [
        "calibration_parameters",
        "calibration_pairs",
        "calibration_predictive",
    ] {
        let png = out.join("figures").join(format!("{name}.png"));
        let image = image::open(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
        assert!(image.width() >= 600 && image.height() >= 300, "{name}");
        assert!(out.join("figures").join(format!("{name}.svg")).is_file());
    }

    // predictive.csv: one row per target, with an ordered 90% interval over the draws.
    let predictive = read(&out.join("predictive.csv"));
    let rows: Vec<Vec<String>> = predictive
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{predictive}");
    for row in &rows {
        let (median, q05, q95): (f64, f64, f64) = (
            row[2].parse().unwrap(),
            row[3].parse().unwrap(),
            row[4].parse().unwrap(),
        );
        assert!(q05 <= median && median <= q95, "{row:?}");
        // Fresh seeds and parameter sets: the runs spread, the interval is not one point.
        assert!(q95 > q05, "{row:?}");
        assert_eq!(row[6], "12", "{row:?}");
    }
}

#[test]
fn compare_with_a_posterior_runs_replicate_r_with_draw_r_in_every_arm() {
    let dir = tempfile::tempdir().unwrap();
    let file = calibration_file(dir.path(), "");
    let cal = dir.path().join("cal");
    let run = calibrate(&file, &cal, "2");
    assert!(run.status.success(), "{}", stderr(&run));

    let tiny = common::tiny_path();
    let tiny = tiny.to_str().unwrap();
    let compare = |out: &str, posterior: bool| {
        let mut args = vec![
            "compare",
            tiny,
            tiny,
            "-n",
            "4",
            "--set",
            "population.households=1500",
            "--set",
            "simulation.ticks=12",
            "--out",
            out,
            "--no-plots",
        ];
        if posterior {
            args.extend(["--posterior", "cal"]);
        }
        displace(&args, dir.path())
    };
    let with = compare("with", true);
    assert!(with.status.success(), "{}", stderr(&with));
    assert!(
        common::stdout(&with).contains("Parameter uncertainty included"),
        "{}",
        common::stdout(&with)
    );
    // Each replicate's draw is a particle of the calibration's last generation.
    let posterior = read(&cal.join("posterior.csv"));
    let last = posterior
        .lines()
        .last()
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let particles: Vec<Vec<String>> = posterior
        .lines()
        .skip(1)
        .filter(|l| l.split(',').next() == Some(last.as_str()))
        .map(|l| l.split(',').skip(5).take(2).map(str::to_string).collect())
        .collect();
    let draws = read(&dir.path().join("with/posterior_draws.csv"));
    let draws: Vec<Vec<String>> = draws
        .lines()
        .skip(1)
        .map(|l| l.split(',').skip(2).map(str::to_string).collect())
        .collect();
    assert_eq!(draws.len(), 4);
    assert!(draws.iter().all(|d| particles.contains(d)), "{draws:?}");
    // An arm compared with itself still differs by nothing: the draw is the same in both.
    let json = read(&dir.path().join("with/compare.json"));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let diff = &value["metrics"]["displaced_persons"]["tiny#2"]["diff_mean"];
    assert_eq!(diff.as_f64(), Some(0.0), "{diff}");
    // The draws change what the replicates ran: the arm's runs differ from those without them.
    let without = compare("without", false);
    assert!(without.status.success(), "{}", stderr(&without));
    assert_ne!(
        read(&dir.path().join("with/runs.csv")),
        read(&dir.path().join("without/runs.csv"))
    );
    // Drawing is seeded: the same command draws the same sets.
    let again = compare("again", true);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        read(&dir.path().join("with/posterior_draws.csv")),
        read(&dir.path().join("again/posterior_draws.csv"))
    );
    // A folder that is not a finished calibration is refused.
    let bad = displace(
        &[
            "compare",
            tiny,
            tiny,
            "-n",
            "2",
            "--posterior",
            "with",
            "--out",
            "x",
        ],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("not a calibration folder"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn synthetic_truths_drawn_from_the_prior_are_covered_by_their_posterior_intervals() {
    // Ten truths drawn from the prior; each one's run gives the observed statistics, and a
    // calibration from the prior should put the truth inside its 90% interval about nine times
    // in ten (seven or more: fewer has a chance of about 1% if the intervals are right), with
    // intervals well inside the prior's on average. Demands tell the extortion rate, payments
    // among them the share of households that refuse.
    use displace::calibrate::{Calibration, ScenarioSimulator, posterior_summary};
    let dir = tempfile::tempdir().unwrap();
    let priors = [
        Prior::LogUniform {
            low: 1.0,
            high: 20.0,
        },
        Prior::Uniform {
            low: 0.0,
            high: 0.3,
        },
    ];
    let keys = ["groups.gangs.extortion_rate", "extortion.refusal"];
    let fixed = ["population.households=1500", "simulation.ticks=12"];
    // The central 90% of each prior.
    let prior_width = |p: &Prior| match *p {
        Prior::LogUniform { low, high } => {
            low * (high / low).powf(0.95) - low * (high / low).powf(0.05)
        }
        Prior::Uniform { low, high } => 0.9 * (high - low),
        _ => unreachable!(),
    };
    let truths = 10;
    let mut covered = [0; 2];
    let mut width_ratio = [0.0; 2];
    for t in 0..truths {
        let mut rng = displace::rng::stream(99, displace::rng::Process::Calibration, t, 7);
        let theta: Vec<f64> = priors.iter().map(|p| p.sample(&mut rng)).collect();
        let mut sets: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
        sets.extend(keys.iter().zip(&theta).map(|(k, v)| format!("{k}={v}")));
        sets.push(format!("simulation.seed={}", 500 + t));
        let scenario = displace::scenario::Scenario::load(&common::tiny_path(), &sets).unwrap();
        let truth = displace::sim::simulate(&scenario, &mut displace::sim::NoObserver)
            .unwrap()
            .summary;
        let (demands, payments) = (
            truth.extortion_demands as f64,
            truth.extortion_payments as f64,
        );
        let file = write(
            dir.path(),
            &format!("truth_{t}.toml"),
            &format!(
                r#"base = "{}"
set = ["population.households=1500", "simulation.ticks=12"]
seed = {t}
particles = 150
max_generations = 6
min_acceptance = 0.05
max_simulations = 20000
predictive_draws = 0

[[parameters]]
key = "{}"
prior = "log_uniform"
low = 1.0
high = 20.0

[[parameters]]
key = "{}"
prior = "uniform"
low = 0.0
high = 0.3

[[targets]]
name = "demands"
summary = "extortion_demands"
observed = {demands}
scale = {}

[[targets]]
name = "payments"
summary = "extortion_payments"
observed = {payments}
scale = {}
"#,
                common::tiny_path().display(),
                keys[0],
                keys[1],
                (0.05 * demands).max(5.0),
                (0.05 * payments).max(5.0),
            ),
        );
        let calibration = Calibration::load(&file).unwrap();
        let simulator = ScenarioSimulator::new(&calibration);
        let (generations, _) = smc::run(
            &calibration.config(),
            &simulator,
            Vec::new(),
            &mut |_| Ok(()),
            &|_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        let last = generations.last().unwrap();
        for k in 0..2 {
            let (_, q05, q95) = posterior_summary(last, k);
            if (q05..=q95).contains(&theta[k]) {
                covered[k] += 1;
            }
            width_ratio[k] += (q95 - q05) / prior_width(&priors[k]) / truths as f64;
        }
    }
    for k in 0..2 {
        assert!(
            covered[k] >= 7,
            "{}: truth covered {} of {truths}",
            keys[k],
            covered[k]
        );
        // On average the posterior's 90% interval is well inside the prior's.
        assert!(
            width_ratio[k] < 0.75,
            "{}: posterior 90% width over the prior's {:.2} on average",
            keys[k],
            width_ratio[k]
        );
    }
    eprintln!("covered {covered:?} of {truths}; width ratios {width_ratio:?}");
}

#[test]
fn variants_run_beside_the_base_with_the_same_parameters_and_seed() {
    let dir = tempfile::tempdir().unwrap();
    let file = calibration_file(
        dir.path(),
        r#"max_generations = 2
[[variants]]
name = "longer"
set = ["simulation.ticks=24"]

[[constraints]]
order = ["lodging_shares.kin", "lodging_shares.shelter"]
"#,
    );
    // A target read from the variant: weeks the base run does not have.
    let text = read(&file).replace("max_generations = 4\n", "")
        + r#"
[[targets]]
name = "second_half"
variant = "longer"
window = { columns = ["displacements"], ticks = [12, 24] }
observed = 40
scale = 20
"#;
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let run = calibrate(&file, &out, "2");
    assert!(run.status.success(), "{}", stderr(&run));

    // Rerun one kept particle's variant by hand: the same parameters and seed give its value.
    let posterior = read(&out.join("posterior.csv"));
    let header: Vec<&str> = posterior.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = posterior.lines().last().unwrap().split(',').collect();
    let at = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    let tiny = common::tiny_path();
    let args = [
        "run".to_string(),
        tiny.display().to_string(),
        "--set".into(),
        "population.households=1500".into(),
        "--set".into(),
        format!(
            "groups.gangs.extortion_rate={}",
            at("groups.gangs.extortion_rate")
        ),
        "--set".into(),
        format!(
            "groups.gangs.threat_rate={}",
            at("groups.gangs.threat_rate")
        ),
        "--set".into(),
        "simulation.ticks=24".into(),
        "--seed".into(),
        at("seed").to_string(),
        "--out".into(),
        "by_hand".into(),
        "--quiet".into(),
        "--no-plots".into(),
    ];
    let by_hand = displace(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        dir.path(),
    );
    assert!(by_hand.status.success(), "{}", stderr(&by_hand));
    let series = read(&dir.path().join("by_hand/timeseries.csv"));
    let columns: Vec<&str> = series.lines().next().unwrap().split(',').collect();
    let k = columns.iter().position(|c| *c == "displacements").unwrap();
    let second_half: f64 = series
        .lines()
        .skip(1 + 12)
        .map(|l| l.split(',').nth(k).unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(at("second_half").parse::<f64>().unwrap(), second_half);
    // The order constraint reads two lodging shares of the base run and holds for every particle.
    let kin: Vec<f64> = posterior
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(
                    header
                        .iter()
                        .position(|h| *h == "lodging_shares.kin")
                        .unwrap(),
                )
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    let shelter: Vec<f64> = posterior
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(
                    header
                        .iter()
                        .position(|h| *h == "lodging_shares.shelter")
                        .unwrap(),
                )
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(kin.iter().zip(&shelter).all(|(k, s)| k > s));
}

#[test]
fn a_proposal_already_beyond_the_tolerance_skips_its_variant_runs_and_is_refused_all_the_same() {
    use displace::calibrate::{Calibration, ScenarioSimulator};
    let dir = tempfile::tempdir().unwrap();
    let file = calibration_file(
        dir.path(),
        r#"[[variants]]
name = "longer"
set = ["simulation.ticks=24"]

[[constraints]]
variant = "longer"
summary = "displacement_incidence_per_100k_15plus"
above = 0.0
"#,
    );
    let calibration = Calibration::load(&file).unwrap();
    let simulator = ScenarioSimulator::new(&calibration);
    let theta = [3.0, 1.0];
    let full = simulator.simulate(&theta, 17, f64::INFINITY).unwrap();
    let variant_stat = full.len() - 1;
    assert!(full.iter().all(|v| v.is_finite()), "{full:?}");
    let d = calibration.distance(&full);
    assert!(d.is_finite() && d > 0.0, "distance {d}");
    // Only the variant's constraint lies beyond the base run, so the base run alone gives the
    // whole distance: a tolerance below it needs no variant run and refuses the proposal.
    let short = simulator.simulate(&theta, 17, 0.5 * d).unwrap();
    assert!(short[variant_stat].is_nan(), "the variant ran: {short:?}");
    assert_eq!(calibration.distance(&short), f64::INFINITY);
    assert_eq!(calibration.distance_lower_bound(&short), d);
    // Within the tolerance every run is made, with the statistics of a run without one.
    let kept = simulator.simulate(&theta, 17, 2.0 * d).unwrap();
    assert_eq!(
        kept.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        full.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn a_budget_spent_before_generation_0_fills_is_a_clear_error_and_whole_numbers_reach_the_scenario_rounded()
 {
    let dir = tempfile::tempdir().unwrap();
    // One batch of 24 proposals, of which far fewer than 24 can meet an impossible constraint.
    let file = calibration_file(
        dir.path(),
        "[[constraints]]\nsummary = \"displacement_incidence_per_100k_15plus\"\nbelow = 0.0\n",
    );
    let text = read(&file).replace("max_simulations = 5000", "max_simulations = 48");
    std::fs::write(&file, text).unwrap();
    let out = calibrate(&file, &dir.path().join("spent"), "2");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("generation 0 kept 0 of the 24 particles")
            && stderr(&out).contains("raise max_simulations"),
        "{}",
        stderr(&out)
    );

    // A whole-number parameter: its draws stay on the continuum, and what the scenario gets
    // (the calibrated scenario's value) is a whole number.
    let file = calibration_file(
        dir.path(),
        "[[parameters]]\nkey = \"groups.gangs.count\"\nprior = \"uniform\"\nlow = 2\nhigh = 8\ninteger = true\n",
    );
    let out = dir.path().join("integer");
    let run = calibrate(&file, &out, "2");
    assert!(run.status.success(), "{}", stderr(&run));
    let calibrated = read(&out.join("calibrated.toml"));
    let line = calibrated
        .lines()
        .find(|l| l.contains("groups.gangs.count="))
        .unwrap();
    let value = line.split('=').nth(1).unwrap().trim_end_matches("\",");
    let count: u32 = value
        .parse()
        .unwrap_or_else(|e| panic!("`{value}` is not a whole number: {e}"));
    assert!((2..=8).contains(&count), "{count}");

    // compare --posterior refuses a --set of a calibrated key: the draw would overrule it.
    let tiny = common::tiny_path();
    let tiny = tiny.to_str().unwrap();
    let clash = displace(
        &[
            "compare",
            tiny,
            tiny,
            "-n",
            "2",
            "--posterior",
            "integer",
            "--set",
            "groups.gangs.count=3",
            "--out",
            "x",
        ],
        dir.path(),
    );
    assert_eq!(clash.status.code(), Some(2), "{}", stderr(&clash));
    assert!(
        stderr(&clash).contains("`groups.gangs.count` is a parameter of the calibration"),
        "{}",
        stderr(&clash)
    );
}

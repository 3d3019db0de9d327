//! ABC-SMC (population Monte Carlo; Beaumont et al. 2009, Toni et al. 2009, as in pyABC): a
//! population of parameter sets moves from the prior towards the approximate posterior through
//! generations of shrinking tolerance.
//!
//! Generation 0 draws from the prior and keeps the first `particles` proposals that ran. Each
//! later generation takes as tolerance a quantile of the previous one's distances, proposes by
//! picking a previous particle by weight and moving it with a multivariate normal kernel of twice
//! the previous population's weighted covariance, and keeps proposals within the tolerance. A
//! kept particle's weight is its prior density over the kernel mixture's density at it. The
//! kernel moves log-uniform parameters in their logarithm, where their prior is flat: in natural
//! units a prior spanning a factor of nine gives weights nine times apart for that alone.
//!
//! Determinism: proposal `i` of generation `t` is drawn from its own stream keyed by
//! `(seed, Calibration, i, t)`, proposals are simulated in fixed batches (in parallel) and kept
//! in index order, and every sum is taken in one order. So the result does not depend on the
//! number of threads, and a calibration resumed from its last finished generation goes on
//! exactly as one that never stopped.

use std::sync::atomic::{AtomicBool, Ordering};

use rand::RngCore;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::prior::Prior;
use crate::rng::{self, Process};

/// A proposal, its seed and what its simulation gave.
type Evaluated = (Vec<f64>, u64, Result<Vec<f64>, String>);

/// What a calibration needs from the model: statistics of one run, and how far they are from
/// the observed ones.
pub trait Simulator: Sync {
    /// The statistics of a simulation at parameter values `theta` with random seed `seed`. A
    /// simulator may stop early, leaving statistics NaN, once those it has put the proposal
    /// beyond `tolerance` for certain; `distance` must then be infinite.
    fn simulate(&self, theta: &[f64], seed: u64, tolerance: f64) -> Result<Vec<f64>, String>;
    /// How far `stats` are from the observed statistics; infinite when a hard constraint fails.
    fn distance(&self, stats: &[f64]) -> f64;
}

/// The algorithm's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmcConfig {
    pub seed: u64,
    /// Particles per generation.
    pub particles: usize,
    /// Proposals simulated together (a fixed number, so results do not depend on threads).
    pub batch: usize,
    /// The next tolerance is this weighted quantile of the current distances.
    pub quantile: f64,
    pub max_generations: u32,
    /// Stop once a generation's tolerance is at or below this (0: never on tolerance).
    pub final_tolerance: f64,
    /// Stop after a generation that kept fewer than this share of its proposals.
    pub min_acceptance: f64,
    /// Stop before a batch would take the simulations past this.
    pub max_simulations: u64,
    /// Simulations per proposal (the simulator's replicates), for counting.
    pub runs_per_proposal: u64,
    pub priors: Vec<Prior>,
    /// Whether each parameter is a whole number: sampled and moved on the continuum, rounded
    /// where it reaches the scenario.
    pub integer: Vec<bool>,
}

/// One accepted parameter set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Particle {
    pub theta: Vec<f64>,
    /// Normalised importance weight.
    pub weight: f64,
    pub distance: f64,
    pub stats: Vec<f64>,
    /// Index of the proposal within its generation, and the seed it ran with.
    pub proposal: u64,
    pub seed: u64,
}

/// A finished generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    pub index: u32,
    /// Tolerance the particles met (infinite in generation 0, `null` in JSON).
    #[serde(with = "infinite_as_null")]
    pub tolerance: f64,
    pub particles: Vec<Particle>,
    /// Proposals simulated, and how many of them failed to run.
    pub proposals: u64,
    pub failed: u64,
    /// Simulations run (proposals × replicates).
    pub simulations: u64,
    /// Share of the simulated proposals that were kept.
    pub acceptance: f64,
    /// Effective sample size of the weights.
    pub ess: f64,
    /// Wall time of the generation (the one figure that depends on the machine).
    pub seconds: f64,
}

/// JSON has no infinity: an infinite value is written as `null` and read back as infinite.
mod infinite_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
    }
}

/// Why a calibration stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    FinalTolerance,
    MinAcceptance,
    MaxGenerations,
    MaxSimulations,
    /// The tolerance could not shrink any further (every distance equal).
    NoProgress,
}

impl StopReason {
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::FinalTolerance => "reached the final tolerance",
            StopReason::MinAcceptance => "acceptance fell below min_acceptance",
            StopReason::MaxGenerations => "ran max_generations generations",
            StopReason::MaxSimulations => "the next batch would pass max_simulations",
            StopReason::NoProgress => "the tolerance could not shrink further",
        }
    }
}

/// Progress within a generation, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub generation: u32,
    pub tolerance: f64,
    pub accepted: usize,
    pub proposals: u64,
    pub particles: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SmcError {
    #[error("interrupted")]
    Interrupted,
    #[error(
        "generation 0: none of {proposals} proposals from the prior ran; the first error: {error}"
    )]
    NothingRuns { proposals: u64, error: String },
    #[error(
        "generation 0 kept {kept} of the {particles} particles it needs from {proposals} proposals before max_simulations ran out: raise max_simulations, or loosen the constraints"
    )]
    BudgetBeforeFirstGeneration {
        kept: usize,
        particles: usize,
        proposals: u64,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Runs (or resumes, after `done`) a calibration until a stopping rule holds. Each finished
/// generation is handed to `finished` (to be written) before the next starts; `progress` hears
/// of every batch.
pub fn run(
    config: &SmcConfig,
    simulator: &dyn Simulator,
    mut done: Vec<Generation>,
    finished: &mut dyn FnMut(&Generation) -> std::io::Result<()>,
    progress: &(dyn Fn(Progress) + Sync),
    stop: &AtomicBool,
) -> Result<(Vec<Generation>, StopReason), SmcError> {
    if let Some(reason) = done.last().and_then(|last| stop_after(config, &done, last)) {
        return Ok((done, reason));
    }
    loop {
        let t = done.len() as u32;
        let simulated: u64 = done.iter().map(|g| g.simulations).sum();
        let previous = done.last();
        let tolerance = match previous {
            None => f64::INFINITY,
            Some(p) => next_tolerance(p, config.quantile),
        };
        if let Some(p) = previous
            && tolerance >= p.tolerance
            && p.index > 0
        {
            return Ok((done, StopReason::NoProgress));
        }
        let kernel = previous.map(|p| Kernel::fit(p, &config.priors));
        let started = std::time::Instant::now();
        let mut accepted: Vec<Particle> = Vec::with_capacity(config.particles);
        let (mut proposals, mut failed) = (0u64, 0u64);
        let mut first_error = None;
        while accepted.len() < config.particles {
            if stop.load(Ordering::Relaxed) {
                return Err(SmcError::Interrupted);
            }
            let batch = config.batch as u64;
            if simulated + (proposals + batch) * config.runs_per_proposal > config.max_simulations {
                if done.is_empty() {
                    return Err(SmcError::BudgetBeforeFirstGeneration {
                        kept: accepted.len(),
                        particles: config.particles,
                        proposals,
                    });
                }
                return Ok((done, StopReason::MaxSimulations));
            }
            let results: Vec<Evaluated> = (proposals..proposals + batch)
                .into_par_iter()
                .map(|i| {
                    let (theta, seed) = propose(config, previous, kernel.as_ref(), t, i);
                    let stats = if stop.load(Ordering::Relaxed) {
                        Err("interrupted".to_string())
                    } else {
                        simulator.simulate(&theta, seed, tolerance)
                    };
                    (theta, seed, stats)
                })
                .collect();
            if stop.load(Ordering::Relaxed) {
                return Err(SmcError::Interrupted);
            }
            for (k, (theta, seed, stats)) in results.into_iter().enumerate() {
                let index = proposals + k as u64;
                if accepted.len() == config.particles {
                    break;
                }
                match stats {
                    Ok(stats) => {
                        let distance = simulator.distance(&stats);
                        if distance.is_finite() && distance <= tolerance {
                            accepted.push(Particle {
                                theta,
                                weight: 1.0,
                                distance,
                                stats,
                                proposal: index,
                                seed,
                            });
                        }
                    }
                    Err(e) => {
                        failed += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            proposals += batch;
            progress(Progress {
                generation: t,
                tolerance,
                accepted: accepted.len(),
                proposals,
                particles: config.particles,
            });
            // Only once a population's worth of proposals has failed: one unlucky batch is not
            // a verdict on the prior.
            if t == 0
                && accepted.is_empty()
                && failed == proposals
                && proposals >= config.particles as u64
            {
                return Err(SmcError::NothingRuns {
                    proposals,
                    error: first_error.unwrap_or_default(),
                });
            }
        }
        if let (Some(p), Some(k)) = (previous, kernel.as_ref()) {
            reweight(&mut accepted, p, k, &config.priors);
        } else {
            let w = 1.0 / accepted.len() as f64;
            accepted.iter_mut().for_each(|q| q.weight = w);
        }
        let ess = effective_sample_size(&accepted);
        let generation = Generation {
            index: t,
            tolerance,
            particles: accepted,
            proposals,
            failed,
            simulations: proposals * config.runs_per_proposal,
            acceptance: config.particles as f64 / proposals as f64,
            ess,
            seconds: started.elapsed().as_secs_f64(),
        };
        finished(&generation)?;
        done.push(generation);
        let last = done.last().expect("just pushed");
        if let Some(reason) = stop_after(config, &done, last) {
            return Ok((done, reason));
        }
    }
}

/// The stopping rule that holds after `last`, if any.
fn stop_after(config: &SmcConfig, done: &[Generation], last: &Generation) -> Option<StopReason> {
    if last.index > 0 && last.tolerance <= config.final_tolerance {
        Some(StopReason::FinalTolerance)
    } else if last.index > 0 && last.acceptance < config.min_acceptance {
        Some(StopReason::MinAcceptance)
    } else if done.len() as u32 >= config.max_generations {
        Some(StopReason::MaxGenerations)
    } else {
        None
    }
}

/// The weighted `q`-quantile of a generation's distances.
fn next_tolerance(g: &Generation, q: f64) -> f64 {
    let pairs: Vec<(f64, f64)> = g.particles.iter().map(|p| (p.distance, p.weight)).collect();
    weighted_quantile(&pairs, q)
}

/// The weighted `q`-quantile of `(value, weight)` pairs: the smallest value at which the
/// weights, in order of value, reach a share `q` of their total.
pub fn weighted_quantile(values: &[(f64, f64)], q: f64) -> f64 {
    let mut pairs: Vec<(f64, f64)> = values.to_vec();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let mut cumulative = 0.0;
    for &(v, w) in &pairs {
        cumulative += w;
        if cumulative >= q * total {
            return v;
        }
    }
    pairs.last().map_or(f64::NAN, |p| p.0)
}

/// Proposal `i` of generation `t` and the seed it runs with, from its own stream.
fn propose(
    config: &SmcConfig,
    previous: Option<&Generation>,
    kernel: Option<&Kernel>,
    t: u32,
    i: u64,
) -> (Vec<f64>, u64) {
    let mut rng = rng::stream(config.seed, Process::Calibration, i, t);
    let theta = match (previous, kernel) {
        (Some(p), Some(k)) => {
            let weights: Vec<f64> = p.particles.iter().map(|q| q.weight).collect();
            let mut theta = None;
            let mut parent = 0;
            // Moves that leave the prior's support are redrawn; after many, a parent stays.
            for _ in 0..1000 {
                parent = rng::weighted_index(&weights, rng::unit(&mut rng)).unwrap_or(0);
                let from = internal(&config.priors, &p.particles[parent].theta);
                let moved = k.perturb(&from, &mut rng);
                if inside(&config.priors, &moved) {
                    theta = Some(natural(&config.priors, &moved));
                    break;
                }
            }
            theta.unwrap_or_else(|| p.particles[parent].theta.clone())
        }
        // Whole-number parameters are sampled and moved on the continuum and rounded only where
        // they reach the scenario, so that prior and kernel densities stay those of the draws.
        _ => config.priors.iter().map(|q| q.sample(&mut rng)).collect(),
    };
    // Seeds stay in the range a scenario's `simulation.seed` accepts.
    let seed = rng.next_u64() >> 1;
    (theta, seed)
}

/// A parameter set in the coordinates the kernel moves in (see [`Prior::to_internal`]).
fn internal(priors: &[Prior], theta: &[f64]) -> Vec<f64> {
    priors
        .iter()
        .zip(theta)
        .map(|(p, &x)| p.to_internal(x))
        .collect()
}

/// A parameter set back in natural units from internal coordinates.
fn natural(priors: &[Prior], u: &[f64]) -> Vec<f64> {
    priors
        .iter()
        .zip(u)
        .map(|(p, &x)| p.from_internal(x))
        .collect()
}

/// Whether internal coordinates `u` lie in the prior's support.
fn inside(priors: &[Prior], u: &[f64]) -> bool {
    priors
        .iter()
        .zip(u)
        .all(|(p, &x)| p.internal_density(x) > 0.0)
}

/// The prior density of internal coordinates `u`.
fn prior_density(priors: &[Prior], u: &[f64]) -> f64 {
    priors
        .iter()
        .zip(u)
        .map(|(p, &x)| p.internal_density(x))
        .product()
}

/// A multivariate normal perturbation: twice the population's weighted covariance (Beaumont et
/// al. 2009), kept by its Cholesky factor.
pub struct Kernel {
    /// Lower-triangular factor, row-major, `d × d`.
    chol: Vec<f64>,
    d: usize,
}

impl Kernel {
    /// Fitted to a population in internal coordinates.
    pub fn fit(g: &Generation, priors: &[Prior]) -> Kernel {
        let d = priors.len();
        let moved: Vec<Particle> = g
            .particles
            .iter()
            .map(|p| Particle {
                theta: internal(priors, &p.theta),
                weight: p.weight,
                distance: p.distance,
                stats: Vec::new(),
                proposal: p.proposal,
                seed: p.seed,
            })
            .collect();
        let (_, cov) = weighted_moments(&moved, d);
        let mut sigma: Vec<f64> = cov.iter().map(|c| 2.0 * c).collect();
        // A parameter the population no longer varies in still needs room to move.
        for (k, prior) in priors.iter().enumerate() {
            let sd = prior.internal_sd();
            let floor = (1e-3 * if sd.is_finite() { sd } else { 1.0 }).powi(2);
            sigma[k * d + k] = sigma[k * d + k].max(floor);
        }
        Kernel {
            chol: cholesky(&sigma, d),
            d,
        }
    }

    fn perturb<R: RngCore>(&self, theta: &[f64], rng: &mut R) -> Vec<f64> {
        let z: Vec<f64> = (0..self.d).map(|_| rng::standard_normal(rng)).collect();
        (0..self.d)
            .map(|r| {
                theta[r]
                    + (0..=r)
                        .map(|c| self.chol[r * self.d + c] * z[c])
                        .sum::<f64>()
            })
            .collect()
    }

    /// The kernel density of moving from `from` to `to`, up to a constant factor shared by all
    /// moves (it cancels when weights are normalised).
    fn density(&self, from: &[f64], to: &[f64]) -> f64 {
        // Solve L y = (to − from) by forward substitution; the density is exp(−|y|²/2).
        let d = self.d;
        let mut y = vec![0.0; d];
        for r in 0..d {
            let row = &self.chol[r * d..r * d + r];
            let s = to[r] - from[r] - row.iter().zip(&y).map(|(l, v)| l * v).sum::<f64>();
            y[r] = s / self.chol[r * d + r];
        }
        libm::exp(-0.5 * y.iter().map(|v| v * v).sum::<f64>())
    }
}

/// Importance weights of a new population: prior density over the kernel mixture density,
/// both in internal coordinates.
fn reweight(particles: &mut [Particle], previous: &Generation, kernel: &Kernel, priors: &[Prior]) {
    let parents: Vec<(f64, Vec<f64>)> = previous
        .particles
        .iter()
        .map(|p| (p.weight, internal(priors, &p.theta)))
        .collect();
    let weights: Vec<f64> = particles
        .par_iter()
        .map(|q| {
            let at = internal(priors, &q.theta);
            let mixture: f64 = parents
                .iter()
                .map(|(w, from)| w * kernel.density(from, &at))
                .sum();
            if mixture > 0.0 {
                prior_density(priors, &at) / mixture
            } else {
                0.0
            }
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let n = particles.len();
    for (q, w) in particles.iter_mut().zip(weights) {
        q.weight = if total > 0.0 && total.is_finite() {
            w / total
        } else {
            1.0 / n as f64
        };
    }
}

pub fn effective_sample_size(particles: &[Particle]) -> f64 {
    let sum: f64 = particles.iter().map(|p| p.weight).sum();
    let squares: f64 = particles.iter().map(|p| p.weight * p.weight).sum();
    if squares > 0.0 {
        sum * sum / squares
    } else {
        0.0
    }
}

/// Weighted mean and covariance (row-major `d × d`) of a population's parameters.
pub fn weighted_moments(particles: &[Particle], d: usize) -> (Vec<f64>, Vec<f64>) {
    let total: f64 = particles.iter().map(|p| p.weight).sum();
    let mut mean = vec![0.0; d];
    for p in particles {
        for (m, x) in mean.iter_mut().zip(&p.theta) {
            *m += p.weight * x / total;
        }
    }
    let mut cov = vec![0.0; d * d];
    for p in particles {
        for r in 0..d {
            for c in 0..d {
                cov[r * d + c] +=
                    p.weight * (p.theta[r] - mean[r]) * (p.theta[c] - mean[c]) / total;
            }
        }
    }
    (mean, cov)
}

/// Cholesky factor of a symmetric positive-definite matrix; a pivot that is not positive is
/// raised to a small share of the diagonal so the factor always exists.
fn cholesky(a: &[f64], d: usize) -> Vec<f64> {
    let mut l = vec![0.0; d * d];
    for r in 0..d {
        for c in 0..=r {
            let s: f64 = (0..c).map(|k| l[r * d + k] * l[c * d + k]).sum();
            if r == c {
                let pivot = a[r * d + r] - s;
                let floor = 1e-12 * a[r * d + r].abs().max(1e-300);
                l[r * d + c] = pivot.max(floor).sqrt();
            } else {
                l[r * d + c] = (a[r * d + c] - s) / l[c * d + c];
            }
        }
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reproduces_its_matrix() {
        let a = [4.0, 2.0, 0.6, 2.0, 2.0, 0.5, 0.6, 0.5, 3.0];
        let l = cholesky(&a, 3);
        for r in 0..3 {
            for c in 0..3 {
                let v: f64 = (0..3).map(|k| l[r * 3 + k] * l[c * 3 + k]).sum();
                assert!((v - a[r * 3 + c]).abs() < 1e-12, "({r},{c}): {v}");
            }
        }
    }

    #[test]
    fn weighted_quantile_takes_the_distance_where_the_weight_reaches_it() {
        let particle = |distance: f64, weight: f64| Particle {
            theta: vec![0.0],
            weight,
            distance,
            stats: vec![],
            proposal: 0,
            seed: 0,
        };
        let g = Generation {
            index: 1,
            tolerance: 1.0,
            particles: vec![particle(3.0, 0.1), particle(1.0, 0.6), particle(2.0, 0.3)],
            proposals: 3,
            failed: 0,
            simulations: 3,
            acceptance: 1.0,
            ess: 2.0,
            seconds: 0.0,
        };
        assert_eq!(next_tolerance(&g, 0.5), 1.0);
        assert_eq!(next_tolerance(&g, 0.7), 2.0);
        assert_eq!(next_tolerance(&g, 0.95), 3.0);
    }
}

//! Prior distributions of calibrated parameters: draws and densities.

use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::rng;

/// A prior over one parameter, in its natural units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "prior", rename_all = "snake_case")]
pub enum Prior {
    /// Flat between `low` and `high`.
    Uniform { low: f64, high: f64 },
    /// Flat in the logarithm between `low` and `high` (both above 0): for rates whose order of
    /// magnitude is unknown.
    LogUniform { low: f64, high: f64 },
    /// Normal with mean `mean` and standard deviation `sd`.
    Normal { mean: f64, sd: f64 },
    /// Normal with mean `mean` and standard deviation `sd`, cut to `low`..`high`.
    TruncatedNormal {
        mean: f64,
        sd: f64,
        low: f64,
        high: f64,
    },
}

/// Draws of a truncated normal tried by rejection before the bounds are judged too far out.
const MAX_REJECTIONS: u32 = 100_000;

/// Standard normal cumulative distribution.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * (1.0 + libm::erf(z / std::f64::consts::SQRT_2))
}

fn normal_pdf(z: f64) -> f64 {
    libm::exp(-0.5 * z * z) / (2.0 * std::f64::consts::PI).sqrt()
}

impl Prior {
    /// A draw from the prior.
    pub fn sample<R: RngCore>(&self, rng: &mut R) -> f64 {
        match *self {
            Prior::Uniform { low, high } => low + (high - low) * rng::unit(rng),
            Prior::LogUniform { low, high } => {
                libm::exp(libm::log(low) + (libm::log(high) - libm::log(low)) * rng::unit(rng))
            }
            Prior::Normal { mean, sd } => mean + sd * rng::standard_normal(rng),
            Prior::TruncatedNormal {
                mean,
                sd,
                low,
                high,
            } => {
                for _ in 0..MAX_REJECTIONS {
                    let x = mean + sd * rng::standard_normal(rng);
                    if (low..=high).contains(&x) {
                        return x;
                    }
                }
                // The spec check refuses bounds holding almost none of the mass; this is a
                // last resort that keeps the draw inside them.
                low + (high - low) * rng::unit(rng)
            }
        }
    }

    /// The prior density at `x` (0 outside the support).
    pub fn density(&self, x: f64) -> f64 {
        match *self {
            Prior::Uniform { low, high } => {
                if (low..=high).contains(&x) && high > low {
                    1.0 / (high - low)
                } else if (low..=high).contains(&x) {
                    1.0
                } else {
                    0.0
                }
            }
            Prior::LogUniform { low, high } => {
                if (low..=high).contains(&x) && x > 0.0 && high > low {
                    1.0 / (x * (libm::log(high) - libm::log(low)))
                } else {
                    0.0
                }
            }
            Prior::Normal { mean, sd } => normal_pdf((x - mean) / sd) / sd,
            Prior::TruncatedNormal {
                mean,
                sd,
                low,
                high,
            } => {
                if !(low..=high).contains(&x) {
                    return 0.0;
                }
                normal_pdf((x - mean) / sd) / sd / self.truncated_mass()
            }
        }
    }

    /// The share of the untruncated normal's mass inside a truncated normal's bounds (1 for
    /// the other priors).
    pub fn truncated_mass(&self) -> f64 {
        match *self {
            Prior::TruncatedNormal {
                mean,
                sd,
                low,
                high,
            } => normal_cdf((high - mean) / sd) - normal_cdf((low - mean) / sd),
            _ => 1.0,
        }
    }

    /// Lower and upper ends of the support (infinite for a normal).
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            Prior::Uniform { low, high }
            | Prior::LogUniform { low, high }
            | Prior::TruncatedNormal { low, high, .. } => (low, high),
            Prior::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    /// The prior's mean and standard deviation (numerically for a truncated normal).
    pub fn moments(&self) -> (f64, f64) {
        match *self {
            Prior::Uniform { low, high } => ((low + high) / 2.0, (high - low) / 12f64.sqrt()),
            Prior::LogUniform { low, high } => {
                let span = libm::log(high) - libm::log(low);
                let mean = (high - low) / span;
                let second = (high * high - low * low) / (2.0 * span);
                (mean, (second - mean * mean).max(0.0).sqrt())
            }
            Prior::Normal { mean, sd } => (mean, sd),
            Prior::TruncatedNormal {
                mean,
                sd,
                low,
                high,
            } => {
                let (a, b) = ((low - mean) / sd, (high - mean) / sd);
                let z = self.truncated_mass();
                let m = (normal_pdf(a) - normal_pdf(b)) / z;
                let v = 1.0 + (a * normal_pdf(a) - b * normal_pdf(b)) / z - m * m;
                (mean + sd * m, sd * v.max(0.0).sqrt())
            }
        }
    }

    /// The coordinate the sampler moves this parameter in: the logarithm for a log-uniform
    /// prior, where it is flat and a rate's orders of magnitude are equally easy to reach; the
    /// value itself otherwise.
    pub fn to_internal(&self, x: f64) -> f64 {
        match self {
            Prior::LogUniform { .. } => libm::log(x),
            _ => x,
        }
    }

    /// The value at internal coordinate `u` (the inverse of [`Prior::to_internal`]).
    pub fn from_internal(&self, u: f64) -> f64 {
        match self {
            Prior::LogUniform { .. } => libm::exp(u),
            _ => u,
        }
    }

    /// The prior of the internal coordinate: a log-uniform prior is uniform over the logarithms.
    fn internal_prior(&self) -> Prior {
        match *self {
            Prior::LogUniform { low, high } => Prior::Uniform {
                low: libm::log(low),
                high: libm::log(high),
            },
            other => other,
        }
    }

    /// The prior density of the internal coordinate `u` (0 outside the support).
    pub fn internal_density(&self, u: f64) -> f64 {
        self.internal_prior().density(u)
    }

    /// The prior's standard deviation in the internal coordinate.
    pub fn internal_sd(&self) -> f64 {
        self.internal_prior().moments().1
    }

    /// The prior's name as written in a calibration file.
    pub fn name(&self) -> &'static str {
        match self {
            Prior::Uniform { .. } => "uniform",
            Prior::LogUniform { .. } => "log_uniform",
            Prior::Normal { .. } => "normal",
            Prior::TruncatedNormal { .. } => "truncated_normal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_moments(prior: Prior) -> (f64, f64) {
        let mut rng = rng::stream(7, rng::Process::Calibration, 0, 0);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| prior.sample(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, var.sqrt())
    }

    #[test]
    fn draws_match_each_priors_moments_and_stay_in_its_support() {
        for prior in [
            Prior::Uniform {
                low: -1.0,
                high: 3.0,
            },
            Prior::LogUniform {
                low: 0.01,
                high: 10.0,
            },
            Prior::Normal { mean: 2.0, sd: 0.5 },
            Prior::TruncatedNormal {
                mean: 0.0,
                sd: 1.0,
                low: 0.5,
                high: 4.0,
            },
        ] {
            let (m, s) = sample_moments(prior);
            let (em, es) = prior.moments();
            assert!((m - em).abs() < 0.01 * es, "{prior:?}: mean {m} vs {em}");
            assert!((s / es - 1.0).abs() < 0.02, "{prior:?}: sd {s} vs {es}");
            let (lo, hi) = prior.bounds();
            let mut rng = rng::stream(8, rng::Process::Calibration, 0, 0);
            assert!((0..1000).all(|_| (lo..=hi).contains(&prior.sample(&mut rng))));
        }
    }

    #[test]
    fn internal_coordinates_invert_and_their_densities_integrate_to_one() {
        let prior = Prior::LogUniform {
            low: 0.1,
            high: 10.0,
        };
        for x in [0.1, 0.5, 3.0, 10.0] {
            let back = prior.from_internal(prior.to_internal(x));
            assert!((back - x).abs() < 1e-12 * x, "{x} came back as {back}");
        }
        let (a, b) = (prior.to_internal(0.1), prior.to_internal(10.0));
        let n = 100_000;
        let du = (b - a) / n as f64;
        let integral: f64 = (0..n)
            .map(|i| prior.internal_density(a + (i as f64 + 0.5) * du) * du)
            .sum();
        assert!((integral - 1.0).abs() < 1e-9, "{integral}");
        assert_eq!(prior.internal_density(b + 1e-6), 0.0);
        // Identity for the others.
        let uniform = Prior::Uniform {
            low: -1.0,
            high: 3.0,
        };
        assert_eq!(uniform.to_internal(2.5), 2.5);
        assert_eq!(uniform.internal_density(2.5), uniform.density(2.5));
    }

    #[test]
    fn densities_integrate_to_one_and_vanish_outside_the_support() {
        for prior in [
            Prior::Uniform {
                low: -1.0,
                high: 3.0,
            },
            Prior::LogUniform {
                low: 0.1,
                high: 10.0,
            },
            Prior::TruncatedNormal {
                mean: 0.0,
                sd: 1.0,
                low: -0.5,
                high: 2.0,
            },
        ] {
            let (lo, hi) = prior.bounds();
            let n = 200_000;
            let dx = (hi - lo) / n as f64;
            let integral: f64 = (0..n)
                .map(|i| prior.density(lo + (i as f64 + 0.5) * dx) * dx)
                .sum();
            assert!((integral - 1.0).abs() < 1e-3, "{prior:?}: {integral}");
            assert_eq!(prior.density(lo - 1e-6), 0.0);
            assert_eq!(prior.density(hi + 1e-6), 0.0);
        }
    }
}

//! Means and 95% confidence intervals (Student's t) for small samples of replicates.

/// Two-sided 97.5% quantiles of Student's t for 1 to 30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The 97.5% quantile of Student's t with `df` degrees of freedom (df ≥ 1); beyond 30 by the
/// Cornish-Fisher expansion around the normal quantile.
pub fn t975(df: usize) -> f64 {
    if (1..=30).contains(&df) {
        return T975[df - 1];
    }
    let z: f64 = 1.959_963_984_540_054;
    let n = df as f64;
    z + (z.powi(3) + z) / (4.0 * n)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
}

pub fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Sample standard deviation (n − 1 in the denominator).
pub fn sd(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = mean(v);
    libm::sqrt(v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64)
}

/// Mean and its 95% confidence interval. With fewer than two values the interval is the mean.
pub fn mean_ci95(v: &[f64]) -> (f64, f64, f64) {
    let m = mean(v);
    if v.len() < 2 {
        return (m, m, m);
    }
    let half = t975(v.len() - 1) * sd(v) / libm::sqrt(v.len() as f64);
    (m, m - half, m + half)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_join_the_table_and_approach_the_normal() {
        assert!((t975(31) - 2.040).abs() < 0.002);
        assert!((t975(120) - 1.980).abs() < 0.002);
        assert!(t975(100_000) > 1.9599 && t975(100_000) < 1.9601);
    }

    #[test]
    fn confidence_interval_of_a_known_sample() {
        let (m, lo, hi) = mean_ci95(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        // sd = 1.2910, half-width = 3.182 * 1.2910 / 2
        assert!((hi - m - 2.054).abs() < 0.001 && (m - lo - 2.054).abs() < 0.001);
        assert_eq!(mean_ci95(&[5.0, 5.0, 5.0]), (5.0, 5.0, 5.0));
    }
}

//! Means and 95% confidence intervals (Student's t) for small samples of replicates, and
//! Fieller's interval for the ratio of two paired means.

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

/// Sample covariance of paired values (n − 1 in the denominator; 0 with fewer than two pairs).
pub fn covariance(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return 0.0;
    }
    let (mx, my) = (mean(&x[..n]), mean(&y[..n]));
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - mx) * (b - my))
        .sum::<f64>()
        / (n - 1) as f64
}

/// 95% interval of the ratio `mean(num) / mean(den)` of paired samples, by Fieller's method.
///
/// Replicate *i* gives the pair (`num[i]`, `den[i]`). The interval is every θ for which
/// `mean(num) − θ·mean(den)`, the mean of the paired values `num[i] − θ·den[i]`, is within
/// t(0.975, n − 1) standard errors of 0:
/// `(n̄ − θ·d̄)² ≤ t²·(s_nn − 2θ·s_nd + θ²·s_dd)/n`, with `s` the sample (co)variances. This is the
/// Student-t interval of a paired mean, solved for the ratio; it need not be symmetric about the
/// ratio, and it narrows to the delta-method interval `r ± t·s_e/(√n·|d̄|)` (`s_e` the sd of
/// `num[i] − r·den[i]`) when `mean(den)` is known precisely.
///
/// `None` when `mean(den)` is 0 or not clearly away from 0 (its own 95% interval includes 0):
/// the set of such θ is then unbounded. With fewer than two pairs the interval is the ratio.
pub fn fieller_ci95(num: &[f64], den: &[f64]) -> Option<(f64, f64)> {
    let n = num.len().min(den.len());
    let (mn, md) = (mean(&num[..n]), mean(&den[..n]));
    if md == 0.0 {
        return None;
    }
    let ratio = mn / md;
    if n < 2 {
        return Some((ratio, ratio));
    }
    let g = t975(n - 1).powi(2) / n as f64;
    let a = md * md - g * covariance(den, den);
    let b = mn * md - g * covariance(num, den);
    let c = mn * mn - g * covariance(num, num);
    if a <= 0.0 {
        return None;
    }
    // The ratio itself satisfies the inequality, so the discriminant is not negative (but for
    // rounding).
    let root = libm::sqrt((b * b - a * c).max(0.0));
    let (low, high) = ((b - root) / a, (b + root) / a);
    Some((low.min(ratio), high.max(ratio)))
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

    #[test]
    fn issue_12_relative_change_interval_of_known_paired_data() {
        // Reference a, change d = b − a. By hand: mean a = 13, mean d = 3, s_aa = 20/3,
        // s_dd = 2, s_da = 8/3, t(0.975, 3) = 3.182, g = t²/4 = 2.531281. The quadratic in θ:
        // A = 13² − g·s_aa = 152.124793, B = 3·13 − g·s_da = 32.249917,
        // C = 3² − g·s_dd = 3.937438, so θ = (B ∓ √(B² − AC))/A = [0.073940, 0.350053] around
        // 3/13 = 0.230769 (the delta method would give the symmetric [0.1010, 0.3605]).
        let a = [10.0, 12.0, 14.0, 16.0];
        let d = [2.0, 3.0, 2.0, 5.0];
        let (low, high) = fieller_ci95(&d, &a).unwrap();
        assert!((low - 0.073_940).abs() < 1e-5, "{low}");
        assert!((high - 0.350_053).abs() < 1e-5, "{high}");
        // No spread: the interval is the ratio. A reference mean of 0, or one whose interval
        // includes 0, has no bounded interval.
        assert_eq!(fieller_ci95(&[1.0, 1.0], &[4.0, 4.0]), Some((0.25, 0.25)));
        assert_eq!(fieller_ci95(&[1.0, 2.0], &[0.0, 0.0]), None);
        assert_eq!(fieller_ci95(&[1.0, 2.0, 3.0], &[-1.0, 0.5, 1.0]), None);
    }
}

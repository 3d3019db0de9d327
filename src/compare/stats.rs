//! Means and 95% confidence intervals (Student's t) for small samples of replicates, Fieller's
//! interval for the ratio of two paired means, and the two-sample rank test with Holm's
//! correction that checks two samplings of one model against each other.

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

/// Two-sided p-value of the Mann-Whitney (Wilcoxon rank-sum) test that `a` and `b` come from
/// one distribution: the normal approximation of U with mid-ranks for ties, their correction
/// of the variance, and a continuity correction. Samples without any spread give 1.
pub fn mann_whitney_p(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    if a.is_empty() || b.is_empty() {
        return 1.0;
    }
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|&x| (x, true))
        .chain(b.iter().map(|&x| (x, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let n = all.len();
    let (mut rank_sum_a, mut ties) = (0.0, 0.0);
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let mid_rank = (i + j) as f64 / 2.0 + 1.0;
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        rank_sum_a += mid_rank * all[i..=j].iter().filter(|x| x.1).count() as f64;
        i = j + 1;
    }
    let u = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    let total = n1 + n2;
    let variance = n1 * n2 / 12.0 * ((total + 1.0) - ties / (total * (total - 1.0)));
    if variance <= 0.0 {
        return 1.0;
    }
    let z = ((u - n1 * n2 / 2.0).abs() - 0.5).max(0.0) / libm::sqrt(variance);
    libm::erfc(z / std::f64::consts::SQRT_2).min(1.0)
}

/// Two-sided p-value of the Wilcoxon signed-rank test that paired differences `d` are centred
/// on zero: zero differences dropped, mid-ranks for ties of |d| and their correction of the
/// variance, the normal approximation with a continuity correction. No non-zero difference
/// gives 1.
pub fn signed_rank_p(d: &[f64]) -> f64 {
    let mut nonzero: Vec<f64> = d.iter().copied().filter(|x| *x != 0.0).collect();
    let n = nonzero.len();
    if n == 0 {
        return 1.0;
    }
    nonzero.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    let (mut positive, mut ties) = (0.0, 0.0);
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && nonzero[j + 1].abs() == nonzero[i].abs() {
            j += 1;
        }
        let mid_rank = (i + j) as f64 / 2.0 + 1.0;
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        positive += mid_rank * nonzero[i..=j].iter().filter(|x| **x > 0.0).count() as f64;
        i = j + 1;
    }
    let nf = n as f64;
    let mean = nf * (nf + 1.0) / 4.0;
    let variance = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - ties / 48.0;
    if variance <= 0.0 {
        return 1.0;
    }
    let z = ((positive - mean).abs() - 0.5).max(0.0) / libm::sqrt(variance);
    libm::erfc(z / std::f64::consts::SQRT_2).min(1.0)
}

/// Which of the hypotheses with p-values `p` Holm's step-down procedure rejects at family-wise
/// level `alpha`.
pub fn holm_rejections(p: &[f64], alpha: f64) -> Vec<bool> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut rejected = vec![false; p.len()];
    for (k, &i) in order.iter().enumerate() {
        if p[i] > alpha / (p.len() - k) as f64 {
            break;
        }
        rejected[i] = true;
    }
    rejected
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
    fn rank_test_of_known_samples() {
        // Separated samples of 10: U = 0, z = (50 − 0.5)/√175 = 3.7418, p = 0.000183.
        let a: Vec<f64> = (1..=10).map(f64::from).collect();
        let b: Vec<f64> = (11..=20).map(f64::from).collect();
        assert!((mann_whitney_p(&a, &b) - 0.000_183).abs() < 2e-6);
        assert_eq!(mann_whitney_p(&a, &b), mann_whitney_p(&b, &a));
        // Interleaved samples do not differ; constant ones cannot.
        let odd: Vec<f64> = (0..10).map(|i| f64::from(2 * i + 1)).collect();
        let even: Vec<f64> = (0..10).map(|i| f64::from(2 * i)).collect();
        assert!(mann_whitney_p(&odd, &even) > 0.7);
        assert_eq!(mann_whitney_p(&[3.0; 5], &[3.0; 5]), 1.0);
        // Ties: {1,1,2} against {2,3,3}: mid-ranks 1.5, 1.5, 3.5 give U = 0.5 of 9.
        let p = mann_whitney_p(&[1.0, 1.0, 2.0], &[2.0, 3.0, 3.0]);
        assert!(p > 0.05 && p < 0.15, "{p}");
    }

    #[test]
    fn signed_rank_test_of_known_differences() {
        // Ten positive differences of distinct sizes: W+ = 55 of mean 27.5 and variance 96.25,
        // z = 27/9.811 = 2.752, p = 0.00592.
        let up: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!(
            (signed_rank_p(&up) - 0.005_92).abs() < 2e-5,
            "{}",
            signed_rank_p(&up)
        );
        // Symmetric differences are centred on zero; zeros alone say nothing.
        assert!(signed_rank_p(&[-3.0, -1.0, 1.0, 3.0, 2.0, -2.0]) > 0.9);
        assert_eq!(signed_rank_p(&[0.0, 0.0]), 1.0);
    }

    #[test]
    fn holm_rejects_step_by_step() {
        // Sorted: 0.001 ≤ 0.01/4, 0.003 ≤ 0.01/3, 0.006 > 0.01/2: the first two only.
        let rejected = holm_rejections(&[0.006, 0.001, 0.5, 0.003], 0.01);
        assert_eq!(rejected, vec![false, true, false, true]);
        assert_eq!(holm_rejections(&[0.02, 0.03], 0.01), vec![false, false]);
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

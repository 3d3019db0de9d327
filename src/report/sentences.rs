//! The headline differences in plain sentences: what changed, by how much, how sure, over what.
//!
//! A change is stated as more or fewer only when the 95% interval of the paired difference
//! excludes 0; otherwise the sentence says there is no clear difference and gives the interval.
//! The relative change comes with Fieller's interval; when that interval has no bounds (the first
//! arm's own interval includes 0) or there is no relative change (the first arm's mean is 0), the
//! sentence gives the difference in the metric's own unit and says why.

use crate::compare::ArmMetric;

/// The metrics told in sentences, in order (the table has them all).
pub const SENTENCE_METRICS: [&str; 6] = [
    "displaced_persons",
    "displacements",
    "homicides_total",
    "children_recruited",
    "cross_border_exits",
    "business_closures",
];

/// What the sentence says an arm did, and to what: `("displaced", "persons")`.
pub fn phrase(metric: &str) -> (&'static str, String) {
    match metric {
        "displaced_persons" => ("displaced", "persons".into()),
        "displacements" => ("counted", "displacement episodes".into()),
        "homicides_total" => ("had", "homicides".into()),
        "children_recruited" => ("had", "children recruited".into()),
        "cross_border_exits" => ("had", "households leaving the country".into()),
        "business_closures" => ("had", "business closures".into()),
        "returns" => ("had", "returns".into()),
        other => ("had", other.replace('_', " ")),
    }
}

/// What the sentences share: the arms, the length of the runs and the replicates.
pub struct Context<'a> {
    pub arm: &'a str,
    pub first: &'a str,
    /// "52 weeks".
    pub span: &'a str,
    pub replicates: usize,
}

/// A percentage as a sentence writes it: whole numbers from 10%, one decimal below.
pub fn percent(x: f64) -> String {
    let p = 100.0 * x;
    if p.abs() >= 9.95 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// A number in a sentence: three significant figures, thousands grouped.
pub fn number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x.is_finite() {
            "0".into()
        } else {
            x.to_string()
        };
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = if x.fract() == 0.0 {
        0
    } else {
        (2 - magnitude).clamp(0, 6) as usize
    };
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = text.split_at(text.find('.').unwrap_or(text.len()));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if x < 0.0 { "\u{2212}" } else { "" };
    format!("{sign}{grouped}{frac}")
}

/// The sentence for one metric of one arm after the first (`None` for the first arm).
pub fn sentence(metric: &str, m: &ArmMetric, c: &Context<'_>) -> Option<String> {
    let (d, dl, dh) = (m.diff_mean?, m.diff_ci95_low?, m.diff_ci95_high?);
    let (verb, noun) = phrase(metric);
    let tail = format!("over {}, with {} paired replicates", c.span, c.replicates);
    if d == 0.0 && dl == 0.0 && dh == 0.0 {
        return Some(format!(
            "The {} arm {verb} exactly as many {noun} as the {} arm in every replicate ({tail}).",
            c.arm, c.first
        ));
    }
    let clear = dl > 0.0 || dh < 0.0;
    let more = if d > 0.0 { "more" } else { "fewer" };
    let relative = match (
        m.relative_change,
        m.relative_change_ci95_low,
        m.relative_change_ci95_high,
    ) {
        // What cannot be negative cannot fall by more than 100%.
        (Some(r), Some(lo), Some(hi)) => Ok((r, lo.max(-1.0), hi)),
        (Some(_), _, _) => Err(format!(
            "; the relative change has no bounded interval because the {} arm's own interval includes 0",
            c.first
        )),
        (None, _, _) => Err(format!(
            "; no relative change, the {} arm had none on average",
            c.first
        )),
    };
    Some(match (clear, relative) {
        (true, Ok((r, lo, hi))) => {
            // A fall is told as a share of the first arm's figure, its bounds as magnitudes.
            let (a, b) = if r < 0.0 { (-hi, -lo) } else { (lo, hi) };
            format!(
                "The {} arm {verb} {} {more} {noun} [{}, {}] than the {} arm {tail}.",
                c.arm,
                percent(r.abs()),
                percent(a.max(0.0)),
                percent(b),
                c.first
            )
        }
        (true, Err(why)) => {
            let (a, b) = if d < 0.0 { (-dh, -dl) } else { (dl, dh) };
            format!(
                "The {} arm {verb} {} {more} {noun} [{}, {}] than the {} arm {tail}{why}.",
                c.arm,
                number(d.abs()),
                number(a),
                number(b),
                c.first
            )
        }
        (false, Ok((r, lo, hi))) => format!(
            "No clear difference in {noun} between the {} arm and the {} arm {tail}: {} [{}, {}], an interval that includes no change.",
            c.arm,
            c.first,
            signed(r, percent),
            signed(lo, percent),
            signed(hi, percent)
        ),
        (false, Err(why)) => format!(
            "No clear difference in {noun} between the {} arm and the {} arm {tail}: {} [{}, {}] {noun}, an interval that includes 0{why}.",
            c.arm,
            c.first,
            signed(d, number),
            signed(dl, number),
            signed(dh, number)
        ),
    })
}

/// `x` written as its sign and its magnitude (as `magnitude` writes it).
fn signed(x: f64, magnitude: fn(f64) -> String) -> String {
    format!("{}{}", sign(x), magnitude(x.abs()))
}

/// `+` or `−` before a magnitude (nothing for 0).
fn sign(x: f64) -> &'static str {
    if x > 0.0 {
        "+"
    } else if x < 0.0 {
        "\u{2212}"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(diff: (f64, f64, f64), relative: Option<(f64, Option<(f64, f64)>)>) -> ArmMetric {
        ArmMetric {
            mean: 100.0,
            ci95_low: 90.0,
            ci95_high: 110.0,
            diff_mean: Some(diff.0),
            diff_ci95_low: Some(diff.1),
            diff_ci95_high: Some(diff.2),
            relative_change: relative.map(|r| r.0),
            relative_change_ci95_low: relative.and_then(|r| r.1.map(|i| i.0)),
            relative_change_ci95_high: relative.and_then(|r| r.1.map(|i| i.1)),
        }
    }

    fn context() -> Context<'static> {
        Context {
            arm: "crackdown",
            first: "baseline",
            span: "52 weeks",
            replicates: 10,
        }
    }

    #[test]
    fn an_increase_is_stated_with_its_interval() {
        let m = metric((940.0, 550.0, 1330.0), Some((0.94, Some((0.55, 1.33)))));
        assert_eq!(
            sentence("displaced_persons", &m, &context()).unwrap(),
            "The crackdown arm displaced 94% more persons [55%, 133%] than the baseline arm over 52 weeks, with 10 paired replicates."
        );
    }

    #[test]
    fn a_decrease_is_stated_as_fewer_with_magnitudes() {
        let m = metric((-30.0, -45.0, -15.0), Some((-0.3, Some((-0.45, -0.15)))));
        assert_eq!(
            sentence("homicides_total", &m, &context()).unwrap(),
            "The crackdown arm had 30% fewer homicides [15%, 45%] than the baseline arm over 52 weeks, with 10 paired replicates."
        );
    }

    #[test]
    fn an_interval_across_zero_is_no_clear_difference() {
        let m = metric((5.0, -10.0, 20.0), Some((0.05, Some((-0.1, 0.2)))));
        let s = sentence("displacements", &m, &context()).unwrap();
        assert!(s.starts_with("No clear difference in displacement episodes between the crackdown arm and the baseline arm"), "{s}");
        assert!(s.contains("+5.0% [\u{2212}10%, +20%]"), "{s}");
        assert!(!s.contains("more"), "{s}");
    }

    #[test]
    fn without_a_relative_change_the_difference_is_in_units_and_says_why() {
        let none = metric((3.0, 1.0, 5.0), None);
        let s = sentence("children_recruited", &none, &context()).unwrap();
        assert!(s.contains("had 3 more children recruited [1, 5]"), "{s}");
        assert!(s.contains("the baseline arm had none on average"), "{s}");
        let unbounded = metric((3.0, 1.0, 5.0), Some((2.0, None)));
        let s = sentence("children_recruited", &unbounded, &context()).unwrap();
        assert!(s.contains("no bounded interval"), "{s}");
        assert!(!s.contains('%'), "{s}");
    }

    #[test]
    fn identical_arms_and_the_first_arm() {
        let same = metric((0.0, 0.0, 0.0), Some((0.0, Some((0.0, 0.0)))));
        let s = sentence("displaced_persons", &same, &context()).unwrap();
        assert!(s.contains("exactly as many persons"), "{s}");
        let mut first = same;
        first.diff_mean = None;
        assert_eq!(sentence("displaced_persons", &first, &context()), None);
    }

    #[test]
    fn numbers_are_readable() {
        assert_eq!(number(1234567.0), "1,234,567");
        assert_eq!(number(4.56789), "4.57");
        assert_eq!(number(-0.5), "\u{2212}0.500");
        assert_eq!(percent(0.944), "94%");
        assert_eq!(percent(-0.05), "-5.0%");
    }
}

//! The comparison as text for a terminal.
//!
//! The default table is grouped by metric: a heading line with the metric and its unit, then one
//! line per arm with its mean and 95% interval, and for every arm after the first the paired
//! difference to the first arm and the relative change, each with its 95% interval. It is at most
//! [`TABLE_WIDTH`] characters wide. The wide table puts everything on one line per metric and
//! arm, with full names.
//!
//! All the numbers of a metric are written with one scale and one number of decimals, chosen
//! from the narrowest of its intervals, so that a mean, its interval and the differences line up
//! and can be compared. Intervals of the arms' means are clipped at the values the metric can
//! take (0, and 1 for shares) and marked `*`; relative changes of such metrics at −100%.

use std::fmt::Write;

use crate::compare::{ArmMetric, Comparison};

/// Lines of the default table are at most this many characters.
pub const TABLE_WIDTH: usize = 100;
/// Arm names longer than this are shortened in the default table.
const ARM_WIDTH: usize = 16;
/// The default table shortens arm names down to this before it wraps lines.
const MIN_ARM_WIDTH: usize = 8;
const INDENT: &str = "  ";
const GAP: &str = "  ";
/// Titles of the columns of blocks.
const TITLES: [&str; 3] = ["mean [95% CI]", "difference [95% CI]", "change [95% CI]"];

/// One scale (a power of 1000) and one number of decimals for every number of a metric.
#[derive(Debug, Clone, Copy, PartialEq)]
struct NumberFormat {
    exponent: i32,
    decimals: usize,
}

impl NumberFormat {
    /// The format of `values`, whose intervals have the half-widths `spreads`: two significant
    /// figures of the narrowest spread, but at most `digits` significant figures of the largest
    /// value and at most `max_decimals` decimals (when nothing varies, as few as write the values
    /// exactly within those limits). Values of a million or more, or all below a thousandth, are written in
    /// multiples of a power of 1000 (`M`, `bn`, `tn`, `e15`, `e-6`, ...).
    fn new(values: &[f64], spreads: &[f64], digits: i32, max_decimals: i32) -> NumberFormat {
        let largest = values
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0_f64, |m, v| m.max(v.abs()));
        if largest == 0.0 {
            return NumberFormat {
                exponent: 0,
                decimals: 0,
            };
        }
        let exponent = if (1e-3..1e6).contains(&largest) {
            0
        } else {
            (3 * libm::floor(libm::log10(largest) / 3.0) as i32).clamp(-306, 306)
        };
        let scale = 10_f64.powi(exponent);
        let magnitude = libm::floor(libm::log10(largest / scale)) as i32;
        let cap = (digits - 1 - magnitude).clamp(0, max_decimals);
        let narrowest = spreads
            .iter()
            .filter(|s| s.is_finite() && **s > 0.0)
            .fold(f64::INFINITY, |m, s| m.min(*s));
        let decimals = if narrowest.is_finite() {
            (1 - libm::floor(libm::log10(narrowest / scale)) as i32).clamp(0, cap)
        } else {
            // Nothing varies: as few decimals as write the values exactly.
            (0..=cap)
                .find(|&d| {
                    let p = 10_f64.powi(d);
                    values.iter().filter(|v| v.is_finite()).all(|v| {
                        let x = v / scale;
                        (libm::round(x * p) / p - x).abs() <= 1e-9 * x.abs().max(1.0)
                    })
                })
                .unwrap_or(cap)
        };
        NumberFormat {
            exponent,
            decimals: decimals as usize,
        }
    }

    fn suffix(self) -> String {
        match self.exponent {
            0 => String::new(),
            6 => "M".into(),
            9 => "bn".into(),
            12 => "tn".into(),
            e => format!("e{e}"),
        }
    }

    /// `x` in this format, with thousands separators; with `signed`, positive values get a `+`.
    /// A value that rounds to 0 has no sign.
    fn write(self, x: f64, signed: bool) -> String {
        if x.is_nan() {
            return "NaN".into();
        }
        if x.is_infinite() {
            return match (x > 0.0, signed) {
                (true, true) => "+inf".into(),
                (true, false) => "inf".into(),
                _ => "-inf".into(),
            };
        }
        let scaled = x / 10_f64.powi(self.exponent);
        let text = format!("{:.*}", self.decimals, scaled.abs());
        let zero = text.bytes().all(|b| b == b'0' || b == b'.');
        let (int, frac) = text.split_at(text.find('.').unwrap_or(text.len()));
        let sign = if zero {
            ""
        } else if scaled < 0.0 {
            "-"
        } else if signed {
            "+"
        } else {
            ""
        };
        format!("{sign}{}{frac}{}", group_thousands(int), self.suffix())
    }
}

/// `1234567` as `1,234,567`.
fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A value and its interval, as written.
struct Block {
    value: String,
    interval: Interval,
}

enum Interval {
    /// `[low,` and `high]`.
    Bounds(String, String),
    /// Instead of bounds, e.g. `[unbounded]`.
    Text(&'static str),
}

impl Block {
    fn bounds(value: String, low: String, high: String) -> Block {
        Block {
            value,
            interval: Interval::Bounds(format!("[{low},"), format!("{high}]")),
        }
    }
}

/// One arm of one metric.
struct Row {
    arm: String,
    mean: Block,
    diff: Option<Block>,
    change: Option<Block>,
}

/// One metric: its heading and a row per arm.
struct Group {
    metric: String,
    unit: &'static str,
    rows: Vec<Row>,
}

/// What the footnotes must explain.
#[derive(Default)]
struct Notes {
    clipped_at_zero: bool,
    clipped_at_one: bool,
    clipped_change: bool,
    no_change: bool,
    unbounded: bool,
}

impl Notes {
    fn lines(&self) -> Vec<&'static str> {
        let mut lines = Vec::new();
        if self.clipped_at_zero {
            lines.push("* interval clipped at 0: counts, rates and ratios cannot be negative");
        }
        if self.clipped_at_one {
            lines.push("* interval clipped at 1: a share cannot exceed 1");
        }
        if self.clipped_change {
            lines.push(
                "* interval clipped at -100%: what cannot be negative cannot fall by more than 100%",
            );
        }
        if self.no_change {
            lines.push("n/a: no relative change, the first arm's mean is 0");
        }
        if self.unbounded {
            lines.push(
                "unbounded: the first arm's interval includes 0, so the change's interval has no bounds",
            );
        }
        lines
    }
}

/// `x` clipped into `[low, high]`, and whether it was.
fn clip(x: f64, low: f64, high: f64) -> (f64, bool) {
    if x < low {
        (low, true)
    } else if x > high {
        (high, true)
    } else {
        (x, false)
    }
}

fn star(clipped: bool) -> &'static str {
    if clipped { "*" } else { "" }
}

/// The rows of one metric, and what they need explained.
fn group(comparison: &Comparison, metric: &str, notes: &mut Notes) -> Group {
    let unit = crate::compare::unit(metric);
    let (low_bound, high_bound) = unit.map_or((f64::NEG_INFINITY, f64::INFINITY), |u| u.bounds());
    let stats: Vec<&ArmMetric> = comparison
        .arms
        .iter()
        .map(|arm| &comparison.metrics[metric][arm])
        .collect();

    // Means and differences share one format, relative changes (in %) another.
    let mut values = Vec::new();
    let mut spreads = Vec::new();
    let mut percents = Vec::new();
    let mut percent_spreads = Vec::new();
    for m in &stats {
        values.extend([
            m.mean,
            m.ci95_low.max(low_bound),
            m.ci95_high.min(high_bound),
        ]);
        spreads.push((m.ci95_high - m.ci95_low) / 2.0);
        if let (Some(d), Some(lo), Some(hi)) = (m.diff_mean, m.diff_ci95_low, m.diff_ci95_high) {
            values.extend([d, lo, hi]);
            spreads.push((hi - lo) / 2.0);
        }
        if let Some(r) = m.relative_change {
            percents.push(100.0 * r);
        }
        if let (Some(lo), Some(hi)) = (m.relative_change_ci95_low, m.relative_change_ci95_high) {
            percents.extend([100.0 * lo, 100.0 * hi]);
            percent_spreads.push(50.0 * (hi - lo));
        }
    }
    let number = NumberFormat::new(&values, &spreads, 5, 4);
    let percent = NumberFormat::new(&percents, &percent_spreads, 4, 1);
    let pct = |x: f64| format!("{}%", percent.write(x, true));
    // A metric that cannot be negative cannot fall by more than 100%.
    let lowest_change = if low_bound >= 0.0 {
        -1.0
    } else {
        f64::NEG_INFINITY
    };

    let rows = comparison
        .arms
        .iter()
        .zip(&stats)
        .map(|(arm, m)| {
            let (lo, lo_clipped) = clip(m.ci95_low, low_bound, high_bound);
            let (hi, hi_clipped) = clip(m.ci95_high, low_bound, high_bound);
            for (clipped, x) in [(lo_clipped, m.ci95_low), (hi_clipped, m.ci95_high)] {
                if clipped && x < low_bound {
                    notes.clipped_at_zero = true;
                } else if clipped {
                    notes.clipped_at_one = true;
                }
            }
            let mean = Block::bounds(
                number.write(m.mean, false),
                format!("{}{}", number.write(lo, false), star(lo_clipped)),
                format!("{}{}", number.write(hi, false), star(hi_clipped)),
            );
            let diff = match (m.diff_mean, m.diff_ci95_low, m.diff_ci95_high) {
                (Some(d), Some(lo), Some(hi)) => Some(Block::bounds(
                    number.write(d, true),
                    number.write(lo, true),
                    number.write(hi, true),
                )),
                _ => None,
            };
            let change = diff.as_ref().map(|_| {
                match (
                    m.relative_change,
                    m.relative_change_ci95_low,
                    m.relative_change_ci95_high,
                ) {
                    (Some(r), Some(lo), Some(hi)) => {
                        let (lo, clipped) = clip(lo, lowest_change, f64::INFINITY);
                        notes.clipped_change |= clipped;
                        Block::bounds(
                            pct(100.0 * r),
                            format!("{}{}", pct(100.0 * lo), star(clipped)),
                            pct(100.0 * hi),
                        )
                    }
                    (Some(r), _, _) => {
                        notes.unbounded = true;
                        Block {
                            value: pct(100.0 * r),
                            interval: Interval::Text("[unbounded]"),
                        }
                    }
                    (None, _, _) => {
                        notes.no_change = true;
                        Block {
                            value: "n/a".into(),
                            interval: Interval::Text(""),
                        }
                    }
                }
            });
            Row {
                arm: arm.clone(),
                mean,
                diff,
                change,
            }
        })
        .collect();
    Group {
        metric: metric.to_string(),
        unit: unit.map_or("", |u| u.label()),
        rows,
    }
}

/// Widths of the blocks of one metric in one column: the value, `[low,`, `high]`, and the
/// interval as a whole.
#[derive(Default, Clone, Copy)]
struct BlockWidths {
    value: usize,
    low: usize,
    high: usize,
    text: usize,
}

impl BlockWidths {
    fn of<'a>(blocks: impl Iterator<Item = &'a Block>) -> BlockWidths {
        let mut w = BlockWidths::default();
        for b in blocks {
            w.value = w.value.max(width(&b.value));
            match &b.interval {
                Interval::Bounds(lo, hi) => {
                    w.low = w.low.max(width(lo));
                    w.high = w.high.max(width(hi));
                }
                Interval::Text(t) => w.text = w.text.max(t.len()),
            }
        }
        w
    }

    fn interval(&self) -> usize {
        (self.low + 1 + self.high).max(self.text)
    }

    fn total(&self) -> usize {
        self.value + 1 + self.interval()
    }

    /// A block of this metric, in `column` characters: the value right-aligned and the bounds
    /// aligned with those of the metric's other arms.
    fn write(&self, b: &Block, column: usize) -> String {
        let interval = match &b.interval {
            Interval::Bounds(lo, hi) => {
                format!("{lo:>lw$} {hi:>hw$}", lw = self.low, hw = self.high)
            }
            Interval::Text(t) => t.to_string(),
        };
        format!(
            "{:<column$}",
            format!("{:>vw$} {interval}", b.value, vw = self.value)
        )
    }
}

/// The three columns of blocks (mean, difference, change) of one metric.
fn metric_widths(group: &Group) -> [BlockWidths; 3] {
    [
        BlockWidths::of(group.rows.iter().map(|r| &r.mean)),
        BlockWidths::of(group.rows.iter().filter_map(|r| r.diff.as_ref())),
        BlockWidths::of(group.rows.iter().filter_map(|r| r.change.as_ref())),
    ]
}

/// Widths of the three columns of blocks: the widest metric, or the title.
fn column_widths(groups: &[Group]) -> [usize; 3] {
    let mut columns = TITLES.map(str::len);
    for g in groups {
        for (c, w) in columns.iter_mut().zip(metric_widths(g)) {
            *c = (*c).max(w.total());
        }
    }
    columns
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// `s` in at most `n` characters, shortened in the middle (`crackdow…_strong`).
fn shorten(s: &str, n: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= n {
        return s.to_string();
    }
    let tail = (n - 1) / 2;
    let head = n - 1 - tail;
    chars[..head]
        .iter()
        .chain(std::iter::once(&'…'))
        .chain(&chars[chars.len() - tail..])
        .collect()
}

/// What every table says first: replicates and the reference arm, and the full names of the
/// arms whose names are shortened to `arm_width` characters.
fn preface(comparison: &Comparison, arm_width: usize) -> String {
    let mut t = format!(
        "{} replicates per arm, paired by seed; differences and changes are to the first arm.\n",
        comparison.seeds.len()
    );
    if let Some(p) = &comparison.posterior {
        t.push_str(
            "Parameter uncertainty included: replicate r runs posterior draw r in every arm,\n",
        );
        let tail = format!(
            " (generation {}, {} parameters).",
            p.generation,
            p.keys.len()
        );
        let room = TABLE_WIDTH - INDENT.len() - "from ".len() - width(&tail);
        let _ = writeln!(t, "{INDENT}from {}{tail}", shorten(&p.dir, room));
    }
    let shortened: Vec<&String> = comparison
        .arms
        .iter()
        .filter(|a| width(a) > arm_width)
        .collect();
    if !shortened.is_empty() {
        t.push_str("Arm names shortened below (--wide shows them in full):\n");
        for arm in shortened {
            let short = shorten(arm, arm_width);
            let room = TABLE_WIDTH - INDENT.len() - width(&short) - " = ".len();
            let _ = writeln!(t, "{INDENT}{short} = {}", shorten(arm, room));
        }
    }
    t
}

fn groups(comparison: &Comparison) -> (Vec<Group>, Notes) {
    let mut notes = Notes::default();
    let groups = comparison
        .metric_order
        .iter()
        .map(|metric| group(comparison, metric, &mut notes))
        .collect();
    (groups, notes)
}

fn footnotes(t: &mut String, notes: &Notes) {
    let lines = notes.lines();
    if !lines.is_empty() {
        t.push('\n');
    }
    for line in lines {
        let _ = writeln!(t, "{line}");
    }
}

/// A row's blocks, each in its column: mean, then (after the first arm) difference and change.
fn blocks(columns: &[usize; 3], group: &Group, row: &Row) -> Vec<String> {
    let local = metric_widths(group);
    let mut out = vec![local[0].write(&row.mean, columns[0])];
    if let Some(diff) = &row.diff {
        out.push(local[1].write(diff, columns[1]));
    }
    if let Some(change) = &row.change {
        out.push(local[2].write(change, columns[2]));
    }
    out
}

/// The comparison as a table at most [`TABLE_WIDTH`] characters wide, grouped by metric: a
/// heading line `metric (unit)`, then a line per arm with its mean and 95% interval and, after
/// the first arm, the paired difference and the relative change with their intervals. Arm names
/// are shortened to fit.
pub fn table(comparison: &Comparison) -> String {
    let (groups, notes) = groups(comparison);
    let columns = column_widths(&groups);
    let longest_arm = comparison.arms.iter().map(|a| width(a)).max().unwrap_or(0);
    // Arm names shortened to at most ARM_WIDTH, and further (down to MIN_ARM_WIDTH) to keep
    // everything on one line; if that is not enough the change goes on a line of its own.
    let arm_width = |blocks: &[usize]| {
        let used: usize = INDENT.len() + blocks.iter().map(|c| GAP.len() + c).sum::<usize>();
        longest_arm
            .min(ARM_WIDTH)
            .min(TABLE_WIDTH.saturating_sub(used))
            .max(3)
    };
    let mut arm_w = arm_width(&columns);
    let wrap = arm_w < MIN_ARM_WIDTH.min(longest_arm);
    if wrap {
        arm_w = arm_width(&columns[..2]);
    }
    let mut t = preface(comparison, arm_w);
    let shown = if wrap { 2 } else { 3 };
    let titles: String = TITLES[..shown]
        .iter()
        .zip(columns)
        .map(|(title, w)| format!("{GAP}{title:<w$}"))
        .collect();
    let _ = writeln!(
        t,
        "{}",
        format!("{INDENT}{:<arm_w$}{titles}", "arm").trim_end()
    );
    for g in &groups {
        if g.unit.is_empty() {
            let _ = writeln!(t, "{}", g.metric);
        } else {
            let _ = writeln!(t, "{} ({})", g.metric, g.unit);
        }
        for row in &g.rows {
            let mut blocks = blocks(&columns, g, row);
            let change = (wrap && blocks.len() == 3).then(|| blocks.pop().unwrap_or_default());
            let line: String = blocks.iter().map(|b| format!("{GAP}{b}")).collect();
            let arm = shorten(&row.arm, arm_w);
            let _ = writeln!(t, "{}", format!("{INDENT}{arm:<arm_w$}{line}").trim_end());
            if let Some(change) = change {
                let line = format!("{INDENT}{:>arm_w$}{GAP}{change}", "change");
                let _ = writeln!(t, "{}", line.trim_end());
            }
        }
    }
    footnotes(&mut t, &notes);
    t
}

/// The numbers of one metric as the table writes them, arm by arm: the mean, the difference and
/// the relative change, each with its interval (`""` for the first arm's difference and change),
/// and the footnotes they need.
pub fn metric_cells(
    comparison: &Comparison,
    metric: &str,
) -> (Vec<[String; 3]>, Vec<&'static str>) {
    let mut notes = Notes::default();
    let g = group(comparison, metric, &mut notes);
    let text = |b: Option<&Block>| {
        b.map_or(String::new(), |b| match &b.interval {
            Interval::Bounds(lo, hi) => format!("{} {lo} {hi}", b.value),
            Interval::Text("") => b.value.clone(),
            Interval::Text(t) => format!("{} {t}", b.value),
        })
    };
    let rows = g
        .rows
        .iter()
        .map(|r| {
            [
                text(Some(&r.mean)),
                text(r.diff.as_ref()),
                text(r.change.as_ref()),
            ]
        })
        .collect();
    (rows, notes.lines())
}

/// The comparison as a wide table: one line per metric and arm with the full metric name, its
/// unit, the full arm name, the mean, the difference and the relative change with their 95%
/// intervals.
pub fn table_wide(comparison: &Comparison) -> String {
    let (groups, notes) = groups(comparison);
    let columns = column_widths(&groups);
    let metric_w = groups.iter().map(|g| width(&g.metric)).fold(6, usize::max);
    let unit_w = groups.iter().map(|g| width(g.unit)).fold(4, usize::max);
    let arm_w = comparison.arms.iter().map(|a| width(a)).fold(3, usize::max);

    let mut t = preface(comparison, usize::MAX);
    let titles: String = TITLES
        .iter()
        .zip(columns)
        .map(|(title, w)| format!("{GAP}{title:<w$}"))
        .collect();
    let header = format!(
        "{:<metric_w$}{GAP}{:<unit_w$}{GAP}{:<arm_w$}{titles}",
        "metric", "unit", "arm"
    );
    let _ = writeln!(t, "{}", header.trim_end());
    for g in &groups {
        for row in &g.rows {
            let line: String = blocks(&columns, g, row)
                .iter()
                .map(|b| format!("{GAP}{b}"))
                .collect();
            let line = format!(
                "{:<metric_w$}{GAP}{:<unit_w$}{GAP}{:<arm_w$}{line}",
                g.metric, g.unit, row.arm
            );
            let _ = writeln!(t, "{}", line.trim_end());
        }
    }
    footnotes(&mut t, &notes);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_of_a_metric_share_one_precision() {
        // The narrowest half-width, 182, is kept to the unit; thousands are separated.
        let f = NumberFormat::new(
            &[33_992.0, 24_688.5, 43_295.5, -322.0],
            &[9_303.5, 182.0],
            5,
            4,
        );
        assert_eq!(f.write(33_992.0, false), "33,992");
        assert_eq!(f.write(-322.0, true), "-322");
        assert_eq!(f.write(31_876.4, true), "+31,876");
        // A share: two significant figures of a half-width of 0.0025 give 4 decimals.
        let f = NumberFormat::new(&[0.1188, 0.1017], &[0.011, 0.0025], 5, 4);
        assert_eq!(f.write(0.1188, false), "0.1188");
        assert_eq!(f.write(0.1, false), "0.1000");
        // Counts averaged over few replicates: one decimal for a half-width of 7.4.
        let f = NumberFormat::new(&[69.4, 62.02, 76.78], &[7.38], 5, 4);
        assert_eq!(
            [62.02, 76.78].map(|x| f.write(x, false)),
            ["62.0".to_string(), "76.8".to_string()]
        );
        // Rounding to 0 drops the sign. When nothing varies, values are written exactly (to at
        // most 5 figures of the largest).
        assert_eq!(f.write(-0.01, true), "0.0");
        let f = NumberFormat::new(&[6.0, 6.0], &[0.0], 5, 4);
        assert_eq!(f.write(6.0, false), "6");
        let f = NumberFormat::new(&[0.580_392_156], &[0.0], 5, 4);
        assert_eq!(f.write(0.580_392_156, false), "0.5804");
        let f = NumberFormat::new(&[0.0], &[0.0], 5, 4);
        assert_eq!(f.write(0.0, false), "0");
    }

    #[test]
    fn issue_12_huge_and_tiny_numbers_are_scaled_not_spelled_out() {
        let f = NumberFormat::new(&[f64::MAX, 1e300], &[1e299], 5, 4);
        let text = f.write(f64::MAX, false);
        assert!(text.len() <= 12, "{text}");
        assert_eq!(text, "179.77e306");
        let f = NumberFormat::new(&[65_868_400.0, 43_871_772.0], &[21_996_627.0], 5, 4);
        // Two figures of the half-width, 22 million, keep millions.
        assert_eq!(f.write(65_868_400.0, false), "66M");
        assert_eq!(f.write(43_871_772.0, true), "+44M");
        let f = NumberFormat::new(&[2.5e-5, 1e-5], &[1e-6], 5, 4);
        assert_eq!(f.write(2.5e-5, false), "25.0e-6");
        let f = NumberFormat::new(&[1.0], &[0.1], 5, 4);
        assert_eq!(
            [f64::NAN, f64::INFINITY, f64::NEG_INFINITY].map(|x| f.write(x, true)),
            ["NaN".to_string(), "+inf".to_string(), "-inf".to_string()]
        );
    }

    fn metric(mean: f64, low: f64, high: f64, diff: Option<(f64, f64, f64)>) -> ArmMetric {
        ArmMetric {
            mean,
            ci95_low: low,
            ci95_high: high,
            diff_mean: diff.map(|d| d.0),
            diff_ci95_low: diff.map(|d| d.1),
            diff_ci95_high: diff.map(|d| d.2),
            relative_change: diff.map(|d| d.0 / 10.0),
            relative_change_ci95_low: diff.map(|d| d.1 / 10.0),
            relative_change_ci95_high: diff.map(|d| d.2 / 10.0),
        }
    }

    /// A comparison of `arms` on the metrics given with each arm's statistics.
    fn comparison(arms: &[&str], metrics: &[(&'static str, Vec<ArmMetric>)]) -> Comparison {
        Comparison {
            arms: arms.iter().map(|a| a.to_string()).collect(),
            seeds: vec![1, 2, 3],
            runs: Vec::new(),
            metrics: metrics
                .iter()
                .map(|(name, stats)| {
                    let per_arm = arms.iter().map(|a| a.to_string()).zip(stats.clone());
                    (name.to_string(), per_arm.collect())
                })
                .collect(),
            metric_order: metrics.iter().map(|(name, _)| *name).collect(),
            series: Vec::new(),
            posterior: None,
            burn_in: None,
            departures: Default::default(),
        }
    }

    #[test]
    fn issue_12_extreme_values_and_names_still_fit_100_columns() {
        let huge = f64::MAX / 4.0;
        let long = "a_very_long_arm_name_that_goes_on_and_on_and_on_for_ever_and_ever_and_ever";
        let c = comparison(
            &["reference", long, "third_arm_with_a_long_name_too"],
            &[
                (
                    "displaced_persons",
                    vec![
                        metric(huge, -huge, 2.0 * huge, None),
                        metric(
                            123_456.789,
                            1.0,
                            999_999.0,
                            Some((-99_999.9, -999_999.0, 9.1)),
                        ),
                        metric(0.5, 0.25, 0.75, Some((f64::NAN, f64::NEG_INFINITY, 1e-9))),
                    ],
                ),
                (
                    "whole_family_share",
                    vec![
                        metric(0.99, 0.97, 1.01, None),
                        metric(0.000_012_3, -0.000_01, 0.000_04, Some((-0.98, -1.2, -0.76))),
                        metric(0.5, 0.25, 0.75, Some((-0.49, -0.74, -0.24))),
                    ],
                ),
            ],
        );
        let text = table(&c);
        for line in text.lines() {
            assert!(width(line) <= TABLE_WIDTH, "{} wide: {line}", width(line));
            for token in line.split_whitespace() {
                let digits = token.chars().filter(char::is_ascii_digit).count();
                assert!(digits <= 12, "{token}");
            }
        }
        // Shortened names are listed in full (as far as 100 columns allow).
        assert!(
            text.contains("  a_very_l…nd_ever = a_very_long_arm_name"),
            "{text}"
        );
        assert!(
            text.contains("    change  "),
            "the change on a line of its own: {text}"
        );
        assert!(text.contains("NaN") && text.contains("-inf"), "{text}");
        let wide = table_wide(&c);
        assert!(wide.lines().any(|l| l.contains(long)), "{wide}");
    }

    #[test]
    fn issue_12_intervals_of_non_negative_metrics_are_clipped_and_marked() {
        let c = comparison(
            &["a", "b"],
            &[
                (
                    "displaced_persons",
                    vec![
                        metric(4.0, -4.0, 12.0, None),
                        metric(2.0, 1.0, 3.0, Some((-2.0, -11.0, 7.0))),
                    ],
                ),
                (
                    "whole_family_share",
                    vec![
                        metric(0.96, 0.9, 1.02, None),
                        metric(0.9, 0.85, 0.95, Some((-0.06, -0.1, -0.02))),
                    ],
                ),
            ],
        );
        let text = table(&c);
        // The arm's interval starts at 0, marked; the difference (and the change, clipped at
        // -100%) may be negative.
        assert!(text.contains("  a    4.0 [0.0*, 12.0]"), "{text}");
        assert!(text.contains("-2.0 [-11.0, +7.0]"), "{text}");
        assert!(text.contains("-20% [-100%*, +70%]"), "{text}");
        assert!(text.contains("0.960 [0.900, 1.000*]"), "{text}");
        for note in [
            "* interval clipped at 0: counts, rates and ratios cannot be negative",
            "* interval clipped at 1: a share cannot exceed 1",
            "* interval clipped at -100%",
        ] {
            assert!(text.contains(note), "{note}: {text}");
        }
        // No clipping, no footnote.
        let c = comparison(
            &["a", "b"],
            &[(
                "displaced_persons",
                vec![
                    metric(4.0, 1.0, 7.0, None),
                    metric(2.0, 1.0, 3.0, Some((-2.0, -3.0, -1.0))),
                ],
            )],
        );
        assert!(!table(&c).contains('*'), "{}", table(&c));
    }

    #[test]
    fn long_names_are_shortened_in_the_middle() {
        assert_eq!(shorten("crackdown", 16), "crackdown");
        let s = shorten("crackdown_with_detention_strong", 16);
        assert_eq!(s, "crackdow…_strong");
        assert_eq!(width(&s), 16);
    }
}

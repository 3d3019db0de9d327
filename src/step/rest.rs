//! Households at rest, under `simulation.sampling = "events"` (docs/ODD.md, "Scheduling").
//!
//! A household at rest is at home in its own neighbourhood, unmarked, with its income, with no
//! member detained or away, and with its fear below its own threshold. Nothing happens to it in
//! a tick unless it meets an event, loses its job to a closure, emigrates for work, or its fear
//! reaches its threshold. It is not looked at otherwise: its neighbourhood counts its exposure,
//! draws which of its households at rest are picked for a possible event (by geometric gaps, so
//! the cost follows the picks, not the households), and carries its fear forward.
//!
//! Fear follows `f ← max(0, D·f + s·b)` each tick, where `D` is the fear's decay, `b` the cell's
//! fear drive and `s` the household's sensitivity (more with children). While a cell's drive is
//! never positive the steps compose: over any stretch of such ticks, `f(t) = max(0, D^k·f(t0) +
//! s·B)` with `B` the drive discounted to `t`. So a calm cell keeps one running sum
//! `A(t) = D·A(t−1) + b_t`, and each household at rest there keeps `g = f(t0) − s·A(t0)` and
//! `t0`; its fear at any later tick of the stretch is `max(0, D^(t−t0)·g + s·A(t))`, exactly, in
//! a few operations. Where the drive is positive, fear grows and may reach a threshold, so the
//! fears of the households at rest there are carried forward one by one, in a tight loop, and
//! those that reach their threshold are looked at in full. Strain fades geometrically, from the
//! same `t0`.

use rayon::prelude::*;

use crate::households::{Households, Mind, flags, traits};
use crate::rng::Draws;
use crate::scenario::{Params, ScenarioSpec};

/// Neighbourhoods per parallel work item. Fixed, so results never depend on the thread count.
pub const BLOCK_CELLS: usize = 16;

/// Extortion weights within one stratum differ by at most this factor.
const STRATUM_RATIO: f64 = 1.25;

/// The neighbourhood-level state of the households at rest in one cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CellRest {
    /// Whether the cell's fear drive was not positive last tick: the fears of its households at
    /// rest are then held as offsets from `accum`.
    pub calm: bool,
    /// The fear drive of the cell's current calm stretch, discounted: `A(t) = D·A(t−1) + b_t`.
    pub accum: f64,
    /// Households at rest here, and how many of them a group marked.
    pub households: u32,
    pub marked: u32,
    /// [`claims_signature`] of the groups that claimed the cell when last looked at.
    pub claims: u64,
    /// Members of the households at rest here, and how many are children aged 8-17.
    pub persons: u32,
    pub children: u32,
}

/// Households of one cell of similar extortion weight, consecutive in [`Resting::order`]: a cell
/// picks them with one bound, the hazard of its largest household at their largest weight.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stratum {
    /// Where the stratum ends in `order` (it starts where the one before ends, or at the cell's
    /// first household).
    pub end: u32,
    /// The most members any of its households has had (members never grow beyond their number
    /// at the start).
    pub max_persons: u32,
    /// The largest extortion weight any of them has had (weights only fall, when a business
    /// closes).
    pub max_weight: f64,
}

/// Which households are at rest, and what their neighbourhoods hold for them.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Resting {
    /// Households whose home is cell `c` are `origin_start[c]..origin_start[c + 1]`
    /// (households are numbered cell by cell).
    pub origin_start: Vec<u32>,
    /// The households of each cell (at the positions of `origin_start`), by stratum.
    pub order: Vec<u32>,
    /// The strata of cell `c` are `strata[strata_start[c]..strata_start[c + 1]]`.
    pub strata_start: Vec<u32>,
    pub strata: Vec<Stratum>,
    pub cells: Vec<CellRest>,
    /// Households in the country that are not at rest, in increasing order: those the decision
    /// phase looks at in full.
    pub active: Vec<u32>,
    /// `fear_decay^k` and `strain_decay^k` for every `k` up to the run's ticks (derived from the
    /// scenario: not saved in a state file, rebuilt by [`crate::step::Model::restore`]).
    #[serde(skip)]
    pub fear_decay: Vec<f64>,
    #[serde(skip)]
    pub strain_decay: Vec<f64>,
    /// What each cell's strata add up to (derived from the strata, like the decay tables).
    #[serde(skip)]
    pub totals: Vec<StrataTotals>,
}

/// The sums over a cell's strata, each weighted by its households: with the cell's event bound
/// they bound the whole hazard its clock runs through in a tick ([`StrataTotals::hazard_bound`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StrataTotals {
    /// Households times their stratum's most members, summed.
    pub persons: f64,
    /// Households times their stratum's largest extortion weight, summed.
    pub weight: f64,
    pub households: f64,
}

impl StrataTotals {
    /// At least the hazard a cell's clock runs through over all its strata when each stratum's
    /// hazard is `per_person · persons + extortion · weight + fixed` at its most (slack
    /// included) rounded up by [`rounded_up`] (less than √2 times), so that a clock beyond it
    /// picks no one; a generous margin covers the rounding of the clock's steps.
    pub fn hazard_bound(&self, per_person: f64, extortion: f64, fixed: f64) -> f64 {
        (per_person * self.persons + extortion * self.weight + fixed * self.households)
            * (1.0 + 1e-9)
            * 1.5
    }
}

/// `d^k` for every `k` a run of `ticks` ticks can ask for, each the product of the one before
/// and `d` (so a longer table starts with the same values).
pub fn decay_powers(d: f64, ticks: u32) -> Vec<f64> {
    let mut p = Vec::with_capacity(ticks as usize + 2);
    let mut x = 1.0;
    for _ in 0..ticks + 2 {
        p.push(x);
        x *= d;
    }
    p
}

/// How strongly groups single out a household for extortion demands, from its occupation, its
/// business (while open) and its migrant status.
pub fn extortion_weight(
    spec: &ScenarioSpec,
    occupation_weight: f64,
    business: bool,
    trait_bits: u8,
) -> f64 {
    let mut weight = occupation_weight;
    if business {
        weight *= spec.extortion.business_weight;
    }
    if trait_bits & traits::MIGRANT != 0 {
        weight *= spec.extortion.migrant_weight;
    }
    weight
}

impl Resting {
    /// Every household starts active; the first tick brings those that can rest to rest.
    pub fn new(
        households: &Households,
        cells: usize,
        spec: &ScenarioSpec,
        params: &Params,
    ) -> Resting {
        let n = households.len();
        let mut origin_start = vec![0u32; cells + 1];
        for (h, &c) in households.origin.iter().enumerate() {
            debug_assert!(
                h == 0 || households.origin[h - 1] <= c,
                "households are numbered cell by cell"
            );
            origin_start[c as usize + 1] += 1;
        }
        for c in 0..cells {
            origin_start[c + 1] += origin_start[c];
        }
        // Each household's weight at the start, and its class: weights within a factor
        // STRATUM_RATIO of each other from the smallest up share a class. A weight depends only
        // on occupation, business and migrant status: each of those few combinations is
        // weighed, and classed, once.
        let occupation_weight = spec.extortion.occupation_weight.as_array();
        let combination_weight: Vec<f64> = (0..occupation_weight.len() * 4)
            .map(|k| {
                let migrant = if k % 2 == 1 { traits::MIGRANT } else { 0 };
                extortion_weight(spec, occupation_weight[k / 4], k / 2 % 2 == 1, migrant)
            })
            .collect();
        let combinations: Vec<u8> = (0..n)
            .into_par_iter()
            .map(|h| {
                let business = households.mind[h].has(flags::BUSINESS_OPEN);
                let migrant = households.traits[h] & traits::MIGRANT != 0;
                (households.occupation[h].index() * 4
                    + usize::from(business) * 2
                    + usize::from(migrant)) as u8
            })
            .collect();
        let weight = |h: usize| combination_weight[usize::from(combinations[h])];
        let smallest = (0..n).map(weight).fold(f64::INFINITY, f64::min);
        let class = |w: f64| -> usize {
            if smallest.is_nan() || smallest <= 0.0 || w <= smallest {
                0
            } else {
                (libm::log(w / smallest) / libm::log(STRATUM_RATIO) + 1e-9) as usize
            }
        };
        let combination_class: Vec<usize> = combination_weight.iter().map(|&w| class(w)).collect();
        let class_of = |h: usize| combination_class[usize::from(combinations[h])];
        // Each cell's households by stratum, cells in parallel, then laid end to end.
        let by_cell: Vec<(Vec<u32>, Vec<Stratum>)> = (0..cells)
            .into_par_iter()
            .map(|c| {
                let homes = origin_start[c] as usize..origin_start[c + 1] as usize;
                let mut these: Vec<u32> = homes.clone().map(|h| h as u32).collect();
                // Heaviest first, then by household.
                these.sort_by_key(|&h| (std::cmp::Reverse(class_of(h as usize)), h));
                let mut strata = Vec::new();
                let mut i = 0;
                while i < these.len() {
                    let k = class_of(these[i] as usize);
                    let mut j = i;
                    let mut stratum = Stratum {
                        end: 0,
                        max_persons: 0,
                        max_weight: 0.0,
                    };
                    while j < these.len() && class_of(these[j] as usize) == k {
                        let h = these[j] as usize;
                        stratum.max_persons =
                            stratum.max_persons.max(households.members[h].total());
                        stratum.max_weight = stratum.max_weight.max(weight(h));
                        j += 1;
                    }
                    stratum.end = (homes.start + j) as u32;
                    strata.push(stratum);
                    i = j;
                }
                (these, strata)
            })
            .collect();
        let mut order = Vec::with_capacity(n);
        let mut strata_start = vec![0u32; cells + 1];
        let mut strata = Vec::with_capacity(by_cell.iter().map(|(_, s)| s.len()).sum());
        for (c, (these, cell_strata)) in by_cell.into_iter().enumerate() {
            order.extend_from_slice(&these);
            strata.extend_from_slice(&cell_strata);
            strata_start[c + 1] = strata.len() as u32;
        }
        let powers = |d: f64| decay_powers(d, params.burn_in_ticks + spec.simulation.ticks);
        let mut resting = Resting {
            origin_start,
            order,
            strata_start,
            strata,
            cells: vec![CellRest::default(); cells],
            active: (0..n as u32).collect(),
            fear_decay: powers(params.fear_decay),
            strain_decay: powers(params.strain_decay),
            totals: Vec::new(),
        };
        resting.total_strata();
        resting
    }

    /// Works out [`Resting::totals`] from the strata (which never change after the build).
    pub fn total_strata(&mut self) {
        let cells = self.strata_start.len().saturating_sub(1);
        self.totals = (0..cells)
            .map(|c| {
                let mut start = self.origin_start[c];
                let mut t = StrataTotals::default();
                for s in
                    &self.strata[self.strata_start[c] as usize..self.strata_start[c + 1] as usize]
                {
                    let n = f64::from(s.end - start);
                    t.persons += n * f64::from(s.max_persons);
                    t.weight += n * s.max_weight;
                    t.households += n;
                    start = s.end;
                }
                t
            })
            .collect();
    }

    /// Households at rest now.
    pub fn count(&self, households: &Households) -> usize {
        households
            .mind
            .iter()
            .filter(|m| m.has(flags::RESTING))
            .count()
    }
}

/// Picks positions in consecutive segments, each position of a segment independently with
/// probability `1 − exp(−λ)` for the segment's hazard `λ`, at a cost that follows the picks: an
/// exponential clock runs along the positions, each taking `λ` of it, and a position is picked
/// where the clock rings (memorylessness lets the clock run on from one segment into the next).
/// `on_pick(position, residual)` receives what was left of the clock when it reached the
/// position: given that the position was picked, exponential with mean 1 cut off at `λ`.
pub fn race(
    draws: &mut Draws,
    segments: impl IntoIterator<Item = (std::ops::Range<usize>, f64)>,
    on_pick: impl FnMut(usize, f64),
) {
    race_within(draws, f64::INFINITY, segments, on_pick);
}

/// [`race`] over segments whose hazards, times their lengths, add up to at most `bound`: a
/// clock that starts beyond it picks no one, and the segments are not gone through.
pub fn race_within(
    draws: &mut Draws,
    bound: f64,
    segments: impl IntoIterator<Item = (std::ops::Range<usize>, f64)>,
    mut on_pick: impl FnMut(usize, f64),
) {
    let mut clock = exponential(draws);
    if clock > bound {
        return;
    }
    for (segment, hazard) in segments {
        if hazard.is_nan() || hazard <= 0.0 {
            continue;
        }
        let mut position = segment.start;
        loop {
            let left = (segment.end - position) as f64;
            let through = left * hazard;
            // Most segments see no pick: a clock clearly past the segment settles that without
            // the division below (the quotient, correctly rounded, is then at least `left`).
            if clock >= through * (1.0 + PAST_MARGIN) {
                clock = (clock - through).max(0.0);
                break;
            }
            // How many positions the clock passes whole (truncation is the floor here: both
            // are non-negative).
            let skipped = clock / hazard;
            if skipped >= left {
                clock = (clock - through).max(0.0);
                break;
            }
            let skipped = skipped as usize;
            position += skipped;
            let residual = (clock - skipped as f64 * hazard).clamp(0.0, hazard);
            on_pick(position, residual);
            position += 1;
            clock = exponential(draws);
        }
    }
}

/// A clock more than this share past a segment's total hazard has passed it: the two
/// roundings of `left · hazard · (1 + PAST_MARGIN)` move it by less than 2^-51 of itself, so
/// the clock is above the exact `left · hazard`, and `clock / hazard`, however rounded, is at
/// least `left` (a whole number), exactly as the division would have found.
const PAST_MARGIN: f64 = 1.0 / (1u64 << 48) as f64;

/// The smallest power of √2 at or above `x` (x itself when 0 or not finite): bounds rounded
/// so that a small change of a hazard seldom changes the bound, from the bits of `x`.
#[inline]
pub fn rounded_up(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return x;
    }
    let bits = x.to_bits();
    let mantissa = bits & ((1u64 << 52) - 1);
    // x = 2^e · m with m in [1, 2).
    let power = f64::from_bits(bits & !((1u64 << 52) - 1));
    if mantissa == 0 {
        power
    } else if x <= power * std::f64::consts::SQRT_2 {
        power * std::f64::consts::SQRT_2
    } else {
        power * 2.0
    }
}

/// Asks the processor to fetch `x` into its cache ahead of use. A hint: it changes no result.
#[inline(always)]
pub fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program observes and cannot fault, whatever the
    // address; `x` is a valid reference besides.
    unsafe {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// An exponential draw with mean 1.
fn exponential(draws: &mut Draws) -> f64 {
    -libm::log(1.0 - draws.unit())
}

/// The fear at `tick` of a household at rest in a calm cell since `since`, held as the offset
/// `g`, with sensitivity `s`, where the cell's discounted drive is now `accum`.
#[inline]
pub fn lazy_fear(g: f32, since: u16, tick: u32, accum: f64, s: f64, decay: &[f64]) -> f32 {
    let k = tick.saturating_sub(u32::from(since)) as usize;
    (decay[k] * f64::from(g) + s * accum).max(0.0) as f32
}

/// The offset that holds `fear` in a calm cell whose discounted drive is now `accum`.
#[inline]
pub fn fear_offset(fear: f32, accum: f64, s: f64) -> f32 {
    (f64::from(fear) - s * accum) as f32
}

/// Strain `strain` at `since`, faded to `tick` by `decay` a tick; below `floor` it is forgotten.
#[inline]
pub fn lazy_strain(strain: f32, since: u16, tick: u32, decay: &[f64], floor: f32) -> f32 {
    if strain == 0.0 {
        return 0.0;
    }
    let k = tick.saturating_sub(u32::from(since)) as usize;
    let s = (f64::from(strain) * decay[k]) as f32;
    if s < floor { 0.0 } else { s }
}

/// Whether a household's state lets it rest (its fear aside): at home in its own
/// neighbourhood, with its income and no member detained or away, and unmarked or marked by a
/// group that holds its home (`marker_holds_home`), whose threats the event bound covers; a
/// group that marked it and no longer holds its home may pursue it, which the bound does not.
#[inline]
pub fn may_rest(m: &Mind, at_home: bool, marker_holds_home: impl FnOnce(u16) -> bool) -> bool {
    m.status == crate::households::Status::Resident
        && m.lodging == crate::households::Lodging::Home
        && at_home
        && m.detained == 0
        && m.away == 0
        && m.away_minors == 0
        && !m.has(flags::WITHOUT_INCOME)
        && (m.mark == crate::households::Mark::None || marker_holds_home(m.marked_by))
}

/// A signature of the groups claiming a cell: when it changes, households at rest there that a
/// group marked are looked at again.
#[inline]
pub fn claims_signature(claims: &[u16]) -> u64 {
    claims.iter().fold(0x9E37_79B9_7F4A_7C15, |acc, &g| {
        crate::rng::mix64(acc ^ u64::from(g))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fear step of the full path, in f64.
    fn step(f: f64, b: f64, s: f64, d: f64) -> f64 {
        (d * f + s * b).max(0.0)
    }

    fn powers(d: f64) -> Vec<f64> {
        (0..64).map(|k| d.powi(k)).collect()
    }

    #[test]
    fn lazy_fear_equals_the_steps_over_a_calm_stretch() {
        let d = 0.9;
        let decay = powers(d);
        let s = 1.5;
        // Drives of a calm stretch: never positive, some zero.
        let drives = [-0.1, -0.02, 0.0, -0.3, -0.05, -0.01, 0.0, -0.2];
        for start in 0..drives.len() {
            for f0 in [0.0, 0.3, 2.0, 7.5] {
                // The cell's running sum from the start of the stretch (tick 0).
                let mut accum = 0.0;
                for &b in &drives[..=start] {
                    accum = d * accum + b;
                }
                let g = fear_offset(f0 as f32, accum, s);
                let mut exact = f0;
                for (t, &b) in drives.iter().enumerate().skip(start + 1) {
                    accum = d * accum + b;
                    exact = step(exact, b, s, d);
                    let lazy = lazy_fear(g, start as u16, t as u32, accum, s, &decay);
                    assert!(
                        (f64::from(lazy) - exact).abs() < 1e-5,
                        "start {start}, f0 {f0}, tick {t}: {lazy} against {exact}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_positive_drive_would_break_the_closed_form() {
        // Why agitated cells carry fears one by one: the clamp at zero does not compose once
        // the drive turns positive.
        let (d, s) = (0.9, 1.0);
        let g = fear_offset(0.0, 0.0, s);
        let mut exact = 0.0;
        let mut accum = 0.0;
        for b in [-1.0, 0.5] {
            accum = d * accum + b;
            exact = step(exact, b, s, d);
        }
        let lazy = lazy_fear(g, 0, 2, accum, s, &powers(d));
        assert!(
            (f64::from(lazy) - exact).abs() > 0.1,
            "{lazy} against {exact}"
        );
    }

    #[test]
    fn the_race_picks_each_position_with_its_segment_probability() {
        // Three segments with small, large and zero hazards; 4,000 repetitions.
        let segments = [(0..50, 0.02), (50..60, 1.5), (60..70, 0.0), (70..170, 0.1)];
        let mut picked = [0u32; 170];
        let mut residual_mean = [0.0f64; 4];
        let mut residual_n = [0u32; 4];
        let runs = 4000;
        for run in 0..runs {
            let mut draws =
                crate::rng::Draws::new(7, crate::rng::Process::RestingCandidates, run, 0);
            race(&mut draws, segments.iter().cloned(), |p, r| {
                picked[p] += 1;
                let s = segments
                    .iter()
                    .position(|(range, _)| range.contains(&p))
                    .unwrap();
                assert!(
                    (0.0..segments[s].1).contains(&r),
                    "residual {r} in segment {s}"
                );
                residual_mean[s] += r;
                residual_n[s] += 1;
            });
        }
        for (s, (range, hazard)) in segments.iter().enumerate() {
            let p = 1.0 - (-hazard).exp();
            let expected = p * runs as f64 * range.len() as f64;
            let observed: u32 = picked[range.clone()].iter().sum();
            let sd = (expected * (1.0 - p)).sqrt().max(1.0);
            assert!(
                (f64::from(observed) - expected).abs() < 4.0 * sd,
                "segment {s}: {observed} picks, {expected} expected"
            );
            if residual_n[s] > 0 {
                // Exponential cut off at the hazard: mean 1 − λ e^{−λ} / (1 − e^{−λ}).
                let mean = 1.0 - hazard * (-hazard).exp() / p;
                let observed = residual_mean[s] / f64::from(residual_n[s]);
                assert!(
                    (observed - mean).abs() < 0.05 * hazard.max(0.2),
                    "segment {s}: {observed} against {mean}"
                );
            }
        }
        assert!(picked[60..70].iter().all(|&n| n == 0));
    }

    /// The race as it was written before its shortcut: a division for every segment.
    fn race_by_division(
        draws: &mut Draws,
        segments: &[(std::ops::Range<usize>, f64)],
        on_pick: &mut impl FnMut(usize, f64),
    ) {
        let mut clock = exponential(draws);
        for (segment, hazard) in segments.iter().cloned() {
            if hazard.is_nan() || hazard <= 0.0 {
                continue;
            }
            let mut position = segment.start;
            loop {
                let left = (segment.end - position) as f64;
                let skipped = clock / hazard;
                if skipped >= left {
                    clock = (clock - left * hazard).max(0.0);
                    break;
                }
                let skipped = skipped as usize;
                position += skipped;
                on_pick(
                    position,
                    (clock - skipped as f64 * hazard).clamp(0.0, hazard),
                );
                position += 1;
                clock = exponential(draws);
            }
        }
    }

    #[test]
    fn the_race_picks_what_dividing_at_every_segment_picks() {
        use rand::RngCore;
        let mut cases = crate::rng::Draws::new(99, crate::rng::Process::RestingCandidates, 0, 0);
        let mut next = || cases.next_u64();
        for run in 0..3000u64 {
            // Segments of 1 to 40 positions, hazards over six orders of magnitude.
            let mut segments = Vec::new();
            let mut start = 0;
            for _ in 0..1 + next() % 12 {
                let len = 1 + (next() % 40) as usize;
                let hazard = 10f64.powf(-5.0 + (next() % 6000) as f64 / 1000.0);
                segments.push((start..start + len, hazard));
                start += len;
            }
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            let key =
                |run| crate::rng::Draws::new(3, crate::rng::Process::RestingCandidates, run, 1);
            race(&mut key(run), segments.iter().cloned(), |p, r| {
                fast.push((p, r.to_bits()))
            });
            race_by_division(&mut key(run), &segments, &mut |p, r| {
                slow.push((p, r.to_bits()))
            });
            assert_eq!(fast, slow, "run {run}: {segments:?}");
        }
    }

    #[test]
    fn a_clock_past_the_strata_totals_bound_picks_no_one_and_the_rest_pick_alike() {
        use rand::RngCore;
        let mut cases = crate::rng::Draws::new(17, crate::rng::Process::RestingCandidates, 0, 0);
        let mut next = || cases.next_u64();
        let mut skipped = 0;
        for run in 0..3000u64 {
            // A cell's strata and its event bound this tick.
            // Calm cells and violent ones: scales from 1e-7 to 1e-4 a unit.
            let scale = 10f64.powi(-4 - (next() % 4) as i32);
            let (per_person, extortion, fixed) = (
                scale * (next() % 1000) as f64,
                scale * (next() % 1000) as f64,
                scale * (next() % 100) as f64,
            );
            let mut totals = StrataTotals::default();
            let mut segments = Vec::new();
            let mut start = 0;
            let mut through = 0.0;
            for _ in 0..1 + next() % 10 {
                let n = 1 + (next() % 30) as usize;
                let (persons, weight) = (1 + next() % 9, 0.2 + (next() % 50) as f64 * 0.1);
                let hazard = rounded_up(
                    (per_person * persons as f64 + extortion * weight + fixed) * (1.0 + 1e-9),
                );
                totals.persons += n as f64 * persons as f64;
                totals.weight += n as f64 * weight;
                totals.households += n as f64;
                through += n as f64 * hazard;
                segments.push((start..start + n, hazard));
                start += n;
            }
            let bound = totals.hazard_bound(per_person, extortion, fixed);
            assert!(through <= bound, "run {run}: {through} above {bound}");
            let key =
                |run| crate::rng::Draws::new(8, crate::rng::Process::RestingCandidates, run, 2);
            let (mut within, mut all) = (Vec::new(), Vec::new());
            race_within(&mut key(run), bound, segments.iter().cloned(), |p, r| {
                within.push((p, r.to_bits()))
            });
            race(&mut key(run), segments.iter().cloned(), |p, r| {
                all.push((p, r.to_bits()))
            });
            assert_eq!(within, all, "run {run}");
            skipped += usize::from(exponential(&mut key(run)) > bound);
        }
        assert!(
            skipped > 100,
            "the bound let {skipped} clocks skip their strata"
        );
    }

    #[test]
    fn bounds_round_up_to_powers_of_the_square_root_of_two() {
        let r2 = std::f64::consts::SQRT_2;
        assert_eq!(rounded_up(1.0), 1.0);
        assert_eq!(rounded_up(1.2), r2);
        assert_eq!(rounded_up(1.5), 2.0);
        assert_eq!(rounded_up(0.3), 0.25 * r2);
        assert_eq!(rounded_up(0.0), 0.0);
        for x in [1e-9, 3e-4, 0.02, 0.7, 5.0, 123.4] {
            let r = rounded_up(x);
            assert!(r >= x && r < x * r2 * (1.0 + 1e-12), "{x} to {r}");
            assert_eq!(rounded_up(r), r, "a rounded bound stays");
        }
    }

    #[test]
    fn lazy_strain_fades_and_forgets() {
        let half = powers(0.5);
        let s = lazy_strain(2.0, 3, 5, &half, 1e-3);
        assert!((s - 0.5).abs() < 1e-6);
        assert_eq!(lazy_strain(2.0, 0, 40, &half, 1e-3), 0.0);
        assert_eq!(lazy_strain(0.0, 0, 1, &half, 1e-3), 0.0);
    }
}

//! Random streams keyed by `(root seed, process, entity, tick)`: the only randomness in the model.
//!
//! Two kinds of stream share one key derivation:
//! - [`stream`] gives a ChaCha8 generator (key from `(seed, process, tick)`, stream number =
//!   entity), for the rarer, richer draws: building the world, choosing a destination.
//! - [`Draws`] is a counter-based generator (SplitMix64 output function over a hashed key) that
//!   costs a few nanoseconds to start, for the draws every household makes every tick.
//!
//! Because every draw is addressed by what it is for, results do not depend on thread count or on
//! the order in which households are processed, and two policy arms run with the same seed share
//! every draw except where the policies act (common random numbers).

use rand::RngCore;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The behavioural or structural process a draw belongs to. Values are part of the output's
/// identity: changing one changes every result, so new processes take new numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Process {
    WorldLayout = 1,
    GroupPlacement = 2,
    HouseholdBuild = 3,
    KinTies = 4,
    Violence = 5,
    HouseholdEvents = 6,
    FearThreshold = 7,
    Destination = 8,
    Lodging = 9,
    MassOrder = 10,
    GroupDynamics = 11,
    Exit = 12,
    Return = 13,
    ContestResolution = 14,
    StateClash = 15,
    Deployment = 16,
    Release = 17,
    SweepDesign = 18,
    RecruitDeaths = 19,
    Collective = 20,
    Deprivation = 21,
    Autodefensas = 22,
    /// Proposals of a calibration (never drawn inside a run).
    Calibration = 23,
    /// Which households at rest in a neighbourhood may meet an event this tick.
    RestingCandidates = 24,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a bijective 64-bit mixer with full avalanche.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[inline]
fn key(seed: u64, process: Process, entity: u64, tick: u32) -> u64 {
    StreamKey::new(seed, process, tick).entity_key(entity)
}

/// The part of a stream's key shared by every entity of one `(seed, process, tick)`: loops over
/// many entities derive it once and then key each entity's [`Draws`] with one mixing step.
#[derive(Debug, Clone, Copy)]
pub struct StreamKey(u64);

impl StreamKey {
    #[inline]
    pub fn new(seed: u64, process: Process, tick: u32) -> StreamKey {
        let k = mix64(seed ^ (process as u64).wrapping_mul(GOLDEN));
        StreamKey(mix64(
            k ^ u64::from(tick).wrapping_mul(0xD6E8_FEB8_6659_FD93),
        ))
    }

    #[inline]
    fn entity_key(self, entity: u64) -> u64 {
        mix64(self.0 ^ entity.wrapping_mul(0xA076_1D64_78BD_642F))
    }

    /// The draws of `entity`: the same stream as `Draws::new(seed, process, entity, tick)`.
    #[inline]
    pub fn draws(self, entity: u64) -> Draws {
        Draws {
            state: self.entity_key(entity),
        }
    }
}

/// A ChaCha8 generator for `(seed, process, entity, tick)`.
pub fn stream(seed: u64, process: Process, entity: u64, tick: u32) -> ChaCha8Rng {
    let mut bytes = [0u8; 32];
    let base = key(seed, process, 0, tick);
    for (i, chunk) in bytes.chunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(
            &mix64(base.wrapping_add(GOLDEN.wrapping_mul(i as u64 + 1))).to_le_bytes(),
        );
    }
    let mut rng = ChaCha8Rng::from_seed(bytes);
    rng.set_stream(entity);
    rng
}

/// A cheap counter-based stream for `(seed, process, entity, tick)`.
#[derive(Debug, Clone)]
pub struct Draws {
    state: u64,
}

impl Draws {
    #[inline]
    pub fn new(seed: u64, process: Process, entity: u64, tick: u32) -> Draws {
        Draws {
            state: key(seed, process, entity, tick),
        }
    }

    /// A uniform draw in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// True with probability `1 - exp(-hazard)`: at least one event of a Poisson process with
    /// mean `hazard`. The same draw and the same outcome as `chance(-expm1(-hazard))`, but the
    /// exponential is only computed when the draw falls below `hazard` (which bounds the
    /// probability), so for the small hazards of most households it is skipped.
    #[inline]
    pub fn chance_of_hazard(&mut self, hazard: f64) -> bool {
        let u = self.unit();
        u < hazard && u < -libm::expm1(-hazard)
    }
}

impl RngCore for Draws {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix64(self.state)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// A uniform draw in `[0, 1)` from any generator.
#[inline]
pub fn unit<R: RngCore>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform integer in `0..n` (n > 0), by Lemire's multiply-shift (bias below 2^-32 for n < 2^32).
#[inline]
pub fn below<R: RngCore>(rng: &mut R, n: u32) -> u32 {
    ((u64::from(rng.next_u32()) * u64::from(n)) >> 32) as u32
}

/// A Poisson draw with mean `lambda`, by inversion for small means and a rounded normal above 50.
pub fn poisson<R: RngCore>(rng: &mut R, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda > 50.0 {
        let x = lambda + libm::sqrt(lambda) * standard_normal(rng);
        return libm::round(x.max(0.0)) as u32;
    }
    let mut p = libm::exp(-lambda);
    let mut cumulative = p;
    let u = unit(rng);
    let mut k = 0u32;
    while u > cumulative && k < 1000 {
        k += 1;
        p *= lambda / f64::from(k);
        cumulative += p;
    }
    k
}

/// Poisson draws of one mean, as [`poisson`] draws them (the same draws and the same results),
/// with the cumulative probabilities that its inversion adds up computed once: for the many
/// draws of one mean made while building a population.
#[derive(Debug, Clone)]
pub struct PoissonTable {
    lambda: f64,
    /// `cumulative[k]`: the probability of at most `k`, summed in the order `poisson` sums it;
    /// it ends where the terms vanish or at 1000.
    cumulative: Vec<f64>,
}

impl PoissonTable {
    pub fn new(lambda: f64) -> PoissonTable {
        let mut cumulative = Vec::new();
        if lambda > 0.0 && lambda <= 50.0 {
            let mut p = libm::exp(-lambda);
            let mut sum = p;
            cumulative.push(sum);
            let mut k = 0u32;
            while k < 1000 && p != 0.0 {
                k += 1;
                p *= lambda / f64::from(k);
                sum += p;
                cumulative.push(sum);
            }
        }
        PoissonTable { lambda, cumulative }
    }

    pub fn draw<R: RngCore>(&self, rng: &mut R) -> u32 {
        if self.cumulative.is_empty() {
            return poisson(rng, self.lambda);
        }
        let u = unit(rng);
        // Past the table's end the terms are zero: `poisson` would run on to 1000.
        self.cumulative
            .iter()
            .position(|&c| u <= c)
            .map_or(1000, |k| k as u32)
    }
}

/// A standard normal draw (Box-Muller, one of the pair).
pub fn standard_normal<R: RngCore>(rng: &mut R) -> f64 {
    let u1 = 1.0 - unit(rng); // in (0, 1]
    let u2 = unit(rng);
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
}

/// Which of `n` independent trials of probability `p` succeed, in increasing order, appended to
/// `out`: the gaps between successes are geometric, so this costs one draw per success, not one
/// per trial.
pub fn bernoulli_positions<R: RngCore>(rng: &mut R, n: u32, p: f64, out: &mut Vec<u32>) {
    if p <= 0.0 || n == 0 {
        return;
    }
    if p >= 1.0 {
        out.extend(0..n);
        return;
    }
    let log_miss = libm::log1p(-p);
    let mut i = 0.0f64;
    loop {
        let u = 1.0 - unit(rng); // in (0, 1]
        i += libm::floor(libm::log(u) / log_miss);
        if i >= f64::from(n) {
            return;
        }
        out.push(i as u32);
        i += 1.0;
    }
}

/// Draws an index in proportion to fixed non-negative weights in constant time (Walker's alias
/// method, Vose's construction): one uniform picks a column, a second chooses between the
/// column's own index and its alias.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AliasTable {
    /// Probability of keeping column `i` rather than taking `alias[i]`.
    keep: Vec<f64>,
    alias: Vec<u32>,
}

impl AliasTable {
    /// The table of `weights`; empty (it draws nothing) when they sum to zero.
    pub fn new(weights: &[f64]) -> AliasTable {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        if n == 0 || total <= 0.0 {
            return AliasTable::default();
        }
        let mut keep: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<u32>, Vec<u32>) =
            (0..n as u32).partition(|&i| keep[i as usize] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            alias[s as usize] = l;
            keep[l as usize] -= 1.0 - keep[s as usize];
            if keep[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left is 1 up to rounding.
        for i in small.into_iter().chain(large) {
            keep[i as usize] = 1.0;
        }
        AliasTable { keep, alias }
    }

    pub fn is_empty(&self) -> bool {
        self.keep.is_empty()
    }

    /// An index, with probability its weight over their sum (`None` if there are none).
    #[inline]
    pub fn draw<R: RngCore>(&self, rng: &mut R) -> Option<usize> {
        if self.keep.is_empty() {
            return None;
        }
        let x = rng.next_u64();
        // The high 32 bits choose the column (Lemire), the low 32 the coin.
        let column = (((x >> 32) * self.keep.len() as u64) >> 32) as usize;
        let coin = (x & 0xFFFF_FFFF) as f64 * (1.0 / 4_294_967_296.0);
        Some(if coin < self.keep[column] {
            column
        } else {
            self.alias[column] as usize
        })
    }
}

/// The index drawn from `weights` (non-negative) by a uniform `u` in [0, 1): each index with
/// probability its weight over their sum, skipping zero weights; the last positive one if
/// rounding runs past the end; `None` when every weight is 0.
pub fn weighted_index(weights: &[f64], u: f64) -> Option<usize> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut target = u * total;
    let mut last = None;
    for (i, &w) in weights.iter().enumerate() {
        if w <= 0.0 {
            continue;
        }
        last = Some(i);
        if target < w {
            break;
        }
        target -= w;
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alias_table_draws_each_index_in_proportion_to_its_weight() {
        let weights = [5.0, 0.0, 1.0, 10.0, 0.5, 3.5];
        let table = AliasTable::new(&weights);
        let total: f64 = weights.iter().sum();
        let mut counts = [0u32; 6];
        let mut draws = Draws::new(3, Process::Destination, 0, 0);
        let n = 200_000;
        for _ in 0..n {
            counts[table.draw(&mut draws).unwrap()] += 1;
        }
        for (i, &w) in weights.iter().enumerate() {
            let p = w / total;
            let sd = (n as f64 * p * (1.0 - p)).sqrt().max(1.0);
            let dev = (f64::from(counts[i]) - n as f64 * p).abs();
            assert!(
                dev < 4.0 * sd,
                "index {i}: {} draws, {} expected",
                counts[i],
                n as f64 * p
            );
        }
        assert_eq!(counts[1], 0, "a zero weight is never drawn");
        assert!(AliasTable::new(&[0.0, 0.0]).draw(&mut draws).is_none());
        assert!(AliasTable::new(&[]).is_empty());
    }

    #[test]
    fn same_key_same_draws_and_different_keys_differ() {
        let a: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(Draws::new(7, Process::Violence, 3, 9), |d, _| {
                Some(d.next_u64())
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(Draws::new(7, Process::Violence, 3, 9), |d, _| {
                Some(d.next_u64())
            })
            .collect();
        assert_eq!(a, b);
        for other in [
            Draws::new(8, Process::Violence, 3, 9),
            Draws::new(7, Process::HouseholdEvents, 3, 9),
            Draws::new(7, Process::Violence, 4, 9),
            Draws::new(7, Process::Violence, 3, 10),
        ] {
            let mut other = other;
            assert_ne!(a[0], other.next_u64());
        }
        let mut c1 = stream(7, Process::Destination, 3, 9);
        let mut c2 = stream(7, Process::Destination, 3, 9);
        let mut c3 = stream(7, Process::Destination, 4, 9);
        let x = c1.next_u64();
        assert_eq!(x, c2.next_u64());
        assert_ne!(x, c3.next_u64());
    }

    #[test]
    fn a_shared_stream_key_gives_the_same_draws() {
        let key = StreamKey::new(7, Process::HouseholdEvents, 9);
        for entity in [0, 1, 12345, u64::MAX] {
            let mut a = key.draws(entity);
            let mut b = Draws::new(7, Process::HouseholdEvents, entity, 9);
            for _ in 0..4 {
                assert_eq!(a.next_u64(), b.next_u64());
            }
        }
    }

    #[test]
    fn unit_draws_are_uniform() {
        let n = 200_000;
        let mut bins = [0u32; 10];
        for e in 0..n {
            let u = Draws::new(1, Process::HouseholdEvents, e, 0).unit();
            assert!((0.0..1.0).contains(&u));
            bins[(u * 10.0) as usize] += 1;
        }
        for b in bins {
            let share = f64::from(b) / n as f64;
            assert!((share - 0.1).abs() < 0.005, "bin share {share}");
        }
    }

    #[test]
    fn bernoulli_positions_succeed_each_trial_with_its_probability() {
        // Each of 40 trials, over many draws, succeeds with the probability asked; positions are
        // increasing and inside the range.
        for p in [0.003, 0.05, 0.4, 0.97] {
            let mut hits = [0u32; 40];
            let runs = 40_000u64;
            let mut out = Vec::new();
            for e in 0..runs {
                out.clear();
                bernoulli_positions(&mut Draws::new(5, Process::Violence, e, 2), 40, p, &mut out);
                assert!(out.windows(2).all(|w| w[0] < w[1]) && out.iter().all(|&i| i < 40));
                for &i in &out {
                    hits[i as usize] += 1;
                }
            }
            for (i, &k) in hits.iter().enumerate() {
                let share = f64::from(k) / runs as f64;
                let sd = (p * (1.0 - p) / runs as f64).sqrt();
                assert!(
                    (share - p).abs() < 5.0 * sd + 1e-4,
                    "p {p} trial {i}: {share}"
                );
            }
        }
        let mut out = Vec::new();
        bernoulli_positions(
            &mut Draws::new(5, Process::Violence, 0, 2),
            7,
            1.0,
            &mut out,
        );
        assert_eq!(out, (0..7).collect::<Vec<_>>());
    }

    #[test]
    fn a_poisson_table_draws_what_poisson_draws() {
        for lambda in [-1.0, 0.0, 1e-3, 0.4, 1.7, 2.5, 12.0, 49.9, 50.0, 80.0] {
            let table = PoissonTable::new(lambda);
            for e in 0..20_000 {
                let mut a = Draws::new(11, Process::HouseholdBuild, e, 0);
                let mut b = a.clone();
                assert_eq!(
                    table.draw(&mut a),
                    poisson(&mut b, lambda),
                    "lambda {lambda}"
                );
                // The same draws consumed: the streams go on alike.
                assert_eq!(a.next_u64(), b.next_u64(), "lambda {lambda}");
            }
        }
        // The far tail: the largest uniform draw, which may lie above every cumulative sum
        // (then both run on to 1000).
        struct Top;
        impl RngCore for Top {
            fn next_u32(&mut self) -> u32 {
                u32::MAX
            }
            fn next_u64(&mut self) -> u64 {
                u64::MAX
            }
            fn fill_bytes(&mut self, dst: &mut [u8]) {
                dst.fill(0xFF);
            }
        }
        let mut reached_the_end = false;
        for i in 1..=400 {
            let lambda = f64::from(i) * 0.125;
            let table = PoissonTable::new(lambda);
            let k = table.draw(&mut Top);
            assert_eq!(k, poisson(&mut Top, lambda), "lambda {lambda}");
            reached_the_end |= k == 1000;
        }
        assert!(reached_the_end, "no mean's sums stayed below the top draw");
    }

    #[test]
    fn poisson_mean_matches() {
        for lambda in [0.05, 2.5, 80.0] {
            let n = 50_000u64;
            let total: u64 = (0..n)
                .map(|e| u64::from(poisson(&mut Draws::new(3, Process::Violence, e, 1), lambda)))
                .sum();
            let mean = total as f64 / n as f64;
            assert!(
                (mean - lambda).abs() < 0.03 * lambda.max(1.0),
                "lambda {lambda} mean {mean}"
            );
        }
    }
}

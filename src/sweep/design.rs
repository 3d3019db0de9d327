//! Experimental designs: full factorial grids, Latin hypercubes and Sobol sequences.
//!
//! A design is a matrix of points × parameters in natural units. Sampled designs first draw
//! points in the unit cube, then map each coordinate onto the parameter's `[min, max]` range.

use crate::rng;

/// The full factorial grid of `levels` (one list of values per parameter), first parameter
/// varying slowest.
pub fn grid(levels: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut points = vec![Vec::new()];
    for values in levels {
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(*v);
                    q
                })
            })
            .collect();
    }
    points
}

/// `n` points of a Latin hypercube in `[0, 1)^dims`: in every dimension each of the `n` equal
/// strata holds exactly one point, placed uniformly within it.
pub fn latin_hypercube(n: usize, dims: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = rng::stream(seed, rng::Process::SweepDesign, 0, 0);
    let mut points = vec![vec![0.0; dims]; n];
    for d in 0..dims {
        // A random permutation of the strata (Fisher-Yates).
        let mut strata: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = rng::below(&mut rng, (i + 1) as u32) as usize;
            strata.swap(i, j);
        }
        for (i, point) in points.iter_mut().enumerate() {
            point[d] = (strata[i] as f64 + rng::unit(&mut rng)) / n as f64;
        }
    }
    points
}

/// Primitive polynomial degree, coefficients and initial direction numbers of dimensions 2 to 16
/// (Joe and Kuo, new-joe-kuo-6.21201).
const SOBOL_PARAMS: [(u32, u32, &[u32]); 15] = [
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
    (5, 4, &[1, 1, 5, 5, 5]),
    (5, 7, &[1, 1, 7, 11, 19]),
    (5, 11, &[1, 1, 5, 1, 1]),
    (5, 13, &[1, 1, 1, 3, 11]),
    (5, 14, &[1, 3, 5, 5, 31]),
    (6, 1, &[1, 3, 3, 9, 7, 49]),
    (6, 13, &[1, 1, 1, 15, 21, 21]),
    (6, 16, &[1, 3, 1, 13, 27, 49]),
];

/// Most dimensions a Sobol design supports.
pub const SOBOL_MAX_DIMS: usize = SOBOL_PARAMS.len() + 1;

const BITS: u32 = 32;

/// Direction numbers (scaled to 32 bits) of one dimension (0-based).
fn directions(dim: usize) -> [u32; BITS as usize] {
    let mut v = [0u32; BITS as usize];
    if dim == 0 {
        for (i, x) in v.iter_mut().enumerate() {
            *x = 1 << (BITS - 1 - i as u32);
        }
        return v;
    }
    let (s, a, m) = SOBOL_PARAMS[dim - 1];
    let s = s as usize;
    for i in 0..s.min(BITS as usize) {
        v[i] = m[i] << (BITS - 1 - i as u32);
    }
    for i in s..BITS as usize {
        let mut x = v[i - s] ^ (v[i - s] >> s);
        for k in 1..s {
            if (a >> (s - 1 - k)) & 1 == 1 {
                x ^= v[i - k];
            }
        }
        v[i] = x;
    }
    v
}

/// The first `n` points of the Sobol sequence in `[0, 1)^dims` (Gray-code order, skipping the
/// origin), `dims` ≤ [`SOBOL_MAX_DIMS`].
pub fn sobol(n: usize, dims: usize) -> Vec<Vec<f64>> {
    let dirs: Vec<[u32; BITS as usize]> = (0..dims).map(directions).collect();
    let mut x = vec![0u32; dims];
    let mut points = Vec::with_capacity(n);
    for i in 0..n {
        // The index of the lowest zero bit of i gives the direction to flip.
        let c = (!(i as u64)).trailing_zeros() as usize;
        for d in 0..dims {
            x[d] ^= dirs[d][c.min(BITS as usize - 1)];
        }
        points.push(x.iter().map(|&v| f64::from(v) / 4_294_967_296.0).collect());
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_the_full_factorial() {
        let g = grid(&[vec![1.0, 2.0], vec![10.0, 20.0, 30.0]]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], vec![1.0, 10.0]);
        assert_eq!(g[5], vec![2.0, 30.0]);
    }

    /// Every one of `n` equal strata of every dimension holds exactly one point.
    fn stratified(points: &[Vec<f64>], dims: usize) -> bool {
        let n = points.len();
        (0..dims).all(|d| {
            let mut seen = vec![false; n];
            points.iter().all(|p| {
                let s = (p[d] * n as f64) as usize;
                (0.0..1.0).contains(&p[d]) && !std::mem::replace(&mut seen[s], true)
            })
        })
    }

    #[test]
    fn latin_hypercubes_are_stratified_and_seeded() {
        let a = latin_hypercube(50, 4, 9);
        assert!(stratified(&a, 4));
        assert_eq!(a, latin_hypercube(50, 4, 9));
        assert_ne!(a, latin_hypercube(50, 4, 10));
    }

    #[test]
    fn sobol_points_are_stratified_in_every_dimension() {
        for k in [3u32, 6, 8] {
            let n = 1usize << k;
            // Starting after the origin, 2^k points hold one point per stratum in 1-D: add the
            // origin back to check the net property on the first 2^k points of the sequence.
            let mut points = vec![vec![0.0; SOBOL_MAX_DIMS]];
            points.extend(sobol(n - 1, SOBOL_MAX_DIMS));
            assert!(stratified(&points, SOBOL_MAX_DIMS), "2^{k} points");
        }
        // The sequence itself (Joe and Kuo): after the origin, (1/2, 1/2), (3/4, 1/4), (1/4, 3/4).
        assert_eq!(
            sobol(3, 2),
            vec![vec![0.5, 0.5], vec![0.75, 0.25], vec![0.25, 0.75]]
        );
        // The first dimensions form 2-D nets too: quadrants of dims 1 and 2 each hold a quarter.
        let mut points = vec![vec![0.0, 0.0]];
        points.extend(sobol(63, 2));
        for (qx, qy) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            let count = points
                .iter()
                .filter(|p| (p[0] >= 0.5) as i32 == qx && (p[1] >= 0.5) as i32 == qy)
                .count();
            assert_eq!(count, 16);
        }
    }
}

//! Where people left from, arm by arm: each neighbourhood's departures over the compared ticks,
//! and their paired difference to the first arm.

use super::stats;

/// Departures of every cell during one run (episodes leaving it), in cell order.
pub type RunDepartures = Vec<u32>;

/// Counts the departures of every cell from the state a run starts in (a fresh world, or one
/// continued from a saved state), so that only the ticks the run itself adds are counted.
#[derive(Default)]
pub struct DepartureCounter {
    at_start: Vec<u32>,
}

impl DepartureCounter {
    pub fn start(&mut self, model: &crate::step::Model) {
        self.at_start.clone_from(&model.world.cells.displaced_out);
    }

    /// The departures of each cell since [`DepartureCounter::start`].
    pub fn finish(&self, model: &crate::step::Model) -> RunDepartures {
        let now = &model.world.cells.displaced_out;
        now.iter()
            .enumerate()
            .map(|(c, n)| n.saturating_sub(self.at_start.get(c).copied().unwrap_or(0)))
            .collect()
    }
}

/// One neighbourhood of one arm.
#[derive(Debug, Clone, PartialEq)]
pub struct CellDepartures {
    pub mean: f64,
    /// Mean paired difference to the same cell of the first arm and its 95% interval (absent for
    /// the first arm, and for an arm whose grid is not the first arm's).
    pub diff: Option<(f64, f64, f64)>,
}

/// Per-neighbourhood departures of a comparison.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Departures {
    /// Grid width of each arm (cells are numbered row by row: x = cell % width).
    pub widths: Vec<u32>,
    /// `cells[arm][cell]`.
    pub cells: Vec<Vec<CellDepartures>>,
}

/// Statistics of the departures of `runs[arm][replicate]` (grids `widths[arm]` wide).
pub fn departure_stats(widths: &[u32], runs: &[Vec<RunDepartures>]) -> Departures {
    let Some(first) = runs.first() else {
        return Departures::default();
    };
    let per_cell = |arm: &[RunDepartures], c: usize| -> Vec<f64> {
        arm.iter().map(|r| f64::from(r[c])).collect()
    };
    let cells = runs
        .iter()
        .enumerate()
        .map(|(a, arm)| {
            let n = arm.first().map_or(0, Vec::len);
            let same_grid = a > 0
                && widths[a] == widths[0]
                && first.first().map_or(0, Vec::len) == n
                && arm.iter().all(|r| r.len() == n);
            (0..n)
                .map(|c| {
                    let values = per_cell(arm, c);
                    let diff = same_grid.then(|| {
                        let diffs: Vec<f64> = values
                            .iter()
                            .zip(per_cell(first, c))
                            .map(|(x, y)| x - y)
                            .collect();
                        stats::mean_ci95(&diffs)
                    });
                    CellDepartures {
                        mean: stats::mean(&values),
                        diff,
                    }
                })
                .collect()
        })
        .collect();
    Departures {
        widths: widths.to_vec(),
        cells,
    }
}

/// The statistics of each cell's departures from the runs' (grid width, departures), in
/// arm-major order.
pub fn departures_by_arm(runs: Vec<(u32, RunDepartures)>, replicates: usize) -> Departures {
    let mut widths = Vec::new();
    let mut by_arm: Vec<Vec<RunDepartures>> = Vec::new();
    for (i, (width, departures)) in runs.into_iter().enumerate() {
        if i % replicates == 0 {
            widths.push(width);
            by_arm.push(Vec::new());
        }
        by_arm.last_mut().expect("pushed above").push(departures);
    }
    departure_stats(&widths, &by_arm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_differences_per_cell_and_none_for_the_first_arm() {
        let runs = vec![vec![vec![1, 0], vec![3, 0]], vec![vec![2, 0], vec![6, 0]]];
        let d = departure_stats(&[2, 2], &runs);
        assert_eq!(d.cells[0][0].mean, 2.0);
        assert_eq!(d.cells[0][0].diff, None);
        assert_eq!(d.cells[1][0].mean, 4.0);
        let (mean, low, high) = d.cells[1][0].diff.unwrap();
        assert_eq!(mean, 2.0);
        assert!(low < 2.0 && high > 2.0);
        assert_eq!(d.cells[1][1].diff, Some((0.0, 0.0, 0.0)));
    }

    #[test]
    fn an_arm_on_another_grid_has_no_differences() {
        let runs = vec![
            vec![vec![1, 0], vec![3, 0]],
            vec![vec![2, 0, 1], vec![6, 0, 1]],
        ];
        let d = departure_stats(&[2, 3], &runs);
        assert!(d.cells[1].iter().all(|c| c.diff.is_none()));
    }
}

//! The decision phase under `simulation.sampling = "events"`: households at rest are looked at
//! only when something may happen to them ([`crate::step::rest`]; docs/ODD.md, "Scheduling").

use super::{
    ChunkDecisions, Context, Mode, Picked, STRAIN_FLOOR, decide_household, extortion_weight,
    fade_strain, faded_fear, fear_threshold,
};
use crate::households::{Members, Mind, flags};
use crate::metrics::TraffickingSetting;
use crate::step::rest::{self, BLOCK_CELLS, CellRest};

/// One work item: a block of neighbourhoods, the households whose home they are (the only ones
/// whose state it changes), and which of those are active.
pub(super) struct Block<'a> {
    cells: std::ops::Range<usize>,
    /// The first household whose home is in the block: `minds[i]` is household `first + i`.
    first: usize,
    minds: &'a mut [Mind],
    members: &'a mut [Members],
    rest: &'a mut [CellRest],
    active: &'a [u32],
}

impl<'a> Block<'a> {
    /// Cuts the households and neighbourhoods into blocks of [`BLOCK_CELLS`] neighbourhoods.
    pub(super) fn split(
        ctx: &Context<'_>,
        mut minds: &'a mut [Mind],
        mut members: &'a mut [Members],
        rest: &'a mut [CellRest],
        active: &'a [u32],
    ) -> Vec<Block<'a>> {
        let mut blocks = Vec::with_capacity(rest.len().div_ceil(BLOCK_CELLS));
        let mut first = 0usize;
        for (b, rest) in rest.chunks_mut(BLOCK_CELLS).enumerate() {
            let start = b * BLOCK_CELLS;
            let cells = start..start + rest.len();
            let end = ctx.rest.origin_start[cells.end] as usize;
            let (these_minds, later_minds) = std::mem::take(&mut minds).split_at_mut(end - first);
            let (these_members, later_members) =
                std::mem::take(&mut members).split_at_mut(end - first);
            minds = later_minds;
            members = later_members;
            let from = active.partition_point(|&h| (h as usize) < first);
            let to = active.partition_point(|&h| (h as usize) < end);
            blocks.push(Block {
                cells,
                first,
                minds: these_minds,
                members: these_members,
                rest,
                active: &active[from..to],
            });
            first = end;
        }
        blocks
    }
}

/// What a household at rest was picked for, as drawn by its block.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
enum Pick {
    /// A possible event, with its event draw.
    Event(f64),
    JobLoss,
    /// Emigration for work, picked with this probability.
    Labour(f64),
}

/// The decisions of one block of neighbourhoods.
///
/// 1. The fears of the households at rest are carried forward: by the running sum of a calm
///    cell, one by one where the drive is positive (those that reach their threshold are looked
///    at below).
/// 2. Active households that can rest come to rest.
/// 3. Each cell counts the exposure of its households at rest; the block draws which of them
///    are picked for a possible event (each stratum of a cell with the bound of its largest
///    household at its largest weight), a job loss or emigration for work.
/// 4. In household order, the active households decide in full, and those at rest that were
///    picked, or whose fear reached their threshold, decide from their picks. Those whose
///    state no longer lets them rest become active.
pub(super) fn decide_block(ctx: &Context<'_>, block: Block<'_>) -> ChunkDecisions {
    let Block {
        cells,
        first,
        minds,
        members,
        rest,
        active,
    } = block;
    let mut out = ChunkDecisions::default();
    let (frightened, awoken) = carry_fears(ctx, &cells, first, minds, members, rest);
    let active = merge_sorted(active, &awoken);

    // 2. Active households that can rest come to rest.
    let mut full = Vec::with_capacity(active.len());
    for &h in active.iter() {
        let i = h as usize - first;
        let m = &mut minds[i];
        if !m.status.is_present() {
            continue; // abroad or dead: for good
        }
        let home = &mut rest[ctx.origin[h as usize] as usize - cells.start];
        if !come_to_rest(ctx, h as usize, m, &members[i], home) {
            full.push(h);
        }
    }

    // 3. Exposure, and the households at rest picked for what may happen to them.
    for c in cells.clone() {
        let cr = &rest[c - cells.start];
        out.counts.trafficking.person_ticks[TraffickingSetting::Home as usize] +=
            u64::from(cr.persons);
        if !ctx.world.claims_of(c as u32).is_empty() {
            out.counts.recruitment_pressure.youth_ticks[0] += u64::from(cr.children);
        }
    }
    let picks = draw_picks(ctx, &cells, rest);

    // 4. In household order: the active in full, the picked and the frightened from their picks.
    // Sized for the most that can stay or become active, so that it never grows.
    out.active = Vec::with_capacity(full.len() + picks.len() + frightened.len());
    let (mut a, mut p, mut x) = (0, 0, 0);
    loop {
        let h = full
            .get(a)
            .copied()
            .unwrap_or(u32::MAX)
            .min(picks.get(p).map_or(u32::MAX, |&(h, _)| h))
            .min(frightened.get(x).copied().unwrap_or(u32::MAX));
        if h == u32::MAX {
            break;
        }
        let i = h as usize - first;
        if full.get(a) == Some(&h) {
            // The active households are scattered: fetch those a few places ahead while this
            // one decides.
            if let Some(&ahead) = full.get(a + 2 * PREFETCH_AHEAD) {
                prefetch_household(ctx, ahead as usize, first, minds, members);
            }
            if let Some(&ahead) = full.get(a + PREFETCH_AHEAD) {
                prefetch_where(ctx, ahead as usize);
            }
            a += 1;
            // Picked too: an active household draws its own events.
            while picks.get(p).is_some_and(|&(k, _)| k == h) {
                p += 1;
            }
            let (m, household) = (&mut minds[i], &mut members[i]);
            decide_household(ctx, h as usize, m, household, &mut out, Mode::Full);
            out.active.push(h);
            continue;
        }
        if let Some(&(ahead, _)) = picks.get(p + PREFETCH_AHEAD) {
            prefetch_household(ctx, ahead as usize, first, minds, members);
        }
        let mut picked = Picked::default();
        while let Some(&(_, pick)) = picks.get(p).filter(|&&(k, _)| k == h) {
            match pick {
                Pick::Event(u) => picked.event_draw = Some(u),
                Pick::JobLoss => picked.job_loss = true,
                Pick::Labour(scale) => picked.labour = Some(scale),
            }
            p += 1;
        }
        let afraid = frightened.get(x) == Some(&h);
        if afraid {
            x += 1;
        }
        if !minds[i].has(flags::RESTING) {
            continue; // picked, but neither at rest nor active: abroad or dead
        }
        let cr = &mut rest[ctx.origin[h as usize] as usize - cells.start];
        let (m, household) = (&mut minds[i], &mut members[i]);
        if decide_at_rest(ctx, h as usize, m, household, cr, picked, afraid, &mut out) {
            out.active.push(h);
        }
    }
    out
}

/// The union of two increasing lists (without repeats between them); `a` itself when `b` is
/// empty, as it mostly is.
fn merge_sorted<'a>(a: &'a [u32], b: &[u32]) -> std::borrow::Cow<'a, [u32]> {
    if b.is_empty() {
        return std::borrow::Cow::Borrowed(a);
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if j == b.len() || (i < a.len() && a[i] < b[j]) {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    std::borrow::Cow::Owned(out)
}

/// How many households ahead the decision loop fetches the state of the next ones.
const PREFETCH_AHEAD: usize = 4;

/// Fetches what deciding household `h` reads first into the cache (a hint: no effect on results).
fn prefetch_household(
    ctx: &Context<'_>,
    h: usize,
    first: usize,
    minds: &[Mind],
    members: &[Members],
) {
    use crate::step::rest::prefetch;
    prefetch(&minds[h - first]);
    prefetch(&members[h - first]);
    prefetch(&ctx.cell[h]);
    prefetch(&ctx.origin[h]);
    prefetch(&ctx.occupation[h]);
    prefetch(&ctx.trait_bits[h]);
    prefetch(&ctx.kin_cell[h]);
}

/// Fetches what deciding household `h` reads of where it is (its cell's hazards and bounds).
fn prefetch_where(ctx: &Context<'_>, h: usize) {
    use crate::step::rest::prefetch;
    let c = ctx.cell[h] as usize;
    prefetch(&ctx.hazards[c]);
    prefetch(&ctx.event_bounds[c]);
}

/// Step 1: carries the fears of the households at rest to this tick. Returns those whose fear
/// reached their threshold, and those woken because a group that marked them no longer holds
/// their home (each in increasing order).
fn carry_fears(
    ctx: &Context<'_>,
    cells: &std::ops::Range<usize>,
    first: usize,
    minds: &mut [Mind],
    members: &[Members],
    rest: &mut [CellRest],
) -> (Vec<u32>, Vec<u32>) {
    let tick = ctx.tick;
    let decay = ctx.params.fear_decay;
    let mut frightened = Vec::new();
    let mut awoken = Vec::new();
    for c in cells.clone() {
        let cr = &mut rest[c - cells.start];
        let drive = ctx.hazards[c].fear_drive;
        let homes = ctx.homes(c, first);
        let claims = ctx.world.claims_of(c as u32);
        let signature = rest::claims_signature(claims);
        if signature != cr.claims {
            cr.claims = signature;
            if cr.marked > 0 {
                // A group that marked a household here no longer holds the cell: it may pursue
                // it, which only the full path draws. Awake from the start of this tick.
                for i in homes.clone() {
                    let m = &mut minds[i];
                    if m.has(flags::RESTING)
                        && m.mark != crate::households::Mark::None
                        && !claims.contains(&m.marked_by)
                    {
                        wake(ctx, m, &members[i], cr);
                        awoken.push((first + i) as u32);
                    }
                }
            }
        }
        if drive > 0.0 {
            // Fear grows: carried one by one, and those that reach their threshold look at it.
            if cr.households > 0 {
                for i in homes {
                    let m = &mut minds[i];
                    if !m.has(flags::RESTING) {
                        continue;
                    }
                    let children = children_at_rest(m);
                    if cr.calm {
                        // Calm until last tick: its fear as it was then, held one by one now.
                        let s = sensitivity(ctx, children);
                        m.fear = rest::lazy_fear(
                            m.fear,
                            m.rest_since,
                            tick - 1,
                            cr.accum,
                            s,
                            ctx.rest.fear_decay,
                        );
                    }
                    m.fear = faded_fear(ctx, m.fear, drive, children);
                    if m.fear >= ctx.threshold_floor
                        && f64::from(m.fear) >= fear_threshold(ctx, first + i)
                    {
                        frightened.push((first + i) as u32);
                    }
                }
            }
            cr.calm = false;
        } else if cr.calm {
            cr.accum = decay * cr.accum + f64::from(drive);
        } else {
            // A calm stretch begins: fears held as offsets from its running sum from now on.
            cr.calm = true;
            cr.accum = f64::from(drive);
            if cr.households > 0 {
                for i in homes {
                    let m = &mut minds[i];
                    if !m.has(flags::RESTING) {
                        continue;
                    }
                    let children = children_at_rest(m);
                    let fear = faded_fear(ctx, m.fear, drive, children);
                    m.fear = rest::fear_offset(fear, cr.accum, sensitivity(ctx, children));
                    m.strain = caught_up_strain(ctx, m);
                    m.rest_since = tick as u16;
                }
            }
        }
    }
    (frightened, awoken)
}

/// A household at rest becomes active at the start of this tick: its fear and strain as they
/// were at the end of the last tick, for the full path to carry on from.
fn wake(ctx: &Context<'_>, m: &mut Mind, members: &Members, cr: &mut CellRest) {
    let children = members.children_8_to_17();
    if cr.calm {
        let s = sensitivity(ctx, children);
        m.fear = rest::lazy_fear(
            m.fear,
            m.rest_since,
            ctx.tick - 1,
            cr.accum,
            s,
            ctx.rest.fear_decay,
        );
    }
    m.strain = rest::lazy_strain(
        m.strain,
        m.rest_since,
        ctx.tick - 1,
        ctx.rest.strain_decay,
        STRAIN_FLOOR,
    );
    leave_rest(m, members, cr);
}

/// Takes a household out of its cell's rest.
fn leave_rest(m: &mut Mind, members: &Members, cr: &mut CellRest) {
    m.set(flags::RESTING, false);
    cr.households -= 1;
    cr.persons -= members.total();
    cr.children -= members.children_8_to_17();
    if m.mark != crate::households::Mark::None {
        cr.marked -= 1;
    }
}

/// Step 3: which households the block's neighbourhoods pick for a possible event, a job loss
/// or emigration for work, sorted by household. Each household whose home the block holds is
/// picked with its probability; those that are not at rest ignore it.
///
/// Each cell runs its own clock for events and for job losses, over bounds rounded up to a power
/// of √2: two arms of a comparison whose hazards differ a little, or only elsewhere, mostly pick
/// the same households with the same draws, and each decides from its own hazards below the
/// bound, so they keep the common random numbers that make paired differences sharp.
fn draw_picks(
    ctx: &Context<'_>,
    cells: &std::ops::Range<usize>,
    rest: &[CellRest],
) -> Vec<(u32, Pick)> {
    // Picks follow events, a few in a hundred households a tick: sized so that it rarely grows.
    let households = ctx.rest.origin_start[cells.end] - ctx.rest.origin_start[cells.start];
    let mut picks = Vec::with_capacity(households as usize / 16);
    for c in cells.clone() {
        if rest[c - cells.start].households == 0 {
            continue;
        }
        let clock = |process: u64| ctx.streams.resting.draws(c as u64 * 4 + process);
        // Possible events: stratum by stratum, each household with the bound of its stratum.
        let bound = &ctx.event_bounds[c];
        let strata = &ctx.rest.strata
            [ctx.rest.strata_start[c] as usize..ctx.rest.strata_start[c + 1] as usize];
        let mut start = ctx.rest.origin_start[c] as usize;
        let segments = strata.iter().map(|s| {
            let segment = start..s.end as usize;
            start = s.end as usize;
            (
                segment,
                rest::rounded_up(bound.bound(s.max_persons, s.max_weight)),
            )
        });
        // A calm cell's clock mostly runs past all of its strata at once.
        let within =
            ctx.rest.totals[c].hazard_bound(bound.per_person, bound.extortion, bound.fixed);
        // Whether a picked household is at rest is looked at when it decides (active ones
        // decide in full anyway), where its state is fetched ahead.
        rest::race_within(&mut clock(0), within, segments, |position, residual| {
            let h = ctx.rest.order[position];
            // Picked with probability 1 − exp(−bound): the draw, uniform below that.
            picks.push((h, Pick::Event(-libm::expm1(-residual))));
        });
        // Job losses to last tick's closures: each household with the cell's probability.
        let job_loss = f64::from(ctx.hazards[c].job_loss).min(1.0 - 1e-12);
        if job_loss > 0.0 {
            let hazard = -libm::log1p(-job_loss);
            let segment = (ctx.homes(c, 0), rest::rounded_up(hazard));
            rest::race(&mut clock(1), [segment], |h, residual| {
                if residual < hazard {
                    picks.push((h as u32, Pick::JobLoss));
                }
            });
        }
    }
    // Emigration for work, with the largest of its probabilities (families with children): one
    // clock for the block, since it is rare and its hazard is the region's.
    let segments = cells
        .clone()
        .filter(|&c| rest[c - cells.start].households > 0)
        .map(|c| {
            let r = ctx.world.region[c] as usize;
            (ctx.homes(c, 0), ctx.labour_pick_hazard[r])
        });
    rest::race(
        &mut ctx.streams.resting.draws(cells.start as u64 * 4 + 2),
        segments,
        |h, _| {
            let r = ctx.world.region[ctx.origin[h] as usize] as usize;
            picks.push((h as u32, Pick::Labour(ctx.labour_pick_probability[r])));
        },
    );
    picks.sort_unstable_by(|a, b| a.partial_cmp(b).expect("picks are never NaN"));
    picks
}

impl Context<'_> {
    /// The households whose home is cell `c`, as indices from household `first`.
    fn homes(&self, c: usize, first: usize) -> std::ops::Range<usize> {
        self.rest.origin_start[c] as usize - first..self.rest.origin_start[c + 1] as usize - first
    }
}

/// Whether a household at rest has children aged 8-17 (1) or not (0), as its fear's
/// sensitivity needs it, without reading its members: recorded when it came to rest (its
/// members change only in ticks when it is looked at).
fn children_at_rest(m: &Mind) -> u32 {
    u32::from(m.has(flags::WITH_CHILDREN))
}

/// How much more than others a household's fear moves: more with children aged 8-17.
fn sensitivity(ctx: &Context<'_>, children: u32) -> f64 {
    if children > 0 {
        ctx.spec.fear.children_sensitivity
    } else {
        1.0
    }
}

/// The strain of a household at rest, faded to this tick.
fn caught_up_strain(ctx: &Context<'_>, m: &Mind) -> f32 {
    rest::lazy_strain(
        m.strain,
        m.rest_since,
        ctx.tick,
        ctx.rest.strain_decay,
        STRAIN_FLOOR,
    )
}

/// An active household comes to rest if its state allows and its fear, faded this tick, stays
/// below its threshold: its fear and strain fade as the full path would fade them, it joins its
/// cell's exposure, and this returns true.
fn come_to_rest(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &Members,
    cr: &mut CellRest,
) -> bool {
    let home = ctx.origin[h];
    if !rest::may_rest(m, ctx.cell[h] == home, |g| {
        ctx.world.claims_of(home).contains(&g)
    }) {
        return false;
    }
    let drive = ctx.hazards[ctx.cell[h] as usize].fear_drive;
    let fear = faded_fear(ctx, m.fear, drive, members.children_8_to_17());
    if fear >= ctx.threshold_floor && f64::from(fear) >= fear_threshold(ctx, h) {
        return false;
    }
    fade_strain(ctx, m);
    rest_from_now(ctx, m, members, fear, cr);
    true
}

/// Puts a household at rest as of this tick, with this tick's `fear`.
fn rest_from_now(ctx: &Context<'_>, m: &mut Mind, members: &Members, fear: f32, cr: &mut CellRest) {
    let children = members.children_8_to_17();
    m.fear = if cr.calm {
        rest::fear_offset(fear, cr.accum, sensitivity(ctx, children))
    } else {
        fear
    };
    m.rest_since = ctx.tick as u16;
    m.set(flags::RESTING, true);
    m.set(flags::WITH_CHILDREN, children > 0);
    cr.households += 1;
    cr.persons += members.total();
    cr.children += children;
    if m.mark != crate::households::Mark::None {
        cr.marked += 1;
    }
}

/// A household at rest that was picked, or whose fear reached its threshold (`afraid`), decides
/// from its picks. Returns true if it is no longer at rest and still in the country.
#[allow(clippy::too_many_arguments)]
fn decide_at_rest(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &mut Members,
    cr: &mut CellRest,
    picked: Picked,
    afraid: bool,
    out: &mut ChunkDecisions,
) -> bool {
    // Most picks for an event are settled by the household's own bound, without waking it, as
    // decide_household would settle them.
    if let Picked {
        event_draw: Some(u),
        job_loss: false,
        labour: None,
    } = picked
        && !afraid
    {
        let c = ctx.cell[h] as usize;
        if u >= ctx.event_bounds[c].bound(members.total(), extortion_weight(ctx, h, m)) {
            return false;
        }
    }
    let children = members.children_8_to_17();
    if cr.calm {
        let s = sensitivity(ctx, children);
        m.fear = rest::lazy_fear(
            m.fear,
            m.rest_since,
            ctx.tick,
            cr.accum,
            s,
            ctx.rest.fear_decay,
        );
    }
    m.strain = caught_up_strain(ctx, m);
    leave_rest(m, members, cr);
    let requests = (out.flights.len(), out.relodge.len(), out.returns.len());
    decide_household(ctx, h, m, members, out, Mode::Resting(picked));
    let asked = requests != (out.flights.len(), out.relodge.len(), out.returns.len());
    let home = ctx.origin[h];
    if !asked
        && rest::may_rest(m, ctx.cell[h] == home, |g| {
            ctx.world.claims_of(home).contains(&g)
        })
        && (m.fear < ctx.threshold_floor || f64::from(m.fear) < fear_threshold(ctx, h))
    {
        let fear = m.fear;
        rest_from_now(ctx, m, members, fear, cr);
        return false;
    }
    m.status.is_present()
}

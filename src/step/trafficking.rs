//! Who is trafficked, and for what. Women and girls are "considered most vulnerable"; men and
//! boys are victims "mainly related to labour exploitation, forced recruitment and irregular
//! migration" (brief 6.3); the forms follow the Palermo Protocol's purposes (brief 6.1).

use crate::households::{Members, Sex};
use crate::metrics::{TraffickingForm, TraffickingSetting, TraffickingTally};
use crate::rng::Draws;
use crate::scenario::TraffickingSpec;

/// The form of exploitation of a case with a victim of `sex`, from `trafficking.forms_*`.
pub fn form_of(spec: &TraffickingSpec, sex: Sex, u: f64) -> TraffickingForm {
    let weights = match sex {
        Sex::Female => spec.forms_female.as_array(),
        Sex::Male => spec.forms_male.as_array(),
    };
    crate::rng::weighted_index(&weights, u)
        .map_or(TraffickingForm::Sexual, |i| TraffickingForm::ALL[i])
}

/// Books a case in `setting`: the victim is drawn from `members` by `multipliers` (a woman or
/// girl when no member can be drawn: all are under 5), its form by its sex.
pub fn book_case(
    spec: &TraffickingSpec,
    tally: &mut TraffickingTally,
    setting: TraffickingSetting,
    members: &Members,
    multipliers: &[f64; 14],
    time_band: Option<usize>,
    draws: &mut Draws,
) {
    let weights = members.weighted(multipliers);
    let sex = Members::pick(&weights, draws.unit()).map_or(Sex::Female, |(_, sex)| sex);
    book_case_of(spec, tally, setting, sex, time_band, draws);
}

/// Books a case with a victim of `sex`, its form drawn by sex.
pub fn book_case_of(
    spec: &TraffickingSpec,
    tally: &mut TraffickingTally,
    setting: TraffickingSetting,
    sex: Sex,
    time_band: Option<usize>,
    draws: &mut Draws,
) {
    let form = form_of(spec, sex, draws.unit());
    tally.case(setting, sex == Sex::Female, form, time_band);
}

/// The sex of a member sent to kin who is trafficked. Who is away is kept as counts (members,
/// minors, women and girls), not per person: the victim is female with the odds
/// `trafficking.female_weight` × women and girls away to men and boys away.
pub fn away_victim_sex(spec: &TraffickingSpec, away: u8, away_female: u8, u: f64) -> Sex {
    let female = spec.female_weight * f64::from(away_female.min(away));
    let male = f64::from(away.saturating_sub(away_female));
    if u * (female + male) < female {
        Sex::Female
    } else {
        Sex::Male
    }
}

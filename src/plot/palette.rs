//! Colours: the Okabe-Ito palette (safe for the common forms of colour blindness), assigned once
//! to each controller kind, status and trigger so that they mean the same in every figure.

use plotters::style::RGBColor;

pub const BLACK: RGBColor = RGBColor(0, 0, 0);
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
pub const GREY: RGBColor = RGBColor(153, 153, 153);
/// Extra hues (from Paul Tol's palette) for series beyond eight.
pub const WINE: RGBColor = RGBColor(136, 34, 85);
pub const TEAL: RGBColor = RGBColor(68, 170, 153);
pub const OLIVE: RGBColor = RGBColor(153, 153, 51);

/// Household statuses, in the order of `timeseries.csv`.
pub fn status(name: &str) -> RGBColor {
    match name {
        "resident" => BLUE,
        "self_contained" => ORANGE,
        "displaced" => VERMILLION,
        "abroad" => PURPLE,
        _ => BLACK,
    }
}

/// Triggers, in the order of `timeseries.csv` (grey is kept for calibration targets).
pub fn trigger(name: &str) -> RGBColor {
    match name {
        "extortion" => VERMILLION,
        "sexual_violence" => PURPLE,
        "property_seizure" => ORANGE,
        "homicide" => BLACK,
        "recruitment" => BLUE,
        "threat_informant" => WINE,
        "targeted_profile" => YELLOW,
        "mass_expulsion" => GREEN,
        "diffuse_insecurity" => SKY_BLUE,
        "livelihood_loss" => OLIVE,
        _ => TEAL,
    }
}

/// Controllers of neighbourhoods.
pub fn controller(kind: &str) -> RGBColor {
    match kind {
        "street_gang" => VERMILLION,
        "trafficking_group" => GREEN,
        "cartel" => PURPLE,
        "autodefensa" => OLIVE,
        "contested" => YELLOW,
        _ => SKY_BLUE,
    }
}

//! Colours for the lab's figures: the Okabe–Ito palette, which readers with
//! any common colour-vision deficiency can tell apart, with grey in place
//! of its yellow (unreadable on white).

use plotters::style::RGBColor;

/// Eight distinguishable colours, then they repeat.
const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(150, 150, 150), // grey (in yellow's place)
];

/// The `i`-th colour of the palette (cycling).
pub fn colour(i: usize) -> RGBColor {
    OKABE_ITO[i % OKABE_ITO.len()]
}

/// A pale version of `colour(i)` for filled areas of 2-D maps, mixed with
/// white so that black overlays stay readable on it.
pub fn pale(i: usize) -> RGBColor {
    let RGBColor(r, g, b) = colour(i);
    let mix = |c: u8| ((c as u16 + 2 * 255) / 3) as u8;
    RGBColor(mix(r), mix(g), mix(b))
}

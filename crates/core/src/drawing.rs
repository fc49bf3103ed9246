//! One drawing of a pose as lines and circles, written out as SVG or as braille text.
//!
//! Every front end draws the same [`shapes`]: the TUI on a ratatui canvas, the CLI and the docs
//! through [`braille`] and [`svg`]. Both writers are deterministic: the same pose gives the same
//! text, byte for byte.

use std::fmt::Write as _;

use serde::Serialize;

use crate::figure::{Figure, HEAD_RADIUS, Joint, Prop, ROLLER_RADIUS, TOWEL_RADIUS, View};
use crate::pose::{Bounds, CHAIR_HALF, Posed, WALL_HEIGHT, Xy};

/// How a shape is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tone {
    /// The body, or the limbs nearer the viewer.
    Near,
    /// The limbs further from the viewer in a side view.
    Far,
    /// Floor, chair, wall, roller, towel.
    Prop,
}

/// A line or a circle, in figure units (y up).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "shape", rename_all = "kebab-case")]
pub enum Shape {
    /// A straight line.
    Line {
        /// One end.
        from: Xy,
        /// The other end.
        to: Xy,
        /// How it is drawn.
        tone: Tone,
    },
    /// A circle.
    Circle {
        /// Its middle.
        centre: Xy,
        /// Its radius.
        radius: f32,
        /// How it is drawn.
        tone: Tone,
    },
}

const LIMBS: [(Joint, Joint); 8] = [
    (Joint::RightShoulder, Joint::RightElbow),
    (Joint::RightElbow, Joint::RightHand),
    (Joint::LeftShoulder, Joint::LeftElbow),
    (Joint::LeftElbow, Joint::LeftHand),
    (Joint::Hips, Joint::RightKnee),
    (Joint::RightKnee, Joint::RightFoot),
    (Joint::Hips, Joint::LeftKnee),
    (Joint::LeftKnee, Joint::LeftFoot),
];

/// The shapes of `pose` of `figure`, back to front: props, far limbs, spine, near limbs, head.
pub fn shapes(figure: &Figure, pose: &Posed) -> Vec<Shape> {
    let mut out = Vec::with_capacity(24);
    let bounds = figure.bounds();
    let flip = |x: f32| if pose.mirrored { bounds.min_x + bounds.max_x - x } else { x };
    let line = |out: &mut Vec<Shape>, a: (f32, f32), b: (f32, f32)| {
        out.push(Shape::Line { from: Xy { x: flip(a.0), y: a.1 }, to: Xy { x: flip(b.0), y: b.1 }, tone: Tone::Prop });
    };
    for prop in &figure.props {
        match *prop {
            Prop::Floor if figure.view != View::Above => line(&mut out, (bounds.min_x, 0.0), (bounds.max_x, 0.0)),
            Prop::Floor => {}
            Prop::Chair { seat, back } => {
                let (x, y, back) = (f32::from(seat.0), f32::from(seat.1), f32::from(back.max(0)));
                let h = CHAIR_HALF;
                line(&mut out, (x - h, y), (x + h, y));
                line(&mut out, (x - h + 2.0, y), (x - h + 2.0, 0.0));
                line(&mut out, (x + h - 2.0, y), (x + h - 2.0, 0.0));
                if back > 0.0 && figure.view == View::Front {
                    line(&mut out, (x - h + 4.0, y), (x - h + 4.0, y + back));
                    line(&mut out, (x + h - 4.0, y), (x + h - 4.0, y + back));
                    line(&mut out, (x - h + 4.0, y + back), (x + h - 4.0, y + back));
                } else if back > 0.0 {
                    line(&mut out, (x - h, y), (x - h - 2.0, y + back));
                }
            }
            Prop::Wall { x } => line(&mut out, (f32::from(x), 0.0), (f32::from(x), WALL_HEIGHT)),
            Prop::FoamRoller { at } => out.push(Shape::Circle {
                centre: Xy { x: flip(f32::from(at.0)), y: f32::from(at.1) },
                radius: ROLLER_RADIUS,
                tone: Tone::Prop,
            }),
            Prop::Towel { at } => out.push(Shape::Circle {
                centre: Xy { x: flip(f32::from(at.0)), y: f32::from(at.1) },
                radius: TOWEL_RADIUS,
                tone: Tone::Prop,
            }),
        }
    }
    let j = |joint: Joint| pose.joints[joint as usize];
    // In a side view the person's left is away from the viewer, unless mirrored.
    let far_left = figure.view == View::Side && !pose.mirrored;
    let far_right = figure.view == View::Side && pose.mirrored;
    let tone = |joint: Joint| match (joint.is_left(), far_left, far_right) {
        (true, true, _) | (false, _, true) => Tone::Far,
        _ => Tone::Near,
    };
    let limb = |out: &mut Vec<Shape>, (a, b): (Joint, Joint)| {
        out.push(Shape::Line { from: j(a), to: j(b), tone: tone(b) });
    };
    for pair in LIMBS.iter().filter(|(_, b)| tone(*b) == Tone::Far) {
        limb(&mut out, *pair);
    }
    for (a, b) in [
        (Joint::Hips, Joint::Back),
        (Joint::Back, Joint::Neck),
        (Joint::Neck, Joint::RightShoulder),
        (Joint::Neck, Joint::LeftShoulder),
    ] {
        out.push(Shape::Line { from: j(a), to: j(b), tone: Tone::Near });
    }
    for pair in LIMBS.iter().filter(|(_, b)| tone(*b) == Tone::Near) {
        limb(&mut out, *pair);
    }
    let (neck, head) = (j(Joint::Neck), j(Joint::Head));
    let (dx, dy) = (head.x - neck.x, head.y - neck.y);
    let d = dx.hypot(dy);
    if d > HEAD_RADIUS {
        let k = (d - HEAD_RADIUS) / d;
        out.push(Shape::Line { from: neck, to: Xy { x: neck.x + dx * k, y: neck.y + dy * k }, tone: Tone::Near });
    }
    out.push(Shape::Circle { centre: head, radius: HEAD_RADIUS, tone: Tone::Near });
    out
}

/// The colour and width of each tone in SVG.
fn stroke(tone: Tone) -> (&'static str, f32) {
    match tone {
        Tone::Near => ("#1d3557", 5.0),
        Tone::Far => ("#8da9c4", 5.0),
        Tone::Prop => ("#9a8c7a", 3.0),
    }
}

/// A standalone SVG of `pose`, scaled to its box, titled `title` (for screen readers).
pub fn svg(figure: &Figure, pose: &Posed, title: &str) -> String {
    let b = figure.bounds();
    let mut s = String::with_capacity(2048);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {:.0} {:.0}\" role=\"img\" class=\"figure\">\n<title>{}</title>\n<g fill=\"none\" stroke-linecap=\"round\" stroke-linejoin=\"round\">\n",
        b.width(),
        b.height(),
        escape(title)
    );
    let at = |p: Xy| (p.x - b.min_x, b.max_y - p.y);
    for shape in shapes(figure, pose) {
        match shape {
            Shape::Line { from, to, tone } => {
                let ((x1, y1), (x2, y2), (colour, width)) = (at(from), at(to), stroke(tone));
                let _ = writeln!(
                    s,
                    "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{colour}\" stroke-width=\"{width}\"/>"
                );
            }
            Shape::Circle { centre, radius, tone } => {
                let ((cx, cy), (colour, width)) = (at(centre), stroke(tone));
                let _ = writeln!(
                    s,
                    "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{radius:.1}\" stroke=\"{colour}\" stroke-width=\"{width}\"/>"
                );
            }
        }
    }
    s.push_str("</g>\n</svg>\n");
    s
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The size in cells (columns, rows) that fits `bounds` inside `cols` × `rows` with square
/// braille dots (2 × 4 per cell), keeping its shape.
pub fn fit(bounds: Bounds, cols: u16, rows: u16) -> (u16, u16) {
    let scale = (f32::from(cols) * 2.0 / bounds.width()).min(f32::from(rows) * 4.0 / bounds.height());
    let w = (bounds.width() * scale / 2.0).ceil().clamp(1.0, f32::from(cols.max(1)));
    let h = (bounds.height() * scale / 4.0).ceil().clamp(1.0, f32::from(rows.max(1)));
    (w as u16, h as u16)
}

/// `pose` as braille text of at most `cols` × `rows` cells, one string per row.
pub fn braille(figure: &Figure, pose: &Posed, cols: u16, rows: u16) -> Vec<String> {
    let b = figure.bounds();
    let (w, h) = fit(b, cols, rows);
    let (dw, dh) = (usize::from(w) * 2, usize::from(h) * 4);
    let scale = (dw as f32 / b.width()).min(dh as f32 / b.height());
    let mut dots = vec![false; dw * dh];
    let mut plot = |p: Xy| {
        let x = ((p.x - b.min_x) * scale).floor();
        let y = ((b.max_y - p.y) * scale).floor();
        if x >= 0.0 && y >= 0.0 && (x as usize) < dw && (y as usize) < dh {
            dots[y as usize * dw + x as usize] = true;
        }
    };
    for shape in shapes(figure, pose) {
        match shape {
            Shape::Line { from, to, .. } => {
                let steps = ((to.x - from.x).hypot(to.y - from.y) * scale).ceil().max(1.0) as u32;
                for i in 0..=steps {
                    let t = i as f32 / steps as f32;
                    plot(Xy { x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t });
                }
            }
            Shape::Circle { centre, radius, .. } => {
                let steps = (radius * scale * 8.0).ceil().max(8.0) as u32;
                for i in 0..steps {
                    let a = i as f32 / steps as f32 * std::f32::consts::TAU;
                    plot(Xy { x: centre.x + radius * a.cos(), y: centre.y + radius * a.sin() });
                }
            }
        }
    }
    const BITS: [[u32; 2]; 4] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]];
    (0..usize::from(h))
        .map(|row| {
            (0..usize::from(w))
                .map(|col| {
                    let mut bits = 0;
                    for (dy, pair) in BITS.iter().enumerate() {
                        for (dx, bit) in pair.iter().enumerate() {
                            if dots[(row * 4 + dy) * dw + col * 2 + dx] {
                                bits |= bit;
                            }
                        }
                    }
                    if bits == 0 { ' ' } else { char::from_u32(0x2800 + bits).unwrap_or(' ') }
                })
                .collect()
        })
        .collect()
}

//! The figure's pose at any moment of a session, computed from the session's view alone.
//!
//! A hold eases from the start pose into the held pose and stays; a rest eases back; a flow
//! moves to each position over the first part of its time (the breath) and settles there; timed
//! work (rolling) swings between its poses the whole time. A left side is the right mirrored.

use serde::Serialize;

use crate::figure::{Figure, HEAD_RADIUS, JOINTS, Prop, ROLLER_RADIUS, TOWEL_RADIUS, View};
use crate::session::{Phase, SessionView};
use crate::stretch::{Dose, Side, Stretch};

/// A point of a drawn pose, in figure units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Xy {
    /// Across, to the right.
    pub x: f32,
    /// Up.
    pub y: f32,
}

impl Xy {
    fn lerp(self, to: Xy, t: f32) -> Xy {
        Xy { x: self.x + (to.x - self.x) * t, y: self.y + (to.y - self.y) * t }
    }
}

/// The box every pose and prop of a figure fits in, with a margin, in figure units.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Bounds {
    /// Left edge.
    pub min_x: f32,
    /// Bottom edge.
    pub min_y: f32,
    /// Right edge.
    pub max_x: f32,
    /// Top edge.
    pub max_y: f32,
}

impl Bounds {
    /// Width.
    pub fn width(self) -> f32 {
        self.max_x - self.min_x
    }

    /// Height.
    pub fn height(self) -> f32 {
        self.max_y - self.min_y
    }
}

/// The margin around a figure, in figure units.
const MARGIN: f32 = 6.0;

/// A pose ready to draw: every joint, and whether it is the mirrored (left) side.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Posed {
    /// Joints in [`crate::figure::Joint::ALL`] order.
    pub joints: [Xy; JOINTS],
    /// Whether the figure is mirrored (the left side of a stretch done on each side).
    pub mirrored: bool,
}

/// Whether poses glide into each other or jump (reduced motion).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Motion {
    /// Glide between poses.
    #[default]
    Smooth,
    /// Show each position's pose at once, with nothing in between.
    Still,
}

/// The pose at one moment, and whether it is still changing (a driver redraws only then).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shown {
    /// What to draw.
    pub pose: Posed,
    /// Whether the pose will differ a moment later.
    pub moving: bool,
}

/// Milliseconds to ease into a held pose (at most a third of the hold).
pub const HOLD_EASE_MS: u64 = 3_000;
/// Milliseconds to ease back to the start during a rest.
pub const REST_EASE_MS: u64 = 2_000;
/// Milliseconds of each swing of timed work (rolling up, rolling down).
pub const SWING_MS: u64 = 4_000;
/// The share of each flow position's time spent moving into it; the rest is a still pause.
pub const FLOW_MOVE_SHARE: (u64, u64) = (3, 5);
/// The name of the pose a figure may give for the rest between two holds on one side, drawn
/// when the stretch says what to do then (`Stretch::between_holds`).
pub const BETWEEN: &str = "Between";

/// The pose of `stretch` for `view`, when the view is on that stretch and it has a figure.
pub fn pose_at(stretch: &Stretch, view: &SessionView, motion: Motion) -> Option<Shown> {
    let figure = stretch.figure.as_ref()?;
    (view.stretch.as_ref() == Some(&stretch.id)).then(|| figure.at(&stretch.dose, view, motion))
}

impl Figure {
    /// Key pose `index` (clamped) on `side`, without motion.
    pub fn key(&self, index: usize, side: Option<Side>) -> Posed {
        self.blend(index, index, 1.0, side)
    }

    /// The pose for `view` of a stretch with `dose`, from the phase's elapsed time.
    pub fn at(&self, dose: &Dose, view: &SessionView, motion: Motion) -> Shown {
        let len = view.phase_ms.unwrap_or(0);
        let elapsed = len.saturating_sub(view.remaining_ms.unwrap_or(len));
        let last = self.poses.len().saturating_sub(1);
        let still = motion == Motion::Still;
        let ease = |done: u64, over: u64| if still || done >= over { 1.0 } else { smooth(done as f32 / over as f32) };
        let (from, to, t, always, side) = match view.phase {
            Phase::Active { .. } => match dose {
                Dose::Flow { positions, cycles, .. } if !positions.is_empty() => {
                    let n = positions.len().max(1) as u64;
                    let count = n * u64::from(cycles.get());
                    let each = (len / count).max(1);
                    let k = (elapsed / each).min(count - 1);
                    let pose = |k: u64| {
                        let name = &positions[(k % n) as usize].name;
                        self.pose_named(name).unwrap_or(last.min(1 + (k % n) as usize))
                    };
                    let from = if k == 0 { 0 } else { pose(k - 1) };
                    let over = each * FLOW_MOVE_SHARE.0 / FLOW_MOVE_SHARE.1;
                    (from, pose(k), ease(elapsed - k * each, over), false, view.side)
                }
                Dose::Timed { .. } => {
                    let swing: Vec<usize> = if last == 0 { vec![0] } else { (1..=last).collect() };
                    let k = elapsed / SWING_MS;
                    let from = if k == 0 { 0 } else { swing[((k - 1) % swing.len() as u64) as usize] };
                    let to = swing[(k % swing.len() as u64) as usize];
                    (from, to, ease(elapsed % SWING_MS, SWING_MS), swing.len() > 1, view.side)
                }
                _ => (0, last, ease(elapsed, HOLD_EASE_MS.min(len / 3)), false, view.side),
            },
            Phase::Rest { next_hold, .. } => {
                let side = dose.side_of(next_hold.saturating_sub(1));
                // A stretch that says what to do between its holds may draw it, as a pose named
                // "Between" (still lying over the roll); otherwise the rest eases to the start.
                let to = view.between_holds.as_ref().and_then(|_| self.pose_named(BETWEEN)).unwrap_or(0);
                (last, to, ease(elapsed, REST_EASE_MS), false, side)
            }
            _ => (0, 0, 1.0, false, view.side),
        };
        let moving = !still && !view.paused && view.phase_ms.is_some() && (t < 1.0 || always);
        Shown { pose: self.blend(from, to, t, side), moving }
    }

    fn blend(&self, from: usize, to: usize, t: f32, side: Option<Side>) -> Posed {
        let last = self.poses.len().saturating_sub(1);
        let mirrored = side == Some(Side::Left);
        let mut joints = [Xy::default(); JOINTS];
        let (Some(a), Some(b)) = (self.poses.get(from.min(last)), self.poses.get(to.min(last))) else {
            return Posed { joints, mirrored };
        };
        let centre = if mirrored {
            let b = self.bounds();
            b.min_x + b.max_x
        } else {
            0.0
        };
        for ((out, p), q) in joints.iter_mut().zip(a.joints()).zip(b.joints()) {
            let xy = point(p).lerp(point(q), t);
            *out = if mirrored { Xy { x: centre - xy.x, y: xy.y } } else { xy };
        }
        Posed { joints, mirrored }
    }

    /// The box every pose and prop fits in, with a margin; a mirrored pose fits it too.
    pub fn bounds(&self) -> Bounds {
        let mut b = Bounds { min_x: f32::MAX, min_y: f32::MAX, max_x: f32::MIN, max_y: f32::MIN };
        let mut add = |x: f32, y: f32, r: f32| {
            b.min_x = b.min_x.min(x - r);
            b.max_x = b.max_x.max(x + r);
            b.min_y = b.min_y.min(y - r);
            b.max_y = b.max_y.max(y + r);
        };
        for pose in &self.poses {
            for (i, p) in pose.joints().into_iter().enumerate() {
                add(f32::from(p.0), f32::from(p.1), if i == 0 { HEAD_RADIUS } else { 0.0 });
            }
        }
        for prop in &self.props {
            match *prop {
                Prop::Floor => add(0.0, 0.0, 0.0),
                Prop::Chair { seat, back } => {
                    let (x, y) = (f32::from(seat.0), f32::from(seat.1));
                    add(x - CHAIR_HALF, 0.0, 0.0);
                    add(x + CHAIR_HALF, y + f32::from(back.max(0)), 0.0);
                }
                Prop::Wall { x } => {
                    add(f32::from(x), 0.0, 0.0);
                }
                Prop::FoamRoller { at } => add(f32::from(at.0), f32::from(at.1), ROLLER_RADIUS),
                Prop::Towel { at } => add(f32::from(at.0), f32::from(at.1), TOWEL_RADIUS),
            }
        }
        if b.min_x > b.max_x {
            return Bounds { min_x: 0.0, min_y: 0.0, max_x: 1.0, max_y: 1.0 };
        }
        if self.props.iter().any(|p| matches!(p, Prop::Wall { .. })) {
            b.max_y = b.max_y.max(WALL_HEIGHT);
        }
        if self.view != View::Above && self.props.contains(&Prop::Floor) {
            b.min_y = b.min_y.min(0.0);
        }
        Bounds { min_x: b.min_x - MARGIN, min_y: b.min_y - MARGIN, max_x: b.max_x + MARGIN, max_y: b.max_y + MARGIN }
    }
}

/// Half the width of a chair's seat, in figure units.
pub const CHAIR_HALF: f32 = 20.0;
/// How high a wall is drawn, in figure units.
pub const WALL_HEIGHT: f32 = 180.0;

fn point(p: crate::figure::Point) -> Xy {
    Xy { x: f32::from(p.0), y: f32::from(p.1) }
}

/// Smoothstep: starts and ends gently.
fn smooth(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

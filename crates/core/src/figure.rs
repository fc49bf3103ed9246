//! A stretch's figure as data: key poses of a stick body plus the props around it, and their checks.
//!
//! Coordinates are whole units of about a centimetre, `x` to the right and `y` up, the floor at
//! `y = 0`. A side view shows the person from their right (they face right); a front view faces
//! the reader; a view from above shows a body lying on the floor.

use serde::{Deserialize, Serialize};

/// A point of a key pose, written `(x, y)` in RON.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Point(pub i16, pub i16);

/// Where the figure is seen from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum View {
    /// From the person's right: they face right.
    #[serde(alias = "Side")]
    Side,
    /// From the front: for turns of the chest.
    #[serde(alias = "Front")]
    Front,
    /// From above: for stretches lying on the floor that move along it.
    #[serde(alias = "Above")]
    Above,
}

/// Something drawn around the body. Sizes are fixed; only places are given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", rename_all_fields = "kebab-case")]
pub enum Prop {
    /// The floor, a line at `y = 0`.
    #[serde(alias = "Floor")]
    Floor,
    /// A chair: `seat` is the middle of the seat; `back` how far its back rises above the seat
    /// (0 for a stool). In a side view the back is behind the person (on the left).
    #[serde(alias = "Chair")]
    Chair {
        /// The middle of the seat.
        seat: Point,
        /// Height of the back above the seat.
        back: i16,
    },
    /// A wall, a vertical line at `x`.
    #[serde(alias = "Wall")]
    Wall {
        /// Where the wall stands.
        x: i16,
    },
    /// A foam roller lying across the floor, seen end on: `at` is its middle.
    #[serde(alias = "FoamRoller")]
    FoamRoller {
        /// Its middle.
        at: Point,
    },
    /// A rolled towel seen end on: `at` is its middle.
    #[serde(alias = "Towel")]
    Towel {
        /// Its middle.
        at: Point,
    },
}

/// The radius of a foam roller, in figure units.
pub const ROLLER_RADIUS: f32 = 8.0;
/// The radius of a rolled towel, in figure units.
pub const TOWEL_RADIUS: f32 = 5.0;
/// The radius of the head, in figure units.
pub const HEAD_RADIUS: f32 = 9.0;

/// The joints of the body, in the order every pose lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Joint {
    /// The middle of the head.
    Head,
    /// The base of the neck, where the spine starts.
    Neck,
    /// The right shoulder.
    RightShoulder,
    /// The left shoulder.
    LeftShoulder,
    /// The middle of the back (the thoracic spine), where the spine bends.
    Back,
    /// The hips, where the spine ends and the legs start.
    Hips,
    /// The right elbow.
    RightElbow,
    /// The right hand.
    RightHand,
    /// The left elbow.
    LeftElbow,
    /// The left hand.
    LeftHand,
    /// The right knee.
    RightKnee,
    /// The right foot.
    RightFoot,
    /// The left knee.
    LeftKnee,
    /// The left foot.
    LeftFoot,
}

/// How many joints a pose has.
pub const JOINTS: usize = 14;

impl Joint {
    /// Every joint, in pose order.
    pub const ALL: [Joint; JOINTS] = [
        Joint::Head,
        Joint::Neck,
        Joint::RightShoulder,
        Joint::LeftShoulder,
        Joint::Back,
        Joint::Hips,
        Joint::RightElbow,
        Joint::RightHand,
        Joint::LeftElbow,
        Joint::LeftHand,
        Joint::RightKnee,
        Joint::RightFoot,
        Joint::LeftKnee,
        Joint::LeftFoot,
    ];

    /// Whether the joint belongs to the left arm or leg.
    pub fn is_left(self) -> bool {
        matches!(self, Joint::LeftShoulder | Joint::LeftElbow | Joint::LeftHand | Joint::LeftKnee | Joint::LeftFoot)
    }
}

/// A part of the body between two joints whose length stays the same in every pose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bone {
    /// Neck to head.
    Head,
    /// Neck to mid back.
    UpperSpine,
    /// Mid back to hips.
    LowerSpine,
    /// Right shoulder to elbow.
    RightUpperArm,
    /// Right elbow to hand.
    RightForearm,
    /// Left shoulder to elbow.
    LeftUpperArm,
    /// Left elbow to hand.
    LeftForearm,
    /// Hips to right knee.
    RightThigh,
    /// Right knee to foot.
    RightShin,
    /// Hips to left knee.
    LeftThigh,
    /// Left knee to foot.
    LeftShin,
}

impl Bone {
    /// Every bone whose length is checked.
    pub const ALL: [Bone; 11] = [
        Bone::Head,
        Bone::UpperSpine,
        Bone::LowerSpine,
        Bone::RightUpperArm,
        Bone::RightForearm,
        Bone::LeftUpperArm,
        Bone::LeftForearm,
        Bone::RightThigh,
        Bone::RightShin,
        Bone::LeftThigh,
        Bone::LeftShin,
    ];

    /// The joints it joins.
    pub fn ends(self) -> (Joint, Joint) {
        match self {
            Bone::Head => (Joint::Neck, Joint::Head),
            Bone::UpperSpine => (Joint::Neck, Joint::Back),
            Bone::LowerSpine => (Joint::Back, Joint::Hips),
            Bone::RightUpperArm => (Joint::RightShoulder, Joint::RightElbow),
            Bone::RightForearm => (Joint::RightElbow, Joint::RightHand),
            Bone::LeftUpperArm => (Joint::LeftShoulder, Joint::LeftElbow),
            Bone::LeftForearm => (Joint::LeftElbow, Joint::LeftHand),
            Bone::RightThigh => (Joint::Hips, Joint::RightKnee),
            Bone::RightShin => (Joint::RightKnee, Joint::RightFoot),
            Bone::LeftThigh => (Joint::Hips, Joint::LeftKnee),
            Bone::LeftShin => (Joint::LeftKnee, Joint::LeftFoot),
        }
    }

    /// The bone in plain words.
    pub fn label(self) -> &'static str {
        match self {
            Bone::Head => "neck to head",
            Bone::UpperSpine => "upper spine",
            Bone::LowerSpine => "lower spine",
            Bone::RightUpperArm => "right upper arm",
            Bone::RightForearm => "right forearm",
            Bone::LeftUpperArm => "left upper arm",
            Bone::LeftForearm => "left forearm",
            Bone::RightThigh => "right thigh",
            Bone::RightShin => "right shin",
            Bone::LeftThigh => "left thigh",
            Bone::LeftShin => "left shin",
        }
    }
}

/// One key pose: a name (a flow position's name, or e.g. `Start` and `Hold`) and every joint.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pose {
    /// The name: a flow position's name, or the start or held shape.
    pub name: String,
    /// The centre of the head.
    pub head: Point,
    /// The base of the neck.
    pub neck: Point,
    /// The right shoulder.
    pub right_shoulder: Point,
    /// The left shoulder.
    pub left_shoulder: Point,
    /// The middle of the back, where the thoracic spine bends.
    pub back: Point,
    /// The middle of the hips.
    pub hips: Point,
    /// The right elbow.
    pub right_elbow: Point,
    /// The right hand.
    pub right_hand: Point,
    /// The left elbow.
    pub left_elbow: Point,
    /// The left hand.
    pub left_hand: Point,
    /// The right knee.
    pub right_knee: Point,
    /// The right foot.
    pub right_foot: Point,
    /// The left knee.
    pub left_knee: Point,
    /// The left foot.
    pub left_foot: Point,
}

impl Pose {
    /// Every joint in [`Joint::ALL`] order.
    pub fn joints(&self) -> [Point; JOINTS] {
        [
            self.head,
            self.neck,
            self.right_shoulder,
            self.left_shoulder,
            self.back,
            self.hips,
            self.right_elbow,
            self.right_hand,
            self.left_elbow,
            self.left_hand,
            self.right_knee,
            self.right_foot,
            self.left_knee,
            self.left_foot,
        ]
    }

    /// The length of `bone` in this pose.
    pub fn length(&self, bone: Bone) -> f32 {
        let j = self.joints();
        let (a, b) = bone.ends();
        let (a, b) = (j[a as usize], j[b as usize]);
        (f32::from(a.0) - f32::from(b.0)).hypot(f32::from(a.1) - f32::from(b.1))
    }
}

/// A stretch's figure: the view, the props and the key poses (the first is where it starts).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    /// Where it is seen from.
    pub view: View,
    /// What is drawn around the body.
    #[serde(default)]
    pub props: Vec<Prop>,
    /// The key poses: the start first; then the held pose, or one per flow position by name.
    pub poses: Vec<Pose>,
}

/// A bone may be shorter than in its longest pose by this share, or [`LENGTH_SLACK_UNITS`].
pub const LENGTH_SLACK: f32 = 0.12;
/// In a front view a bone may point at the viewer and look shorter, down to this share (never longer).
pub const FRONT_SHORTEST: f32 = 0.4;
/// The smallest allowed difference in a bone's length, in figure units.
pub const LENGTH_SLACK_UNITS: f32 = 3.0;
/// How far from the floor's middle any point may be, in figure units.
pub const REACH: i16 = 400;

/// What is wrong with a figure.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FigureProblem {
    /// No poses at all.
    #[error("the figure has no poses: give at least the start")]
    NoPoses,
    /// Two poses with one name.
    #[error("two poses are named `{0}`")]
    DuplicatePose(String),
    /// A flow position without a pose.
    #[error("the flow position `{0}` has no pose of the same name")]
    MissingFlowPose(String),
    /// A bone that changes length between poses.
    #[error(
        "the {} is {length} long in pose `{pose}` but {expected} in `{first}`: a bone keeps its length in every pose (in a front view it may look shorter, down to {:.0} %)",
        bone.label(), FRONT_SHORTEST * 100.0
    )]
    BoneLength {
        /// The bone.
        bone: Bone,
        /// The pose where it differs.
        pose: String,
        /// Its length there, rounded.
        length: u32,
        /// The pose where it is longest.
        first: String,
        /// Its length there, rounded.
        expected: u32,
    },
    /// A point too far away to draw.
    #[error("pose `{pose}` has a point further than {REACH} units from the middle")]
    OutOfReach {
        /// The pose.
        pose: String,
    },
    /// A prop that does not fit the view.
    #[error("a {prop} cannot be drawn in a view from above")]
    PropInView {
        /// The prop in words.
        prop: &'static str,
    },
}

impl FigureProblem {
    /// The pose the problem is in, if it is in one.
    pub fn pose(&self) -> Option<&str> {
        match self {
            FigureProblem::DuplicatePose(p)
            | FigureProblem::BoneLength { pose: p, .. }
            | FigureProblem::OutOfReach { pose: p } => Some(p),
            _ => None,
        }
    }
}

impl Figure {
    /// Checks the figure for a stretch whose flow positions (empty for other doses) are `flow`.
    pub fn check<'a>(&self, flow: impl IntoIterator<Item = &'a str>) -> Vec<FigureProblem> {
        let mut problems = Vec::new();
        if self.poses.is_empty() {
            return vec![FigureProblem::NoPoses];
        };
        for (i, pose) in self.poses.iter().enumerate() {
            if self.poses[..i].iter().any(|p| p.name.eq_ignore_ascii_case(&pose.name)) {
                problems.push(FigureProblem::DuplicatePose(pose.name.clone()));
            }
            if pose.joints().iter().any(|p| p.0.abs() > REACH || p.1.abs() > REACH) {
                problems.push(FigureProblem::OutOfReach { pose: pose.name.clone() });
            }
        }
        for name in flow {
            if self.pose_named(name).is_none() {
                problems.push(FigureProblem::MissingFlowPose(name.to_owned()));
            }
        }
        let shortest = if self.view == View::Front { FRONT_SHORTEST } else { 1.0 - LENGTH_SLACK };
        for bone in Bone::ALL {
            let Some(longest) = self.poses.iter().max_by(|a, b| a.length(bone).total_cmp(&b.length(bone))) else {
                continue;
            };
            let expected = longest.length(bone);
            for pose in &self.poses {
                let length = pose.length(bone);
                if length < expected * shortest && expected - length > LENGTH_SLACK_UNITS {
                    problems.push(FigureProblem::BoneLength {
                        bone,
                        pose: pose.name.clone(),
                        length: length.round() as u32,
                        first: longest.name.clone(),
                        expected: expected.round() as u32,
                    });
                }
            }
        }
        if self.view == View::Above {
            for prop in &self.props {
                if let Prop::Chair { .. } | Prop::Wall { .. } = prop {
                    let prop = if matches!(prop, Prop::Chair { .. }) { "chair" } else { "wall" };
                    problems.push(FigureProblem::PropInView { prop });
                }
            }
        }
        problems
    }

    /// The index of the pose called `name` (ignoring case).
    pub fn pose_named(&self, name: &str) -> Option<usize> {
        self.poses.iter().position(|p| p.name.eq_ignore_ascii_case(name))
    }
}

//! The person's profile (equipment, positions avoided, weekly goal, voice and sound) and the
//! stretches set aside after sharp pain.

use limber_core::{Equipment, Position, Progress, StretchId};
use limber_store::{Profile, UserId};

use crate::{App, Error, Result};

/// The sessions a week a person may aim for.
pub const WEEKLY_GOALS: std::ops::RangeInclusive<u32> = 1..=14;

/// Changes to a profile; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ProfileChange {
    /// Equipment owned.
    pub equipment: Option<Vec<Equipment>>,
    /// Positions avoided.
    pub avoid: Option<Vec<Position>>,
    /// Sessions per week wanted.
    pub weekly_goal: Option<u32>,
    /// Speak cues by default.
    pub voice: Option<bool>,
    /// Ring the bell (or beep) at the start, the last seconds and the end of each hold.
    pub sound: Option<bool>,
}

impl ProfileChange {
    /// Whether anything would change.
    pub fn is_empty(&self) -> bool {
        self.equipment.is_none()
            && self.avoid.is_none()
            && self.weekly_goal.is_none()
            && self.voice.is_none()
            && self.sound.is_none()
    }
}

impl App {
    /// The person's profile as stored; a garbled one is [`Error::ProfileUnreadable`].
    pub(crate) async fn stored_profile(&self, user: UserId) -> Result<Profile> {
        self.store.profile(user).await.map_err(|e| match e {
            e @ limber_store::Error::Decode { .. } => Error::ProfileUnreadable(e.to_string()),
            e => Error::Store(e),
        })
    }

    /// The profile and the stretches set aside after sharp pain.
    pub async fn profile(&self, user: UserId) -> Result<(Profile, Vec<StretchId>)> {
        let profile = self.stored_profile(user).await?;
        let flagged = self.store.progression(user).await?.into_iter().filter(|(_, p)| p.flagged).map(|(id, _)| id);
        Ok((profile, flagged.collect()))
    }

    /// Applies `change` to the profile and saves it; returns the new profile.
    /// Nothing is saved when a value is out of range ([`Error::GoalOutOfRange`]).
    pub async fn update_profile(&self, user: UserId, change: ProfileChange) -> Result<Profile> {
        // A profile that cannot be read is replaced when both of its lists are given anew.
        let mut profile = match self.stored_profile(user).await {
            Err(Error::ProfileUnreadable(_)) if change.equipment.is_some() && change.avoid.is_some() => {
                Profile::default()
            }
            read => read?,
        };
        if let Some(mut e) = change.equipment {
            e.sort();
            e.dedup();
            profile.equipment = e;
        }
        if let Some(mut a) = change.avoid {
            a.sort();
            a.dedup();
            profile.avoid = a;
        }
        if let Some(goal) = change.weekly_goal {
            if !WEEKLY_GOALS.contains(&goal) {
                return Err(Error::GoalOutOfRange(goal));
            }
            profile.weekly_goal = goal;
        }
        if let Some(voice) = change.voice {
            profile.voice = voice;
        }
        if let Some(sound) = change.sound {
            profile.sound = sound;
        }
        self.store.save_profile(user, &profile).await?;
        Ok(profile)
    }

    /// [`App::set_aside`] from a terminal front end's own loop, at the press: it waits at most
    /// half a second, so a database held by another program (a long import, a backup) never
    /// holds up what the person presses next. Returns whether it was stored; if not, recording
    /// the session sets it aside, and says so if it cannot.
    pub async fn set_aside_at_press(&self, user: UserId, stretch: &StretchId) -> bool {
        const PRESS_WAIT: std::time::Duration = std::time::Duration::from_millis(500);
        matches!(tokio::time::timeout(PRESS_WAIT, self.set_aside(user, stretch)).await, Ok(Ok(())))
    }

    /// Sets `stretch` aside for `user` as soon as sharp pain is reported in a session that is
    /// not recorded yet (it still asks for the rating after): a session started meanwhile
    /// leaves it out. Recording the session sets it aside again, which changes nothing.
    pub async fn set_aside(&self, user: UserId, stretch: &StretchId) -> Result<()> {
        let low = self.library.stretch(stretch).map_or(0, |s| s.dose.range().low());
        Ok(self.store.set_aside(user, stretch, Progress::start(low)).await?)
    }

    /// Clears the sharp-pain flag on a stretch so plans include it again, from the start of its
    /// range (not at the hold that hurt).
    /// A stretch this limber's content lacks (set aside in an imported history) can be cleared
    /// too, by its id.
    pub async fn clear_flag(&self, user: UserId, stretch: &str) -> Result<bool> {
        let (id, low) = match self.stretch(stretch) {
            Ok(known) => (known.id.clone(), known.dose.range().low()),
            Err(unknown) => {
                // No range to go back to: its hold stays as stored (an export of it still imports).
                let id = StretchId::from(stretch.trim());
                match self.store.progression(user).await?.get(&id) {
                    Some(stored) if stored.flagged => (id, stored.hold_seconds),
                    _ => return Err(unknown),
                }
            }
        };
        Ok(self.store.clear_flag(user, &id, Progress::cleared(low)).await?)
    }
}

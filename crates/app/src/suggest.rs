//! Planning without starting, and the routine to suggest next: what a home screen shows before a session begins.

use limber_core::{Plan, RoutineId};
use limber_store::UserId;

use crate::{App, Result, StartRequest};

/// A routine as it would run for a person today.
#[derive(Clone, Debug)]
pub struct Preview {
    /// The routine.
    pub routine: RoutineId,
    /// Its plan for this person (equipment, positions, holds and flags from the profile).
    pub plan: Plan,
    /// When this person last did it, Unix milliseconds, if ever.
    pub last_done_ms: Option<i64>,
}

impl Preview {
    /// Whether every stretch of the routine is in the plan, as itself or as a swap.
    pub fn keeps_every_stretch(&self) -> bool {
        self.plan.adjustments.iter().all(|a| a.replaced_by.is_some())
    }
}

/// Every routine as a first session would plan it, before any history exists (the profile a
/// new person starts with, no holds grown, nothing set aside), in content order.
pub fn first_previews(library: &limber_core::Library) -> Vec<Preview> {
    let profile = limber_store::Profile::default();
    let options = crate::start::options_from(&StartRequest::default(), &profile, &Default::default());
    library
        .routines
        .iter()
        .filter_map(|r| {
            let plan = Plan::resolve(library, &r.id, &options).ok()?;
            Some(Preview { routine: r.id.clone(), plan, last_done_ms: None })
        })
        .collect()
}

impl App {
    /// Every routine as it would run for `user` today, in content order; a routine that
    /// cannot be planned at all is left out.
    pub async fn previews(&self, user: UserId) -> Result<Vec<Preview>> {
        let profile = self.stored_profile(user).await?;
        let mut out = Vec::new();
        for routine in &self.library.routines {
            let request = StartRequest { routine: routine.id.0.clone(), ..StartRequest::default() };
            let options = self.plan_options(user, &request, &profile).await?;
            let Ok(plan) = Plan::resolve(&self.library, &routine.id, &options) else { continue };
            let last_done_ms = self.store.last_done(user, &routine.id.0).await?;
            out.push(Preview { routine: routine.id.clone(), plan, last_done_ms });
        }
        Ok(out)
    }

    /// The routine to suggest next: of those that keep every stretch for this person (or of
    /// all, when none does), the one done least recently, never-done first, then content order.
    pub fn suggest(previews: &[Preview]) -> Option<&Preview> {
        let fitting: Vec<&Preview> = previews.iter().filter(|p| p.keeps_every_stretch()).collect();
        let pool = if fitting.is_empty() { previews.iter().collect() } else { fitting };
        // `min_by_key` keeps the first of equals, so content order breaks ties.
        pool.into_iter().min_by_key(|p| p.last_done_ms.map_or(i64::MIN, |ms| ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::Local;

    #[test]
    fn suggests_what_fits_and_was_done_least_recently() {
        let dir = tempfile::tempdir().expect("temp dir");
        let local = Local::open(None, Some(dir.path())).expect("open");
        let previews = local.block_on(local.app.previews(local.user)).expect("previews");
        assert_eq!(previews.len(), local.app.library().routines.len());
        let first = App::suggest(&previews).expect("a suggestion");
        assert!(first.keeps_every_stretch());
        assert!(first.last_done_ms.is_none());

        // Once the suggested routine has been done, another one is suggested.
        let mut later = previews.clone();
        for p in &mut later {
            if p.routine == first.routine {
                p.last_done_ms = Some(1_000);
            }
        }
        let next = App::suggest(&later).expect("a suggestion");
        assert_ne!(next.routine, first.routine);
        assert!(next.plan.total_time().as_secs() > 0);
    }
}

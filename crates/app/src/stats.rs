//! Statistics: the week against the goal, the streak, each stretch's hold, and pain over time
//! with its trend.

use jiff::tz::TimeZone;
use serde::Serialize;

use futures_util::TryStreamExt;
use limber_core::progress::{RatedDay, STOPS_DAYS, TREND_LATEST, pain_trend_of_ends};
use limber_core::{Adherence, AdherenceWalk, PainTrend, Progress, StopReason, StretchId};
use limber_store::{DAY_MS, PainEnds, Rating, SessionRecord, Tallies, UserId};

use crate::{AHEAD_MS, App, Result, when};

/// Statistics for one person.
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    /// Sessions in all.
    pub sessions: usize,
    /// This week against the goal, and the streak.
    pub adherence: Adherence,
    /// Each stretch's hold and flag.
    pub holds: Vec<HoldStat>,
    /// The trend of "before" pain ratings.
    pub pain_trend: PainTrend,
    /// The latest sessions rated before they began (up to [`PAIN_CHART_RATINGS`]), oldest
    /// first: what a chart of pain over time draws.
    pub pain_ratings: Vec<Rating>,
}

/// How many of the latest rated sessions [`Stats::pain_ratings`] holds.
pub const PAIN_CHART_RATINGS: u32 = 60;

/// One stretch's progression, for statistics.
#[derive(Clone, Debug, Serialize)]
pub struct HoldStat {
    /// The stretch.
    pub stretch: StretchId,
    /// Its name, when the content still has it.
    pub name: Option<String>,
    /// Seconds per hold reached.
    pub hold_seconds: u32,
    /// Its hold range, when known.
    pub range: Option<(u32, u32)>,
    /// Set aside after sharp pain.
    pub flagged: bool,
}

impl App {
    /// This week against the goal with the streak, and the pain trend, as they stand now.
    pub(crate) async fn standing(&self, user: UserId, tz: &TimeZone) -> Result<(Adherence, PainTrend)> {
        let profile = self.stored_profile(user).await?;
        let tallies = self.store.tallies(user).await?;
        Ok((self.adherence(user, profile.weekly_goal, tz).await?, self.trend(user, &tallies, tz).await?))
    }

    /// The sessions that count toward the goal in each of the last `weeks` local weeks, this
    /// week first: reads them newest first, only as far back as that.
    pub async fn sessions_per_week(&self, user: UserId, weeks: usize, tz: &TimeZone) -> Result<Vec<u64>> {
        let now = when::now_ms();
        let this_week = when::week_number(now, tz);
        let mut per_week = vec![0_u64; weeks];
        let mut starts = self.store.goal_session_starts(user);
        while let Some(ms) = starts.try_next().await? {
            // Dated more than an hour ahead: not happened yet (as in `adherence`).
            if ms > now.saturating_add(AHEAD_MS) {
                continue;
            }
            let back = this_week - when::week_number(ms, tz);
            match usize::try_from(back).ok().and_then(|b| per_week.get_mut(b)) {
                Some(n) => *n += 1,
                // A session dated ahead (a clock set wrong): in no week shown.
                None if back < 0 => {}
                None => break,
            }
        }
        Ok(per_week)
    }

    /// This week against `goal` and the streak, in local weeks: reads the sessions that count,
    /// newest first, only as far back as the streak goes.
    pub async fn adherence(&self, user: UserId, goal: u32, tz: &TimeZone) -> Result<Adherence> {
        let now = when::now_ms();
        let mut walk = AdherenceWalk::new(goal, when::week_number(now, tz));
        let mut starts = self.store.goal_session_starts(user);
        while let Some(ms) = starts.try_next().await? {
            // One dated more than an hour ahead (a clock set wrong, here or on the device an
            // import came from) has not happened yet: it counts in no week until it has.
            if ms > now.saturating_add(AHEAD_MS) {
                continue;
            }
            if !walk.push(when::week_number(ms, tz)) {
                break;
            }
        }
        Ok(walk.finish())
    }

    /// The trend of pain ratings, by local day, from the first rated session and the latest
    /// three.
    pub(crate) async fn trend(&self, user: UserId, tallies: &Tallies, tz: &TimeZone) -> Result<PainTrend> {
        self.trend_with(user, tallies, tz, None).await
    }

    /// [`App::trend`] as it will stand once `this` session (not stored yet) is.
    pub(crate) async fn trend_with(
        &self,
        user: UserId,
        tallies: &Tallies,
        tz: &TimeZone,
        this: Option<&SessionRecord>,
    ) -> Result<PainTrend> {
        // Sessions dated ahead (a clock set wrong, here or on another device) are left out: one
        // would stand as the latest until that date and hide every rating after it.
        let now = when::now_ms();
        let until = now.saturating_add(AHEAD_MS);
        let ends = self.store.pain_ends(user, TREND_LATEST, until).await?;
        self.trend_of(user, &ends, tallies, tz, this).await
    }

    /// The pain trend from `ends` already read (core reads their latest [`TREND_LATEST`]), with
    /// `this` session (not stored yet) when given.
    async fn trend_of(
        &self,
        user: UserId,
        ends: &PainEnds,
        tallies: &Tallies,
        tz: &TimeZone,
        this: Option<&SessionRecord>,
    ) -> Result<PainTrend> {
        let now = when::now_ms();
        let until = now.saturating_add(AHEAD_MS);
        let stops = self.store.pain_stops(user, now.saturating_sub(STOPS_DAYS * DAY_MS), until).await?;
        let day = |r: &Rating| RatedDay {
            day: when::day_number(r.started_at_ms, tz),
            before: r.pain_before,
            after: r.pain_after,
        };
        let mut latest: Vec<RatedDay> = ends.latest.iter().map(day).collect();
        let mut rated = usize::try_from(tallies.rated()).unwrap_or(usize::MAX);
        let (mut first, mut lowest, mut stops) = (ends.first.as_ref().map(day), ends.lowest_lately, stops);
        if let Some(this) = this {
            if let Some(before) = this.pain_before {
                let rating =
                    Rating { started_at_ms: this.started_at_ms, pain_before: before, pain_after: this.pain_after };
                latest.push(day(&rating));
                rated = rated.saturating_add(1);
                first = first.or(Some(day(&rating)));
                lowest = Some(lowest.map_or(before, |low| low.min(before)));
            }
            if matches!(this.stopped, Some(StopReason::SharpPain | StopReason::Pain)) {
                stops = stops.saturating_add(1);
            }
        }
        Ok(pain_trend_of_ends(rated, first, &latest, lowest, stops))
    }

    /// This week, the streak, each stretch's hold and the pain trend.
    pub async fn stats(&self, user: UserId) -> Result<Stats> {
        let tz = when::zone();
        let profile = self.stored_profile(user).await?;
        let tallies = self.store.tallies(user).await?;
        let progression = self.store.progression(user).await?;
        // One read serves both the chart and the trend (which reads the newest few of them).
        // Sessions dated ahead are left out of both.
        let until = when::now_ms().saturating_add(AHEAD_MS);
        let ends = self.store.pain_ends(user, PAIN_CHART_RATINGS, until).await?;
        let holds = progression
            .iter()
            .map(|(id, p): (&StretchId, &Progress)| {
                let stretch = self.library.stretch(id);
                HoldStat {
                    stretch: id.clone(),
                    name: stretch.map(|s| s.name.clone()),
                    hold_seconds: p.hold_seconds,
                    range: stretch.map(|s| (s.dose.range().low(), s.dose.range().high())),
                    flagged: p.flagged,
                }
            })
            .collect();
        Ok(Stats {
            sessions: usize::try_from(tallies.sessions).unwrap_or(usize::MAX),
            adherence: self.adherence(user, profile.weekly_goal, &tz).await?,
            holds,
            pain_trend: self.trend_of(user, &ends, &tallies, &tz, None).await?,
            pain_ratings: ends.latest,
        })
    }
}

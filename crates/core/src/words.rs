//! Every sentence a session says, composed in one place from content so a translation can replace it.

use crate::plan::{Choice, WarmUpPlan};
use crate::session::{Comfort, ItemRecord};
use crate::stretch::{Dose, Side};

pub(crate) fn warm_up(w: &WarmUpPlan) -> String {
    let minutes = w.seconds.div_ceil(60);
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    let longer = w.up_to_minutes.filter(|&up_to| up_to > minutes).map(|up_to| format!(", up to {up_to} if you like,"));
    format!(
        "Warm up for {minutes} {unit}{} with light movement: {}. Keep it easy; you should still be able to talk.",
        longer.unwrap_or_default(),
        w.activities.join(" or ")
    )
}

pub(crate) fn warm_up_halfway() -> String {
    "Halfway through the warm-up. Keep it light and keep breathing easily.".to_owned()
}

pub(crate) fn warm_up_done() -> String {
    "Warm-up done. The stretches come next.".to_owned()
}

pub(crate) fn next_up(choice: &Choice, number: usize, of: usize) -> String {
    let s = &choice.stretch;
    let mut text = format!("Next up, stretch {number} of {of}: {}. {}", s.name, s.summary);
    if !s.equipment.is_empty() {
        let needs: Vec<&str> = s.equipment.iter().map(|e| e.label()).collect();
        text.push_str(&format!(" You need {}.", needs.join(" and ")));
    }
    text.push_str(&format!(" Dose: {}.", describe_choice(choice)));
    text
}

pub(crate) fn describe_choice(choice: &Choice) -> String {
    choice.stretch.dose.describe_with(&choice.seconds.to_string())
}

pub(crate) fn step(number: usize, text: &str) -> String {
    format!("Step {number}. {text}")
}

pub(crate) fn caution(text: &str) -> String {
    format!("Take care: {text}")
}

/// The reply to "start" while `unsaid` cautions of the stretch are still to be read: the count
/// waits for them, and the person is told so rather than left wondering why it has not begun.
pub(crate) fn count_after_cautions(unsaid: usize) -> String {
    match unsaid {
        1 => "Ready. One caution first, then we count in.".to_owned(),
        n => format!("Ready. {n} cautions first, then we count in."),
    }
}

pub(crate) fn waiting_for_start() -> String {
    "Get into position, then start when you are ready.".to_owned()
}

pub(crate) fn get_ready(n: u32) -> String {
    format!("Get ready. {n}")
}

pub(crate) fn count(n: u32) -> String {
    n.to_string()
}

pub(crate) fn begin(choice: &Choice, side: Option<Side>, repetition: u32, reps: u32) -> String {
    let s = &choice.stretch;
    let which = match (side, reps) {
        (Some(side), 1) => format!(" — {} side", side.label()),
        (Some(side), n) => format!(" — {} side, {repetition} of {n}", side.label()),
        (None, 1) => String::new(),
        (None, n) => format!(" — {repetition} of {n}"),
    };
    match &s.dose {
        Dose::Hold { .. } => format!("Hold for {} seconds{which}. {}", choice.seconds, s.breathing),
        Dose::Flow { positions, .. } => match positions.first() {
            Some(p) => format!("Begin. {} {}: {}", s.breathing, p.name, p.cue),
            None => format!("Begin. {}", s.breathing),
        },
        Dose::Timed { .. } => format!("Begin, and keep going for {} seconds. {}", choice.seconds, s.breathing),
    }
}

/// A position of a flow: in full in the first cycle, then its name alone, short enough to say
/// within the few seconds a position lasts.
pub(crate) fn flow_position(name: &str, cue: &str, cycle: u32) -> String {
    match cycle {
        0 | 1 => format!("{name}: {cue}"),
        _ => format!("{name}."),
    }
}

/// Halfway through a hold: the whole breathing reminder the first time for a stretch, a short
/// one after (it is said again at each hold's start, with the stretch's own breathing).
pub(crate) fn halfway(breathe: &str, first: bool) -> String {
    match first {
        true => format!("Halfway. {breathe}"),
        false => "Halfway. Keep breathing slowly.".to_owned(),
    }
}

/// The end of a hold, flow or timed work; `last` when no hold of the stretch follows, said for a
/// stretch of several `holds`, so the person knows to come all the way out. `between` is the
/// stretch's own words for the rest before its next hold on the same side, when it has them.
///
/// `coming_out`, the stretch's own words for coming out at the very end, replaces the usual
/// words after the last hold, flow or timed work.
pub(crate) fn release(dose: &Dose, last: bool, holds: u32, between: Option<&str>, coming_out: Option<&str>) -> String {
    if let (Dose::Hold { .. }, false, Some(between)) = (dose, last, between) {
        return between.to_owned();
    }
    if let (true, Some(out)) = (last, coming_out) {
        return match dose {
            Dose::Hold { .. } if holds > 1 => format!("That was the last hold. {out}"),
            Dose::Timed { .. } => format!("Time is up. {out}"),
            _ => out.to_owned(),
        };
    }
    match dose {
        Dose::Hold { .. } if last && holds > 1 => "Slowly ease out of the stretch: that was the last hold.",
        Dose::Hold { .. } => "Slowly ease out of the stretch.",
        Dose::Flow { .. } => "Come back to a neutral position and rest.",
        Dose::Timed { .. } => "Time is up. Stop slowly and rest.",
    }
    .to_owned()
}

pub(crate) fn rest(next: u32, of: u32) -> String {
    format!("Rest. Repetition {next} of {of} is next.")
}

/// `how` is the stretch's own words for the other side, when it has them.
pub(crate) fn switch_sides(side: Side, how: Option<&str>) -> String {
    match how {
        Some(how) => format!("Switch sides: now the {} side. {how}", side.label()),
        None => format!("Switch sides: now the {} side, the same steps mirrored.", side.label()),
    }
}

pub(crate) fn check_in(name: &str) -> String {
    format!("How did {name} feel: comfortable, or some discomfort? Or just wait and the session carries on.")
}

pub(crate) fn paused() -> String {
    "Paused. Resume when you are ready.".to_owned()
}

pub(crate) fn resumed(left: Option<u64>) -> String {
    match left {
        Some(s) => format!("Resuming: {s} seconds left."),
        None => "Resuming.".to_owned(),
    }
}

pub(crate) fn skipped(what: &str) -> String {
    format!("Skipped {what}.")
}

pub(crate) fn skipped_warm_up() -> String {
    "Skipped the warm-up. Stretch only once you are warm: if you have not moved around yet, walk briskly or \
     march on the spot for a few minutes first."
        .to_owned()
}

pub(crate) fn swapped(from: &str, to: &str, area: &str) -> String {
    format!("Swapping {from} for {to}, which also works the {area}.")
}

/// `easier` is the stretch's first modification, said before the offer of a swap.
pub(crate) fn discomfort(advice: &str, easier: Option<&str>, alternative: Option<&str>) -> String {
    let mut text = advice.to_owned();
    if let Some(easier) = easier {
        text = format!("{text} {easier}");
    }
    match alternative {
        Some(alt) => format!("{text} You can also swap to {alt}."),
        None => text,
    }
}

/// `advice` is said only when the person is in the stretch (`holding`).
pub(crate) fn too_much(advice: &str, score: u8, holding: bool, next: TooMuchNext<'_>) -> String {
    let first = if holding {
        format!("{score} out of 10 is too much. {advice}")
    } else {
        format!("{score} out of 10 is too much for this stretch.")
    };
    match next {
        TooMuchNext::Alternative(alt) => format!("{first} Let's try {alt} instead."),
        TooMuchNext::MoveOn => {
            format!("{first} Nothing else that fits reaches the same area, so we move on to the next one.")
        }
        TooMuchNext::Finish => {
            format!("{first} Nothing else that fits reaches the same area, and that was the last stretch.")
        }
    }
}

/// What follows a pain rating above 5 during a stretch.
pub(crate) enum TooMuchNext<'a> {
    Alternative(&'a str),
    /// No alternative: on to the next stretch.
    MoveOn,
    /// No alternative, and no stretch after this one.
    Finish,
}

pub(crate) fn carrying_on_after_high() -> String {
    "We carry on, gently. If the pain goes above 5 again in this session, it stops.".to_owned()
}

pub(crate) fn too_much_again(score: u8) -> String {
    format!("{score} out of 10, and that is the second time the pain has gone above 5 today.")
}

/// A stop for pain above 5; before any exercise began there is no position to ease out of.
pub(crate) fn stopped_for_pain(exercise_started: bool) -> String {
    if exercise_started {
        "Ease out of the position gently: we stop here for today, for your safety. Rest, and if the pain does not \
         settle, see a doctor or physiotherapist."
    } else {
        "We stop here for today, for your safety: no stretching with pain this high. Rest, and if the pain does not \
         settle, see a doctor or physiotherapist."
    }
    .to_owned()
}

pub(crate) fn ask_stop(score: u8) -> String {
    format!("{score} out of 10 is too much. The session is paused. {}", ask_stop_question())
}

pub(crate) fn ask_stop_question() -> String {
    "Do you want to stop for today? (yes to stop, no to carry on)".to_owned()
}

pub(crate) fn pain_ok(score: u8, advice: &str) -> String {
    match score {
        0 => "Noted: no pain.".to_owned(),
        n => format!("Noted: {n} out of 10. {advice}"),
    }
}

pub(crate) fn pain_noted(score: u8) -> String {
    format!("Noted: {score} out of 10.")
}

pub(crate) fn high_before(score: u8) -> String {
    format!(
        "{score} out of 10 before starting is a lot. Resting may be better today; if it stays this high, see a \
         doctor or physiotherapist. {}",
        ask_stop_question()
    )
}

/// From this rating up, pain after a session is severe: it gets firmer advice than one just
/// above 5 (stretch no more today, and have it checked soon rather than wait and see).
const SEVERE_AFTER: u8 = 8;

/// What to do about a rating after the session that calls for rest.
fn rest_after(score: u8) -> &'static str {
    if score >= SEVERE_AFTER {
        "That is a lot of pain: stretch no more today and rest. If it does not ease soon, have it checked by a \
         doctor or physiotherapist rather than waiting for it to pass."
    } else {
        "Rest today and go gentler next time; if the pain does not settle, see a doctor or physiotherapist."
    }
}

pub(crate) fn worse_after(before: u8, after: u8) -> String {
    format!("Noted: {after} out of 10, up from {before} before the session. {}", rest_after(after))
}

pub(crate) fn high_after(score: u8) -> String {
    format!("Noted: {score} out of 10. {}", rest_after(score))
}

pub(crate) fn pain_before_question() -> String {
    "How much does your back hurt right now, from 0 (not at all) to 10? Or skip.".to_owned()
}

pub(crate) fn pain_after_question() -> String {
    "And now, how much does your back hurt, from 0 to 10? Or skip.".to_owned()
}

/// A swap with nothing to swap to; `last`: no stretch comes after this one.
pub(crate) fn no_alternative(name: &str, last: bool) -> String {
    let then = if last { "and that was the last stretch" } else { "so we move on" };
    format!("No other stretch that suits you and this routine reaches the same area as {name}, {then}.")
}

pub(crate) fn left_out_today(name: &str) -> String {
    format!("{name} is left out today, after the pain it caused.")
}

/// Screening question `number` of `of`, as said; `turned`: see [`screening_question`].
pub(crate) fn question(text: &str, number: usize, of: usize, turned: bool) -> String {
    if turned {
        format!("Question {number} of {of}: {text} (yes or no; {TURNED})")
    } else {
        format!("Question {number} of {of}: {text} (yes or no)")
    }
}

/// Said of a screening question asked the other way round from the ones around it.
const TURNED: &str = "careful, this one is asked the other way round from the ones before it";

/// A screening question as a front end shows it; `turned`: asked the other way round from one
/// before it (a no raises its flag), which a person who has answered no to a run of them is
/// told, so that habit does not answer it. (Which answer lets them stretch is not said.)
pub(crate) fn screening_question(text: &str, turned: bool) -> String {
    if turned { format!("{text} ({TURNED})") } else { text.to_owned() }
}

/// The see-a-clinician advice, the signs the answers reported and the question whether a
/// clinician has checked them: a check of the back long ago does not cover a sign that is new.
pub(crate) fn ask_assessed(advice: &str, signs: &[&str]) -> String {
    match signs {
        [] => format!("{advice} {}", assessed_question()),
        [one] => format!(
            "{advice} You told limber of {one}. Has a doctor or physiotherapist checked this since it began and \
             said stretching is fine? (yes or no)"
        ),
        // Signs hold commas of their own: set apart by semicolons, to be followed by ear.
        [first @ .., last] => format!(
            "{advice} You told limber of {}; and {last}. Has a doctor or physiotherapist checked these since \
             they began and said stretching is fine? (yes or no)",
            first.join("; ")
        ),
    }
}

pub(crate) fn assessed_question() -> String {
    "Has a doctor or physiotherapist already assessed this pain and said stretching is fine? (yes or no)".to_owned()
}

/// The see-a-clinician advice when the person said no clinician has looked at the pain yet.
pub(crate) fn not_yet_assessed(advice: &str) -> String {
    format!(
        "{advice} You said no doctor or physiotherapist has looked at this pain yet. Once one has, and says \
         stretching is fine, answer the safety questions again."
    )
}

/// The see-a-clinician advice when no answer flagged a sign, but no clinician has looked at the
/// pain yet.
pub(crate) fn only_not_yet_assessed() -> String {
    "Before you stretch, have a doctor or physiotherapist look at this pain: you said none has yet, and pain in \
     the mid back can come from places other than the back. Once one has, and says stretching is fine, answer \
     the safety questions again."
        .to_owned()
}

/// What clear screening answers say: leave to stretch today, with the clinician's advice when a
/// clinician has checked a sign; on a day of rest (within a day of an emergency sign) the answers
/// count once that day has passed.
pub(crate) fn cleared(assessed: bool, rest_today: bool) -> String {
    match (assessed, rest_today) {
        (true, false) => "Thank you. Go gently, as your clinician advised, and stop if anything feels wrong.",
        (true, true) => {
            "Thank you. Once that day has passed, go gently, as your clinician advised, and stop if anything feels \
             wrong."
        }
        (false, false) => "Thank you. Nothing in your answers stands in the way of stretching today.",
        (false, true) => "Thank you. Nothing in your answers stands in the way of stretching once that day has passed.",
    }
    .to_owned()
}

/// The end of a routine; after pain above 5 in it, rest rather than praise.
pub(crate) fn finished(routine: &str, hurt: bool) -> String {
    if hurt {
        format!("That completes {routine}. Rest now and go easy today; if the pain does not settle, see a clinician.")
    } else {
        format!("That completes {routine}. Well done.")
    }
}

/// The person ended the session; what was done is kept only once some exercise has started.
pub(crate) fn aborted(exercise_started: bool) -> String {
    if exercise_started { "Session ended. What you did is kept." } else { "Session ended before any exercise." }
        .to_owned()
}

pub(crate) fn sharp_pain(advice: &str, flagged: Option<&str>) -> String {
    match flagged {
        Some(name) => format!("{advice} {name} is set aside from your plans until you clear it."),
        None => advice.to_owned(),
    }
}

pub(crate) fn item_outcome(item: &ItemRecord, dose: Option<&Dose>) -> String {
    let (done, planned, seconds) = (item.holds_done, item.holds_planned, item.seconds);
    let begun = done > 0 || !item.active.is_zero();
    let what = match dose {
        // A flow or timed work is one active period: begun but not finished is part of it.
        Some(Dose::Flow { cycles, .. }) if done >= planned => format!("{cycles} cycles, {seconds} s in each position"),
        Some(Dose::Flow { cycles, .. }) if begun => format!("part of {cycles} cycles"),
        Some(Dose::Flow { cycles, .. }) => format!("none of {cycles} cycles"),
        Some(Dose::Timed { .. }) if done >= planned => format!("{seconds} s"),
        Some(Dose::Timed { .. }) if begun => format!("part of {seconds} s"),
        Some(Dose::Timed { .. }) => format!("none of {seconds} s"),
        _ => format!("{done} of {planned} holds, {seconds} s each"),
    };
    let feel = match (item.max_pain, item.comfort, item.discomfort) {
        (Some(pain), ..) if pain > 5 => format!(", too painful ({pain}/10)"),
        (_, Some(Comfort::Comfortable), _) => ", comfortable".to_owned(),
        (_, Some(Comfort::Discomfort), _) | (_, None, true) => ", some discomfort".to_owned(),
        _ => String::new(),
    };
    format!("{what}{feel}")
}

pub(crate) fn trend_advice() -> String {
    "Your pain ratings have not improved, or have got worse, over your recent sessions: please see a doctor \
     or physiotherapist about it."
        .to_owned()
}

/// The advice when pain has stopped `stops` sessions lately (sharp pain, or above 5).
pub(crate) fn stops_advice(stops: u32) -> String {
    format!(
        "Pain has stopped {stops} of your sessions in the last {} days (sharp, or above 5): please see a doctor \
         or physiotherapist about it. Until you have, keep each stretch gentle and stop at any sharp pain.",
        crate::progress::STOPS_DAYS
    )
}

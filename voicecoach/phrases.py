"""The phrasebook's English source: every word a session says or shows that is not the routine's
own text, marked for pybabel (`phrase` and `counted`), said through a `Phrasebook` (i18n.py).

Each phrase has a context, which tells a translator where it is heard; `{name}` placeholders are
filled by the code. A number placeholder is spelled out in words by the code, in the form the
translation asks for (`{seconds:feminine}`, see voicecoach/locale/README.md); English keeps the
digits it has always shown. Sentences are joined with a space by the code.
"""
from __future__ import annotations

from typing import NamedTuple


class Phrase(NamedTuple):
    """A phrase as written in the code: its context and its English text (the msgid)."""

    context: str
    text: str


class Counted(NamedTuple):
    """A phrase about a number of things, with its English singular and plural; the catalog
    gives as many forms as the language's plural rule has."""

    context: str
    singular: str
    plural: str


def phrase(context: str, text: str) -> Phrase:
    """Mark a phrase for the catalog (pybabel keyword `phrase:1c,2`)."""
    return Phrase(context, text)


def counted(context: str, singular: str, plural: str) -> Counted:
    """Mark a counted phrase for the catalog (pybabel keyword `counted:1c,2,3`)."""
    return Counted(context, singular, plural)


# --- numbers and durations ------------------------------------------------------------------
# TRANSLATORS: a count of seconds in a duration, as in "Rest for 30 seconds." Give the number the
# noun's gender, e.g. German "{seconds:feminine} Sekunde", Spanish "{seconds:masculine} segundo".
SECONDS = counted("duration", "{seconds} second", "{seconds} seconds")
# TRANSLATORS: a count of minutes in a duration, as in "Hold for 2 minutes." German
# "{minutes:feminine} Minute", Spanish "{minutes:masculine} minuto".
MINUTES = counted("duration", "{minutes} minute", "{minutes} minutes")
# TRANSLATORS: a duration of whole minutes and some seconds, both already said with their nouns:
# "1 minute 30 seconds". Add a word such as "und" / "y" if your language wants one.
MINUTES_AND_SECONDS = phrase("duration", "{minutes} {seconds}")

# --- the beginning --------------------------------------------------------------------------
# TRANSLATORS: the first thing a session says: the routine's title (already translated in the
# routine file), as a sentence.
TITLE = phrase("title", "{title}.")
# TRANSLATORS: said at the start of every session, under 20 seconds at normal pace. {stop} is
# one of the two "how to stop" phrases below. "Five out of ten" is a pain score.
NOTE = phrase("safety note", "Safety first: pain up to five out of ten is fine if it settles by "
              "morning. Sharp or leg pain, numbness or tingling? {stop}. A numb groin, trouble "
              "peeing or a weak leg? Get emergency care now.")
# TRANSLATORS: {stop} in the safety note, for a session done lying or kneeling on the floor.
ON_THE_FLOOR = phrase("safety note", "Stop and rest on your side")
# TRANSLATORS: {stop} in the safety note, for a session done standing or sitting.
UPRIGHT = phrase("safety note", "Stop and sit down")

# TRANSLATORS: the full safety screen: printed by `voicecoach safety`, spoken at a first session
# (each heading, then a full stop, then its paragraph), shown on the phone page and in the feed.
SCREEN = (
    (phrase("safety screen heading", "Before you start"),
     phrase("safety screen",
            "Check with a doctor before you exercise if any of these is true. You have had "
            "cancer, or you are losing weight without trying. You have had a recent fall or "
            "injury, or you have osteoporosis. You take steroids long term, or your immune system "
            "is weak. You are pregnant, have recently given birth, or had back surgery in the "
            "past year. Your pain is constant, or it wakes you at night and no position eases it, "
            "or your symptoms are getting worse. If you have a fever or feel unwell with your back "
            "pain, see a doctor today.")),
    (phrase("safety screen heading", "How much pain is fine"),
     phrase("safety screen",
            "Some pain during and after these exercises is normal and safe, as long as it stays at "
            "five out of ten or less, rises no more than two points during a session, and is back "
            "to its usual level by the next morning. When it is not, do less. A program does this "
            "for you when you log your pain: it repeats a week, steps back, or pauses.")),
    (phrase("safety screen heading", "When to stop"),
     phrase("safety screen",
            "Stop if a movement brings sharp pain, if your pain goes above five, if pain spreads "
            "into a buttock or down a leg, or if you feel numbness or tingling. To stop on the "
            "floor, open your eyes, bend your knees, and roll onto your side in one piece. Rest "
            "there until it eases. To get up, push onto your hands and knees, then use a chair. "
            "You can also just rest and let the session play on.")),
    (phrase("safety screen heading", "Get help now"),
     phrase("safety screen",
            "If you go numb around your bottom, private parts or inner thighs, find it hard to "
            "pee, lose control of your bladder or bowels, have pain, numbness or weakness in both "
            "legs, or one leg grows weak, stop and go to an emergency department now. Do not drive "
            "yourself.")),
    (phrase("safety screen heading", "One more thing"),
     phrase("safety screen",
            "This guide does not replace a physiotherapist or a doctor. If your back is not "
            "getting better after a few weeks, see one.")),
)

# --- chapters (shown, not spoken: MP3 chapters, the phone page, the lock screen) -------------
# TRANSLATORS: the title of the first chapter: the title, the safety note and the introduction.
INTRODUCTION = phrase("chapter", "Introduction")
# TRANSLATORS: the title of the last chapter: the closing words and the finish tone.
FINISH = phrase("chapter", "Finish")

# --- getting ready for an exercise ----------------------------------------------------------
# TRANSLATORS: announces the first exercise; {exercise} is its name from the routine file.
FIRST = phrase("announce", "First: {exercise}.")
# TRANSLATORS: announces every later exercise; {exercise} is its name from the routine file.
NEXT_UP = phrase("announce", "Next up: {exercise}.")

# TRANSLATORS: what the work is, said just before the count-in. {amount} is one of the "amount"
# phrases, {in_sets} the "sets" phrase (only when there is more than one set).
WORK = phrase("work", "{amount}.")
WORK_SETS = phrase("work", "{amount}, {in_sets}.")
# TRANSLATORS: as above, for an exercise done on each side in turn.
WORK_EACH_SIDE = phrase("work", "{amount} on each side.")
WORK_SETS_EACH_SIDE = phrase("work", "{amount}, {in_sets} on each side.")
# TRANSLATORS: {amount} in a "work" phrase: a number of repetitions of a movement.
REPS = counted("amount", "{reps} rep", "{reps} reps")
# TRANSLATORS: {amount} in a "work" phrase: holding a position still; {duration} is a duration
# such as "30 seconds" or "1 minute 30 seconds".
HOLD = phrase("amount", "Hold for {duration}")
# TRANSLATORS: {amount} in a "work" phrase: moving for a time; {duration} as above.
KEEP_GOING = phrase("amount", "Keep going for {duration}")
# TRANSLATORS: {sets} in a "work" phrase: how many times the work is done, with rests between.
SETS = counted("sets", "{sets} set", "{sets} sets")
# TRANSLATORS: reps that switch sides on every rep. {amount} is the "amount" phrase for reps;
# {each} is half the reps (a number: give it the noun's gender); {first} is the side the first
# rep is done on, a name from the routine file or one of the "side name" phrases below.
# {in_sets} is empty, or the phrase below (a comma, then the "sets" phrase).
ALTERNATE = phrase("work", "{amount}, {each} each side, switching every rep{in_sets}, {first} "
                   "first.")
# TRANSLATORS: {in_sets} in the phrase above when there is more than one set: a comma, then the
# "sets" phrase.
ALTERNATE_SETS = phrase("work", ", {in_sets}")

# TRANSLATORS: the names of the two sides of an alternating exercise whose routine file does not
# name them: "Left." is said on a rep, "left first" in the work line.
LEFT = phrase("side name", "left")
RIGHT = phrase("side name", "right")
# TRANSLATORS: which side an exercise done on each side starts with; {side} is the routine's own
# name for it, such as "left leg" (German "linkes Bein"): "Start with your left leg."
START_WITH = phrase("side", "Start with your {side}.")
# TRANSLATORS: said when the same work goes on with the other side; {side} as above.
SWITCH_TO = phrase("side", "Switch to your {side}.")
# TRANSLATORS: between sets: "Set 2 of 3." German "Satz {number:numbering} von {sets}" style.
SET_OF = phrase("set", "Set {number} of {sets}.")

# --- moving between positions: said with eyes closed, time to move after each ----------------
# TRANSLATORS: a step from one position to the next, said while the listener lies or kneels with
# eyes closed; they do it after hearing it, so say it as one clear instruction. "onto your side"
# means lying on one side.
STEP_BACK_TO_SIDE = phrase("transition", "Bend your knees and roll onto your side.")
STEP_BACK_TO_LEFT_SIDE = phrase("transition", "Bend your knees and roll onto your left side.")
STEP_BACK_TO_RIGHT_SIDE = phrase("transition", "Bend your knees and roll onto your right side.")
STEP_SIDE_TO_BACK = phrase("transition", "Roll onto your back.")
STEP_SIDE_TO_FRONT = phrase("transition", "Roll on over onto your front.")
STEP_FRONT_TO_SIDE = phrase("transition", "Roll onto your side.")
STEP_FRONT_TO_LEFT_SIDE = phrase("transition", "Roll onto your left side.")
STEP_FRONT_TO_RIGHT_SIDE = phrase("transition", "Roll onto your right side.")
STEP_BACK_TO_FRONT = phrase("transition", "Roll onto your side, then on over onto your front.")
STEP_FRONT_TO_BACK = phrase("transition", "Roll onto your side, then onto your back.")
STEP_SIDE_TO_HANDS_AND_KNEES = phrase("transition", "Push yourself up with your hands onto your "
                                      "hands and knees.")
STEP_FRONT_TO_HANDS_AND_KNEES = phrase("transition", "Press up with your hands and draw your "
                                       "knees under your hips, onto your hands and knees.")
STEP_HANDS_AND_KNEES_TO_FRONT = phrase("transition", "Slide your knees back and lower yourself "
                                       "slowly onto your front.")
STEP_HANDS_AND_KNEES_TO_SIDE = phrase("transition", "Sit onto one hip, then lower yourself onto "
                                      "your side, using your hands.")
STEP_HANDS_AND_KNEES_TO_LEFT_SIDE = phrase("transition", "Sit onto one hip, then lower yourself "
                                           "onto your left side, using your hands.")
STEP_HANDS_AND_KNEES_TO_RIGHT_SIDE = phrase("transition", "Sit onto one hip, then lower yourself "
                                            "onto your right side, using your hands.")
STEP_HANDS_AND_KNEES_TO_KNEELING = phrase("transition", "Walk your hands back to your knees and "
                                          "lift your body upright, kneeling.")
STEP_KNEELING_TO_HANDS_AND_KNEES = phrase("transition", "If one foot is forward, bring it back "
                                          "beside the other knee. Then lean forward and put your "
                                          "hands on the floor under your shoulders.")
STEP_KNEELING_TO_STANDING = phrase("transition", "Bring one foot forward, flat on the floor. "
                                   "With both hands on that knee, push up slowly to standing.")
STEP_STANDING_TO_KNEELING = phrase("transition", "Step one foot back and lower that knee gently "
                                   "to the floor, hands on your front thigh, then bring the other "
                                   "knee down.")
STEP_HANDS_AND_KNEES_TO_SITTING = phrase("transition", "Shift your hips to one side and sit down, "
                                         "using your hands.")
STEP_SITTING_TO_HANDS_AND_KNEES = phrase("transition", "Turn to one side and come onto your hands "
                                         "and knees.")
STEP_SITTING_TO_SIDE = phrase("transition", "Lower yourself onto your side, using your hands.")
STEP_SITTING_TO_LEFT_SIDE = phrase("transition", "Lower yourself onto your left side, using your "
                                   "hands.")
STEP_SITTING_TO_RIGHT_SIDE = phrase("transition", "Lower yourself onto your right side, using "
                                    "your hands.")
STEP_SIDE_TO_SITTING = phrase("transition", "Push yourself up to sitting with your hands.")
STEP_SITTING_TO_BACK = phrase("transition", "Lean back onto your elbows, then lower yourself onto "
                              "your back.")
# TRANSLATORS: the same steps for a routine that uses a chair: a hand on the chair.
STEP_KNEELING_TO_STANDING_CHAIR = phrase("transition", "Bring one foot forward, flat on the "
                                         "floor. With a hand on the chair, push up slowly to "
                                         "standing.")
STEP_STANDING_TO_KNEELING_CHAIR = phrase("transition", "With a hand on the chair, step one foot "
                                         "back and lower that knee gently to the floor, then "
                                         "bring the other knee down.")
# TRANSLATORS: not spoken. The words that, found in an exercise's setup (the routine's own text),
# mean it is done lying on the left side, so the roll onto the side says which. Several spellings
# may be given separated by "|", e.g. German "linke Seite|linken Seite".
SETUP_LEFT_SIDE = phrase("setup words", "left side")
SETUP_RIGHT_SIDE = phrase("setup words", "right side")

# TRANSLATORS: added to the rest line between rounds in a position that tires.
REST_HOW_HANDS_AND_KNEES = phrase("rest", "Sit back on your heels and let your wrists rest.")
REST_HOW_KNEELING = phrase("rest", "Sit back on your heels, or to one side, and let your legs "
                           "rest.")
# TRANSLATORS: after such a rest, coming back into the position for the next round.
BACK_INTO_HANDS_AND_KNEES = phrase("transition", "Come forward onto your hands and knees, hands "
                                   "under your shoulders.")
BACK_INTO_KNEELING = phrase("transition", "Come back up onto your knees.")

# --- the work itself --------------------------------------------------------------------------
# TRANSLATORS: a rep's number, said on the rep while moving, to the beat: keep it as short as the
# number itself. {rep} is spelled in your counting form ("{rep:numbering}" is the default).
COUNT = phrase("count", "{rep}")
# TRANSLATORS: a rep's number and its side, for reps that switch sides: "4, right". Short.
COUNT_SIDE = phrase("count", "{rep}, {side}")
# TRANSLATORS: the first rep of alternating work says its side alone: "Left." {side} is the side
# name; the code writes its first letter as a capital.
SIDE_ALONE = phrase("count", "{side}.")
# TRANSLATORS: the count of the last rep, with "last one": "8, last one." or "8, left, last one."
COUNT_LAST = phrase("count", "{count}, last one.")
# TRANSLATORS: said in the moment before the last rep. Two or three syllables at most.
LAST_ONE = phrase("last rep", "Last one.")
# TRANSLATORS: the count-in before the work starts, one number on each second: 3, 2, 1. Also
# the closing countdown of timed work. Keep it one word.
COUNTDOWN = phrase("countdown", "{number}")
# TRANSLATORS: said in the middle of a hold or timed work.
HALFWAY = phrase("halfway", "Halfway.")
# TRANSLATORS: said 10 seconds before the end of a hold or timed work; {duration} is "10 seconds".
LEFT_IN_WORK = phrase("remaining", "{duration} left.")
# TRANSLATORS: check-ins during a long hold, said in turn so the same sentence is not heard over
# and over; {done} and {left} are durations such as "5 minutes".
CHECK_INS = (phrase("check-in", "{done} done, {left} to go."),
             phrase("check-in", "{left} still to go."),
             phrase("check-in", "That is {done}. {left} left."))
# TRANSLATORS: said right after the work ends.
RELEASE = phrase("release", "And relax.")

# --- rests ------------------------------------------------------------------------------------
# TRANSLATORS: a rest with quiet in it; {duration} is the time to the next start tone.
REST_FOR = phrase("rest", "Rest for {duration}.")
# TRANSLATORS: instead of "Rest for ..." when the rest is filled with talk about the next
# exercise: no promise of quiet.
NEXT_STARTS_IN = phrase("rest", "The next one starts in {duration}.")

# --- the end ----------------------------------------------------------------------------------
# TRANSLATORS: the last words of a session whose routine has no outro of its own, by where the
# body is after the last exercise: standing.
OUTRO_STANDING = phrase("outro", "That is the end of the session. Walk around gently for a moment "
                        "before you go on.")
# TRANSLATORS: as above, sitting.
OUTRO_SITTING = phrase("outro", "That is the end of the session. Take a few easy breaths, then get "
                       "up slowly.")
# TRANSLATORS: as above, lying or kneeling on the floor.
OUTRO_FLOOR = phrase("outro", "That is the end of the session. Roll onto your side and take your "
                     "time before you get up.")

# --- the phone page, the podcast feed and exported files (shown, never spoken) ---------------
# TRANSLATORS: not spoken. Shown on the phone page that `serve` gives, in the podcast feed and in
# the tags of an exported file. Numbers here are digits the code writes ("10 min"); keep the
# placeholders as they are. The person reading is about to lie down for a back-care session.
# TRANSLATORS: the names of the three levels, shown as a choice on the page and in titles.
LEVEL_BEGINNER = phrase("level name", "beginner")
LEVEL_STANDARD = phrase("level name", "standard")
LEVEL_ADVANCED = phrase("level name", "advanced")
# TRANSLATORS: the names of the three paces, shown in an exported file's comment.
PACE_SLOW = phrase("pace name", "slow")
PACE_NORMAL = phrase("pace name", "normal")
PACE_BRISK = phrase("pace name", "brisk")
LEVEL_NAMES = {"beginner": LEVEL_BEGINNER, "standard": LEVEL_STANDARD, "advanced": LEVEL_ADVANCED}
PACE_NAMES = {"slow": PACE_SLOW, "normal": PACE_NORMAL, "brisk": PACE_BRISK}
# TRANSLATORS: the podcast's name in a podcast app, and the album of an exported file.
SHOW_TITLE = phrase("feed", "voicecoach back-care sessions")
# TRANSLATORS: the podcast's description; the safety screen follows it.
SHOW_DESCRIPTION = phrase("feed", "Voice-guided back-care sessions you can follow lying down with "
                          "your eyes closed, made on your own computer by voicecoach.")
# TRANSLATORS: an episode's title when it is not at the standard level or is fitted to a length:
# "Cat-cow (beginner, 10 minutes)". {title} is the routine's, {level} a level name, {length}
# empty or LENGTH_IN_TITLE.
TITLE_WITH_LEVEL = phrase("episode title", "{title} ({level}{length})")
# TRANSLATORS: added to the level in an episode's title; {minutes} is digits such as 10.
LENGTH_IN_TITLE = phrase("episode title", ", {minutes} minutes")
# TRANSLATORS: the title of the day's session of a program: "Today: Morning back (Back in shape,
# week 2, beginner)". {week} is digits.
TODAY_TITLE = phrase("episode title", "Today: {title} ({program}, week {week}, {level})")
# TRANSLATORS: an exported file's comment: where the routine comes from (may be left out), then
# its level and pace.
FROM_ARTICLE = phrase("file comment", "From the article \u201c{source}\u201d. ")
MADE_AT = phrase("file comment", "Level {level}, {pace} pace. Made by voicecoach.")
# TRANSLATORS: the front page. Under the heading "voicecoach".
PAGE_TAGLINE = phrase("page", "Back-care sessions to follow lying down, eyes closed.")
# TRANSLATORS: opens the safety screen.
PAGE_SAFETY = phrase("page", "Safety: read before your first session")
PAGE_PLAY_TODAY = phrase("page", "Play today's session")
# TRANSLATORS: a button that starts a session.
PAGE_PLAY = phrase("page", "Play")
# TRANSLATORS: a session's length in minutes, digits: "10 min"; the second one is an estimate.
PAGE_MINUTES = phrase("page", "{minutes} min")
PAGE_ABOUT_MINUTES = phrase("page", "~{minutes} min")
# TRANSLATORS: the length of a routine as its file has it, not fitted: "as written, ~12 min".
PAGE_AS_WRITTEN = phrase("page", "as written, {length}")
# TRANSLATORS: "12 min, 5 exercises"; {count} is digits.
PAGE_META = counted("page", "{length}, {count} exercise", "{length}, {count} exercises")
# TRANSLATORS: before the links to a routine's levels, then to its lengths.
PAGE_LEVEL = phrase("page", "Level:")
PAGE_LENGTH = phrase("page", "Length:")
# TRANSLATORS: opens a routine's summary.
PAGE_ABOUT = phrase("page", "About")
# TRANSLATORS: {feed} is a link whose text is PAGE_THIS_FEED; the feed's address follows.
PAGE_FEED_HOW = phrase("page", "AntennaPod (Android): add {feed} by its address:")
PAGE_THIS_FEED = phrase("page", "this feed")
PAGE_FEED_LIMIT = phrase("page", "Podcast apps that fetch feeds on their own servers (Apple "
                         "Podcasts, Overcast, Pocket Casts) cannot reach it: play here, or keep a "
                         "session with its download link.")
# TRANSLATORS: a session's page. The link back to the front page.
PAGE_ALL_SESSIONS = phrase("page", "All sessions")
# TRANSLATORS: the name of the captions track (the lines the voice says).
PAGE_SPOKEN_LINES = phrase("page", "Spoken lines")
# TRANSLATORS: {link} is a link whose text is PAGE_OPEN_FILE; {format} is "MP3" or similar.
PAGE_CANNOT_PLAY = phrase("page", "This browser cannot play it here: {link}.")
PAGE_OPEN_FILE = phrase("page", "open the {format}")
# TRANSLATORS: the heading over the session's chapters.
PAGE_EXERCISES = phrase("page", "Exercises")
# TRANSLATORS: {size} is digits such as 4.2.
PAGE_DOWNLOAD = phrase("page", "Download {format}, {size} MB")
# TRANSLATORS: the heading of the form that logs a session after it.
PAGE_DONE = phrase("page", "Done?")
PAGE_PAIN_BEFORE = phrase("page", "Pain before, 0-10")
PAGE_PAIN_AFTER = phrase("page", "Pain after, 0-10")
# TRANSLATORS: over the warning symptoms to tick.
PAGE_SYMPTOMS = phrase("page", "Did you notice any of these?")
PAGE_LOG = phrase("page", "Log this session")
PAGE_MAKING = phrase("page", "Making this session. This page reloads by itself when it is ready.")
# TRANSLATORS: the heading when the form could not log the session; the reason follows.
PAGE_NOT_LOGGED = phrase("page", "Not logged")
PAGE_PAIN_NUMBER = phrase("page", "Pain is a whole number from 0 to 10, or left empty.")
# TRANSLATORS: {reason} is an error message (it may be in English).
PAGE_NO_TODAY = phrase("page", "Today's program session is not shown: {reason}")
PAGE_STILL_MAKING = phrase("page", "This session is still being made; try again soon.")
PAGE_STOPPING = phrase("page", "The server is stopping.")
PAGE_CANNOT_MAKE = phrase("page", "This session cannot be made: {reason}")

# --- playback ---------------------------------------------------------------------------------
# TRANSLATORS: said when the listener resumes a paused session, before a count-in of 3, 2, 1.
RESUMING = phrase("resume", "Resuming.")

# --- the terminal: today's advice and the pain rule -------------------------------------------
# These are read on the screen, not spoken: numbers and dates stay digits ({date} is 2026-03-09).
# TRANSLATORS: a warning symptom, as the listener reports it after a session; it is put into
# sentences such as "you reported {symptoms} after the session on {date}".
SYMPTOM_TEXTS = {
    "leg-pain": phrase("symptom", "pain spreading down a leg"),
    "leg-numb": phrase("symptom", "numbness or tingling in a leg"),
    "leg-weak": phrase("symptom", "a leg growing weak"),
    "both-legs": phrase("symptom", "pain, numbness or weakness in both legs"),
    "saddle-numb": phrase("symptom", "numbness around your bottom, private parts or inner thighs"),
    "bladder-bowel": phrase("symptom", "trouble peeing, or a change in bladder or bowel control"),
    "fever": phrase("symptom", "fever or feeling unwell"),
    "night-pain": phrase("symptom", "pain at night that no position eases"),
}
# TRANSLATORS: the last two of several symptoms: "{first}" is one or more already joined by ", ".
AND_LAST = phrase("symptom list", "{first} and {last}")
# TRANSLATORS: why a session was over the pain rule. A pain score is "{pain} of 10".
PAIN_AFTER_ABOVE = phrase("reason", "pain after the session on {date} was {pain} of 10, above "
                          "{limit}")
# TRANSLATORS: why a session was over the pain rule; {rise} is a number of points on the scale.
PAIN_ROSE = phrase("reason", "pain rose from {before} to {after} during the session on {date}, "
                   "more than {rise} points")
# TRANSLATORS: why a session was over the pain rule.
WORSE_MORNING = phrase("reason", "your back was worse the morning after the session on {date}")
# TRANSLATORS: why a session was over the pain rule: {symptoms} are warning symptoms.
SYMPTOMS_AFTER = phrase("reason", "{symptoms} after the session on {date}")
# TRANSLATORS: why a session was over the pain rule.
STOPPED_EARLY = phrase("reason", "the session on {date} was stopped early, with no pain rating "
                       "after it")
# TRANSLATORS: why a week is held: the pain ratings before the week's sessions went up.
WEEK_ROSE_BEFORE = phrase("reason", "pain before sessions rose from {first} to {last} over the "
                          "week")
# TRANSLATORS: as above, the pain ratings after the week's sessions.
WEEK_ROSE_AFTER = phrase("reason", "pain after sessions rose from {first} to {last} over the week")
# TRANSLATORS: why the program was paused.
REPORTED = phrase("reason", "you reported {symptoms} after the session on {date}")
# TRANSLATORS: why the program was paused; {sessions} is a number of sessions (2).
SEVERE = phrase("reason", "pain reached {pain} of 10 or more in {sessions} sessions, the last on "
                "{date}")
# TRANSLATORS: why the program stepped back.
STEP_BACK_PAIN = phrase("reason", "pain was {pain} of 10 after the session on {date}")
# TRANSLATORS: why the program stepped back; {reason} is why the last of them was over the rule.
IN_A_ROW = phrase("reason", "{count} sessions in a row were over the pain rule ({reason})")
# TRANSLATORS: why the program stepped back: the listener resumed it after a pause.
RESUMED = phrase("reason", "the program was resumed after a pause, one step easier")
# TRANSLATORS: why the program moved on to the next week.
WITHIN = phrase("reason", "each session of the week was within the pain rule")
# TRANSLATORS: why the program is finished.
ALL_DONE = phrase("reason", "every week of the plan is done")
# TRANSLATORS: SAFETY. Said after an urgent warning symptom (weak leg, numb groin, bladder or
# bowel trouble): it must be unmistakable that this means an emergency department now, and not
# driving there oneself.
EMERGENCY = phrase("advice", "That needs emergency care now: go to an emergency department, and "
                   "do not drive yourself. Do not exercise until you have been seen.")
# TRANSLATORS: said while the program is paused.
KEEP_ACTIVE = phrase("advice", "Meanwhile keep gently active: walking is fine, and bed rest does "
                     "not help.")
# TRANSLATORS: after a session that was over the pain rule, or with high pain before one.
REST_TODAY = phrase("advice", "Rest today, or take an easy walk, and do the next session when your "
                    "back is back to its usual level.")
# TRANSLATORS: SAFETY. The program is paused for an urgent symptom; {reason} is why, {emergency}
# the emergency sentence above.
PAUSED_URGENT = phrase("advice", "The program is paused: {reason}. {emergency}")
# TRANSLATORS: SAFETY. The program is paused; the person must see a physiotherapist or doctor
# first. Keep the command 'voicecoach program resume' as it is.
PAUSED = phrase("advice", "The program is paused: {reason}. See a physiotherapist or doctor before "
                "you do these exercises again. {keep_active} When they say you can go on, "
                "'voicecoach program resume' continues the program, one step easier.")
# TRANSLATORS: SAFETY. As above, paused for fever, feeling unwell or night pain, which a doctor
# should see first (not a physiotherapist). Keep the command as it is.
PAUSED_DOCTOR = phrase("advice", "The program is paused: {reason}. See a doctor before you do these "
                       "exercises again. {keep_active} When they say you can go on, 'voicecoach "
                       "program resume' continues the program, one step easier.")
# TRANSLATORS: the last session was over the pain rule; {rest} is the "Rest today" sentence.
NOT_SETTLED = phrase("advice", "Your back has not settled yet: {reason}. {rest}")
# TRANSLATORS: all of the week's sessions are logged; the week is decided the next morning.
WEEK_DONE = phrase("advice", "This week's sessions are done. Tomorrow, say how your back was in "
                   "the morning; the program moves on if the week stayed within the pain rule.")
# TRANSLATORS: where a step back went to, in week 1: {level} is a level name (beginner ...).
TO_WEEK_ONE_AT = phrase("advice", "week 1 at the {level} level")
# TRANSLATORS: where a step back went to.
TO_WEEK = phrase("advice", "week {week}")
# TRANSLATORS: after resuming a paused program; {to} is "week 2" or "week 1 at the ... level".
GOING_ON = phrase("advice", "Going on at {to}: {reason}. Go gently, and stop if the symptoms come "
                  "back.")
# TRANSLATORS: the program stepped back; one of the two sentences below follows.
STEPPED_BACK = phrase("advice", "Stepped back to {to}: {reason}.")
# TRANSLATORS: SAFETY. After a step back when there is no easier week; {rest} is "Rest today ...".
LOWEST = phrase("advice", "This is already the easiest week and level. {rest} If the pain does not "
                "settle within a few days, see a physiotherapist or doctor.")
# TRANSLATORS: after a step back.
TAKE_IT_EASIER = phrase("advice", "Take it easier until your back settles; the program moves on "
                        "again after a week within the pain rule.")
# TRANSLATORS: the week is held.
HELD = phrase("advice", "Week {week} again at the same numbers: {reason}. It moves on after a week "
              "in which every session is within the pain rule.")
# TRANSLATORS: the program moved on.
ON_TO_WEEK = phrase("advice", "On to week {week}: {reason}.")
# TRANSLATORS: the program moved back up a level in week 1.
ON_TO_WEEK_AT = phrase("advice", "On to week {week} at the {level} level: {reason}.")
# TRANSLATORS: the program is finished.
FINISHED = phrase("advice", "Every week of the plan is done; its last week goes on until you start "
                  "another program.")
# TRANSLATORS: the pain rule, shown before a program's first decision.
RULE = phrase("advice", "Some pain during and after the session is fine if it stays at {limit} of "
              "10 or below, rises no more than {rise} points, and has settled by the next morning; "
              "the program moves on only after a week like that.")
# TRANSLATORS: the count of the week's sessions in `today`.
WEEK_COUNT = phrase("today", "{done} of {per_week} sessions done this week")
# TRANSLATORS: the count right after a step back: the easier week starts again from nothing.
WEEK_COUNT_STEPPED_BACK = phrase("today", "{done} of {per_week} sessions done since the step back")
# TRANSLATORS: the count right after a week was held.
WEEK_COUNT_HELD = phrase("today", "{done} of {per_week} sessions done; the week is held, so do it again")
# TRANSLATORS: instead of the count while the program is paused (its sessions no longer count).
WEEK_PAUSED = phrase("today", "paused, so no sessions count until it is resumed")
# TRANSLATORS: the count right after the program moved on.
WEEK_COUNT_ADVANCED = phrase("today", "0 of {per_week} sessions done this week ({done} of {per_week} "
                        "done the week before)")
# TRANSLATORS: the first line of `today`: the program's title and id, the day it was started.
HEADER = phrase("today", "{title} ({id}), started {date}")
# TRANSLATORS: the second line of `today`: {level} is a level name, {counts} one of the counts.
WEEK_LINE = phrase("today", "Week {week} of {weeks}: {routine}, {level} level; {counts}")
# TRANSLATORS: `today` when no program is active; keep the commands as they are.
NO_PROGRAM = phrase("today", "No active program. Start one with 'voicecoach program start NAME' "
                    "('voicecoach program list' shows them).")
# TRANSLATORS: `today --play` or `--export` when no program is active, after "voicecoach: " (so
# it begins with a small letter); keep the commands as they are.
NOTHING_TO_PLAY = phrase("today", "no active program, so there is no session to play or export. "
                         "Start one with 'voicecoach program start NAME' ('voicecoach program "
                         "list' shows them).")
# TRANSLATORS: an exercise's numbers in the list of `today`, read on the screen, so the numbers
# stay digits (no number forms such as {reps:feminine}). A count of repetitions: "8 reps".
SCREEN_REPS = counted("today", "{reps} rep", "{reps} reps")
# TRANSLATORS: seconds in the list of `today`, in short units: "45 s".
SCREEN_SECONDS = phrase("today", "{seconds} s")
# TRANSLATORS: whole minutes, in the list of `today`: "2 min".
SCREEN_MINUTES = phrase("today", "{minutes} min")
# TRANSLATORS: minutes and seconds, in the list of `today`: "1 min 30 s".
SCREEN_MINUTES_SECONDS = phrase("today", "{minutes} min {seconds} s")
# TRANSLATORS: a position held that long; {time} is one of the three above: "30 s hold".
SCREEN_HOLD = phrase("today", "{time} hold")
# TRANSLATORS: that many sets of the work (reps or a time): "3 x 8 reps".
SCREEN_SETS = phrase("today", "{sets} x {work}")
# TRANSLATORS: the work is done on each side in turn: "3 x 8 reps, each side".
SCREEN_EACH_SIDE = phrase("today", "{work}, each side")
# TRANSLATORS: keep the command and {choices} (better|same|worse) as they are.
UNRATED = phrase("today", "The morning after your session on {date}, was your back better, the "
                 "same or worse than before it? Say it with 'voicecoach log --next-day {choices}'.")
# TRANSLATORS: the last line of `today`; keep the commands as they are.
PLAY_IT = phrase("today", "Play it with 'voicecoach today --play', or take it to a phone with "
                 "'voicecoach today --export', then 'voicecoach log'.")
# TRANSLATORS: SAFETY. What `log` says after an urgent warning symptom; {emergency} is the
# emergency sentence above.
YOU_REPORTED_URGENT = phrase("advice", "You reported {symptoms}. {emergency}")
# TRANSLATORS: SAFETY. After fever or night pain: a doctor first, not a physiotherapist.
YOU_REPORTED_DOCTOR = phrase("advice", "You reported {symptoms}: stop the exercises that bring it "
                             "on, and see a doctor soon.")
# TRANSLATORS: SAFETY. After leg pain, numbness or tingling.
YOU_REPORTED_CLINICIAN = phrase("advice", "You reported {symptoms}: stop the exercises that bring "
                                "it on, and see a physiotherapist or doctor soon.")
# TRANSLATORS: a note's English word ({word}) may be a warning symptom; keep the commands as they are.
NOTE_HINT = phrase("log", "Your note mentions '{word}'. If that is a symptom, say so with --symptom "
                   "(for example: voicecoach log --symptom leg-numb); 'voicecoach log --help' lists "
                   "them.")
# TRANSLATORS: `log --next-day` recorded the morning after.
RECORDED_NEXT_DAY = phrase("log", "Recorded how your last session went.")
# TRANSLATORS: `log` recorded a session; {routine} is its id, {done} "completed" or "partial, 5:20".
LOGGED = phrase("log", "Logged {routine} on {date} ({done}).")
# TRANSLATORS: as above, in a program: {program} is its id.
LOGGED_FOR = phrase("log", "Logged {routine} on {date} ({done}) for {program}, week {week}.")
# TRANSLATORS: a session played to the end.
COMPLETED = phrase("session state", "completed")
# TRANSLATORS: a session stopped early, after {minutes} (as 5:20), in `log`.
PARTIAL_AFTER = phrase("session state", "partial, {minutes}")
# TRANSLATORS: as above, in the `history` table (a narrow column).
PARTIAL = phrase("session state", "partial {minutes}")
# TRANSLATORS: where the program stands after `log`; {counts} is one of the counts of `today`.
NOW_WEEK = phrase("log", "Now week {week} of {weeks}, {counts}.")
# TRANSLATORS: `history` with nothing recorded; keep the commands as they are.
NO_SESSIONS = phrase("history", "No sessions recorded yet. 'voicecoach play' records one, or "
                     "'voicecoach log'.")
# TRANSLATORS: the column headings of `history`, in capitals.
HISTORY_HEADINGS = (phrase("history heading", "DATE"), phrase("history heading", "ROUTINE"),
                    phrase("history heading", "PROGRAM"), phrase("history heading", "WEEK"),
                    phrase("history heading", "DONE"), phrase("history heading", "PAIN"),
                    phrase("history heading", "NEXT DAY"), phrase("history heading", "SYMPTOMS"))
# TRANSLATORS: no warning symptom was reported, in the `history` table.
NO_SYMPTOMS = phrase("history", "none")
# TRANSLATORS: the last line of `history`; {count} is a number in digits.
STREAK = counted("history", "Streak: {count} week in a row with the planned sessions",
                 "Streak: {count} weeks in a row with the planned sessions")
# TRANSLATORS: the terminal asks for a pain score before a session (typed, not spoken).
PAIN_BEFORE = phrase("prompt", "Pain before you start")
# TRANSLATORS: the terminal asks for a pain score after a session.
PAIN_NOW = phrase("prompt", "Pain now")
# TRANSLATORS: {question} is one of the two above; keep "0-10" and the Enter key's name.
PAIN_SCALE_PROMPT = phrase("prompt", "{question}, 0-10 (Enter skips)")
# TRANSLATORS: after an answer that is not a pain score.
PAIN_RETRY = phrase("prompt", "a whole number from 0 (no pain) to 10 (the worst), or Enter to skip")
# TRANSLATORS: the one-key answers to the morning-after question, each a different letter: the
# first letter of your word for better, the same, worse.
KEY_BETTER = phrase("answer key", "b")
KEY_SAME = phrase("answer key", "s")
KEY_WORSE = phrase("answer key", "w")
# TRANSLATORS: {better}, {same}, {worse} are the three letters above.
NEXT_DAY_PROMPT = phrase("prompt", "The morning after your session on {date}, was your back "
                         "better, the same or worse than before it? {better} better, {same} same, "
                         "{worse} worse (Enter skips)")
# TRANSLATORS: after an answer that is none of the three letters.
NEXT_DAY_RETRY = phrase("prompt", "{better}, {same} or {worse}, or Enter to skip")
# TRANSLATORS: before the numbered list of warning symptoms, after a session.
SYMPTOMS_INTRO = phrase("prompt", "Did you notice any of these? Type their numbers (e.g. 2 5), or "
                        "Enter for none:")
# TRANSLATORS: the prompt under that list.
SYMPTOMS_PROMPT = phrase("prompt", "Symptoms")
# TRANSLATORS: after an answer that is not numbers from the list; {last} is its last number.
SYMPTOMS_RETRY = phrase("prompt", "numbers from 1 to {last}, or Enter for none")

# --- play, program and show (terminal) -----------------------------------------------------------
# Read on the screen, not spoken: numbers, dates and clock times stay digits (05:20 is minutes and
# seconds); keep commands such as 'voicecoach today' as they are.
# TRANSLATORS: before a session while the program is paused for an urgent symptom; {advice} is
# the pause advice (already translated).
BEFORE_YOU_PLAY = phrase("play", "Before you play: {advice}")
# TRANSLATORS: the pain score typed before a session is high; {rest} is the "Rest today ..."
# sentence. A question whether to play anyway follows.
PAIN_HIGH_BEFORE = phrase("play", "Your pain is {pain} of 10 before you start. {rest}")
# TRANSLATORS: the question after that sentence, answered yes or no (no is the default).
PLAY_ANYWAY = phrase("prompt", "Play the session anyway?")
# TRANSLATORS: the answer was no: the session was not played and nothing went into the history.
NOTHING_PLAYED = phrase("play", "Nothing played, nothing recorded.")
# TRANSLATORS: the listener stopped a session; {clock} is how far it got (05:20), {command} the
# command that goes on from there.
STOPPED_AT = phrase("play", "Stopped at {clock}. To go on from there: {command}")
# TRANSLATORS: as above, stopped in an exercise; {exercise} is its name, already in quotes.
STOPPED_IN = phrase("play", "Stopped at {clock} in {exercise}. To go on from there: {command}")
# TRANSLATORS: the one-key answers to a yes-or-no question, shown as "[y/N]": the first letter of
# your word for yes, then for no (no is the default, shown in capitals).
KEY_YES = phrase("yes or no key", "y")
KEY_NO = phrase("yes or no key", "n")
# TRANSLATORS: the whole words accepted as those answers; write them in small letters (an accent
# may also be left out when typed: "si" counts as "sí").
WORD_YES = phrase("yes or no word", "yes")
WORD_NO = phrase("yes or no word", "no")
# TRANSLATORS: after an answer that is neither; {yes} and {no} are the two letters above.
YES_OR_NO_RETRY = phrase("prompt", "{yes} for yes, {no} or Enter for no")
# TRANSLATORS: `program start` asks before it ends the active program; {active} and {program} are
# program ids, {since} a date. Answered yes or no.
END_AND_START = phrase("program", "End '{active}' (active since {since}) and start '{program}'?")
# TRANSLATORS: the answer was no, or there was nothing to do.
NOTHING_CHANGED = phrase("program", "Nothing changed.")
# TRANSLATORS: a program was started; {title} is its title, {program} its id.
STARTED = phrase("program", "Started {title} ({program}) on {date}. 'voicecoach today' says what "
                 "to do.")
# TRANSLATORS: SAFETY. `program resume` asks this after the pause advice: only a clinician's
# go-ahead should resume a program. Answered yes or no.
CLEARED_TO_GO_ON = phrase("program", "Has a physiotherapist or doctor said you can go on?")
# TRANSLATORS: `program resume` when the program is not paused.
NOT_PAUSED = phrase("program", "{title} is not paused; nothing changed. 'voicecoach today' says "
                    "what to do.")
# TRANSLATORS: a paused program was resumed; {level} is a level name (beginner ...).
PROGRAM_RESUMED = phrase("program", "Resumed {title}, one step easier: week {week}, {level} level. "
                         "'voicecoach today' says what to do. Go gently, and stop if the symptoms "
                         "come back.")
# --- the status line under a playing session (terminal) -------------------------------------------
# Read on the screen while the session plays; it is rewritten in place, so keep it short. Numbers
# and clock times stay digits.
# TRANSLATORS: which set of the exercise is playing: "set 2".
STATUS_SET = phrase("status line", "set {number}")
# TRANSLATORS: the exercise that comes after this one; {exercise} is its name.
STATUS_NEXT = phrase("status line", "next: {exercise}")
# TRANSLATORS: the session is paused; {line} is the status line. Keep the keys (space is the
# space bar, q the letter q) and say what each does: go on, or stop.
STATUS_PAUSED = phrase("status line", "[paused] {line}   space: resume  q: quit")
# TRANSLATORS: the session waits for its speech to be made; {doing} is empty, or ": " and the
# start of the line being made, in quotes.
STATUS_MAKING = phrase("status line", "making speech, {made} of {total} lines{doing}")
# TRANSLATORS: before a session fitted to --minutes plays, every line is made first; keep
# "--minutes" as it is.
STATUS_FITTING = phrase("status line", "--minutes {minutes} needs every line's length first: "
                        "making speech, {made} of {total} lines")

# TRANSLATORS: the first line of `show`, over a session's timed script: {level} and {pace} are
# their names (beginner ..., slow ...), {length} the session's length (05:13).
SHOW_HEADER = phrase("show", "{title}: {level} level, {pace} pace, {length} in all")
# TRANSLATORS: the second line of `show`: where the routine comes from (an article's title).
SHOW_SOURCE = phrase("show", "From: {source}")
# TRANSLATORS: the last line of `show`: the session's length (05:13).
SHOW_TOTAL = phrase("show", "Total: {length}")

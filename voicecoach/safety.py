"""The safety words: the short note every session speaks, and the full screen spoken at a
program's first session and at the first session a person ever plays (`voicecoach safety`).

Pure text, in our own words, from what physiotherapists screen for before exercise in low back
pain and the pain-monitoring rule the programs follow (history.py); numbers are written as words,
because they are spoken. Signs of cauda equina syndrome (numbness around the bottom or private
parts, trouble peeing, bladder or bowel changes, weakness or symptoms in both legs) send people to
an emergency department, not to wait for an appointment."""
from __future__ import annotations

# Every session: the acceptable-pain rule in one sentence, the stop signs and how to stop, the
# urgent signs; under 20 seconds at the normal pace. How to stop depends on where the body is.
_NOTE = (
    "Safety first: pain up to five out of ten is fine if it settles by morning. Sharp or leg pain, "
    "numbness or tingling? {stop}. A numb groin, trouble peeing or a weak leg? Get emergency "
    "care now."
)
ON_THE_FLOOR = "Stop and rest on your side"
UPRIGHT = "Stop and sit down"
NOTE = _NOTE.format(stop=ON_THE_FLOOR)


def note(on_the_floor: bool) -> str:
    """The short note, with the way to stop that fits a session done on the floor or upright."""
    return _NOTE.format(stop=ON_THE_FLOOR if on_the_floor else UPRIGHT)


# The full screen, a heading and a paragraph each: printed by `voicecoach safety`, spoken at a
# first session, shown on the phone page and in the feed.
SCREEN: tuple[tuple[str, str], ...] = (
    ("Before you start",
     "Check with a doctor before you exercise if any of these is true. You have had cancer, or "
     "you are losing weight without trying. You have had a recent fall or injury, or you have "
     "osteoporosis. You take steroids long term, or your immune system is weak. You are pregnant, "
     "have recently given birth, or had back surgery in the past year. Your pain is constant, or "
     "it wakes you at night and no position eases it, or your symptoms are getting worse. If you "
     "have a fever or feel unwell with your back pain, see a doctor today."),
    ("How much pain is fine",
     "Some pain during and after these exercises is normal and safe, as long as it stays at five "
     "out of ten or less, rises no more than two points during a session, and is back to its "
     "usual level by the next morning. When it is not, do less. A program does this for you when "
     "you log your pain: it repeats a week, steps back, or pauses."),
    ("When to stop",
     "Stop if a movement brings sharp pain, if your pain goes above five, if pain spreads into a "
     "buttock or down a leg, or if you feel numbness or tingling. To stop on the floor, open your "
     "eyes, bend your knees, and roll onto your side in one piece. Rest there until it eases. To "
     "get up, push onto your hands and knees, then use a chair. You can also just rest and let "
     "the session play on."),
    ("Get help now",
     "If you go numb around your bottom, private parts or inner thighs, find it hard to pee, lose "
     "control of your bladder or bowels, have pain, numbness or weakness in both legs, or one leg "
     "grows weak, stop and go to an emergency department now. Do not drive yourself."),
    ("One more thing",
     "This guide does not replace a physiotherapist or a doctor. If your back is not getting "
     "better after a few weeks, see one."),
)


def screen_lines() -> list[str]:
    """The full screen as spoken: each heading leads its paragraph."""
    return [f"{heading}. {text}" for heading, text in SCREEN]


def screen_text() -> str:
    """The full screen as printed."""
    return "\n\n".join(f"{heading}\n{text}" for heading, text in SCREEN)

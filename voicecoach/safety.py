"""The safety words: the short note every session speaks, and the full screen spoken at a
program's first session and at the first session a person ever plays (`voicecoach safety`).

Pure text, in our own words, from what physiotherapists screen for before exercise in low back
pain and the pain-monitoring rule the programs follow (history.py); numbers are written as words,
because they are spoken."""
from __future__ import annotations

# Every session: the stop signs, the urgent signs, the acceptable-pain rule in one sentence and
# how to stop on the floor, under 20 seconds at the normal pace.
NOTE = (
    "Safety first. Pain up to five of ten is fine if it settles by morning. For sharp pain, or "
    "leg pain, numbness or tingling, stop and roll onto your side. For a weak leg, a numb groin, "
    "or loss of bladder or bowel control, get medical help now."
)

# The full screen, a heading and a paragraph each: printed by `voicecoach safety`, spoken at a
# first session, shown on the phone page and in the feed.
SCREEN: tuple[tuple[str, str], ...] = (
    ("Before you start",
     "Before you exercise, check with a doctor if any of these is true. You have a fever or feel "
     "unwell. You have had cancer, or you are losing weight without trying. You have had a "
     "recent fall or injury, or you have osteoporosis. Your pain is constant, or it wakes you at "
     "night and no position eases it. You have symptoms in both legs, or your symptoms are "
     "getting worse."),
    ("How much pain is fine",
     "Some pain during and after these exercises is normal and safe, as long as it stays at five "
     "out of ten or less, rises no more than two points during a session, and has settled by the "
     "next morning. When it does not, do less. A program does this for you when you log your "
     "pain: it repeats a week, steps back, or pauses."),
    ("When to stop",
     "Stop if a movement brings sharp pain, if pain spreads into a buttock or down a leg, or if "
     "you feel numbness or tingling. To stop on the floor, roll gently onto your side, bend your "
     "knees and rest until it eases. Then come up slowly, pushing up with your hands."),
    ("Get help now",
     "If a leg grows weak, if you go numb around your groin or inner thighs, or if your bladder "
     "or bowel control changes, stop and get medical help straight away: call your doctor or an "
     "urgent care service today."),
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

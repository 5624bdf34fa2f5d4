"""Every message the loader gives about a large set of broken routines (and every routine it makes
of the good ones) is word for word what it was before exercise validation became a table of keys:
the expected outcomes are in routine_messages.json, captured from the earlier loader."""
from __future__ import annotations

import json

import pytest
from broken_routines import MESSAGES, cases, outcome

CASES = cases()
EXPECTED = json.loads(MESSAGES.read_text())


def test_the_captured_outcomes_cover_every_case():
    assert sorted(CASES) == sorted(EXPECTED)
    assert sum("messages" in e for e in EXPECTED.values()) > 2500  # most of them broken


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_loader_says_what_it_said_before(name):
    assert outcome(CASES[name]) == EXPECTED[name]

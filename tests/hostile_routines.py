"""Routine texts meant to hurt the loader: the tests check each is refused, scripts/bench.py how fast."""
from __future__ import annotations

HOSTILE = {
    "billion laughs": "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)),
    "deep nesting": "[" * 5000 + "]" * 5000,
    "deep mappings": "a: " * 3000 + "b\n",
    "huge file": "title: " + "x" * 300_000 + "\n",
    "many keys": "".join(f"k{i}: {i}\n" for i in range(20000)),
    "big integer": "title: T\nexercises:\n  - {name: A, setup: s, reps: " + "9" * 5000 + "}\n",
    "python object": "!!python/object/new:os.system [echo owned]\n",
    # well formed, but days long: 50 exercises of 200 quick reps, 20 sets, on 4 sides
    "days long": "title: T\nexercises:\n" + "".join(
        f"  - name: E{i}\n    setup: s\n    reps: 200\n    sets: 20\n    sides: [a, b, c, d]\n"
        "    tempo: [{w: 0.5s}, {x: 0.5s}, {y: 0.5s}, {z: 0.5s}]\n" for i in range(50)),
}

"""CPU time of the actor's derived search tokens (`registry.domain.actor.search_tokens`), which every
import row and actor write computes: over the name, activities and description of generated actors.

    .venv/bin/python -m bench.search_tokens --actors 20000 --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.generator import actors
from registry.domain.actor import search_tokens


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CPU time of the actor's derived search tokens.")
    parser.add_argument("--actors", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args(argv)
    texts = [(a.get("name"), a.get("activities"), a.get("description")) for a in actors(args.actors, args.seed)]
    # The first round starts from an empty per-word cache, as a fresh process does.
    rounds = []
    for _ in range(args.rounds):
        started = time.process_time()
        for fields in texts:
            search_tokens(fields)
        rounds.append(time.process_time() - started)
    median = statistics.median(rounds)
    print(f"{args.actors} actors: first round {rounds[0]:.3f} s CPU, median of {args.rounds} {median:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Entity resolution's blocking index: the actors sharing each blocking key, in the importer's memory.

A new record's candidates are the actors that share one of its blocking keys
(`importers.resolve.Features.blocking_keys`, stored on each actor as `match_keys`). Asking Neo4j
once per record (a keyword full-text query) was the largest single cost of an import at 250,000
rows, and the full-text index's upkeep at every commit the next. Here the keys live as two sorted
numpy arrays (a 64-bit hash of the key, the actor's number), about 12 bytes a key: some 30 MB for
250,000 actors. A batch's keys are looked up together (`numpy.searchsorted`).

* **Loaded when first needed**, from every actor's `match_keys`: a re-import of an unchanged file
  never loads it. The import fills in keys the graph lacks first (`ImportDao.backfill_match_keys`).
* **Kept current** with the import's own writes after each commit (`add`), and with other
  writers' through the actors whose `updated_at` (indexed) is newer than the last look, less a
  margin for transactions still open then (`refresh`). An actor's old keys stay after it changes: a
  stale key only offers a candidate that scoring then rejects.
* **Ranked like the full-text query was**: a key few actors share says more (an exact e-mail, a whole
  name key) than a word many names have; each candidate is ranked by the rarity of the keys it
  shares (inverse document frequency), and at most `limit` come back a record. Keys shared by more
  than `COMMON` actors only fill places the rare keys left.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

# A key shared by more actors than this is common: its actors fill the places rare keys left.
COMMON = 64
# How far back a refresh looks before the last one: another writer's transaction may have set
# `updated_at` when it began and committed only after that look.
MARGIN_SECONDS = 30

_U64 = np.uint64
_MASK = (1 << 64) - 1


class KeySource(Protocol):
    """What the index reads from the graph (`registry.dao.imports.ImportDao`)."""

    def read_match_keys(self, start: Callable[[], None], each: Callable[[str, list[str]], None]) -> Any: ...

    def match_keys_since(
        self, since: Any, margin_seconds: int, run_id: str | None, known: Callable[[str, int | None], bool]
    ) -> tuple[list[tuple[str, int | None, list[str]]], Any]: ...


def _hash(key: str) -> int:
    # Python's string hash, 64 bits: the index lives only in this process, so its per-process
    # seed does not matter, and two keys sharing a hash only offer a candidate scoring rejects.
    return hash(key) & _MASK


class _Level:
    """Sorted (hash, actor number) pairs."""

    def __init__(self) -> None:
        self.hashes: npt.NDArray[np.uint64] = np.empty(0, dtype=_U64)
        self.actors: npt.NDArray[np.uint32] = np.empty(0, dtype=np.uint32)

    def __len__(self) -> int:
        return len(self.hashes)

    def merge(self, hashes: npt.NDArray[np.uint64], actors: npt.NDArray[np.uint32]) -> None:
        """Inserts the pairs, each after the equal hashes already here (older actors stay first)."""
        order = np.argsort(hashes, kind="stable")
        hashes, actors = hashes[order], actors[order]
        at = np.searchsorted(self.hashes, hashes, side="right")
        self.hashes = np.insert(self.hashes, at, hashes)
        self.actors = np.insert(self.actors, at, actors)

    def find(self, hashes: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        return np.searchsorted(self.hashes, hashes, side="left"), np.searchsorted(self.hashes, hashes, side="right")


class MatchIndex:
    """The actors by blocking key (see the module's docstring)."""

    def __init__(self) -> None:
        self.loaded = False
        self._clear()

    def _clear(self) -> None:
        self._ids: list[str] = []
        self._number: dict[str, int] = {}
        # Most pairs are in `_main`; new ones gather in `_recent` (kept small, so merging a batch's
        # keys is cheap) until it is worth merging into `_main`.
        self._main = _Level()
        self._recent = _Level()
        self._pending_hashes: list[int] = []
        self._pending_actors: list[int] = []
        self._since: Any = None
        # The versions of actors this import wrote, so a refresh reads again only others' writes.
        self._written: dict[str, int | None] = {}

    def __len__(self) -> int:
        """How many actors the index holds."""
        return len(self._ids)

    def load(self, source: KeySource, run_id: str | None) -> None:
        """Every actor's stored keys the first time; later, those of actors other imports changed
        since (`run_id`: this import's run)."""
        if self.loaded:
            changed, self._since = source.match_keys_since(self._since, MARGIN_SECONDS, run_id, self._knows)
            for actor_id, version, keys in changed:
                self.add(actor_id, keys)
                self._written[actor_id] = version
            return
        self._since = source.read_match_keys(self._clear, self.add)
        self.loaded = True

    def _knows(self, actor_id: str, version: int | None) -> bool:
        return actor_id in self._written and self._written[actor_id] == version

    def wrote(self, actor_id: str, version: int | None, keys: Sequence[str]) -> None:
        """The import committed this actor, at this version, with these keys."""
        self.add(actor_id, keys)
        self._written[actor_id] = version
        if len(self._written) > 200_000:
            # A refresh meets only the last margin's worth of them again: keep the newest half.
            self._written = dict(list(self._written.items())[100_000:])

    def add(self, actor_id: str, keys: Iterable[str]) -> None:
        number = self._number.get(actor_id)
        if number is None:
            number = self._number[actor_id] = len(self._ids)
            self._ids.append(actor_id)
        for key in keys:
            self._pending_hashes.append(_hash(key))
            self._pending_actors.append(number)

    def _flush(self) -> None:
        if not self._pending_hashes:
            return
        hashes = np.fromiter(self._pending_hashes, dtype=_U64, count=len(self._pending_hashes))
        actors = np.fromiter(self._pending_actors, dtype=np.uint32, count=len(self._pending_actors))
        self._pending_hashes, self._pending_actors = [], []
        self._recent.merge(hashes, actors)
        if len(self._recent) > max(50_000, len(self._main) // 8):
            self._main.merge(self._recent.hashes, self._recent.actors)
            self._recent = _Level()

    def candidates(self, records: Sequence[Sequence[str]], limit: int) -> list[list[str]]:
        """For each record's blocking keys, the ids of at most `limit` actors sharing them, the actors
        sharing the rarest keys first (ties: the actor the index met first)."""
        self._flush()
        unique = sorted({key for keys in records for key in keys})
        if not unique or not self._ids:
            return [[] for _ in records]
        hashes = np.fromiter((_hash(k) for k in unique), dtype=_U64, count=len(unique))
        postings: dict[str, npt.NDArray[np.uint32]] = {}
        levels = [(level, *level.find(hashes)) for level in (self._main, self._recent) if len(level)]
        for i, key in enumerate(unique):
            parts = [level.actors[lo[i] : hi[i]] for level, lo, hi in levels if hi[i] > lo[i]]
            if parts:
                postings[key] = parts[0] if len(parts) == 1 else np.concatenate(parts)
        total = len(self._ids)
        out: list[list[str]] = []
        for keys in records:
            found = sorted((len(postings[k]), k) for k in set(keys) if k in postings)
            score: dict[int, float] = {}
            common: list[npt.NDArray[np.uint32]] = []
            for df, key in found:
                if df > COMMON:
                    common.append(postings[key])
                    continue
                weight = math.log(1.0 + total / df)
                for number in set(postings[key].tolist()):
                    score[number] = score.get(number, 0.0) + weight
            chosen = sorted(score, key=lambda n: (-score[n], n))[:limit]
            for posting in common:
                if len(chosen) >= limit:
                    break
                taken = set(chosen)
                for number in posting[: limit * 4].tolist():
                    if number not in taken:
                        chosen.append(number)
                        taken.add(number)
                        if len(chosen) >= limit:
                            break
            out.append([self._ids[n] for n in chosen])
        return out

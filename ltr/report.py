"""Counting what happened to every input row, so that nothing is lost silently.

Three kinds of counts: ``counts`` (what was read and kept), ``notes`` (rows kept under a documented rule, e.g.
a deduplicated event or a tolerated clock skew) and ``rejected`` (rows not used, each also kept as a
:class:`~ltr.types.Reject` for the rejects file). Readers and joins fill one report; the CLI prints it.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .types import Reject

MAX_EXAMPLES = 3


@dataclass
class DataReport:
    """Counts per reason plus the first examples; every reject is kept for the rejects file (written by the
    CLI: ``plugin_integration.cli_support.RejectsFile``)."""

    counts: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] += n

    def note(self, reason: str, n: int = 1, example: str | None = None) -> None:
        """Count rows kept under a documented rule (``duplicate_event``, ``clock_skew_tolerated``, ...)."""
        if n:
            self.notes[reason] += n
            self._example(reason, example)

    def reject(self, reject: Reject) -> None:
        self.rejected[reject.reason] += 1
        self.rejects.append(reject)
        self._example(reject.reason, f"{reject.location()}: {reject.message}")

    @property
    def n_rejected(self) -> int:
        return sum(self.rejected.values())

    def merge(self, other: DataReport) -> DataReport:
        """A new report with both reports' counts (reading, then joining, then fitting)."""
        merged = DataReport(self.counts + other.counts, self.notes + other.notes,
                            self.rejected + other.rejected,
                            {k: list(v) for k, v in self.examples.items()}, self.rejects + other.rejects)
        for reason, examples in other.examples.items():
            bucket = merged.examples.setdefault(reason, [])
            bucket.extend(examples[: MAX_EXAMPLES - len(bucket)])
        return merged

    def summary(self) -> dict[str, dict[str, int]]:
        return {"counts": dict(self.counts), "notes": dict(self.notes), "rejected": dict(self.rejected)}

    def _example(self, reason: str, example: str | None) -> None:
        if example is None:
            return
        bucket = self.examples.setdefault(reason, [])
        if len(bucket) < MAX_EXAMPLES:
            bucket.append(example)


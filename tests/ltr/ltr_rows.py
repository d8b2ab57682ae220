"""Row builders for hand-written click logs (a uniquely named module, so imports never clash)."""
from __future__ import annotations

from typing import Any

T0 = 1_700_000_000.0


def search(search_id: str, results: list[str], t: float = T0, user: str | None = "u1",
           query: str = "red shoes") -> dict[str, Any]:
    return {"type": "search", "search_id": search_id, "user_id": user, "session_id": "s", "query": query,
            "results": results, "timestamp": t}


def event(kind: str, search_id: str, doc: str, position: int | None, t: float = T0 + 5,
          user: str | None = "u1") -> dict[str, Any]:
    row = {"type": kind, "search_id": search_id, "user_id": user, "doc_id": doc, "timestamp": t}
    if position is not None:
        row["position"] = position
    return row

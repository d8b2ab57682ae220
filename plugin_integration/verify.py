"""``model verify``: re-score logged rows through the cluster's ``sltr`` and compare with the trained model.

The served-score drift users report (a model that ranks differently online than offline) has three causes: the
cluster computes other feature values than the ones trained on, the conversion routes a value differently, or
the plugin evaluates missing values differently. This check covers all three at once: for a sample of logged
queries it asks the cluster for the model's score of each logged document under the same params (the ``sltr``
with ``model`` is the whole score of a ``bool.must``), and compares it with the reference scores computed offline
(LightGBM's ``predict`` on the logged feature values, plus the served model's constant offset).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .errors import from_body, translated
from .ltr_api import is_opensearch_client
from .queries import BaseClause, model_score

DEFAULT_TOLERANCE = 1e-5


@dataclass(frozen=True)
class ScoredRow:
    qid: str
    doc_id: str
    expected: float
    served: float | None  # None: the cluster did not return the document

    @property
    def error(self) -> float:
        return float("inf") if self.served is None else abs(self.served - self.expected)


@dataclass
class Verification:
    model: str
    tolerance: float
    rows: list[ScoredRow] = field(default_factory=list)

    @property
    def failures(self) -> list[ScoredRow]:
        return [r for r in self.rows if not r.error <= self.tolerance * max(1.0, abs(r.expected))]

    @property
    def max_error(self) -> float:
        return max((r.error for r in self.rows), default=0.0)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.failures


def scoring_search(model: str, params: Mapping[str, Any], doc_ids: Sequence[str], store: str | None = None,
                   base: BaseClause | None = None) -> dict[str, Any]:
    """The model's served score for each of ``doc_ids``: the ``sltr`` (plus the model's base clause) as the only
    scoring clause, ids as a filter."""
    ids = list(dict.fromkeys(str(d) for d in doc_ids))
    return {"size": len(ids), "_source": False, "query": {"bool": {
        "filter": [{"ids": {"values": ids}}], "must": [model_score(params, model, store, base)]}}}


def verify(client: Any, index: str, model: str, params: Mapping[str, Mapping[str, Any]],
           expected: Mapping[str, Mapping[str, float]], *, store: str | None = None,
           tolerance: float = DEFAULT_TOLERANCE, batch_size: int = 32, base: BaseClause | None = None,
           ) -> Verification:
    """Compare the cluster's scores with ``expected[qid][doc_id]`` under ``params[qid]`` (one search per qid)."""
    result = Verification(model, tolerance)
    qids = [q for q in expected if expected[q]]
    for start in range(0, len(qids), batch_size):
        batch = qids[start:start + batch_size]
        lines: list[Any] = []
        for qid in batch:
            lines.extend(({"index": index}, scoring_search(model, params[qid], list(expected[qid]), store, base)))
        with translated(f"check that model {model!r} exists (mmltr model list) and runs on {index!r}"):
            response = client.msearch(body=lines) if is_opensearch_client(client) else client.msearch(searches=lines)
        responses = getattr(response, "body", response)["responses"]
        for qid, answer in zip(batch, responses):
            if "error" in answer:
                raise from_body(answer.get("status", "N/A"), answer, hint=f"scoring query {qid!r} failed")
            served = {str(h["_id"]): float(h["_score"]) for h in answer["hits"]["hits"]}
            result.rows.extend(ScoredRow(qid, doc_id, float(score), served.get(doc_id))
                               for doc_id, score in expected[qid].items())
    return result

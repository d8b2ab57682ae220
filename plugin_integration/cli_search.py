"""``mmltr search``: one query through the first stage and the served model, as an application would send it.

``--explain`` shows, per hit, the features the model scored (logged by the cluster with ``ltr_log``) and their
contributions (LightGBM ``pred_contrib`` on those values, from the model copy ``model upload`` kept).
"""
from __future__ import annotations

import json
from typing import Any

import click
import numpy as np
from rich.console import Console
from rich.table import Table

from . import models as models_mod
from . import served_models
from .cli_features import default_featureset_name
from .cli_support import friendly_errors
from .search import Hit, Searcher

TOP_CONTRIBUTIONS = 3


def latest_model(client: Any, alias: str, store: str | None) -> str | None:
    """The newest model of the alias's default featureset (names end in a sortable timestamp)."""
    found = models_mod.list_models(client, default_featureset_name(alias) + "__", store)
    return sorted(m.name for m in found)[-1] if found else None


def contributions(data_dir: Any, model: str, hits: list[Hit]) -> list[dict[str, float]]:
    """Per hit, each feature's LightGBM contribution (plus ``bias``), on the values the cluster logged."""
    import lightgbm as lgb  # heavy optional dependency (the train extra)

    served, model_file = served_models.load(data_dir, model)
    booster = lgb.Booster(model_file=str(model_file))
    names = list(served.feature_names)
    X = np.array([[h.features.get(n, np.nan) if h.features else np.nan for n in names] for h in hits],
                 dtype=np.float32).astype(np.float64)
    contrib = booster.predict(X, pred_contrib=True)
    if served.base:  # the base score is all its feature's: weight * value, added to that feature's share
        column = names.index(served.base["feature"])
        contrib[:, column] += float(served.base["weight"]) * X[:, column]
    return [{**dict(zip(names, row[:-1])), "bias": row[-1] + served.offset} for row in contrib]


@click.command("search")
@click.argument("query")
@click.option("--alias", default="items", show_default=True)
@click.option("--user", default=None, help="User id (personal params from the users index; unknown: neutral).")
@click.option("--model", default=None, help="Model to rescore with (default: the newest of <alias>_fused).")
@click.option("--no-model", is_flag=True, help="The first stage only (BM25 + knn).")
@click.option("-k", "--size", "k", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--window", type=click.IntRange(1), default=400, show_default=True, help="Rescore window.")
@click.option("--explain", is_flag=True, help="Show each hit's top feature contributions.")
@click.option("--json", "as_json", is_flag=True, help="Print hits as JSON.")
@click.option("--store", default=None, help="Named feature store.")
@click.pass_obj
@friendly_errors
def search(obj: Any, query: str, alias: str, user: str | None, model: str | None, no_model: bool, k: int,
           window: int, explain: bool, as_json: bool, store: str | None) -> None:
    """Search ALIAS for QUERY as an application would: first stage, then the LTR rescorer."""
    client = obj.client()
    if no_model:
        model = None
    elif model is None:
        model = latest_model(client, alias, store)
    searcher = Searcher(client, alias, store=store, data_dir=obj.data_dir)
    hits = searcher.search(query, user, model, k, window=window, explain=explain)
    parts = contributions(obj.data_dir, model, hits) if explain and model and hits else [{} for _ in hits]
    if as_json:
        click.echo(json.dumps([{"id": h.doc_id, "score": h.score, "source": h.source, "features": h.features,
                                "contributions": c or None} for h, c in zip(hits, parts)], indent=2,
                              ensure_ascii=False))
        return
    table = Table(title=f"{query!r} on {alias}" + (f", model {model}" if model else ", first stage only")
                  + (f", user {user}" if user else ""))
    for column in ("#", "id", "title", "price", "score") + (("top contributions",) if explain else ()):
        table.add_column(column, overflow="fold")
    for rank, (hit, part) in enumerate(zip(hits, parts), start=1):
        top = sorted(((n, v) for n, v in part.items() if n != "bias"), key=lambda nv: -abs(nv[1]))
        cells = [str(rank), hit.doc_id, str(hit.source.get("title", ""))[:60], str(hit.source.get("price", "")),
                 f"{hit.score:.4f}"]
        if explain:
            cells.append(", ".join(f"{n} {v:+.3f}" for n, v in top[:TOP_CONTRIBUTIONS]))
        table.add_row(*cells)
    Console(highlight=False, soft_wrap=True).print(table)

"""Shared by the CLI loop tests: the Icecat subset they index, and one way to invoke ``mmltr``."""
from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pandas as pd
from click.testing import CliRunner, Result
from support.paths import ICECAT

from plugin_integration.cli import main


def icecat_subset(root: Path, n_queries: int, n_others: int, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``n_queries`` smallest judged queries with 5+ judgments and 2+ grades, their documents and
    ``n_others`` other products, written to ``root/catalog.jsonl`` and ``root/judgments.csv`` (plus ``extra``
    judgment rows, e.g. one for a document the catalogue lacks). Returns the real judgments."""
    judgments = pd.read_csv(ICECAT / "judgments.csv", dtype={"doc_id": str})
    sizes = judgments.groupby("qid").agg(n=("grade", "size"), grades=("grade", "nunique"))
    chosen = sizes[(sizes.n >= 5) & (sizes.grades >= 2)].sort_values("n", kind="stable").head(n_queries).index
    judgments = judgments[judgments.qid.isin(chosen)].reset_index(drop=True)
    judged = set(judgments.doc_id)
    with gzip.open(ICECAT / "catalog.jsonl.gz", "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    others = random.Random(0).sample([r for r in rows if r["id"] not in judged], n_others)
    with open(root / "catalog.jsonl", "w", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in [r for r in rows if r["id"] in judged] + others)
    written = judgments if extra is None else pd.concat([judgments, extra])
    written.to_csv(root / "judgments.csv", index=False)
    return judgments


def run_cli(data_dir: Path, *args: str) -> Result:
    """``mmltr --data-dir DATA_DIR ARGS`` through click's runner (wide output, exceptions raised)."""
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], catch_exceptions=False,
                              env={"COLUMNS": "250"})

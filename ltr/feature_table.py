"""The feature table: what ``features log`` writes and ``ltr.train`` reads. The one definition of the contract.

A pandas DataFrame or a Parquet file, one row per judged (query, document[, user]):

=============  ========  =================================================================================
column         required  meaning
=============  ========  =================================================================================
``qid``        yes       query id (any type; compared as its string)
``doc_id``     yes       document id
``grade``      yes       integer relevance grade, ``0..max_grade`` (DESIGN §4: 0..4)
``user_id``    no        personalized judgments: the query group is (qid, user_id)
``timestamp``  no        when the query was issued (datetime or number): the split is by time
``position``   no        0-based rank the document was shown at: position-debiased training
features       yes       then one numeric column per feature, named and ordered as the featureset;
                         float32 scores as the plugin logs them; NaN = missing (3.x ``ltr_log``)
=============  ========  =================================================================================

Rows of one query group need not be contiguous; they are grouped in order of first appearance.
"""
from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

REQUIRED = ("qid", "doc_id", "grade")
OPTIONAL = ("user_id", "timestamp", "position")
RESERVED = REQUIRED + OPTIONAL
MAX_GRADE = 4


class TrainingError(ValueError):
    """Input that cannot be trained on; the message names the column/qid and the fix."""


@dataclass
class Table:
    """A validated table: rows grouped contiguously, features as float32."""

    frame: pd.DataFrame  # the reserved columns, rows in group order
    X: np.ndarray  # float32 [n_rows, n_features]
    feature_names: list[str]
    group_keys: list[str]  # one per group, in order
    group_sizes: np.ndarray  # int64 per group
    dropped_single: list[str] = field(default_factory=list)
    sha256: str = ""
    source: str | None = None

    @property
    def grade(self) -> np.ndarray:
        return self.frame["grade"].to_numpy(np.int64)

    def group_starts(self) -> np.ndarray:
        return np.r_[0, np.cumsum(self.group_sizes)[:-1]].astype(np.int64)

    def group_qids(self) -> list[str]:
        first = self.group_starts()
        return [str(q) for q in self.frame["qid"].to_numpy()[first]]

    def group_column(self, name: str) -> np.ndarray | None:
        if name not in self.frame:
            return None
        return self.frame[name].to_numpy()[self.group_starts()]


#: Parquet schema metadata naming the featureset the table was logged with (``model upload`` reads it back
#: through ``record.json``, so a trained model is uploaded against the right set).
FEATURESET_META_KEY = b"mmltr.featureset"


def write_table(frame: pd.DataFrame, path: str | Path, featureset: str | None = None) -> None:
    """Write a feature table as Parquet, with the featureset's name in the schema metadata."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if featureset:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), FEATURESET_META_KEY: featureset})
    pq.write_table(table, path)


def table_featureset(path: str | Path) -> str | None:
    """The featureset name :func:`write_table` stored, if any."""
    value = (pq.read_schema(path).metadata or {}).get(FEATURESET_META_KEY)
    return value.decode("utf-8") if value else None


def read_table(source: pd.DataFrame | str | Path) -> tuple[pd.DataFrame, str | None]:
    if isinstance(source, pd.DataFrame):
        return source, None
    path = Path(source)
    if not path.is_file():
        raise TrainingError(f"{path}: no such feature table; write one with `mmltr features log` (Parquet)")
    return pd.read_parquet(path), str(path)


def _data_hash(frame: pd.DataFrame, X: np.ndarray, names: list[str]) -> str:
    """sha256 over the contract's columns in order: ids by pandas' stable 64-bit value hashes (vectorised: hashing
    a million ids as Python strings cost more than the rest of validation), numbers as little-endian bytes."""
    h = hashlib.sha256()
    for col in [c for c in RESERVED if c in frame]:
        h.update(col.encode() + b"\x00")
        values = frame[col]
        if col in ("qid", "doc_id", "user_id"):
            hashed = pd.util.hash_pandas_object(values, index=False).to_numpy()
            h.update(np.ascontiguousarray(hashed).tobytes())
        else:
            h.update(np.ascontiguousarray(values.to_numpy(np.float64)).tobytes())
    h.update("\x1f".join(names).encode("utf-8") + b"\x00")
    h.update(np.ascontiguousarray(X).tobytes())
    return h.hexdigest()


def validate(source: pd.DataFrame | str | Path, feature_names: Sequence[str] | None = None, *,
             max_grade: int = MAX_GRADE) -> Table:
    """Check the contract and group the rows; queries with one judged document are dropped with a warning."""
    df, where = read_table(source)
    label = where or "feature table"
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise TrainingError(f"{label}: missing column(s) {missing}; the table needs qid, doc_id, grade, then one "
                            "column per feature (see ltr.feature_table)")
    columns = [c for c in df.columns if c not in RESERVED]
    if feature_names is None:
        feature_names = columns
    names = [str(n) for n in feature_names]
    if [str(c) for c in columns] != names:
        extra = [c for c in columns if c not in names]
        absent = [n for n in names if n not in columns]
        if extra or absent:
            raise TrainingError(f"{label}: feature columns do not match the featureset: not in the featureset "
                                f"{extra}, missing from the table {absent}; log features with the featureset "
                                "the model is for")
        raise TrainingError(f"{label}: feature columns are in the order {columns}, the featureset's is {names}; "
                            "reorder the columns (a model's features are positional)")
    if not names:
        raise TrainingError(f"{label}: no feature columns after {list(RESERVED)}")
    dtypes = df.dtypes  # one lookup for every column (a Series per column cost ~10 ms on 300 features)
    for col in names:
        kind = dtypes[col]
        if not (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_bool_dtype(kind)) or \
                isinstance(kind, pd.CategoricalDtype):
            sample = df[col].dropna().head(1).tolist()
            raise TrainingError(f"{label}: feature column {col!r} is {kind} (e.g. {sample}), not numeric; "
                                "LTR features are float scores: encode categories as numeric features "
                                "(e.g. an affinity score), never as LightGBM categorical features")
    grade = pd.to_numeric(df["grade"], errors="coerce")
    bad = df["grade"].notna() & grade.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise TrainingError(f"{label}: row {i} (qid {df['qid'].iloc[i]!r}) has grade {df['grade'].iloc[i]!r}, "
                            f"not a number; grades are integers 0..{max_grade}")
    if grade.isna().any():
        i = np.flatnonzero(grade.isna().to_numpy())
        qids = sorted({str(q) for q in df["qid"].iloc[i]})[:5]
        raise TrainingError(f"{label}: {len(i)} rows have no grade (NaN), in qids {qids}; fill or drop "
                            "unjudged rows before training")
    g = grade.to_numpy(np.float64)
    off = (g != np.round(g)) | (g < 0) | (g > max_grade)
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise TrainingError(f"{label}: row {i} (qid {df['qid'].iloc[i]!r}) has grade {float(g[i])!r}; grades must be "
                            f"integers 0..{max_grade}: round or rescale them")
    if "position" in df and df["position"].isna().any():
        i = int(np.flatnonzero(df["position"].isna().to_numpy())[0])
        raise TrainingError(f"{label}: row {i} (qid {df['qid'].iloc[i]!r}) has no position; every row needs "
                            "the 0-based rank it was shown at, or drop the position column")
    frame = df[[c for c in RESERVED if c in df]].copy()
    frame["grade"] = g.astype(np.int64)
    keys = frame["qid"].astype(str)
    if "user_id" in frame:
        keys = keys + "\x1f" + frame["user_id"].fillna("").astype(str)  # no user (anonymous): one group
    codes, uniques = pd.factorize(keys)  # first-appearance order
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=len(uniques))
    single = np.flatnonzero(sizes == 1)
    dropped = [str(uniques[k]).replace("\x1f", " user ") for k in single]
    if len(single):
        warnings.warn(f"{label}: dropped {len(single)} queries with a single judged document (nothing to rank), "
                      f"e.g. qid {dropped[:3]}", stacklevel=2)
        keep_group = sizes > 1
        order = order[keep_group[codes[order]]]
    if not len(order):
        raise TrainingError(f"{label}: no query has two or more judged documents; judge several documents per "
                            "query")
    in_place = len(order) == len(frame) and bool((order == np.arange(len(order))).all())  # already grouped
    frame = frame.reset_index(drop=True) if in_place else frame.iloc[order].reset_index(drop=True)
    kept_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, kept_codes[1:] != kept_codes[:-1]])
    group_sizes = np.diff(np.r_[starts, len(order)]).astype(np.int64)
    grades = frame["grade"].to_numpy()
    if (np.minimum.reduceat(grades, starts) == np.maximum.reduceat(grades, starts)).all():
        raise TrainingError(f"{label}: every query has all-equal grades (e.g. qid {frame['qid'].iloc[0]!r}), "
                            "so there is no order to learn; judge documents of different relevance per query")
    with np.errstate(over="ignore"):  # straight to float32 (what the plugin sees), one copy
        X = df[names].to_numpy(dtype=np.float32)
    if not in_place:
        X = X[order]
    group_keys = pd.Index(uniques).take(kept_codes[starts]).astype(str).tolist()
    table = Table(frame, X, names, group_keys, group_sizes, dropped, source=where)
    table.sha256 = _data_hash(frame, X, names)
    return table

"""Streaming readers for catalogue files: JSONL, CSV and Parquet (optionally gzip-compressed text formats).

Each reader yields ``RawRecord`` one row at a time with its 1-based row number, reading the file in chunks,
so memory does not grow with the catalogue. A line that is not even a JSON object, or a row with a byte that is
not UTF-8, is still yielded (with ``error`` set) so that validation can reject it with its row number instead
of the reader stopping the run: one corrupt byte in a million-row export must cost one row, not the load.
"""

from __future__ import annotations

import gzip
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import CatalogError

FORMATS: tuple[str, ...] = ("jsonl", "csv", "parquet")
_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
CHUNK_ROWS = 2048


@dataclass(frozen=True)
class RawRecord:
    """One source row before validation; ``data`` is ``None`` when the row could not be parsed (``error``
    says why, ``kind`` is the rejects file's reason code)."""

    row: int
    data: dict[str, Any] | None
    error: str | None = None
    kind: str = "invalid_json"


def detect_format(path: Path) -> str:
    """Format from the file name (``.jsonl``, ``.csv``, ``.parquet``, each text format optionally ``.gz``)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in _SUFFIXES:
        return _SUFFIXES[suffixes[-1]]
    raise CatalogError(
        f"{path}: cannot tell the catalogue format from the file name; use a .jsonl, .csv or .parquet "
        f"suffix (optionally .gz for text formats) or pass --format {{{','.join(FORMATS)}}}"
    )


def iter_records(path: str | Path, fmt: str | None = None) -> Iterator[RawRecord]:
    """Yield every row of a catalogue file, in file order, without loading the whole file."""
    path = Path(path)
    if not path.is_file():
        raise CatalogError(
            f"{path}: catalogue file not found; check the path (relative paths start at {Path.cwd()})"
        )
    fmt = fmt or detect_format(path)
    if fmt == "jsonl":
        yield from _iter_jsonl(path)
    elif fmt == "csv":
        yield from _iter_csv(path)
    elif fmt == "parquet":
        yield from _iter_parquet(path)
    else:
        raise CatalogError(f"{path}: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def count_rows(path: str | Path, fmt: str | None = None) -> int | None:
    """The number of rows a reader will yield, for progress totals: non-blank lines of JSONL, the Parquet
    metadata's row count; ``None`` where a count costs a parse (CSV, whose quoted cells may hold newlines) or
    the file cannot be read (the reader then reports why)."""
    path = Path(path)
    try:
        fmt = fmt or detect_format(path)
        if fmt == "parquet":
            return int(pq.ParquetFile(path).metadata.num_rows)
        if fmt == "jsonl":
            opener = gzip.open if path.suffix.lower() == ".gz" else open
            with opener(path, "rb") as handle:
                return sum(1 for line in handle if line.strip())
    except (OSError, EOFError, CatalogError, pa.ArrowException):
        return None
    return None


def _open_binary(path: Path) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")  # type: ignore[return-value]


def invalid_utf8(text: str) -> str | None:
    """Describe the first byte that was not UTF-8 in ``text`` decoded with ``surrogateescape`` (each such byte
    became a lone surrogate U+DC80..U+DCFF), or ``None`` when the text was valid UTF-8."""
    match = _ESCAPED_BYTE.search(text)
    if match is None:
        return None
    byte = ord(match.group()) - 0xDC00
    return f"invalid UTF-8 byte 0x{byte:02x} at character {match.start() + 1}; save the file as UTF-8"


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _iter_jsonl(path: Path) -> Iterator[RawRecord]:
    """Row numbers are line numbers (lines end at ``\\n``); blank lines are skipped but counted, so numbers
    match an editor's. Lines are decoded one by one, so a bad byte rejects its own row only."""
    try:
        with _open_binary(path) as handle:
            for line_no, raw in enumerate(handle, start=1):
                if not raw.strip():  # ASCII whitespace only, as count_rows counts (str.strip eats \x1c too)
                    continue
                line = raw.decode("utf-8", "surrogateescape")
                bad = invalid_utf8(line)
                if bad is not None:
                    yield RawRecord(line_no, None, bad, "invalid_utf8")
                    continue
                try:
                    value = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    yield RawRecord(line_no, None, f"invalid JSON ({exc}); each line must be one JSON object")
                    continue
                if not isinstance(value, dict):
                    yield RawRecord(
                        line_no, None, f"a JSON {type(value).__name__} where a JSON object was expected"
                    )
                    continue
                yield RawRecord(line_no, value)
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise CatalogError(f"{path}: cannot read the file ({exc}); is it UTF-8 JSONL (gzip if .gz)?") from exc


def _iter_csv(path: Path) -> Iterator[RawRecord]:
    """Row 1 is the first data row after the header. Every cell is read as text; validation parses numbers.

    Bytes that are not UTF-8 are kept as lone surrogates (``surrogateescape``; ``dtype=object`` because
    Arrow strings refuse them) and the row that holds one is yielded as unreadable, with the column named."""
    sep = "\t" if ".tsv" in [s.lower() for s in path.suffixes] else ","
    try:
        reader = pd.read_csv(
            path,
            sep=sep,
            dtype=object,
            keep_default_na=False,
            na_values=[""],
            chunksize=CHUNK_ROWS,
            compression="infer",
            encoding="utf-8",
            encoding_errors="surrogateescape",
        )
        row = 0
        for chunk in reader:
            _check_header(path, [str(c) for c in chunk.columns])
            for record in chunk.to_dict(orient="records"):
                row += 1
                yield _csv_record(row, record)
    except UnicodeEncodeError as exc:  # pandas builds the column index as Arrow strings: a bad header byte
        bad = invalid_utf8(exc.object) if isinstance(exc.object, str) else None
        raise CatalogError(
            f"{path}: the header row has an {bad or 'invalid UTF-8 byte'}; no column can be trusted"
        ) from exc
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise CatalogError(
            f"{path}: cannot parse the CSV ({exc}); it needs a header row and UTF-8 text"
        ) from exc


def _check_header(path: Path, columns: list[str]) -> None:
    for column in columns:
        bad = invalid_utf8(column)
        if bad is not None:
            raise CatalogError(f"{path}: the header row has an {bad}; no column can be trusted")


def _csv_record(row: int, record: dict[str, Any]) -> RawRecord:
    for column, value in record.items():
        bad = invalid_utf8(value) if isinstance(value, str) else None
        if bad is not None:
            return RawRecord(row, None, f"column {column!r}: {bad}", "invalid_utf8")
    return RawRecord(row, {k: _none_if_nan(v) for k, v in record.items()})


def _iter_parquet(path: Path) -> Iterator[RawRecord]:
    try:
        parquet = pq.ParquetFile(path)
        row = 0
        for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
            for record in batch.to_pylist():
                row += 1
                yield RawRecord(row, {k: _none_if_nan(v) for k, v in record.items()})
    except (OSError, pa.ArrowException) as exc:
        raise CatalogError(f"{path}: cannot read the Parquet file ({exc})") from exc


def _none_if_nan(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value

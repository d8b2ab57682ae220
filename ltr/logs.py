"""Reading a click log in any supported format: the one entry point, choosing the reader.

Our JSONL is read by :mod:`.clicklog`, OpenSearch UBI exports by :mod:`.ubi` (which builds on the JSONL
reader's column-wise builder); this module sits above both so that neither imports the other's caller.
"""
from __future__ import annotations

import logging
from pathlib import Path

from .clicklog import ClickLog, ClickLogError, read_jsonl_log
from .ubi import find_ubi_files, read_ubi_log

log = logging.getLogger(__name__)


def read_click_log(path: str | Path, log_format: str = "auto", *, ordinal_base: int = 1) -> ClickLog:
    """Read a click log, choosing the reader from ``log_format`` (``auto``, ``jsonl`` or ``ubi``).

    ``auto``: a directory, or a file named ``ubi_queries*``, is a UBI export; any other file is our JSONL.
    ``ordinal_base`` is the number UBI uses for the first position (``event_attributes.position.ordinal``).
    """
    path = Path(path)
    if not path.exists():
        raise ClickLogError(f"click log {path} does not exist; pass a JSONL log file or a UBI export "
                            "directory")
    if log_format == "auto":
        log_format = "ubi" if path.is_dir() or path.name.startswith("ubi_queries") else "jsonl"
    if log_format == "jsonl":
        if path.is_dir():
            raise ClickLogError(f"{path} is a directory; a JSONL click log is one file (use --format ubi "
                                "for a UBI export directory)")
        result = read_jsonl_log(path)
    elif log_format == "ubi":
        result = read_ubi_log(*find_ubi_files(path), ordinal_base=ordinal_base)
    else:
        raise ClickLogError(f"unknown click log format {log_format!r}; use auto, jsonl or ubi")
    log.info("read %d searches and %d events from %s (%d rows rejected)", result.n_searches, result.n_events,
             path, result.report.n_rejected)
    return result

"""What the ``mmltr inspect`` page reads besides rankings: the users to pick from, where the catalogue's
images are, and the latest evaluation report.

* Users: the profiles mmltr stores (the ``users`` index ``profiles build`` writes), each labelled with its
  strongest category and brand affinity so a person can pick two users with different tastes.
* Images: an item's ``image`` is a URL (shown as it is) or a path relative to the folder the catalogue was
  loaded with (``index load --images-dir``, by default the catalogue's folder, recorded in the index's
  ``_meta``); the page serves only files inside that folder (:func:`image_file`).
* Report: ``mmltr evaluate --report DIR`` and ``mmltr demo`` write ``report.html``; the newest one under the
  data directory, or the one given.
"""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from opensearchpy import helpers

from .errors import translated
from .users import DEFAULT_USERS_INDEX

log = logging.getLogger(__name__)

REPORT_FILE = "report.html"
#: Files the page serves from the images folder (never the catalogue or anything else that sits beside it).
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"})
MAX_USERS = 2000
#: Folders of the data directory that hold the node's own files, never a report.
_NODE_FOLDERS = frozenset({"indices", "models", "translog"})


@dataclass(frozen=True)
class UserChoice:
    user_id: str
    label: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.user_id, "label": self.label}


def stored_users(client: Any, index: str = DEFAULT_USERS_INDEX, limit: int = MAX_USERS) -> list[UserChoice]:
    """Up to ``limit`` users of the profiles index, by id; none without the index."""
    with translated(f"check the {index!r} index (mmltr profiles build writes it)"):
        if not client.indices.exists(index=index):
            return []
        query = {"query": {"match_all": {}}, "_source": ["user_id", "category_affinity", "brand_affinity"]}
        docs = [hit.get("_source") or {} for hit in helpers.scan(client, index=index, query=query)]
    choices = sorted((_choice(doc) for doc in docs if doc.get("user_id") is not None),
                     key=lambda c: _natural(c.user_id))
    if len(choices) > limit:
        log.info("%d users in %s; the picker lists the first %d", len(choices), index, limit)
    return choices[:limit]


def _choice(doc: Mapping[str, Any]) -> UserChoice:
    user_id = str(doc["user_id"])
    likes = [name for name in (_top(doc.get("category_affinity")), _top(doc.get("brand_affinity"))) if name]
    return UserChoice(user_id, f"{user_id} (likes {', '.join(likes)})" if likes else user_id)


def _top(affinity: Any) -> str | None:
    if not isinstance(affinity, Mapping) or not affinity:
        return None
    name, weight = max(affinity.items(), key=lambda kv: (float(kv[1] or 0.0), kv[0]))
    return str(name).split(" > ")[-1] if float(weight or 0.0) > 0 else None


def _natural(text: str) -> tuple[Any, ...]:
    """``u2`` before ``u10``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def default_images_dir(meta: Mapping[str, Any]) -> Path | None:
    """The folder the index's images are relative to: the recorded ``images_dir``, else the catalogue's
    folder (``index load``'s default), from the index's ``_meta.mmltr``."""
    for key in ("images_dir", "catalog"):
        value = meta.get(key)
        if isinstance(value, str) and value:
            folder = Path(value) if key == "images_dir" else Path(value).parent
            return folder.resolve()
    return None


def image_url(value: Any, images_dir: Path | None) -> str | None:
    """How the page shows an item's ``image``: a URL as it is; a local file as ``/image/<path inside the
    images folder>``; None when there is none or it lies outside the folder."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.lower().startswith(("http://", "https://")):
        return text
    if images_dir is None:
        return None
    local = Path(text[len("file://"):] if text.lower().startswith("file://") else text)
    relative = _inside(images_dir, local if local.is_absolute() else images_dir / local)
    return None if relative is None else "/image/" + quote(relative.as_posix())


def image_file(images_dir: Path | None, name: str) -> Path | None:
    """The file ``/image/<name>`` serves: an existing image file inside ``images_dir`` (after resolving
    ``..`` and links), else None, so no request reads anything outside the folder."""
    if images_dir is None or not name or "\x00" in name:
        return None
    path = images_dir / name
    relative = _inside(images_dir, path)
    if relative is None or path.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    resolved = images_dir.resolve() / relative
    return resolved if resolved.is_file() else None


def _inside(folder: Path, path: Path) -> Path | None:
    try:
        return Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
    except ValueError:
        return None


def latest_report(data_dir: Path, given: Path | None = None) -> Path | None:
    """``given`` (a report directory or its ``report.html``), else the newest ``report.html`` under
    ``data_dir`` (the demo writes ``<data-dir>/demo/<size>/report``)."""
    if given is not None:
        path = given / REPORT_FILE if given.is_dir() else given
        if not path.is_file():
            raise ValueError(f"--report {given}: no {REPORT_FILE} there; write one with mmltr evaluate JUDGMENTS "
                             "--report DIR, or leave --report out to show the newest under the data directory")
        return path.resolve()
    found: list[Path] = []
    for root, folders, files in os.walk(data_dir):
        folders[:] = [f for f in folders if f not in _NODE_FOLDERS]
        if REPORT_FILE in files:
            found.append(Path(root) / REPORT_FILE)
    return max(found, key=lambda p: (p.stat().st_mtime, str(p))).resolve() if found else None

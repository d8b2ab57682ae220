"""What every ``mmltr`` command shares: exit codes, the rejects file, and the translation of errors to messages.

Why here: these contracts cross packages. The error translation must know the error types of every package
(``indexer``, ``ltr``, the cluster client, the embedded node's locked data directory) and the rejects writer
must accept the rejected rows of both the indexer and the click-log readers. Pure ``ltr`` and non-CLI
``indexer`` code may not import across packages (DESIGN.md §3), so the one home is a CLI module; it sits next
to the root group (:mod:`plugin_integration.cli`), the composition root. Group modules (``indexer/cli*.py``,
``ltr/cli*.py``, ``plugin_integration/cli_*.py``) import it; it imports no CLI group, so there is no cycle.

**Exit codes** (every command): 0 success; 1 failed (one message, never a traceback: ``-vv`` logs it);
2 usage error (click); 3 finished, but input rows were rejected (see the rejects file); 4 ``mmltr evaluate``
finished, and ``ltr`` does not beat the best baseline (``ltr.evaluation.EXIT_NOT_BETTER``: the verdict says by
how much; serving the model would not improve search).

**Rejects file**: JSON Lines, one object per row not used, every key always present (null when unknown), in
this order: ``stage`` (where it was stopped: ``validate``, ``embed``, ``index`` or ``update`` for the indexer;
null for click logs and judgments), ``kind`` (short stable code for counting: ``duplicate_id``,
``unknown_search``, ...), ``source`` (the input file), ``row`` (1-based row or line number in ``source``),
``id`` (the product id, when known), ``field`` (the field at fault, or null), ``reason`` (the sentence for
people), ``record`` (the raw input row, when the reader kept it). The file is created on the first reject
only.
"""
from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

import click
import orjson

from indexer.errors import IndexerError
from indexer.items import Reject as ItemReject
from ltr.clicklog import ClickLogError
from ltr.clickmodels.base import EmptyLogError
from ltr.evaluation import EXIT_NOT_BETTER as EVALUATION_NOT_BETTER
from ltr.judgments import JudgmentsError
from ltr.types import Reject as RowReject

from .client import DataDirLocked
from .errors import ClusterError, cluster_error

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3
EXIT_NOT_BETTER = EVALUATION_NOT_BETTER  # 4: the evaluation library's verdict code, listed with the others

# -- errors -> messages ------------------------------------------------------------------------------------------

#: Errors that describe bad input or a refused operation: their own text is the message.
INPUT_ERRORS: tuple[type[BaseException], ...] = (
    ClusterError, DataDirLocked, IndexerError, ClickLogError, JudgmentsError, EmptyLogError,
    ValueError, OSError, ImportError, KeyError,
)


def error_message(exc: BaseException) -> str:
    """The message the CLI prints for ``exc``: the cluster's reason and hint for cluster errors, the error's
    own text for input errors, and for anything else its type and text plus how to see the traceback."""
    cluster = exc if isinstance(exc, ClusterError) else cluster_error(exc)
    if cluster is not None:
        return str(cluster)
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    if isinstance(exc, INPUT_ERRORS):
        return str(exc)
    log.debug("unexpected error", exc_info=exc)
    return f"unexpected {type(exc).__name__}: {exc} (run with -vv for details)"


def translate_errors(call: Callable[[], Any]) -> Any:
    """Run ``call``; click's own exceptions pass, Ctrl-C aborts, any other error ends as one message, exit 1."""
    try:
        return call()
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except KeyboardInterrupt:
        raise click.Abort() from None
    except Exception as exc:  # the CLI never shows a traceback; -vv logs it
        raise click.ClickException(error_message(exc)) from exc


def friendly_errors(command: F) -> F:
    """Decorate a command so that it fails with a message, never a traceback (also when invoked on its own,
    outside the root group, as tests do)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return translate_errors(lambda: command(*args, **kwargs))

    return wrapper  # type: ignore[return-value]


# -- rejects file --------------------------------------------------------------------------------------------------

REJECT_KEYS: tuple[str, ...] = ("stage", "kind", "source", "row", "id", "field", "reason", "record")


def reject_record(reject: ItemReject | RowReject) -> dict[str, Any]:
    """The rejects-file object for a rejected catalogue row (indexer) or click-log/judgments row (ltr)."""
    if isinstance(reject, RowReject):
        return {"stage": None, "kind": reject.reason, "source": reject.file, "row": reject.line, "id": None,
                "field": reject.field, "reason": reject.message, "record": reject.row}
    return {"stage": reject.stage, "kind": reject.kind, "source": reject.source, "row": reject.row,
            "id": reject.id, "field": reject.field, "reason": reject.reason, "record": None}


class RejectsFile:
    """The one rejects writer. Thread-safe: the indexer's validation, embedding and bulk threads all write
    here. Created on the first reject only; ``count`` says how many lines were written. Callable, so it can
    be passed as an ``on_reject`` callback."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.count = 0
        self._handle: IO[bytes] | None = None
        self._lock = threading.Lock()

    def __call__(self, reject: ItemReject | RowReject) -> None:
        self.write(reject)

    def write(self, reject: ItemReject | RowReject) -> None:
        payload = orjson.dumps(reject_record(reject), option=orjson.OPT_SERIALIZE_NUMPY, default=str) + b"\n"
        with self._lock:
            if self._handle is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = open(self.path, "wb")
            self._handle.write(payload)
            self.count += 1

    def write_all(self, rejects: Iterable[ItemReject | RowReject]) -> int:
        for reject in rejects:
            self.write(reject)
        return self.count

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None

    def __enter__(self) -> RejectsFile:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

"""Shared pieces of the ``index`` commands: error translation, exit codes and the default rejects path."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import IndexerError

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
EXIT_REJECTED = 3


def friendly_errors(func: F) -> F:
    """Turn our errors, cluster errors and surprises into a one-line message and a non-zero exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from opensearchpy.exceptions import ConnectionError as ClusterConnectionError
        from opensearchpy.exceptions import TransportError

        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except IndexerError as exc:
            raise click.ClickException(str(exc)) from exc
        except ClusterConnectionError as exc:
            raise click.ClickException(
                f"cannot reach the cluster ({exc}); check --cluster / MMLTR_CLUSTER"
            ) from exc
        except TransportError as exc:
            raise click.ClickException(f"the cluster refused the request: {exc}") from exc
        except KeyboardInterrupt:
            raise click.Abort() from None
        except Exception as exc:  # the CLI never shows a traceback; -vv logs it
            log.debug("unexpected error", exc_info=True)
            raise click.ClickException(
                f"unexpected {type(exc).__name__}: {exc} (run with -vv for details)"
            ) from exc

    return wrapper  # type: ignore[return-value]


def default_rejects_path(data_dir: Path, alias: str, given: Path | None) -> Path:
    return given or Path(data_dir) / "rejects" / f"{alias}-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"

"""The root ``mmltr`` click group: global cluster options, and the mount point of every command group.

This module is the composition root: it is the one place that wires ``plugin_integration``, ``indexer`` and
``ltr`` together.
"""
from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click


@dataclass
class CliContext:
    """Global options, and the client built from them on first use."""

    cluster: str | None
    data_dir: Path
    _client: Any = field(default=None, repr=False)

    def client(self) -> Any:
        if self._client is None:
            from .client import make_client

            self._client = make_client(self.cluster, self.data_dir)
        return self._client


class _Group(click.Group):
    """Root group: cluster errors and bad input end as a clear message and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from opensearchpy.exceptions import TransportError

        from embedded_node.index.storage import DataDirLocked
        from .errors import ClusterError, from_transport

        try:
            return super().invoke(ctx)
        except ClusterError as exc:
            raise click.ClickException(str(exc)) from None
        except TransportError as exc:
            raise click.ClickException(str(from_transport(exc))) from None
        except DataDirLocked as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "MMLTR"})
@click.option("--cluster", envvar="MMLTR_CLUSTER", default=None, metavar="URL",
              help="Cluster URL (OpenSearch or Elasticsearch). Without it, the embedded node in --data-dir is used.")
@click.option("--data-dir", envvar="MMLTR_DATA_DIR", default=".mmltr", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Data directory of the embedded node.")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.pass_context
def main(ctx: click.Context, cluster: str | None, data_dir: Path, verbose: int) -> None:
    """mmltr: multimodal, personalized learning-to-rank for OpenSearch and Elasticsearch."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if verbose == 0:  # opensearch-py logs every failed request as a warning; the CLI reports errors itself
        logging.getLogger("opensearch").setLevel(logging.ERROR)
    ctx.obj = CliContext(cluster=cluster, data_dir=data_dir)


def _mount_groups() -> None:
    """Attach the command groups of each package (each lives next to the code it drives)."""
    from .cli_serve import serve

    main.add_command(serve)
    for module_name, names in (
        ("indexer.cli", ("index",)),
        ("ltr.cli", ("judgments", "clickmodel", "profiles")),
        ("plugin_integration.cli_ltr", ("store", "featureset", "model")),
        ("plugin_integration.cli_demo", ("demo",)),
    ):
        try:
            module = __import__(module_name, fromlist=list(names))
        except ModuleNotFoundError as exc:  # a group still being built must not break the others
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        for name in names:
            command = getattr(module, name, None)
            if command is not None:
                main.add_command(command)


_mount_groups()

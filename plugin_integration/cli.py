"""The root ``mmltr`` click group: global cluster options, and the mount point of every command group.

This module is the composition root: it is the one place that wires ``plugin_integration``, ``indexer`` and
``ltr`` together. Exit codes, the rejects file and the error messages every command shares live in
:mod:`.cli_support`.
"""
from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from indexer.cli import index
from ltr.cli import clickmodel, judgments, profiles
from ltr.cli_train import train

from .cli_dashboards import dashboards
from .cli_demo import demo
from .cli_evaluate import evaluate
from .cli_features import featureset_init, features
from .cli_inspect import inspect
from .cli_ltr import featureset, store
from .cli_models import model
from .cli_search import search
from .cli_serve import serve
from .cli_simulate import clicks
from .cli_support import translate_errors
from .client import make_client
from .credentials import load_credentials


@dataclass
class CliContext:
    """Global options, and the client built from them on first use."""

    cluster: str | None
    data_dir: Path
    credentials_file: Path | None = None
    _client: Any = field(default=None, repr=False)

    def client(self) -> Any:
        if self._client is None:
            credentials = load_credentials(self.credentials_file) if self.cluster else None
            self._client = make_client(self.cluster, self.data_dir, credentials=credentials)
        return self._client


GLOBAL_OPTIONS = ("--cluster", "--data-dir", "--credentials")


def hoist_global_options(args: list[str]) -> list[str]:
    """``mmltr index load X --data-dir D`` means ``mmltr --data-dir D index load X``: the global options are
    moved before the subcommand wherever they are written (users put them last, as with ``serve``). Stops at
    ``--``; a command's own ``--data-dir`` (``serve``) reads the global one when not given."""
    front: list[str] = []
    rest: list[str] = []
    i, seen_command = 0, False
    while i < len(args):
        token = args[i]
        if token == "--":
            rest.extend(args[i:])
            break
        name = token.split("=", 1)[0]
        if seen_command and name in GLOBAL_OPTIONS:
            if "=" in token:
                front.append(token)
                i += 1
                continue
            if i + 1 < len(args):
                front.extend(args[i:i + 2])
                i += 2
                continue
        if not token.startswith("-"):
            seen_command = True
        elif not seen_command and name in GLOBAL_OPTIONS and "=" not in token:
            front.extend(args[i:i + 2])
            i += 2
            continue
        (rest if seen_command else front).append(token)
        i += 1
    return front + rest


class _Group(click.Group):
    """Root group: errors raised anywhere below end as one message and exit code 1, never a traceback
    (the translation of :func:`.cli_support.error_message`); global options are accepted after the subcommand
    too (:func:`hoist_global_options`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(list(args)))

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The workflow order (:data:`WORKFLOW`), not the alphabet; anything unlisted comes last."""
        order = [name for name, _ in WORKFLOW]
        return sorted(super().list_commands(ctx), key=lambda n: (order.index(n) if n in order else len(order), n))

    def invoke(self, ctx: click.Context) -> Any:
        return translate_errors(lambda: super(_Group, self).invoke(ctx))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "MMLTR"})
@click.option("--cluster", envvar="MMLTR_CLUSTER", default=None, metavar="URL",
              help="Cluster URL (OpenSearch or Elasticsearch). Without it, the embedded node in --data-dir is used. "
                   "Credentials: MMLTR_USERNAME/MMLTR_PASSWORD, MMLTR_API_KEY, MMLTR_AWS_REGION or --credentials.")
@click.option("--credentials", "credentials_file", envvar="MMLTR_CREDENTIALS", default=None, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file with the cluster's credentials and TLS files (docs/reliability.md#credentials).")
@click.option("--data-dir", envvar="MMLTR_DATA_DIR", default=".mmltr", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Data directory of the embedded node.")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.pass_context
def main(ctx: click.Context, cluster: str | None, credentials_file: Path | None, data_dir: Path,
         verbose: int) -> None:
    """mmltr: multimodal, personalized learning-to-rank for OpenSearch and Elasticsearch."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if verbose == 0:  # opensearch-py logs every failed request as a warning; the CLI reports errors itself
        logging.getLogger("opensearch").setLevel(logging.ERROR)
    ctx.obj = CliContext(cluster=cluster, data_dir=data_dir, credentials_file=credentials_file)


# The commands in the order a user runs them, each with the step that follows (shown in `mmltr --help` and at
# the end of each command's own help).
WORKFLOW: tuple[tuple[str, str], ...] = (
    ("demo", "mmltr index load CATALOG (your own catalogue)"),
    ("index", "mmltr clicks simulate, or bring a click log; then mmltr judgments from-clicks LOG"),
    ("clicks", "mmltr judgments from-clicks LOG and mmltr profiles build LOG"),
    ("clickmodel", "mmltr judgments from-clicks LOG --model <the best click model>"),
    ("judgments", "mmltr profiles build LOG (personal features), then mmltr store init"),
    ("profiles", "mmltr store init, then mmltr featureset init"),
    ("store", "mmltr featureset init -o features.yaml"),
    ("featureset", "mmltr features log JUDGMENTS -o features.parquet"),
    ("features", "mmltr train features.parquet -o model/"),
    ("train", "mmltr model upload model/"),
    ("model", "mmltr search QUERY --model NAME, then mmltr evaluate JUDGMENTS --model NAME"),
    ("search", "mmltr evaluate JUDGMENTS --model NAME"),
    ("evaluate", "serve the model: the sltr rescore of mmltr search, on your cluster or mmltr serve"),
    ("inspect", "serve the model: the sltr rescore of mmltr search, on your cluster or mmltr serve"),
    ("dashboards", "open the printed dashboard URL; rerun mmltr evaluate to add runs to it"),
    ("serve", "point any OpenSearch client or curl at the printed URL (Dashboards needs a real cluster: docker/)"),
)

# The command groups of each package (each lives next to the code it drives).
for _command in (serve, index, judgments, clickmodel, profiles, store, featureset, features, train, model,
                 search, evaluate, demo, clicks, dashboards, inspect):
    main.add_command(_command)
featureset.add_command(featureset_init)
for _name, _next in WORKFLOW:
    _cmd = main.commands[_name]
    _first = (_cmd.help or "").strip().split("\n\n")[0].split(". ")[0].rstrip(".").replace("\n", " ")
    _cmd.short_help = f"{_first}. Next: {_next.split(';')[0]}"
    _cmd.epilog = ((_cmd.epilog + "\n\n") if _cmd.epilog else "") + f"Next step: {_next}."


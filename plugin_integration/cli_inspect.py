"""``mmltr inspect``: a local web page that puts two rankers side by side for one query and one user.

Composes the rankings (:mod:`.inspect_compare`), the explanations (:mod:`.inspect_explain`), the users, images
and report (:mod:`.inspect_sources`) and the Flask app (:mod:`.inspect_app`), served by werkzeug's threaded
server on loopback only (no ``--host``: the page has no authentication and reads the whole index).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from .cli_support import friendly_errors
from .demo_pipeline import ALIAS as DEMO_ALIAS
from .fused_featureset import index_fields
from .inspect_app import PageData, create_app
from .inspect_compare import Inspector
from .inspect_sources import default_images_dir, latest_report, stored_users
from .users import DEFAULT_USERS_INDEX

DEFAULT_PORT = 8765
HOST = "127.0.0.1"


def resolve_alias(client: Any, alias: str | None) -> str:
    """The alias given, else ``items``, else the demo's alias when only the demo was run."""
    if alias is not None:
        return alias
    for candidate in ("items", DEMO_ALIAS):
        if client.indices.exists(index=candidate):  # true for an alias too
            return candidate
    raise ValueError("no 'items' (nor the demo's 'demo-items') index to inspect: load a catalogue (mmltr index "
                     "load CATALOG), run mmltr demo, or pass --alias NAME")


def build_page(obj: Any, *, alias: str | None = None, images_dir: Path | None = None, report: Path | None = None,
               store: str | None = None, users_index: str = DEFAULT_USERS_INDEX, hybrid_weight: float = 0.5,
               window: int = 100) -> tuple[Any, Any, Any]:
    """The page's Flask app, its :class:`.inspect_compare.Inspector` and :class:`.inspect_app.PageData`."""
    client = obj.client()
    alias = resolve_alias(client, alias)
    if images_dir is not None and not images_dir.is_dir():
        raise ValueError(f"--images-dir {images_dir}: not a folder; give the folder the catalogue's image paths "
                         "are relative to (index load --images-dir)")
    folder = images_dir.resolve() if images_dir is not None else default_images_dir(index_fields(client, alias).meta)
    inspector = Inspector(client, alias, store=store, data_dir=Path(obj.data_dir), hybrid_weight=hybrid_weight,
                          window=window)
    data = PageData(Path(obj.data_dir), folder, latest_report(Path(obj.data_dir), report),
                    stored_users(client, users_index))
    return create_app(inspector, data), inspector, data


def bind(app: Any, port: int) -> Any:
    """werkzeug's threaded server for ``app`` on 127.0.0.1 (``port`` 0: any free port; see ``server_port``)."""
    from werkzeug.serving import make_server  # optional: the inspect extra (flask's server)

    # werkzeug logs every request at INFO on its own; the CLI shows them with -v only, as other libraries' logs
    logging.getLogger("werkzeug").setLevel(logging.getLogger().getEffectiveLevel())
    return make_server(HOST, port, app, threaded=True)


@click.command("inspect")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--alias", default=None, help="Index alias [default: items, or the demo's demo-items].")
@click.option("--images-dir", type=click.Path(path_type=Path), default=None,
              help="Folder the items' image paths are relative to [default: the catalogue's folder, as index load].")
@click.option("--report", type=click.Path(path_type=Path), default=None,
              help="Evaluation report (DIR of mmltr evaluate --report, or its report.html) [default: the newest "
                   "report.html under --data-dir].")
@click.option("--store", default=None, help="Named feature store.")
@click.option("--users-index", default=DEFAULT_USERS_INDEX, show_default=True, help="Index of user profiles.")
@click.option("--hybrid-weight", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Weight of BM25 in the hybrid ranker (the rest: the text vector's cosine).")
@click.option("--window", type=click.IntRange(10), default=100, show_default=True,
              help="First-stage hits a model rescores (and hybrid's candidates per list).")
@click.pass_obj
@friendly_errors
def inspect(obj: Any, port: int, alias: str | None, images_dir: Path | None, report: Path | None,
            store: str | None, users_index: str, hybrid_weight: float, window: int) -> None:
    """Compare two rankers side by side for one query and one user in a local web page (loopback only).

    Pick BM25, hybrid or any uploaded model on each side, a user (or anonymous), and see both result lists with
    their images, prices, scores, how far each result moved, and on demand the features behind a model's score;
    a second tab shows the latest evaluation report. Ctrl-C stops the page.
    """
    app, inspector, data = build_page(obj, alias=alias, images_dir=images_dir, report=report, store=store,
                                      users_index=users_index, hybrid_weight=hybrid_weight, window=window)
    try:
        server = bind(app, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}; pick another --port")
    click.echo(f"mmltr inspect on http://{HOST}:{server.server_port} - {inspector.alias}, "
               f"{len(inspector.rankers())} rankers, {len(data.users)} users, report "
               f"{data.report or 'none'}; Ctrl-C to stop", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

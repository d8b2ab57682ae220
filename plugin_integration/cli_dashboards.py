"""``mmltr dashboards export`` and ``mmltr dashboards install``: saved objects for Dashboards and Kibana.

The objects chart the ``mmltr-evals`` index (``mmltr evaluate`` writes it), the ``mmltr-features`` index
(``mmltr features log --to-index``) and the items index; see :mod:`.dashboards_objects`. The embedded node has
no aggregations and no ``_field_caps``, so Dashboards and Kibana need a real cluster: ``docker/``.
"""
from __future__ import annotations

from pathlib import Path

import click

from .cli_support import friendly_errors
from .dashboards_import import Connection, DashboardsError, install
from .dashboards_objects import DASHBOARD_ID, FLAVOURS, saved_objects

_FLAVOUR = click.Choice(sorted(FLAVOURS))


@click.group()
def dashboards() -> None:
    """Saved objects (index patterns, charts, a dashboard) for OpenSearch Dashboards or Kibana.

    They need a real cluster with Dashboards/Kibana (docker/ starts both); the embedded node has no
    aggregations, so Dashboards cannot chart it."""


@dashboards.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The NDJSON file to write.")
@click.option("--flavour", type=_FLAVOUR, default="opensearch", show_default=True,
              help="opensearch: OpenSearch Dashboards 2.x; kibana: Kibana 8.")
@friendly_errors
def export(output: Path, flavour: str) -> None:
    """Write the saved objects as NDJSON (import them in Stack Management > Saved objects, or use install)."""
    objects = saved_objects(flavour)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(objects.ndjson(), encoding="utf-8")
    counts: dict[str, int] = {}
    for kind, _ in objects.ids():
        counts[kind] = counts.get(kind, 0) + 1
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    click.echo(f"wrote {len(objects.objects)} saved objects for {objects.flavour.product} ({summary}) to {output}")


@dashboards.command("install")
@click.option("--url", envvar="MMLTR_DASHBOARDS_URL", required=True, metavar="URL",
              help="OpenSearch Dashboards or Kibana, e.g. http://localhost:5601 (env MMLTR_DASHBOARDS_URL).")
@click.option("--flavour", type=_FLAVOUR, default=None,
              help="Default: recognised from the server's answer (osd-name / kbn-name header).")
@click.option("--user", envvar="MMLTR_USER", default=None, help="Basic-auth user (env MMLTR_USER).")
@click.option("--password", envvar="MMLTR_PASSWORD", default=None, help="Basic-auth password (env MMLTR_PASSWORD).")
@click.option("--ca-certs", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CA bundle that signed the server's TLS certificate.")
@friendly_errors
def install_command(url: str, flavour: str | None, user: str | None, password: str | None,
                    ca_certs: str | None) -> None:
    """Import the saved objects through the saved-objects API, replacing mmltr's own objects only."""
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter(f"{url!r} is not an http(s) URL (e.g. http://localhost:5601)", param_hint="--url")
    conn = Connection(url, user=user, password=password, verify=ca_certs or True)
    try:
        objects, result = install(conn, saved_objects, flavour)
    except DashboardsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"imported {result.success_count} saved objects into {objects.flavour.product} at {url}")
    click.echo(f"open {url.rstrip('/')}/app/dashboards#/view/{DASHBOARD_ID} (charts fill in once mmltr evaluate "
               "and mmltr features log --to-index have written to this cluster)")



"""``mmltr dashboards export`` and ``mmltr dashboards install``: saved objects for Dashboards and Kibana.

The objects chart the ``mmltr-evals`` index (``mmltr evaluate`` writes it), the ``mmltr-features`` index
(``mmltr features log --to-index``) and the items index; see :mod:`.dashboards_objects`. The embedded node has
no aggregations and no ``_field_caps``, so Dashboards and Kibana need a real cluster: ``docker/``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .cli_support import friendly_errors
from .credentials import load_credentials
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
@click.option("--dry-run", is_flag=True, help="Check the target and say what would be added or replaced; import nothing.")
@click.pass_obj
@friendly_errors
def install_command(obj: Any, url: str, flavour: str | None, dry_run: bool) -> None:
    """Import the saved objects through the saved-objects API, replacing mmltr's own objects only.

    Credentials as for clusters: MMLTR_USERNAME/MMLTR_PASSWORD or MMLTR_API_KEY, MMLTR_CA_CERTS and client
    certificates, or the global --credentials FILE."""
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter(f"{url!r} is not an http(s) URL (e.g. http://localhost:5601)", param_hint="--url")
    credentials_file = getattr(obj, "credentials_file", None) if obj is not None else None
    try:
        conn = Connection.from_credentials(url, load_credentials(credentials_file))
        objects, existing, result = install(conn, saved_objects, flavour, dry_run=dry_run)
    except DashboardsError as exc:
        raise click.ClickException(str(exc)) from exc
    url = conn.url
    counts = f"{len(existing.new)} new, {len(existing.replaced)} replacing mmltr's own"
    if result is None:
        click.echo(f"would import {len(objects.objects)} saved objects into {objects.flavour.product} at {url} "
                   f"({counts}); nothing changed (--dry-run)")
        return
    click.echo(f"imported {result.success_count} saved objects into {objects.flavour.product} at {url} ({counts})")
    click.echo(f"open {url.rstrip('/')}/app/dashboards#/view/{DASHBOARD_ID} (charts fill in once mmltr evaluate "
               "and mmltr features log --to-index have written to this cluster)")

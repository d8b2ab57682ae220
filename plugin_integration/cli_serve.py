"""``mmltr serve``: expose the embedded node over HTTP on loopback."""
from __future__ import annotations

import ipaddress
import socket
from typing import Any

import click

from .client import (PASSWORD_ENV, DataDirLocked, DistributionMismatch, RemoteBindRefused, serve_embedded_node,
                     serve_security)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback unless --allow-remote).")
@click.option("--port", default=9200, show_default=True, type=int)
@click.option("--data-dir", "data_dir_opt", default=None, type=click.Path(file_okay=False),
              help="Data directory (defaults to the global --data-dir).")
@click.option("--allow-remote", is_flag=True,
              help="Allow binding a non-loopback address (protect it with --users-file or --user, and --tls-cert).")
@click.option("--users-file", type=click.Path(dir_okay=False), default=None,
              help="Require HTTP basic authentication: 'user:password' lines.")
@click.option("--user", "auth_user", default=None,
              help=f"Require HTTP basic authentication as this user; the password is read from ${PASSWORD_ENV}.")
@click.option("--tls-cert", type=click.Path(dir_okay=False), default=None, help="Serve HTTPS: certificate (PEM).")
@click.option("--tls-key", type=click.Path(dir_okay=False), default=None, help="Serve HTTPS: private key (PEM).")
@click.option("--distribution", type=click.Choice(["opensearch", "elasticsearch"]), default=None,
              help="Engine to emulate: OpenSearch with the LTR and k-NN plugins, or Elasticsearch 8 with the o19s "
                   "LTR plugin (dense_vector, knn, painless vector functions; docs/elasticsearch.md). Default: what "
                   "the data directory was created as, else opensearch.")
@click.option("--version", "emulated_version", default=None, metavar="X.Y.Z",
              help="Version to report and emulate (LTR missing-value rules follow it), e.g. 3.8.0 or 8.17.2. "
                   "Default: the data directory's, else 2.19.0 (OpenSearch) / 8.17.2 (Elasticsearch).")
@click.pass_obj
def serve(obj: Any, host: str, port: int, data_dir_opt: str | None, allow_remote: bool, users_file: str | None,
          auth_user: str | None, tls_cert: str | None, tls_key: str | None, distribution: str | None,
          emulated_version: str | None) -> None:
    """Serve the embedded node over HTTP so any OpenSearch client or curl can use it.

    It speaks the REST subset mmltr uses (indices, documents, search, the LTR and k-NN plugins;
    docs/embedded-node.md). It does not do aggregations, _field_caps, highlighting or ingest pipelines, so
    OpenSearch Dashboards and Kibana cannot use it: for them, start a real cluster with docker/
    (docs/clusters.md) and run mmltr --cluster http://localhost:9200 ..."""
    data_dir = data_dir_opt or str(obj.data_dir)
    try:
        settings, ssl_context = serve_security(users_file, auth_user, tls_cert, tls_key)
    except ValueError as exc:
        raise click.ClickException(str(exc))
    if allow_remote and not _loopback(host):
        if settings.auth is None:
            click.echo(f"warning: {host}:{port} is reachable from other machines and has no authentication: anyone "
                       "who can connect can read and delete every index (use --users-file or --user)", err=True)
        elif ssl_context is None:
            click.echo("warning: basic authentication over plain HTTP sends passwords in clear text across the "
                       "network (add --tls-cert and --tls-key)", err=True)
    try:
        node, server = serve_embedded_node(data_dir, host, port, allow_remote,
                                           {"distribution": distribution, "version": emulated_version},
                                           settings=settings, ssl_context=ssl_context)
    except (RemoteBindRefused, DataDirLocked, DistributionMismatch) as exc:
        raise click.ClickException(str(exc))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    engine = "Elasticsearch" if node.distribution == "elasticsearch" else "OpenSearch"
    extras = "o19s ltr, dense_vector" if node.distribution == "elasticsearch" else "ltr, knn"
    click.echo(f"embedded {engine} {node.version} ({extras}) on {'https' if ssl_context else 'http'}://{host}:{server.server_address[1]} "
               f"- data in {node.data_dir}; Ctrl-C to stop", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        node.close()


def _loopback(host: str) -> bool:
    try:
        return all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in socket.getaddrinfo(host, None))
    except (OSError, ValueError):
        return False

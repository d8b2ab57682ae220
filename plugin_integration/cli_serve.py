"""``mmltr serve``: expose the embedded node over HTTP on loopback."""
from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback unless --allow-remote).")
@click.option("--port", default=9200, show_default=True, type=int)
@click.option("--data-dir", "data_dir_opt", default=None, type=click.Path(file_okay=False),
              help="Data directory (defaults to the global --data-dir).")
@click.option("--allow-remote", is_flag=True, help="Allow binding a non-loopback address (no authentication!).")
@click.pass_obj
def serve(obj, host: str, port: int, data_dir_opt: str | None, allow_remote: bool) -> None:
    """Serve the embedded node over HTTP so any OpenSearch client, Dashboards or curl can use it."""
    from embedded_node.node import open_node
    from embedded_node.rest.server import RemoteBindRefused, check_bind_host, make_server
    from embedded_node.index.storage import DataDirLocked

    data_dir = data_dir_opt or str(obj.data_dir)
    try:
        check_bind_host(host, allow_remote)
        node = open_node(data_dir)
        server = make_server(node, host, port, allow_remote=allow_remote)
    except (RemoteBindRefused, DataDirLocked) as exc:
        raise click.ClickException(str(exc))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    click.echo(f"embedded OpenSearch {node.version} (ltr, knn) on http://{host}:{server.server_address[1]} "
               f"- data in {node.data_dir}; Ctrl-C to stop", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        node.close()

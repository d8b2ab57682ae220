"""``mmltr index``: load a catalogue into a new index version, show versions, swap the alias, update vectors.

Exit codes: 0 everything indexed; 3 the run finished but rows were rejected or failed (see the rejects file);
1 the run failed (nothing was made live); 2 usage errors. Errors are one message, never a traceback
(``-vv`` logs the traceback for bug reports).
"""
from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from .bulk import BulkOptions
from .catalog import CatalogStats, Limits, read_catalog
from .errors import IndexerError
from .items import Reject
from .rejects import RejectsFile

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
            raise click.ClickException(f"cannot reach the cluster ({exc}); check --cluster / MMLTR_CLUSTER") from exc
        except TransportError as exc:
            raise click.ClickException(f"the cluster answered HTTP {exc.status_code}: {exc.error} "
                                       f"({exc.info if isinstance(exc.info, str) else ''})".rstrip(" ()")) from exc
        except KeyboardInterrupt:
            raise click.Abort() from None
        except Exception as exc:  # the CLI never shows a traceback; -vv logs it
            log.debug("unexpected error", exc_info=True)
            raise click.ClickException(f"unexpected {type(exc).__name__}: {exc} (run with -vv for details)") from exc
    return wrapper  # type: ignore[return-value]


def _rejects_path(data_dir: Path, alias: str, given: Path | None) -> Path:
    return given or Path(data_dir) / "rejects" / f"{alias}-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"


@click.group("index")
def index() -> None:
    """Build the product index: catalogue -> BM25 fields + text/image/CF vectors -> versioned index + alias."""


@index.command("load")
@click.argument("catalog", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--alias", default="items", show_default=True, help="Alias searches use; versions are <alias>-v<N>.")
@click.option("--images-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder local image paths are relative to [default: the catalogue's folder].")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), help="Override the suffix.")
@click.option("--text-encoder", default="minilm", show_default=True,
              help="minilm | clip:<path> | hashing[:dim] | any sentence-transformers name or path | none.")
@click.option("--image-encoder", default="none", show_default=True,
              help="none | clip:<path-or-name> | efficientnet-lite0 | classical.")
@click.option("--text-fields", default="title", show_default=True, help="Comma-separated fields the text vector embeds.")
@click.option("--device", default="auto", show_default=True, help="auto | cpu | cuda | cuda:N | mps (fp16 on GPU).")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1), help="Items per embed batch.")
@click.option("--strict", is_flag=True, help="Any bad row aborts the run (default: reject it and go on).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
              help="Rejects file [default: <data-dir>/rejects/<alias>-<time>.jsonl].")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Embedding cache [default: <data-dir>/embedding-cache.sqlite].")
@click.option("--no-cache", is_flag=True, help="Embed everything again and store nothing.")
@click.option("--cjk", is_flag=True, help="Use the cjk analyzer for text fields (Chinese/Japanese/Korean text).")
@click.option("--space-type", default="cosinesimil", show_default=True, help="Space type of text/image vectors.")
@click.option("--engine", default="faiss", show_default=True, help="k-NN engine: faiss | lucene | nmslib.")
@click.option("--hnsw-m", default=16, show_default=True, type=click.IntRange(2))
@click.option("--hnsw-ef-construction", default=100, show_default=True, type=click.IntRange(2))
@click.option("--cf-dim", type=click.IntRange(1), help="Map cf_vector now with this dimension (else on update).")
@click.option("--cf-vectors", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CF item vectors to apply to the new version before it goes live.")
@click.option("--max-title-chars", default=1000, show_default=True, type=click.IntRange(1))
@click.option("--max-text-chars", default=100_000, show_default=True, type=click.IntRange(1))
@click.option("--replicas", type=click.IntRange(0), help="Replicas once live [default: 0 on one node, else 1].")
@click.option("--keep", default=1, show_default=True, type=click.IntRange(0), help="Old versions to keep.")
@click.option("--max-failed", default=0, show_default=True, type=click.IntRange(0),
              help="Documents the cluster may refuse before the new version is abandoned.")
@click.option("--chunk-size", default=500, show_default=True, type=click.IntRange(1), help="Bulk docs per request.")
@click.option("--no-swap", is_flag=True, help="Build and finalize the version but leave the alias alone.")
@click.option("--dry-run", is_flag=True, help="Only validate the catalogue and write the rejects file.")
@click.option("--no-progress", is_flag=True, help="No live progress bars.")
@click.pass_obj
@friendly_errors
def load(ctx: Any, catalog: Path, alias: str, images_dir: Path | None, fmt: str | None, text_encoder: str,
         image_encoder: str, text_fields: str, device: str, batch_size: int, strict: bool, rejects: Path | None,
         cache_path: Path | None, no_cache: bool, cjk: bool, space_type: str, engine: str, hnsw_m: int,
         hnsw_ef_construction: int, cf_dim: int | None, cf_vectors: Path | None, max_title_chars: int,
         max_text_chars: int, replicas: int | None, keep: int, max_failed: int, chunk_size: int, no_swap: bool,
         dry_run: bool, no_progress: bool) -> None:
    """Index CATALOG (JSONL, CSV or Parquet) into a new version of --alias and swap the alias to it."""
    from .cache import EmbeddingCache, NullCache
    from .cli_render import load_progress, load_summary
    from .encoders import load_encoder
    from .pipeline import LoadOptions, VectorOptions, load_catalog

    console = Console(stderr=True)
    limits = Limits(max_title_chars, max_text_chars)
    rejects_path = _rejects_path(ctx.data_dir, alias, rejects)
    fields = tuple(f.strip() for f in text_fields.split(",") if f.strip())
    unknown = [f for f in fields if f not in ("title", "description", "brand", "category", "color")]
    if unknown or not fields:
        raise click.BadParameter(f"unknown field(s) {unknown}; use title, description, brand, category, color",
                                 param_hint="--text-fields")
    with RejectsFile(rejects_path) as rejects_file:
        if dry_run:
            stats = CatalogStats()
            for _ in read_catalog(catalog, images_dir=images_dir, limits=limits, fmt=fmt, strict=strict,
                                  on_reject=rejects_file, stats=stats):
                pass
            click.echo(f"{catalog}: {stats.rows_read:,} rows, {stats.valid:,} valid, {stats.rejected:,} rejected"
                       + (f" (see {rejects_path})" if stats.rejected else ""))
            for reason, count in stats.reasons.most_common():
                click.echo(f"  {count:>7,}  {reason}")
            if stats.rejected:
                raise click.exceptions.Exit(EXIT_REJECTED)
            return
        text = None if text_encoder == "none" else load_encoder(text_encoder, modality="text", device=device,
                                                                batch_size=batch_size)
        image = None if image_encoder == "none" else load_encoder(image_encoder, modality="image", device=device,
                                                                  batch_size=batch_size)
        options = LoadOptions(
            alias=alias, batch_size=batch_size, text_fields=fields, images_dir=images_dir, fmt=fmt, limits=limits,
            strict=strict, analyzer="cjk" if cjk else "standard",
            vectors=VectorOptions(space_type, engine, hnsw_m, hnsw_ef_construction, cf_dim),
            bulk=BulkOptions(chunk_size=chunk_size), replicas=replicas, keep=keep, max_failed=max_failed,
            cf_vectors=cf_vectors, swap=not no_swap,
        )
        cache = NullCache() if no_cache else EmbeddingCache(cache_path or Path(ctx.data_dir) / "embedding-cache.sqlite")
        client = ctx.client()
        try:
            with load_progress(console, enabled=not no_progress) as progress:
                report = load_catalog(client, catalog, text_encoder=text, image_encoder=image, cache=cache,
                                      options=options, on_reject=rejects_file, progress=progress,
                                      meta={"text_encoder_spec": text_encoder, "image_encoder_spec": image_encoder})
        finally:
            cache.close()
    Console().print(load_summary(report, str(rejects_path)))
    if report.rejected:
        raise click.exceptions.Exit(EXIT_REJECTED)


@index.command("status")
@click.option("--alias", default="items", show_default=True)
@click.pass_obj
@friendly_errors
def status(ctx: Any, alias: str) -> None:
    """List the versions of --alias, their document counts and encoders, and which one is live."""
    from .cli_render import status_table
    from .versions import list_versions

    client = ctx.client()
    versions = list_versions(client, alias)
    if not versions:
        click.echo(f"no versions of '{alias}' yet; run `mmltr index load CATALOG --alias {alias}`")
        return
    counts = {v.name: int(client.count(index=v.name)["count"]) for v in versions}
    metas = {}
    for version in versions:
        mapping = client.indices.get_mapping(index=version.name).get(version.name, {}).get("mappings", {})
        metas[version.name] = (mapping.get("_meta") or {}).get("mmltr", {})
    Console().print(status_table(alias, versions, counts, metas))


@index.command("swap")
@click.option("--alias", default="items", show_default=True)
@click.option("--version", "version", default="latest", show_default=True,
              help="latest | previous (roll back) | N | a full index name.")
@click.option("--keep", type=click.IntRange(0), help="Also delete all but N old versions.")
@click.option("--dry-run", is_flag=True, help="Say what would change, change nothing.")
@click.pass_obj
@friendly_errors
def swap(ctx: Any, alias: str, version: str, keep: int | None, dry_run: bool) -> None:
    """Point --alias at another version atomically (searches never see a missing alias)."""
    from .versions import live_indices, prune_versions, resolve_version, swap_alias

    client = ctx.client()
    target = resolve_version(client, alias, version)
    if dry_run:
        click.echo(f"would point '{alias}' at {target} (now: {', '.join(live_indices(client, alias)) or 'nothing'})")
        return
    previous = swap_alias(client, alias, target)
    click.echo(f"'{alias}' -> {target}" + (f" (was {', '.join(previous)})" if previous else ""))
    if keep is not None:
        deleted = prune_versions(client, alias, keep)
        if deleted:
            click.echo(f"deleted {', '.join(deleted)}")


@index.command("update-vectors")
@click.argument("vectors", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--alias", default="items", show_default=True, help="Alias (or index) to update.")
@click.option("--field", "field_name", default="cf_vector", show_default=True)
@click.option("--space-type", default="innerproduct", show_default=True, help="Used if the field must be mapped.")
@click.option("--engine", default="faiss", show_default=True)
@click.option("--normalize", is_flag=True, help="L2-normalise the vectors first.")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
@friendly_errors
def update_vectors_cmd(ctx: Any, vectors: Path, alias: str, field_name: str, space_type: str, engine: str,
                       normalize: bool, rejects: Path | None) -> None:
    """Set a vector field (CF item vectors by default) on existing documents, without re-embedding anything."""
    from .cli_render import update_summary
    from .mappings import VectorSpec
    from .update_vectors import update_vectors

    rejects_path = _rejects_path(ctx.data_dir, f"{alias}-{field_name}", rejects)
    with RejectsFile(rejects_path) as rejects_file:
        report = update_vectors(ctx.client(), alias, vectors, field_name=field_name,
                                spec=VectorSpec(1, space_type, engine), normalize=normalize, on_reject=rejects_file)
        for failure in report.failed:
            rejects_file(Reject(failure.row, failure.id, f"HTTP {failure.status} {failure.reason}", field_name,
                                stage="update", source=str(vectors), kind="cluster_refused"))
    Console().print(update_summary(report, str(rejects_path)))
    if report.rejected or report.failed:
        raise click.exceptions.Exit(EXIT_REJECTED)


@index.command("synth")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("-n", "--n", "count", default=200, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=0, show_default=True)
@click.option("--format", "fmt", default="jsonl", show_default=True, type=click.Choice(["jsonl", "csv", "parquet"]))
@click.option("--image-size", default=96, show_default=True, type=click.IntRange(16))
@click.option("--bad-rows", is_flag=True, help="Append rows that break the contract (to see rejects at work).")
@friendly_errors
def synth(out_dir: Path, count: int, seed: int, fmt: str, image_size: int, bad_rows: bool) -> None:
    """Generate a multimodal catalogue with product images (shape = category, fill = colour)."""
    from .synthetic import generate_catalog

    made = generate_catalog(out_dir, count, seed=seed, image_size=image_size, fmt=fmt, bad_rows=bad_rows)
    click.echo(f"wrote {made.path} ({count} products{f', {len(made.bad)} bad rows' if made.bad else ''}) and "
               f"{made.path.parent / 'images'}/")

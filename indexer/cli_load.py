"""``mmltr index load``: index a catalogue into a new version of an alias and swap the alias to it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from plugin_integration.cli_support import EXIT_REJECTED, RejectsFile, friendly_errors
from plugin_integration.cluster_info import detect

from .bulk import BulkOptions
from .cache import EmbeddingCache, NullCache
from .catalog import CatalogStats, Limits, read_catalog
from .cli_common import default_rejects_path
from .cli_render import load_progress, load_summary
from .encoders import load_encoder
from .encoders.base import quiet_model_loading
from .pipeline import LoadOptions, VectorOptions, load_catalog
from .readers import count_rows
from .schema import CF_VECTOR, EMBEDDABLE_FIELDS


@click.command("load")
@click.argument("catalog", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--alias", default="items", show_default=True, help="Alias searches use; versions are <alias>-v<N>."
)
@click.option(
    "--images-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder local image paths are relative to [default: the catalogue's folder].",
)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), help="Override the suffix.")
@click.option(
    "--text-encoder",
    default="minilm",
    show_default=True,
    help="minilm | clip:<path> | hashing[:dim] | any sentence-transformers name or path | none.",
)
@click.option(
    "--image-encoder",
    default="none",
    show_default=True,
    help="none | clip:<path-or-name> | efficientnet-lite0 | classical.",
)
@click.option(
    "--text-fields", default="title,description", show_default=True,
    help="Comma-separated fields the text vector embeds (non-empty ones joined with '. ').",
)
@click.option(
    "--device", default="auto", show_default=True, help="auto | cpu | cuda | cuda:N | mps (fp16 on GPU)."
)
@click.option(
    "--batch-size",
    default=64,
    show_default=True,
    type=click.IntRange(1),
    help="Encoder batch; the pipeline hands the encoder 4 batches at a time (less padding once sorted).",
)
@click.option("--strict", is_flag=True, help="Any bad row aborts the run (default: reject it and go on).")
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Rejects file [default: <data-dir>/rejects/<alias>-<time>.jsonl].",
)
@click.option(
    "--cache",
    "cache_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Embedding cache [default: <data-dir>/embedding-cache.sqlite].",
)
@click.option("--no-cache", is_flag=True, help="Embed everything again and store nothing.")
@click.option(
    "--cjk", is_flag=True, help="Use the cjk analyzer for text fields (Chinese/Japanese/Korean text)."
)
@click.option(
    "--space-type", default="cosinesimil", show_default=True, help="Space type of text/image vectors."
)
@click.option("--engine", default="faiss", show_default=True, help="k-NN engine: faiss | lucene | nmslib.")
@click.option("--hnsw-m", default=16, show_default=True, type=click.IntRange(2))
@click.option("--hnsw-ef-construction", default=100, show_default=True, type=click.IntRange(2))
@click.option(
    "--cf-dim", type=click.IntRange(1), help=f"Map {CF_VECTOR} now with this dimension (else on update)."
)
@click.option(
    "--cf-vectors",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CF item vectors to apply to the new version before it goes live.",
)
@click.option(
    "--carry-vectors/--no-carry-vectors",
    default=True,
    show_default=True,
    help="Copy vector fields this load does not compute (CF vectors) from the live version, by id.",
)
@click.option("--max-title-chars", default=1000, show_default=True, type=click.IntRange(1))
@click.option("--max-text-chars", default=100_000, show_default=True, type=click.IntRange(1))
@click.option(
    "--replicas", type=click.IntRange(0), help="Replicas once live [default: 0 on one node, else 1]."
)
@click.option("--keep", default=1, show_default=True, type=click.IntRange(0), help="Old versions to keep.")
@click.option(
    "--max-failed",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Documents the cluster may refuse before the new version is abandoned.",
)
@click.option(
    "--chunk-size", default=500, show_default=True, type=click.IntRange(1), help="Bulk docs per request."
)
@click.option("--no-swap", is_flag=True, help="Build and finalize the version but leave the alias alone.")
@click.option("--dry-run", is_flag=True, help="Only validate the catalogue and write the rejects file.")
@click.option("--no-progress", is_flag=True, help="No live progress bars.")
@click.pass_obj
@friendly_errors
def load(
    ctx: Any,
    catalog: Path,
    alias: str,
    images_dir: Path | None,
    fmt: str | None,
    text_encoder: str,
    image_encoder: str,
    text_fields: str,
    device: str,
    batch_size: int,
    strict: bool,
    rejects: Path | None,
    cache_path: Path | None,
    no_cache: bool,
    cjk: bool,
    space_type: str,
    engine: str,
    hnsw_m: int,
    hnsw_ef_construction: int,
    cf_dim: int | None,
    cf_vectors: Path | None,
    carry_vectors: bool,
    max_title_chars: int,
    max_text_chars: int,
    replicas: int | None,
    keep: int,
    max_failed: int,
    chunk_size: int,
    no_swap: bool,
    dry_run: bool,
    no_progress: bool,
) -> None:
    """Index CATALOG (JSONL, CSV or Parquet) into a new version of --alias and swap the alias to it."""
    console = Console(stderr=True)
    limits = Limits(max_title_chars, max_text_chars)
    rejects_path = default_rejects_path(ctx.data_dir, alias, rejects)
    fields = tuple(f.strip() for f in text_fields.split(",") if f.strip())
    unknown = [f for f in fields if f not in EMBEDDABLE_FIELDS]
    if unknown or not fields:
        raise click.BadParameter(
            f"unknown field(s) {unknown}; use {', '.join(EMBEDDABLE_FIELDS)}",
            param_hint="--text-fields",
        )
    with RejectsFile(rejects_path) as rejects_file:
        if dry_run:
            stats = CatalogStats()
            for _ in read_catalog(
                catalog,
                images_dir=images_dir,
                limits=limits,
                fmt=fmt,
                strict=strict,
                on_reject=rejects_file,
                stats=stats,
            ):
                pass
            click.echo(
                f"{catalog}: {stats.rows_read:,} rows, {stats.valid:,} valid, {stats.rejected:,} rejected"
                + (f" (see {rejects_path})" if stats.rejected else "")
            )
            for reason, count in stats.reasons.most_common():
                click.echo(f"  {count:>7,}  {reason}")
            if stats.rejected:
                raise click.exceptions.Exit(EXIT_REJECTED)
            return
        if no_progress:
            quiet_model_loading()
        text = (
            None
            if text_encoder == "none"
            else load_encoder(text_encoder, modality="text", device=device, batch_size=batch_size)
        )
        image = (
            None
            if image_encoder == "none"
            else load_encoder(image_encoder, modality="image", device=device, batch_size=batch_size)
        )
        options = LoadOptions(
            alias=alias,
            batch_size=4 * batch_size,
            text_fields=fields,
            images_dir=images_dir,
            fmt=fmt,
            limits=limits,
            strict=strict,
            analyzer="cjk" if cjk else "standard",
            vectors=VectorOptions(space_type, engine, hnsw_m, hnsw_ef_construction, cf_dim),
            bulk=BulkOptions(chunk_size=chunk_size),
            replicas=replicas,
            keep=keep,
            max_failed=max_failed,
            cf_vectors=cf_vectors,
            carry_vectors=carry_vectors,
            swap=not no_swap,
        )
        cache = (
            NullCache()
            if no_cache
            else EmbeddingCache(cache_path or Path(ctx.data_dir) / "embedding-cache.sqlite")
        )
        client = ctx.client()
        options = replace(options, dialect=detect(client).vectors)  # knn_vector or dense_vector, as the cluster
        try:
            total = None if no_progress else count_rows(catalog, fmt)
            with load_progress(console, enabled=not no_progress, total=total) as progress:
                report = load_catalog(
                    client,
                    catalog,
                    text_encoder=text,
                    image_encoder=image,
                    cache=cache,
                    options=options,
                    on_reject=rejects_file,
                    progress=progress,
                    meta={"text_encoder_spec": text_encoder, "image_encoder_spec": image_encoder},
                )
        finally:
            cache.close()
    Console().print(load_summary(report, str(rejects_path)))
    if report.rejected:
        raise click.exceptions.Exit(EXIT_REJECTED)

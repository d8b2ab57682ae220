"""``mmltr demo``: the main job on the embedded default.

It indexes a bundled sample of the Icecat catalogue with the indexer (BM25 fields plus MiniLM text vectors,
versioned index behind an alias), then runs the first stage mmltr serves from (``bool.should`` of a BM25
``multi_match`` and a ``knn`` clause) next to plain BM25, so the effect of the vectors is visible. It can
keep serving the node over HTTP afterwards. The LTR stages (judgments, features, training, ``sltr``
rescoring) join the demo as they land. Product data: Icecat (icecat.biz), Open Content License.
"""
from __future__ import annotations

from importlib import resources
from typing import Any

import click

from indexer.cache import EmbeddingCache
from indexer.encoders.base import load_encoder
from indexer.pipeline import LoadOptions, load_catalog
from indexer.schema import TITLE

from .cli_serve import serve
from .cluster_info import detect
from .queries import first_stage

ALIAS = "demo-products"
QUERIES = ("laptop", "usb cable", "wireless mouse", "toner", "headphones")


def _top(client: Any, query: dict[str, Any], size: int = 3) -> list[tuple[float, str, str]]:
    res = client.search(index=ALIAS, body={"size": size, "_source": [TITLE], "query": query})
    return [(hit["_score"], hit["_id"], hit["_source"][TITLE]) for hit in res["hits"]["hits"]]


@click.command()
@click.option("--encoder", default="minilm", show_default=True, help="Text encoder for the vectors.")
@click.option("--serve", "serve_after", is_flag=True, help="Keep serving the node over HTTP afterwards.")
@click.option("--port", default=9200, show_default=True, type=int)
@click.pass_obj
def demo(obj: Any, encoder: str, serve_after: bool, port: int) -> None:
    """Index a catalogue sample into the embedded node and compare BM25 with the hybrid first stage."""
    client = obj.client()
    info = detect(client)
    click.echo(f"cluster: {info.flavour} {info.version_text} (LTR missing-value behaviour: {info.ltr_missing_behaviour})")
    text_encoder = load_encoder(encoder)
    cache = EmbeddingCache(obj.data_dir / "embedding-cache.sqlite")
    sample = resources.files("plugin_integration.sample").joinpath("icecat_sample.jsonl")
    with resources.as_file(sample) as path:
        report = load_catalog(client, path, text_encoder=text_encoder, cache=cache,
                              options=LoadOptions(alias=ALIAS))  # the default text vector: title + description
    click.echo(f"indexed {report.indexed} products into [{report.index}] behind alias [{ALIAS}] "
               f"({report.rejected} rejected; {report.embed.text_cached} vectors from the cache)")
    for text in QUERIES:
        vector = text_encoder.encode([text])[0]
        bm25 = _top(client, first_stage(text))
        hybrid = _top(client, first_stage(text, vector, k=50))
        click.echo(f"\n{text!r}")
        for label, hits in (("BM25  ", bm25), ("hybrid", hybrid)):
            for rank, (score, doc_id, title) in enumerate(hits):
                head = label if rank == 0 else " " * len(label)
                click.echo(f"  {head} {score:8.4f}  {doc_id:>9}  {title[:70]}")
    click.echo("\nProduct data: Icecat (icecat.biz), Open Content License")
    if serve_after:
        ctx = click.get_current_context()
        client.close()
        obj._client = None
        ctx.invoke(serve, host="127.0.0.1", port=port, data_dir_opt=None, allow_remote=False)

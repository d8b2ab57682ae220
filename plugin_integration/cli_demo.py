"""``mmltr demo``: the main job on the embedded default.

For now (until the full LTR loop lands) it loads a bundled sample of the Icecat catalogue into the embedded
node through opensearch-py, runs BM25 searches, prints the hits, and can keep serving the node over HTTP.
Product data: Icecat (icecat.biz), Open Content License.
"""
from __future__ import annotations

import json
from importlib import resources

import click

SAMPLE_INDEX = "demo-products"
QUERIES = ("laptop", "usb cable", "wireless mouse", "toner")


def _sample_docs():
    text = resources.files("plugin_integration.sample").joinpath("icecat_sample.jsonl").read_text("utf-8")
    for line in text.splitlines():
        row = json.loads(line)
        yield {"_index": SAMPLE_INDEX, "_id": row["id"], "_source": row}


@click.command()
@click.option("--serve", "serve_after", is_flag=True, help="Keep serving the node over HTTP afterwards.")
@click.option("--port", default=9200, show_default=True, type=int)
@click.pass_obj
def demo(obj, serve_after: bool, port: int) -> None:
    """Index a bundled catalogue sample into the embedded node and search it."""
    from opensearchpy import helpers

    client = obj.client()
    if client.indices.exists(index=SAMPLE_INDEX):
        client.indices.delete(index=SAMPLE_INDEX)
    client.indices.create(index=SAMPLE_INDEX, body={
        "settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0}},
        "mappings": {"properties": {
            "title": {"type": "text"}, "description": {"type": "text"},
            "brand": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
            "category": {"type": "text"}, "price": {"type": "float"}}}})
    ok, failed = helpers.bulk(client, _sample_docs(), refresh=True, raise_on_error=False)
    click.echo(f"indexed {ok} products into [{SAMPLE_INDEX}] ({len(failed)} failed)")
    for query in QUERIES:
        res = client.search(index=SAMPLE_INDEX, body={
            "size": 3, "query": {"multi_match": {"query": query, "fields": ["title^2", "description", "brand"]}}})
        click.echo(f"\n{query!r}: {res['hits']['total']['value']} hits")
        for hit in res["hits"]["hits"]:
            click.echo(f"  {hit['_score']:8.4f}  {hit['_id']:>9}  {hit['_source']['title'][:80]}")
    click.echo("\nProduct data: Icecat (icecat.biz), Open Content License")
    if serve_after:
        ctx = click.get_current_context()
        client.close()
        obj._client = None
        from .cli_serve import serve

        ctx.invoke(serve, host="127.0.0.1", port=port, data_dir_opt=None, allow_remote=False)

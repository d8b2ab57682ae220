"""``copy_to``: values indexed in the target field as well (not in ``_source``), so the target is searchable and
scored exactly as a field holding those values; before this the parameter was accepted and silently ignored."""
from __future__ import annotations

import pytest
from opensearchpy import RequestError

COPIED = {"properties": {"title": {"type": "text", "copy_to": "all_text"},
                         "description": {"type": "text", "copy_to": ["all_text", "desc_words"]},
                         "brand": {"type": "keyword", "copy_to": "all_text"},
                         "all_text": {"type": "text"}}}
EXPLICIT = {"properties": {"title": {"type": "text"}, "description": {"type": "text"}, "brand": {"type": "keyword"},
                           "all_text": {"type": "text"}}}
DOCS = [("1", "Red running shoe", "A light shoe for road running", "Acme"),
        ("2", "Blue rain jacket", "Waterproof jacket, packs small", "Acme"),
        ("3", "Trail shoe", "Grippy trail running shoe with a rock plate", "Zed")]


def _scores(client, index: str, query: dict) -> dict[str, float]:
    hits = client.search(index=index, body={"query": query, "size": 10})["hits"]["hits"]
    return {h["_id"]: h["_score"] for h in hits}


def test_copy_to_target_scores_as_a_field_holding_the_values(client):
    client.indices.create(index="copied", body={"mappings": COPIED})
    client.indices.create(index="explicit", body={"mappings": EXPLICIT})
    for doc_id, title, description, brand in DOCS:
        client.index(index="copied", id=doc_id, body={"title": title, "description": description, "brand": brand})
        client.index(index="explicit", id=doc_id, body={"title": title, "description": description, "brand": brand,
                                                        "all_text": [title, description, brand]})
    client.indices.refresh(index="copied,explicit")
    for text in ("running shoe", "acme jacket", "rock"):
        query = {"match": {"all_text": text}}
        copied, explicit = _scores(client, "copied", query), _scores(client, "explicit", query)
        assert copied and copied == pytest.approx(explicit, rel=0, abs=0), text  # bit-identical BM25
    # the source is what was sent; the dynamically mapped second target exists and is searchable
    assert client.get(index="copied", id="3")["_source"] == {"title": DOCS[2][1], "description": DOCS[2][2],
                                                             "brand": "Zed"}
    assert set(_scores(client, "copied", {"match": {"desc_words": "plate"}})) == {"3"}
    mapping = client.indices.get_mapping(index="copied")["copied"]["mappings"]["properties"]
    assert mapping["desc_words"]["type"] == "text"


def test_copy_to_is_not_transitive_and_refuses_objects(client):
    client.indices.create(index="chain", body={"mappings": {"properties": {
        "a": {"type": "text", "copy_to": "b"}, "b": {"type": "text", "copy_to": "c"}, "c": {"type": "text"},
        "obj": {"properties": {"x": {"type": "text"}}}, "d": {"type": "text", "copy_to": "obj"}}}})
    client.index(index="chain", id="1", body={"a": "apple"}, refresh=True)
    assert set(_scores(client, "chain", {"match": {"b": "apple"}})) == {"1"}
    assert _scores(client, "chain", {"match": {"c": "apple"}}) == {}  # a copied value is not copied on
    with pytest.raises(RequestError) as err:
        client.index(index="chain", id="2", body={"d": "x"})
    assert "Cannot copy to field [obj] since it is mapped as an object" in str(err.value.info)

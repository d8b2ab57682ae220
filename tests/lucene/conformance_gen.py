"""Random corpora and OpenSearch-DSL queries for the Lucene conformance test (deterministic per seed).

Corpora exercise what changes BM25 numbers: field lengths above 40 (lossy norms), missing and empty fields,
repeated terms, multi-valued fields, keyword fields (no norms, freq 1), unicode and emoji tokens, several
segments and deleted documents. Queries cover ``match`` (or/and, every minimum_should_match syntax, boosts,
duplicate terms up to several copies, zero_terms_query), ``term``, ``multi_match`` (best/most fields, ties,
``field^boost``), ``bool`` (all clause kinds, nesting, msm, boosts), ``dis_max`` and ``constant_score``.
"""
from __future__ import annotations

import random
from typing import Any

WORDS = [
    "wireless", "bluetooth", "headphones", "noise", "cancelling", "usb-c", "charger", "cable", "fast", "charging",
    "battery", "case", "phone", "laptop", "stand", "stainless", "steel", "water", "bottle", "coffee", "maker",
    "espresso", "running", "shoes", "men", "women", "kids", "4k", "tv", "hdr", "smart", "speaker", "portable",
    "waterproof", "3.5mm", "jack", "wi-fi", "router", "mesh", "1,000", "pack", "the", "and", "with", "for", "a",
    "of", "in", "pro", "max", "mini", "ultra", "café", "naïve", "über", "straße", "ΣΊΣΥΦΟΣ", "日本語", "テキスト",
    "한국어", "😀", "👍🏽", "®", "™", "don't", "u.s.a.", "hello_world", "x2", "v1.2", "ｆｕｌｌ", "e\u0301cole",
]
BRANDS = ["Sony", "sony", "JBL", "Bose", "Apple", "Anker", "Philips", "De'Longhi", "Nike", "Adidas", "LG", ""]
TAGS = ["audio", "mobile", "home", "kitchen", "sport", "tv", "sale", "new", "eco", "gift"]
MAPPINGS = {"title": "text", "description": "text", "brand": "keyword", "tags": "keyword"}
MSM_SPECS = ["1", "2", "-1", "75%", "-25%", "50%", "2<75%", "3<-1 5<80%", "1<-50%", 1, 2, 3, "100%"]
BOOSTS = [1.0, 1.0, 1.0, 2.0, 0.5, 1.5, 3.0, 0.25, 10.0]


def _weighted_word(rng: random.Random) -> str:
    # Zipf-like: low indexes are frequent, so document frequencies vary from most docs to one doc
    idx = min(int(rng.paretovariate(0.9)) - 1, len(WORDS) - 1)
    return WORDS[(idx * 7 + rng.randrange(3)) % len(WORDS)] if rng.random() < 0.3 else WORDS[idx]


def _text(rng: random.Random, lo: int, hi: int) -> str:
    words = []
    for _ in range(rng.randint(lo, hi)):
        w = _weighted_word(rng)
        words.append(w.upper() if rng.random() < 0.05 else w)
        if rng.random() < 0.04:
            words.extend([w] * rng.randint(2, 6))
    sep = rng.choice([" ", " ", ", ", " - ", ". "])
    return sep.join(words)


def make_doc(rng: random.Random, doc_id: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"_id": doc_id, "title": _text(rng, 1, 12)}
    r = rng.random()
    if r < 0.1:
        pass  # no description
    elif r < 0.15:
        doc["description"] = ""
    elif r < 0.22:
        doc["description"] = [_text(rng, 0, 30), _text(rng, 1, 30)]
    else:
        doc["description"] = _text(rng, 0, rng.choice([15, 40, 60, 150]))
    if rng.random() < 0.85:
        doc["brand"] = rng.choice(BRANDS)
    if rng.random() < 0.7:
        doc["tags"] = [rng.choice(TAGS) for _ in range(rng.randint(0, 4))]
    return doc


def make_corpus(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    n = rng.randint(40, 120)
    docs = [make_doc(rng, f"d{i:03d}") for i in range(n)]
    n_segments = rng.randint(1, 6)
    cuts = sorted(rng.sample(range(1, n), n_segments - 1)) if n_segments > 1 else []
    segments = [docs[a:b] for a, b in zip([0] + cuts, cuts + [n])]
    deletes = []
    for seg in segments:
        k = rng.randint(0, max(0, (len(seg) - 1) // 3))
        deletes.extend(d["_id"] for d in rng.sample(seg, k))
    return {"mappings": MAPPINGS, "segments": segments, "deletes": deletes}


# --- queries ------------------------------------------------------------------------------------------------

def _query_text(rng: random.Random) -> str:
    words = [_weighted_word(rng) for _ in range(rng.randint(1, 5))]
    if rng.random() < 0.3:
        words += [rng.choice(words)] * rng.randint(1, 4)  # duplicate copies (2 to 5 of one term)
    if rng.random() < 0.1:
        words.append("zzzunknown")
    if rng.random() < 0.03:
        return rng.choice(["", " - ", "!!"])  # analyzes to nothing
    rng.shuffle(words)
    return " ".join(words)


def _boosted(rng: random.Random, body: dict[str, Any]) -> dict[str, Any]:
    boost = rng.choice(BOOSTS)
    if boost != 1.0:
        body["boost"] = boost
    return body


def _match(rng: random.Random) -> dict[str, Any]:
    field = rng.choice(["title", "title", "description", "description", "brand"])
    text = rng.choice(BRANDS) if field == "brand" else _query_text(rng)
    params: dict[str, Any] = {"query": text}
    if rng.random() < 0.3:
        params["operator"] = rng.choice(["and", "or", "AND"])
    if rng.random() < 0.35:
        params["minimum_should_match"] = rng.choice(MSM_SPECS)
    if rng.random() < 0.1:
        params["zero_terms_query"] = "all"
    _boosted(rng, params)
    if len(params) == 1 and rng.random() < 0.5:
        return {"match": {field: text}}
    return {"match": {field: params}}


def _term(rng: random.Random) -> dict[str, Any]:
    field = rng.choice(["title", "description", "brand", "tags"])
    if field == "brand":
        value = rng.choice(BRANDS)
    elif field == "tags":
        value = rng.choice(TAGS)
    else:
        value = rng.choice(WORDS).lower()
    body = _boosted(rng, {"value": value})
    return {"term": {field: body if len(body) > 1 or rng.random() < 0.5 else value}}


def _multi_match(rng: random.Random) -> dict[str, Any]:
    fields = rng.sample(["title", "description", "brand"], rng.randint(1, 3))
    specs = [f if rng.random() < 0.6 else f"{f}^{rng.choice([2, 0.5, 3, 1.5])}" for f in fields]
    body: dict[str, Any] = {"query": _query_text(rng), "fields": specs,
                            "type": rng.choice(["best_fields", "most_fields"])}
    if rng.random() < 0.5:
        body["tie_breaker"] = rng.choice([0.0, 0.3, 0.7, 1.0])
    if rng.random() < 0.2:
        body["operator"] = "and"
    if rng.random() < 0.2:
        body["minimum_should_match"] = rng.choice(MSM_SPECS)
    return {"multi_match": _boosted(rng, body)}


def _leaf(rng: random.Random) -> dict[str, Any]:
    r = rng.random()
    if r < 0.45:
        return _match(rng)
    if r < 0.65:
        return _term(rng)
    if r < 0.9:
        return _multi_match(rng)
    if r < 0.95:
        return {"constant_score": _boosted(rng, {"filter": _match(rng)})}
    return {"match_all": _boosted(rng, {})}


def make_query(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    r = rng.random()
    if depth >= 2 or r < 0.45:
        return _leaf(rng)
    if r < 0.85:
        body: dict[str, Any] = {}
        for kind, p in (("must", 0.5), ("should", 0.7), ("filter", 0.3), ("must_not", 0.2)):
            if rng.random() < p:
                body[kind] = [make_query(rng, depth + 1) for _ in range(rng.randint(1, 3))]
        if "should" in body and rng.random() < 0.3:
            body["minimum_should_match"] = rng.choice(MSM_SPECS)
        return {"bool": _boosted(rng, body)}
    body = {"queries": [make_query(rng, depth + 1) for _ in range(rng.randint(2, 3))]}
    if rng.random() < 0.7:
        body["tie_breaker"] = rng.choice([0.0, 0.1, 0.3, 0.5, 1.0])
    return {"dis_max": _boosted(rng, body)}


def make_queries(seed: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(seed * 7919 + 1)
    return [make_query(rng) for _ in range(count)]

from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.cache import EmbeddingCache, NullCache, content_key


def test_vectors_round_trip_bit_identical_and_persist(tmp_path: Path) -> None:
    vectors = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    keys = [content_key(f"title {i}") for i in range(3)]
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        cache.put_many("enc", zip(keys, vectors))
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        found = cache.get_many("enc", keys, 8)
        assert cache.count("enc") == 3 and cache.count() == 3
    assert all(np.array_equal(found[k], v) for k, v in zip(keys, vectors))


def test_keys_are_scoped_by_encoder_and_dimension(tmp_path: Path) -> None:
    key = content_key("same text")
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        cache.put_many("a", [(key, np.ones(4, np.float32))])
        assert cache.get_many("b", [key], 4) == {}
        assert cache.get_many("a", [key], 5) == {}
        assert list(cache.get_many("a", [key], 4)) == [key]
        assert (cache.hits, cache.misses) == (1, 2)


def test_hits_count_every_requested_key_including_repeats(tmp_path: Path) -> None:
    keys = [content_key(str(i)) for i in range(1200)]  # more than one lookup chunk
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        cache.put_many("e", [(k, np.zeros(2, np.float32)) for k in keys[:1000]])
        found = cache.get_many("e", keys + keys[:5], 2)
        assert len(found) == 1000 and (cache.hits, cache.misses) == (1005, 200)


def test_content_key_is_the_same_for_str_and_its_utf8_bytes() -> None:
    assert content_key("é") == content_key("é".encode()) and len(content_key("x")) == 16
    assert content_key("a") != content_key("b")


def test_null_cache_always_misses() -> None:
    cache = NullCache()
    cache.put_many("e", [(b"k", np.zeros(2, np.float32))])
    assert cache.get_many("e", [b"k"], 2) == {} and cache.misses == 1 and cache.count() == 0

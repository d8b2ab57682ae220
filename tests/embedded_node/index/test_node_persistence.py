"""Persistence: several clients one after another see the same data; acknowledged writes survive kill -9."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from plugin_integration.client import make_client
from embedded_node.node import Node
from embedded_node.index.storage import DataDirLocked


def _client(path):
    return make_client(None, path)


def test_reopen_sees_indices_docs_aliases_and_mappings(tmp_path):
    c = _client(tmp_path)
    c.indices.create(index="items-v1", body={"mappings": {"properties": {"title": {"type": "text"},
                                                                         "n": {"type": "integer"}}}})
    c.indices.update_aliases(body={"actions": [{"add": {"index": "items-v1", "alias": "items"}}]})
    for i in range(30):
        c.index(index="items", id=str(i), body={"title": f"doc number {i}", "n": i})
    c.indices.refresh(index="items")
    c.delete(index="items", id="3")
    c.index(index="items", id="4", body={"title": "replaced", "n": 400})
    c.index(index="items", id="late", body={"title": "not yet refreshed", "n": -1})
    c.close()

    c2 = _client(tmp_path)
    assert c2.indices.get_alias(name="items") == {"items-v1": {"aliases": {"items": {}}}}
    assert c2.indices.get_mapping(index="items-v1")["items-v1"]["mappings"]["properties"]["n"] == {"type": "integer"}
    assert c2.count(index="items")["count"] == 30
    assert c2.get(index="items", id="late")["_source"]["n"] == -1
    assert c2.get(index="items", id="4")["_version"] == 2
    ids = {h["_id"] for h in c2.search(index="items", body={"size": 100})["hits"]["hits"]}
    assert "3" not in ids and "late" in ids and len(ids) == 30
    # the sequence number keeps growing after reopen (no reuse)
    assert c2.index(index="items", id="new", body={"n": 1})["_seq_no"] == 33
    c2.close()


def test_second_process_cannot_open_a_locked_data_dir(tmp_path):
    node = Node(tmp_path)
    try:
        code = textwrap.dedent(f"""
            from embedded_node.node import Node
            from embedded_node.index.storage import DataDirLocked
            try:
                Node({str(tmp_path)!r})
            except DataDirLocked as exc:
                print("LOCKED", exc)
        """)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
        assert out.startswith("LOCKED") and "in use by pid" in out
    finally:
        node.close()
    Node(tmp_path).close()  # the lock is released on close
    with pytest.raises(DataDirLocked):
        a = Node(tmp_path)
        try:
            Node(tmp_path)
        finally:
            a.close()


def test_acknowledged_writes_survive_kill_9(tmp_path):
    """A writer acknowledges documents one by one on stdout and is killed mid-stream; every ack must survive."""
    code = textwrap.dedent(f"""
        import sys
        from plugin_integration.client import make_client
        c = make_client(None, {str(tmp_path)!r})
        c.indices.create(index="k", body={{"mappings": {{"properties": {{"t": {{"type": "text"}}}}}}}})
        i = 0
        while True:
            c.index(index="k", id=str(i), body={{"t": "document %d" % i}})
            print(i, flush=True)
            i += 1
            if i % 25 == 0:
                c.indices.refresh(index="k")
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    acked = []
    deadline = time.time() + 60
    while len(acked) < 140 and time.time() < deadline:
        line = proc.stdout.readline()
        if line.strip():
            acked.append(int(line))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(acked) >= 140
    c = _client(tmp_path)
    try:
        assert c.count(index="k")["count"] >= len(acked)
        found = c.mget(index="k", body={"ids": [str(i) for i in acked]})["docs"]
        assert all(d["found"] for d in found)
        hits = c.search(index="k", body={"query": {"ids": {"values": ["0", str(acked[-1])]}}})
        assert hits["hits"]["total"]["value"] == 2
    finally:
        c.close()


def test_deleted_docs_count_in_stats_until_merge_and_survive_reopen(tmp_path):
    node = Node(tmp_path)
    shard = node.create_index("s", {"mappings": {"properties": {"t": {"type": "text"}}}})
    for i in range(10):
        node.index_doc("s", str(i), None, {"t": "alpha beta" if i % 2 else "alpha"})
    shard.refresh()
    node.delete_doc("s", "1", refresh=True)
    searcher = shard.acquire_searcher()
    assert searcher.num_docs == 9
    assert searcher.field_stats("t") == (10, 15, 15)  # docCount and sumTotalTermFreq still include doc 1
    assert searcher.term_stats("t", "beta") == (5, 5)
    node.close()
    node = Node(tmp_path)
    shard = node.indices["s"]
    searcher = shard.acquire_searcher()
    assert searcher.num_docs == 9 and searcher.field_stats("t") == (10, 15, 15)
    shard.force_merge(1)
    searcher = shard.acquire_searcher()
    assert searcher.field_stats("t") == (9, 13, 13)
    assert searcher.term_stats("t", "beta") == (4, 4)
    node.close()

"""The overlapped stages of a load: reader thread -> embed thread -> bulk in the calling thread.

Bounded queues join them, so at most ``queue_depth`` batches wait between two stages and memory does not grow
with the catalogue. A failure in any stage sets ``stop``; the other stages drain and return, and the calling
thread re-raises the first error. Torch releases the GIL while it computes, so reading and bulk I/O go on
while a batch is being embedded. The embed thread also merges vectors carried over from the live version
(``carry.py``) into the documents before they are serialized.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from .bulk import BulkOptions, BulkReport, bulk_write, index_action
from .carry import Carrier
from .documents import build_document, document_json
from .embedding import Embedder
from .items import Item, Reject

Progress = Callable[[str, int], None]
_DONE = object()


def run_stages(
    client: Any,
    index: str,
    items: Iterator[Item],
    embedder: Embedder,
    *,
    batch_size: int,
    queue_depth: int,
    bulk_options: BulkOptions,
    reject: Callable[[Reject], None],
    emit: Progress,
    carrier: Carrier | None = None,
) -> BulkReport:
    """Run the three stages to completion and return the bulk report (every document accounted for)."""
    stop = threading.Event()
    errors: list[BaseException] = []
    batches: queue.Queue[Any] = queue.Queue(maxsize=queue_depth)
    actions: queue.Queue[Any] = queue.Queue(maxsize=queue_depth)

    def put(q: queue.Queue[Any], value: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            batch: list[Item] = []
            for item in items:
                emit("read", 1)
                batch.append(item)
                if len(batch) >= batch_size:
                    if not put(batches, batch):
                        return
                    batch = []
            if batch:
                put(batches, batch)
        except BaseException as exc:  # handed to the calling thread, which re-raises it
            errors.append(exc)
            stop.set()
        finally:
            put(batches, _DONE)

    def embed() -> None:
        try:
            while not stop.is_set():
                try:
                    batch = batches.get(timeout=0.1)
                except queue.Empty:
                    continue
                if batch is _DONE:
                    break
                embedded, bad = embedder.embed(batch)
                for rejected in bad:
                    reject(rejected)
                docs = [build_document(e.item, e.text_vector, e.image_vector) for e in embedded]
                if carrier is not None:
                    carrier.merge(docs)
                chunk = [
                    index_action(index, e.item.id, document_json(doc), e.item.row)
                    for e, doc in zip(embedded, docs)
                ]
                emit("embedded", len(batch))
                if not put(actions, chunk):
                    return
        except BaseException as exc:
            errors.append(exc)
            stop.set()
        finally:
            put(actions, _DONE)

    def stream() -> Iterator[dict[str, Any]]:
        while True:
            try:
                chunk = actions.get(timeout=0.1)
            except queue.Empty:
                if stop.is_set() and errors:
                    return
                continue
            if chunk is _DONE:
                return
            yield from chunk

    workers = [
        threading.Thread(target=read, name="mmltr-read", daemon=True),
        threading.Thread(target=embed, name="mmltr-embed", daemon=True),
    ]
    for worker in workers:
        worker.start()
    try:
        result = bulk_write(
            client, stream(), bulk_options, lambda ok, n: emit("indexed" if ok else "failed", n)
        )
    except BaseException:
        stop.set()
        raise
    finally:
        for worker in workers:
            worker.join()
    if errors:
        raise errors[0]
    return result

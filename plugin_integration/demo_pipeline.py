"""The stages of ``mmltr demo``: a generated world through the whole personal LTR loop, each stage a function that
returns a value object (the CLI in :mod:`.cli_demo` prints them).

1. :func:`make_world`: ``ltr.world.generate_world`` written under ``<data-dir>/demo/<size>/world``;
2. :func:`index_world`: the indexer (MiniLM text vectors, a fast image encoder) into the alias;
3. :func:`simulate`: clicks of the world's users on the ``bm25`` ranker over ``days``, split by time into a
   training period and an evaluation period;
4. :func:`learn_users`: judgments (per user, SDBN) and profiles (CF vectors onto the items) of the TRAINING
   period only;
5. :func:`train_models`: the fused featureset with personal features and one without, feature logging of the
   training judgments, LightGBM LambdaMART, upload (converted exactly) and verify (the cluster's scores equal
   LightGBM's) for both (:mod:`.demo_models`);
6. :func:`.demo_evaluation.evaluate_truth`: every ranker against the world's TRUE relevance of the (user, query)
   pairs searched in the evaluation period.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from indexer.cache import EmbeddingCache
from indexer.encoders.base import load_encoder
from indexer.pipeline import LoadOptions, load_catalog
from ltr.cli_common import load_log
from ltr.cli_profiles_cluster import index_frame, write_cf_vectors, write_profiles_index
from ltr.clickmodels import fit_click_model
from ltr.judgments import judgments_from_model, write_judgments
from ltr.join import DEFAULT_CLOCK_SKEW_S, DEFAULT_JOIN_WINDOW_S
from ltr.profiles import CFConfig, ItemAttributes, ProfileConfig, UserItemEvents, build_profiles
from ltr.profiles.store import write_item_vectors, write_profiles
from ltr.sessions import DEFAULT_MAX_RANK, per_user_sessions
from ltr.types import InteractionKind
from ltr.world import SimulatedSearches, World, generate_world, simulate_searches

from .cluster_info import detect
from .simulated_traffic import ClusterRanker

ALIAS = "demo-items"
TEXT_ENCODER = "minilm"
IMAGE_ENCODER = "classical"  # colour/texture descriptor: the world's colours and styles live in its images
START = 1_700_000_000.0
Tick = Callable[[int, int], None]


@dataclass(frozen=True)
class Plan:
    """The demo's own settings per size (never the truth): traffic volume, days and the split."""

    searches: int
    days: float
    train_days: float
    factors: int = 16
    window: int = 100


#: tiny: 6,000 searches gave ltr +0.005 over hybrid (not significant) and a 4-tree ltr_nonpersonal; 12,000 give
#: more (user, query) groups with per-user judgments and a significant gain over every ranker (README).
PLANS = {"tiny": Plan(searches=12_000, days=28, train_days=21),
         "small": Plan(searches=20_000, days=28, train_days=21, factors=32),
         "medium": Plan(searches=60_000, days=28, train_days=21, factors=64)}


@dataclass(frozen=True)
class WorldStage:
    world: World
    directory: Path
    seconds: float


@dataclass(frozen=True)
class IndexStage:
    index: str
    indexed: int
    rejected: int
    image_encoder: str
    seconds: float


@dataclass(frozen=True)
class TrafficStage:
    training: SimulatedSearches
    evaluation: SimulatedSearches
    log_path: Path
    clicks: int
    seconds: float


@dataclass(frozen=True)
class UsersStage:
    judgments_path: Path
    judgments: int
    groups: int
    profiles_path: Path
    profiles: int
    cf_items: int
    seconds: float


def make_world(size: str, seed: int, root: Path) -> WorldStage:
    started = time.perf_counter()
    world = generate_world(size, seed)
    directory = world.write(root / "world")
    return WorldStage(world, directory, time.perf_counter() - started)


def index_world(client: Any, world_dir: Path, data_dir: Path, *, image_encoder: str = IMAGE_ENCODER,
                progress: Any = None) -> IndexStage:
    """The world's catalogue into a new version of :data:`ALIAS` (text and image vectors, as ``index load``)."""
    started = time.perf_counter()
    text, image = load_encoder(TEXT_ENCODER, modality="text"), load_encoder(image_encoder, modality="image")
    cache = EmbeddingCache(data_dir / "embedding-cache.sqlite")
    try:
        report = load_catalog(client, world_dir / "catalog.jsonl", text_encoder=text, image_encoder=image,
                              cache=cache, options=LoadOptions(alias=ALIAS, images_dir=world_dir,
                                                  dialect=detect(client).vectors),
                              progress=progress,
                              meta={"text_encoder_spec": TEXT_ENCODER, "image_encoder_spec": image_encoder})
    finally:
        cache.close()
    return IndexStage(report.index, report.indexed, report.rejected, image_encoder, time.perf_counter() - started)


def simulate(client: Any, world: World, plan: Plan, root: Path, seed: int, tick: Callable[[], None] | None = None
             ) -> TrafficStage:
    """The world's users search the ``bm25`` ranker for ``plan.days``; split at ``plan.train_days``."""
    started = time.perf_counter()
    ranker = ClusterRanker(client, ALIAS, "bm25", k=10, window=plan.window)
    ranker.prepare(world.queries)

    def ranked(user: Any, query: Any) -> list[str]:
        answer = ranker(user, query)
        if tick is not None:
            tick()
        return answer

    sims = simulate_searches(world, ranked, plan.searches, seed=seed + 1, start_time=START, days=plan.days)
    training, evaluation = sims.split_at(START + plan.train_days * 86400)
    log_path = root / "clicks.train.jsonl"
    training.write_jsonl(log_path)
    clicks = sum(1 for o in sims.outcomes for e in o.interactions if e.kind is InteractionKind.CLICK)
    return TrafficStage(training, evaluation, log_path, clicks, time.perf_counter() - started)


_LOG_OPTIONS = {"log_format": "jsonl", "ubi_ordinal_base": 1, "clock_skew": DEFAULT_CLOCK_SKEW_S,
                "join_window": DEFAULT_JOIN_WINDOW_S, "max_rank": DEFAULT_MAX_RANK}


def learn_users(client: Any, log_path: Path, root: Path, plan: Plan, *, min_evidence: int = 2) -> UsersStage:
    """Per-user judgments (``judgments from-clicks --per-user``) and profiles (``profiles build``) of the
    training log; profiles into the ``users`` index and CF item vectors onto the items."""
    started = time.perf_counter()
    click_log, joined, sessions, _ = load_log(log_path, _LOG_OPTIONS)
    per_user, _ = per_user_sessions(sessions)
    fitted = fit_click_model("sdbn", per_user)
    graded, _ = judgments_from_model(fitted, min_evidence=min_evidence)
    judgments_path = root / "judgments.train.csv"
    written = write_judgments(judgments_path, graded)
    groups = pd.read_csv(judgments_path, dtype=str).groupby(["qid", "user_id"]).ngroups
    events, _ = UserItemEvents.from_log(click_log, joined)
    frame = index_frame(client, ALIAS, "text_vector", "image_vector")
    items = ItemAttributes.from_frame(frame, "text_vector", "image_vector") if frame is not None else None
    profiles, item_vectors, _ = build_profiles(events, items, ProfileConfig(cf=CFConfig(factors=plan.factors)))
    profiles_path = root / "profiles.parquet"
    write_profiles(profiles_path, profiles)
    write_item_vectors(root / "profiles.items.parquet", item_vectors)
    write_profiles_index(client, profiles, "users")
    all_ids = tuple(frame["id"]) if frame is not None else ()
    write_cf_vectors(client, item_vectors, ALIAS, all_ids)
    client.indices.refresh(index=ALIAS)
    return UsersStage(judgments_path, written, groups, profiles_path, len(profiles), len(item_vectors.item_ids),
                      time.perf_counter() - started)

"""Models in a feature store: upload (via ``_createmodel``), list, get, delete, and their names.

Models are immutable (DESIGN §4): a new model gets a new name ``<featureset>__<yyyymmdd-hhmmss>`` and the
rescore query switches to it. Before an upload the definition is checked locally against the featureset (every
referenced feature exists; a model trained on N features meets a set of N features in the same order), so the
mistake is reported with names instead of as a parse error from the plugin.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

from . import ltr_api
from .errors import ClusterError
from .featuresets import FeatureSet, fetch

log = logging.getLogger(__name__)

MODEL_TYPES = ("model/xgboost+json", "model/xgboost+json+raw", "model/ranklib", "model/linear")


class ModelCheckError(ValueError):
    """A model that does not fit its featureset; lists every problem."""

    def __init__(self, problems: Sequence[str], model: str | None = None) -> None:
        self.problems = list(problems)
        super().__init__((f"model {model!r}: " if model else "") + "; ".join(self.problems))


@dataclass(frozen=True)
class Model:
    """A stored (or to-be-stored) model: type, definition, optional normalizers, and the set it was made from."""

    name: str
    type: str
    definition: Any
    feature_normalizers: Mapping[str, Any] | None = None
    featureset: FeatureSet | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        model: dict[str, Any] = {"type": self.type, "definition": self.definition}
        if self.feature_normalizers:
            model["feature_normalizers"] = dict(self.feature_normalizers)
        return {"name": self.name, "model": model}

    def body(self, validation: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ``_createmodel`` body."""
        body: dict[str, Any] = {"model": self.to_dict()}
        if validation:
            body["validation"] = dict(validation)
        return body

    @property
    def tree_count(self) -> int | None:
        trees = _xgboost_trees(self.definition) if self.type == "model/xgboost+json" else None
        return len(trees) if trees is not None else None

    @classmethod
    def from_response(cls, data: Mapping[str, Any]) -> Model:
        """From a GET ``_model`` response or a ``_model`` search hit (``_source.model`` = the stored model)."""
        source = data.get("_source", data)
        stored = source.get("model", source) if isinstance(source.get("model"), Mapping) else source
        inner = stored.get("model") if isinstance(stored.get("model"), Mapping) else stored
        feature_set = stored.get("feature_set")
        return cls(name=str(stored.get("name") or source.get("name") or ""), type=str(inner.get("type", "")),
                   definition=inner.get("definition"), feature_normalizers=inner.get("feature_normalizers"),
                   featureset=FeatureSet.from_dict(feature_set) if isinstance(feature_set, Mapping) else None)


def model_name(featureset: str, now: dt.datetime | None = None) -> str:
    """``<featureset>__<yyyymmdd-hhmmss>`` (UTC): a fresh, sortable name for every upload."""
    now = now or dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is not None:
        now = now.astimezone(dt.timezone.utc)
    return f"{featureset}__{now:%Y%m%d-%H%M%S}"


def fresh_model_name(client: Any, featureset: str, store: str | None = None, now: dt.datetime | None = None) -> str:
    """:func:`model_name` for an upload now, one second later for every stored model that already has it: two
    uploads within a second get two names (models are never replaced), still sorting by upload order."""
    now = now or dt.datetime.now(dt.timezone.utc)
    taken = {m.name for m in list_models(client, f"{featureset}__", store)}
    name = model_name(featureset, now)
    while name in taken:
        now += dt.timedelta(seconds=1)
        name = model_name(featureset, now)
    return name


# -- local checks ------------------------------------------------------------------------------------------------


def referenced_features(model_type: str, definition: Any, set_names: Sequence[str]) -> set[str]:
    """Names of the features a definition uses (RankLib ordinals are mapped to names; an ordinal past the end
    of the set is reported as ``#<ordinal>``)."""
    if model_type == "model/xgboost+json":
        return {node["split"] for node in _walk(_xgboost_trees(_loaded(definition)) or []) if "split" in node}
    if model_type == "model/xgboost+json+raw":
        learner = (_loaded(definition) or {}).get("learner") or {}
        return set(learner.get("feature_names") or [])
    if model_type == "model/linear":
        loaded = _loaded(definition)
        return set(loaded) if isinstance(loaded, Mapping) else set()
    if model_type == "model/ranklib":
        ordinals = _ranklib_ordinals(str(definition))
        return {set_names[o - 1] if 0 < o <= len(set_names) else f"#{o}" for o in ordinals}
    return set()


def check_model(model: Model, featureset: FeatureSet, feature_names: Sequence[str] | None = None) -> None:
    """Raise :class:`ModelCheckError` when the model cannot work with ``featureset``.

    ``feature_names`` are the names the model was trained on, in order (from the converter): they must be the
    set's names in the set's order, because the plugin feeds features by ordinal.
    """
    problems: list[str] = []
    set_names = featureset.feature_names
    if model.type not in MODEL_TYPES:
        problems.append(f"unknown model type {model.type!r}; use one of {', '.join(MODEL_TYPES)}")
    if model.type == "model/xgboost+json" and _xgboost_trees(_loaded(model.definition)) == []:
        problems.append("the definition has no trees; the plugin needs at least one")
    unknown = sorted(referenced_features(model.type, model.definition, set_names) - set(set_names))
    if unknown:
        problems.append(f"uses feature(s) not in featureset {featureset.name!r}: {', '.join(unknown)} "
                        f"(the set has: {', '.join(set_names)})")
    if feature_names is not None and tuple(feature_names) != tuple(set_names):
        if len(feature_names) != len(set_names):
            problems.append(f"was trained on {len(feature_names)} features but featureset {featureset.name!r} "
                            f"has {len(set_names)}; log and train against this featureset")
        else:
            problems.append(f"was trained on features in another order or with other names "
                            f"({', '.join(feature_names)}) than featureset {featureset.name!r} "
                            f"({', '.join(set_names)})")
    problems.extend(_normalizer_problems(model.feature_normalizers or {}, set_names))
    if problems:
        raise ModelCheckError(problems, model.name)


def _normalizer_problems(normalizers: Mapping[str, Any], set_names: Sequence[str]) -> list[str]:
    out = []
    for name, spec in normalizers.items():
        if name not in set_names:
            out.append(f"feature_normalizers names {name!r}, which is not in the featureset")
        spec = spec if isinstance(spec, Mapping) else {}
        if "standard" in spec:
            std = (spec["standard"] or {}).get("standard_deviation")
            if not isinstance(std, (int, float)) or not std > 0:
                out.append(f"normalizer of {name!r}: standard_deviation must be > 0")
        elif "min_max" in spec:
            lo, hi = ((spec["min_max"] or {}).get(k) for k in ("minimum", "maximum"))
            if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (lo, hi)) \
                    or not 0 <= lo < hi:  # type: ignore[operator]
                out.append(f"normalizer of {name!r}: min_max needs 0 <= minimum < maximum (a plugin rule)")
        else:
            out.append(f"normalizer of {name!r}: use {{\"standard\": {{...}}}} or {{\"min_max\": {{...}}}}")
    return out


def _loaded(definition: Any) -> Any:
    if isinstance(definition, str):
        try:
            return json.loads(definition)
        except ValueError:
            return None
    return definition


def _xgboost_trees(definition: Any) -> list[Any] | None:
    if isinstance(definition, list):
        return definition
    if isinstance(definition, Mapping) and isinstance(definition.get("splits"), list):
        return definition["splits"]
    return None


def _walk(nodes: Sequence[Any]) -> Iterator[Mapping[str, Any]]:
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            yield node
            stack.extend(node.get("children") or [])


def _ranklib_ordinals(text: str) -> set[int]:
    found = {int(m) for m in re.findall(r"<feature>\s*(\d+)\s*</feature>", text)}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "<" not in line:
            found |= {int(m) for m in re.findall(r"(?:^|\s)(\d+):", line)}
    return found


# -- cluster operations ------------------------------------------------------------------------------------------


def upload_model(client: Any, featureset: str | FeatureSet, name: str, definition: Any,
                 model_type: str = "model/xgboost+json", store: str | None = None,
                 feature_normalizers: Mapping[str, Any] | None = None, validation: Mapping[str, Any] | None = None,
                 *, feature_names: Sequence[str] | None = None, featureset_version: int | None = None,
                 check: bool = True) -> dict[str, Any]:
    """Create model ``name`` from ``featureset`` with ``POST _featureset/{set}/_createmodel``.

    With ``check`` the stored set is fetched (unless a :class:`FeatureSet` is given) and the definition is
    checked against it first (:func:`check_model`). ``featureset_version`` makes the plugin refuse the upload if
    the set changed since the features were logged. Existing names are refused by the plugin: models are never
    replaced. With ``check``, a create retried by the client after its answer was lost (and refused because its
    first try stored the model) is recognised and succeeds.
    """
    set_name = featureset.name if isinstance(featureset, FeatureSet) else featureset
    if not name or not str(name).strip():
        raise ModelCheckError(["a model needs a name (model_name() makes one)"])
    model = Model(name=name, type=model_type, definition=definition, feature_normalizers=feature_normalizers)
    if check:
        stored = featureset if isinstance(featureset, FeatureSet) else fetch(client, set_name, store)
        check_model(model, stored, feature_names)
    # With ``check``, whether the name was free before: then a "not updatable" refusal whose stored model is this
    # one was our own create, retried after its answer was lost. Without ``check``: one request, no recovery.
    existed = _exists(client, name, store) if check else True
    try:
        response = ltr_api.create_model_from_set(client, set_name, model.body(validation), store,
                                                 version=featureset_version)
    except ClusterError as exc:
        if existed or not _stored_already(client, exc, model, store):
            raise
        log.info("model %s was created by an earlier try of this upload (its answer was lost)", name)
        response = {"_id": name, "result": "created"}
    log.info("uploaded model %s (%s) from featureset %s", name, model_type, set_name)
    return response


def _exists(client: Any, name: str, store: str | None) -> bool:
    try:
        get_model(client, name, store)
    except ClusterError as exc:
        if exc.status == 404:
            return False
        raise
    return True


def _stored_already(client: Any, exc: ClusterError, model: Model, store: str | None) -> bool:
    """Whether a "not updatable" refusal of a name that was free just before is for this very model: the
    client retried a create whose answer was lost (dropped connection, timeout) and the first try had stored
    it. Another model under the name is still an error (models are never replaced)."""
    reason = str(exc.reason)  # the plugin: "Element of type [model] are not updatable, please create a new one"
    if "not updatable" not in reason and "already exists" not in reason:
        return False
    try:
        stored = get_model(client, model.name, store)
    except ClusterError:
        return False
    return (stored.type == model.type and _loaded(stored.definition) == _loaded(model.definition)
            and (stored.feature_normalizers or None) == (model.feature_normalizers or None))


def get_model(client: Any, name: str, store: str | None = None) -> Model:
    return Model.from_response(ltr_api.get_model(client, name, store))


def list_models(client: Any, prefix: str | None = None, store: str | None = None,
                page_size: int = 100) -> list[Model]:
    """All models whose name starts with ``prefix``, sorted by name (so timestamped names sort by age)."""
    hits = ltr_api.search_all(client, "model", store, prefix, page_size)
    return sorted((Model.from_response(hit) for hit in hits), key=lambda m: m.name)


def delete_model(client: Any, name: str, store: str | None = None) -> dict[str, Any]:
    return ltr_api.delete_model(client, name, store)

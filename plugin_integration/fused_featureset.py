"""The default fused featureset (DESIGN §5) for the fields an index really has.

``index_fields`` reads the live index behind an alias once (its mapping and mmltr's ``_meta``); ``fused_specs``
turns that into declarative features (:mod:`.feature_kinds`) in the DESIGN §5 order; ``fused_featureset``
renders them into a :class:`~.featuresets.FeatureSet`. Query-doc features come first, then user-doc, then doc
priors. Personal features are included when asked (the CLI's default: when the index carries CF vectors, i.e.
profiles were built for it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

from indexer import schema

from . import params as P
from .errors import ClusterError, translated
from .feature_kinds import FeatureSpec
from .featuresets import Feature, FeatureSet

TEXT_VECTOR, IMAGE_VECTOR, CF_VECTOR = schema.TEXT_VECTOR, schema.IMAGE_VECTOR, schema.CF_VECTOR
PRIORS = (schema.POPULARITY, schema.RATING)


@dataclass(frozen=True)
class IndexFields:
    """What the features can read: text fields, vector fields (name -> dimension), numeric fields, keyword
    fields, and the index's ``_meta.mmltr`` (its encoders)."""

    index: str
    text: tuple[str, ...]
    vectors: Mapping[str, int]
    numeric: tuple[str, ...]
    keywords: tuple[str, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, index: str, mapping: Mapping[str, Any]) -> IndexFields:
        props = mapping.get("properties") or {}
        text = tuple(n for n, p in props.items() if p.get("type") == "text")
        vectors = {n: int(p.get("dimension", p.get("dims"))) for n, p in props.items()
                   if p.get("type") in ("knn_vector", "dense_vector") and ("dimension" in p or "dims" in p)}
        numeric = tuple(n for n, p in props.items() if p.get("type") in ("float", "double", "integer", "long",
                                                                        "half_float", "scaled_float", "short"))
        keywords = tuple(n for n, p in props.items() if p.get("type") == "keyword") + tuple(
            f"{n}.{s}" for n, p in props.items() for s, sub in (p.get("fields") or {}).items()
            if sub.get("type") == "keyword")
        return cls(index=index, text=text, vectors=vectors, numeric=numeric, keywords=keywords,
                   meta=dict((mapping.get("_meta") or {}).get("mmltr") or {}))


def index_fields(client: Any, alias: str) -> IndexFields:
    """The fields of the index ``alias`` points to (one ``GET <alias>/_mapping``)."""
    with translated(f"check that {alias!r} exists (mmltr index status --alias {alias})"):
        response = client.indices.get_mapping(index=alias)
    body = getattr(response, "body", response)
    if not body:
        raise ClusterError(404, "index_not_found_exception", f"no index behind {alias!r}",
                           f"load a catalogue first: mmltr index load CATALOG --alias {alias}")
    index = sorted(body)[-1]
    return IndexFields.from_mapping(index, body[index].get("mappings") or {})


def fused_specs(fields: IndexFields, personal: bool, flavour: str = "opensearch") -> list[FeatureSpec]:
    """DESIGN §5's features for ``fields``: only those whose document fields exist. ``flavour``
    (``ClusterInfo.flavour``) is recorded on the vector features, whose syntax it chooses."""
    where = {} if flavour == "opensearch" else {"flavour": flavour}

    def vector(name: str, field_name: str, param: str, space: str) -> FeatureSpec:
        return FeatureSpec(name, "vector", field_name, {"param": param, "space_type": space, **where})

    specs = [FeatureSpec(f"bm25_{name}", "bm25", name) for name in schema.TEXT_FIELDS if name in fields.text]
    if TEXT_VECTOR in fields.vectors:
        specs.append(vector("knn_text", TEXT_VECTOR, P.QUERY_TEXT_VECTOR, "cosinesimil"))
    if IMAGE_VECTOR in fields.vectors:
        specs.append(vector("knn_image", IMAGE_VECTOR, P.QUERY_IMAGE_VECTOR, "cosinesimil"))
    if personal:
        if CF_VECTOR in fields.vectors:
            specs.append(vector("cf_score", CF_VECTOR, P.USER_CF_VECTOR, "innerproduct"))
        if P.CATEGORY_FIELD in fields.keywords:
            specs.append(FeatureSpec("affinity_category", "affinity", P.CATEGORY_FIELD,
                                     {"param": P.CATEGORY_AFFINITY}))
        if P.BRAND_FIELD in fields.keywords:
            specs.append(FeatureSpec("affinity_brand", "affinity", P.BRAND_FIELD, {"param": P.BRAND_AFFINITY}))
        if IMAGE_VECTOR in fields.vectors:
            specs.append(vector("taste_image", IMAGE_VECTOR, P.USER_IMAGE_TASTE, "innerproduct"))
        if TEXT_VECTOR in fields.vectors:
            specs.append(vector("taste_text", TEXT_VECTOR, P.USER_TEXT_TASTE, "innerproduct"))
        if schema.PRICE in fields.numeric:
            specs.append(FeatureSpec("price_fit", "decay", schema.PRICE,
                                     {"origin": P.PRICE_CENTRE, "scale": P.PRICE_SCALE}))
    specs.extend(FeatureSpec(name, "field_value", name, {"modifier": "log1p"})
                 for name in PRIORS if name in fields.numeric)
    return specs


def render(name: str, specs: list[FeatureSpec]) -> FeatureSet:
    features = []
    for spec in specs:
        template, params = spec.render()
        features.append(Feature(spec.name, template, params))
    return FeatureSet(name, tuple(features)).validate()


def fused_featureset(fields: IndexFields, name: str, personal: bool, flavour: str = "opensearch") -> FeatureSet:
    return render(name, fused_specs(fields, personal, flavour))


def specs_yaml(name: str, specs: list[FeatureSpec], fields: IndexFields) -> str:
    """The declarative YAML that ``featureset push`` renders (see docs/features.md for each kind)."""
    header = (f"# The fused featureset of {fields.index} (mmltr featureset init). Each feature is a kind\n"
              "# (bm25, vector, affinity, decay, field_value) over a document field; docs/features.md gives\n"
              "# each kind's formula and range. Edit, then: mmltr featureset push THIS_FILE\n")
    body = {"name": name, "features": [s.to_dict() for s in specs]}
    return header + yaml.safe_dump(body, sort_keys=False, default_flow_style=False)

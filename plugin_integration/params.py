"""``QueryContext -> params``: the one function that builds the ``sltr`` params (DESIGN §4).

Feature logging and serving both call :func:`to_params`, so a model is scored online on exactly the values it
was trained on. Params are data: strings stay strings, vectors are lists of floats, affinity maps are dicts.
Nothing here renders JSON or mustache; the client serialises the request and the plugin renders the templates,
so a query with quotes, braces, backslashes or ``{{`` cannot change a template's structure.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Protocol

from indexer.schema import BRAND_KEYWORD, CATEGORY_LEVELS

# The param vocabulary of the fused featureset (DESIGN §5). Templates refer to these names.
KEYWORDS = "keywords"
QUERY_TEXT_VECTOR = "query_text_vector"
QUERY_IMAGE_VECTOR = "query_image_vector"
USER_ID = "user_id"
USER_CF_VECTOR = "user_cf_vector"
CATEGORY_AFFINITY = "category_affinity"
CATEGORY_AFFINITY_FUNCTIONS = "category_affinity_functions"
BRAND_AFFINITY = "brand_affinity"
BRAND_AFFINITY_FUNCTIONS = "brand_affinity_functions"
CATEGORY_AFFINITY_KEYS = "category_affinity_keys"
BRAND_AFFINITY_KEYS = "brand_affinity_keys"
PRICE_CENTRE = "price_centre"
PRICE_SCALE = "price_scale"
USER_TEXT_TASTE = "user_text_taste"
USER_IMAGE_TASTE = "user_image_taste"

#: Document fields the affinity functions filter on (keyword fields of the items-index schema).
CATEGORY_FIELD = CATEGORY_LEVELS
BRAND_FIELD = BRAND_KEYWORD


class Profile(Protocol):
    """What a user profile offers (``ltr.profiles.model.UserProfile`` has these attributes)."""

    user_id: str | None
    cf_vector: Any
    category_affinity: Mapping[str, float]
    brand_affinity: Mapping[str, float]
    price_centre: float
    price_scale: float
    text_taste: Any
    image_taste: Any


@dataclass(frozen=True)
class UserContext:
    """The user-scoped inputs of the personal features. Anonymous users get the neutral profile (zero
    vectors, empty maps, the population's price preference), so every feature stays defined."""

    user_id: str | None
    cf_vector: tuple[float, ...] = ()
    category_affinity: Mapping[str, float] = field(default_factory=dict)
    brand_affinity: Mapping[str, float] = field(default_factory=dict)
    price_centre: float | None = None
    price_scale: float | None = None
    text_taste: tuple[float, ...] = ()
    image_taste: tuple[float, ...] = ()

    @classmethod
    def from_profile(cls, profile: Profile) -> UserContext:
        return cls(user_id=profile.user_id, cf_vector=_vector(profile.cf_vector, "cf_vector"),
                   category_affinity=dict(profile.category_affinity), brand_affinity=dict(profile.brand_affinity),
                   price_centre=profile.price_centre, price_scale=profile.price_scale,
                   text_taste=_vector(profile.text_taste, "text_taste"),
                   image_taste=_vector(profile.image_taste, "image_taste"))

    def with_dimensions(self, cf: int | None = None, text: int | None = None, image: int | None = None,
                        ) -> UserContext:
        """Empty vectors become zero vectors of the index's dimensions, the neutral value of the inner-product
        features (a profile built without images has no image taste; the ``knn_score`` script needs a vector
        of the field's dimension). Vectors that exist are kept as they are."""
        def filled(vector: tuple[float, ...], dim: int | None) -> tuple[float, ...]:
            return (0.0,) * dim if not vector and dim else vector

        return replace(self, cf_vector=filled(self.cf_vector, cf), text_taste=filled(self.text_taste, text),
                       image_taste=filled(self.image_taste, image))


@dataclass(frozen=True)
class QueryContext:
    """One query as the features see it: keywords, query vectors, and optionally the user.

    ``qid`` names the query in logging output (judgments' qid); it is not a param.
    """

    keywords: str
    text_vector: tuple[float, ...] | None = None
    image_vector: tuple[float, ...] | None = None
    user: UserContext | None = None
    qid: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.keywords, str):
            raise TypeError(f"QueryContext.keywords must be a str, got {type(self.keywords).__name__}")
        for name in ("text_vector", "image_vector"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, tuple):
                object.__setattr__(self, name, _vector(value, name))

    def to_params(self, *, category_field: str = CATEGORY_FIELD, brand_field: str = BRAND_FIELD) -> dict[str, Any]:
        return to_params(self, category_field=category_field, brand_field=brand_field)


def to_params(context: QueryContext, *, category_field: str = CATEGORY_FIELD,
              brand_field: str = BRAND_FIELD) -> dict[str, Any]:
    """The ``sltr`` params for ``context``: only the values it has (a featureset that declares a param the
    context lacks is reported before any request, see ``feature_logging``)."""
    params: dict[str, Any] = {KEYWORDS: context.keywords}
    if context.text_vector is not None:
        params[QUERY_TEXT_VECTOR] = _floats(context.text_vector, QUERY_TEXT_VECTOR)
    if context.image_vector is not None:
        params[QUERY_IMAGE_VECTOR] = _floats(context.image_vector, QUERY_IMAGE_VECTOR)
    user = context.user
    if user is None:
        return params
    if user.user_id is not None:
        params[USER_ID] = str(user.user_id)
    params[USER_CF_VECTOR] = _floats(user.cf_vector, USER_CF_VECTOR)
    params[CATEGORY_AFFINITY] = _affinity(user.category_affinity, CATEGORY_AFFINITY)
    params[CATEGORY_AFFINITY_FUNCTIONS] = affinity_functions(params[CATEGORY_AFFINITY], category_field)
    params[BRAND_AFFINITY] = _affinity(user.brand_affinity, BRAND_AFFINITY)
    params[BRAND_AFFINITY_FUNCTIONS] = affinity_functions(params[BRAND_AFFINITY], brand_field)
    params[CATEGORY_AFFINITY_KEYS] = affinity_keys(params[CATEGORY_AFFINITY])
    params[BRAND_AFFINITY_KEYS] = affinity_keys(params[BRAND_AFFINITY])
    if user.price_centre is not None:
        params[PRICE_CENTRE] = _number(user.price_centre, PRICE_CENTRE)
    if user.price_scale is not None:
        params[PRICE_SCALE] = _number(user.price_scale, PRICE_SCALE)
    params[USER_TEXT_TASTE] = _floats(user.text_taste, USER_TEXT_TASTE)
    params[USER_IMAGE_TASTE] = _floats(user.image_taste, USER_IMAGE_TASTE)
    return params


def affinity_functions(affinity: Mapping[str, float], field_name: str) -> list[dict[str, Any]]:
    """``function_score`` functions (one ``term`` filter + ``weight`` per value) for a template to inject
    with ``{{#toJson}}``; highest affinity first, zero weights dropped (they cannot raise a score)."""
    ranked = sorted(((k, w) for k, w in affinity.items() if w > 0), key=lambda kv: (-kv[1], kv[0]))
    return [{"filter": {"term": {field_name: key}}, "weight": weight} for key, weight in ranked]


def affinity_keys(affinity: Mapping[str, float]) -> list[str]:
    """The liked values (positive affinity), for the ``terms`` query that restricts an affinity feature to the
    documents having one of them: every other document reads 0, never the ``function_score`` default 1."""
    return sorted(k for k, w in affinity.items() if w > 0)


def affinity_param_names(affinity_param: str) -> tuple[str, str]:
    """``(functions param, keys param)`` derived from an affinity map's param name."""
    return f"{affinity_param}_functions", f"{affinity_param}_keys"


def missing_params(params: Mapping[str, Any], required: Iterable[str]) -> list[str]:
    """The names in ``required`` that ``params`` does not supply (the plugin's "Missing required param(s)")."""
    return [name for name in required if name not in params]


def _vector(values: Any, name: str) -> tuple[float, ...]:
    if values is None:
        return ()
    try:
        return tuple(float(x) for x in values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a sequence of numbers ({exc})") from None


def _floats(values: Iterable[float], name: str) -> list[float]:
    out = [float(x) for x in values]
    if not all(math.isfinite(x) for x in out):
        raise ValueError(f"param {name!r} has NaN or infinite values; JSON cannot carry them and the feature "
                         "would be undefined")
    return out


def _number(value: float, name: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"param {name!r} is {number}; give a finite number (the neutral profile's value for "
                         "anonymous users)")
    return number


def _affinity(affinity: Mapping[str, float], name: str) -> dict[str, float]:
    return {str(k): _number(v, f"{name}[{k!r}]") for k, v in affinity.items()}

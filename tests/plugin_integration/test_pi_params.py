"""QueryContext -> params: one builder, values kept as data (adversarial strings survive the wire unchanged)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from pi_recording import Responder

from plugin_integration import params as P
from plugin_integration import queries
from plugin_integration.params import QueryContext, UserContext

ADVERSARIAL = [
    'red "shoes"',
    "}}{{keywords}}{{",
    "{{#toJson}}query_text_vector{{/toJson}}",
    'a\\"b\\\\c',
    '{"match_all": {}}',
    "naïve café – 日本語 🙂",
    "line\nbreak\ttab",
    "</script>'; DROP",
    "\u0000nul",
]


def _user() -> UserContext:
    return UserContext(user_id="u42", cf_vector=(0.5, -0.25), category_affinity={"Audio": 0.4, "TV": 0.0,
                                                                                  "Phones": 0.6},
                       brand_affinity={"Acme": 0.2}, price_centre=99.5, price_scale=20.0,
                       text_taste=(0.1, 0.2), image_taste=(0.3, 0.4))


def test_anonymous_context_gives_query_params_only() -> None:
    assert QueryContext("red shoes").to_params() == {"keywords": "red shoes"}
    params = QueryContext("tv", text_vector=[1, 2], image_vector=np.array([0.5], np.float32)).to_params()
    assert params == {"keywords": "tv", "query_text_vector": [1.0, 2.0], "query_image_vector": [0.5]}
    assert all(type(x) is float for x in params["query_text_vector"])


def test_user_context_params() -> None:
    params = QueryContext("tv", text_vector=(0.1,), user=_user()).to_params()
    assert params == {
        "keywords": "tv",
        "query_text_vector": [0.1],
        "user_id": "u42",
        "user_cf_vector": [0.5, -0.25],
        "category_affinity": {"Audio": 0.4, "TV": 0.0, "Phones": 0.6},
        "category_affinity_functions": [
            {"filter": {"term": {"category_levels": "Phones"}}, "weight": 0.6},
            {"filter": {"term": {"category_levels": "Audio"}}, "weight": 0.4},
        ],
        "brand_affinity": {"Acme": 0.2},
        "brand_affinity_functions": [{"filter": {"term": {"brand.keyword": "Acme"}}, "weight": 0.2}],
        "category_affinity_keys": ["Audio", "Phones"],
        "brand_affinity_keys": ["Acme"],
        "price_centre": 99.5,
        "price_scale": 20.0,
        "user_text_taste": [0.1, 0.2],
        "user_image_taste": [0.3, 0.4],
    }


def test_from_profile_reads_ltr_user_profiles() -> None:
    from ltr.profiles.model import UserProfile

    profile = UserProfile("u1", np.array([0.25, 0.5], np.float32), {"Audio": 0.5}, {}, 10.0, 2.0,
                          np.zeros(3, np.float32), np.zeros(0, np.float32), 4)
    user = UserContext.from_profile(profile)
    params = QueryContext("x", user=user).to_params()
    assert params["user_cf_vector"] == [0.25, 0.5]
    assert params["user_text_taste"] == [0.0, 0.0, 0.0]
    assert params["user_image_taste"] == []
    assert params["category_affinity_functions"][0]["weight"] == 0.5


def test_float32_vectors_keep_their_exact_value() -> None:
    vector = np.array([0.1, 1 / 3], np.float32)
    params = QueryContext("x", text_vector=vector).to_params()
    assert np.array_equal(np.array(params["query_text_vector"], np.float32), vector)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_values_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="query_text_vector"):
        QueryContext("x", text_vector=(1.0, bad)).to_params()
    with pytest.raises(ValueError, match="price_centre"):
        QueryContext("x", user=UserContext("u", price_centre=bad)).to_params()


def test_keywords_must_be_text() -> None:
    with pytest.raises(TypeError):
        QueryContext(["red", "shoes"])  # type: ignore[arg-type]


def test_missing_params() -> None:
    assert P.missing_params({"keywords": "x"}, ["keywords", "query_text_vector"]) == ["query_text_vector"]


@pytest.mark.parametrize("text", ADVERSARIAL)
def test_adversarial_keywords_stay_data_on_the_wire(any_client: Any, responder: Responder, text: str) -> None:
    user = UserContext("u\"}}", category_affinity={text: 0.5}, brand_affinity={"{{brand}}": 0.1})
    params = QueryContext(text, user=user).to_params()
    assert params["keywords"] == text  # nothing escaped, nothing rendered
    body = queries.logging_search("mm_features", params, ["sku\"1", text])
    any_client.search(index="products", body=body)
    sent = responder.last.body
    sent_params = sent["query"]["bool"]["filter"][1]["sltr"]["params"]
    assert sent_params == params
    assert sent["query"]["bool"]["filter"][0]["ids"]["values"] == ["sku\"1", text]
    assert set(sent) == {"size", "_source", "query", "ext"}  # the structure is the builder's, whatever the text

"""The ``mmltr-features`` mapping: every fused feature is a float field, reserved names are refused."""
from __future__ import annotations

import pytest

from plugin_integration.feature_records import FUSED_FEATURES, KEYWORDS, mapping


def test_mapping_has_every_fused_feature_and_extra_ones() -> None:
    props = mapping(["my_feature"])["properties"]
    assert len(FUSED_FEATURES) == 14 and all(props[name] == {"type": "float"} for name in FUSED_FEATURES)
    assert props["my_feature"] == {"type": "float"} and props["grade"] == {"type": "integer"}
    assert all(props[k] == {"type": "keyword"} for k in KEYWORDS) and props["timestamp"] == {"type": "date"}
    assert mapping()["dynamic"] is False


@pytest.mark.parametrize("name", ["grade", "query", "timestamp"])
def test_a_feature_named_like_a_reserved_field_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=f"feature name '{name}' collides"):
        mapping(["ok", name])

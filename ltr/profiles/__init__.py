"""User profiles from behaviour: CF vectors (``implicit`` ALS/BPR), category/brand affinity, price preference
and text/image taste; stored as Parquet here and in the ``users`` index by the CLI.
"""
from __future__ import annotations

from .build import ProfileConfig, build_profiles
from .cf import CFConfig, CFModel, fit_cf
from .events import DEFAULT_EVENT_WEIGHTS, UserItemEvents
from .items import ItemAttributes
from .model import ItemVectors, UserProfile, UserProfiles

__all__ = ["CFConfig", "CFModel", "DEFAULT_EVENT_WEIGHTS", "ItemAttributes", "ItemVectors", "ProfileConfig",
           "UserItemEvents", "UserProfile", "UserProfiles", "build_profiles", "fit_cf"]

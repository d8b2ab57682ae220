"""A user's personal params at query time: the profile stored in the ``users`` index (``profiles build``).

Unknown and anonymous users get the neutral profile the index keeps in its mapping's ``_meta`` (zero vectors at
the profiles' dimensions, the population's price preference), so personal features stay defined for everyone.
A cluster without a ``users`` index has no personal features to feed: ``None``.
"""
from __future__ import annotations

from typing import Any, Mapping

from .errors import translated
from .params import UserContext

DEFAULT_USERS_INDEX = "users"


def user_context(client: Any, user_id: str | None, index: str = DEFAULT_USERS_INDEX) -> UserContext | None:
    with translated(f"check the {index!r} index (mmltr profiles build writes it)"):
        if not client.indices.exists(index=index):
            return None
        doc = None
        if user_id is not None:
            try:
                doc = _body(client.get(index=index, id=user_id)).get("_source")
            except Exception as exc:  # opensearch-py's NotFoundError (a 404 is an unknown user, not an error)
                if getattr(exc, "status_code", None) != 404:
                    raise
        if doc is None:
            mapping = _body(client.indices.get_mapping(index=index))
            meta = next(iter(mapping.values()))["mappings"].get("_meta") or {}
            doc = dict((meta.get("mmltr") or {}).get("neutral") or {})
            doc["user_id"] = user_id
    return from_document(doc)


def from_document(doc: Mapping[str, Any]) -> UserContext:
    """A ``users`` document (``ltr.profiles.model.UserProfile.to_document``) as the params' user context."""
    return UserContext(user_id=doc.get("user_id"), cf_vector=tuple(doc.get("cf_vector") or ()),
                       category_affinity=dict(doc.get("category_affinity") or {}),
                       brand_affinity=dict(doc.get("brand_affinity") or {}),
                       price_centre=doc.get("price_centre"), price_scale=doc.get("price_scale"),
                       text_taste=tuple(doc.get("text_taste") or ()), image_taste=tuple(doc.get("image_taste") or ()))


def _body(response: Any) -> Any:
    return getattr(response, "body", response)

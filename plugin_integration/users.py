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


class StoredProfiles:
    """The ``users`` index as a source of user contexts. Whether the index exists and its neutral profile are read
    once (they change only with ``profiles build``; keep one per serving process and make a new one after a
    rebuild); each known user costs one ``GET``."""

    def __init__(self, client: Any, index: str = DEFAULT_USERS_INDEX) -> None:
        self.client = client
        self.index = index
        self._neutral: dict[str, Any] | None = None
        self._present: bool | None = None

    def context(self, user_id: str | None) -> UserContext | None:
        """The user's stored profile; the neutral one for unknown and anonymous users; None without the index."""
        with translated(f"check the {self.index!r} index (mmltr profiles build writes it)"):
            if self._present is None:
                self._present = bool(self.client.indices.exists(index=self.index))
            if not self._present:
                return None
            doc = self._stored(user_id) if user_id is not None else None
            if doc is None:
                doc = {**self._neutral_document(), "user_id": user_id}
        return from_document(doc)

    def _stored(self, user_id: str) -> dict[str, Any] | None:
        try:
            return _body(self.client.get(index=self.index, id=user_id)).get("_source")
        except Exception as exc:  # opensearch-py's NotFoundError (a 404 is an unknown user, not an error)
            if getattr(exc, "status_code", None) != 404:
                raise
            return None

    def _neutral_document(self) -> dict[str, Any]:
        if self._neutral is None:
            mapping = _body(self.client.indices.get_mapping(index=self.index))
            meta = next(iter(mapping.values()))["mappings"].get("_meta") or {}
            self._neutral = dict((meta.get("mmltr") or {}).get("neutral") or {})
        return self._neutral


def user_context(client: Any, user_id: str | None, index: str = DEFAULT_USERS_INDEX) -> UserContext | None:
    """One user's context (a one-off; :class:`StoredProfiles` for many)."""
    return StoredProfiles(client, index).context(user_id)


def from_document(doc: Mapping[str, Any]) -> UserContext:
    """A ``users`` document (``ltr.profiles.model.UserProfile.to_document``) as the params' user context."""
    return UserContext(user_id=doc.get("user_id"), cf_vector=tuple(doc.get("cf_vector") or ()),
                       category_affinity=dict(doc.get("category_affinity") or {}),
                       brand_affinity=dict(doc.get("brand_affinity") or {}),
                       price_centre=doc.get("price_centre"), price_scale=doc.get("price_scale"),
                       text_taste=tuple(doc.get("text_taste") or ()), image_taste=tuple(doc.get("image_taste") or ()))


def _body(response: Any) -> Any:
    return getattr(response, "body", response)

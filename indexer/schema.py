"""The items-index schema: the one place that names the fields of an item document.

The indexer writes documents and mappings with these names (``documents``, ``mappings``, ``update_vectors``);
featuresets, queries and the ``sltr`` params read them (``plugin_integration.params``/``queries``), and the
``profiles`` CLI writes CF vectors under :data:`CF_VECTOR`. Nothing else spells a field name of the items
index. Pure constants and one helper: importing this module loads nothing else.
"""

from __future__ import annotations

ID = "id"
TITLE = "title"
DESCRIPTION = "description"
BRAND = "brand"
CATEGORY = "category"
COLOR = "color"
PRICE = "price"
RATING = "rating"
POPULARITY = "popularity"
IMAGE = "image"
ATTRIBUTES = "attributes"
CREATED_AT = "created_at"

#: Analysed text fields (BM25); all use the index's one analyzer.
TEXT_FIELDS: tuple[str, ...] = (TITLE, DESCRIPTION, BRAND, CATEGORY)
#: Fields a text encoder may embed (``index load --text-fields``).
EMBEDDABLE_FIELDS: tuple[str, ...] = (TITLE, DESCRIPTION, BRAND, CATEGORY, COLOR)
#: Text fields with a ``keyword`` sub-field (exact filters, aggregations, affinity ``term`` filters).
KEYWORD_SUBFIELD = "keyword"
KEYWORD_FIELDS: tuple[str, ...] = (TITLE, BRAND, CATEGORY)
BRAND_KEYWORD = f"{BRAND}.{KEYWORD_SUBFIELD}"
#: Every prefix of the category path, as keywords (see :func:`category_levels`).
CATEGORY_LEVELS = "category_levels"
CATEGORY_SEPARATOR = " > "
#: Numeric priors (``float``).
NUMERIC_FIELDS: tuple[str, ...] = (PRICE, RATING, POPULARITY)

#: ``knn_vector`` fields: text and image embeddings (written at load), CF item vectors (``update-vectors``,
#: ``profiles build``).
TEXT_VECTOR = "text_vector"
IMAGE_VECTOR = "image_vector"
CF_VECTOR = "cf_vector"
VECTOR_FIELDS: tuple[str, ...] = (TEXT_VECTOR, IMAGE_VECTOR, CF_VECTOR)


def category_levels(category: str | None) -> list[str]:
    """Every prefix of a category path (``A``, ``A > B``, ...), for filters and affinities at any depth."""
    if not category:
        return []
    parts = category.split(CATEGORY_SEPARATOR)
    return [CATEGORY_SEPARATOR.join(parts[: i + 1]) for i in range(len(parts))]

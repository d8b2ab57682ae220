"""Query implementations; each module registers its parsers with :mod:`..dsl` on import."""

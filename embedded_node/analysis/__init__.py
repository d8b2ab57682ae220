"""Text analysis for the embedded node: Lucene's analyzers, token for token.

``get_analyzer(name)`` returns the analyzer OpenSearch would build for ``standard``, ``whitespace``, ``keyword``
or ``simple``. The standard tokenizer runs Lucene's own JFlex DFA tables (see :mod:`.standard`).
"""
from __future__ import annotations

from .analyzers import Analyzer, Token, analyzer_names, get_analyzer, standard_analyzer
from .lowercase import java_lower
from .standard import TOKEN_TYPES, standard_spans

__all__ = ["Analyzer", "Token", "TOKEN_TYPES", "analyzer_names", "get_analyzer", "java_lower", "standard_analyzer",
           "standard_spans"]

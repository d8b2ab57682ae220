"""The embedded node's analyzers against the BM25 oracle and against real Lucene (differential fuzzing)."""
from __future__ import annotations

import importlib.util
import json

import pytest

from embedded_node.analysis import Token, analyzer_names, get_analyzer, java_lower, standard_analyzer
from embedded_node.analysis.standard import standard_spans

from support.paths import BM25_VECTORS, LUCENE

ORACLE = BM25_VECTORS


@pytest.fixture(scope="module")
def oracle() -> dict:
    if not ORACLE.exists():
        pytest.skip(f"oracle file not found at {ORACLE}")
    return json.loads(ORACLE.read_text(encoding="utf-8"))


def _harness():
    spec = importlib.util.spec_from_file_location("lucene_harness", LUCENE / "lucene_harness.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


# --- oracle vectors ---------------------------------------------------------------------------------------

def test_every_oracle_analyzer_vector(oracle: dict) -> None:
    standard = get_analyzer("standard")
    for vector in oracle["analyzer_vectors"]:
        tokens = standard.tokens(vector["text"])
        assert [t.term for t in tokens] == vector["tokens"], vector["text"]
        assert [t.position for t in tokens] == vector["positions"], vector["text"]
        assert standard.terms(vector["text"]) == vector["tokens"]


def test_every_oracle_doc_tokens(oracle: dict) -> None:
    standard = get_analyzer("standard")
    docs = {d["id"]: d for d in oracle["docs"]}
    checked = 0
    for doc_id, fields in oracle["doc_tokens"].items():
        for field in oracle["fields"]:
            expected = fields.get(field, [])
            assert standard.terms(docs[doc_id].get(field) or "") == expected, (doc_id, field)
            checked += 1
    assert checked == 2 * len(oracle["docs"])


def test_field_lengths_match_oracle_norms(oracle: dict) -> None:
    standard = get_analyzer("standard")
    for doc in oracle["docs"]:
        for field in oracle["fields"]:
            text = doc.get(field) or ""
            if not text:
                assert doc["id"] not in oracle["doc_field_lengths"][field]
                continue
            assert standard.field_length(text) == len(oracle["doc_tokens"][doc["id"]][field])


# --- standard tokenizer behaviour --------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("", []),
    ("   \t\n", []),
    ("a.b a:b a'b a;b a,b", ["a.b", "a:b", "a'b", "a", "b", "a", "b"]),
    ("1,000.5 1;2 1:2 1'2", ["1,000.5", "1;2", "1", "2", "1'2"]),
    ("_x_ ___ __a a__", ["_x_", "__a", "a__"]),
    ("a1.b 1a.b a.1 1.a", ["a1", "b", "1a.b", "a", "1", "1", "a"]),
    ("it's e-mail U.S.A.", ["it's", "e", "mail", "u.s.a"]),
    ("john.doe@example.com http://x.org/a_b", ["john.doe", "example.com", "http", "x.org", "a_b"]),
    ("👍🏽 👨\u200d👩\u200d👧 🇺🇸🇩🇪 1️⃣ ® ™ ©", ["👍🏽", "👨\u200d👩\u200d👧", "🇺🇸", "🇩🇪", "1️⃣", "®", "™", "©"]),
    ("ＡＢＣ１２３ ｶﾀｶﾅ ひらがな 한국어", ["ａｂｃ１２３", "ｶﾀｶﾅ", "ひ", "ら", "が", "な", "한국어"]),
    ("e\u0301cole İstanbul ΣΊΣΥΦΟΣ", ["e\u0301cole", "istanbul", "σίσυφοσ"]),
    ("ภาษาไทย", ["ภาษาไทย"]),
])
def test_standard_tokens(text: str, expected: list[str]) -> None:
    assert get_analyzer("standard").terms(text) == expected


def test_standard_token_types_and_utf16_offsets() -> None:
    tokens = get_analyzer("standard").tokens("x 😀 12 日本 テキスト 한 ภาษา")
    assert tokens == [
        Token("x", 0, 1, 0, "<ALPHANUM>"),
        Token("😀", 2, 4, 1, "<EMOJI>"),
        Token("12", 5, 7, 2, "<NUM>"),
        Token("日", 8, 9, 3, "<IDEOGRAPHIC>"),
        Token("本", 9, 10, 4, "<IDEOGRAPHIC>"),
        Token("テキスト", 11, 15, 5, "<KATAKANA>"),
        Token("한", 16, 17, 6, "<HANGUL>"),
        Token("ภาษา", 18, 22, 7, "<SOUTHEAST_ASIAN>"),
    ]


def test_long_tokens_split_at_the_scanner_buffer() -> None:
    standard = get_analyzer("standard")
    assert [len(t) for t in standard.terms("a" * 300)] == [255, 45]
    assert [len(t) for t in standard.terms("a" * 510)] == [255, 255]
    # the match stops at 255 units as if the input ended there: the "." cannot join, the rest restarts
    assert standard.terms("a" * 254 + ".b") == ["a" * 254, "b"]
    # a supplementary character never straddles the limit (its high surrogate is held back)
    terms = standard.terms("x" * 254 + "𝐁" + "y")
    assert terms == ["x" * 254, "𝐁y"]
    assert [len(t) for t in standard_analyzer(10).terms("abcdefghijklmno")] == [10, 5]


def test_java_lowercase() -> None:
    assert java_lower("İ") == "i"
    assert java_lower("ΣΊΣΥΦΟΣ") == "σίσυφοσ"
    assert java_lower("Straße ǅ ÀÉ") == "straße ǆ àé"
    assert java_lower("ABC") == "abc"


def test_spans_are_code_point_indices() -> None:
    text = "😀 ab"
    spans = standard_spans(text)
    assert [text[s:e] for s, e, _ in spans] == ["😀", "ab"]


# --- other analyzers ---------------------------------------------------------------------------------------

def test_whitespace_uses_java_whitespace() -> None:
    ws = get_analyzer("whitespace")
    assert ws.terms("Foo-Bar  baz\tQux\nx") == ["Foo-Bar", "baz", "Qux", "x"]
    # no-break spaces and NEL are not Java whitespace; ideographic space and U+2028 are
    assert ws.terms("a\u00a0b c\u202fd e\u0085f g\u3000h i\u2028j") == ["a\u00a0b", "c\u202fd", "e\u0085f", "g", "h",
                                                                        "i", "j"]
    assert [len(t) for t in ws.terms("x" * 600)] == [255, 255, 90]


def test_simple_and_keyword() -> None:
    assert get_analyzer("simple").terms("Wi-Fi 6 Router's ÉTÉ") == ["wi", "fi", "router", "s", "été"]
    kw = get_analyzer("keyword")
    assert kw.terms("Mixed Case, kept") == ["Mixed Case, kept"]
    assert kw.terms("") == [""]  # KeywordTokenizer emits one empty token
    assert get_analyzer("standard").field_length("") == 0


def test_registry() -> None:
    assert {"standard", "whitespace", "keyword", "simple"} <= set(analyzer_names())
    with pytest.raises(KeyError, match="unknown analyzer \\[nope\\]"):
        get_analyzer("nope")


# --- differential fuzzing against real Lucene ----------------------------------------------------------------

@pytest.fixture(scope="module")
def lucene(tmp_path_factory: pytest.TempPathFactory):
    harness = _harness()
    reason = harness.missing_requirements()
    if reason:
        pytest.skip(f"Lucene harness unavailable: {reason}")
    build = tmp_path_factory.mktemp("lucene-build")
    cp = harness.compile_sources(build, "AnalyzeLines.java", "DumpStandardTokenizerTables.java")
    return harness, cp


def _python_tokens(analyzer, texts: list[str]) -> list[list[tuple]]:
    return [[(t.term, t.start_offset, t.end_offset, 1, t.type) for t in analyzer.tokens(text)] for text in texts]


@pytest.mark.lucene
@pytest.mark.parametrize("name", ["standard", "whitespace", "simple", "keyword"])
def test_analyzers_agree_with_lucene(lucene, name: str) -> None:
    harness, cp = lucene
    texts = harness.fuzz_strings(seed=20260101, count=4000)
    expected = harness.analyze_with_lucene(cp, name, texts)
    got = _python_tokens(get_analyzer(name), texts)
    mismatches = [(t, g, e) for t, g, e in zip(texts, got, expected) if g != e]
    assert not mismatches, f"{len(mismatches)}/{len(texts)} differ; first: {mismatches[0]!r}"


@pytest.mark.lucene
@pytest.mark.parametrize("max_token_length", [1, 3, 10, 40, 1000])
def test_standard_max_token_length_agrees_with_lucene(lucene, max_token_length: int) -> None:
    harness, cp = lucene
    texts = harness.fuzz_strings(seed=77 + max_token_length, count=1500)
    expected = harness.analyze_with_lucene(cp, "standard", texts, max_token_length)
    got = _python_tokens(standard_analyzer(max_token_length), texts)
    mismatches = [(t, g, e) for t, g, e in zip(texts, got, expected) if g != e]
    assert not mismatches, f"{len(mismatches)}/{len(texts)} differ; first: {mismatches[0]!r}"


@pytest.mark.lucene
def teststandard_tables_are_lucenes(lucene) -> None:
    """The committed DFA tables equal what the installed Lucene jar holds (regenerate if this fails)."""
    harness, cp = lucene
    import subprocess

    from embedded_node.analysis import standard_tables as tables

    dumped = json.loads(subprocess.run(["java", "-cp", cp, "DumpStandardTokenizerTables"], check=True,
                                       capture_output=True, text=True).stdout)
    assert dumped["lucene_version"] == tables.LUCENE_VERSION
    assert tuple(dumped["cmap_runs"]) == tables.CMAP_RUNS
    assert tuple(dumped["trans"]) == tables.TRANS
    assert tuple(dumped["rowmap"]) == tables.ROWMAP
    assert tuple(dumped["action"]) == tables.ACTION
    assert tuple(dumped["attribute"]) == tables.ATTRIBUTE

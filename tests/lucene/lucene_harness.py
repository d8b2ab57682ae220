"""Helpers to run real Lucene (Debian's liblucene8-java, Lucene 8.8.1) next to the embedded node.

Used by the ``lucene``-marked tests: they compile the Java sources of this folder into a build directory,
then feed generated inputs through them. Nothing here is imported by product code.
"""
from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
JAR_DIR = Path("/usr/share/java")
JARS = [JAR_DIR / f"lucene-{name}-8.7.0.jar" for name in ("core", "analyzers-common", "misc", "queries")]


def missing_requirements() -> str | None:
    """Why the Lucene harness cannot run here, or ``None`` when it can."""
    for tool in ("javac", "java"):
        if shutil.which(tool) is None:
            return f"{tool} not found (install openjdk-17-jdk-headless)"
    for jar in JARS:
        if not jar.exists():
            return f"{jar} not found (install liblucene8-java)"
    return None


def classpath(build_dir: Path) -> str:
    return ":".join([str(build_dir)] + [str(j) for j in JARS])


def compile_sources(build_dir: Path, *sources: str) -> str:
    """Compile the named ``.java`` files of this folder into ``build_dir``; returns the run classpath."""
    build_dir.mkdir(parents=True, exist_ok=True)
    cp = classpath(build_dir)
    subprocess.run(["javac", "-nowarn", "-d", str(build_dir), "-cp", cp, *[str(HERE / s) for s in sources]],
                   check=True, capture_output=True, text=True)
    return cp


def _to_hex(text: str) -> str:
    return text.encode("utf-16-be", "surrogatepass").hex()


def _from_hex(hexstr: str) -> str:
    return bytes.fromhex(hexstr).decode("utf-16-be", "surrogatepass")


LuceneToken = tuple[str, int, int, int, str]  # term, start offset, end offset, position increment, type


def analyze_with_lucene(cp: str, analyzer: str, texts: list[str], max_token_length: int | None = None,
                        ) -> list[list[LuceneToken]]:
    """Tokens of each text according to Lucene's analyzer ``analyzer`` (AnalyzeLines.java)."""
    args = ["java", "-cp", cp, "AnalyzeLines", analyzer]
    if max_token_length is not None:
        args.append(str(max_token_length))
    payload = "".join(_to_hex(t) + "\n" for t in texts)
    out = subprocess.run(args, input=payload, check=True, capture_output=True, text=True).stdout
    lines = out.split("\n")[: len(texts)]
    result: list[list[LuceneToken]] = []
    for line in lines:
        toks: list[LuceneToken] = []
        for item in line.split(" ") if line else []:
            hexterm, start, end, inc, typ = item.split(",")
            toks.append((_from_hex(hexterm), int(start), int(end), int(inc), typ))
        result.append(toks)
    if len(result) != len(texts):
        raise RuntimeError(f"Lucene harness returned {len(result)} lines for {len(texts)} inputs")
    return result


# ---------------------------------------------------------------------------------------------------------
# Generated inputs for differential testing of the analyzers.

ASCII_ALPHABET = "aZk09_.:',;-\"#*@/ +&$%()!?\t\n"
ASCII_TEMPLATES = [
    "a.b", "a:b", "1,000.5", "_x_", "it's", "e-mail", "U.S.A.", "3.5mm", "USB-C", "Wi-Fi", "4K", "55\"", "don't",
    "rock'n'roll", "'90s", "1.a", "a.1", "a1.b", "1a.b", "192.168.0.1", "hello_world", "C++", "C#", "AT&T",
    "http://www.example.com/path?q=1&x=y", "https://shop.example.co.uk/a-b_c/d.html", "john.doe@example.com",
    "mailto:a_b@c.d", "v1.2.3-beta", "10:30", "1;2", "a;b", "x''y", "a..b", "1..2", "$19.99", "50%", "#1", "*",
    "***", "a_.b", "_", "__", "a__", "__a", "1_000", "iPhone's", "O'Neil", "l'été", "ABC-123/XY", "2x", "x2",
]
UNICODE_PIECES = [
    # Latin with accents, precomposed and combining
    "café", "naïve", "Ünïcödé", "Straße", "ÆØÅ", "ñandú", "e\u0301", "a\u0308b", "\u0301x", "İstanbul", "ǅ",
    # Greek, Cyrillic, Armenian, Georgian
    "ΣΊΣΥΦΟΣ", "λόγος", "Москва", "ПРИВЕТ", "Ёж", "Բարեւ", "ქართ",
    # Hebrew (with geresh / gershayim / quotes), Arabic with Arabic-Indic digits and separators
    "שלום", "צה\"ל", "ג'ירפה", "ש'", "مرحبا", "١٢٣٫٤٥", "٣٬٠٠٠", "عربي١٢",
    # Indic, Southeast Asian
    "हिन्दी", "১২৩", "ภาษาไทย", "ສະບາຍດີ", "ខ្មែរ", "မြန်မာ",
    # CJK, kana, Hangul
    "日本語", "中文字", "𠀀𠀁", "ひらがな", "カタカナ", "テキスト", "ｶﾀｶﾅ", "ラーメン", "〱", "한국어", "가", "ㄱㄴ",
    "漢字かなカナ", "東京タワー",
    # Emoji: plain, presentation selectors, modifiers, ZWJ, flags, keycaps, tags, text-default pictographs
    "😀", "👍🏽", "👨\u200d👩\u200d👧", "🏳️\u200d🌈", "🇺🇸", "🇩🇪🇫🇷", "🇺", "1️⃣", "#️⃣", "*⃣", "❤️", "❤",
    "☺\ufe0e", "☺\ufe0f", "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "👩🏽\u200d💻",
    "\u200d", "\u200d😀", "😀\u200d", "🥹", "🫠", "®", "™", "©", "‼", "ⓜ", "🅰", "🆗",
    # Fullwidth forms, special spaces and invisible characters
    "ＡＢＣ", "１２３", "ａ．ｂ", "１，０００", "＿", "a\u00a0b", "a\u202fb", "a\u3000b", "a\u200bb", "a\u00adb",
    "a\u2060b", "a\u2028b", "a\u0085b", "a\ufeffb",
    # Math alphanumerics (supplementary ALetter), private use, unassigned, symbols
    "𝐁𝐨𝐥𝐝", "𝟏𝟐", "\ue000", "\U0010fffd", "\u0378", "€", "°C", "½", "№5", "µm", "Ⅻ", "ⅻ",
]
SEPARATORS = [" ", " ", " ", "", "-", ".", ",", "'", "_", ":", "/", "\t", "\n", "\u3000", "\u00a0", "·"]


def _random_ascii(rng: random.Random) -> str:
    return "".join(rng.choice(ASCII_ALPHABET) for _ in range(rng.randint(1, 24)))


def _long_piece(rng: random.Random) -> str:
    """Inputs around the 255-unit buffer limit, including supplementary characters at the boundary."""
    n = rng.choice([250, 253, 254, 255, 256, 257, 300, 511, 600])
    kind = rng.randrange(8)
    if kind == 0:
        return "a" * n
    if kind == 1:
        return "a" * (n - 2) + ".b" + "c" * rng.randint(0, 5)
    if kind == 2:
        return "x" * (n - 1) + "😀" + "y" * rng.randint(0, 3)
    if kind == 3:
        return "𝐁" * (n // 2) + "a" * rng.randint(0, 3)
    if kind == 4:
        return "1" * (n - 3) + ",000" + "5" * rng.randint(0, 4)
    if kind == 5:
        return "a" * (n - 1) + "e\u0301" * rng.randint(1, 3)
    if kind == 6:
        return "カ" * n
    return "_" * n + rng.choice(["", "a", " b"])


def fuzz_strings(seed: int, count: int) -> list[str]:
    """A deterministic mixed corpus: ASCII punctuation mixes, templates, unicode pieces, long tokens."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < count:
        r = rng.random()
        if r < 0.25:
            out.append(_random_ascii(rng))
        elif r < 0.03 + 0.25:
            out.append(_long_piece(rng))
        else:
            parts = []
            for _ in range(rng.randint(1, 6)):
                pool = rng.random()
                if pool < 0.35:
                    parts.append(rng.choice(ASCII_TEMPLATES))
                elif pool < 0.8:
                    parts.append(rng.choice(UNICODE_PIECES))
                else:
                    parts.append(_random_ascii(rng))
                parts.append(rng.choice(SEPARATORS))
            out.append("".join(parts))
    return out

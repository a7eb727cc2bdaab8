"""The language of an article: its declared tag in standard form, or, where the page declares none, its text's.

Pure functions. The tag goes through langcodes (BCP 47: 'eng' → 'en', 'en_us' → 'en-US'); the text is
identified by py3langid (the model trafilatura itself uses), only when it is long enough and the model sure.
A page declaring English, a template's default, whose text reads as no English (`reads_as_english`) is identified
by its text too.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import langcodes
from langcodes.tag_parser import LanguageTagError

__all__ = ["is_language_tag", "reads_as_english", "standard_language", "text_language"]

# Below this many words a language guess is noise (a caption, a headline).
_MIN_WORDS = 20
# The model's normalized probability it must give its answer.
_MIN_PROBABILITY = 0.95
# English's commonest words, a fifth or more of any English text's words (0.20-0.30 on the corpus's English dev
# pages); other languages' texts, Latin-script ones too, have a few of them by chance (0.00-0.09 on its
# non-English dev pages: Danish 'for', 'at', Swahili 'a').
_ENGLISH_WORDS = frozenset(("the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "was", "with", "as", "it",
                            "by", "he", "at", "from", "his", "be", "are", "have", "has", "said", "not", "but", "this",
                            "an", "they", "which", "were"))
_ENGLISH_SHARE = 0.10
_WORD_RE = re.compile(r"[^\W\d_]+")


def standard_language(tag: str | None) -> str | None:
    """A declared language tag in BCP 47's standard form; a language's name declared instead of its tag
    ('English', 'Français': the language in its own or in English words) as that language's tag, looked up in
    langcodes' names (language_data), not guessed; else the tag as given ('x-foo' is kept: what the page said)."""
    if not tag:
        return tag
    try:
        return str(langcodes.standardize_tag(tag.strip().replace("_", "-")))
    except (LanguageTagError, ValueError):
        pass
    try:
        return str(langcodes.find(tag.strip()))
    except LookupError:
        return tag.replace("_", "-")


def is_language_tag(text: str) -> bool:
    """Whether a URL segment names a language edition ('en', 'pt-br'): a valid BCP 47 tag of a known language."""
    tag = text.replace("_", "-")
    return langcodes.tag_is_valid(tag) and langcodes.Language.get(tag).is_valid()


@cache
def _identifier() -> Any:
    """py3langid's bundled model with normalized probabilities: py3langid 0.4 reads it with from_model_file, 0.3
    with from_pickled_model (the module-level classify gives raw scores only). Imported here, on the first page
    without a declared language: the model and numpy cost a crawl ~18 MB that outlets with a language never use."""
    import py3langid

    identifier = py3langid.langid.LanguageIdentifier
    load = getattr(identifier, "from_model_file", None) or identifier.from_pickled_model
    return load(py3langid.langid.MODEL_FILE, norm_probs=True)


def text_language(text: str | None) -> str | None:
    """The language of a body's text, when it has _MIN_WORDS words and the model is sure of it; else None."""
    if not text or len(text.split()) < _MIN_WORDS:
        return None
    language, probability = _identifier().classify(text)
    return str(language) if probability >= _MIN_PROBABILITY else None


def reads_as_english(text: str) -> bool | None:
    """Whether a text's first 300 words read as English by its commonest words (counted, no model loaded: this is
    asked of every page that declares English); None for a text of fewer than 50 words."""
    words = _WORD_RE.findall(text.casefold(), 0, 4000)[:300]
    if len(words) < 50:
        return None
    return sum(word in _ENGLISH_WORDS for word in words) / len(words) >= _ENGLISH_SHARE

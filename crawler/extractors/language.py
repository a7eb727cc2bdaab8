"""The language of an article: its declared tag in standard form, or, where the page declares none, its text's.

Pure functions. The tag goes through langcodes (BCP 47: 'eng' → 'en', 'en_us' → 'en-US'); the text is
identified by py3langid (the model trafilatura itself uses), only when it is long enough and the model sure.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import langcodes
from langcodes.tag_parser import LanguageTagError

__all__ = ["is_language_tag", "standard_language", "text_language"]

# Below this many words a language guess is noise (a caption, a headline).
_MIN_WORDS = 20
# The model's normalized probability it must give its answer.
_MIN_PROBABILITY = 0.95


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

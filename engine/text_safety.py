"""Text that is not valid Unicode: what the engine does with it, in one place.

On Linux, command-line arguments and file names are bytes. Python hands bytes that are not
UTF-8 over as ``str`` holding lone surrogates (PEP 383 ``surrogateescape``: byte ``0xE9``
becomes ``U+DCE9``). Such a string cannot be encoded to UTF-8, so tokenisers reject it
(``TypeError`` in the ``tokenizers`` library), and JSON written with it is not UTF-8.

* A query is text to search for, so its lone surrogates become U+FFFD (the replacement
  character) before any signal sees it (:class:`engine.search.Query`).
* A path must stay exact: the CLI's JSON shows it with U+FFFD and adds the raw bytes
  (:func:`engine.cli.common.json_text`).
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def has_surrogates(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def replace_surrogates(text: str) -> str:
    """``text`` with every lone surrogate (an undecodable byte) replaced by U+FFFD."""
    return _SURROGATE.sub(REPLACEMENT, text)

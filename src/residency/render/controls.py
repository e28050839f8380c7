"""Text from the program under review, shown with its control characters made visible."""

from __future__ import annotations

import re

# C0 and C1 control characters but tab and newline: shown as \xNN, never passed on (a terminal
# would interpret an escape sequence; HTML and Markdown would hide it)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: object) -> str:
    shown = str(text)
    if shown.isprintable():  # no control character: most text, told apart without the regular expression
        return shown
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", shown)

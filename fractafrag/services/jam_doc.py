"""A jam's shared document on the server: a pycrdt (Yjs v1 updates) Doc with one Text per pass.

The layout is the browser's: `pass:<name>` texts and a `meta` map holding `passes` (a JSON list
of the names, written once here) and `active_pass`. Updates from editors are applied only if the
document stays within the shader format's limits; a refused one leaves this copy unusable, so the
caller drops it and loads the document again from the database (updates cannot be taken back).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pycrdt import Doc, Map, Text

from fractafrag.services import ServiceError
from fractafrag.services.shader_format import COMMON, MAX_PASS_BYTES

META = "meta"
META_KEYS = ("passes", "active_pass")
MAX_ACTIVE_PASS_CHARS = 32


class UpdateRefused(ServiceError):
    """An update the document cannot take: unreadable (400), or past a limit (413)."""


def text_name(pass_name: str) -> str:
    """The document's root text of one pass."""
    return "pass:" + pass_name


def _decode_failed(error: BaseException) -> bool:
    """Whether error came out of pycrdt's decoder; a Rust panic surfaces as a BaseException
    (pyo3's PanicException) and must be caught too, unlike exits and greenlet kills."""
    return isinstance(error, Exception) or type(error).__name__ == "PanicException"


class JamDoc:
    """The server's copy of one jam's document, and the id of the last log row it holds."""

    def __init__(self, passes: Iterable[str]) -> None:
        self.doc: Doc[Any] = Doc()
        self.passes = list(passes)
        self.roots = {text_name(name) for name in self.passes} | {META}
        self.upto = 0  # the highest jam_updates id applied (or folded into the state applied)

    @classmethod
    def seeded(cls, code: list[tuple[str, str]]) -> JamDoc:
        """A new document holding each (pass name, code), in that order."""
        jam = cls(name for name, _ in code)
        with jam.doc.transaction():
            for name, text in code:
                jam._text(name).insert(0, text)
            meta = jam._meta()
            meta["passes"] = json.dumps(jam.passes)
            meta["active_pass"] = next((n for n in jam.passes if n != COMMON), jam.passes[0])
        return jam

    def _text(self, pass_name: str) -> Text:
        text: Text = self.doc.get(text_name(pass_name), type=Text)
        return text

    def _meta(self) -> Map[Any]:
        meta: Map[Any] = self.doc.get(META, type=Map)
        return meta

    def load(self, update: bytes) -> None:
        """Apply an update already accepted (the stored state or a log row)."""
        self.doc.apply_update(update)

    def apply(self, update: bytes) -> None:
        """Apply an editor's update if the document stays valid; UpdateRefused otherwise (and
        then this copy must be discarded)."""
        try:
            self.doc.apply_update(update)
        except BaseException as error:
            if not _decode_failed(error):
                raise
            raise UpdateRefused(f"The update is not a Yjs update: {error}.",
                                {"update": ["Send Y.encodeStateAsUpdate / a Yjs v1 update, "
                                            "base64-encoded."]}, status=400) from error
        self.check()

    def check(self) -> None:
        """UpdateRefused unless every pass is within MAX_PASS_BYTES and nothing else was added."""
        unknown = sorted(set(self.doc.keys()) - self.roots)
        if unknown:
            raise UpdateRefused(f"The document has only the texts of its passes and `meta`; "
                                f"{unknown[0][:40]!r} is not one of them.",
                                {"update": ["Edit only the pass texts and meta."]}, status=400)
        for name in self.passes:
            size = len(self._text(name))  # pycrdt counts a text's length in UTF-8 bytes
            if size > MAX_PASS_BYTES:
                raise UpdateRefused(f"{name} would be {size} bytes; a pass holds at most "
                                    f"{MAX_PASS_BYTES} bytes.",
                                    {"update": [f"Keep {name} under {MAX_PASS_BYTES} bytes."]},
                                    status=413)
        meta = self._meta()
        for key, value in meta.items():
            if key not in META_KEYS or not isinstance(value, str) or (
                    key == "active_pass" and len(value) > MAX_ACTIVE_PASS_CHARS):
                raise UpdateRefused(f"meta holds only `passes` and `active_pass` (a pass name); "
                                    f"{key[:40]!r} is not allowed there.",
                                    {"update": ["Set meta.active_pass to a pass name."]},
                                    status=400)

    def code(self, pass_name: str) -> str:
        """The current text of one pass."""
        return str(self._text(pass_name))

    def code_by_pass(self) -> list[tuple[str, str]]:
        """(name, text) of every pass, in meta order."""
        return [(name, self.code(name)) for name in self.passes]

    def active_pass(self) -> str:
        """The pass an editor last worked in (a known pass name; the first otherwise)."""
        value: Any = self._meta().get("active_pass")
        if isinstance(value, str) and value in self.passes:
            return value
        return next((n for n in self.passes if n != COMMON), self.passes[0])

    def state_vector(self) -> bytes:
        """The Yjs state vector of this copy."""
        return self.doc.get_state()

    def diff(self, vector: bytes | None = None) -> bytes:
        """What a peer with state vector `vector` lacks (everything without one)."""
        if vector is None:
            return self.doc.get_update()
        try:
            return self.doc.get_update(vector)
        except BaseException as error:
            if not _decode_failed(error):
                raise
            raise UpdateRefused(f"The state vector is unreadable: {error}.",
                                {"vector": ["Send Y.encodeStateVector(doc), base64-encoded."]},
                                status=400) from error

    def edit(self, pass_name: str, at: int, delete: int, insert: str) -> bytes:
        """Delete `delete` characters at character offset `at` of a pass and insert `insert`
        there, as this server's own change; return the update that made it."""
        text = self._text(pass_name)
        current = str(text)
        if at < 0 or at > len(current):
            raise ServiceError(f"at must be 0 to {len(current)} (the length of {pass_name}).",
                               {"at": [f"Must be between 0 and {len(current)}."]})
        if delete < 0 or at + delete > len(current):
            raise ServiceError(f"delete must be 0 to {len(current) - at} at offset {at}.",
                               {"delete": [f"Must be between 0 and {len(current) - at}."]})
        after = current[:at] + insert + current[at + delete:]
        size = len(after.encode())
        if size > MAX_PASS_BYTES:
            raise UpdateRefused(f"{pass_name} would be {size} bytes; a pass holds at most "
                                f"{MAX_PASS_BYTES} bytes.",
                                {"insert": [f"Keep {pass_name} under {MAX_PASS_BYTES} bytes."]},
                                status=413)
        before = self.doc.get_state()
        # pycrdt indexes a text by UTF-8 bytes; `at` and `delete` count characters.
        start = len(current[:at].encode())
        with self.doc.transaction():
            if delete:
                del text[start:start + len(current[at:at + delete].encode())]
            if insert:
                text.insert(start, insert)
        return self.doc.get_update(before)

    def replace(self, pass_name: str, new: str) -> bytes:
        """Make a pass read `new` by the smallest delete+insert over the common prefix and
        suffix, so others' concurrent edits elsewhere in it survive; return the update."""
        current = self.code(pass_name)
        prefix = 0
        limit = min(len(current), len(new))
        while prefix < limit and current[prefix] == new[prefix]:
            prefix += 1
        suffix = 0
        while (suffix < limit - prefix
               and current[len(current) - 1 - suffix] == new[len(new) - 1 - suffix]):
            suffix += 1
        return self.edit(pass_name, prefix, len(current) - prefix - suffix,
                         new[prefix:len(new) - suffix])


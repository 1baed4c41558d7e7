"""Macro bombs refused before the compiler runs.

`#define A1 A0+A0` … doubling at each level makes a few hundred bytes expand to millions of
tokens, which glslang then spends minutes on. A small model of the GLSL preprocessor counts
what each macro use expands to, as a linear form (a constant plus a weight per parameter),
without expanding anything.
"""

from __future__ import annotations

import re

from fractafrag.services.shader_format import COMMON, GlslError

_COMMENTS = re.compile(r"//[^\n]*|/\*.*?(?:\*/|\Z)", re.DOTALL)


def strip_comments(code: str) -> str:
    """Code with comments blanked out but every newline kept, so line numbers still match."""
    return _COMMENTS.sub(lambda m: "\n" * m.group(0).count("\n"), code)

# Macro bombs (#define A1 A0+A0 ... doubling at each level) are refused before the compiler
# runs: one macro use (or one #if) may expand to at most MAX_MACRO_TOKENS tokens, the uses in a
# pass with Common add at most MAX_EXPANDED_TOKENS in all, and checking takes at most
# MAX_MACRO_STEPS steps. glslang
# takes ~0.1 s for 64 Ki tokens; real shaders stay far below.
MAX_MACRO_TOKENS = 64 * 1024
MAX_EXPANDED_TOKENS = 256 * 1024
MAX_MACRO_STEPS = 1_000_000


# The macro check: a small model of the GLSL preprocessor that counts the tokens each macro use
# expands to, as a linear form (a constant plus a weight per parameter), without expanding.
_PP_TOKEN = re.compile(
    r"[A-Za-z_]\w*|\.?\d(?:[eE][+-]|[\w.])*|##|<<=|>>=|[-+*/%&|^!=<>]=|&&|\|\||\^\^|<<|>>"
    r"|\+\+|--|\S")
_DIRECTIVE = re.compile(r"^\s*#\s*(\w*)(.*)$")
_DEFINITION = re.compile(r"^\s*([A-Za-z_]\w*)(?:\(([^)]*)\))?(.*)$")
_EXPANDING_DIRECTIVES = frozenset({"if", "elif", "line"})
_Form = tuple[int, tuple[int, ...]]


class _MacroBomb(Exception):
    """Raised inside the macro check with the message to show."""


class _MacroMeter:
    """Macro definitions seen so far and what each expands to; feed it Common, then a pass."""

    def __init__(self) -> None:
        self.macros: dict[str, tuple[tuple[str, ...] | None, list[str]]] = {}
        self.forms: dict[str, _Form] = {}
        self.expanding: set[str] = set()
        self.total = 0
        self.steps = 0

    def copy(self) -> _MacroMeter:
        """A meter that goes on from this one's state (Common's macros, for each pass)."""
        other = _MacroMeter()
        other.macros, other.forms = dict(self.macros), dict(self.forms)
        other.total, other.steps = self.total, self.steps
        return other

    def feed(self, pass_name: str, code: str) -> GlslError | None:
        """Read code's directives and macro uses; the first over a limit becomes the error."""
        tokens: list[str] = []
        lines: list[int] = []
        line = 0
        try:
            for line, text in logical_lines(strip_comments(code)):
                directive = _DIRECTIVE.match(text)
                if directive is None:
                    if self.macros:  # without macros, code lines expand to nothing more
                        found = _PP_TOKEN.findall(text)
                        tokens.extend(found)
                        lines.extend([line] * len(found))
                    continue
                self._code(tokens, lines)
                tokens, lines = [], []
                self._directive(directive.group(1), directive.group(2), line)
            self._code(tokens, lines)
        except _MacroBomb as bomb:
            where, message = bomb.args
            return GlslError(pass_name, where, message)
        return None

    def _directive(self, keyword: str, rest: str, line: int) -> None:
        if keyword == "define":
            definition = _DEFINITION.match(rest)
            if definition:
                name, params, body = definition.groups()
                names = None if params is None else tuple(
                    p.strip() for p in params.split(",") if p.strip())
                self.macros[name] = (names, _PP_TOKEN.findall(body))
                self.forms.clear()
        elif keyword == "undef":
            self.macros.pop(rest.strip(), None)
            self.forms.clear()
        elif keyword in _EXPANDING_DIRECTIVES:
            size = self._measure(_PP_TOKEN.findall(rest), (), line)[0]
            if size > MAX_MACRO_TOKENS:
                raise _MacroBomb(line, f"This #{keyword} expands to more than "
                                 f"{MAX_MACRO_TOKENS:,} tokens (a macro bomb?); the limit "
                                 f"is {MAX_MACRO_TOKENS:,} tokens per expression.")

    def _code(self, tokens: list[str], lines: list[int]) -> None:
        """Measure every macro use at the top level of the code between directives; the
        total counts what uses add (size - 1), the code itself being at most MAX_PASS_BYTES."""
        macros = self.macros
        end = 0
        for index in [i for i, token in enumerate(tokens) if token in macros]:
            if index < end:
                continue  # inside the arguments of a use already measured
            name = tokens[index]
            end = index + 1
            if self.macros[name][0] is not None and end < len(tokens) and tokens[end] == "(":
                end = _closing(tokens, end)
            size = self._measure(tokens[index:end], (), lines[index])[0]
            if size > MAX_MACRO_TOKENS:
                raise _MacroBomb(lines[index], f"'{name}' expands to more than "
                                 f"{MAX_MACRO_TOKENS:,} tokens (a macro bomb?); the limit is "
                                 f"{MAX_MACRO_TOKENS:,} tokens per macro use.")
            self.total += size - 1
            if self.total > MAX_EXPANDED_TOKENS:
                raise _MacroBomb(lines[index], f"Macros make the code more than "
                                 f"{MAX_EXPANDED_TOKENS:,} tokens longer here; the limit is "
                                 f"{MAX_EXPANDED_TOKENS:,} tokens of expansion in all.")

    def _form(self, name: str, line: int) -> _Form:
        """What macro name's body expands to, as a linear form over its parameters."""
        form = self.forms.get(name)
        if form is None:
            params, body = self.macros[name]
            self.expanding.add(name)
            try:
                form = self._measure(body, params or (), line)
            finally:
                self.expanding.discard(name)
            self.forms[name] = form
        return form

    def _measure(self, tokens: list[str], params: tuple[str, ...], line: int) -> _Form:
        """Tokens after expansion as a linear form over params; grows saturate past the limit."""
        cap = MAX_MACRO_TOKENS + 1
        const = 0
        weights = [0] * len(params)
        where = {p: i for i, p in enumerate(params)}
        index = 0
        while index < len(tokens):
            self.steps += 1
            if self.steps > MAX_MACRO_STEPS:
                raise _MacroBomb(line, f"The macros are too intricate to check within "
                                 f"{MAX_MACRO_STEPS:,} steps; simplify them.")
            token = tokens[index]
            index += 1
            if token in where:
                weights[where[token]] += 1
                continue
            if token == "defined":  # `defined X` and `defined(X)` do not expand X
                index += 3 if index < len(tokens) and tokens[index] == "(" else 1
                const += 1
                continue
            macro = self.macros.get(token)
            if macro is None or token in self.expanding:
                const += 1
                continue
            if macro[0] is None:
                const += self._form(token, line)[0]
                continue
            if index >= len(tokens) or tokens[index] != "(":
                const += 1  # a function-like macro's name without arguments stays as it is
                continue
            end = _closing(tokens, index)
            arguments = _arguments(tokens[index + 1:end - 1])
            base, per_param = self._form(token, line)
            const += base
            for position, argument in enumerate(arguments):
                # An argument is expanded even when the body does not use it, so it counts once.
                weight = max(per_param[position] if position < len(per_param) else 0, 1)
                arg_const, arg_weights = self._measure(argument, params, line)
                const += weight * arg_const
                for slot, value in enumerate(arg_weights):
                    weights[slot] = min(weights[slot] + weight * value, cap)
            const = min(const, cap)
            index = end
        return min(const, cap), tuple(weights)


def logical_lines(code: str) -> list[tuple[int, str]]:
    """(first line number, text) of each line, lines continued with a backslash joined."""
    joined: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 1
    for number, text in enumerate(code.split("\n"), start=1):
        if not pending:
            start = number
        if text.endswith("\\"):
            pending.append(text[:-1])
            continue
        joined.append((start, "".join(pending) + text))
        pending = []
    if pending:
        joined.append((start, "".join(pending)))
    return joined


def _closing(tokens: list[str], opening: int) -> int:
    """Index just after the parenthesis that closes tokens[opening] (or the end)."""
    depth = 0
    for index in range(opening, len(tokens)):
        if tokens[index] == "(":
            depth += 1
        elif tokens[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(tokens)


def _arguments(tokens: list[str]) -> list[list[str]]:
    """A macro call's arguments: tokens split at top-level commas."""
    arguments: list[list[str]] = [[]]
    depth = 0
    for token in tokens:
        if token == "," and depth == 0:
            arguments.append([])
            continue
        depth += (token == "(") - (token == ")")
        arguments[-1].append(token)
    return arguments


def macro_bomb(common: str, passes: list[tuple[str, str]]) -> GlslError | None:
    """The first macro use, in Common or a (name, code) pass, that expands past the limits
    (MAX_MACRO_TOKENS per use, MAX_EXPANDED_TOKENS added per pass), as an error naming its line;
    else None. Token pasting (##), which GLSL ES refuses anyway, is not followed."""
    meter = _MacroMeter()
    bomb = meter.feed(COMMON, common)
    if bomb is not None:
        return bomb
    for name, code in passes:
        bomb = meter.copy().feed(name, code)
        if bomb is not None:
            return bomb
    return None

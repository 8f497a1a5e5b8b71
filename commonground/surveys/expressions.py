"""Skip logic and answer constraints: the part of XLSForm's expression language (ODK XPath)
that questionnaires use, parsed once and evaluated against a respondent's answers.

Supported: numbers, 'strings' or "strings", ${name} (another question's answer), "." (the
answer being checked), `and`, `or`, `not()`, `= != < <= > >=`, `+ - * div mod`, parentheses,
and the functions selected(), count-selected(), string-length(), regex(), number(), string(),
if(), true() and false(). Anything else is refused with a message saying what and where, so a
form that works here also works in ODK and KoBo.

Values follow XPath 1.0: an unanswered question is the empty string, a multiple choice is its
values joined by spaces, and a comparison is numeric when either side is a number (an empty
answer is then NaN, so `${age} > 17` is false until age is answered)."""

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

Value = str | float | bool


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated; the message is for the form's author."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d*)?|\.\d+)
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<ref>\$\{(?P<refname>[^}]*)\})
      | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*)
      | (?P<dot>\.)
    )""",
    re.VERBOSE,
)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WORD_OPERATORS = {"and", "or", "div", "mod"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    at: int


def _tokens(source: str) -> list[_Token]:
    found, at = [], 0
    while at < len(source):
        if source[at:].strip() == "":
            break
        match = _TOKEN.match(source, at)
        if not match or match.end() == at:
            raise ExpressionError(
                f"Cannot read “{source[at:].strip()[:20]}” at character {at + 1}."
            )
        kind = match.lastgroup if match.lastgroup != "refname" else "ref"
        if match.group("ref") is not None:
            name = match.group("refname")
            if not _NAME.match(name):
                raise ExpressionError(f"“${{{name}}}” is not a question name.")
            found.append(_Token("ref", name, match.start("ref")))
        elif kind == "name" and match.group("name") in _WORD_OPERATORS:
            found.append(_Token("op", match.group("name"), match.start("name")))
        else:
            found.append(_Token(kind, match.group(kind), match.start(kind)))
        at = match.end()
    found.append(_Token("end", "", len(source)))
    return found


# A parsed expression is a tree of tuples: ("num", 1.0), ("str", "x"), ("ref", "q1"),
# ("dot",), ("op", "and", left, right), ("neg", operand), ("call", "selected", (args...)).
Node = tuple

_BINARY = [
    ({"or"}, "or"),
    ({"and"}, "and"),
    ({"=", "!="}, "eq"),
    ({"<", "<=", ">", ">="}, "rel"),
    ({"+", "-"}, "add"),
    ({"*", "div", "mod"}, "mul"),
]

_ARITY = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "not": (1, 1),
    "string-length": (1, 1),
    "regex": (2, 2),
    "number": (1, 1),
    "string": (1, 1),
    "if": (3, 3),
    "true": (0, 0),
    "false": (0, 0),
}


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.tokens = _tokens(source)
        self.at = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text or token.kind != "op":
            shown = token.text or "the end"
            raise ExpressionError(f"Expected “{text}” at character {token.at + 1}, found {shown}.")

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise ExpressionError("The expression is empty.")
        node = self.binary(0)
        token = self.peek()
        if token.kind != "end":
            raise ExpressionError(f"Unexpected “{token.text}” at character {token.at + 1}.")
        return node

    def binary(self, level: int) -> Node:
        if level == len(_BINARY):
            return self.unary()
        operators, _kind = _BINARY[level]
        node = self.binary(level + 1)
        while self.peek().kind == "op" and self.peek().text in operators:
            operator = self.take().text
            node = ("op", operator, node, self.binary(level + 1))
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token.kind == "op" and token.text == "-":
            self.take()
            return ("neg", self.unary())
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return ("num", float(token.text))
        if token.kind == "string":
            return ("str", token.text[1:-1])
        if token.kind == "ref":
            return ("ref", token.text)
        if token.kind == "dot":
            return ("dot",)
        if token.kind == "op" and token.text == "(":
            node = self.binary(0)
            self.expect(")")
            return node
        if token.kind == "name":
            name = token.text
            if name not in _ARITY:
                raise ExpressionError(f"“{name}()” is not a function questionnaires can use.")
            self.expect("(")
            args: list[Node] = []
            if not (self.peek().kind == "op" and self.peek().text == ")"):
                args.append(self.binary(0))
                while self.peek().kind == "op" and self.peek().text == ",":
                    self.take()
                    args.append(self.binary(0))
            self.expect(")")
            low, high = _ARITY[name]
            if not low <= len(args) <= high:
                raise ExpressionError(f"“{name}()” takes {low} argument(s), not {len(args)}.")
            if name == "regex" and args[1][0] == "str":
                try:
                    re.compile(args[1][1])
                except re.error as error:
                    raise ExpressionError(
                        f"The pattern of regex() is not valid: {error}."
                    ) from None
            return ("call", name, tuple(args))
        if token.kind == "end":
            raise ExpressionError("The expression ends too soon.")
        raise ExpressionError(f"Unexpected “{token.text}” at character {token.at + 1}.")


@lru_cache(maxsize=2048)
def parse(source: str) -> Node:
    """The expression's tree; raises ExpressionError with a message for the form's author."""
    return _Parser(source).parse()


def references(source: str) -> set[str]:
    """The question names an expression refers to as ${name}."""
    found: set[str] = set()

    def walk(node: Node) -> None:
        if node[0] == "ref":
            found.add(node[1])
        for part in node[1:]:
            if isinstance(part, tuple):
                if part and isinstance(part[0], str):
                    walk(part)
                else:
                    for arg in part:
                        walk(arg)

    walk(parse(source))
    return found


def _as_string(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _as_number(value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(_as_string(value).strip())
    except ValueError:
        return math.nan


def _as_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0 and not math.isnan(value)
    return _as_string(value) != ""


def _compare(operator: str, left, right) -> bool:
    numeric = isinstance(left, int | float) or isinstance(right, int | float)
    if operator in ("=", "!="):
        if isinstance(left, bool) or isinstance(right, bool):
            equal = _as_bool(left) == _as_bool(right)
        elif numeric:
            equal = _as_number(left) == _as_number(right)
        else:
            equal = _as_string(left) == _as_string(right)
        return equal if operator == "=" else not equal
    a, b = _as_number(left), _as_number(right)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]


def _arithmetic(operator: str, left, right) -> float:
    a, b = _as_number(left), _as_number(right)
    if operator == "+":
        return a + b
    if operator == "-":
        return a - b
    if operator == "*":
        return a * b
    if b == 0:
        return math.nan if operator == "mod" or a == 0 else math.copysign(math.inf, a)
    return a / b if operator == "div" else math.fmod(a, b)


def _value(answer) -> Value:
    """An answer as XPath sees it: numbers as floats, choices as strings."""
    if answer is None:
        return ""
    if isinstance(answer, bool):
        return answer
    if isinstance(answer, int | float):
        return float(answer)
    if isinstance(answer, list | tuple):
        return " ".join(str(a) for a in answer)
    return str(answer)


def _evaluate(node: Node, answers: Mapping, current) -> Value:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "str":
        return node[1]
    if kind == "ref":
        return _value(answers.get(node[1]))
    if kind == "dot":
        return _value(current)
    if kind == "neg":
        return -_as_number(_evaluate(node[1], answers, current))
    if kind == "op":
        operator = node[1]
        if operator == "and":
            return _as_bool(_evaluate(node[2], answers, current)) and _as_bool(
                _evaluate(node[3], answers, current)
            )
        if operator == "or":
            return _as_bool(_evaluate(node[2], answers, current)) or _as_bool(
                _evaluate(node[3], answers, current)
            )
        left = _evaluate(node[2], answers, current)
        right = _evaluate(node[3], answers, current)
        if operator in ("=", "!=", "<", "<=", ">", ">="):
            return _compare(operator, left, right)
        return _arithmetic(operator, left, right)
    name, args = node[1], node[2]
    if name == "if":
        chosen = args[1] if _as_bool(_evaluate(args[0], answers, current)) else args[2]
        return _evaluate(chosen, answers, current)
    values = [_evaluate(arg, answers, current) for arg in args]
    return _FUNCTIONS[name](*values)


_FUNCTIONS: dict[str, Callable[..., Value]] = {
    "selected": lambda chosen, value: _as_string(value) in _as_string(chosen).split(),
    "count-selected": lambda chosen: float(len(_as_string(chosen).split())),
    "not": lambda value: not _as_bool(value),
    "string-length": lambda value: float(len(_as_string(value))),
    "regex": lambda value, pattern: re.search(_as_string(pattern), _as_string(value)) is not None,
    "number": _as_number,
    "string": _as_string,
    "true": lambda: True,
    "false": lambda: False,
}


def evaluate(source: str, answers: Mapping, current=None) -> bool:
    """Whether the expression holds for these answers ({question name: answer}); `current`
    is the answer "." stands for. An empty expression holds."""
    if not source.strip():
        return True
    return _as_bool(_evaluate(parse(source), answers, current))

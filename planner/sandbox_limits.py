"""The resource budget of one template render (message templates are untrusted input).

Campaign files are shared between recruiters and agencies, so a template may be written to
exhaust the machine while staying inside the sandbox's rules: text grown by `~`, `+`, `join` or
`replace` in `{% set %}`, nested `{% for %}` loops, a `round` that computes 10**(10**9). Jinja's
sandbox bounds none of that, so every render of one field (`message.subject` or
`message.body`) gets a budget, enforced *while* it runs:

| limit            | value   | what counts                                                      |
|------------------|---------|------------------------------------------------------------------|
| MAX_OUTPUT_CHARS | 10,000  | characters of the rendered field                                 |
| MAX_WORK_CHARS   | 100,000 | characters produced, text captured by `{% set %}`/`{% filter %}` |
| MAX_TEXT_CHARS   | 10,000  | characters of any intermediate text or list (items summed)       |
| MAX_ITEMS        | 1,000   | items of any intermediate list                                   |
| MAX_ITERATIONS   | 10,000  | `{% for %}` iterations, all loops of the field together          |
| MAX_INT_BITS     | 128     | size of any integer a `*` or a filter makes                      |

How: `LimitTransformer` rewrites the compiled template so each loop iterates a counting
iterator, each `~` goes through a checked join, and each printed piece (text and expressions,
including those inside captured blocks) is counted; `guard_filters` wraps every filter with
checks of its arguments *before* the call (the size `join`/`replace` would produce, `truncate`
and `round` arguments) and of its result; `check_binop` checks `*` and `+` before they run.
A breach raises `BudgetExceeded` (a SecurityError) that carries the template line, and the
caller reports it as a ConfigError (exit 2) naming the campaign file, the line and the limit.

Where a breach is visible without candidate data, it is found before any candidate is read:
`static_problems` checks constant arguments and nesting at validation, and `planner lint`
(run by validate and build too) renders a typical recipient under the same budget.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any, Final

from jinja2 import nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Undefined
from jinja2.visitor import NodeTransformer

MAX_OUTPUT_CHARS: Final = 10_000
MAX_WORK_CHARS: Final = 100_000
MAX_TEXT_CHARS: Final = 10_000
MAX_ITEMS: Final = 1_000
MAX_ITERATIONS: Final = 10_000
MAX_INT_BITS: Final = 128
#: Deepest nesting of blocks ({% for %}, {% if %}, ...) and of expressions.
MAX_NESTING: Final = 10
MAX_EXPRESSION_DEPTH: Final = 50
#: `round` precision: a float has 17 significant digits.
MAX_ROUND_DIGITS: Final = 17

TEXT_FILTER: Final = "_planner_text"
OUT_FILTER: Final = "_planner_out"
CONCAT_FILTER: Final = "_planner_concat"
LOOP_FILTER: Final = "_planner_loop"


class Refused(SecurityError):
    """The sandbox refused an operation; `lineno` is the template line when known."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.lineno = lineno


class BudgetExceeded(Refused):
    """A render went over one of the limits of the module docstring."""


@dataclass
class Budget:
    """What one render has used so far."""

    iterations: int = 0
    produced: int = 0

    def iterate(self) -> None:
        self.iterations += 1
        if self.iterations > MAX_ITERATIONS:
            raise BudgetExceeded(
                f"loops ran more than {MAX_ITERATIONS:,} times in one message"
                " (nested {% for %} loops multiply)"
            )

    def produce(self, chars: int) -> None:
        self.produced += chars
        if self.produced > MAX_WORK_CHARS:
            raise BudgetExceeded(
                f"the template produced more than {MAX_WORK_CHARS:,} characters"
                " (text captured by {% set %} or {% filter %} blocks counts too)"
            )


_BUDGET: ContextVar[Budget | None] = ContextVar("planner_template_budget", default=None)


@contextmanager
def budget() -> Iterator[Budget]:
    """A fresh budget for the render that runs inside this block."""
    current = Budget()
    token = _BUDGET.set(current)
    try:
        yield current
    finally:
        _BUDGET.reset(token)


def _current() -> Budget | None:
    return _BUDGET.get()


# --------------------------------------------------------------------------- sizes


def size(value: Any, limit: int = MAX_TEXT_CHARS) -> int:
    """Characters `value` stands for (texts, and the items of lists summed); stops past limit."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool) or value is None or isinstance(value, Undefined):
        return 0
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    if isinstance(value, float):
        return 8
    if isinstance(value, Mapping):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple | set | frozenset):
        total = len(value)
        for item in value:
            total += size(item, limit - total)
            if total > limit:
                break
        return total
    return 0


def check_value(value: Any, what: str) -> Any:
    """`value` when it is within the intermediate limits; else BudgetExceeded naming `what`."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise BudgetExceeded(f"{what} would make a number larger than 2**{MAX_INT_BITS}")
        return value
    if isinstance(value, list | tuple | set | frozenset | Mapping) and len(value) > MAX_ITEMS:
        raise BudgetExceeded(f"{what} would make a list of more than {MAX_ITEMS:,} items")
    if size(value) > MAX_TEXT_CHARS:
        raise BudgetExceeded(f"{what} would make a text longer than {MAX_TEXT_CHARS:,} characters")
    return value


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse `*` and `+` whose result would be over the limits, before computing it."""
    if operator == "*":
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(count, int):
                if count > 0 and size(seq) * count > MAX_TEXT_CHARS:
                    raise BudgetExceeded(
                        f"'*' would make a text or list longer than {MAX_TEXT_CHARS:,} characters"
                    )
                if isinstance(seq, list | tuple) and count > 0 and len(seq) * count > MAX_ITEMS:
                    raise BudgetExceeded(f"'*' would make a list of more than {MAX_ITEMS:,} items")
                return
        if (
            _is_int(left)
            and _is_int(right)
            and left.bit_length() + right.bit_length() > MAX_INT_BITS
        ):
            raise BudgetExceeded(f"'*' would make a number larger than 2**{MAX_INT_BITS}")
    elif operator == "+":
        both_text = isinstance(left, str) and isinstance(right, str)
        both_lists = isinstance(left, list | tuple) and isinstance(right, list | tuple)
        if (both_text or both_lists) and size(left) + size(right) > MAX_TEXT_CHARS:
            raise BudgetExceeded(
                f"'+' would make a text or list longer than {MAX_TEXT_CHARS:,} characters"
            )
        if both_lists and len(left) + len(right) > MAX_ITEMS:
            raise BudgetExceeded(f"'+' would make a list of more than {MAX_ITEMS:,} items")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --------------------------------------------------------------------------- filters


def _text_of(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _pre_join(args: Mapping[str, Any]) -> None:
    value, sep = args.get("value"), args.get("d", "")
    items = len(value) if isinstance(value, str | list | tuple | set | frozenset) else 0
    seps = max(items - 1, 0) * len(_text_of(sep))
    if size(value) + seps > MAX_TEXT_CHARS:
        raise BudgetExceeded(f"'join' would make a text longer than {MAX_TEXT_CHARS:,} characters")


def _pre_human_join(args: Mapping[str, Any]) -> None:
    _pre_join({"value": args.get("value"), "d": ", "})
    if len(_text_of(args.get("word", "and"))) > MAX_TEXT_CHARS:
        raise BudgetExceeded(f"'human_join' would make a text longer than {MAX_TEXT_CHARS:,}")


def _pre_replace(args: Mapping[str, Any]) -> None:
    s, old, new = (args.get(k) for k in ("s", "old", "new"))
    if not isinstance(old, str) or not isinstance(new, str):
        return  # Jinja turns them into text; a wrong type fails in the filter itself
    text = _text_of(s) if not isinstance(s, Undefined) else ""
    hits = text.count(old) if old else len(text) + 1
    count = args.get("count")
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    if len(text) + hits * (len(new) - len(old)) > MAX_TEXT_CHARS:
        raise BudgetExceeded(
            f"'replace' would make a text longer than {MAX_TEXT_CHARS:,} characters"
        )


def _pre_truncate(args: Mapping[str, Any]) -> None:
    problem = truncate_problem(args.get("length", 255), args.get("end", "..."), args.get("leeway"))
    if problem:
        raise Refused(problem)


def truncate_problem(length: Any, end: Any, leeway: Any) -> str | None:
    """Why `truncate(length, killwords, end, leeway)` arguments cannot work, or None."""
    if not _is_int(length) or length < 0:
        return "truncate: the length must be a whole number of at least 0"
    if not isinstance(end, str):
        return "truncate: end must be a text such as '...'"
    if len(end) > length:
        return f"truncate: the length ({length}) must be at least the length of end ({len(end)})"
    if leeway is not None and (not _is_int(leeway) or leeway < 0):
        return "truncate: leeway must be a whole number of at least 0"
    return None


def _pre_round(args: Mapping[str, Any]) -> None:
    problem = round_problem(args.get("precision", 0), args.get("method", "common"))
    if problem:
        raise Refused(problem)


def round_problem(precision: Any, method: Any) -> str | None:
    """Why `round(precision, method)` arguments cannot work, or None."""
    if not _is_int(precision) or abs(precision) > MAX_ROUND_DIGITS:
        return f"round: the precision must be a whole number from -{MAX_ROUND_DIGITS} to" + (
            f" {MAX_ROUND_DIGITS}"
        )
    if method not in ("common", "ceil", "floor"):
        return "round: the method must be 'common', 'ceil' or 'floor'"
    return None


def _pre_list(args: Mapping[str, Any]) -> None:
    value = args.get("value")
    if isinstance(value, str) and len(value) > MAX_ITEMS:
        raise BudgetExceeded(f"'list' would make a list of more than {MAX_ITEMS:,} items")


def _pre_int(args: Mapping[str, Any]) -> None:
    value = args.get("value")
    if isinstance(value, str) and len(value.strip()) > MAX_INT_BITS // 3:
        raise BudgetExceeded(f"'int' would make a number larger than 2**{MAX_INT_BITS}")
    base = args.get("base", 10)
    if not _is_int(base) or not (base == 0 or 2 <= base <= 36):
        raise Refused("int: the base must be 0 or a whole number from 2 to 36")


_PRECHECKS: Final[dict[str, Callable[[Mapping[str, Any]], None]]] = {
    "join": _pre_join,
    "human_join": _pre_human_join,
    "replace": _pre_replace,
    "truncate": _pre_truncate,
    "round": _pre_round,
    "list": _pre_list,
    "int": _pre_int,
}


def guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` with its arguments checked before and its result checked after the call."""
    pre = _PRECHECKS.get(name)
    what = f"the '{name}' filter"
    if pre is None:

        @wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            return check_value(func(*args, **kwargs), what)

        return checked

    parameters = list(inspect.signature(inspect.unwrap(func)).parameters.values())
    params = [p.name for p in parameters]
    defaults = {p.name: p.default for p in parameters if p.default is not p.empty}

    @wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        # The arguments by name (wrong ones are left to the filter, which says what is wrong).
        pre({**defaults, **dict(zip(params, args, strict=False)), **kwargs})
        return check_value(func(*args, **kwargs), what)

    return guarded


def guard_filters(filters: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Every filter guarded, plus the counting filters `LimitTransformer` inserts."""
    out = {name: guard_filter(name, func) for name, func in filters.items()}
    out[TEXT_FILTER] = _text
    out[OUT_FILTER] = _out
    out[CONCAT_FILTER] = _concat
    out[LOOP_FILTER] = _loop
    return out


class Text(str):
    """Template text counted by `_text`; `finalize` prints it as it is."""

    __slots__ = ()


@pass_context
def _text(_context: Context, value: str) -> Text:
    """Literal template text (a pass-context filter, so Jinja does not fold it away)."""
    return Text(value)


@pass_context
def _out(_context: Context, value: Any) -> Any:
    """Around every printed expression: keeps constants from being folded out of the count."""
    return value


@pass_context
def _concat(_context: Context, values: list[Any]) -> str:
    """`a ~ b ~ c`, refused before the text grows past MAX_TEXT_CHARS."""
    parts: list[str] = []
    total = 0
    for value in values:
        if not isinstance(value, str) and size(value) > MAX_TEXT_CHARS:
            raise BudgetExceeded(f"'~' would make a text longer than {MAX_TEXT_CHARS:,} characters")
        text = str(value)
        total += len(text)
        if total > MAX_TEXT_CHARS:
            raise BudgetExceeded(f"'~' would make a text longer than {MAX_TEXT_CHARS:,} characters")
        parts.append(text)
    return "".join(parts)


class _Counted:
    """What a `{% for %}` iterates: the items, each one counted against the budget."""

    __slots__ = ("_items",)

    def __init__(self, items: Any) -> None:
        self._items = items

    def __iter__(self) -> Iterator[Any]:
        current = _current()
        for item in self._items:
            if current is not None:
                current.iterate()
            yield item

    def __len__(self) -> int:
        return len(self._items)


@pass_context
def _loop(_context: Context, items: Any) -> _Counted:
    return _Counted(items)


def counting_finalize(finalize: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The environment's `finalize`, counting what each `{{ }}` and text piece produces."""

    def counted(value: Any) -> Any:
        if isinstance(value, Text):
            out: Any = str(value)
        else:
            out = finalize(value)
        current = _current()
        if current is not None and not isinstance(out, Undefined):
            current.produce(size(out, MAX_WORK_CHARS))
        return out

    return counted


def collect(chunks: Iterator[str], template: Any) -> str:
    """Join a render's output, stopping as soon as it passes MAX_OUTPUT_CHARS."""
    parts: list[str] = []
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_OUTPUT_CHARS:
            frame = getattr(chunks, "gi_frame", None)
            line = template.get_corresponding_lineno(frame.f_lineno) if frame else None
            raise BudgetExceeded(
                f"the message would be longer than {MAX_OUTPUT_CHARS:,} characters", line
            )
        parts.append(chunk)
    return "".join(parts)


def template_line(exc: BaseException, template: Any) -> int | None:
    """The template line an exception was raised at (innermost template frame)."""
    if isinstance(exc, Refused) and exc.lineno:
        return exc.lineno
    filename = template.filename or "<template>"
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line


# --------------------------------------------------------------------------- the rewrite


class LimitTransformer(NodeTransformer):
    """Rewrite a checked template so loops, `~` and printed pieces go through the budget."""

    def __init__(self, environment: Any) -> None:
        self.environment = environment
        # Inside a loop or a capturing block, where output can repeat or bypass `collect`.
        self._inside = 0

    def _filter(self, node: nodes.Node, name: str, lineno: int) -> nodes.Filter:
        wrapped = nodes.Filter(node, name, [], [], None, None, lineno=lineno)
        wrapped.set_environment(self.environment)
        return wrapped

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        if not self._inside:
            return node  # runs once; `collect` counts it as output
        wrapped: list[nodes.Expr] = []
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                text = nodes.Const(child.data, lineno=child.lineno)
                wrapped.append(self._filter(text, TEXT_FILTER, child.lineno))
            else:
                wrapped.append(self._filter(child, OUT_FILTER, child.lineno))
        node.nodes = wrapped
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        items = nodes.List(list(node.nodes), lineno=node.lineno)
        return self._filter(items, CONCAT_FILTER, node.lineno)

    def _nested(self, node: nodes.Node) -> None:
        self._inside += 1
        try:
            self.generic_visit(node)
        finally:
            self._inside -= 1

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self._nested(node)
        node.iter = self._filter(node.iter, LOOP_FILTER, node.lineno)
        return node

    def visit_AssignBlock(self, node: nodes.AssignBlock) -> nodes.Node:
        self._nested(node)
        return node

    def visit_FilterBlock(self, node: nodes.FilterBlock) -> nodes.Node:
        self._nested(node)
        return node


# --------------------------------------------------------------------------- static checks

_BLOCKS: Final = (
    nodes.For,
    nodes.If,
    nodes.With,
    nodes.FilterBlock,
    nodes.AssignBlock,
    nodes.Scope,
)


def static_problems(ast: nodes.Template) -> list[tuple[int, str]]:
    """Budget breaches visible without data: nesting, constant `*`, bad constant arguments."""
    problems: list[tuple[int, str]] = []

    def visit(node: nodes.Node, blocks: int, depth: int) -> None:
        if isinstance(node, _BLOCKS):
            blocks += 1
            if blocks == MAX_NESTING + 1:
                problems.append(
                    (node.lineno, f"blocks are nested more than {MAX_NESTING} levels deep")
                )
        if depth == MAX_EXPRESSION_DEPTH + 1:
            problems.append(
                (node.lineno, f"an expression is nested more than {MAX_EXPRESSION_DEPTH} levels")
            )
            return
        if isinstance(node, nodes.Mul) and _const(node.left) and _const(node.right):
            try:
                check_binop("*", node.left.value, node.right.value)  # type: ignore[attr-defined]
            except BudgetExceeded as exc:
                problems.append((node.lineno, str(exc)))
        if isinstance(node, nodes.Filter | nodes.Test):
            keys = [str(kwarg.key) for kwarg in node.kwargs]
            repeated = sorted({k for k in keys if keys.count(k) > 1})
            if repeated:  # Python would refuse the compiled call
                problems.append(
                    (node.lineno, f"'{node.name}': argument '{repeated[0]}' given twice")
                )
        if isinstance(node, nodes.Filter):
            problem = _filter_problem(node)
            if problem:
                problems.append((node.lineno, problem))
        for child in node.iter_child_nodes():
            visit(child, blocks, depth + 1)

    visit(ast, 0, 0)
    return problems


def _const(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Const)


def _filter_problem(node: nodes.Filter) -> str | None:
    """A problem with the constant arguments of `truncate` or `round`."""
    names = {
        "truncate": ("length", "killwords", "end", "leeway"),
        "round": ("precision", "method"),
    }.get(node.name)
    if names is None:
        return None
    given: dict[str, Any] = {}
    for name, arg in zip(names, node.args, strict=False):
        if not isinstance(arg, nodes.Const):
            return None
        given[name] = arg.value
    for kwarg in node.kwargs:
        if not isinstance(kwarg.value, nodes.Const):
            return None
        given[str(kwarg.key)] = kwarg.value.value
    if node.name == "truncate":
        return truncate_problem(
            given.get("length", 255), given.get("end", "..."), given.get("leeway")
        )
    return round_problem(given.get("precision", 0), given.get("method", "common"))

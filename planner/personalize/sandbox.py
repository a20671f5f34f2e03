"""The sandboxed Jinja environment templates render in: empty fields, the tracking of personal
fields and characters, and the filters."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Final, NoReturn

from jinja2 import pass_context
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.runtime import Context, StrictUndefined, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from planner import sandbox_limits
from planner.personalize.fields import (
    _COUNT_FILTER,
    _MARK_FILTER,
    _MAX_REPEAT,
    _PERSONAL,
    _TRACK,
    _TRACK_FILTER,
    FIELD_NAMES,
    FILTERS,
)


class _EmptyFieldError(UndefinedError):
    """An empty field was printed (or iterated, indexed, ...) without a fallback."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is empty")
        self.field = field


class _EmptyField(Undefined):
    """The value of an empty field: falsy, replaced by `default`, and refused when printed,
    iterated, indexed or computed with (each raises _EmptyFieldError naming the field)."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        return self._undefined_name or "a field"

    def __str__(self) -> str:
        self._fail_with_undefined_error()

    def __iter__(self) -> NoReturn:
        self._fail_with_undefined_error()


class _EmptyOutput(Exception):
    """An expression printed nothing, None or NaN."""


_EMPTY: Final = {f: _EmptyField(name=f, exc=_EmptyFieldError) for f in FIELD_NAMES}


def _finalize(value: Any) -> Any:
    """Every `{{ ... }}` passes here: refuse empty output and Python objects, format numbers."""
    if isinstance(value, Undefined):
        return value  # str() raises: _EmptyField names the field, StrictUndefined the problem
    if isinstance(value, str):
        if not value.strip():
            raise _EmptyOutput
        return value
    if isinstance(value, bool) or value is None:
        raise _EmptyOutput  # "True"/"None" in a message is a template bug
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _format_number(value)
    if isinstance(value, list | tuple):
        if not value:
            raise _EmptyOutput
        return ", ".join(str(_finalize(v)) for v in value)
    raise SecurityError(f"a template expression printed a {type(value).__name__} object")


def _format_number(value: float) -> int | float:
    if math.isnan(value) or math.isinf(value):
        raise _EmptyOutput
    if value.is_integer():
        return int(value)
    return round(value, 2)


def _human_join(value: Iterable[Any], word: str = "and") -> str:
    """["Kafka", "Flink", "Spark"] -> "Kafka, Flink and Spark"."""
    items = [str(v) for v in value]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


@pass_context
def _track(context: Context, value: Any, field: str) -> Any:
    """Inserted around every person-field lookup: records the fields used with a value."""
    if not isinstance(value, Undefined):
        used = context.parent.get(_TRACK)
        if isinstance(used, set):
            used.add(field)
        counter = context.parent.get(_PERSONAL)
        if isinstance(counter, list):
            counter[0] += 1
    return value


@pass_context
def _mark(context: Context, _value: Any) -> int:
    """Before a personal expression: how many non-empty person lookups happened so far."""
    counter = context.parent.get(_PERSONAL)
    return counter[0] if isinstance(counter, list) else 0


@pass_context
def _count(context: Context, before: int, value: Any, derived: bool) -> Any:
    """After it: its printed characters count as personal when it looked up a person field with
    a value (or uses a variable set from one, `derived`). Prints exactly what finalize would."""
    if isinstance(value, Undefined):
        return value
    # A text passes as is (finalize still sees it and refuses a blank one); others as printed.
    text = value if type(value) is str else str(_finalize(value))
    counter = context.parent.get(_PERSONAL)
    if isinstance(counter, list) and (derived or counter[0] > before):
        counter[1] += len(text)
    return text


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, no globals, few filters, and `*` that cannot blow up."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("the ** operator is not allowed in message templates")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("'%' formatting is not allowed in message templates")
        for seq, count in ((left, right), (right, left)):
            if (
                isinstance(seq, str | list | tuple)
                and isinstance(count, int)
                and len(seq) * count > _MAX_REPEAT
            ):
                raise SecurityError("'*' would build a very long text or list")
        sandbox_limits.check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)


def _make_env() -> _Sandbox:
    env = _Sandbox(
        undefined=StrictUndefined,
        autoescape=False,
        finalize=sandbox_limits.counting_finalize(_finalize),
        trim_blocks=False,  # see _standalone_tags
        lstrip_blocks=False,
        keep_trailing_newline=False,
        auto_reload=False,
        cache_size=0,
    )
    env.globals.clear()
    filters = {name: env.filters[name] for name in FILTERS if name in env.filters}
    filters["human_join"] = _human_join
    filters = sandbox_limits.guard_filters(filters)
    filters[_TRACK_FILTER] = _track
    filters[_MARK_FILTER] = _mark
    filters[_COUNT_FILTER] = _count
    env.filters = filters
    env.tests = {k: v for k, v in env.tests.items() if k not in {"callable", "sameas", "filter"}}
    return env


_ENV: Final = _make_env()

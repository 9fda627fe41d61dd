"""Reading an API's answer defensively: bounded JSON, shape checks and model validation whose errors name fields,
never values.

Both clients (Procountor, Taimer REST) decode every JSON answer with ``decode_json`` and validate it with
``validate_answer``; what does not fit raises ``MalformedAnswer``, which each client turns into its own typed error
(``ProcountorMalformedAnswer``, ``TaimerMalformedAnswerError``) with a catalogue code. The text of a
``MalformedAnswer`` says *what* was wrong and *where* (our field names, list positions, pydantic's error types), never
the values: an answer can carry personal data, and pydantic's own messages quote the input.

Limits (``AnswerLimits``): no ``NaN``/``Infinity`` and no number that overflows to infinity (``1e999999999``), no
integer longer than 40 digits, no string longer than 1,000,000 characters, no lone UTF-16 surrogate (``"\\ud800"``
is valid JSON but not text), no nesting deeper than 64 levels, no body over 64 MB, and UTF-8 only (RFC 8259).
"""

from __future__ import annotations

import json
import math
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

__all__ = [
    "DEFAULT_LIMITS",
    "AnswerLimits",
    "MalformedAnswer",
    "decode_json",
    "expect_list",
    "expect_object",
    "field_errors",
    "validate_answer",
]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class AnswerLimits:
    max_depth: int = 64
    max_string_length: int = 1_000_000
    max_integer_digits: int = 40
    max_body_bytes: int = 64 * 1024 * 1024


DEFAULT_LIMITS = AnswerLimits()
# At most this many failing fields are named in one error text.
MAX_FIELDS_NAMED = 10


class MalformedAnswer(ValueError):
    """An answer that is not what the API promises. ``reason`` and ``fields`` name no input value."""

    def __init__(self, reason: str, *, fields: tuple[str, ...] = ()) -> None:
        self.reason = reason
        self.fields = fields
        named = f": {', '.join(fields[:MAX_FIELDS_NAMED])}" if fields else ""
        more = f" and {len(fields) - MAX_FIELDS_NAMED} more" if len(fields) > MAX_FIELDS_NAMED else ""
        super().__init__(f"{reason}{named}{more}")


def _reject_constant(name: str) -> Any:
    raise MalformedAnswer("the answer holds a number that is not finite (NaN or Infinity)")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MalformedAnswer("the answer holds a number too large to represent")
    return value


def _int_parser(limits: AnswerLimits) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if len(text.lstrip("-")) > limits.max_integer_digits:
            raise MalformedAnswer(f"the answer holds an integer of more than {limits.max_integer_digits} digits")
        return int(text)

    return parse


def _is_text(value: str) -> bool:
    """False when ``value`` holds a lone surrogate (JSON's ``\\ud800`` escape): not encodable, so not text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check(data: Any, limits: AnswerLimits) -> None:
    """Walk the decoded answer (iteratively: the depth is the thing being bounded) and enforce the limits."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if len(value) > limits.max_string_length:
                raise MalformedAnswer(f"the answer holds a string longer than {limits.max_string_length} characters")
            if not _is_text(value):
                raise MalformedAnswer("the answer holds a string that is not valid text (a lone surrogate)")
        elif isinstance(value, dict | list):
            if depth > limits.max_depth:
                raise MalformedAnswer(f"the answer nests deeper than {limits.max_depth} levels")
            if isinstance(value, dict):
                stack.extend((key, depth) for key in value)
                stack.extend((item, depth + 1) for item in value.values())
            else:
                stack.extend((item, depth + 1) for item in value)


def decode_json(content: bytes | str, limits: AnswerLimits = DEFAULT_LIMITS) -> Any:
    """The JSON document in ``content`` (bytes are decoded as UTF-8), within ``limits``; ``MalformedAnswer`` if it
    is not one."""
    if isinstance(content, bytes | bytearray):
        if len(content) > limits.max_body_bytes:
            raise MalformedAnswer(f"the answer is larger than {limits.max_body_bytes} bytes")
        try:
            text = bytes(content).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MalformedAnswer("the answer is not UTF-8 text") from None
    else:
        text = content
    if not text.strip():
        raise MalformedAnswer("the answer is empty where a JSON document was expected")
    try:
        data = json.loads(
            text, parse_constant=_reject_constant, parse_float=_parse_float, parse_int=_int_parser(limits)
        )
    except MalformedAnswer:
        raise
    except RecursionError:
        raise MalformedAnswer(f"the answer nests deeper than {limits.max_depth} levels") from None
    except ValueError:
        raise MalformedAnswer("the answer is not valid JSON") from None
    _check(data, limits)
    return data


def expect_object(data: Any, what: str) -> Mapping[str, Any]:
    """``data`` if it is a JSON object, else ``MalformedAnswer`` naming ``what`` (our name for it)."""
    if not isinstance(data, Mapping):
        raise MalformedAnswer(f"{what} is a {_kind(data)} where an object was expected")
    return data


def expect_list(data: Any, what: str) -> list[Any]:
    """``data`` if it is a JSON array, else ``MalformedAnswer`` naming ``what``."""
    if not isinstance(data, list):
        raise MalformedAnswer(f"{what} is a {_kind(data)} where a list was expected")
    return data


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


@lru_cache(maxsize=256)
def _field_names(model: type[BaseModel]) -> frozenset[str]:
    """Every field name and alias of ``model`` and of the models nested in its fields: the only strings of a
    validation error's location that are ours (any other is a key from the answer)."""
    names: set[str] = set()
    seen: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = [model]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, info in current.model_fields.items():
            names.add(name)
            for alias in (info.alias, info.validation_alias, info.serialization_alias):
                if isinstance(alias, str):
                    names.add(alias)
            if current.model_config.get("alias_generator") is not None:
                generator = current.model_config["alias_generator"]
                alias = generator(name) if callable(generator) else None
                if isinstance(alias, str):
                    names.add(alias)
            todo.extend(_models_in(info.annotation))
    return frozenset(names)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            found.append(item)
        elif isinstance(item, types.UnionType) or typing.get_origin(item) is not None:
            stack.extend(typing.get_args(item))
    return found


def field_errors(
    exc: ValidationError, model: type[BaseModel] | None = None, *, whole: str = "(answer)"
) -> tuple[str, ...]:
    """``"location (error type)"`` per failing field of ``exc``, from ``loc`` and ``type`` only (pydantic's
    messages quote the input). Location parts that are not field names of ``model`` (keys taken from the answer)
    are shown as ``?``; an error about the whole value is located at ``whole``."""
    known = _field_names(model) if model is not None else frozenset()
    out: set[str] = set()
    for error in exc.errors(include_input=False, include_url=False, include_context=False):
        parts = []
        for part in error.get("loc", ()):
            if isinstance(part, int):
                parts.append(str(part))
            else:
                parts.append(part if part in known else "?")
        out.add(f"{'.'.join(parts) or whole} ({error.get('type')})")
    return tuple(sorted(out))


def validate_answer(model: type[M], data: Any) -> M:
    """``model.model_validate(data)``, with a failure raised as ``MalformedAnswer`` naming the failing fields."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise MalformedAnswer(f"the answer does not fit {model.__name__}", fields=field_errors(exc, model)) from None
    except RecursionError:
        raise MalformedAnswer(f"the answer nests too deep for {model.__name__}") from None

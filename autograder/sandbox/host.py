"""The student's side of the protocol: runs cells and answers calls against a namespace.

Used by the sandboxed worker and, in-process, by the self-check inside a student's notebook.
Everything here runs next to student code and is therefore never trusted by the grader: it only
produces plain data that the grader checks.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from .codec import HandleRef, RemoteException
from .views import CURRENT, explain_failure

MISSING = "MissingName"


def describe_exception(exc: BaseException, skip_frames: int = 1) -> RemoteException:
    """Type, message and a short traceback of the student's own frames."""
    frames = traceback.extract_tb(exc.__traceback__)[skip_frames:]
    text = "".join(traceback.format_list(frames[-8:]))
    return RemoteException(type(exc).__name__, _safe_str(exc), text)


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)[:4000]
    except Exception:
        return "<message could not be printed>"


class Host:
    """Holds the student's namespace and the objects handed out as handles."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        self.handles: dict[int, Any] = {}
        self._next = 1

    def handle_for(self, obj: Any) -> HandleRef:
        ref = self._next
        self._next += 1
        self.handles[ref] = obj
        return HandleRef(ref)

    def resolve_handle(self, ref: int) -> Any:
        if ref not in self.handles:
            raise LookupError(f"unknown handle {ref}")
        return self.handles[ref]

    def release(self, refs: list[int]) -> None:
        for ref in refs:
            self.handles.pop(ref, None)

    def _target(self, target: dict[str, Any]) -> Any:
        if "handle" in target:
            obj = self.resolve_handle(target["handle"])
        else:
            name = target["name"]
            if name not in self.namespace:
                raise NameError(f"`{name}` is not defined in your notebook")
            obj = self.namespace[name]
        attr = target.get("attr")
        return getattr(obj, attr) if attr else obj

    def has(self, name: str) -> bool:
        return name in self.namespace

    def get(self, target: dict[str, Any]) -> Any:
        try:
            return self._target(target)
        except NameError as exc:
            return RemoteException(MISSING, str(exc))
        except Exception as exc:
            return describe_exception(exc)

    def call(self, target: dict[str, Any], args: list[Any], kwargs: dict[str, Any],
             return_inputs: bool) -> Any:
        """Call into student code; the result (or exception) comes back as plain data."""
        try:
            fn = self._target(target)
        except NameError as exc:
            return RemoteException(MISSING, str(exc))
        except Exception as exc:
            return describe_exception(exc)
        CURRENT.function = target.get("name") or target.get("attr") or "a method of your object"
        CURRENT.refused = None
        try:
            value = fn(*args, **kwargs)
        except BaseException as exc:  # SystemExit from student code is data too
            withheld = explain_failure(exc)
            value = describe_exception(withheld or exc)
        finally:
            CURRENT.function = None
        return [value, list(args), kwargs] if return_inputs else value

    def evaluate(self, expression: str, bindings: dict[str, Any]) -> Any:
        scope = dict(self.namespace)
        scope.update(bindings)
        try:
            return eval(expression, scope)  # test-authored expression, run next to student code
        except Exception as exc:
            return describe_exception(exc)

    def dispatch(self, op: str, a: dict[str, Any]) -> Any:
        """Answer one request from the grader (cells are run by the worker, not here)."""
        if op == "call":
            return self.call(a["target"], a["args"], a["kwargs"], a["inputs"])
        if op == "get":
            return self.get(a["target"])
        if op == "has":
            return self.has(a["name"])
        if op == "evaluate":
            return self.evaluate(a["expression"], a["bindings"])
        if op == "release":
            self.release(a["refs"])
            return None
        if op == "ping":
            return "pong"
        raise ValueError(f"unknown operation {op!r}")

    def callback_wrapper(self, invoke: Callable[[int, tuple, dict], Any]) -> Callable[[int], Any]:
        """Make grader-side callbacks look like ordinary functions to student code."""

        def make(ref: int) -> Callable[..., Any]:
            def callback(*args: Any, **kwargs: Any) -> Any:
                return invoke(ref, args, kwargs)

            return callback

        return make

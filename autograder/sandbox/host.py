"""The student's side of the protocol: runs cells and answers calls against a namespace.

Used by the sandboxed worker and, in-process, by the self-check inside a student's notebook.
Everything here runs next to student code and is therefore never trusted by the grader: it only
produces plain data that the grader checks.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

from .codec import HandleRef, RemoteException

MISSING = "MissingName"


class ForbiddenCall(Exception):
    """Raised after a call that reached a module its question forbids."""


def _top_module(name: str | None, forbidden: tuple[str, ...]) -> str | None:
    if not name:
        return None
    for mod in forbidden:
        if name == mod or name.startswith(mod + "."):
            return mod
    return None


class ForbiddenMonitor:
    """Watches a call with a profile hook and remembers the first forbidden function it reached."""

    def __init__(self, forbidden: list[str]) -> None:
        self.forbidden = tuple(forbidden)
        self.violation: tuple[str, str] | None = None  # (forbidden module, where it was reached)
        self.paused = 0

    def _hook(self, frame: Any, event: str, arg: Any) -> None:
        if self.violation is not None or self.paused:
            return
        if event == "call":
            module = frame.f_globals.get("__name__")
            top = _top_module(module, self.forbidden)
            if top:
                self.violation = (top, f"{module}.{frame.f_code.co_name}")
        elif event == "c_call":
            module = getattr(arg, "__module__", None)
            owner = getattr(arg, "__self__", None)
            if not module and owner is not None:
                module = getattr(owner, "__name__", None) or type(owner).__module__
            top = _top_module(module if isinstance(module, str) else None, self.forbidden)
            if top:
                self.violation = (top, f"{module}.{getattr(arg, '__name__', '?')}")

    def __enter__(self) -> ForbiddenMonitor:
        if self.forbidden:
            sys.setprofile(self._hook)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.forbidden:
            sys.setprofile(None)


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
        self.monitor: ForbiddenMonitor | None = None

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
             forbidden: list[str], return_inputs: bool) -> Any:
        """Call into student code; the result (or exception) comes back as plain data."""
        try:
            fn = self._target(target)
        except NameError as exc:
            return RemoteException(MISSING, str(exc))
        except Exception as exc:
            return describe_exception(exc)
        self.monitor = ForbiddenMonitor(forbidden)
        try:
            with self.monitor:
                value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - SystemExit from student code is data too
            value = describe_exception(exc)
        monitor, self.monitor = self.monitor, None
        if monitor.violation:
            module, where = monitor.violation
            value = RemoteException("ForbiddenCall", f"{module}\n{where}")
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
            return self.call(a["target"], a["args"], a["kwargs"], a["forbidden"], a["inputs"])
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
                monitor = self.monitor
                if monitor:
                    monitor.paused += 1
                try:
                    return invoke(ref, args, kwargs)
                finally:
                    if monitor:
                        monitor.paused -= 1

            return callback

        return make

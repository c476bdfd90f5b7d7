"""The `student` object that tests receive: the student's notebook, reached only through plain data.

Tests call `student.stft(y, n_fft=512)` whatever runs behind it: a sandboxed worker (grading), a
bare worker (`--sandbox none`) or the student's own live kernel (self-check in the notebook). The
transport decides where the call goes; this module is the same for all of them.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from typing import Any

from ..sandbox.codec import (
    CallbackRef,
    CodecError,
    Decoder,
    Encoded,
    HandleRef,
    RemoteException,
    encode,
)
from ..sandbox.transport import Transport, run_callback
from ..sandbox.views import ModuleWithheld


class StudentError(Exception):
    """An exception raised by the student's code (also an instance of the matching builtin)."""

    type_name: str = "Exception"
    student_traceback: str = ""


class MissingName(AssertionError):
    """The notebook does not define a name that a test needs."""


class ForbiddenCallError(AssertionError):
    """The student's function reached a module its question forbids."""


@functools.cache
def _builtin_error_class(builtin: type[Exception]) -> type[StudentError]:
    """One class per builtin exception type: a bounded set, so it may live as long as the grader."""
    return type(builtin.__name__, (StudentError, builtin), {"type_name": builtin.__name__})


def student_exception(remote: RemoteException) -> StudentError:
    """Rebuild a student's exception so that `pytest.raises(ValueError)` works across the boundary.

    A name of the student's own choosing gets a class of its own that dies with the exception:
    nothing keyed by a student's text outlives the submission (the codec bounds the name)."""
    builtin = getattr(builtins, remote.type_name, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception) and builtin is not Exception:
        cls = _builtin_error_class(builtin)
    else:
        cls = type(remote.type_name, (StudentError,), {"type_name": remote.type_name})
    exc = cls(remote.message)
    exc.student_traceback = remote.traceback
    return exc


class StudentProxy:
    """Proxy to the student's namespace. Attribute access gives callables: `student.stft(...)`."""

    def __init__(self, transport: Transport, call_timeout: float | None = 60.0) -> None:
        self._transport = transport
        self._callbacks: dict[int, Callable[..., Any]] = {}
        self.forbidden: list[str] = []
        self.question: str | None = None
        self.call_timeout = call_timeout
        self.last_call_seconds = 0.0
        self.static_uses: dict[str, dict[str, str]] = {}
        self.incidents: list[str] = []
        self.called: set[str] = set()  # notebook names the current test called (for scoring)

    def __getattr__(self, name: str) -> Function:
        if name.startswith("_"):
            raise AttributeError(name)
        return Function(self, {"name": name}, name)

    def __repr__(self) -> str:
        return "<student notebook>"

    # -- what tests use -------------------------------------------------------------------------
    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call a function of the notebook by name."""
        return self._call({"name": name}, name, args, kwargs)

    def call_with_inputs(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, list, dict]:
        """Call, and also return the arguments as the student's code left them (to catch mutation)."""
        value, args_after, kwargs_after = self._call({"name": name}, name, args, kwargs, inputs=True)
        return value, args_after, kwargs_after

    def get(self, name: str) -> Any:
        """A notebook global as plain data (or a Handle when it cannot be sent as data)."""
        return self._result(name, self._request("get", {"target": {"name": name}}))

    def has(self, name: str) -> bool:
        return bool(self._request("has", {"name": name}))

    def evaluate(self, expression: str, **bindings: Any) -> Any:
        """Evaluate an expression next to the student's code, e.g. counting a model's parameters."""
        value = self._request("evaluate", {"expression": expression, "bindings": bindings})
        return self._result(expression, value)

    @contextlib.contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Allow calls inside the block to run up to `seconds` each."""
        previous, self.call_timeout = self.call_timeout, seconds
        try:
            yield
        finally:
            self.call_timeout = previous

    # -- plumbing -------------------------------------------------------------------------------
    def _call(self, target: dict, label: str, args: tuple, kwargs: dict, inputs: bool = False) -> Any:
        if "name" in target:
            self.called.add(target["name"])
        self._check_static(target.get("name"))
        request = {"target": target, "args": list(args), "kwargs": kwargs,
                   "inputs": inputs}
        start = time.perf_counter()
        value = self._request("call", request)
        self.last_call_seconds = time.perf_counter() - start
        if inputs and isinstance(value, list) and len(value) == 3:
            return [self._result(label, value[0]), value[1], value[2]]
        return self._result(label, value)

    def _check_static(self, name: str | None) -> None:
        """Fail fast when the notebook's source shows `name` using a forbidden module."""
        uses = self.static_uses.get(name or "", {})
        for module in self.forbidden:
            if module in uses:
                where = f" in question `{self.question}`" if self.question else ""
                raise ForbiddenCallError(f"`{name}` uses {uses[module]}, but {module} may not be "
                                         f"used{where}: implement it with NumPy")

    def _result(self, label: str, value: Any) -> Any:
        if isinstance(value, RemoteException):
            if value.type_name == "MemoryError":
                self.incidents.append("memory")
            if value.type_name == "MissingName":
                raise MissingName(value.message)
            if value.type_name == ModuleWithheld.__name__:  # a withheld package's stand-in
                first = value.message.split(" ", 1)[0]
                module = first if first.isidentifier() else "a withheld module"
                where = f" in question `{self.question}`" if self.question else ""
                raise ForbiddenCallError(
                    f"`{label}` used {module}, but {module} may not be used{where}: implement it "
                    f"with NumPy ({value.message[:200]})")
            raise student_exception(value)
        return value

    def _request(self, op: str, args: dict[str, Any]) -> Any:
        return self._transport.request(op, self._encode(args), self.call_timeout,
                                       self._serve_callback, self._decode)

    def _decode(self, tree: Any, buffers: list[bytes]) -> Any:
        return self.decoder(buffers).decode(tree)

    def _serve_callback(self, ref: int, tree: Any, buffers: list[bytes]) -> Encoded:
        payload = self.decoder(buffers).decode(tree)
        return self._encode(run_callback(self._callbacks, ref, payload))

    def _encode(self, value: Any) -> Encoded:
        def fallback(obj: Any) -> Any:
            if isinstance(obj, Handle):
                return HandleRef(obj._ref)
            if callable(obj):
                ref = len(self._callbacks) + 1
                self._callbacks[ref] = obj
                return CallbackRef(ref)
            raise CodecError(f"tests cannot send a {type(obj).__name__} to the student's code")

        return encode(value, fallback=fallback)

    def decoder(self, buffers: list[bytes]) -> Decoder:
        return Decoder(buffers, on_handle=lambda ref: Handle(self, ref))


class Function:
    """A callable that forwards to a name (or a handle's attribute) in the student's namespace."""

    def __init__(self, student: StudentProxy, target: dict[str, Any], label: str) -> None:
        self._student = student
        self._target = target
        self._label = label

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._student._call(self._target, self._label, args, kwargs)

    def __repr__(self) -> str:
        return f"<student function {self._label}>"


class Handle:
    """An object that stays in the student's process; attributes and calls go back there."""

    def __init__(self, student: StudentProxy, ref: int) -> None:
        self._student = student
        self._ref = ref

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        target = {"handle": self._ref, "attr": attr}
        return self._student._result(attr, self._student._request("get", {"target": target}))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._student._call({"handle": self._ref}, "object", args, kwargs)

    def __repr__(self) -> str:
        return f"<student object #{self._ref}>"

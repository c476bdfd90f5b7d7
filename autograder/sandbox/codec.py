"""The strict codec: the only way values cross the trust boundary.

A value becomes a JSON tree plus a list of raw byte buffers. Only plain data is representable:
None, bool, int, float, complex, str, bytes, list, tuple, dict (one whose keys are all str as a
JSON object, `{"$o": {...}}`, any other as key-value pairs, `{"$d": [[k, v], ...]}`), NumPy
arrays and scalars of numeric/bool dtypes (torch tensors travel as arrays), exceptions as (type
name, message), and two kinds of reference: a *handle* to an object that stays in the worker and
a *callback* to a function that stays in the grader. Decoding never imports, evaluates or
unpickles anything, and checks every size before it allocates.

Decoding costs time linear in the message. The one place where Python itself is not linear is a
dict whose keys all hash alike: ints, floats, tuples and the like hash the same in every process
(`hash(k * (2**61 - 1)) == 0`), so a crafted reply of n such keys would cost n**2 comparisons.
Rule: a message carries at most `max_hashed_keys` dict keys that are not str (in total, over all
its dicts). str keys are hashed with SipHash over all 64 bits: many full collisions cannot be
crafted even when the seed is known, while ints collide by arithmetic. Both sides apply the
rule, so an honest worker reports an oversized dict as an encoding error and a hostile one is
refused by the grader's decoder before the dict is built.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ALLOWED_DTYPES = frozenset(
    ["b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"]
)


class CodecError(ValueError):
    """A value that cannot be encoded, or a payload that breaks the rules."""


@dataclass(frozen=True)
class CodecLimits:
    """Bounds on one message; checked before anything is allocated."""

    max_bytes: int = 512 * 1024 * 1024
    max_nodes: int = 2_000_000
    max_depth: int = 64
    max_str: int = 16 * 1024 * 1024
    max_int_digits: int = 400  # str-to-int is quadratic in the digits: keep each one cheap
    max_hashed_keys: int = 1000  # dict keys other than str, per message (see the module's note)
    max_type_name: int = 200  # an exception's type name
    max_message: int = 20000  # an exception's message and traceback, each


DEFAULT_LIMITS = CodecLimits()
# An int of d decimal digits has fewer than d * log2(10) + 1 bits: checked by bit length, so an
# oversized int is refused before str() spends quadratic time on it.
BITS_PER_DECIMAL_DIGIT = math.log2(10)


def _hashed_key(key: Any) -> bool:
    """Whether `key` counts against `max_hashed_keys`: collisions of its hash can be crafted."""
    return type(key) is not str


@dataclass(frozen=True)
class HandleRef:
    """A reference to an object that lives in the worker."""

    id: int


@dataclass(frozen=True)
class CallbackRef:
    """A reference to a function that lives in the grader."""

    id: int


@dataclass(frozen=True)
class RemoteException:
    """An exception raised on the other side, reduced to plain text."""

    type_name: str
    message: str
    traceback: str = ""


@dataclass
class Encoded:
    """One encoded message: its JSON tree and the raw buffers the tree points into."""

    tree: Any
    buffers: list[bytes] = field(default_factory=list)


# Each allowed code's dtype on the wire (little-endian) and in memory here (native order).
WIRE_DTYPES = {code: np.dtype("?" if code == "b1" else "<" + code) for code in ALLOWED_DTYPES}
NATIVE_DTYPES = {code: dtype.newbyteorder("=") for code, dtype in WIRE_DTYPES.items()}


@functools.lru_cache(maxsize=256)
def _dtype_code(dtype: np.dtype) -> str | None:
    """Cached: the tests' calls send and receive the same few dtypes hundreds of times."""
    code = f"{dtype.kind}{dtype.itemsize}"
    if dtype.kind == "b":
        code = "b1"
    return code if code in ALLOWED_DTYPES else None


def _as_array(value: Any) -> np.ndarray | None:
    """Plain ndarray view of arrays, NumPy scalars and torch tensors; None otherwise."""
    if isinstance(value, np.ndarray | np.generic):
        return np.array(value, copy=True, subok=False)
    module = type(value).__module__ or ""
    if module.startswith("torch") and type(value).__name__ in {"Tensor", "Parameter"}:
        tensor = value.detach().cpu()
        if tensor.is_complex() or tensor.dtype.is_floating_point or not tensor.is_floating_point():
            return np.array(tensor.resolve_conj().numpy(), copy=True)
    return None


class Encoder:
    """Encodes one message; `fallback` decides what to do with values that are not plain data."""

    def __init__(
        self,
        fallback: Callable[[Any], HandleRef | CallbackRef] | None = None,
        limits: CodecLimits = DEFAULT_LIMITS,
    ) -> None:
        self.fallback = fallback
        self.limits = limits
        self.buffers: list[bytes] = []
        self.nodes = 0
        self.total = 0
        self.hashed_keys = 0

    def encode(self, value: Any) -> Encoded:
        tree = self._enc(value, 0)
        return Encoded(tree, self.buffers)

    def _count(self, nbytes: int = 0) -> None:
        self.nodes += 1
        self.total += nbytes
        if self.nodes > self.limits.max_nodes:
            raise CodecError(f"value has more than {self.limits.max_nodes} parts")
        if self.total > self.limits.max_bytes:
            raise CodecError(f"value is larger than {self.limits.max_bytes} bytes")

    def _buffer(self, data: bytes) -> int:
        self._count(len(data))
        self.buffers.append(data)
        return len(self.buffers) - 1

    def _enc(self, v: Any, depth: int) -> Any:
        if depth > self.limits.max_depth:
            raise CodecError(f"value is nested deeper than {self.limits.max_depth} levels")
        exact = _BY_TYPE.get(type(v))
        if exact is not None:  # plain data, by exact type: a subclass's overrides never run
            return exact(self, v, depth)
        return self._other(v, depth)

    def _other(self, v: Any, depth: int) -> Any:
        if isinstance(v, HandleRef | CallbackRef | RemoteException):
            return self._reference(v)
        array = _as_array(v)
        if array is not None and _dtype_code(array.dtype) is not None:
            return self._array(v, array)
        if isinstance(v, BaseException):
            self._count()
            return {"$e": [type(v).__name__[:self.limits.max_type_name],
                           str(v)[:self.limits.max_message], ""]}
        plain = self._plain_subclass(v)
        if plain is not None:
            return self._enc(plain, depth)
        if self.fallback is None:
            raise CodecError(f"a value of type {type(v).__name__} cannot cross the boundary")
        return self._enc(self.fallback(v), depth)

    def _as_is(self, v: Any, _depth: int) -> Any:
        self._count()
        return v

    def _int(self, v: int, _depth: int) -> Any:
        self._count()
        if v.bit_length() > self.limits.max_int_digits * BITS_PER_DECIMAL_DIGIT:
            raise CodecError("integer is too large")
        return v if abs(v) < 2**53 else {"$i": str(v)}

    def _float(self, v: float, _depth: int) -> Any:
        self._count()
        return v if math.isfinite(v) else {"$f": repr(v)}

    def _complex(self, v: complex, _depth: int) -> Any:
        self._count()
        return {"$c": [repr(v.real), repr(v.imag)]}

    def _str(self, v: str, _depth: int) -> Any:
        self._count(len(v))
        if len(v) > self.limits.max_str:
            raise CodecError("string is too long")
        return v

    def _bytes(self, v: bytes | bytearray, _depth: int) -> Any:
        return {"$b": self._buffer(bytes(v))}

    def _list(self, v: list, depth: int) -> Any:
        self._count()
        return [self._enc(x, depth + 1) for x in v]

    def _tuple(self, v: tuple, depth: int) -> Any:
        self._count()
        return {"$t": [self._enc(x, depth + 1) for x in v]}

    def _dict(self, v: dict, depth: int) -> Any:
        self._count()
        if all(type(k) is str for k in v):  # the common case, and every message's envelope
            for k in v:
                self._str(k, depth)
            return {"$o": {k: self._enc(x, depth + 1) for k, x in v.items()}}
        self.hashed_keys += sum(map(_hashed_key, v))
        if self.hashed_keys > self.limits.max_hashed_keys:
            raise CodecError(f"dicts have more than {self.limits.max_hashed_keys} keys that "
                             "are not strings")
        return {"$d": [[self._enc(k, depth + 1), self._enc(x, depth + 1)] for k, x in v.items()]}

    def _reference(self, v: HandleRef | CallbackRef | RemoteException) -> Any:
        self._count()
        if isinstance(v, HandleRef):
            return {"$h": v.id}
        if isinstance(v, CallbackRef):
            return {"$cb": v.id}
        return {"$e": [v.type_name[:self.limits.max_type_name], v.message[:self.limits.max_message],
                       v.traceback[:self.limits.max_message]]}

    def _array(self, v: Any, array: np.ndarray) -> Any:
        code = _dtype_code(array.dtype)
        wire = WIRE_DTYPES[code]
        data = (array if array.dtype == wire else array.astype(wire)).tobytes()  # C order
        meta = {"dtype": code, "shape": list(array.shape)}
        if isinstance(v, np.generic):
            meta["scalar"] = True
        meta["buf"] = self._buffer(data)
        return {"$a": meta}

    def _ndarray(self, v: np.ndarray, depth: int) -> Any:
        """An exact ndarray or NumPy scalar, the tests' usual value: no defensive copy before
        `tobytes` (which copies), and no other type's checks on the way."""
        if _dtype_code(v.dtype) is None:  # e.g. an object array: what the fallback makes of it
            return self._other(v, depth)
        return self._array(v, v if type(v) is np.ndarray else np.asarray(v))

    @staticmethod
    def _plain_subclass(v: Any) -> Any:
        """Subclasses of plain types become their base value; their overrides stay behind."""
        for base, convert in _BASE_CONVERTERS:
            if isinstance(v, base):
                return convert(v)
        return None


_BY_TYPE: dict[type, Callable[[Encoder, Any, int], Any]] = {
    type(None): Encoder._as_is, bool: Encoder._as_is, int: Encoder._int, float: Encoder._float,
    complex: Encoder._complex, str: Encoder._str, bytes: Encoder._bytes,
    bytearray: Encoder._bytes, list: Encoder._list, tuple: Encoder._tuple, dict: Encoder._dict,
    np.ndarray: Encoder._ndarray,
    **{type(dtype.type(0)): Encoder._ndarray for dtype in WIRE_DTYPES.values()},  # NumPy scalars
}

_BASE_CONVERTERS: list[tuple[type, Callable[[Any], Any]]] = [
    (int, int.__int__),
    (float, float.__float__),
    (complex, lambda v: complex(float.__float__(v.real), float.__float__(v.imag))),
    (str, str.__str__),
    (bytes, lambda v: bytes(memoryview(v))),
    (list, lambda v: list(list.__iter__(v))),
    (tuple, lambda v: tuple(tuple.__iter__(v))),
    (dict, lambda v: dict(dict.items(v))),
]

def encode(value: Any, fallback: Callable[[Any], Any] | None = None,
           limits: CodecLimits = DEFAULT_LIMITS) -> Encoded:
    return Encoder(fallback, limits).encode(value)


class Decoder:
    """Decodes one message; `on_handle`/`on_callback` turn references into local objects."""

    def __init__(
        self,
        buffers: list[bytes],
        on_handle: Callable[[int], Any] | None = None,
        on_callback: Callable[[int], Any] | None = None,
        limits: CodecLimits = DEFAULT_LIMITS,
    ) -> None:
        self.buffers = buffers
        self.on_handle = on_handle
        self.on_callback = on_callback
        self.limits = limits
        self.nodes = 0
        self.hashed_keys = 0

    def decode(self, tree: Any) -> Any:
        return self._dec(tree, 0)

    def _dec(self, n: Any, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes or depth > self.limits.max_depth:
            raise CodecError("payload is too large or too deep")
        t = type(n)
        if n is None or t in (bool, str, int, float):
            return n
        if t is list:
            return [self._dec(x, depth + 1) for x in n]
        if t is not dict or len(n) != 1:
            raise CodecError("malformed payload")
        (tag, body), = n.items()
        decode_tag = _BY_TAG.get(tag)
        if decode_tag is None:
            raise CodecError(f"unknown tag {tag!r}")
        return decode_tag(self, body, depth)

    def _tuple(self, body: Any, depth: int) -> tuple:
        return tuple(self._dec(x, depth + 1) for x in _expect(body, list))

    def _dict(self, body: Any, depth: int) -> dict:
        out = {}
        for pair in _expect(body, list):
            k, v = _expect(pair, list, 2)
            key = self._dec(k, depth + 1)
            if _hashed_key(key):
                self.hashed_keys += 1
                if self.hashed_keys > self.limits.max_hashed_keys:
                    raise CodecError("too many dictionary keys that are not strings")
            try:
                out[key] = self._dec(v, depth + 1)
            except TypeError as exc:
                raise CodecError("unhashable dictionary key") from exc
        return out

    def _object(self, body: Any, depth: int) -> dict:
        """A dict whose keys are all str: a JSON object (its keys come out of the JSON parser
        as str, and str keys count against no limit: see the module's note)."""
        return {k: self._dec(v, depth + 1) for k, v in _expect(body, dict).items()}

    def _int(self, body: Any, _depth: int) -> int:
        text = _expect(body, str)
        if len(text) > self.limits.max_int_digits:
            raise CodecError("integer is too large")
        return _number(int, text)

    def _float(self, body: Any, _depth: int) -> float:
        return _number(float, _expect(body, str))

    def _complex(self, body: Any, _depth: int) -> complex:
        re, im = _expect(body, list, 2)
        return complex(_number(float, _expect(re, str)), _number(float, _expect(im, str)))

    def _bytes(self, body: Any, _depth: int) -> bytes:
        return self._buf(body)

    def _array_tag(self, body: Any, _depth: int) -> Any:
        return self._array(_expect(body, dict))

    def _exception(self, body: Any, _depth: int) -> RemoteException:
        name, msg, tb = _expect(body, list, 3)
        for text, bound in ((name, self.limits.max_type_name), (msg, self.limits.max_message),
                            (tb, self.limits.max_message)):
            if len(_expect(text, str)) > bound:
                raise CodecError("exception text over its limit")
        return RemoteException(name, msg, tb)

    def _handle(self, body: Any, _depth: int) -> Any:
        ref = _expect(body, int)
        return self.on_handle(ref) if self.on_handle else HandleRef(ref)

    def _callback(self, body: Any, _depth: int) -> Any:
        ref = _expect(body, int)
        if self.on_callback is None:
            raise CodecError("callbacks are not accepted here")
        return self.on_callback(ref)

    def _buf(self, index: Any) -> bytes:
        index = _expect(index, int)
        if not 0 <= index < len(self.buffers):
            raise CodecError("buffer index out of range")
        return self.buffers[index]

    def _array(self, meta: dict) -> Any:
        code = _expect(meta.get("dtype"), str)
        if code not in ALLOWED_DTYPES:
            raise CodecError(f"dtype {code!r} is not allowed")
        shape = tuple(_expect(d, int) for d in _expect(meta.get("shape"), list))
        if len(shape) > 32 or any(d < 0 for d in shape):
            raise CodecError("bad array shape")
        dtype = WIRE_DTYPES[code]
        count = math.prod(shape)
        data = self._buf(meta.get("buf"))
        if count * dtype.itemsize != len(data):
            raise CodecError("array size does not match its shape")
        try:
            array = np.frombuffer(data, dtype=dtype).reshape(shape)
        except (ValueError, OverflowError) as exc:  # e.g. a dimension of 10**40 with no elements
            raise CodecError(f"bad array shape: {exc}") from None
        array = array.astype(NATIVE_DTYPES[code])
        if meta.get("scalar") is True:
            if shape != ():
                raise CodecError("scalar with a shape")
            return array[()]
        return array


_BY_TAG: dict[str, Callable[[Decoder, Any, int], Any]] = {
    "$t": Decoder._tuple, "$d": Decoder._dict, "$o": Decoder._object, "$i": Decoder._int,
    "$f": Decoder._float, "$c": Decoder._complex, "$b": Decoder._bytes, "$a": Decoder._array_tag,
    "$e": Decoder._exception, "$h": Decoder._handle, "$cb": Decoder._callback,
}


def _number(kind: Callable[[str], Any], text: str) -> Any:
    """int or float of a payload's text; text that is not a number is a `CodecError`."""
    try:
        return kind(text)
    except (ValueError, OverflowError):
        raise CodecError(f"not a number: {text[:40]!r}") from None


def _expect(value: Any, kind: type, length: int | None = None) -> Any:
    if type(value) is not kind or (length is not None and len(value) != length):
        raise CodecError("malformed payload")
    return value


def decode(tree: Any, buffers: list[bytes], **kwargs: Any) -> Any:
    return Decoder(buffers, **kwargs).decode(tree)


# One encoder, and one decoder per thread, made once: `json.dumps` and `json.loads` with options
# build a new one for every call (a third of a small header's cost). A decoder is per thread
# because its scanner calls back into Python (`_plain_int`), where another thread may run.
_HEADER_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
_header_decoders = threading.local()


def dumps_header(tree: Any) -> bytes:
    return _HEADER_ENCODER.encode(tree).encode()


def loads_header(data: bytes) -> Any:
    """Parse a frame's JSON header; any way it is not acceptable JSON is a `CodecError`."""
    decoder = getattr(_header_decoders, "decoder", None)
    if decoder is None:
        decoder = _header_decoders.decoder = json.JSONDecoder(parse_constant=_reject_constant,
                                                              parse_int=_plain_int)
    try:
        return decoder.decode(data.decode("utf-8"))
    except RecursionError:
        raise CodecError("message header is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, int digits over the limit
        raise CodecError(f"message header is not valid JSON: {str(exc)[:200]}") from None


def _plain_int(text: str) -> int:
    """A JSON integer: the encoder writes only those below 2**53 as numbers (16 digits), larger
    ones as {"$i": text}; a long literal would cost quadratic time to convert."""
    if len(text) > 20:
        raise CodecError("integer literal too long")
    return int(text)


def _reject_constant(name: str) -> Any:
    raise CodecError(f"constant {name} is not allowed in a payload")

"""The strict codec: plain data round-trips; crafted payloads are refused before allocation."""

from __future__ import annotations

import json
import os
import struct

import numpy as np
import pytest
import torch

from autograder.sandbox.channel import Channel
from autograder.sandbox.codec import (
    CodecError,
    CodecLimits,
    HandleRef,
    RemoteException,
    decode,
    dumps_header,
    encode,
    loads_header,
)


def roundtrip(value, **kwargs):
    enc = encode(value, **kwargs)
    return decode(loads_header(dumps_header(enc.tree)), enc.buffers)


@pytest.mark.parametrize("value", [
    None, True, 0, -7, 2**100, 1.5, float("inf"), 1 + 2j, "text", b"\x00\xff",
    [1, [2, (3, 4)]], {"a": 1, (1, 2): [3.0]}, (), {},
])
def test_plain_values_roundtrip(value):
    out = roundtrip(value)
    assert out == value
    assert type(out) is type(value)


@pytest.mark.parametrize("dtype", ["bool", "int8", "int64", "uint16", "float16", "float32",
                                   "float64", "complex64", "complex128"])
def test_arrays_keep_dtype_shape_and_values(dtype):
    a = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    out = roundtrip(a)
    assert out.dtype == a.dtype and out.shape == a.shape
    assert np.array_equal(out, a)
    assert out.flags.writeable


def test_numpy_scalars_torch_tensors_and_views():
    assert type(roundtrip(np.float32(2.5))) is np.float32
    t = roundtrip(torch.arange(6, dtype=torch.float64).reshape(2, 3))
    assert isinstance(t, np.ndarray) and t.dtype == np.float64
    view = np.arange(10.0)[::3]
    assert np.array_equal(roundtrip(view), view)
    assert np.array_equal(roundtrip(np.arange(4.0).astype(">f8")), np.arange(4.0))


def test_subclasses_lose_their_overrides():
    class Yes(float):
        def __eq__(self, other):
            return True

    class Rigged(np.ndarray):
        def __eq__(self, other):
            return True

    assert type(roundtrip(Yes(1.0))) is float
    out = roundtrip(np.zeros(3).view(Rigged))
    assert type(out) is np.ndarray
    assert not np.array_equal(out, np.ones(3))


def test_unencodable_values_need_a_fallback():
    with pytest.raises(CodecError):
        encode(object())
    with pytest.raises(CodecError):
        encode(np.array([object()], dtype=object))
    enc = encode([object()], fallback=lambda obj: HandleRef(42))
    assert decode(enc.tree, enc.buffers) == [HandleRef(42)]


def test_exceptions_travel_as_type_name_and_message():
    out = roundtrip(ValueError("bad n_fft"))
    assert out == RemoteException("ValueError", "bad n_fft", "")


@pytest.mark.parametrize("tree", [
    {"$a": {"dtype": "O", "shape": [1], "buf": 0}},           # object dtype
    {"$a": {"dtype": "f8", "shape": [10**6], "buf": 0}},      # size mismatch
    {"$a": {"dtype": "f8", "shape": [-1], "buf": 0}},         # negative shape
    {"$a": {"dtype": "f8", "shape": [1], "buf": 7}},          # buffer out of range
    {"$pickle": "gASVAAAAAAAAAAA="},                          # unknown tag
    {"$i": "9" * 100000},                                     # giant integer
    {"$cb": 1},                                               # callback where none allowed
    {"$d": [[[1], 2]]},                                       # unhashable key
    {"a": 1, "b": 2},                                         # plain dicts are not allowed
])
def test_crafted_payloads_are_refused(tree):
    with pytest.raises(CodecError):
        decode(tree, [b"\x00" * 8])


def test_deep_nesting_is_refused():
    tree: object = 1
    for _ in range(200):
        tree = [tree]
    with pytest.raises(CodecError):
        decode(tree, [])


def test_nan_constants_are_refused_in_headers():
    with pytest.raises(CodecError):
        loads_header(b'{"m": NaN}')


def test_oversized_frames_are_refused_before_reading():
    read_fd, write_fd = os.pipe()
    channel = Channel(read_fd, write_fd, CodecLimits(max_bytes=1024))
    header = json.dumps({"m": {"id": 1}, "b": [10**9]}).encode()
    os.write(write_fd, struct.pack(">I", len(header)) + header)
    with pytest.raises(CodecError, match="over the limit"):
        channel.recv()
    os.write(write_fd, struct.pack(">I", 2**31))
    with pytest.raises(CodecError, match="over the limit"):
        channel.recv()
    os.close(read_fd)
    os.close(write_fd)


def test_random_garbage_never_escapes_as_anything_but_codec_error():
    rng = np.random.default_rng(0)
    for _ in range(300):
        junk = rng.integers(0, 256, size=int(rng.integers(1, 64)), dtype=np.uint8).tobytes()
        try:
            tree = loads_header(junk)
            decode(tree, [])
        except (CodecError, ValueError, UnicodeDecodeError):
            pass

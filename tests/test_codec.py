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
    {"$t": [1], "$pickle": "x", "": {"b": (1, None)}},  # str keys that look like tags stay keys
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
    transposed = np.arange(6.0).reshape(2, 3).T  # Fortran order: sent in C order all the same
    assert np.array_equal(roundtrip(transposed), transposed)
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
    {"$o": [["a", 1]]},                                       # an object tag without an object
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


def test_a_small_frame_goes_out_in_one_write(monkeypatch):
    """Each write wakes the reader: a call's frame (header and arrays) must cost one wake-up."""
    read_fd, write_fd = os.pipe()
    writes = []
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: writes.append(fd) or real_write(fd, data))
    enc = encode({"args": [np.arange(5.0), np.ones((2, 3)), b"raw"]})
    Channel(read_fd, write_fd).send({"a": enc.tree}, enc.buffers)
    monkeypatch.undo()
    assert writes == [write_fd]
    os.close(read_fd)
    os.close(write_fd)


def test_frames_read_ahead_together_come_back_one_by_one():
    """The reader takes whatever the pipe holds at once; frames that arrived together, and a
    frame that arrives in pieces, still come back whole and in order."""
    read_fd, write_fd = os.pipe()
    sender, receiver = Channel(read_fd, write_fd), Channel(read_fd, write_fd, nonblocking=True)
    for n in (1, 2):
        sender.send({"id": n}, [bytes([n]) * 1000 * n])
    assert receiver.recv(deadline=None) == ({"id": 1}, [b"\x01" * 1000])
    header = dumps_header({"m": {"id": 3}, "b": [3]})
    os.write(write_fd, struct.pack(">I", len(header)) + header[:5])
    assert receiver.recv(deadline=None)[0] == {"id": 2}
    os.write(write_fd, header[5:] + b"end")
    assert receiver.recv(deadline=None) == ({"id": 3}, [b"end"])
    os.close(read_fd)
    os.close(write_fd)


TAGS = ["$t", "$d", "$o", "$i", "$f", "$c", "$b", "$a", "$e", "$h", "$cb", "$pickle"]
TEXTS = ["", "0", "-12", "1e999", "nan", "1_0", "x", "9" * 5000, "é", "$t", " 3 "]
INTS = [0, 1, -1, 2, 7, 2**31, 2**62, -(2**61 - 1) * 3, 10**40]


def random_tree(rng: np.random.Generator, depth: int = 0) -> object:
    """A JSON value of the codec's own shapes, right or subtly wrong: every part of the decoder
    is reached (tags, pairs, array metadata, buffers), not only the JSON parser."""
    kind = int(rng.integers(0, 6 if depth > 5 else 16))

    def pick(items: list) -> object:
        return items[int(rng.integers(len(items)))]

    if kind == 0:
        return None
    if kind == 1:
        return bool(rng.integers(2))
    if kind == 2:
        return pick(INTS)
    if kind == 3:
        return float(rng.normal())
    if kind == 4:
        return pick(TEXTS)
    if kind == 5:
        return [random_tree(rng, depth + 1) for _ in range(int(rng.integers(0, 4)))]
    tag = pick(TAGS)
    shaped = {
        "$t": lambda: [random_tree(rng, depth + 1) for _ in range(int(rng.integers(0, 3)))],
        "$d": lambda: [[random_tree(rng, depth + 1), random_tree(rng, depth + 1)]
                       for _ in range(int(rng.integers(0, 3)))],
        "$o": lambda: {pick(TEXTS): random_tree(rng, depth + 1)
                       for _ in range(int(rng.integers(0, 3)))},
        "$i": lambda: pick(TEXTS), "$f": lambda: pick(TEXTS),
        "$c": lambda: [pick(TEXTS), pick(TEXTS)],
        "$b": lambda: pick(INTS),
        "$a": lambda: {"dtype": pick(["f8", "i4", "b1", "O", "c16", 3]),
                       "shape": [pick(INTS) for _ in range(int(rng.integers(0, 3)))],
                       "buf": pick(INTS), "scalar": pick([True, False, None])},
        "$e": lambda: [pick(TEXTS) for _ in range(int(rng.integers(2, 5)))],
        "$h": lambda: pick(INTS), "$cb": lambda: pick(INTS), "$pickle": lambda: pick(TEXTS),
    }[tag]
    body = shaped() if rng.integers(4) else random_tree(rng, depth + 1)
    return {tag: body} if rng.integers(8) else {tag: body, "extra": 1}


def test_fuzzed_payloads_reach_the_decoder_and_fail_only_as_codec_error():
    """Structurally valid frames with random codec trees: every one is parsed and decoded, and
    decoding either succeeds or raises CodecError, never anything else."""
    rng = np.random.default_rng(0)
    decoded = refused = 0
    for _ in range(3000):
        tree = random_tree(rng)
        buffers = [bytes(int(rng.integers(0, 24))) for _ in range(int(rng.integers(0, 3)))]
        header = dumps_header({"m": {"r": tree}, "b": [len(b) for b in buffers]})
        read_fd, write_fd = os.pipe()  # a fresh stream: a refused header leaves its buffers
        try:
            os.write(write_fd, struct.pack(">I", len(header)) + header + b"".join(buffers))
            message, received = Channel(read_fd, write_fd).recv(deadline=None)
            decode(message["r"], received)
            decoded += 1
        except CodecError:
            refused += 1
        finally:
            os.close(read_fd)
            os.close(write_fd)
    assert decoded > 300 and refused > 300  # both outcomes are exercised, not just one

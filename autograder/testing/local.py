"""In-process transport: the student's live kernel answers the tests (self-check in the notebook).

Values still pass through the codec both ways, so the student's code gets copies, results come back
as plain data, and a test sees exactly what it would see when graded in the sandbox.
"""

from __future__ import annotations

from typing import Any

from ..sandbox.codec import Decoder, Encoded, RemoteException, encode
from ..sandbox.host import Host
from .student import CallbackServer


class LocalTransport:
    def __init__(self, namespace: dict[str, Any]) -> None:
        self.host = Host(namespace)

    def request(self, op: str, args: Encoded, timeout: float | None,
                serve_callback: CallbackServer) -> tuple[Any, list[bytes]]:
        def invoke(ref: int, cb_args: tuple, cb_kwargs: dict) -> Any:
            enc = encode([list(cb_args), cb_kwargs], fallback=self.host.handle_for)
            reply = serve_callback(ref, enc.tree, enc.buffers)
            value = Decoder(reply.buffers, on_handle=self.host.resolve_handle).decode(reply.tree)
            if isinstance(value, RemoteException):
                raise RuntimeError(f"the test's helper function failed: {value.message}")
            return value

        decoded = Decoder(args.buffers, on_handle=self.host.resolve_handle,
                          on_callback=self.host.callback_wrapper(invoke)).decode(args.tree)
        value = self.host.dispatch(op, decoded)
        try:
            out = encode(value, fallback=self.host.handle_for)
        except Exception as exc:  # noqa: BLE001 - same message the sandbox would give
            out = encode(RemoteException("EncodingError", f"the value could not be sent back: {exc}"))
        return out.tree, out.buffers

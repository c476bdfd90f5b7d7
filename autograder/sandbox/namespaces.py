"""The few Linux calls the warm template needs (through ctypes; Python 3.11 has no os.unshare).

Used only inside the bubblewrap sandbox, by trusted code, before any student code runs.
"""

from __future__ import annotations

import ctypes
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_BIND = 4096
MS_REC = 16384
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_SET_PDEATHSIG = 1
_CAP_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def map_ids_to_self(uid: int, gid: int) -> None:
    """After unshare(CLONE_NEWUSER): be the same uid/gid in the new user namespace."""
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"{gid} {gid} 1")


def mount_tmpfs(target: str, size_bytes: int, read_only: bool = False) -> None:
    options = f"size={size_bytes},mode=0755".encode()
    flags = MS_NOSUID | MS_NODEV | (MS_RDONLY if read_only else 0)
    _check(_libc.mount(b"tmpfs", target.encode(), b"tmpfs", flags, options),
           f"mount tmpfs on {target}")


def bind_mount(source: str, target: str) -> None:
    """A bind mount in our own mount namespace (read-only sources stay read-only: locked)."""
    _check(_libc.mount(source.encode(), target.encode(), None, MS_BIND | MS_REC, None),
           f"bind {source} on {target}")


def prctl(option: int, value: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), f"prctl({option})")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """No capabilities left in any set: the private mounts can no longer be undone."""
    header = _CapHeader(_CAP_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), ctypes.byref(data)), "capset")
    prctl(PR_SET_NO_NEW_PRIVS, 1)

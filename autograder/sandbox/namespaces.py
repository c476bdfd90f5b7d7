"""The few Linux calls the warm template needs (through ctypes; Python 3.11 has no os.unshare).

Used only inside the bubblewrap sandbox, by trusted code, before any student code runs.
"""

from __future__ import annotations

import ctypes
import os
import platform

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
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
# System V IPC per architecture: (audit arch, syscall numbers of shmget, msgget, semget)
_SYSV_IPC = {"x86_64": (0xC000003E, (29, 68, 64)), "aarch64": (0xC00000B7, (194, 186, 190))}

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


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def deny_sysv_ipc() -> bool:
    """Refuse (EPERM) the creation of System V shared memory, message queues and semaphores,
    for this process and all it starts; False where the architecture is not known here.

    Their memory is the kernel's, outside every limit a process has (a segment filled and
    detached again no longer counts against RLIMIT_AS), and without cgroups nothing else
    bounds it. POSIX shared memory lives in the worker's own size-capped /dev/shm instead.
    A syscall of another ABI than the native one (x32, 32-bit) is refused altogether, so the
    filter cannot be walked around. Needs no_new_privs (set by `drop_capabilities` or here)."""
    known = _SYSV_IPC.get(platform.machine())
    if known is None:
        return False
    arch, calls = known
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, JGE|K, BPF_RET|K
    allow, deny = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    last = 5 + len(calls)  # index of the `deny` return
    program = [(ld, 0, 0, 4), (jeq, 0, last - 2, arch), (ld, 0, 0, 0),
               (jge, last - 4, 0, 0x40000000)]
    program += [(jeq, last - 5 - i, 0, nr) for i, nr in enumerate(calls)]
    program += [(ret, 0, 0, allow), (ret, 0, 0, deny)]
    filters = (_SockFilter * len(program))(*[_SockFilter(*op) for op in program])
    prog = _SockFprog(len(program), filters)
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0),
           "prctl(PR_SET_SECCOMP)")
    return True


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

"""What a worker can import: its view of the installed packages.

A forbidden module is enforced where the student cannot reach it: a worker for a question that
forbids librosa runs in a sandbox whose file system does not contain librosa at all (its package
directory, its .dist-info and its bundled libraries are covered by empty read-only mounts, in
every site directory the sandbox can see). `import librosa` there gives a stand-in module whose
every use raises `ModuleWithheld` ("librosa is not available inside stft"), so that the notebook's
cells still run and the student is told why. The stand-in is only a message: removing it gives an
ImportError, because the real code is simply not there.

A package that needs a withheld one is withheld too (withholding scipy withholds librosa and
scikit-learn, which import it); the worker's own needs (NumPy, IPython, matplotlib, this package)
can never be withheld. Without a sandbox (`--sandbox none`) only the stand-ins exist: nothing is
enforced there.
"""

from __future__ import annotations

import glob
import importlib.abc
import importlib.machinery
import importlib.metadata as metadata
import json
import os
import re
import sys
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

WITHHELD_ENV = "AUTOGRADER_WITHHELD"
WORKER_NEEDS = ("numpy", "IPython", "matplotlib", "traitlets", "autograder")
SITE_GLOBS = ("lib/python3*/site-packages", "lib/python3*/dist-packages",
              "local/lib/python3*/site-packages", "local/lib/python3*/dist-packages")


@dataclass(frozen=True)
class WorkerView:
    """What a worker may import and what its warm template prepares.

    `withheld` are top-level import names absent from the worker's file system; `preload` names
    modules a warm template imports before forking and `warmup` is trusted code (the assignment's
    warmup.py) it runs after them. A view keys a warm template: each distinct view has its own."""

    withheld: tuple[str, ...] = ()
    preload: tuple[str, ...] = ()
    warmup: str = ""


FULL_VIEW = WorkerView()  # nothing withheld, nothing preloaded


class ModuleWithheld(ImportError):
    """Raised by every use of a withheld module's stand-in."""


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _installed() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Distribution -> its top-level import names, and distribution -> what it requires."""
    tops: dict[str, set[str]] = {}
    for top, dists in metadata.packages_distributions().items():
        for dist in dists:
            tops.setdefault(_normal(dist), set()).add(top)
    requires: dict[str, set[str]] = {}
    for dist in metadata.distributions():
        if not dist.metadata["Name"]:  # a broken install: nothing to say about it
            continue
        needs = set()
        for line in dist.requires or []:
            name, _, marker = line.partition(";")
            if "extra" not in marker:
                needs.add(_normal(re.split(r"[\s<>=!~\[(]", name.strip(), maxsplit=1)[0]))
        requires[_normal(dist.metadata["Name"])] = needs
    return tops, requires


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(start), list(start)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def withheld_for(forbidden: Iterable[str]) -> tuple[str, ...]:
    """The top-level import names a worker must lack so that `forbidden` is unreachable.

    The forbidden packages' distributions, plus every installed distribution that requires one
    of them; raises ValueError for a module the worker itself needs (NumPy cannot be withheld)."""
    tops, requires = _installed()
    owner = {top: dist for dist, names in tops.items() for top in names}
    names = {m.split(".")[0] for m in forbidden}
    needs = {owner.get(m, _normal(m)) for m in WORKER_NEEDS}
    worker = _closure(needs - {owner.get("autograder", "")}, requires) | needs
    dists = {owner.get(n, _normal(n)) for n in names}
    blocked = dists & worker
    if blocked:
        raise ValueError(f"{', '.join(sorted(blocked))} cannot be withheld: the grading worker needs it")
    dependents: dict[str, set[str]] = {}
    for dist, needed in requires.items():
        for dep in needed:
            dependents.setdefault(dep, set()).add(dist)
    withheld = _closure(dists, dependents) - worker
    shared = set().union(*(tops.get(d, set()) for d in worker))
    found = names | {top for d in withheld for top in tops.get(d, ())}
    return tuple(sorted(n for n in found - shared if not n.startswith("_")))


def site_directories(roots: Sequence[str]) -> list[Path]:
    """Every directory under `roots` (and /usr) that Python could import packages from."""
    found: list[Path] = []
    for root in [*roots, "/usr"]:
        for pattern in SITE_GLOBS:
            for path in sorted(glob.glob(os.path.join(root, pattern))):
                resolved = Path(path).resolve()
                if resolved.is_dir() and resolved not in found:
                    found.append(resolved)
    return found


def _entry_names(name: str) -> re.Pattern[str]:
    stem = re.escape(name)
    return re.compile(rf"^{stem}(\.py|\.libs|\..*\.so|-[^/]*\.(dist|egg)-info|\.egg-link)?$",
                      re.IGNORECASE)


def hidden_paths(withheld: Iterable[str], roots: Sequence[str]) -> list[Path]:
    """Files and directories to cover so that `withheld` cannot be imported from `roots`.

    Per site directory: each withheld name's package, module file, bundled `.libs` and metadata,
    and every top-level entry of a distribution that provides a withheld name there (scipy.libs,
    scikit_learn-*.dist-info, torchgen...). Computed once per grading process (reading every
    distribution's file list costs a fraction of a second)."""
    return list(_hidden_paths(frozenset(withheld), tuple(roots)))


@cache
def _hidden_paths(names: frozenset[str], roots: tuple[str, ...]) -> tuple[Path, ...]:
    if not names:
        return ()
    tops, _ = _installed()
    wanted = {_normal(n) for n in names} | {d for d, provided in tops.items() if provided & names}
    hidden: list[Path] = []
    for site in site_directories(roots):
        entries: set[str] = set()
        for info in site.glob("*.dist-info"):  # only candidates' file lists: botocore's is huge
            if _normal(info.name.split("-")[0]) not in wanted:
                continue
            files = [str(f) for f in metadata.PathDistribution(info).files or []]
            entries |= {f.split("/")[0] for f in files if not f.startswith("..")}
        patterns = [_entry_names(n) for n in names]
        for entry in os.listdir(site):
            if entry in entries or any(p.match(entry) for p in patterns):
                path = site / entry
                if path.exists():
                    hidden.append(path)
    return tuple(sorted(set(hidden)))


# -- the worker's side: stand-ins ------------------------------------------------------------------
class _Current:
    """For messages only (student code can change all of it; nothing is enforced here): the
    withheld names, the notebook function the grader is calling and the first refusal in it."""

    withheld: frozenset[str] = frozenset()
    function: str | None = None
    refused: ModuleWithheld | None = None


CURRENT = _Current()


def _refuse(path: str) -> ModuleWithheld:
    top = path.split(".")[0]
    where = f"inside {CURRENT.function}" if CURRENT.function else "while this question is graded"
    refusal = ModuleWithheld(f"{top} is not available {where} ({path} was used)")
    CURRENT.refused = CURRENT.refused or refusal
    return refusal


def explain_failure(exc: BaseException) -> ModuleWithheld | None:
    """The withheld-module story behind a failed call, if there is one: a stand-in refused
    (perhaps in a thread, its exception swallowed), or the student removed the stand-ins and the
    import then found no package."""
    if CURRENT.refused is not None:
        return CURRENT.refused
    name = getattr(exc, "name", None) if isinstance(exc, ImportError) else None
    if isinstance(name, str) and name.split(".")[0] in CURRENT.withheld:
        return _refuse(name)
    return None


class StandIn:
    """Any name reached through a withheld module: fails on use, names itself when shown."""

    def __init__(self, path: str) -> None:
        object.__setattr__(self, "_path", path)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise _refuse(f"{self._path}.{name}")
        return StandIn(f"{self._path}.{name}")

    def __repr__(self) -> str:
        return f"<{self._path}: not available here>"

    def __mro_entries__(self, bases: tuple) -> tuple:
        raise _refuse(self._path)


def _refusing(name: str) -> Any:
    def refuse(self: StandIn, *args: Any, **kwargs: Any) -> Any:
        raise _refuse(object.__getattribute__(self, "_path"))

    refuse.__name__ = name
    return refuse


for _op in ("call", "setattr", "delattr", "getitem", "setitem", "delitem", "iter", "len", "bool",
            "contains", "array", "index", "int", "float", "complex", "enter", "exit", "await",
            "lt", "le", "gt", "ge", "neg", "pos", "abs", "invert", "round", "matmul", "rmatmul",
            "add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv", "floordiv",
            "rfloordiv", "mod", "rmod", "pow", "rpow", "and", "rand", "or", "ror", "xor", "rxor"):
    setattr(StandIn, f"__{_op}__", _refusing(f"__{_op}__"))


class WithheldModule(types.ModuleType):
    """The module `import librosa` gives where librosa is withheld."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return StandIn(f"{self.__name__}.{name}")


class StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """First on sys.meta_path: withheld names (and their submodules) import as stand-ins."""

    def __init__(self, withheld: Iterable[str]) -> None:
        self.withheld = frozenset(withheld)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname.split(".")[0] not in self.withheld:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = WithheldModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """A stand-in has no code to run."""


def view_environment(view: WorkerView) -> dict[str, str]:
    """What tells a worker its withheld names (only for its messages: the files are gone)."""
    return {WITHHELD_ENV: json.dumps(list(view.withheld))} if view.withheld else {}


def install_stand_ins() -> None:
    """In the worker, before any student code: stand-ins for the names the launcher withheld."""
    withheld = json.loads(os.environ.get(WITHHELD_ENV, "[]"))
    CURRENT.withheld = frozenset(withheld)
    if withheld and not any(isinstance(f, StandInFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, StandInFinder(withheld))

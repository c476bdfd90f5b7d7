"""Static half of the forbidden-module rule: what each notebook function's code names.

Runs in the trusted grader on the notebook's source (never on anything the worker says). Names a
function uses are resolved against the notebook's module-level imports and aliases
(`import librosa as lr`, `from librosa import stft as s`, `f = lr.stft`), through the notebook's
other functions it calls, and through imports inside the function itself. It is not the
enforcement: a module reached through `sys.modules` or a name built at run time escapes it. The
enforcement is that a question's calls run in a worker where its forbidden packages do not exist
(sandbox/views.py); this check only gives an early, precise message.
"""

from __future__ import annotations

import ast
import builtins
import time
from collections.abc import Iterable

from IPython.core.inputtransformer2 import TransformerManager

_transformer = TransformerManager()
# Calls followed from one function. The scan runs in the grader on a student's source: a chain
# of thousands of functions must neither exhaust the stack nor cost quadratic time. A module
# reached only deeper than this is left to the enforcement (the views).
MAX_CALL_DEPTH = 100
BUILTIN_NAMES = frozenset(dir(builtins))


def _parse(source: str) -> ast.Module | None:
    """The cell as Python. IPython leaves plain Python as it is, so its (slower) transformation
    is needed only for a cell that is not: magics, shell escapes, `?` help."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        pass
    try:
        return ast.parse(_transformer.transform_cell(source))
    except (SyntaxError, ValueError, RecursionError):
        return None


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _import_targets(node: ast.Import | ast.ImportFrom) -> dict[str, str]:
    """Local name -> dotted module path an import statement binds."""
    bound = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                bound[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                bound[top] = top
    elif node.module and node.level == 0:
        for alias in node.names:
            if alias.name == "*":
                bound[f"*{node.module}"] = node.module
            else:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


class _Notebook:
    def __init__(self, sources: Iterable[str]) -> None:
        self.aliases: dict[str, str] = {}
        self.functions: dict[str, list[ast.AST]] = {}
        self.globals: set[str] = set()  # names the notebook itself binds at module level
        self._walked: dict[str, list[tuple[str, str, str | None]]] = {}  # see `_events`
        self._reached: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}  # see `_reach`
        for source in sources:
            _yield()
            tree = _parse(source)
            if tree is not None:
                self._scan(tree.body, prefix="")

    def _scan(self, body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions.setdefault(prefix + node.name, []).append(node)
            elif isinstance(node, ast.ClassDef):
                self.functions.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                self.aliases.update(_import_targets(node))
            elif isinstance(node, ast.Assign):
                target = _dotted(node.value) if isinstance(node.value, ast.Attribute | ast.Name) else None
                resolved = self.resolve(target) if target else None
                for t in node.targets:
                    if isinstance(t, ast.Name) and resolved:
                        self.aliases[t.id] = resolved
            self.globals |= _module_level_names(node)
            if isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
                for field in ("body", "orelse", "finalbody"):
                    self._scan(getattr(node, field, []) or [], prefix)
                for handler in getattr(node, "handlers", []):
                    self._scan(handler.body, prefix)

    def resolve(self, dotted: str) -> str | None:
        head, _, rest = dotted.partition(".")
        if head in self.aliases:
            base = self.aliases[head]
            return f"{base}.{rest}" if rest else base
        return None

    def uses(self, name: str, forbidden: tuple[str, ...]) -> dict[str, str]:
        """Forbidden module -> an example of how `name` (or a function it calls) reaches it."""
        return self._reach(name, forbidden, set(), 0)[0]

    def _reach(self, name: str, forbidden: tuple[str, ...], calling: set[str],
               depth: int) -> tuple[dict[str, str], bool]:
        """`uses`, and whether it is complete: a call back into a function still being followed
        (`calling`), or deeper than `MAX_CALL_DEPTH`, is not followed. Complete results are kept,
        so a function is followed once however many others call it."""
        known = self._reached.get((name, forbidden))
        if known is not None:
            return known, True
        if name not in self.functions:
            return {}, True
        if name in calling or depth > MAX_CALL_DEPTH:
            return {}, False
        calling.add(name)
        found: dict[str, str] = {}
        complete = True
        for path, shown, callee in self._events(name):
            if callee is None:
                module = _matches(path, forbidden)
                if module and module not in found:
                    found[module] = shown
                continue
            reached, whole = self._reach(callee, forbidden, calling, depth + 1)
            complete = complete and whole
            for module, how in reached.items():
                found.setdefault(module, f"{how} (through {callee})")
        calling.discard(name)
        if complete:
            self._reached[(name, forbidden)] = found
        return found, complete

    def _events(self, name: str) -> list[tuple[str, str, str | None]]:
        """What `name`'s definitions reach, in the order they reach it: (module path, how it is
        shown, None) for a module, ("", "", function) for a call of a notebook function. Each
        definition is walked once, however many functions reach it."""
        events = self._walked.get(name)
        if events is not None:
            return events
        events = []
        stars = [self.aliases[k] for k in self.aliases if k.startswith("*")]
        for definition in self.functions[name]:
            for node in ast.walk(definition):
                events += [(path, path, None) for path in self._references(node)]
                if isinstance(node, ast.Name) and node.id in self.functions:
                    events.append(("", "", node.id))
            if stars and self._uses_unbound(definition):
                events += [(module, f"from {module} import *", None) for module in stars]
        self._walked[name] = events
        return events

    def _references(self, node: ast.AST) -> list[str]:
        if isinstance(node, ast.Import | ast.ImportFrom):
            return list(_import_targets(node).values())
        if isinstance(node, ast.Attribute | ast.Name) and isinstance(node.ctx, ast.Load):
            dotted = _dotted(node)
            resolved = self.resolve(dotted) if dotted else None
            return [resolved] if resolved else []
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            callee = _dotted(node.func) or ""
            if callee.endswith(("__import__", "import_module")) and isinstance(node.args[0].value, str):
                return [node.args[0].value]
        return []

    def _uses_unbound(self, definition: ast.AST) -> bool:
        """Whether the definition reads a name nothing in the notebook binds (so a star import
        may provide it): not a builtin, a parameter, a local, a notebook global or function."""
        loaded = {n.id for n in ast.walk(definition)
                  if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        known = set(self.aliases) | set(self.functions) | self.globals | BUILTIN_NAMES
        return bool(loaded - known - _bound_names(definition))


def _bound_names(node: ast.AST) -> set[str]:
    """Every name a statement (and what it contains) binds: assignments, loop and `with`
    targets, parameters, nested definitions, imports, exception and comprehension names."""
    bound: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store | ast.Del):
            bound.add(sub.id)
        elif isinstance(sub, ast.arg):
            bound.add(sub.arg)
        elif isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(sub.name)
        elif isinstance(sub, ast.Import | ast.ImportFrom):
            bound |= {k for k in _import_targets(sub) if not k.startswith("*")}
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            bound.add(sub.name)
        elif isinstance(sub, ast.Global | ast.Nonlocal):
            bound |= set(sub.names)
    return bound


def _module_level_names(node: ast.stmt) -> set[str]:
    """Names a top-level statement binds itself (its nested bodies are scanned on their own)."""
    if isinstance(node, ast.For | ast.AsyncFor):
        return _bound_names(node.target)
    if isinstance(node, ast.With | ast.AsyncWith):
        return set().union(*(_bound_names(i.optional_vars) for i in node.items if i.optional_vars))
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.If | ast.Try
                  | ast.While):
        return set()
    return _bound_names(node)


def _yield() -> None:
    """Let a waiting thread run now. The scan runs in a thread while the grader's main thread
    feeds the worker its cells; without this, each reply the main thread wakes up for waits up
    to the interpreter's switch interval (5 ms) for the lock (measured: the scan then delayed the
    first cells by its whole run time, ~20 ms)."""
    time.sleep(0)


def _matches(path: str, forbidden: tuple[str, ...]) -> str | None:
    for module in forbidden:
        if path == module or path.startswith(module + "."):
            return module
    return None


def forbidden_uses(sources: Iterable[str], forbidden: Iterable[str]) -> dict[str, dict[str, str]]:
    """For every notebook function that reaches a forbidden module: {function: {module: how}}."""
    modules = tuple(sorted(set(forbidden)))
    notebook = _Notebook(sources)
    report = {}
    for name in notebook.functions:
        _yield()
        uses = notebook.uses(name, modules)
        if uses:
            report[name] = uses
    return report

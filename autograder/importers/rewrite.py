"""Test code written to run inside the student's notebook, rewritten to run in the grader.

nbgrader and otter run a test cell in the student's own interpreter, where `squares` is simply
the student's function. Here tests run in the trusted grader, so every free name of the cell
(not assigned in it, not a builtin, not a module the notebook imports) is taken from the
notebook through the `student` proxy: `squares(2)` becomes `student.squares(2)` (a call across
the boundary) and any other use of `x` becomes `student.get("x")` (its value as plain data). A
builtin applied to an object that stays in the worker (`next(f)` where `f = fiberator()`) is
evaluated next to the student's code with `student.evaluate`, and only its result comes back.
A cell that rebinds or deletes a notebook name (`del squares`) cannot be expressed across the
boundary: it is refused with the reason, to be rewritten by hand.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

from IPython.core.inputtransformer2 import TransformerManager

BUILTINS = frozenset(dir(builtins))
ON_OBJECTS = frozenset({"next", "iter", "len", "list", "tuple", "set", "sorted", "sum", "min",
                        "max", "str", "repr", "type"})
PROXY = "student"


class Untranslatable(Exception):
    """A test cell that cannot run across the boundary; the message says why."""


@dataclass
class NotebookNames:
    """What the notebook's own (non-test) cells define and import at the top level."""

    defined: set[str] = field(default_factory=set)
    imports: dict[str, str] = field(default_factory=dict)  # bound name -> import statement

    def add_cell(self, source: str) -> None:
        try:
            tree = ast.parse(TransformerManager().transform_cell(source))
        except SyntaxError:
            return
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    name = alias.asname or alias.name.split(".")[0]
                    one = ast.Import(names=[alias]) if isinstance(node, ast.Import) else \
                        ast.ImportFrom(module=node.module, names=[alias], level=node.level)
                    self.imports[name] = ast.unparse(one)
            else:
                self.defined |= _bound_names(node)


def _bound_names(node: ast.AST) -> set[str]:
    """Every name a statement binds or deletes, at any depth of this scope and nested ones."""
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store | ast.Del):
            names.add(sub.id)
        elif isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(sub.name)
        elif isinstance(sub, ast.arg):
            names.add(sub.arg)
        elif isinstance(sub, ast.alias):
            names.add(sub.asname or sub.name.split(".")[0])
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            names.add(sub.name)
        elif isinstance(sub, ast.Global | ast.Nonlocal):
            names.update(sub.names)
    return names


def _student_expression(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
               and n.value.id == PROXY for n in ast.walk(node))


class _ToProxy(ast.NodeTransformer):
    """Free names to the proxy; builtins applied to worker objects to `student.evaluate`."""

    def __init__(self, free: set[str]) -> None:
        self.free = free
        self.from_student: set[str] = set()  # locals assigned from the student's code

    def visit_Assign(self, node: ast.Assign) -> ast.Assign:
        self.generic_visit(node)
        if _student_expression(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.from_student.add(target.id)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        func = node.func
        if isinstance(func, ast.Name) and func.id in self.free:
            node.func = ast.Attribute(ast.Name(PROXY, ast.Load()), func.id, ast.Load())
            node.args = [self.visit(a) for a in node.args]
            node.keywords = [self.visit(k) for k in node.keywords]
            return node
        if isinstance(func, ast.Name) and func.id in ON_OBJECTS and node.args and not \
                node.keywords and all(isinstance(a, ast.Name) and a.id in self.from_student
                                      for a in node.args):
            bindings = [ast.keyword(a.id, ast.Name(a.id, ast.Load())) for a in node.args]
            call = ast.Attribute(ast.Name(PROXY, ast.Load()), "evaluate", ast.Load())
            return ast.Call(call, [ast.Constant(ast.unparse(node))], bindings)
        self.generic_visit(node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if isinstance(node.ctx, ast.Load) and node.id in self.free:
            getter = ast.Attribute(ast.Name(PROXY, ast.Load()), "get", ast.Load())
            return ast.copy_location(ast.Call(getter, [ast.Constant(node.id)], []), node)
        return node


@dataclass
class TestBody:
    """A test function's docstring and body, and the notebook imports it needs."""

    docstring: str
    body: list[ast.stmt]
    imports: list[str]


def translate(source: str, names: NotebookNames, expected: str | None = None) -> TestBody:
    """Rewrite a test cell. `expected` is the recorded output of its last expression (otter's
    doctest-style tests): "True" makes it an assertion, other text a comparison of repr."""
    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError as exc:
        raise Untranslatable(f"the test code does not compile (line {exc.lineno}: "
                             f"{exc.msg})") from None
    body = list(tree.body)
    docstring = ""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        docstring = body.pop(0).value.value.strip()
    bound: set[str] = set()
    for node in body:
        bound |= _bound_names(node)
    if PROXY in bound or any(isinstance(n, ast.Name) and n.id == PROXY for n in ast.walk(tree)):
        raise Untranslatable(f"the test uses the name `{PROXY}`, which tests reserve for the "
                             "notebook")
    changed = sorted(bound & names.defined)
    if changed:
        raise Untranslatable(f"it rebinds or deletes the notebook's {', '.join(changed)}; a test "
                             "cannot change the student's namespace across the boundary")
    loaded = {n.id for node in body for n in ast.walk(node)
              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    imported = sorted((loaded - bound) & set(names.imports))
    free = loaded - bound - (BUILTINS - names.defined) - set(names.imports)  # the notebook's own `max` wins
    if body and isinstance(body[-1], ast.Expr) and expected is not None:
        body[-1] = _expectation(body[-1].value, expected)
    proxy = _ToProxy(free)  # one for the whole cell: it remembers what came from the student
    rewritten = [proxy.visit(node) for node in body]
    for node in rewritten:
        ast.fix_missing_locations(node)
    if not rewritten:
        rewritten = [ast.Pass()]
    return TestBody(docstring, rewritten, [names.imports[n] for n in imported])


def _expectation(value: ast.expr, expected: str) -> ast.stmt:
    text = expected.strip()
    if text == "True":
        return ast.Assert(value, None)
    if text == "False":
        return ast.Assert(ast.UnaryOp(ast.Not(), value), None)
    shown = ast.Call(ast.Name("repr", ast.Load()), [value], [])
    return ast.Assert(ast.Compare(shown, [ast.Eq()], [ast.Constant(text)]), None)


def ends_with_expression(source: str) -> bool:
    """otter compares the output of a test's last expression: without it there is no verdict."""
    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return False
    return bool(tree.body) and isinstance(tree.body[-1], ast.Expr)


def boolean_like(source: str) -> bool:
    """An expression whose own value is the verdict (a comparison, `not`, `and`/`or`)."""
    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return False
    last = tree.body[-1] if tree.body else None
    return isinstance(last, ast.Expr) and isinstance(last.value, ast.Compare | ast.BoolOp) or \
        isinstance(last, ast.Expr) and isinstance(last.value, ast.UnaryOp) and \
        isinstance(last.value.op, ast.Not)


def test_function(name: str, test: TestBody) -> str:
    """The source of `def test_<name>(student): ...`."""
    doc = [ast.Expr(ast.Constant(test.docstring))] if test.docstring else []
    fn = ast.FunctionDef(name=f"test_{name}", args=ast.arguments(
        posonlyargs=[], args=[ast.arg(PROXY)], kwonlyargs=[], kw_defaults=[], defaults=[]),
        body=doc + test.body, decorator_list=[], returns=None)
    return ast.unparse(ast.fix_missing_locations(ast.Module([fn], [])))

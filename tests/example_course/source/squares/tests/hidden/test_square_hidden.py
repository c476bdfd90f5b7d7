import numpy as np

from autograder.testing import assert_close, assert_unchanged, question

pytestmark = question("square")


def test_random(student):
    x = np.random.default_rng(7).normal(size=11)
    value, args, _ = student.call_with_inputs("square", x)
    assert_close(value, x**2, rtol=1e-12, what="square(x)")
    assert_unchanged(x, args[0], "x")

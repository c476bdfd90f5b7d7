import numpy as np

from autograder.testing import assert_scalar, question

pytestmark = question("total")


@question("total", weight=2)
def test_random(student):
    x = np.random.default_rng(8).normal(size=(3, 5))
    assert_scalar(student.total(x), float(np.sum(x**2)), rtol=1e-12, what="total(x)")


def test_empty(student):
    assert_scalar(student.total(np.zeros(0)), 0.0, what="total of an empty array")

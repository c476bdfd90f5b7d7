import numpy as np

from autograder.testing import assert_scalar, question

pytestmark = question("total")


def test_small(student):
    assert_scalar(student.total(np.array([1.0, 2.0])), 5.0, what="total([1, 2])",
                  traps={"did you sum x instead of its squares?": 3.0})

import numpy as np

from autograder.testing import assert_close, question

pytestmark = question("square")


def test_small(student):
    assert_close(student.square(np.array([1.0, 2.0, 3.0])), [1.0, 4.0, 9.0], what="square([1, 2, 3])")

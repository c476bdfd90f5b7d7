"""Grading inside Gradescope's autograder container: the zip, the run, and results.json."""

"""`make bench`: how fast we grade, next to nbgrader, and what grading costs beyond student code.

Reported in one run, for each assignment that has a source notebook and a release: throughput and
per-submission wall time of our engine (warm template with 1 and 2 workers, cold sandbox with 1),
of nbgrader's `autograde` on the same notebooks, the student's own in-process time (cells plus all
tests without grading machinery), and the self-check time. A report, not a test: targets print
PASS/MISS and nothing fails.
"""

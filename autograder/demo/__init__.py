"""`make demo`: the whole TA workflow on sample submissions shipped in demo/submissions/."""

MARKER = ".autograder-demo"  # marks a scratch workspace made by `make demo`

"""`make demo`: the whole TA workflow on sample submissions shipped in demo/submissions/."""

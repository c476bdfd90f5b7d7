"""The TA's batch workflow: collect, grade all in parallel, feedback, exports and the report."""

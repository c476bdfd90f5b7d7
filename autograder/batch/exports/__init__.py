"""Exports for the platforms courses use, one module per format, each citing the rules it
follows: Moodle's grading worksheet and feedback zip, Canvas's gradebook import CSV, and the CSV
of `nbgrader export`. Every one is student-facing or LMS-facing: scores and short fixed phrases
only (never a test's message), text cells guarded against spreadsheet formulas."""

"""Bring nbgrader and otter assignments over: notebook with our markers, pytest files, config."""

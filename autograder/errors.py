"""Errors a user can fix: the CLI prints them as one line and exits non-zero."""


class UserError(Exception):
    """A problem with the user's input, worded as one line naming the file and the problem."""

"""`autograder serve`: the course web app (FastAPI, server-rendered Jinja2 pages, uvicorn).

One process over the same gradebook as the command line. Students sign in with a one-time token,
upload a notebook or a `submit` zip and see their results; TAs grade manual questions with
rubrics and override autograded ones; the instructor publishes manual grades, reads the
gradebook and the report, and manages the roster. Uploads are graded in the background by the
same batch engine as `autograder grade-all`, in the sandbox.
"""

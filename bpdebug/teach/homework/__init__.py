"""Homework: a student's own code, in the API their course hands out, run in a child
process and compared with the reference, entry by entry, down to the student's line.

api.py reads an API file (the built-in ones live in apis/); detect.py recognises which
API a hand-in implements from what it defines; the child (child.py, started by
process.py) runs the hand-in for its definitions, calls it as its course does and
traces the student's own frames; run.py turns what comes back into a Comparison
(compare.py), with where it went wrong (where.py) and the likely cause (causes.py).
"""

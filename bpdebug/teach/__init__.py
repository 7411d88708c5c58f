"""Teaching on top of the engine: one element written out (explain.py), the --check
report and the handout (report.py, transcript.py), and a student's own code, run only
in a child process and compared with the engine (student*.py, submission.py,
grading.py)."""

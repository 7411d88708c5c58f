"""A hand-in graded with --check --impl is confined (bpdebug/teach/confine.py): tried as a
hostile student would, it cannot read a file outside its folder, write outside its job
folder or open a TCP connection, and each attempt is the student's failure.  Each test
looks at the far side too: the secret is not in the report, the file does not exist, the
listener accepted nothing.  Where this machine has no Landlock the tests say so and check
the `not confined` line instead; a kernel without it is also imitated here (a seccomp
filter that answers ENOSYS), so that path is tested on every machine."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bpdebug.teach.confine import probe
from tests.students import CORRECT, STUDENTS

ROOT = Path(__file__).resolve().parent.parent
LANDLOCK = probe()
SECRET = "the-teachers-secret-4417"


def bpdebug(*args: str, wrapper: str | None = None) -> subprocess.CompletedProcess:
    """bpdebug ARGS as a teacher runs it, or under ``wrapper``, Python code that ends by
    running bpdebug with the same arguments."""
    start = [sys.executable, "-c", wrapper] if wrapper else [sys.executable, "-m", "bpdebug"]
    return subprocess.run([*start, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=180, stdin=subprocess.DEVNULL)


def grade(hand_in: Path, *flags: str, wrapper: str | None = None) -> subprocess.CompletedProcess:
    # Every statement runs (--impl-run-all): the hostile lines are at the top level.
    return bpdebug("xor", "--check", "--impl", str(hand_in), "--impl-timeout", "60",
                   "--impl-run-all", *flags,
                   wrapper=wrapper)


@pytest.fixture
def rooms(tmp_path):
    """The student's folder and, beside it, the teacher's with a secret in it."""
    hw, teacher = tmp_path / "hw", tmp_path / "teacher"
    hw.mkdir(), teacher.mkdir()
    (teacher / "secret.txt").write_text(SECRET)
    return hw, teacher


def hand_in(folder: Path, body: str, name: str = "hw.py") -> Path:
    path = folder / name
    path.write_text(CORRECT + "\n" + body + "\n")
    return path


def refused(done: subprocess.CompletedProcess, what: str, path: Path) -> None:
    """The student's failure, at their line, saying it was bpdebug's confinement."""
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"raised PermissionError: {what} is not allowed while grading" in done.stdout
    assert "(bpdebug confines hand-ins)" in done.stdout
    assert f"at {path}:" in done.stdout
    assert "Traceback" not in done.stderr


def unconfined(done: subprocess.CompletedProcess) -> None:
    """This machine has no Landlock: the report says so, in one line."""
    print(f"this machine has no Landlock: {LANDLOCK.why}")
    assert f"not confined: {LANDLOCK.why}" in done.stdout


def test_reading_a_file_outside_its_folder_is_refused_and_nothing_is_read(rooms):
    hw, teacher = rooms
    secret = teacher / "secret.txt"
    path = hand_in(hw, f"print(open({str(secret)!r}).read())")
    done = grade(path)
    if not LANDLOCK.confined:
        return unconfined(done)
    refused(done, f"reading {secret}", path)
    assert SECRET not in done.stdout + done.stderr


def test_the_kernel_refuses_too_when_python_is_gone_around(rooms):
    # libc's open through ctypes raises no audit event: only Landlock stands in the way.
    hw, teacher = rooms
    secret = teacher / "secret.txt"
    path = hand_in(hw, "import ctypes, os\n"
                       "libc = ctypes.CDLL(None, use_errno=True)\n"
                       f"fd = libc.open({str(secret).encode()!r}, os.O_RDONLY)\n"
                       "if fd < 0:\n"
                       "    raise OSError(ctypes.get_errno(), 'the kernel said no')\n"
                       "print(os.read(fd, 100))")
    done = grade(path)
    if not LANDLOCK.confined:
        return unconfined(done)
    assert done.returncode == 1
    assert "raised PermissionError: [Errno 13] the kernel said no" in done.stdout
    assert SECRET not in done.stdout + done.stderr


def test_writing_outside_its_folder_is_refused_and_nothing_is_written(rooms):
    hw, teacher = rooms
    target = teacher / "planted.txt"
    path = hand_in(hw, f"open({str(target)!r}, 'w').write('owned')")
    done = grade(path)
    if not LANDLOCK.confined:
        return unconfined(done)
    refused(done, f"writing {target}", path)
    assert not target.exists()


def test_its_own_folder_is_read_only(rooms):
    hw, _ = rooms
    path = hand_in(hw, "open('notes.txt', 'w').write('x')")
    done = grade(path)
    if not LANDLOCK.confined:
        return unconfined(done)
    refused(done, f"writing {hw / 'notes.txt'}", path)
    assert not (hw / "notes.txt").exists()


def test_a_tcp_connection_is_refused_and_the_listener_receives_nothing(rooms):
    hw, _ = rooms
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        path = hand_in(hw, "import socket\n"
                           f"s = socket.create_connection(('127.0.0.1', {port}))\n"
                           "s.sendall(b'stolen')")
        done = grade(path)
        listener.setblocking(False)
        try:
            connection, _ = listener.accept()  # a connection made would be waiting here
        except BlockingIOError:
            connection = None
    if not LANDLOCK.confined:
        return unconfined(done)
    if LANDLOCK.abi < 4:  # files only: the report says TCP is not restricted here
        print(f"this kernel's Landlock is ABI {LANDLOCK.abi}: TCP is not restricted")
        assert "TCP not restricted" in done.stdout
        return
    refused(done, f"connecting to 127.0.0.1:{port} (TCP)", path)
    assert connection is None


def test_starting_another_program_is_refused(rooms):
    hw, _ = rooms
    path = hand_in(hw, "import subprocess\nsubprocess.run(['ls', '/'])")
    done = grade(path)
    if not LANDLOCK.confined:
        return unconfined(done)
    refused(done, "starting ls", path)


def test_a_correct_hand_in_is_still_correct_and_the_report_says_how_it_ran(rooms):
    hw, _ = rooms
    (hw / "weights.txt").write_text("1.0")  # its own folder is readable
    path = hand_in(hw, "SCALE = float(open('weights.txt').read())\n"
                       "import tempfile\nwith tempfile.TemporaryFile() as scratch:\n"
                       "    scratch.write(b'allowed: the job folder')")
    done = grade(path)
    assert done.returncode == 0, done.stdout + done.stderr
    if LANDLOCK.confined:
        assert f"confined by Landlock (ABI {LANDLOCK.abi})" in done.stdout
    else:
        unconfined(done)


def test_every_bundled_student_file_gets_the_verdict_it_gets_unconfined():
    def verdicts(*flags: str) -> list[str]:
        done = bpdebug("xor", "--check", "--impl", str(STUDENTS), "--impl-timeout", "60", *flags)
        return [line for line in done.stdout.splitlines() if line.startswith(str(STUDENTS))]

    confined = verdicts()
    hand_ins = list(STUDENTS.glob("*.py")) + list(STUDENTS.glob("*.ipynb"))
    assert len(confined) == len(hand_ins)
    assert confined == verdicts("--impl-confine", "off")
    said = {Path(line.split()[0]).name: line.split(maxsplit=1)[1] for line in confined}
    assert said["correct.py"].split()[0] == "correct"
    assert said["missing_transpose.py"] != "correct"


def test_off_runs_it_unconfined_and_the_secret_is_read(rooms):
    # What the tests above guard against really happens without the confinement.
    hw, teacher = rooms
    path = hand_in(hw, f"print(open({str(teacher / 'secret.txt')!r}).read())")
    done = grade(path, "--impl-confine", "off")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not confined: --impl-confine off" in done.stdout
    assert SECRET in done.stdout


# ---- a kernel without Landlock, imitated -----------------------------------------------

# A seccomp filter that makes landlock_create_ruleset (444) fail with ENOSYS, as a kernel
# without Landlock does, installed before bpdebug starts; children inherit it.
NO_LANDLOCK = """
import ctypes, runpy, sys
class Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]
class Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(Filter))]
code = (Filter * 4)(Filter(0x20, 0, 0, 0),             # load the system call's number
                    Filter(0x15, 0, 1, 444),           # landlock_create_ruleset?
                    Filter(0x06, 0, 0, 0x00050000 | 38),  # then ENOSYS
                    Filter(0x06, 0, 0, 0x7fff0000))    # else allow
libc = ctypes.CDLL(None, use_errno=True)
assert libc.prctl(38, 1, 0, 0, 0) == 0  # no_new_privs
assert libc.prctl(22, 2, ctypes.byref(Program(4, code))) == 0, ctypes.get_errno()
sys.argv = ["bpdebug", *sys.argv[1:]]
runpy.run_module("bpdebug", run_name="__main__")
"""

needs_seccomp = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                   reason="the imitation is a Linux seccomp filter")


@needs_seccomp
def test_without_landlock_the_report_says_not_confined_and_still_grades(rooms):
    hw, _ = rooms
    done = grade(hand_in(hw, ""), wrapper=NO_LANDLOCK)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not confined: this kernel has no Landlock" in done.stdout


@needs_seccomp
def test_without_landlock_require_refuses_before_grading(rooms):
    hw, _ = rooms
    done = grade(hand_in(hw, "print('ran')"), "--impl-confine", "require", wrapper=NO_LANDLOCK)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("bpdebug: --impl-confine require: not confined: this kernel "
                                  "has no Landlock") and done.stderr.count("\n") == 1


def test_require_grades_where_landlock_is(rooms):
    hw, _ = rooms
    done = grade(hand_in(hw, ""), "--impl-confine", "require")
    if not LANDLOCK.confined:
        print(f"this machine has no Landlock: {LANDLOCK.why}")
        assert done.returncode == 2 and f"not confined: {LANDLOCK.why}" in done.stderr
        return
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("argv, says", [
    (["xor", "--check", "--impl-confine", "off"], "add --impl"),
    (["xor", "--check", "--impl", "x.py", "--impl-confine", "sometimes"], "invalid choice"),
])
def test_the_flag_is_refused_in_one_line_where_it_makes_no_sense(argv, says):
    done = bpdebug(*argv)
    assert done.returncode == 2 and says in done.stderr and done.stderr.count("\n") == 1

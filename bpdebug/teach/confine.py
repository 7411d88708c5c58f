"""The child that runs a hand-in confines itself with Landlock before the hand-in is read:
it may read the Python installation and the hand-in's own folder, write only its job
folder, open no TCP connection, bind no TCP port and start no program but its own
interpreter.  Landlock (Linux 5.13 and later) lets an unprivileged process restrict
itself, with no root and no helper binary; this is a small ctypes binding of its three
system calls (no maintained Python package covers the network and scope rules of the
later ABIs, and the binding is these few structures).

The kernel enforces the rules.  An audit hook (sys.addaudithook) checks the same table
first, so the common ways of breaking them (open, listing a folder, connect, bind,
starting a program) raise a PermissionError that says it was bpdebug's confinement,
instead of the kernel's bare "Permission denied"; code that goes around Python's audit
events (ctypes calling libc) meets the kernel's refusal all the same.

Nothing here runs in bpdebug's own process except `probe()`, which only asks the kernel
which ABI it has.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import socket
import sys
from dataclasses import dataclass
from pathlib import Path


# The system calls, the same number on every architecture Linux gained them on (5.13).
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1 << 0
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights, by the ABI that introduced them.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15  # ABI 2, 3, 5
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # what a file rule may hold
# Network rights (ABI 4) and scopes (ABI 6).
_BIND_TCP, _CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1

READ = READ_FILE | READ_DIR
WRITE = (READ | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | TRUNCATE)


def handled_fs(abi: int) -> int:
    """Every filesystem right this ABI knows: all of them are denied unless a rule allows."""
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # __attribute__((packed)) in the kernel's header: 12 bytes
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@dataclass(frozen=True)
class Confinement:
    """What the child runs under: Landlock with this ABI, or not confined and why."""

    abi: int | None = None
    why: str = ""  # when not confined: "this kernel has no Landlock", "--impl-confine off"

    @property
    def confined(self) -> bool:
        return self.abi is not None

    def line(self) -> str:
        """One line for a report."""
        if not self.confined:
            return f"not confined: {self.why}"
        network = "no TCP" if self.abi >= 4 else "TCP not restricted (Landlock ABI 4 needs Linux 6.7)"
        return (f"confined by Landlock (ABI {self.abi}): reads only Python and its own folder, "
                f"writes only its job folder, {network}, starts no other program")


@dataclass(frozen=True)
class Rule:
    """A path and what may be done beneath it (or to it, for a file)."""

    path: str
    rights: int

    def covers(self, resolved: str) -> bool:
        return resolved == self.path or resolved.startswith(self.path.rstrip("/") + "/")


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def probe() -> Confinement:
    """The Landlock ABI this kernel offers (nothing is restricted), or why there is none."""
    if not sys.platform.startswith("linux"):
        return Confinement(None, f"Landlock is Linux only (this is {sys.platform})")
    try:
        abi = _libc().syscall(ctypes.c_long(_CREATE_RULESET), None, ctypes.c_size_t(0),
                              ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError) as error:  # no C library to call through
        return Confinement(None, f"cannot call the kernel ({error})")
    if abi >= 1:
        return Confinement(abi)
    code = ctypes.get_errno()
    if code == errno.ENOSYS:
        return Confinement(None, "this kernel has no Landlock (Linux 5.13 or later has it)")
    if code == errno.EOPNOTSUPP:
        return Confinement(None, "Landlock is turned off in this kernel (boot option lsm=)")
    return Confinement(None, f"Landlock is unavailable: {os.strerror(code)}")


def rules(folder: str, job_dir: str) -> list[Rule]:
    """What the child may touch, each line with why it needs it."""
    read: list[str] = []
    # The interpreter, the standard library and site-packages: the hand-in imports them.
    read += [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    # Every import path the child has (PYTHONPATH, a user site), and bpdebug itself, which
    # in an editable install is the checkout: the child imports bpdebug's own modules.
    read += [entry for entry in sys.path if entry and not _exposes_home(entry)]
    read.append(str(Path(__file__).resolve().parents[1]))
    # Shared libraries that standard modules load (hashlib and ssl need libcrypto, ctypes
    # libffi), and the dynamic loader's cache it finds them with.
    read += ["/lib", "/lib64", "/usr/lib", "/usr/lib64", "/etc/ld.so.cache"]
    # The hand-in's own folder, read only: its helpers and data files.
    read.append(folder)
    out = [Rule(path, READ) for path in _existing(read)]
    # /dev/null is where anything may write to be thrown away (also what subprocess and
    # logging open); /dev/urandom is what some libraries read their seed from.
    out += [Rule(path, READ_FILE | WRITE_FILE) for path in _existing(["/dev/null"])]
    out += [Rule(path, READ_FILE) for path in _existing(["/dev/urandom"])]
    # The job folder: the arrays come in and the result goes out there.
    out.append(Rule(os.path.realpath(job_dir), WRITE))
    # The interpreter may be started again (multiprocessing's spawn), nothing else: the
    # kernel opens both the program and its ELF interpreter (ld.so) to execute them.
    out += [Rule(path, EXECUTE | READ_FILE) for path in _existing(
        [sys.executable, _elf_interpreter(os.path.realpath(sys.executable))])]
    return out


def confine(folder: str, job_dir: str) -> Confinement:
    """Restrict this process (and whatever it starts) for good; what it got."""
    found = probe()
    if not found.confined:
        return found
    abi = found.abi
    libc = _libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0),
                  ctypes.c_ulong(0)) != 0:
        return Confinement(None, f"no_new_privs was refused: {os.strerror(ctypes.get_errno())}")
    attr = _RulesetAttr(handled_fs(abi), _BIND_TCP | _CONNECT_TCP if abi >= 4 else 0,
                        _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24  # the fields this ABI reads
    ruleset = libc.syscall(ctypes.c_long(_CREATE_RULESET), ctypes.byref(attr),
                           ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return Confinement(None, f"Landlock refused the ruleset: {os.strerror(ctypes.get_errno())}")
    try:
        table = rules(folder, job_dir)
        for rule in table:
            problem = _add(libc, ruleset, rule, handled_fs(abi))
            if problem:
                return Confinement(None, f"Landlock refused a rule for {rule.path}: {problem}")
        if libc.syscall(ctypes.c_long(_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)):
            return Confinement(None, f"Landlock refused to restrict: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)
    sys.addaudithook(_Hook(table, abi))
    return Confinement(abi)


def for_child(policy: str, folder: str, job_dir: str, say) -> Confinement:
    """The child's one step: confine as the teacher's policy says and tell the parent
    (``say(confinement=line)``).  Under "require" a child that could not be confined
    says so as bpdebug's own failure and ends before the hand-in is read."""
    if policy == "off":
        result = Confinement(None, "--impl-confine off")
    else:
        result = confine(folder, job_dir)
    if result.confined:  # tempfile's folder, where a hand-in may write
        os.environ["TMPDIR"] = job_dir
    say(confinement=result.line())
    if policy == "require" and not result.confined:
        say(internal=f"--impl-confine require: {result.line()}")
        sys.stdout.flush()
        os._exit(0)
    return result


def _add(libc, ruleset: int, rule: Rule, handled: int) -> str:
    try:
        fd = os.open(rule.path, os.O_PATH | os.O_CLOEXEC)
    except OSError as error:
        return error.strerror or str(error)
    try:
        rights = rule.rights & handled
        if not os.path.isdir(rule.path):
            rights &= _FILE_RIGHTS
        attr = _PathBeneathAttr(rights, fd)
        if libc.syscall(ctypes.c_long(_ADD_RULE), ctypes.c_int(ruleset),
                        ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(attr), ctypes.c_uint32(0)):
            return os.strerror(ctypes.get_errno())
        return ""
    finally:
        os.close(fd)


def _existing(paths: list[str]) -> list[str]:
    seen, out = set(), []
    for path in paths:
        if not path or not os.path.exists(path):
            continue
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            out.append(real)
    return out


def _exposes_home(entry: str) -> bool:
    """A path entry that is the root or holds the home folder (a PYTHONPATH of ~ or /)
    would open every file of the teacher's: it is not allowed as a whole."""
    home = os.path.realpath(os.path.expanduser("~"))
    real = os.path.realpath(entry)
    return real == "/" or home == real or home.startswith(real.rstrip("/") + "/")


def _elf_interpreter(program: str) -> str:
    """The dynamic loader named in an ELF program's PT_INTERP header ("" when none)."""
    try:
        with open(program, "rb") as f:
            head = f.read(64)
            if head[:4] != b"\x7fELF" or head[4] != 2:  # 64-bit only: what runs Python 3.11+
                return ""
            order = "little" if head[5] == 1 else "big"
            phoff = int.from_bytes(head[32:40], order)
            size, count = int.from_bytes(head[54:56], order), int.from_bytes(head[56:58], order)
            for k in range(count):
                f.seek(phoff + k * size)
                entry = f.read(size)
                if int.from_bytes(entry[0:4], order) == 3:  # PT_INTERP
                    offset, length = int.from_bytes(entry[8:16], order), int.from_bytes(entry[32:40], order)
                    f.seek(offset)
                    return f.read(length).rstrip(b"\0").decode()
    except (OSError, ValueError, IndexError):
        pass
    return ""


_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class _Hook:
    """Python's audit events checked against the same rules, so that what the kernel would
    refuse is refused first with a message naming bpdebug's confinement."""

    def __init__(self, table: list[Rule], abi: int) -> None:
        self.table, self.abi = table, abi
        self.interpreters = {rule.path for rule in table if rule.rights & EXECUTE}

    def __call__(self, event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            writing = (any(c in mode for c in "wax+") if isinstance(mode, str)
                       else bool((flags or 0) & _WRITING))
            self.path(path, WRITE_FILE if writing else READ_FILE,
                      "writing" if writing else "reading")
        elif event in ("os.listdir", "os.scandir"):
            self.path(args[0], READ_DIR, "listing")
        elif event in ("os.remove", "os.rmdir", "os.mkdir", "os.rename", "os.link", "os.symlink",
                       "os.truncate", "os.chmod", "os.chown", "os.utime", "os.chflags"):
            # Landlock leaves a file's mode, owner and times alone: here Python's own calls
            # for them are held to the write rule (code that goes around Python is not).
            self.path(args[0], WRITE_FILE, "changing")
        elif event in ("socket.connect", "socket.bind") and self.abi >= 4:
            sock, address = args
            if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
                verb = "connecting to" if event == "socket.connect" else "listening on"
                where = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)
                self.refuse(f"{verb} {where} (TCP)")
        elif event in ("os.exec", "os.posix_spawn", "subprocess.Popen", "os.system"):
            program = "/bin/sh" if event == "os.system" else args[0]
            if event == "subprocess.Popen" and program is None:
                argv = args[1]
                program = argv if isinstance(argv, (str, bytes)) else (argv[0] if argv else "")
            self.program(program)

    def path(self, path, right: int, verb: str) -> None:
        if isinstance(path, int) or path is None:  # a descriptor: the kernel decides
            return
        try:
            resolved = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return
        if not any(rule.rights & right and rule.covers(resolved) for rule in self.table):
            self.refuse(f"{verb} {resolved}")

    def program(self, program) -> None:
        try:
            name = os.fsdecode(program)
        except TypeError:
            return
        found = name if os.sep in name else (shutil.which(name) or name)
        if os.path.realpath(found) not in self.interpreters:
            self.refuse(f"starting {name}")

    @staticmethod
    def refuse(what: str) -> None:
        raise PermissionError(f"{what} is not allowed while grading (bpdebug confines hand-ins)")

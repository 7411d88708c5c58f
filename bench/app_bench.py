"""App: time to first frame, step latency, and how long a key waits while training.

Each app runs in a child process (bench/app_child.py) on a real pseudo-terminal
(120×40, or the size given) that this process drains, so Textual's own Linux driver
parses the keys and writes every frame, as in a terminal.  The child reports
timestamps through hooks on the running app (see app_child.py); nothing here waits
on Pilot.

* Time to first frame: from just before the child is spawned to the end of the
  first App._display that writes a frame; the same for Textual's empty App.
* Step latency, at 120×36 and 200×60: from the moment the driver posts the `n` Key
  event to the app, to the end of the first frame that *begins* after the `step`
  action (which holds Engine.next) has returned: the first frame that can show the
  step; and to the end of the last frame (the settled screen).  The same for
  bench/baseline_apps.py's LinesApp (the yardstick), one-label app and full-screen
  Static (references), running at the same time on ptys of the same size; rounds
  alternate between the apps, and the figure is the median over rounds of the
  ratio to LinesApp.
* While training: `t` starts training; 0.2-0.5 s later `escape` is pressed; the
  answer is the end of the first frame that begins after the key's action ran.
  Samples where training had already finished are dropped.
"""

from __future__ import annotations

import fcntl
import os
import pty
import random
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

from bench.timing import median, percentile

ROOT = Path(__file__).resolve().parent.parent
COLS, ROWS = 120, 40
KEYS = {"n": b"n", "t": b"t", "escape": b"\x1b", "q": b"q", "ctrl+q": b"\x11"}

STARTUP_RATIO = 1.3
ANSWER_TARGET = 0.050


def app_importable() -> str | None:
    """None when bpdebug's app can be imported; else the one-line reason."""
    if os.environ.get("BENCH_APP_FACTORY"):
        return None
    try:
        from bpdebug.app.app import BpdebugApp  # noqa: F401
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {error}".splitlines()[0]
    return None


class Session:
    """One app in a child process, on a pty, with its event log."""

    def __init__(self, which: str, extra_env: dict | None = None,
                 size: tuple[int, int] = (COLS, ROWS)):
        self.which = which
        self.size = size
        self.events: list[tuple] = []
        self.cond = threading.Condition()
        master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        rfd, wfd = os.pipe()
        # A user's Python caches bytecode; this sandbox sets PYTHONDONTWRITEBYTECODE, which
        # would recompile bpdebug's sources at every start and count that as startup.
        env = {k: v for k, v in os.environ.items()
               if k not in ("COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE")
               and not k.startswith("TEXTUAL")}
        env.update(TERM="xterm-256color", COLORTERM="truecolor", BENCH_APP_FD=str(wfd),
                   PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
        env.update(extra_env or {})
        self.stderr = tempfile.TemporaryFile()
        self.t_spawn = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.app_child", which],
                                     stdin=slave, stdout=slave, stderr=self.stderr,
                                     pass_fds=(wfd,), cwd=ROOT, env=env, start_new_session=True)
        os.close(slave)
        os.close(wfd)
        self.master = master
        self.output_bytes = 0
        threading.Thread(target=self._drain, daemon=True).start()
        threading.Thread(target=self._read_log, args=(rfd,), daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:
                return
            if not data:
                return
            self.output_bytes += len(data)

    def _read_log(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as pipe:
            for raw in pipe:
                parts = raw.decode().split()
                fields = tuple(float(p) if _is_float(p) else p for p in parts[1:])
                with self.cond:
                    self.events.append((parts[0], *fields))
                    self.cond.notify_all()

    def find(self, kind: str, where=lambda e: True):
        for event in self.events:
            if event[0] == kind and where(event):
                return event
        return None

    def wait_for(self, kind: str, where=lambda e: True, timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = self.find(kind, where)
                if found is not None or self.proc.poll() is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def frames(self):
        return [e for e in self.events if e[0] == "frame"]

    def quiet(self, gap: float = 0.15, limit: float = 5.0) -> None:
        """Wait until no frame has been written for `gap` seconds (or `limit` passed)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            frames = self.frames()
            last = frames[-1][3] if frames else self.t_spawn
            if time.monotonic() - last >= gap:
                return
            time.sleep(gap / 3)

    def first_frame(self) -> tuple:
        """The first frame's event; raises when the app draws none within a minute."""
        frame = self.wait_for("frame", timeout=60)
        if frame is None:
            raise RuntimeError(f"{self.which}: no frame within 60 s ({self.error()})")
        return frame

    def press(self, key: str) -> float:
        t = time.monotonic()
        os.write(self.master, KEYS[key])
        return t

    def error(self) -> str:
        self.stderr.seek(0)
        text = self.stderr.read().decode(errors="replace").strip()
        return text.splitlines()[-1] if text else f"exit code {self.proc.returncode}"

    def close(self, quit_key: str) -> None:
        if self.proc.poll() is None:
            try:
                self.press(quit_key)
                self.proc.wait(timeout=3)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _size(size: tuple[int, int]) -> str:
    return f"{size[0]}×{size[1]}"


def _quit_key(which: str) -> str:
    return "ctrl+q" if which in ("empty", "numpy") else "q"


# ---- time to first frame ------------------------------------------------------------

def first_frame(which: str) -> dict[str, float]:
    s = Session(which)
    try:
        frame = s.first_frame()
        start, imported, constructed = (s.find(k) for k in ("start", "imported", "constructed"))
        return {"total": frame[3] - s.t_spawn,
                "interpreter": start[1] - s.t_spawn,
                "imports": imported[1] - start[1],
                "construct": constructed[1] - imported[1],
                "first frame": frame[3] - constructed[1]}
    finally:
        s.close(_quit_key(which))


def startup(table, quick: bool, scenarios: list[str]) -> bool:
    rounds = 3 if quick else 9
    apps = ["empty", "numpy"] + scenarios
    runs: dict[str, list[dict]] = {a: [] for a in apps}
    for which in apps:  # warm up: the file cache, and bytecode caches written once
        first_frame(which)
    for r in range(rounds):
        k = r % len(apps)
        for which in apps[k:] + apps[:k]:
            runs[which].append(first_frame(which))
    empty = median([x["total"] for x in runs["empty"]])
    met = True
    for which in scenarios:
        total = median([x["total"] for x in runs[which]])
        table.row(f"time to first frame, {which} / empty Textual app",
                  f"{total * 1e3:.0f} / {empty * 1e3:.0f} ms = {total / empty:.2f}×",
                  f"≤ {STARTUP_RATIO:.1f}×", total / empty <= STARTUP_RATIO)
        met = met and total / empty <= STARTUP_RATIO
    floor = median([x["total"] for x in runs["numpy"]])
    table.note(f"time to first frame, the empty Textual app after `import numpy` / the empty "
               f"app: {floor * 1e3:.0f} / {empty * 1e3:.0f} ms = {floor / empty:.2f}×: the floor "
               f"of any Textual app that computes with NumPy, before it draws anything of its "
               f"own (the target is {STARTUP_RATIO:.1f}×); bpdebug / that floor: " + ", ".join(
                   f"{which} {median([x['total'] for x in runs[which]]) / floor:.2f}×"
                   for which in scenarios))
    for which in apps:
        parts = ", ".join(f"{k} {median([x[k] for x in runs[which]]) * 1e3:.0f} ms"
                          for k in ("interpreter", "imports", "construct", "first frame"))
        table.note(f"first frame, {which} (median of {rounds}): {parts}")
    return met


# ---- step latency, against a minimal app ----------------------------------------------

STEP_SIZES = ((120, 36), (200, 60))
# bpdebug / LinesApp, the medians of per-round ratios in the same run: the first frame
# after `n`, and the screen settled (the end of the step's last frame).
STEP_RATIO = {"xor": 2.0, "mnist-size": 3.0}
SETTLED_RATIO = {"xor": 2.5, "mnist-size": 3.5}
TAIL_RATIO = 2.0  # the p95 of a scenario's step latency / its own median
YARDSTICK = "lines"  # bench/baseline_apps.py: a full screen of changed numbers, Line API
BASELINE = "label"  # bench/baseline_apps.py: one Label whose text `n` changes
FULL_SCREEN = "screen"  # bench/baseline_apps.py: the same screen as a Static of Content
REFERENCES = (YARDSTICK, BASELINE, FULL_SCREEN)
SETTLE_GAP = 0.15  # the screen has settled when no frame follows within this long


def _step(s: Session, engine: bool) -> dict | None:
    """Press `n` once, then wait until the app's frames stop.  The latency runs from the
    key event's posting to the end of the first frame that *begins* after the `step`
    action returned: for bpdebug that action holds Engine.next, so no earlier frame
    can show the step.  The settled screen runs to the end of the last frame before
    SETTLE_GAP without one.  None when a part never came, or bpdebug refused to step."""
    t_write = s.press("n")
    post = s.wait_for("post", lambda e: e[1] == "n" and e[2] >= t_write, 2)
    if post is None:
        return None
    t_post = post[2]
    action = s.wait_for("action", lambda e: e[1] == "step" and e[2] >= t_post, 2)
    if action is None:
        return None
    ready = action[3]
    step = s.find("next", lambda e: t_post <= e[1] <= ready)
    if engine and step is None:
        return None
    frame = s.wait_for("frame", lambda e: e[1] >= ready, 2)
    if frame is None:
        return None
    s.quiet(SETTLE_GAP, 3)
    burst = [f for f in s.frames() if f[1] >= ready]
    end = burst[-1][3]
    collections = [e for e in s.events if e[0] == "gc" and t_post <= e[2] <= end]
    return {"latency": frame[3] - t_post, "handle": ready - t_post, "wait": frame[1] - ready,
            "paint": frame[3] - frame[1], "settled": end - t_post, "frames": len(burst),
            "engine": step[2] - step[1] if step is not None else None,
            "gc": [(int(e[1]), e[3] - e[2]) for e in collections]}


def step_rounds(size: tuple[int, int], apps: list[str], rounds: int,
                warm: int = 3) -> dict[str, list[dict | None]]:
    """Every app runs at once, each in its own child on its own pty of this size.  A
    round presses `n` once in each, one app at a time (each quiet before the next is
    pressed), in an order that rotates every round, so a slow spell of the machine
    usually covers every app of the round.  The first `warm` rounds are not kept."""
    sessions: dict[str, Session] = {}
    out: dict[str, list[dict | None]] = {which: [] for which in apps}
    try:
        for which in apps:
            sessions[which] = Session(which, size=size)
        for s in sessions.values():
            s.first_frame()
        for s in sessions.values():
            s.quiet(0.3, 10)
        for r in range(warm + rounds):
            k = r % len(apps)
            for which in apps[k:] + apps[:k]:
                got = _step(sessions[which], engine=which not in REFERENCES)
                if r >= warm:
                    out[which].append(got)
                time.sleep(random.uniform(0.02, 0.06))
    finally:
        for which, s in sessions.items():
            s.close(_quit_key(which))
    return out


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def _split(samples: list[dict]) -> str:
    engine = [x["engine"] for x in samples if x["engine"] is not None]
    inside = f" (Engine.next {_ms(median(engine))})" if engine else ""
    return (f"key event to the action done {_ms(median([x['handle'] for x in samples]))}{inside}, "
            f"then to the next frame's start {_ms(median([x['wait'] for x in samples]))}, "
            f"that frame {_ms(median([x['paint'] for x in samples]))}; until the frames stop "
            f"{_ms(median([x['settled'] for x in samples]))} "
            f"(p95 {_ms(percentile([x['settled'] for x in samples], 95))}), "
            f"frames painted {median([x['frames'] for x in samples]):g}; " + _collections(samples))


def _collections(samples: list[dict]) -> str:
    """The garbage collections inside the steps: how many of each generation, the longest."""
    seen = [c for x in samples for c in x.get("gc", [])]
    full = [t for generation, t in seen if generation == 2]
    young = [t for generation, t in seen if generation < 2]
    return (f"garbage collections inside the {len(samples)} steps: {len(full)} full "
            f"(longest {_ms(max(full, default=0.0))}), {len(young)} young "
            f"(longest {_ms(max(young, default=0.0))})")


def _paired(mine: list[dict | None], theirs: list[dict | None], key: str) -> list[float]:
    """Round by round, mine[key] / theirs[key], where both rounds were seen."""
    return [x[key] / b[key] for x, b in zip(mine, theirs) if x is not None and b is not None]


def step_latency(table, quick: bool, scenarios: list[str]) -> list[tuple[str, tuple[int, int]]]:
    """At each size, for each scenario, three rows: the first frame after `n` and the
    settled screen, each against LinesApp in the same rounds, and the p95 of the first
    frame against its own median.  Returns the (scenario, size) pairs with a target missed."""
    rounds = 15 if quick else 60
    missed = []
    for size in STEP_SIZES:
        got = step_rounds(size, list(REFERENCES) + scenarios, rounds)
        lines = got[YARDSTICK]
        for which in scenarios:
            where = f"{which}, {_size(size)}"
            latency = _paired(got[which], lines, "latency")
            if not latency:
                table.skip(f"step latency `n`, {where}: bpdebug / LinesApp",
                           "no step was seen (does `n` call Engine.next?)",
                           f"≤ {STEP_RATIO.get(which, 3.0):g}×")
                missed.append((which, size))
                continue
            kept = [x for x, b in zip(got[which], lines) if x is not None and b is not None]
            theirs = [b for x, b in zip(got[which], lines) if x is not None and b is not None]
            met = True
            for figure, key, target in (("step latency `n`", "latency", STEP_RATIO.get(which, 3.0)),
                                        ("settled screen after `n`", "settled",
                                         SETTLED_RATIO.get(which, 3.5))):
                ratio = median(_paired(got[which], lines, key))
                mine, base = [x[key] for x in kept], [b[key] for b in theirs]
                table.row(f"{figure}, {where}: bpdebug / LinesApp",
                          f"{ratio:.2f}× (median {_ms(median(mine))} / {_ms(median(base))}; "
                          f"p95 {_ms(percentile(mine, 95))} / {_ms(percentile(base, 95))})",
                          f"≤ {target:g}×", ratio <= target)
                met = met and ratio <= target
            mine = [x["latency"] for x in kept]
            tail = percentile(mine, 95) / median(mine)
            table.row(f"p95 of step latency `n`, {where} / its median",
                      f"{tail:.2f}× ({_ms(percentile(mine, 95))} / {_ms(median(mine))})",
                      f"≤ {TAIL_RATIO:g}×", tail <= TAIL_RATIO)
            met = met and tail <= TAIL_RATIO
            if not met:
                missed.append((which, size))
            table.note(f"step `n`, {where}: {len(kept)} rounds kept of {rounds} "
                       f"({rounds - len(kept)} dropped: a step or a frame not seen); against "
                       f"the one-label app, in the same rounds: "
                       f"{median(_paired(got[which], got[BASELINE], 'latency')):.1f}×, against "
                       f"the full-screen Static: "
                       f"{median(_paired(got[which], got[FULL_SCREEN], 'latency')):.2f}×; "
                       f"medians for bpdebug: " + _split(kept))
        for which, name in ((YARDSTICK, "LinesApp"), (BASELINE, "one-label app"),
                            (FULL_SCREEN, "full-screen Static")):
            kept = [b for b in got[which] if b is not None]
            if kept:
                table.note(f"step `n`, {name}, {_size(size)}: {len(kept)} presses, latency median "
                           f"{_ms(median([b['latency'] for b in kept]))}, p95 "
                           f"{_ms(percentile([b['latency'] for b in kept], 95))}; medians: "
                           + _split(kept))
    return missed


# ---- a key while training -----------------------------------------------------------

def _answer(s: Session, key: str) -> dict | None:
    """Press a key; how long until the app began on it, and until the first frame that
    begins after its action ran has been written.  Times from the key event's posting."""
    t_write = s.press(key)
    post = s.wait_for("post", lambda e: e[1] == key and e[2] >= t_write, 2)
    if post is None:
        return None
    t_post = post[2]
    keyin = s.wait_for("keyin", lambda e: e[1] == key and e[2] >= t_post, 2)
    action = s.wait_for("action", lambda e: e[2] >= t_post, 2)
    ready = action[3] if action is not None else (keyin[2] if keyin else t_post)
    frame = s.wait_for("frame", lambda e: e[1] >= ready, 2)
    if frame is None:
        return None
    return {"key": key, "post": t_post, "delay": t_post - t_write, "answer": frame[3] - t_post,
            "wait": (keyin[2] - t_post) if keyin else float("nan"),
            "before": frame[1] - ready, "paint": frame[3] - frame[1]}


def training_answer(table, quick: bool, which: str) -> None:
    """While `t` trains in the background: `n` (refused with a toast), then `escape`
    (stop), each answered by a frame."""
    rounds = 4 if quick else 12
    s = Session(which)
    answers: list[dict] = []
    stops, dropped = [], 0
    try:
        s.first_frame()
        s.quiet(0.3, 10)
        for _ in range(rounds):
            t_t = s.press("t")
            began = s.wait_for("trainstart", lambda e: e[1] >= t_t, 3)
            if began is None:
                dropped += 1
                continue
            for key, pause in (("n", (0.2, 0.4)), ("escape", (0.1, 0.2))):
                time.sleep(random.uniform(*pause))
                if not _training(s, began[1]):
                    dropped += 1  # it finished before the key: nothing to measure
                    continue
                got = _answer(s, key)
                if got is None:
                    dropped += 1
                    continue
                answers.append(got)
                if key == "escape":
                    end = s.wait_for("train", lambda e: e[2] >= got["post"], 30)
                    if end is not None:
                        stops.append(end[2] - got["post"])
            s.wait_for("train", lambda e: e[1] >= began[1], 60)
            s.quiet(0.2, 5)
    finally:
        s.close("q")
    if not answers:
        table.skip(f"key answered while training, {which}",
                   f"no training run was caught in progress ({dropped} tries)")
        return
    times = [a["answer"] for a in answers]
    p95 = percentile(times, 95)
    table.row(f"key answered while training, {which}: median (p95, worst)",
              f"{median(times) * 1e3:.1f} ms ({p95 * 1e3:.1f}, {max(times) * 1e3:.1f} ms)",
              f"p95 ≤ {ANSWER_TARGET * 1e3:.0f} ms", p95 <= ANSWER_TARGET)
    for key in ("n", "escape"):
        mine = [a for a in answers if a["key"] == key]
        if not mine:
            continue
        table.note(f"while training {which}, `{key}` ({len(mine)} presses): answered median "
                   f"{median([a['answer'] for a in mine]) * 1e3:.1f} ms, worst "
                   f"{max(a['answer'] for a in mine) * 1e3:.1f} ms; key event to the app "
                   f"starting on it median {median([a['wait'] for a in mine]) * 1e3:.1f} ms, worst "
                   f"{max(a['wait'] for a in mine) * 1e3:.1f} ms; action done to the frame's start "
                   f"median {median([a['before'] for a in mine]) * 1e3:.1f} ms, worst "
                   f"{max(a['before'] for a in mine) * 1e3:.1f} ms; that frame median "
                   f"{median([a['paint'] for a in mine]) * 1e3:.1f} ms, worst "
                   f"{max(a['paint'] for a in mine) * 1e3:.1f} ms; from the pty write to the key "
                   f"event (not counted) median {median([a['delay'] for a in mine]) * 1e3:.0f} ms")
    table.note(f"while training {which}: Engine.train returned a median "
               f"{median(stops) * 1e3:.0f} ms after `escape`; {dropped} presses dropped "
               f"(training over, or no answer)")
    busy, idle = _frame_times(s)
    table.note(f"frames of {which} (layout, widgets' lines, writing): median "
               f"{median(busy) * 1e3:.1f} ms while training ({len(busy)} frames), "
               f"{median(idle) * 1e3:.1f} ms otherwise ({len(idle)}): the training thread "
               f"and the app's thread share one interpreter lock and two cores")


def _frame_times(s: Session) -> tuple[list[float], list[float]]:
    """How long each frame took to make, split by whether a train call was running."""
    spans = [(e[1], e[2]) for e in s.events if e[0] == "train"]
    busy, idle = [], []
    for e in s.events:
        if e[0] == "frame":
            during = any(a <= e[1] <= b for a, b in spans)
            (busy if during else idle).append(e[3] - e[1])
    return busy, idle


# ---- profiles, for the targets that are missed ------------------------------------------

def import_breakdown(top: int = 5) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """`python -X importtime`: how long Textual, then NumPy, then bpdebug's app on top of
    both take to import (ms), and the largest imports inside that last one."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    roots = ["textual.app", "numpy", "bpdebug.app.app"]
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {', '.join(roots)}"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    totals: dict[str, float] = {}
    children: list[tuple[str, float]] = []
    pending: list[tuple[str, float]] = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        name = name.strip()
        if depth == 1:
            pending.append((name, float(cumulative) / 1e3))
        elif depth == 0:
            totals[name] = totals.get(name, 0.0) + float(cumulative) / 1e3
            if name == roots[-1]:
                children = pending
            pending = []
    return totals, sorted(children, key=lambda kv: -kv[1])[:top]


def profile_keys(which: str, key: str = "n", presses: int = 30, top: int = 8,
                 size: tuple[int, int] = (COLS, ROWS)) -> list[str]:
    """cProfile the app's thread while `key` is pressed `presses` times: first the time
    of every function together, then the functions with the most time of their own,
    as 'name (file:line) ms/press'."""
    import pstats

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "app.prof")
        s = Session(which, {"BENCH_APP_PROFILE": path, "BENCH_APP_PROFILE_KEY": key}, size)
        try:
            if s.wait_for("frame", timeout=60) is None:
                return []
            s.quiet(0.3, 10)
            for _ in range(presses):
                s.press(key)
                time.sleep(0.15)
            s.quiet(0.3, 5)
        finally:
            s.close("q")
        if not os.path.exists(path):
            return []
        stats = pstats.Stats(path).stats
    idle = ("poll", "select", "acquire", "sleep", "wait")  # waiting, not working
    rows = [kv for kv in stats.items() if not any(word in kv[0][2] for word in idle)]
    out = [f"all functions {sum(kv[1][2] for kv in rows) / presses * 1e3:.1f} ms/press"]
    rows = sorted(rows, key=lambda kv: -kv[1][2])[:top]  # tottime
    for (file, line, name), (_cc, _nc, tottime, cumtime, _callers) in rows:
        short = "/".join(Path(file).parts[-2:]) if file != "~" else "builtin"
        out.append(f"{name} ({short}:{line}) {tottime / presses * 1e3:.1f} ms/press")
    return out


def _training(s: Session, since: float) -> bool:
    """Is a train call open (or did one end in the last 50 ms, between two calls)?"""
    with s.cond:
        starts = [e[1] for e in s.events if e[0] == "trainstart" and e[1] >= since]
        ends = [e for e in s.events if e[0] == "train" and e[1] >= since]
    closed = {e[1] for e in ends}
    if any(t not in closed for t in starts):
        return True
    return bool(ends) and time.monotonic() - ends[-1][2] < 0.05


def steps(table, quick: bool, scenarios: list[str]) -> None:
    """Step latency against LinesApp at every size; for a missed target, a cProfile of
    both apps at that size (cProfile slows both, so only the shares count)."""
    missed = step_latency(table, quick, scenarios)
    presses = 15 if quick else 30
    for size in dict.fromkeys(size for _, size in missed):
        base = profile_keys(YARDSTICK, "n", presses, 6, size) or ["?"]
        table.note(f"step profile, LinesApp, {_size(size)}, cProfile of the app's thread: "
                   + "; ".join(base))
        for which in [w for w, sz in missed if sz == size]:
            top = profile_keys(which, "n", presses, 6, size)
            table.note(f"step profile, {which}, {_size(size)}, cProfile of the app's thread "
                       f"(LinesApp: {base[0]}): " + "; ".join(top))


def _skipped(table, figures: tuple[str, ...]) -> bool:
    reason = app_importable()
    if reason is None:
        return False
    line = f"bpdebug.app.app is not importable yet ({reason})"
    print(f"  app benchmarks skipped: {line}", flush=True)
    for figure in figures:
        table.skip(figure, line)
    return True


def run_steps(table, quick: bool) -> None:
    """Only the step latency against LinesApp (`--only steps`)."""
    if not _skipped(table, ("step latency",)):
        steps(table, quick, ["xor", "mnist-size"])


def run_startup(table, quick: bool, scenarios=("xor", "mnist-size")) -> None:
    """Only the time to first frame, with its profile where it misses (`--only startup`)."""
    if _skipped(table, ("time to first frame",)):
        return
    if not startup(table, quick, list(scenarios)):
        totals, inside = import_breakdown()
        table.note("startup profile, `python -X importtime` (cumulative ms, in this order): "
            + ", ".join(f"{name} {totals.get(name, 0):.0f}"
                        for name in ("textual.app", "numpy", "bpdebug.app.app"))
            + "; largest inside bpdebug.app.app: " + ", ".join(f"{n} {ms:.0f}" for n, ms in inside))


def run_training(table, quick: bool) -> None:
    """Only how long a key waits while training (`--only training`)."""
    if not _skipped(table, ("key answered while training",)):
        training_answer(table, quick, "mnist-size")


def run(table, quick: bool) -> None:
    if _skipped(table, ("time to first frame", "step latency", "key answered while training")):
        return
    scenarios = ["xor", "mnist-size"]
    run_startup(table, quick, scenarios)
    steps(table, quick, scenarios)
    training_answer(table, quick, "mnist-size")

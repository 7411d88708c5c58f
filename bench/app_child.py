"""Runs one Textual app on the terminal it is given (a pty the parent made) and
reports what happens, with timestamps, on a pipe: the parent's side is app_bench.py.

    python -m bench.app_child empty          # Textual's own empty App
    python -m bench.app_child numpy          # the same, after `import numpy`: the floor of
                                             # any Textual app that computes with NumPy
    python -m bench.app_child xor            # BpdebugApp(load("xor"))
    python -m bench.app_child lines          # bench/baseline_apps.py: `n` repaints a full screen
                                             # through the Line API (the yardstick)
    python -m bench.app_child label          # bench/baseline_apps.py: one Label, `n` updates it
    python -m bench.app_child screen         # bench/baseline_apps.py: the same full screen as
                                             # a Static holding Content

The hooks are wrapped around class methods before the app exists, so they see the
running app without changing what it does.  Every time is time.monotonic()
(CLOCK_MONOTONIC, the same clock in the parent and this process):

    start t                      this module begins (the interpreter is up)
    imported t                   Textual (and bpdebug) imported
    constructed t                the App object exists
    frame t0 td t1               a frame: the screen began its update (layout, widgets'
                                 lines) at t0, App._display began writing it at td and
                                 handed the last of it to the driver at t1
    post KEY t                   the driver posted a Key event to the app (input thread)
    keyin KEY t / keyout KEY t   App.on_event began / finished with that Key
    action NAME t0 t1            App.run_action, the binding's action, ran
    next t0 t1                   Engine.next (one step) ran
    trainstart t / train t0 t1 DONE
                                 Engine.train began / ran (in whatever thread the app uses)
    gc GENERATION t0 t1          a garbage collection of that generation ran (any thread)
"""

from __future__ import annotations

import os
import sys
import time

_T_START = time.monotonic()
_FD = int(os.environ.get("BENCH_APP_FD", "-1"))


def emit(*parts) -> None:
    if _FD >= 0:
        line = " ".join(f"{p:.6f}" if isinstance(p, float) else str(p) for p in parts) + "\n"
        os.write(_FD, line.encode())


# BENCH_APP_PROFILE=FILE: cProfile the app's thread from the first BENCH_APP_PROFILE_KEY
# (default n) to the exit, and write the stats to FILE (app_bench.profile_keys reads it).
PROFILE_KEY = os.environ.get("BENCH_APP_PROFILE_KEY", "n")
PROFILE = None
if os.environ.get("BENCH_APP_PROFILE"):
    import cProfile

    PROFILE = [cProfile.Profile(), False]


def _hook_textual() -> None:
    from textual import events
    from textual.app import App
    from textual.driver import Driver
    from textual.screen import Screen

    display = App._display
    painting = [0, 0.0]  # depth of nested screen updates, when the outermost began

    def _display(self, screen, renderable):
        writes = (renderable is not None and not self._batch_count and self._running
                  and not self._closed and not self.is_headless and self._driver is not None)
        t0 = time.monotonic()
        try:
            return display(self, screen, renderable)
        finally:
            if writes:
                emit("frame", painting[1] if painting[0] else t0, t0, time.monotonic())

    App._display = _display

    # A frame begins when the screen starts its update (layout, then every dirty
    # widget's lines, then _display): hook both ways in.
    def painter(method):
        def wrapper(self, *args, **kwargs):
            if painting[0] == 0:
                painting[1] = time.monotonic()
            painting[0] += 1
            try:
                return method(self, *args, **kwargs)
            finally:
                painting[0] -= 1
        return wrapper

    Screen._on_timer_update = painter(Screen._on_timer_update)
    Screen._refresh_layout = painter(Screen._refresh_layout)

    process = Driver.process_message

    def process_message(self, message):
        if isinstance(message, events.Key):
            emit("post", message.key, time.monotonic())
        return process(self, message)

    Driver.process_message = process_message

    on_event = App.on_event

    async def on_event_hook(self, event):
        if isinstance(event, events.Key) and not event.is_forwarded:
            if PROFILE is not None and not PROFILE[1] and event.key == PROFILE_KEY:
                PROFILE[1] = True
                PROFILE[0].enable()  # from the first such key on, in the app's own thread
            emit("keyin", event.key, time.monotonic())
            try:
                return await on_event(self, event)
            finally:
                emit("keyout", event.key, time.monotonic())
        return await on_event(self, event)

    App.on_event = on_event_hook

    run_action = App.run_action

    async def run_action_hook(self, action, *args, **kwargs):
        t0 = time.monotonic()
        try:
            return await run_action(self, action, *args, **kwargs)
        finally:
            name = action if isinstance(action, str) else getattr(action, "name", action)
            emit("action", str(name).replace(" ", "_"), t0, time.monotonic())

    App.run_action = run_action_hook


def _hook_gc() -> None:
    import gc

    started = [0.0]

    def callback(phase, info) -> None:
        if phase == "start":
            started[0] = time.monotonic()
        else:
            emit("gc", info["generation"], started[0], time.monotonic())

    gc.callbacks.append(callback)


def _hook_engine() -> None:
    from bpdebug.engine.cursor import Engine

    step = Engine.next

    def next_hook(self, *args, **kwargs):
        t0 = time.monotonic()
        try:
            return step(self, *args, **kwargs)
        finally:
            emit("next", t0, time.monotonic())

    Engine.next = next_hook

    train = Engine.train

    def train_hook(self, *args, **kwargs):
        t0 = time.monotonic()
        emit("trainstart", t0)
        done = "?"
        try:
            result = train(self, *args, **kwargs)
            done = getattr(result, "done", "?")
            return result
        finally:
            emit("train", t0, time.monotonic(), done)

    Engine.train = train_hook


BASELINES = ("empty", "numpy", "lines", "label", "screen")  # Textual apps without bpdebug (and without an Engine)


def make_app(which: str):
    """The app to run: Textual's empty App, a baseline of bench/baseline_apps.py, or
    bpdebug's on a bundled scenario."""
    factory = os.environ.get("BENCH_APP_FACTORY")  # "module:callable", for trying the harness
    if which in ("empty", "numpy"):
        if which == "numpy":
            import numpy  # noqa: F401 - its import is what is measured
        from textual.app import App
        emit("imported", time.monotonic())
        return App()
    if which in BASELINES:
        from bench.baseline_apps import LabelApp, LinesApp, ScreenApp
        emit("imported", time.monotonic())
        return {"lines": LinesApp, "label": LabelApp, "screen": ScreenApp}[which]()
    from bpdebug.scenario.reader import load
    if factory:
        import importlib
        module, _, name = factory.partition(":")
        cls = getattr(importlib.import_module(module), name)
    else:
        from bpdebug.app.app import BpdebugApp as cls
    emit("imported", time.monotonic())
    return cls(load(which))


def main() -> None:
    which = sys.argv[1]
    emit("start", _T_START)
    _hook_textual()
    _hook_gc()
    if which not in BASELINES:
        _hook_engine()
    app = make_app(which)
    emit("constructed", time.monotonic())
    app.run()
    if PROFILE is not None:
        PROFILE[0].disable()
        PROFILE[0].dump_stats(os.environ["BENCH_APP_PROFILE"])
    emit("exit", time.monotonic())


if __name__ == "__main__":
    main()

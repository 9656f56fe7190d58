"""A one-line progress bar on stderr (rate and ETA), for training started from Python."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, what: str, unit: str, stream=None):
        self.what, self.unit = what, unit
        self.stream = stream or sys.stderr
        self.last = 0.0

    def __call__(self, info: dict) -> None:
        if "progress" not in info:
            return
        now = time.monotonic()
        if not info.get("finished") and now - self.last < 0.25:
            return
        self.last = now
        fraction = info["progress"]
        width = 30
        filled = int(round(fraction * width))
        rate = info.get(f"{self.unit}_per_second", 0.0)
        eta = info.get("eta_seconds", 0.0)
        line = (f"\r{self.what} [{'#' * filled}{'.' * (width - filled)}] {100 * fraction:5.1f}% "
                f"epoch {info.get('epoch', 0) + 1}  {rate / 1000:,.0f}k {self.unit}/s  "
                f"loss {info.get('loss', 0.0):.4f}  ETA {eta:4.0f}s")
        self.stream.write(line)
        if info.get("finished"):
            self.stream.write("\n")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def progress_callback(progress, what: str, unit: str):
    """``progress``: True (a bar), False/None (nothing, or a bar when stderr is a terminal and
    progress is None), or a callable that gets each report as a dict."""
    if callable(progress):
        return progress
    if progress or (progress is None and sys.stderr.isatty()):
        return ProgressBar(what, unit)
    return None

"""A benchmark child's answer, with the peak memory the child read for itself.

The parent cannot take a child's peak from `wait4`: on Linux a child's `ru_maxrss` keeps the
high-water mark of the copy of the parent it was forked from, before it exec'd Python anew, so a
child started by a parent of 300 MiB reports at least 300 MiB however little it used (the earlier
phases of a whole `make bench` leave the parent that big). VmHWM in /proc/self/status belongs
to the child's own memory since exec.
"""

import json
from pathlib import Path

PEAK_KEY = "peak_rss_bytes"


def peak_rss_bytes() -> int:
    """This process's peak resident memory since it started its program."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # kB
    raise RuntimeError("/proc/self/status has no VmHWM line")


def reply(result: dict) -> None:
    """Print the child's answer as JSON for the parent, with its peak memory."""
    print(json.dumps({**result, PEAK_KEY: peak_rss_bytes()}))


def read_reply(output: str) -> tuple[dict, int]:
    """The child's answer and its peak resident memory in bytes."""
    answer = json.loads(output)
    return answer, answer.pop(PEAK_KEY)

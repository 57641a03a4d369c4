#!/usr/bin/env python3
"""Runs one command and records its wall time and peak RSS, as wait4(2) reports them.

usage: measure.py OUT_JSON CMD [ARG...]

Writes {"ms": wall time from fork to exit, "cpuMs": the child's user+sys CPU time, "maxRssKb": the
child's peak resident set, "exit": status}
to OUT_JSON. Started inside the namespace (after `ip netns exec` and `env -i`), so neither of those
nor this interpreter's own start-up is part of the figure: only the command's life is.
"""

import json
import os
import sys
import time


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out, cmd = sys.argv[1], sys.argv[2:]
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    ms = (time.monotonic() - t0) * 1000.0
    code = os.waitstatus_to_exitcode(status)
    with open(out, "w", encoding="utf-8") as f:
        cpu_ms = (usage.ru_utime + usage.ru_stime) * 1000.0
        json.dump({"ms": round(ms, 2), "cpuMs": round(cpu_ms, 2), "maxRssKb": usage.ru_maxrss, "exit": code}, f)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())

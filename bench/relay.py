#!/usr/bin/env python3
"""Delay relay: two TAP devices joined by this process, every Ethernet frame held DELAY_MS each way.

usage: relay.py A_NAME B_NAME DELAY_MS

Run inside the lab's services namespace. It creates the TAP devices A_NAME and B_NAME there (not
persistent: they vanish with this process), prints "ready", and forwards each frame read from one device
to the other once it is DELAY_MS old. The caller moves A_NAME into the pod's namespace and gives both
ends their addresses, so the pod's link to the services is this relay instead of a veth pair.

Frames, not streams, are delayed: a TCP SYN, its SYN-ACK, every TLS flight and every DNS datagram pay
the delay, exactly as on a slow link (tc netem is not available on these kernels). A frame that cannot
be written (device down, queue full) is dropped, as a link would drop it. The process exits when its
stdin closes, so it never outlives the bench that started it.
"""

import collections
import fcntl
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
MAX_FRAME = 65536
# Frames in flight per direction: 25 ms at a few Gbit/s of small frames fits well below this.
MAX_QUEUED = 20000
# Frames read from one device per wake-up, so one busy direction cannot starve the other.
MAX_BATCH = 256


def open_tap(name: str) -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    a_name, b_name, delay_text = sys.argv[1], sys.argv[2], sys.argv[3]
    delay = float(delay_text) / 1000.0
    if not 0 <= delay <= 5:
        print("DELAY_MS must be within 0..5000", file=sys.stderr)
        return 2
    a = open_tap(a_name)
    b = open_tap(b_name)
    peer = {a: b, b: a}
    queues = {a: collections.deque(), b: collections.deque()}
    dropped = 0
    stdin = sys.stdin.fileno()
    print("ready", flush=True)

    while True:
        now = time.monotonic()
        for src, q in queues.items():
            dst = peer[src]
            while q and q[0][0] <= now:
                frame = q.popleft()[1]
                try:
                    os.write(dst, frame)
                except OSError:
                    dropped += 1
        due = [q[0][0] for q in queues.values() if q]
        timeout = max(0.0, min(due) - time.monotonic()) if due else 1.0
        readable, _, _ = select.select([a, b, stdin], [], [], timeout)
        if stdin in readable and os.read(stdin, 4096) == b"":
            return 0
        for fd in (a, b):
            if fd not in readable:
                continue
            q = queues[fd]
            for _ in range(MAX_BATCH):
                try:
                    frame = os.read(fd, MAX_FRAME)
                except BlockingIOError:
                    break
                except OSError:
                    break
                if len(q) >= MAX_QUEUED:
                    dropped += 1
                    continue
                q.append((time.monotonic() + delay, frame))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)

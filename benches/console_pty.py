"""The real console binary in a pseudo-terminal (120x40): milliseconds from exec to the first
frame (the header's last cell drawn) and to the first frame with data (an application id drawn),
with the process's VmRSS/VmHWM (kB) at those moments and one second later. A cross-check of the
criterion numbers of benches/tui.rs, which measure in-process on a TestBackend.

    python3 benches/console_pty.py target/release/powerdesk STORE_DIR
"""
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time

binary, store = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm-256color"
    os.execv(binary, [binary, "--store", store, "--lang", "zh"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))


def memory():
    with open(f"/proc/{pid}/status") as f:
        lines = f.read().splitlines()
    return " ".join(
        line.split(":")[0] + " " + line.split()[1]
        for line in lines
        if line.startswith(("VmRSS", "VmHWM"))
    )


out = b""
first = None
while time.monotonic() - t0 < 120:
    ready, _, _ = select.select([fd], [], [], 0.01)
    if not ready:
        continue
    try:
        out += os.read(fd, 65536)
    except OSError:
        break
    if first is None and "令".encode() in out:  # the last cell of the header (": 命令")
        first = time.monotonic() - t0
        print(f"first frame {first * 1000:.0f} ms  {memory()}")
    if b"JN-" in out:
        print(f"first data frame {(time.monotonic() - t0) * 1000:.0f} ms  {memory()}")
        break
time.sleep(1)
print(f"1 s later  {memory()}")
os.write(fd, b"q")
os.waitpid(pid, 0)

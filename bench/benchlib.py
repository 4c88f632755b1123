"""Shared helpers for oasis benchmarks: start servers pinned to a core, drive them with wrk
pinned to the other, and measure the server's own CPU time per request from /proc/PID/stat.

Every benchmark runs its anchor and oasis side by side in one run, alternating (A B A B ...),
and reports medians and ratios; absolute numbers on a shared machine are noise.
"""
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVER_CORE = "0"
LOAD_CORE = "1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def cpu_seconds(pid):
    """User + system CPU of a process and its threads, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class Server:
    """A server process pinned to SERVER_CORE."""

    def __init__(self, name, argv, port, cwd=None, env=None):
        self.name, self.port = name, port
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CORE] + argv, cwd=cwd, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_port(port)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


PIPELINE_LUA = """
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do r[i] = wrk.format(nil, wrk.path) end
  req = table.concat(r)
end
request = function() return req end
"""


def _lua(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def wrk(url, seconds=3, connections=32, pipeline=1, script=None, latency=False):
    """Runs wrk pinned to LOAD_CORE; returns dict(requests, rps, p50_ms, p99_ms, errors)."""
    argv = ["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s"]
    tmp = tempfile.mkdtemp(prefix="oasis-bench-")
    try:
        if latency:
            argv.append("--latency")
        if pipeline > 1:
            argv += ["-s", _lua(tmp, "pipeline.lua", PIPELINE_LUA)]
        elif script:
            argv += ["-s", script]
        argv.append(url)
        if pipeline > 1:
            argv += ["--", str(pipeline)]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30).stdout
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    if not m:
        raise RuntimeError("wrk printed no result:\n" + out)
    requests = int(m.group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    res = {"requests": requests, "rps": rps, "errors": 0, "p50_ms": None, "p99_ms": None}
    e = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if e:
        res["errors"] += int(e.group(1))
    e = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if e:
        res["errors"] += sum(int(x) for x in e.groups())
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if m:
            v = float(m.group(1))
            res[key] = v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
    return res


def measure(server, url, **kw):
    """One wrk run against server; adds the server's CPU-µs per request."""
    before = cpu_seconds(server.pid)
    r = wrk(url, **kw)
    after = cpu_seconds(server.pid)
    r["cpu_us"] = (after - before) * 1e6 / max(r["requests"], 1)
    return r


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

"""bench/client/inventory_aiohttp.py — the aiohttp side of bench/client/run: the same inventory
as inventory_bench.cpp with one aiohttp ClientSession (TCPConnector limit N, asyncio.gather).
Run with Debian's /usr/bin/python3 and its python3-aiohttp. aiohttp does not pipeline.

  /usr/bin/python3 inventory_aiohttp.py URL [--connections N] [--inventories K] [--warmup W]

Prints one JSON line like inventory_bench: wall time per inventory (ms), requests timed, and this
process's CPU time (time.process_time: user + system) over the timed part only.
"""
import argparse
import asyncio
import json
import time

import aiohttp

SUBS = ["", "/config", "/status/current", "/snapshot", "/firewall/options"]


def check(status, body, vmid, sub):
    if status != 200:
        raise RuntimeError(f"status {status}")
    d = body.get("data", body) if isinstance(body, dict) else body
    name = f"vm-{vmid}"
    ok = [
        lambda: d["vmid"] == vmid,
        lambda: d["name"] == name,
        lambda: d["vmid"] == vmid,
        lambda: len(d) == 2 and d[0]["description"].startswith(name),
        lambda: "policy_in" in d,
    ][sub]()
    if not ok:
        raise RuntimeError(f"answer for {name}{SUBS[sub]} is not about it")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--inventories", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--node", default="pve")
    a = ap.parse_args()
    base = a.url.rstrip("/")
    coll = f"{base}/nodes/{a.node}/qemu"
    headers = {"Accept": "application/json"}
    connector = aiohttp.TCPConnector(limit=a.connections)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def get(url):
            async with session.get(url) as r:
                return r.status, await r.json()

        async def inventory():
            _, lst = await get(coll)
            ids = [vm["vmid"] for vm in lst["data"]]
            jobs = [get(f"{coll}/{i}{s}") for i in ids for s in SUBS]
            results = await asyncio.gather(*jobs)
            for k, (status, body) in enumerate(results):
                check(status, body, ids[k // len(SUBS)], k % len(SUBS))
            return 1 + len(ids) * len(SUBS)

        for _ in range(a.warmup):
            await inventory()
        times, requests = [], 0
        c0 = time.process_time()
        for _ in range(a.inventories):
            t0 = time.perf_counter()
            requests += await inventory()
            times.append((time.perf_counter() - t0) * 1e3)
        cpu = time.process_time() - c0
    print(json.dumps({"client": "aiohttp", "mode": "pool", "connections": a.connections, "depth": 1,
                      "times_ms": times, "requests": requests, "cpu_s": cpu}))


asyncio.run(main())

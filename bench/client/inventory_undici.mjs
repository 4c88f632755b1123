// bench/client/inventory_undici.mjs — the undici side of bench/client/run: the same inventory
// (and flood) as inventory_bench.cpp, with an undici Pool. Needs undici 7 installed under
// bench/.peers/undici (bench/client/run does it).
//
//   node inventory_undici.mjs URL --mode pool|pipe [--connections N] [--depth D] [--inventories K] [--warmup W]
//   node inventory_undici.mjs URL --mode flood --requests N [--batch B] [--connections N] [--depth D] [--path P]
//
// Prints one JSON line like inventory_bench: wall time per inventory (ms), requests timed, and
// this process's CPU time (process.cpuUsage: user + system) over the timed part only.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", ".peers", "undici", "node_modules", "x.js"));
const { Pool } = require("undici");

const argv = process.argv.slice(2);
const a = { mode: "pipe", connections: 4, depth: 16, inventories: 5, warmup: 2, node: "pve", requests: 100000, batch: 256, path: "/json" };
for (let i = 0; i < argv.length; i++) {
  const k = argv[i];
  if (!k.startsWith("--")) { a.url = k; continue; }
  const v = argv[++i];
  const key = k.slice(2);
  if (!(key in a)) throw new Error(`unknown argument ${k}`);
  a[key] = typeof a[key] === "number" ? Number(v) : v;
}
if (!a.url || !["pool", "pipe", "flood"].includes(a.mode)) throw new Error("usage: URL --mode pool|pipe|flood");

const u = new URL(a.url);
const prefix = u.pathname.replace(/\/$/, "");
const pool = new Pool(u.origin, { connections: a.connections, pipelining: a.mode === "pool" ? 1 : a.depth });
const SUBS = ["", "/config", "/status/current", "/snapshot", "/firewall/options"];

async function get(path) {
  const { statusCode, body } = await pool.request({ path: prefix + path, method: "GET", headers: { accept: "application/json" } });
  return { status: statusCode, json: await body.json() };
}

function check(r, vmid, sub) {
  if (r.status !== 200) throw new Error(`status ${r.status}`);
  const d = r.json.data ?? r.json;
  const name = `vm-${vmid}`;
  const ok = [
    () => d.vmid === vmid,
    () => d.name === name,
    () => d.vmid === vmid,
    () => d.length === 2 && d[0].description.startsWith(name),
    () => "policy_in" in d,
  ][sub]();
  if (!ok) throw new Error(`answer for ${name}${SUBS[sub]} is not about it`);
}

async function inventory() {
  const coll = `/nodes/${a.node}/qemu`;
  const list = await get(coll);
  const ids = list.json.data.map((vm) => vm.vmid);
  const jobs = [];
  for (const id of ids) for (let s = 0; s < SUBS.length; s++) jobs.push(get(`${coll}/${id}${SUBS[s]}`));
  const all = await Promise.all(jobs);
  all.forEach((r, i) => check(r, ids[Math.floor(i / SUBS.length)], i % SUBS.length));
  return 1 + ids.length * SUBS.length;
}

async function floodBatch(count) {
  const jobs = [];
  for (let i = 0; i < count; i++)
    jobs.push(pool.request({ path: a.path, method: "GET", headers: { accept: "application/json" } }).then(async ({ statusCode, body }) => {
      const text = await body.text();
      if (statusCode !== 200 || text.length === 0) throw new Error(`flood: status ${statusCode}`);
    }));
  await Promise.all(jobs);
  return count;
}

const out = { client: "undici", mode: a.mode, connections: a.connections, depth: a.mode === "pool" ? 1 : a.depth };
if (a.mode === "flood") {
  await floodBatch(Math.min(a.batch * 4, a.requests));
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let done = 0;
  while (done < a.requests) done += await floodBatch(Math.min(a.batch, a.requests - done));
  const c = process.cpuUsage(c0);
  out.requests = done;
  out.wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
  out.cpu_s = (c.user + c.system) / 1e6;
} else {
  for (let i = 0; i < a.warmup; i++) await inventory();
  const times = [];
  let requests = 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < a.inventories; i++) {
    const t0 = process.hrtime.bigint();
    requests += await inventory();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const c = process.cpuUsage(c0);
  out.times_ms = times;
  out.requests = requests;
  out.cpu_s = (c.user + c.system) / 1e6;
}
console.log(JSON.stringify(out));
await pool.close();

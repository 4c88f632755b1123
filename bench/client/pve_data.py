"""The --data file for `oasis mock bench/client/pve-small.yaml`: VMS virtual machines on node
NODE (vmids 100, 101, ...) and, for each, its config, status/current, snapshot list and
firewall options, every sub-resource body wrapped in {"data": ...} like Proxmox answers."""
import json

BASE_VMID = 100


def pve_data(vms=100, node="pve"):
    coll = f"/nodes/{node}/qemu"
    out = {coll: []}
    for i in range(vms):
        vmid = BASE_VMID + i
        name = f"vm-{vmid}"
        running = i % 3 != 0
        mem = (1 + i % 8) * 1024 ** 3
        out[coll].append({"vmid": vmid, "name": name, "status": "running" if running else "stopped",
                          "maxmem": mem, "maxdisk": 32 * 1024 ** 3, "cpus": 1 + i % 4,
                          "uptime": 86400 + i if running else 0, "tags": "bench;inventory"})
        item = f"{coll}/{vmid}"
        out[item + "/config"] = {"data": {
            "name": name, "memory": mem // 1024 ** 2, "cores": 1 + i % 4, "sockets": 1, "ostype": "l26",
            "boot": "order=scsi0;net0", "scsi0": f"local-lvm:vm-{vmid}-disk-0,size=32G",
            "net0": f"virtio=BC:24:11:00:{i // 256:02X}:{i % 256:02X},bridge=vmbr0,firewall=1",
            "digest": f"{vmid:040x}"}}
        out[item + "/status/current"] = {"data": {
            "vmid": vmid, "name": name, "status": "running" if running else "stopped",
            "qmpstatus": "running" if running else "stopped", "uptime": 86400 + i if running else 0,
            "cpu": 0.01 * (i % 10), "cpus": 1 + i % 4, "mem": mem // 2, "maxmem": mem,
            "pid": 10000 + i if running else 0}}
        out[item + "/snapshot"] = {"data": [
            {"name": "before-upgrade", "description": f"{name} before the upgrade", "snaptime": 1700000000 + i},
            {"name": "current", "description": "You are here!", "parent": "before-upgrade"}]}
        out[item + "/firewall/options"] = {"data": {
            "enable": 1, "dhcp": 1, "macfilter": 1, "policy_in": "DROP", "policy_out": "ACCEPT",
            "log_level_in": "nolog"}}
    return out


if __name__ == "__main__":
    import sys
    json.dump(pve_data(int(sys.argv[1]) if len(sys.argv) > 1 else 100), sys.stdout)

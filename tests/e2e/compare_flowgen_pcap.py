#!/usr/bin/env python3
"""compare_flowgen_pcap.py -- decodes a flowgen pcap with tshark and checks it against flowgen's CSV,
truth and tags files, independently of flowgen's own code.  Used by check_flowgen_vs_tshark.sh.

usage: compare_flowgen_pcap.py NAME EXPORT.pcap FLOWS.csv TRUTH TAGS END PLANT_WINDOW

Prints one "PASS NAME_check" / "FAIL NAME_check: why" line per check (like the unit tests) and exits 1
when any failed.  Checks:
  decode     every packet decodes as NetFlow v5/v9/IPFIX, nothing malformed, payload <= 1400 bytes
  headers    exporter 127.0.0.(10+d):(50000+d), source id / observation domain / v5 engine id = d,
             sequence numbers (v5 and IPFIX count flows, v9 counts packets), v9 count field,
             templates (IPv4 + IPv6) in each device's first packet and every 20th after
  flows      the multiset of decoded flows (header time, device, every exported field, counters
             multiplied by the in-band sampling rate) equals the CSV's rows
  tags       the CSV's tag columns equal what the tags file gives for the addresses
  truth      flow and byte totals; the spam-reflection query (receives TCP from sport 25 AND sends
             GRE, MYNETWORK tags) returns exactly the truth's reflectors, for the last 60 s and the
             whole span; decoys match one half only; planted hosts appear only in the plant window
"""
import csv
import ipaddress
import subprocess
import sys
from collections import Counter, defaultdict

name, pcap, csv_path, truth_path, tags_path = sys.argv[1:6]
end, plant_window = int(sys.argv[6]), int(sys.argv[7])
failures = 0


def report(check, ok, why=""):
    global failures
    if ok:
        print(f"PASS {name}_{check}")
    else:
        failures += 1
        print(f"FAIL {name}_{check}: {why}")


HEADER = ["frame.number", "ip.src", "ip.dst", "udp.srcport", "udp.dstport", "udp.length", "cflow.version",
          "cflow.count", "cflow.sequence", "cflow.source_id", "cflow.od_id", "cflow.engine_id", "cflow.unix_secs",
          "cflow.exporttime", "cflow.samplerate", "cflow.template_id", "_ws.malformed"]
ADDRS = ["cflow.srcaddr", "cflow.dstaddr", "cflow.nexthop", "cflow.srcaddrv6", "cflow.dstaddrv6"]
PER_RECORD = ["cflow.srcport", "cflow.dstport", "cflow.protocol", "cflow.tcpflags", "cflow.tos", "cflow.octets",
              "cflow.packets", "cflow.post_octets", "cflow.post_packets", "cflow.inputint", "cflow.outputint",
              "cflow.srcas", "cflow.dstas", "cflow.vlanid", "cflow.post_vlanid", "cflow.sampling_interval"]
V5_RECORD = {"cflow.srcport", "cflow.dstport", "cflow.protocol", "cflow.tcpflags", "cflow.tos", "cflow.octets",
             "cflow.packets", "cflow.inputint", "cflow.outputint", "cflow.srcas", "cflow.dstas"}
FIELDS = HEADER + ADDRS + PER_RECORD


def run_tshark():
    cmd = ["tshark", "-n", "-r", pcap, "-d", "udp.port==2055,cflow", "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=;"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        report("decode", False, "tshark failed: " + p.stderr.strip()[:300])
        sys.exit(1)
    return p.stdout.splitlines()


def lst(s):
    return s.split(";") if s else []


def num(s):
    return int(s, 0)


def decode_packets(lines):
    """Returns (flows Counter, problems dict: check -> first few messages)."""
    flows = Counter()
    problems = defaultdict(list)
    per_device = defaultdict(lambda: {"packets": 0, "flows": 0})
    for line in lines:
        c = dict(zip(FIELDS, line.split("\t")))
        frame = c["frame.number"]
        if c["_ws.malformed"]:
            problems["decode"].append(f"frame {frame} malformed")
        if c["cflow.version"] not in ("5", "9", "10"):
            problems["decode"].append(f"frame {frame} is not NetFlow/IPFIX")
            continue
        if int(c["udp.length"]) - 8 > 1400:
            problems["decode"].append(f"frame {frame} payload {int(c['udp.length']) - 8} > 1400")
        ver = int(c["cflow.version"])
        dev = int(c["ip.src"].split(".")[3]) - 10
        if not c["ip.src"].startswith("127.0.0.") or int(c["udp.srcport"]) != 50000 + dev:
            problems["headers"].append(f"frame {frame} from {c['ip.src']}:{c['udp.srcport']}")
        if c["ip.dst"] != "127.0.0.1" or c["udp.dstport"] != "2055":
            problems["headers"].append(f"frame {frame} to {c['ip.dst']}:{c['udp.dstport']}")
        flows_here = decode_records(c, ver, dev, flows, problems)
        check_header(c, ver, dev, flows_here, per_device[dev], problems)
        per_device[dev]["packets"] += 1
        per_device[dev]["flows"] += flows_here
        per_device[dev]["version"] = ver
    return flows, problems, per_device


def decode_records(c, ver, dev, flows, problems):
    a = {k: lst(c[k]) for k in ADDRS + PER_RECORD}
    n4, n6 = len(a["cflow.srcaddr"]), len(a["cflow.srcaddrv6"])
    n = n4 + n6
    per_record = PER_RECORD if ver != 5 else [k for k in PER_RECORD if k in V5_RECORD]
    if any(len(a[k]) != n for k in per_record):
        problems["decode"].append(f"frame {c['frame.number']}: per-record field counts differ")
        return n
    hdr_time = int(c["cflow.exporttime"] if ver == 10 else c["cflow.unix_secs"])
    for i in range(n):
        g = lambda k: a[k][i]
        v6 = i >= n4
        src = g("cflow.srcaddr") if not v6 else a["cflow.srcaddrv6"][i - n4]
        dst = g("cflow.dstaddr") if not v6 else a["cflow.dstaddrv6"][i - n4]
        nexthop = "" if v6 else a["cflow.nexthop"][i]
        if ver == 5:
            rate = num(c["cflow.samplerate"]) or 1
            post_octets = post_packets = vlan_in = vlan_out = 0
        else:
            rate = num(g("cflow.sampling_interval"))
            post_octets, post_packets = num(g("cflow.post_octets")), num(g("cflow.post_packets"))
            vlan_in, vlan_out = num(g("cflow.vlanid")), num(g("cflow.post_vlanid"))
        flows[(hdr_time, dev, src, dst, num(g("cflow.srcport")), num(g("cflow.dstport")), num(g("cflow.protocol")),
               num(g("cflow.tcpflags")), num(g("cflow.tos")), num(g("cflow.octets")) * rate,
               num(g("cflow.packets")) * rate, post_octets * rate, post_packets * rate, num(g("cflow.inputint")),
               num(g("cflow.outputint")), num(g("cflow.srcas")), num(g("cflow.dstas")), nexthop, vlan_in, vlan_out,
               rate)] += 1
    return n


def check_header(c, ver, dev, n, state, problems):
    frame = c["frame.number"]
    templates = lst(c["cflow.template_id"])
    seq = num(c["cflow.sequence"])
    if ver == 5:
        if num(c["cflow.engine_id"]) != dev:
            problems["headers"].append(f"frame {frame}: engine id {c['cflow.engine_id']} != device {dev}")
        if num(c["cflow.count"]) != n or seq != state["flows"]:
            problems["headers"].append(f"frame {frame}: v5 count/sequence {c['cflow.count']}/{seq}")
        return
    domain = c["cflow.source_id"] if ver == 9 else c["cflow.od_id"]
    if num(domain) != dev:
        problems["headers"].append(f"frame {frame}: source id / domain {domain} != device {dev}")
    want_seq = state["packets"] if ver == 9 else state["flows"]
    if seq != want_seq:
        problems["headers"].append(f"frame {frame}: sequence {seq}, want {want_seq}")
    if ver == 9 and num(c["cflow.count"]) != n + len(templates):
        problems["headers"].append(f"frame {frame}: v9 count {c['cflow.count']} != {n} + {len(templates)}")
    due = state["packets"] % 20 == 0
    if due != bool(templates) or (templates and "256" not in templates):
        problems["headers"].append(f"frame {frame}: templates {templates} at device packet {state['packets']}")
    state.setdefault("template_ids", set()).update(templates)


def read_csv():
    with open(csv_path, newline="") as fh:
        return list(csv.DictReader(fh))


def csv_flows(rows):
    want = Counter()
    for x in rows:
        want[(int(x["ctimestamp"]), int(x["i_device_id"]), x["inet_src_addr"], x["inet_dst_addr"],
              int(x["l4_src_port"]), int(x["l4_dst_port"]), int(x["protocol"]), int(x["tcp_flags"]), int(x["tos"]),
              int(x["in_bytes"]), int(x["in_pkts"]), int(x["out_bytes"]), int(x["out_pkts"]), int(x["input_port"]),
              int(x["output_port"]), int(x["src_as"]), int(x["dst_as"]), x["ipv4_next_hop"], int(x["vlan_in"]),
              int(x["vlan_out"]), int(x["sample_rate"]))] += 1
    return want


def load_tags():
    table = []
    with open(tags_path) as fh:
        for line in fh:
            line = line.split("#")[0].split()
            if line:
                table.append((line[0], ipaddress.ip_network(line[1])))
    return table


def tags_of(table, addr):
    ip = ipaddress.ip_address(addr)
    return ",".join(sorted({t for t, net in table if ip.version == net.version and ip in net}))


def check_tags(rows):
    table = load_tags()
    bad = [x for x in rows if x["src_flow_tags"] != tags_of(table, x["inet_src_addr"])
           or x["dst_flow_tags"] != tags_of(table, x["inet_dst_addr"])]
    report("tags", not bad, f"{len(bad)} rows, e.g. {bad[:1]}")


def spam_hosts(rows, since):
    smtp = {x["inet_dst_addr"] for x in rows if int(x["ctimestamp"]) > since and x["protocol"] == "6"
            and x["l4_src_port"] == "25" and "MYNETWORK" in x["dst_flow_tags"]}
    gre = {x["inet_src_addr"] for x in rows if int(x["ctimestamp"]) > since and x["protocol"] == "47"
           and "MYNETWORK" in x["src_flow_tags"]}
    return smtp, gre


def check_truth(rows):
    truth = defaultdict(list)
    with open(truth_path) as fh:
        for line in fh:
            key, value = line.split()
            truth[key].append(value)
    total_bytes = sum(int(x["in_bytes"]) + int(x["out_bytes"]) for x in rows)
    report("truth_totals", truth["flows"] == [str(len(rows))] and truth["bytes"] == [str(total_bytes)],
           f"truth says flows {truth['flows']} bytes {truth['bytes']}, CSV has {len(rows)} / {total_bytes}")
    reflectors = set(truth["reflector"])
    ok, why = len(reflectors) > 0, "no reflectors in the truth"
    for window in (60, end):
        smtp, gre = spam_hosts(rows, end - window)
        if smtp & gre != reflectors:
            ok, why = False, f"last {window} s: query gives {sorted(smtp & gre)}, truth {sorted(reflectors)}"
    smtp_all, gre_all = spam_hosts(rows, 0)
    smtp_win, gre_win = spam_hosts(rows, end - plant_window)
    decoys_ok = (set(truth["decoy_smtp_only"]) <= smtp_win - gre_all and
                 set(truth["decoy_gre_only"]) <= gre_win - smtp_all)
    planted = reflectors | set(truth["decoy_smtp_only"]) | set(truth["decoy_gre_only"])
    outside = [x for x in rows if int(x["ctimestamp"]) <= end - plant_window
               and (x["inet_src_addr"] in planted or x["inet_dst_addr"] in planted)]
    report("truth_reflectors", ok, why)
    report("truth_decoys", decoys_ok and not outside,
           f"decoys not as planted or {len(outside)} planted-host flows outside the window")


def check_ipv6_templates(rows, per_device, problems):
    """Devices exporting v9/IPFIX announce the IPv6 template whenever the run has IPv6 flows."""
    if not any(":" in x["inet_src_addr"] for x in rows):
        return
    for dev, state in sorted(per_device.items()):
        if state["version"] != 5 and "257" not in state.get("template_ids", ()):
            problems["headers"].append(f"device {dev} never announced the IPv6 template 257")


def main():
    got, problems, per_device = decode_packets(run_tshark())
    rows = read_csv()
    want = csv_flows(rows)
    check_ipv6_templates(rows, per_device, problems)
    for check in ("decode", "headers"):
        report(check, not problems[check], "; ".join(problems[check][:3]))
    missing, extra = want - got, got - want
    report("flows", not missing and not extra and sum(got.values()) == len(rows),
           f"{sum(got.values())} decoded, {len(rows)} in CSV, {sum(missing.values())} missing "
           f"(e.g. {list(missing)[:1]}), {sum(extra.values())} extra (e.g. {list(extra)[:1]})")
    has_ipv6 = any(":" in x["inet_src_addr"] for x in rows)
    report("has_ipv6_and_sampling", (has_ipv6 or name.endswith("v5")) and any(int(x["sample_rate"]) > 1 for x in rows),
           f"IPv6 flows: {has_ipv6}, sampled flows: {any(int(x['sample_rate']) > 1 for x in rows)}")
    check_tags(rows)
    check_truth(rows)
    sys.exit(1 if failures else 0)


main()

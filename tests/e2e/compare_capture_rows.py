#!/usr/bin/env python3
"""compare_capture_rows.py -- checks the rows kflowd stored from a capture against tshark's decoding
of the same capture, field by field.  Used by check_captures_vs_tshark.sh.

usage: compare_capture_rows.py prepare CAPTURE OUT.pcap
       compare_capture_rows.py NAME OUT.pcap KFDUMP_CSV DEVICES_FILE

`prepare` writes the copy of CAPTURE that both sides decode (two deliberate differences are
settled there, see prepare_capture) and prints how many datagrams it left out.  Then NAME names
the check; KFDUMP_CSV is `kfdump STORE` of the store `kflowd --read-pcap OUT.pcap` wrote;
DEVICES_FILE is STORE/devices (device id -> exporter address).

tshark (`-T json`) is the reference decoder: this script knows the NetFlow v5 / v9 / IPFIX and sFlow
v5 field names of tshark, and what kflowd stores for each of them (the rules below, each with its
reason).  Both sides become a multiset of rows keyed by the exporter address and every stored
column but the tags (kflowd runs without a tags file here).  Prints
    PASS capture_NAME (T records tshark, K rows kflowd)
or  FAIL capture_NAME: ...   followed by indented lines naming each differing field class with
                             the first differing rows of both sides,
and a last line "TABLE NAME T K PASS|FAIL" for the summary table.  Exits 1 on FAIL.
"""
import csv
import ipaddress
import json
import os
import struct
import subprocess
import sys
import tempfile
from collections import Counter

SHOW_ROWS = 3
# kflowd accepts templates of up to KF_TEMPLATE_MAX_FIELDS (512) fields; tshark stops at 60 unless told.
TSHARK_PREFS = ["-o", "cflow.max_template_fields:512"]

# The compared columns, in the order of a row tuple; "exporter" stands for kfdump's device_id.
COLUMNS = ["exporter", "ctimestamp", "src_addr", "dst_addr", "next_hop", "l4_src_port", "l4_dst_port",
           "protocol", "tcp_flags", "tos", "in_bytes", "in_pkts", "out_bytes", "out_pkts", "input_port",
           "output_port", "src_as", "dst_as", "vlan_in", "vlan_out", "sample_rate"]
# Field classes reported separately when rows differ.
CLASSES = {
    "time": ["ctimestamp"],
    "addresses": ["src_addr", "dst_addr"],
    "next_hop": ["next_hop"],
    "ports_protocol": ["l4_src_port", "l4_dst_port", "protocol"],
    "tcp_flags_tos": ["tcp_flags", "tos"],
    "counters_sampling": ["in_bytes", "in_pkts", "out_bytes", "out_pkts", "sample_rate"],
    "interfaces": ["input_port", "output_port"],
    "as_numbers": ["src_as", "dst_as"],
    "vlans": ["vlan_in", "vlan_out"],
}
ABSENT = "::"
INT64_MAX = 2**63 - 1
UINT32_MAX = 2**32 - 1
NETFLOW_VERSIONS = {5, 9, 10}
# IEs whose presence makes a v9 / IPFIX template a flow template for kflowd (flow_fields.c
# kf_ie_is_flow_key): records of other templates carry no flow and are not stored.
FLOW_KEY_IES = {8, 12, 27, 28}
# IEs that announce a sampling rate in options data (kf_ie_is_sampling).
SAMPLING_IES = {34, 50, 305}


def num(text):
    return int(text, 0)


def addr_text(text):
    """Canonical text of an address: IPv4 dotted quad for IPv4 and IPv4-mapped, compressed IPv6."""
    a = ipaddress.ip_address(text)
    if a.version == 6 and a.ipv4_mapped is not None:
        a = a.ipv4_mapped
    return str(a)


def values(v):
    """A field's occurrences: tshark's --no-duplicate-keys turns repeated keys into a list."""
    return v if isinstance(v, list) else [v]


def first(v):
    return values(v)[0]


def find(tree, key):
    """The first value of key anywhere below tree (depth first, in tshark's order), or None."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            if k == key:
                return first(v)
            found = find(v, key)
            if found is not None:
                return found
    elif isinstance(tree, list):
        for v in tree:
            found = find(v, key)
            if found is not None:
                return found
    return None


def scale(value, rate):
    """kflowd multiplies counters by the sample rate, saturating (flow_sink.c kf_sample_scale)."""
    if value <= 0 or rate <= 1:
        return value
    return min(value * rate, INT64_MAX)


def new_flow(exporter, ctimestamp):
    return {"exporter": exporter, "ctimestamp": ctimestamp, "src_addr": ABSENT, "dst_addr": ABSENT,
            "next_hop": ABSENT, "l4_src_port": 0, "l4_dst_port": 0, "protocol": 0, "tcp_flags": 0, "tos": 0,
            "in_bytes": 0, "in_pkts": 0, "out_bytes": 0, "out_pkts": 0, "input_port": 0, "output_port": 0,
            "src_as": 0, "dst_as": 0, "vlan_in": 0, "vlan_out": 0, "sample_rate": 0}


def finish(flow, rate):
    """What the sink does with a decoded flow: rate 0 (none announced) means 1, counters scaled."""
    rate = min(rate, UINT32_MAX) or 1
    flow["sample_rate"] = rate
    for c in ("in_bytes", "in_pkts", "out_bytes", "out_pkts"):
        flow[c] = scale(flow[c], rate)
    return tuple(flow[c] for c in COLUMNS)


# ---------------------------------------------------------------- NetFlow v5 / v9 / IPFIX

# tshark field -> (kflowd column, rule).  Rules: "int" sets the column (the last occurrence in a
# record wins, as in flow_fields.c); "addr" sets an address unless the value is zero and the column
# already holds one (templates with IPv4 and IPv6 fields fill the unused one with zeros); "fill"
# sets the column only while it is 0 (dot1q VLAN ids yield to the plain VLAN elements).
RECORD_FIELDS = {
    "cflow.srcaddr": ("src_addr", "addr"), "cflow.srcaddrv6": ("src_addr", "addr"),
    "cflow.dstaddr": ("dst_addr", "addr"), "cflow.dstaddrv6": ("dst_addr", "addr"),
    "cflow.nexthop": ("next_hop", "addr"), "cflow.nexthopv6": ("next_hop", "addr"),
    "cflow.srcport": ("l4_src_port", "int"), "cflow.dstport": ("l4_dst_port", "int"),
    "cflow.protocol": ("protocol", "int"), "cflow.tcpflags": ("tcp_flags", "int"), "cflow.tos": ("tos", "int"),
    "cflow.octets": ("in_bytes", "int"), "cflow.permanent_octets": ("in_bytes", "int"),
    "cflow.packets": ("in_pkts", "int"), "cflow.permanent_packets": ("in_pkts", "int"),
    "cflow.post_octets": ("out_bytes", "int"), "cflow.post_packets": ("out_pkts", "int"),
    "cflow.inputint": ("input_port", "int"), "cflow.outputint": ("output_port", "int"),
    "cflow.srcas": ("src_as", "int"), "cflow.dstas": ("dst_as", "int"),
    "cflow.vlanid": ("vlan_in", "int"), "cflow.post_vlanid": ("vlan_out", "int"),
    "cflow.dot1q_vlan_id": ("vlan_in", "fill"), "cflow.post_dot1q_vlan_id": ("vlan_out", "fill"),
}


# tshark shows some fields of other IEs under the same name, and reverse (PEN 29305) fields under the
# forward field's name; the occurrences of a name in a record follow the template's order, so the
# template says which occurrence is the IE kflowd reads.  name -> (IEs tshark shows under it, the
# IEs kflowd reads).  Names not listed here come from one IE each.
SHARED_NAMES = {
    "cflow.srcport": ({7, 180, 182}, {7}),		# udpSourcePort / tcpSourcePort: kflowd reads only 7
    "cflow.dstport": ({11, 181, 183}, {11}),
    "cflow.icmp_ipv6_type": ({178, 139}, {178, 139}),	# icmpTypeCodeIPv6 is shown as type and code
    "cflow.icmp_ipv6_code": ({179, 139}, {179, 139}),
}
# name -> the forward IE it shows, for the names whose reverse fields tshark shows under the same name
FORWARD_IE = {"cflow.srcaddr": 8, "cflow.srcaddrv6": 27, "cflow.dstaddr": 12, "cflow.dstaddrv6": 28,
              "cflow.nexthop": 15, "cflow.nexthopv6": 62, "cflow.protocol": 4, "cflow.tcpflags": 6,
              "cflow.tos": 5, "cflow.octets": 1, "cflow.permanent_octets": 85, "cflow.packets": 2,
              "cflow.permanent_packets": 86, "cflow.post_octets": 23, "cflow.post_packets": 24,
              "cflow.inputint": 10, "cflow.outputint": 14, "cflow.srcas": 16, "cflow.dstas": 17,
              "cflow.vlanid": 58, "cflow.post_vlanid": 59, "cflow.dot1q_vlan_id": 243,
              "cflow.post_dot1q_vlan_id": 254, "cflow.icmp_type_code_ipv4": 32, "cflow.icmp_ipv4_type": 176,
              "cflow.icmp_ipv4_code": 177, "cflow.icmp_ipv6_type": 178, "cflow.icmp_ipv6_code": 179,
              "cflow.sampling_interval": 34, "cflow.sampling_packet_interval": 305}
REVERSE_PEN = 29305


def kflowd_occurrences(key, raw, fields):
    """The occurrences of tshark field `key` in a record that kflowd reads: those whose template field
    is the IE kflowd maps, without enterprise number (kflowd ignores enterprise fields, reverse ones
    included).  fields: the template's [(ie, pen)], None when unknown (NetFlow v5)."""
    occ = values(raw)
    if fields is None:
        return occ
    shown, read = SHARED_NAMES.get(key, ({FORWARD_IE.get(key)}, {FORWARD_IE.get(key)}))
    if None in shown:
        return occ
    candidates = [(ie, pen) for ie, pen in fields if ie in shown and pen in (0, REVERSE_PEN)]
    if len(candidates) != len(occ):
        raise SystemExit(f"FAIL capture_{NAME}: cannot align tshark's {key} ({len(occ)} occurrences) with the "
                         f"template ({candidates})")
    return [v for v, (ie, pen) in zip(occ, candidates) if pen == 0 and ie in read]


def is_zero_addr(text):
    return ipaddress.ip_address(text).packed == bytes(len(ipaddress.ip_address(text).packed))


def netflow_record(rec, flow, fields):
    """Applies one tshark "Flow N" subtree to flow; returns the record's own sampling interval (0 =
    none).  ICMP type and code go to l4_dst_port when no destination port was exported, as
    kf_flow_fields_finish does (type * 256 + code)."""
    icmp = None
    interval = 0
    for key, raw in rec.items():
        for v in kflowd_occurrences(key, raw, fields):
            if not isinstance(v, str):
                continue
            if key in RECORD_FIELDS:
                col, rule = RECORD_FIELDS[key]
                if rule == "addr":
                    if not is_zero_addr(v) or flow[col] == ABSENT:
                        flow[col] = addr_text(v)
                elif rule == "fill":
                    if flow[col] == 0:
                        flow[col] = num(v)
                else:
                    flow[col] = num(v)
            elif key in ("cflow.icmp_type_code_ipv4", "cflow.icmp_type_code_ipv6"):
                icmp = num(v) & 0xffff
            elif key in ("cflow.icmp_ipv4_type", "cflow.icmp_ipv6_type"):
                icmp = ((icmp or 0) & 0xff) | ((num(v) & 0xff) << 8)
            elif key in ("cflow.icmp_ipv4_code", "cflow.icmp_ipv6_code"):
                icmp = ((icmp or 0) & 0xff00) | (num(v) & 0xff)
            elif key in ("cflow.sampling_interval", "cflow.sampling_packet_interval"):
                interval = num(v)
    if icmp is not None and flow["l4_dst_port"] == 0:
        flow["l4_dst_port"] = icmp
    return interval


def template_fields(tmpl):
    """A template's fields as [(ie, pen)] in order (pen 0 = none)."""
    fields = []
    for k, field in tmpl.items():
        for f in values(field):
            if not k.startswith("Field (") or not isinstance(f, dict):
                continue
            # the element id; tshark names it per vendor for enterprise fields
            # (cflow.template_netscaler_field_type, ...)
            ie = next((v for key, v in f.items() if key.startswith("cflow.template_") and
                       key.endswith(("field_type", "field_type_enterprise"))), None)
            pen = f.get("cflow.template_ipfix_field_pen") or "0"
            if not isinstance(first(ie), str):
                raise SystemExit(f"FAIL capture_{NAME}: unexpected template field {k}: {f}")
            fields.append((num(first(ie)) & 0x7fff, num(first(pen))))
    return fields


def template_kind(fields):
    """'flow' when a template has an address field without enterprise number, else 'other'."""
    return "flow" if any(pen == 0 and ie in FLOW_KEY_IES for ie, pen in fields) else "other"


class NetflowState:
    """What persists between packets: template kinds and announced sampling rates per exporter,
    version and source id / observation domain."""

    def __init__(self):
        self.templates = {}		# key -> (kind, fields)
        self.rates = {}
        self.left_out = 0		# records of datagrams kflowd rejects as malformed


def options_record_rate(rec):
    """The sampling interval an options data record announces (0 = none).  Scope fields never count."""
    rate = 0
    for key, raw in rec.items():
        if key in ("cflow.sampling_interval", "cflow.sampler_random_interval", "cflow.sampling_packet_interval"):
            v = num(first(raw))
            if v > 0:
                rate = v
    return rate


def netflow_packet(cflow, exporter, udp_payload_len, state, rows):
    """Rows of one NetFlow / IPFIX datagram; returns the number of data records tshark decoded."""
    version = num(cflow["cflow.version"])
    records = 0
    if version not in NETFLOW_VERSIONS:
        # Deliberate: kflowd implements NetFlow v5, v9 and IPFIX only; it rejects v1 / v7 / v8
        # datagrams (counted as rejected packets), tshark decodes them.
        records = sum(1 for k in cflow if k.startswith("pdu "))
        state.left_out += records
        return records
    if version == 5:
        t = num(find(cflow, "cflow.unix_secs"))
        rate = num(find(cflow, "cflow.samplerate") or "0")
        pdus = [rec for k, rec in cflow.items() if k.startswith("pdu ") and isinstance(rec, dict)]
        if num(cflow["cflow.count"]) > len(pdus):
            # Deliberate: a v5 header counting more records than the datagram holds (logstash's
            # netflow_5_invalid_*) makes kflowd reject the whole datagram; tshark decodes the records
            # that are there.
            state.left_out += len(pdus)
            return len(pdus)
        for rec in pdus:
            flow = new_flow(exporter, t)
            netflow_record(rec, flow, None)
            rows.append(finish(flow, rate))
        return len(pdus)
    if version == 10 and num(cflow["cflow.len"]) > udp_payload_len:
        # Deliberate: an IPFIX message whose length field exceeds the datagram is truncated and
        # kflowd rejects it; tshark decodes as much as is there.
        records = sum(1 for fs in cflow.values() if isinstance(fs, dict) for k in fs if k.startswith("Flow "))
        state.left_out += records
        return records
    if version == 9:
        t, domain = num(find(cflow, "cflow.unix_secs")), num(cflow["cflow.source_id"])
    else:
        t, domain = num(find(cflow, "cflow.exporttime")), num(cflow["cflow.od_id"])
    scope = (exporter, version, domain)
    for set_key, fset in cflow.items():
        if not (set_key.startswith("FlowSet ") or set_key.startswith("Set ")) or not isinstance(fset, dict):
            continue
        set_id = num(first(fset["cflow.flowset_id"]))
        for k, sub in fset.items():
            for body in values(sub):
                if not isinstance(body, dict):
                    continue
                if k.startswith("Template (Id = "):
                    fields = template_fields(body)
                    state.templates[scope + (num(first(body["cflow.template_id"])),)] = (template_kind(fields), fields)
                elif k.startswith("Options Template (Id = "):
                    state.templates[scope + (num(first(body["cflow.template_id"])),)] = ("options", [])
                elif k.startswith("Flow ") and set_id >= 256:
                    records += 1
                    kind, fields = state.templates.get(scope + (set_id,), ("flow", None))
                    if kind == "options":
                        rate = options_record_rate(body)
                        if rate:
                            state.rates[scope] = rate
                    elif kind == "flow":
                        flow = new_flow(exporter, t)
                        interval = netflow_record(body, flow, fields)
                        rows.append(finish(flow, interval or state.rates.get(scope, 0)))
                    # else: a template without any address (e.g. a WLC's client statistics): kflowd
                    # counts such records as non-flow records and stores nothing.
    return records


# ---------------------------------------------------------------- sFlow v5

def sampled_header(raw, flow):
    """Fills flow from a raw packet header record (tshark's dissection of it: sflow_245.header_tree).
    Follows packet_headers.c: the first 802.1Q tag is vlan_in; the outer IP header gives addresses,
    tos and protocol; TCP / UDP / SCTP ports; the low 8 bits of the TCP flags (the NetFlow
    tcp_flags byte); ICMP type * 256 + code as l4_dst_port with l4_src_port 0."""
    flow["in_bytes"] = num(raw["sflow_245.header.frame_length"])
    layers = raw.get("sflow_245.header_tree") or {}
    vlan = layers.get("vlan")
    if vlan is not None and first(vlan).get("vlan.id") is not None:
        flow["vlan_in"] = num(first(vlan)["vlan.id"])
    ip4, ip6 = layers.get("ip"), layers.get("ipv6")
    if ip4 is not None and isinstance(first(ip4), dict) and "ip.src" in first(ip4):
        ip = first(ip4)
        flow["src_addr"], flow["dst_addr"] = addr_text(ip["ip.src"]), addr_text(ip["ip.dst"])
        flow["tos"] = num(ip["ip.dsfield"])
        flow["protocol"] = num(ip["ip.proto"])
    elif ip6 is not None and isinstance(first(ip6), dict) and "ipv6.src" in first(ip6):
        ip = first(ip6)
        flow["src_addr"], flow["dst_addr"] = addr_text(ip["ipv6.src"]), addr_text(ip["ipv6.dst"])
        flow["tos"] = num(ip["ipv6.tclass"])
        # the upper-layer protocol after the extension header chain
        nxt = [num(v) for v in find_all(ip, "ipv6.nxt")]
        flow["protocol"] = nxt[-1] if nxt else 0
    else:
        return
    for proto in ("tcp", "udp", "sctp"):
        layer = layers.get(proto)
        if isinstance(layer, list):
            layer = layer[0]
        if isinstance(layer, dict) and f"{proto}.srcport" in layer:
            flow["l4_src_port"] = num(layer[f"{proto}.srcport"])
            flow["l4_dst_port"] = num(layer[f"{proto}.dstport"])
            if proto == "tcp" and "tcp.flags" in layer:
                flow["tcp_flags"] = num(layer["tcp.flags"]) & 0xff
            break
    for proto in ("icmp", "icmpv6"):
        layer = layers.get(proto)
        if isinstance(layer, list):
            layer = layer[0]
        if isinstance(layer, dict) and f"{proto}.type" in layer:
            flow["l4_src_port"] = 0
            flow["l4_dst_port"] = num(layer[f"{proto}.type"]) * 256 + num(layer.get(f"{proto}.code", "0"))


def find_all(tree, key):
    """Every value of key anywhere below tree, in tshark's order."""
    out = []
    if isinstance(tree, dict):
        for k, v in tree.items():
            if k == key:
                out.extend(values(v))
            else:
                out.extend(find_all(v, key))
    elif isinstance(tree, list):
        for v in tree:
            out.extend(find_all(v, key))
    return out


def sflow_interface(fmt, value):
    """An sFlow interface as sflow_v5.c stores it: the ifIndex for format 0, else 0 ("discarded" or
    "several interfaces"); and 0 for 0x3fffffff, sFlow's "no interface" (traffic to or from the
    device itself), which tshark shows as the raw value."""
    return value if fmt == 0 and value != 0x3fffffff else 0


def compact_interface(value):
    """A compact flow sample's interface: format in the top two bits."""
    return sflow_interface(value >> 30, value & 0x3fffffff)


def sflow_sample(sample, expanded, exporter, t, rows):
    """Appends the row of one flow sample if kflowd makes one: it has a raw packet header record.
    (kflowd also stores samples that carry only a sampled IPv4 / IPv6 record; no capture here has
    one, so this checker refuses them instead of guessing tshark's names for their fields.)"""
    flow = new_flow(exporter, t)
    rate = num(sample["sflow.flow_sample.sampling_rate"])
    if expanded:
        for side in ("input", "output"):
            fmt = find(sample, f"sflow.flow_sample.{side}_interface_format") or \
                find(sample, f"sflow.flow_sample.{side}_interface.format")
            value = find(sample, f"sflow.flow_sample.{side}_interface_value")
            flow[f"{side}_port"] = sflow_interface(num(fmt), num(value)) if fmt is not None else 0
    else:
        flow["input_port"] = compact_interface(num(sample["sflow.flow_sample.input_interface"]))
        flow["output_port"] = compact_interface(num(sample["sflow.flow_sample.output_interface"]))
    has_frame = False
    bgp_next_hop = ABSENT
    for key, rec in sample.items():
        for r in values(rec):
            if not isinstance(r, dict):
                continue
            if r.get("sflow_245.flow_record_format") in ("3", "4") and r.get("sflow.enterprise") == "0":
                raise SystemExit(f"FAIL capture_{NAME}: a flow sample with a sampled IPv4 / IPv6 record "
                                 "(not supported by this checker)")
            if key == "Raw packet header":
                has_frame = True
                sampled_header(r, flow)
            elif key == "Extended switch data":
                flow["vlan_in"], flow["vlan_out"] = num(r["sflow_245.vlan.in"]), num(r["sflow_245.vlan.out"])
            elif key == "Extended router data":
                hop = r.get("sflow_245.nexthop") or r.get("sflow_245.nexthop.v6")
                flow["next_hop"] = addr_text(hop)
            elif key == "Extended gateway data":
                hop = r.get("sflow_245.nexthop") or r.get("sflow_245.nexthop.v6")
                bgp_next_hop = addr_text(hop) if hop else ABSENT
                flow["src_as"] = num(r.get("sflow_245.srcAS", "0"))
                # the AS path segments only: tshark names the communities' values dstAS too
                path = find_all(r.get("sflow.as_type_tree", {}), "sflow_245.dstAS")
                flow["dst_as"] = num(path[-1]) if path else 0
    if not has_frame:
        return False
    if flow["next_hop"] == ABSENT:
        flow["next_hop"] = bgp_next_hop
    flow["in_pkts"] = 1
    rows.append(finish(flow, rate))
    return True


def sflow_packet(sflow, exporter, t, rows):
    """Rows of one sFlow datagram; returns the number of flow samples tshark decoded."""
    records = 0
    for key, sample in sflow.items():
        for s in values(sample):
            if not isinstance(s, dict):
                continue
            if key.startswith("Flow sample, seq "):
                records += 1
                sflow_sample(s, False, exporter, t, rows)
            elif key.startswith("Expanded flow sample, seq "):
                records += 1
                sflow_sample(s, True, exporter, t, rows)
    return records


# ---------------------------------------------------------------- reading both sides

def netflow_ports(capture):
    """UDP ports that carry NetFlow / IPFIX in this capture, so tshark decodes them as cflow (kflowd
    recognises the export by its content on any port)."""
    out = subprocess.run(["tshark", "-n", "-r", capture, "-T", "fields", "-e", "udp.dstport", "-e", "udp.payload"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    ports = set()
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[0] and len(parts[1]) >= 4 and int(parts[1][:4], 16) in NETFLOW_VERSIONS:
            ports.add(parts[0].split(",")[0])
    return sorted(ports)


def tshark_cmd(capture):
    cmd = ["tshark", "-n", "-r", capture] + TSHARK_PREFS
    for port in netflow_ports(capture):
        cmd += ["-d", f"udp.port=={port},cflow"]
    return cmd


def tshark_rows():
    cmd = tshark_cmd(CAPTURE) + ["-T", "json", "--no-duplicate-keys"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        print(f"FAIL capture_{NAME}: tshark failed: {p.stderr.strip()[:300]}")
        sys.exit(1)
    state = NetflowState()
    rows, records = [], 0
    for pkt in json.loads(p.stdout or "[]"):
        layers = pkt["_source"]["layers"]
        ip = layers.get("ip") or layers.get("ipv6")
        if ip is None:
            continue
        ip = first(ip)
        exporter = addr_text(ip.get("ip.src") or ip.get("ipv6.src"))
        t = int(float(layers["frame"]["frame.time_epoch"]))
        if "cflow" in layers:
            udp_payload_len = num(first(layers["udp"])["udp.length"]) - 8
            records += netflow_packet(first(layers["cflow"]), exporter, udp_payload_len, state, rows)
        elif "sflow" in layers:
            records += sflow_packet(first(layers["sflow"]), exporter, t, rows)
    return Counter(rows), records, state.left_out


def read_pcap(path):
    """(header bytes, [(record header, data)], endian) of a classic pcap file."""
    with open(path, "rb") as fh:
        d = fh.read()
    endian = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    out, off = [], 24
    while off + 16 <= len(d):
        caplen = struct.unpack(endian + "I", d[off + 8:off + 12])[0]
        out.append((d[off:off + 16], bytearray(d[off + 16:off + 16 + caplen])))
        off += 16 + caplen
    return d[:24], out


def prepare_capture(capture, out_path):
    """Writes the capture both sides decode, as classic pcap, and returns the datagrams left out.
    Two deliberate differences are settled here, on the bytes:
      - datagrams in which tshark's dissector failed (Malformed Packet: an exception, not an
        expert warning such as "no template found"; e.g. the pmacctd sFlow datagrams with an IPv6 agent, an
        IPFIX template set tshark cannot parse) are left out: tshark's decoding of them is incomplete,
        so nothing can be compared, and kflowd's handling of malformed input is the fuzzers' job;
      - NetFlow v9 headers get the count 65535: the count is advisory (netflow_v9.c walks the
        flowsets by their lengths, since exporters such as H3C disagree on what it counts) but tshark
        stops decoding after `count` records."""
    malformed = subprocess.run(tshark_cmd(capture) + ["-Y", "_ws.malformed.expert", "-T", "fields", "-e", "frame.number"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.split()
    left_out = {int(n) for n in malformed}
    with tempfile.TemporaryDirectory() as tmp:
        plain = os.path.join(tmp, "plain.pcap")
        subprocess.run(["editcap", "-F", "pcap", capture, plain], check=True, stdout=subprocess.DEVNULL)
        fields = subprocess.run(tshark_cmd(plain) + ["-T", "fields", "-e", "cflow.version", "-e", "udp.payload"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.splitlines()
        header, frames = read_pcap(plain)
    with open(out_path, "wb") as fh:
        fh.write(header)
        for number, ((rec, data), line) in enumerate(zip(frames, fields), 1):
            if number in left_out:
                continue
            version, _, payload = line.partition("\t")
            if version.split(",")[0] == "9" and payload:
                at = bytes(data).rfind(bytes.fromhex(payload.split(",")[0]))
                if at >= 0:
                    data[at + 2:at + 4] = b"\xff\xff"
            fh.write(rec + bytes(data))
    return len(malformed)


def kflowd_rows():
    exporters = {}
    with open(DEVICES_FILE) as fh:
        for line in fh:
            parts = line.split()
            if parts and not parts[0].startswith("#"):
                exporters[parts[0]] = addr_text(parts[2])
    rows = Counter()
    with open(KFDUMP_CSV, newline="") as fh:
        for r in csv.DictReader(fh):
            r = dict(r, exporter=exporters.get(r["device_id"], "device " + r["device_id"]))
            rows[tuple(r[c] if c in ("exporter",) else
                       addr_text(r[c]) if c in ("src_addr", "dst_addr", "next_hop") else int(r[c])
                       for c in COLUMNS)] += 1
    return rows


def show(rows):
    return "; ".join(", ".join(f"{c}={v}" for c, v in zip(COLUMNS, row)) for row in list(rows)[:SHOW_ROWS])


def main():
    want, records, left_out = tshark_rows()
    got = kflowd_rows()
    n_want, n_got = sum(want.values()), sum(got.values())
    if want == got:
        note = f", {left_out} of them in datagrams kflowd rejects" if left_out else ""
        print(f"PASS capture_{NAME} ({records} records tshark{note}, {n_got} rows kflowd)")
        print(f"TABLE {NAME} {records} {n_got} PASS")
        return 0
    print(f"FAIL capture_{NAME}: {n_want} rows from tshark's {records} records, {n_got} rows kflowd, "
          f"{sum((want - got).values())} only in tshark, {sum((got - want).values())} only in kflowd")
    print(f"    first rows only in tshark: {show(want - got)}")
    print(f"    first rows only in kflowd: {show(got - want)}")
    for cls, cols in CLASSES.items():
        idx = [COLUMNS.index("exporter")] + [COLUMNS.index(c) for c in cols]
        proj_want, proj_got = Counter(), Counter()
        for r, n in want.items():
            proj_want[tuple(r[i] for i in idx)] += n
        for r, n in got.items():
            proj_got[tuple(r[i] for i in idx)] += n
        if proj_want != proj_got:
            print(f"    {cls} differs: ({', '.join(['exporter'] + cols)}) only in tshark "
                  f"{list(proj_want - proj_got)[:SHOW_ROWS]}, only in kflowd {list(proj_got - proj_want)[:SHOW_ROWS]}")
    print(f"TABLE {NAME} {records} {n_got} FAIL")
    return 1


if sys.argv[1] == "prepare":
    NAME, CAPTURE = "prepare", sys.argv[2]
    print(prepare_capture(sys.argv[2], sys.argv[3]))
    sys.exit(0)
NAME, CAPTURE, KFDUMP_CSV, DEVICES_FILE = sys.argv[1:5]
sys.exit(main())

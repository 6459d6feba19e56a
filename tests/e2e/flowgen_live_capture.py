#!/usr/bin/env python3
"""flowgen_live_capture.py -- helper of check_flowgen_vs_tshark.sh for flowgen's live --send mode.

  flowgen_live_capture.py PORTFILE OUTFILE IDLE_SECONDS
      binds a UDP socket on 127.0.0.1 (free port, written to PORTFILE), records every datagram
      (source address and payload) into OUTFILE until IDLE_SECONDS pass without one (or 60 s).
  flowgen_live_capture.py --compare OUTFILE PCAP
      exits 0 when the recorded datagrams equal the pcap's UDP payloads (with their source
      addresses) as a multiset, and there was at least one.
"""
import socket
import struct
import sys
import time
from collections import Counter


def receive(port_file, out_file, idle):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: root may exceed rmem_max
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind(("127.0.0.1", 0))
    with open(port_file + ".tmp", "w") as fh:
        fh.write(str(sock.getsockname()[1]))
    import os
    os.rename(port_file + ".tmp", port_file)
    records, deadline = [], time.time() + 60
    sock.settimeout(idle)
    while time.time() < deadline:
        try:
            data, (addr, _) = sock.recvfrom(65535)
        except socket.timeout:
            if records:
                break
            continue
        records.append(f"{addr} {data.hex()}\n")
    with open(out_file, "w") as fh:
        fh.writelines(records)


def pcap_datagrams(path):
    """(source IPv4, UDP payload) of every Ethernet/IPv4/UDP frame of a little-endian classic pcap."""
    with open(path, "rb") as fh:
        data = fh.read()
    pos, out = 24, Counter()
    while pos + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, pos + 8)[0]
        frame = data[pos + 16:pos + 16 + caplen]
        pos += 16 + caplen
        ihl = (frame[14] & 0x0F) * 4
        src = socket.inet_ntoa(frame[26:30])
        out[f"{src} {frame[14 + ihl + 8:].hex()}\n"] += 1
    return out


def compare(out_file, pcap):
    with open(out_file) as fh:
        got = Counter(fh.readlines())
    want = pcap_datagrams(pcap)
    if got != want or not want:
        print(f"received {sum(got.values())} datagrams, pcap has {sum(want.values())}; "
              f"{sum((want - got).values())} missing, {sum((got - want).values())} unexpected", file=sys.stderr)
        sys.exit(1)


if sys.argv[1] == "--compare":
    compare(sys.argv[2], sys.argv[3])
else:
    receive(sys.argv[1], sys.argv[2], float(sys.argv[3]))

#!/usr/bin/env python3
"""make_sflow_counters_capture.py -- writes sflow_counters.pcap, the sFlow counter samples the
interface_counters tests read (sql/12_interface_counters.sql).

Every datagram is built byte by byte here, so the rows kflowd must store are fully determined by
this script:

  agent 192.0.2.10 (UDP source 192.0.2.10): counter samples (type 2) every 30 s at T0-60, T0-30,
    T0 and T0+30 (T0 = 1700002800 = 2023-11-14 23:00:00 UTC, an hour start), each with an
    Ethernet counters record (skipped) and the generic interface counters of ifIndex 1 (1 Gbit/s,
    up/up; in_octets + 3,750,000 and out_octets + 7,500,000 per 30 s, i.e. 1 and 2 Mbit/s) and of
    ifIndex 2 (100 Mbit/s, admin up, oper down, counters constant);
  agent 192.0.2.20 (UDP source 192.0.2.20): expanded counter samples (type 4) at the same times for
    ifIndex 5 (10 Gbit/s, in_octets above 2^32: 5,000,000,000 + 37,500,000 per 30 s = 10 Mbit/s),
    preceded by a vendor record (enterprise 4413, skipped); its last datagram carries a second
    counter sample whose generic record is 80 bytes instead of 88: malformed, no row.

usage: tests/data/captures/make_sflow_counters_capture.py OUT.pcap
"""
import struct
import sys

T0 = 1700002800
TIMES = [T0 - 60, T0 - 30, T0, T0 + 30]
COLLECTOR = "192.0.2.1"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(addr):
    return bytes(int(x) for x in addr.split("."))


def frame(src, dst, payload):
    udp = struct.pack("!HHHH", 40000, 6343, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return bytes.fromhex("020000000002020000000001") + b"\x08\x00" + hdr + udp


def item(enterprise, fmt, body):
    return struct.pack("!II", enterprise << 12 | fmt, len(body)) + body


def generic(if_index, if_type, speed, direction, status, in_octets, in_pkts, out_octets, out_pkts, length=88):
    words = struct.pack("!IIQII", if_index, if_type, speed, direction, status)
    words += struct.pack("!QIIIIII", in_octets, in_pkts, 0, 1, 0, 0, 0)
    words += struct.pack("!QIIIIII", out_octets, out_pkts, 2, 0, 0, 0, 2)
    return item(0, 1, words[:length])


def ethernet_counters():
    return item(0, 2, bytes(52))


def datagram(agent, sequence, samples):
    head = struct.pack("!II4sIIII", 5, 1, ip4(agent), 0, sequence, 1000 * sequence, len(samples))
    return head + b"".join(samples)


def counter_sample(sequence, source, records):
    return item(0, 2, struct.pack("!III", sequence, source, len(records)) + b"".join(records))


def expanded_counter_sample(sequence, source, records):
    return item(0, 4, struct.pack("!IIII", sequence, 0, source, len(records)) + b"".join(records))


def main():
    frames = []
    for n, t in enumerate(TIMES):
        a = datagram("192.0.2.10", n + 1, [
            counter_sample(n + 1, 1, [ethernet_counters(),
                                      generic(1, 6, 1000000000, 1, 3, 1000000 + 3750000 * n, 100 + 50 * n,
                                              2000000 + 7500000 * n, 200 + 100 * n)]),
            counter_sample(n + 1, 2, [generic(2, 6, 100000000, 1, 1, 500, 5, 700, 7)]),
        ])
        samples = [expanded_counter_sample(n + 1, 5, [item(4413, 1, bytes(8)),
                                                       generic(5, 6, 10000000000, 1, 3,
                                                               5000000000 + 37500000 * n, 1000 * n,
                                                               6000000000 + 37500000 * n, 2000 * n)])]
        if n == len(TIMES) - 1:
            samples.append(expanded_counter_sample(n + 2, 6, [generic(6, 6, 0, 0, 0, 0, 0, 0, 0, length=80)]))
        b = datagram("192.0.2.20", n + 1, samples)
        frames.append((t, frame("192.0.2.10", COLLECTOR, a)))
        frames.append((t, frame("192.0.2.20", COLLECTOR, b)))
    with open(sys.argv[1], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, f in frames:
            out.write(struct.pack("<IIII", t, 0, len(f), len(f)))
            out.write(f)


if __name__ == "__main__":
    main()

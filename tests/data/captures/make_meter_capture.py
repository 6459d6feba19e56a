#!/usr/bin/env python3
"""make_meter_capture.py -- writes meter_mix.pcap, the capture the flow meter's tests read.

Every frame is built byte by byte here (no capture library), so the file and the flows the meter
must find in it are fully determined by this script; tests/unit/test_collector_meter.c and
tests/e2e/check_meter_vs_softflowd.sh assert those flows.  Ethernet frames carry no trailer
padding, so layer-3 bytes are the frame length minus the link header for every meter.

usage: tests/data/captures/make_meter_capture.py OUT.pcap
"""
import struct
import sys

T0 = 1700000000  # 2023-11-14 22:13:20 UTC
MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(addr):
    return bytes(int(x) for x in addr.split("."))


def ipv4(src, dst, proto, payload, tos=0, ident=1, flags_frag=0):
    total = 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, total, ident, flags_frag, 64, proto, 0, ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, next_header, payload):
    import ipaddress
    return (struct.pack("!IHBB", 6 << 28, len(payload), next_header, 64) + ipaddress.IPv6Address(src).packed +
            ipaddress.IPv6Address(dst).packed + payload)


def tcp(sport, dport, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, 1000, 2000, 5 << 4, flags, 65535, 0, 0) + data


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def icmp(type_, code, data=b"ping"):
    return struct.pack("!BBHHH", type_, code, 0, 1, 1) + data


def ether(ethertype, payload, vlan=None):
    tag = struct.pack("!HH", 0x8100, vlan) if vlan is not None else b""
    return MAC_B + MAC_A + tag + struct.pack("!H", ethertype) + payload


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def frames():
    """(seconds after T0, frame) in capture order."""
    out = []
    v4 = lambda t, *a, vlan=None, **k: out.append((t, ether(0x0800, ipv4(*a, **k), vlan)))
    v6 = lambda t, *a: out.append((t, ether(0x86DD, ipv6(*a))))
    c, s = "10.1.0.1", "10.2.0.1"
    # 1. a TCP connection closed with FIN: client 40000 -> server 80
    v4(0.0, c, s, 6, tcp(40000, 80, SYN))
    v4(0.1, s, c, 6, tcp(80, 40000, SYN | ACK))
    v4(0.2, c, s, 6, tcp(40000, 80, ACK))
    v4(0.3, c, s, 6, tcp(40000, 80, PSH | ACK, b"G" * 100))
    v4(0.4, s, c, 6, tcp(80, 40000, PSH | ACK, b"H" * 1000))
    v4(0.5, c, s, 6, tcp(40000, 80, FIN | ACK))
    v4(0.6, s, c, 6, tcp(80, 40000, FIN | ACK))
    v4(0.7, c, s, 6, tcp(40000, 80, ACK))
    # 2. a refused TCP connection: SYN, RST
    v4(1.0, c, s, 6, tcp(40001, 81, SYN))
    v4(1.1, s, c, 6, tcp(81, 40001, RST | ACK))
    # 3. DNS over UDP, ToS 0x10
    v4(2.0, c, "10.3.0.1", 17, udp(53000, 53, b"q" * 30), tos=0x10)
    v4(2.1, "10.3.0.1", c, 17, udp(53, 53000, b"r" * 90), tos=0x10)
    # 4. ICMP echo twice
    for i in range(2):
        v4(3.0 + i, c, "10.4.0.1", 1, icmp(8, 0))
        v4(3.05 + i, "10.4.0.1", c, 1, icmp(0, 0))
    # 5. IPv6 TCP without FIN (exported at the end), 6. ICMPv6 echo request
    for i in range(3):
        v6(5.0 + i, "2001:db8::1", "2001:db8::2", 6, tcp(40002, 443, ACK, b"x" * 20))
        v6(5.1 + i, "2001:db8::2", "2001:db8::1", 6, tcp(443, 40002, ACK, b"y" * 200))
    v6(8.5, "2001:db8::1", "2001:db8::2", 58, icmp(128, 0))
    # 7. the same UDP 5-tuple on VLAN 100 (twice) and VLAN 200
    v4(9.0, "10.5.0.1", "10.5.0.2", 17, udp(1000, 2000, b"v" * 50), vlan=100)
    v4(9.5, "10.5.0.1", "10.5.0.2", 17, udp(1000, 2000, b"v" * 50), vlan=100)
    v4(9.7, "10.5.0.1", "10.5.0.2", 17, udp(1000, 2000, b"v" * 50), vlan=200)
    # 9. idle: two packets, 28 s of silence, one more
    v4(10.0, "10.7.0.1", "10.7.0.2", 17, udp(7000, 8000, b"i" * 10))
    v4(11.0, "10.7.0.1", "10.7.0.2", 17, udp(7000, 8000, b"i" * 10))
    v4(39.0, "10.7.0.1", "10.7.0.2", 17, udp(7000, 8000, b"i" * 10))
    # 10. a UDP datagram in two fragments: 8 + 1472 bytes, then 500 more at offset 1480
    first = udp(9000, 9001, b"f" * 1972)[:1480]
    v4(12.0, "10.8.0.1", "10.8.0.2", 17, first, ident=7, flags_frag=0x2000)
    v4(12.0, "10.8.0.1", "10.8.0.2", 17, b"f" * 500, ident=7, flags_frag=1480 // 8)
    # 11. ARP (not IP), 12. GRE (neither TCP, UDP nor ICMP)
    out.append((13.0, ether(0x0806, bytes(28))))
    v4(14.0, "10.9.0.1", "10.9.0.2", 47, bytes(4) + b"g" * 60)
    # 8. a long UDP flow: one packet every 5 s for 150 s
    for i in range(30):
        v4(15.0 + 5 * i, "10.6.0.1", "10.6.0.2", 17, udp(5000, 6000, b"L" * 72))
    out.sort(key=lambda f: f[0])
    return out


def main():
    with open(sys.argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, frame in frames():
            usec = round(t * 1e6)
            f.write(struct.pack("<IIII", T0 + usec // 1000000, usec % 1000000, len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main()

/**
 * For live tests: a python3 program writing raw frames on an AF_PACKET socket (no scapy), run in a
 * test's network namespace: `ping PREFIX A B` (ICMP echo requests to PREFIX.A..B), `arpsweep IF
 * MYIP PREFIX A B` (ARP requests for PREFIX.A..B), `spoof IF CLAIMED VICTIM_IP VICTIM_MAC N`
 * (unsolicited ARP replies "CLAIMED is-at my MAC" to the victim, N of them). Never used by the product.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FRAMES = `
import socket, struct, sys, time
def mb(m): return bytes(int(x, 16) for x in m.split(':'))
def arp(op, smac, sip, tmac, tip, dst):
    return mb(dst) + mb(smac) + b'\\x08\\x06' + struct.pack('!HHBBH', 1, 0x0800, 6, 4, op) + mb(smac) + socket.inet_aton(sip) + mb(tmac) + socket.inet_aton(tip)
def csum(b):
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b)); t = (t >> 16) + (t & 0xffff); t += t >> 16; return (~t) & 0xffff
mode = sys.argv[1]
if mode == 'ping':
    pre, a, b = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    for i in range(a, b + 1):
        h = struct.pack('!BBHHH', 8, 0, 0, 0x4242, i) + b'sweep!'
        s.sendto(struct.pack('!BBHHH', 8, 0, csum(h), 0x4242, i) + b'sweep!', (pre + '.' + str(i), 0)); time.sleep(0.01)
    sys.exit(0)
ifc = sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((ifc, 0))
me = open('/sys/class/net/' + ifc + '/address').read().strip()
if mode == 'arpsweep':
    myip, pre, a, b = sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
    for i in range(a, b + 1):
        s.send(arp(1, me, myip, '00:00:00:00:00:00', pre + '.' + str(i), 'ff:ff:ff:ff:ff:ff')); time.sleep(0.01)
elif mode == 'spoof':
    claimed, vip, vmac, n = sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
    for i in range(n):
        s.send(arp(2, me, claimed, vmac, vip, vmac)); time.sleep(0.2)
`;

/** The program written into `dir`, its path. */
export function rawFramesScript(dir: string): string {
  const file = join(dir, 'frames.py');
  writeFileSync(file, FRAMES);
  return file;
}

/**
 * conn_state is looked up in a table built from Zeek's rules (zeek-conn.ts): the lookup must give
 * the rules' answer for every combination of TCP state bits and an answered or silent responder,
 * and the rules Zeek's states for the usual connections.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { B_ORIG_FIN, B_ORIG_RST, B_ORIG_SYN, B_RESP_FIN, B_RESP_RST, B_RESP_SYNACK, FlowMeter } from './flow-meter.js';
import * as S from './flow-state.js';
import { CONN_STATES, connStateIndex, tcpConnState } from './zeek-conn.js';

/** a meter-shaped value holding one flow (slot 0) of `proto` with these bits and responder packets */
function oneFlow(proto: number, bits: number, respPkts: number): FlowMeter {
  const state = new Float64Array(S.STRIDE);
  state[S.DIR0 + S.DIR_STRIDE + S.D_PKTS] = respPkts;
  return { state, tcpBits: Int32Array.of(bits), proto: () => proto } as unknown as FlowMeter;
}

test('conn_state by lookup is the rules\' answer for all 256 TCP state bit sets, answered or not; other protocols SF or S0', () => {
  for (let bits = 0; bits < 256; bits++) {
    for (const resp of [0, 1, 7]) assert.equal(connStateIndex(oneFlow(6, bits, resp), 0), tcpConnState(bits, resp > 0), `bits ${bits}, ${resp} responder packets`);
  }
  for (const proto of [1, 17, 58]) {
    assert.equal(CONN_STATES[connStateIndex(oneFlow(proto, 0, 0), 0)], 'S0');
    assert.equal(CONN_STATES[connStateIndex(oneFlow(proto, 0, 2), 0)], 'SF');
  }
});

test("Zeek's states for the usual TCP connections", () => {
  const cases: [number, boolean, string][] = [
    [B_ORIG_SYN, false, 'S0'],
    [B_ORIG_SYN | B_RESP_SYNACK, true, 'S1'],
    [B_ORIG_SYN | B_RESP_SYNACK | B_ORIG_FIN | B_RESP_FIN, true, 'SF'],
    [B_ORIG_SYN | B_RESP_RST, true, 'REJ'],
    [B_ORIG_SYN | B_RESP_SYNACK | B_ORIG_RST, true, 'RSTO'],
    [B_ORIG_SYN | B_RESP_SYNACK | B_RESP_RST, true, 'RSTR'],
    [B_ORIG_SYN | B_ORIG_RST, false, 'RSTOS0'],
    [B_ORIG_SYN | B_ORIG_FIN, false, 'SH'],
    [B_ORIG_SYN | B_RESP_SYNACK | B_ORIG_FIN, true, 'S2'],
    [B_ORIG_SYN | B_RESP_SYNACK | B_RESP_FIN, true, 'S3'],
    [B_RESP_SYNACK | B_RESP_RST, true, 'RSTRH'],
    [B_RESP_SYNACK | B_RESP_FIN, true, 'SHR'],
    [0, true, 'OTH'],
    [B_ORIG_SYN, true, 'OTH'],
  ];
  for (const [bits, answered, want] of cases) assert.equal(CONN_STATES[tcpConnState(bits, answered)], want, `bits ${bits}`);
});

/**
 * The layout of one flow's running statistics in the flow meter's Float64Array (one row of STRIDE
 * numbers per flow slot), and the running-statistics update they all share. Flat numbers in one
 * typed array rather than an object per flow: the meter touches a few cache lines per packet and
 * allocates nothing, and the memory a flow table may take is simply slots × STRIDE × 8 bytes.
 *
 * Every distribution (packet lengths, inter-arrival times, active and idle periods) is kept as
 * [mean, M2, min, max] updated by Welford's method: sums of squares of microsecond times reach
 * 1e16 and lose every digit of the variance to cancellation, Welford's update does not.
 */
export const MEAN = 0;
export const M2 = 1;
export const MIN = 2;
export const MAX = 3;

// flow-wide
export const FIRST_TS = 0;
export const LAST_TS = 1;
/** start of the TCP connection this flow belongs to (kept across timeout splits) */
export const CONN_START = 2;
export const FLOW_IAT = 3; // [mean, m2, min, max]
export const ALL_LEN = 7; // payload lengths of every packet
export const FLAG_FIN = 11;
export const FLAG_SYN = 12;
export const FLAG_RST = 13;
export const FLAG_PSH = 14;
export const FLAG_ACK = 15;
export const FLAG_URG = 16;
export const FLAG_CWR = 17;
export const FLAG_ECE = 18;
export const ACT_START = 19;
export const ACT_END = 20;
export const ACT_N = 21;
export const ACTIVE = 22; // [mean, m2, min, max]
export const IDLE_N = 26;
export const IDLE = 27; // [mean, m2, min, max]
export const ICMP_TYPE = 31;
export const ICMP_CODE = 32;
/** TTL of the first packet from the originator */
export const FWD_TTL = 33;

// per direction: forward block at DIR0, backward at DIR0 + DIR_STRIDE
export const DIR0 = 34;
export const D_PKTS = 0;
export const D_BYTES = 1;
export const D_LEN = 2; // [mean, m2, min, max]
export const D_HDR = 6;
export const D_PSH = 7;
export const D_URG = 8;
export const D_RST = 9;
export const D_IAT = 10; // [mean, m2, min, max]
export const D_IAT_SUM = 14;
export const D_LAST_TS = 15;
export const D_INIT_WIN = 16;
export const D_ACT_DATA = 17;
export const D_MIN_SEG = 18;
export const D_IP_BYTES = 19;
// bulk transfer tracking (CICFlowMeter's definition: ≥ 4 data packets one way, gaps ≤ 1 s)
export const D_BULK_START = 20;
export const D_BULK_LAST = 21;
export const D_BULK_PKT_H = 22;
export const D_BULK_SIZE_H = 23;
export const D_BULK_STATES = 24;
export const D_BULK_PKTS = 25;
export const D_BULK_SIZE = 26;
export const D_BULK_DUR = 27;
export const DIR_STRIDE = 28;

export const STRIDE = DIR0 + 2 * DIR_STRIDE;

/** Add value x as the n-th (1-based) observation of the distribution at s[i .. i+3]. */
export function addStat(s: Float64Array, i: number, n: number, x: number): void {
  if (n === 1) {
    s[i] = x;
    s[i + 1] = 0;
    s[i + 2] = x;
    s[i + 3] = x;
    return;
  }
  const d = x - s[i];
  const mean = s[i] + d / n;
  s[i] = mean;
  s[i + 1] += d * (x - mean);
  if (x < s[i + 2]) s[i + 2] = x;
  if (x > s[i + 3]) s[i + 3] = x;
}

/** Sample standard deviation (n - 1), 0 for fewer than two observations (as CICFlowMeter's library). */
export function sampleStd(s: Float64Array, i: number, n: number): number {
  return n > 1 ? Math.sqrt(s[i + 1] / (n - 1)) : 0;
}

export function sampleVariance(s: Float64Array, i: number, n: number): number {
  return n > 1 ? s[i + 1] / (n - 1) : 0;
}

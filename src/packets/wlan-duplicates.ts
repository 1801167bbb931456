/**
 * 802.11 retransmissions: a frame not acknowledged is sent again with the Retry bit set and the
 * same sequence control, and a monitor-mode capture holds every copy (a few per cent of a busy
 * network's frames). A receiver drops the copies by transmitter and sequence control (IEEE
 * 802.11-2020 10.3.2.14); so does this, or each copy counted again in its flow's packets and bytes.
 * Keeps the last sequence control per transmitter; bounded (emptied past MAX_TRANSMITTERS).
 */
import type { DecodedPacket } from './decoded-packet.js';

const MAX_TRANSMITTERS = 65_536;

export class WlanDuplicates {
  private readonly last = new Map<number, number>();

  /** Whether `d` (an 802.11 data frame: d.wlanTa ≥ 0) repeats the frame its transmitter sent last. */
  retransmitted(d: DecodedPacket): boolean {
    const before = this.last.get(d.wlanTa);
    if (before === d.wlanSeqCtl) return d.wlanRetry;
    if (before === undefined && this.last.size >= MAX_TRANSMITTERS) this.last.clear();
    this.last.set(d.wlanTa, d.wlanSeqCtl);
    return false;
  }
}

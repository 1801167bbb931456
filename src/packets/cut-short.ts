/**
 * A capture that ends inside its last record or block: what a capture still being written, copied
 * while it grew, or stopped mid-packet looks like. The readers throw it (an InputError naming the
 * byte offset, after every packet before it went to the sink); `--allow-truncated` turns it into a
 * warning so the packets before the cut are used. Damage that is not at the end (impossible
 * framing with bytes after it) stays an error.
 */
import { InputError, type InputPlace } from '../util/errors.js';

export class CaptureCutShort extends InputError {
  /** packets read before the cut */
  readonly packets: number;
  constructor(place: InputPlace, problem: string, packets: number) {
    super(place, problem);
    this.packets = packets;
  }
}

/**
 * Times written on a 12-hour clock without AM/PM, as the original CIC-IDS2017 CSVs write them
 * (`5/7/2017 8:59`, ..., `5/7/2017 12:59`, `5/7/2017 1:00` meaning 13:00): read as written, the
 * afternoon's flows were dated twelve hours early, before the morning's, and the rules' windows,
 * the alerts' times and every "when" of the report were wrong for half the day.
 *
 * The rule, within one file (or one stream input), for day/month/year times without AM/PM and
 * without an offset: on one day, when the hour drops from 8 or later to 7 or earlier (8:59 → 1:00,
 * 12:59 → 1:00) by more than three hours (a flow written late falls back minutes, not hours), the
 * clock has passed noon: from there on that day, hours 1 to 7 are read as
 * 13 to 19. Hours 8 to 12 keep their reading (a long flow that began at 11:50 can be written after
 * flows of 13:05: CICFlowMeter writes a flow when it ends). A new day starts in the morning again.
 * A file whose times show a 24-hour clock (an hour 0 or above 12) or AM/PM is read as written from
 * there on. Never silent: the reader says which line turned the clock and how many times it moved.
 *
 * What it cannot see: a file of afternoon flows only (no drop), such as the original "Afternoon"
 * files that begin at 1:xx; those are read as written, morning.
 */
/**
 * How far back (in minutes, as written) the clock must fall to be noon passing: a flow is written
 * when it ends, so a 24-hour morning file's times fall back by up to a flow's length (8:00, then
 * 7:58 for a flow begun two minutes earlier; CICFlowMeter ends flows after 120 s) and must not turn
 * its morning into evening. Passing noon on a 12-hour clock falls back by hours (12:59 → 1:00 is
 * 11 h 59 min).
 */
const MIN_NOON_DROP_MINUTES = 180;

export class TwelveHourClock {
  /** the day of the last time (year·10000 + month·100 + day) */
  private day = -1;
  /** the last time's hour and minute as written */
  private lastHour = -1;
  private lastMinute = 0;
  /** past noon on this day */
  private pm = false;
  /** the times show a 24-hour clock, or AM/PM: read as written from there on */
  private off = false;
  /** the line being read (set by the caller before each row, for the note) */
  line = 0;
  /** the first turn to the afternoon (`file`: where a stream's batch was read from, when not the note's file) */
  turn?: { readonly line: number; readonly from: string; readonly to: string; readonly file?: string };
  /** times read as afternoon */
  moved = 0;

  /** The hour to read for a time of `hour`:`minute` on `dayKey`, written without AM/PM and offset. */
  hour(hour: number, minute: number, dayKey: number): number {
    if (this.off) return hour;
    if (hour === 0 || hour > 12) {
      this.off = true;
      return hour;
    }
    if (dayKey !== this.day) {
      this.day = dayKey;
      this.pm = false;
    } else if (!this.pm && this.lastHour >= 8 && hour <= 7 && this.lastHour * 60 + this.lastMinute - (hour * 60 + minute) > MIN_NOON_DROP_MINUTES) {
      this.pm = true;
      this.turn ??= { line: this.line, from: clock(this.lastHour, this.lastMinute), to: clock(hour, minute) };
    }
    this.lastHour = hour;
    this.lastMinute = minute;
    if (this.pm && hour <= 7) {
      this.moved++;
      return hour + 12;
    }
    return hour;
  }

  /** Its whole state, for `restore` (a stream reads a batch again after a bad line: read-tally.ts). */
  snapshot(): Readonly<Record<string, unknown>> {
    return { ...this } as unknown as Readonly<Record<string, unknown>>;
  }

  restore(state: Readonly<Record<string, unknown>>): void {
    Object.assign(this, state);
  }

  /** A time with AM/PM: the file says its half of the day, nothing to guess. */
  sawAmPm(): void {
    this.off = true;
  }

  /** What was done, for the user (undefined when no time moved). */
  note(file: string, column = 'Timestamp'): string | undefined {
    if (!this.turn || this.moved === 0) return undefined;
    const n = this.moved.toLocaleString('en-US');
    return `${this.turn.file ?? file}: "${column}" is a 12-hour clock without AM/PM (no hour 0 or above 12): at line ${this.turn.line} the hour drops from ${this.turn.from} to ${this.turn.to} on one day, so there and after it that day hours 1 to 7 are read as afternoon (${this.turn.to} as ${clock(Number(this.turn.to.split(':')[0]) + 12, Number(this.turn.to.split(':')[1]))}); ${n} ${this.moved === 1 ? 'time' : 'times'} read so`;
  }
}

function clock(h: number, m: number): string {
  return `${h}:${String(m).padStart(2, '0')}`;
}

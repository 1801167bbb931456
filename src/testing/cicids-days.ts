/**
 * Day-by-day slices of the CIC-IDS2017 sample for the drift tests: the sample's BENIGN file holds
 * flows of five days (2017-07-03 Monday to 07-07 Friday, by the Timestamp column); the attack files
 * hold the days they happened on. Written as CSV files in the sample's own format so the tests go
 * through the readers and verbs a user runs. Tests only.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath } from './shared-data.js';

const TIMESTAMP = 7;

function lines(file: string): { header: string; rows: string[] } {
  const path = sharedPath('datasets', 'cicids2017-sample', file);
  if (!path) throw new Error(`needs ../shared/datasets/cicids2017-sample/${file}`);
  const all = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  return { header: all[0], rows: all.slice(1) };
}

const day = (row: string): string => row.split(',')[TIMESTAMP].slice(0, 10);
const byTime = (a: string, b: string): number => (a.split(',')[TIMESTAMP] < b.split(',')[TIMESTAMP] ? -1 : 1);

export interface DayFiles {
  /** Monday's benign flows, every other one: what the baseline is fitted on */
  readonly mondayFit: string;
  /** Monday's other benign flows: the stream before any switch */
  readonly mondayRest: string;
  readonly mondayRestFlows: number;
  /** Tuesday to Friday's benign flows, in time order */
  readonly otherBenignDays: string;
  /**
   * Wednesday's traffic as the network saw it, in time order: its benign flows and its DoS attacks
   * at that day's share in the full data set (≈36 % of Wednesday's flows were DoS Hulk,
   * GoldenEye, slowloris, slowhttptest), 300 attack flows beside 532 benign ones
   */
  readonly wednesday: string;
}

export function writeDayFiles(dir: string): DayFiles {
  const benign = lines('BENIGN_2500.csv');
  const monday = benign.rows.filter((r) => day(r) === '2017-07-03').sort(byTime);
  const fit = monday.filter((_, i) => i % 2 === 0);
  const rest = monday.filter((_, i) => i % 2 === 1);
  const others = benign.rows.filter((r) => day(r) > '2017-07-03').sort(byTime);
  const attacks = ([['DoS_Hulk_2500.csv', 275], ['DoS_GoldenEye_2500.csv', 12], ['DoS_Slowloris_2500.csv', 7], ['DoS_Slowhttptest_1740.csv', 6]] as const).flatMap(([f, n]) => lines(f).rows.slice(0, n));
  const wednesday = [...benign.rows.filter((r) => day(r) === '2017-07-05'), ...attacks].sort(byTime);
  const write = (name: string, rows: string[]): string => {
    const p = join(dir, name);
    writeFileSync(p, [benign.header, ...rows].join('\n') + '\n');
    return p;
  };
  return {
    mondayFit: write('monday-fit.csv', fit),
    mondayRest: write('monday-rest.csv', rest),
    mondayRestFlows: rest.length,
    otherBenignDays: write('tuesday-to-friday-benign.csv', others),
    wednesday: write('wednesday.csv', wednesday),
  };
}

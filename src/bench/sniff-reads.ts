/**
 * Bytes a read of folders takes from the kernel, beside the bytes of their files: what sniffing
 * (and ordering a folder's captures) reads that the read itself reads again.
 *
 *   node dist/bench/sniff-reads.js [FOLDER ...]      (default: ../shared's pcaps and CIC-IDS2017 sample)
 *
 * Counted with Linux's /proc/self/io `rchar` (every byte read(2) returned, from disk or the page
 * cache) around streamDataset, the second of three runs (the first loads the modules). Measured on
 * the 2-core machine (bytes are exact, times rough):
 *
 *   folder                        files bytes   read before     read after
 *   shared/pcaps (15 captures)        782,256     1,852,147        783,503
 *   4 × 437 KB + 2.6 MB captures    4,371,800     8,545,956      4,372,363
 *   CIC-IDS2017 sample (16 CSVs)   15,214,431    30,430,030     15,215,604
 *
 * Before: sniffing read a 1 MiB chunk and the stream's read-ahead of every file (files of up to
 * ~2 MB whole), and the read started again at byte 0; a folder's captures also had their first
 * 64 KiB read to order them by first packet. After: 64 KiB sniffed (or the ordering's bytes reused),
 * and the read starts from them (read-dataset.ts HEAD_BUDGET: up to 16 MiB of heads kept).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { sharedPath } from '../testing/shared-data.js';
import { streamDataset } from '../sources/read-dataset.js';

const rchar = (): number => Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);

async function main(): Promise<void> {
  const given = process.argv.slice(2);
  const folders = given.length ? given : [sharedPath('pcaps'), sharedPath('datasets', 'cicids2017-sample')].filter((p): p is string => p !== undefined);
  for (const folder of folders) {
    let size = 0;
    for (const n of readdirSync(folder)) size += statSync(`${folder}/${n}`).size;
    let line = '';
    for (let run = 0; run < 3; run++) {
      const r0 = rchar();
      const t0 = performance.now();
      let rows = 0;
      for await (const t of streamDataset([folder], { warn: () => {}, skipped: () => {} })) rows += t.rowCount;
      line = `${folder}: ${rows.toLocaleString('en-US')} rows, files ${size.toLocaleString('en-US')} bytes (all files), read ${(rchar() - r0).toLocaleString('en-US')} bytes, ${Math.round(performance.now() - t0)} ms`;
    }
    console.log(line);
  }
}

await main();

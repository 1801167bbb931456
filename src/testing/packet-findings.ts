/**
 * For tests of the packet detectors: the findings `analyze` would get from a capture's packets
 * (the capture read by the real reader and decoder, every packet through packetDetectors), and
 * frames written to a pcap file first when a test builds its own traffic. Never used by the product.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../detect/finding.js';
import type { RulesConfigInput } from '../detect/rules-config.js';
import { packetDetectors } from '../packets/packet-evidence.js';
import { captureTable, writePcap } from './capture-writer.js';

export async function captureFindings(file: string, rules: RulesConfigInput = {}): Promise<{ findings: Finding[]; warnings: string[] }> {
  const warnings: string[] = [];
  const p = packetDetectors(rules, { warn: (m) => warnings.push(m) });
  await captureTable([file], { ...p.hooks });
  const r = await p.provider.finish([]);
  return { findings: [...(r.findings ?? [])], warnings };
}

/** Frames (Ethernet) at times in microseconds, as a pcap file in a fresh temporary directory. */
export function framesToPcap(frames: readonly { ts: number; frame: Uint8Array }[], name = 'test.pcap'): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ns-packet-'));
  const file = join(dir, name);
  writeFileSync(file, writePcap(frames.map((f) => ({ tsMicros: f.ts, data: f.frame })), { linkType: 1 }));
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function framesFindings(frames: readonly { ts: number; frame: Uint8Array }[], rules: RulesConfigInput = {}): Promise<{ findings: Finding[]; warnings: string[] }> {
  const { file, cleanup } = framesToPcap(frames);
  try {
    return await captureFindings(file, rules);
  } finally {
    cleanup();
  }
}

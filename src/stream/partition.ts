/**
 * Which partition a flow goes to: a stable hash of its source IP (FNV-1a, 32 bits) modulo the
 * partition count, so every flow of one source lands on one subject and therefore on one worker,
 * whose in-memory rule state (scans, floods, brute force per source) then sees all of them. Stable
 * across processes, machines and versions (never Math.random or a seeded map order). Flows without
 * a source IP go to partition 0.
 */
export function partitionOf(srcIp: string | null, partitions: number): number {
  if (!srcIp || partitions <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < srcIp.length; i++) {
    h ^= srcIp.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/** The subject of a partition's flows. */
export function flowSubject(prefix: string, partition: number): string {
  return `${prefix}.flows.${partition}`;
}

/**
 * The noun after a count in a sentence people read: "1 flow", "2 flows", "0 flows". Finding
 * reasons and summaries are read in alerts, risky_ips.csv and the report, where "1 flows" or
 * "1 flow(s)" reads as a bug. Only the noun: callers keep their own number formatting.
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

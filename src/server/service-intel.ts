/**
 * The service's threat intelligence: the `intel` verb's ThreatIntel (src/intel/threat-intel.ts)
 * opened once with the settings' intel section, its provider cache in the service's store unless
 * intel.store says otherwise. A lookup always answers: providers already report their own
 * failures as sources that did not answer; anything else that breaks (the cache's store, an
 * unexpected provider error) falls back to the local feeds alone, with the failure named as a
 * source, so the client gets a partial answer rather than a 5xx.
 */
import type { Settings } from '../config/settings.js';
import { intelConfigFrom } from '../intel/intel-config.js';
import { openThreatIntel, type IntelReport, type ThreatIntel } from '../intel/threat-intel.js';
import type { Logger } from '../util/logger.js';

export interface ServiceIntelReport extends IntelReport {
  /** a source that would have been asked did not answer (failure, rate limit, timeout) */
  readonly partial: boolean;
}

export interface ServiceIntel {
  lookup(ip: string): Promise<ServiceIntelReport>;
  close(): Promise<void>;
}

/** statuses of a source that was never meant to answer: no key, offline, a private address */
const NOT_ASKED = new Set(['no-key', 'skipped']);

function withPartial(r: IntelReport): ServiceIntelReport {
  return { ...r, partial: r.sources.some((s) => !s.answered && !NOT_ASKED.has(s.status)) };
}

export async function openServiceIntel(settings: Settings, storeLocation: string, log: Logger, onError: (e: Error) => void): Promise<ServiceIntel> {
  const base = intelConfigFrom(settings);
  const config = { ...base, store: settings.string('intel.store') ?? storeLocation };
  const ti = await openThreatIntel({ config, logger: log });
  let feedsOnly: ThreatIntel | undefined;
  return {
    async lookup(ip) {
      try {
        return withPartial(await ti.lookup(ip));
      } catch (e) {
        onError(e as Error);
        feedsOnly ??= await openThreatIntel({ config, offline: true, logger: log });
        const r = await feedsOnly.lookup(ip);
        const failed = { source: 'providers', status: 'error' as const, answered: false, indicators: [], reason: `providers not asked: ${(e as Error).message.slice(0, 200)}` };
        return { ...r, sources: [...r.sources.filter((s) => s.source === 'feeds'), failed], partial: true };
      }
    },
    async close() {
      await ti.close();
      await feedsOnly?.close();
    },
  };
}

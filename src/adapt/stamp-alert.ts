/**
 * An alert with a changed EVE record (the model version that scored it added): the same key —
 * the version does not change what the alert is about, so a redelivered message scored by a newer
 * version still stores nothing twice — with its JSON line made again from the new record.
 */
import type { Alert } from '../analysis/alerts.js';

export type { Alert };

export function makeAlertWithRecord(a: Alert, record: Readonly<Record<string, unknown>>): Alert {
  return { ...a, record, json: JSON.stringify(record) };
}

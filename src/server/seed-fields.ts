/**
 * Seed 004's connection record, as its README specifies POST /classify: 31 fields with these exact
 * names (the KDD'99 feature names without underscores, `protocol` for protocol_type), integers,
 * fractions and three categories. The seed's README spells one of them "worngfragment" in its field
 * list, but its own curl example (the contract its clients follow) sends "wrongfragment", which is
 * what we accept.
 *
 * The same name folding lets the batch endpoints take records named either way (seed 004's or the
 * NSL-KDD column names): `canonicalField` maps both to one key.
 */
export type SeedFieldType = 'integer' | 'number' | 'string';

export const SEED_FIELDS: readonly (readonly [string, SeedFieldType])[] = [
  ['duration', 'integer'], ['srcbytes', 'integer'], ['dstbytes', 'integer'], ['land', 'integer'], ['wrongfragment', 'integer'],
  ['urgent', 'integer'], ['hot', 'integer'], ['numfailedlogins', 'integer'], ['loggedin', 'integer'], ['numcompromised', 'integer'],
  ['rootshell', 'integer'], ['suattempted', 'integer'], ['numfilecreations', 'integer'], ['numshells', 'integer'],
  ['numaccessfiles', 'integer'], ['ishostlogin', 'integer'], ['count', 'integer'], ['srvcount', 'integer'],
  ['serrorrate', 'number'], ['rerrorrate', 'number'], ['samesrvrate', 'number'], ['diffsrvrate', 'number'],
  ['srvdiffhostrate', 'number'], ['dsthostcount', 'integer'], ['dsthostsrvcount', 'integer'], ['dsthostdiffsrvrate', 'number'],
  ['dsthostsamesrcportrate', 'number'], ['dsthostsrvdiffhostrate', 'number'], ['protocol', 'string'], ['service', 'string'], ['flag', 'string'],
];

/** The answers seed 004 defines, besides the model's own class names. */
export const NOT_RECOGNIZED = 'Not recognized';

const ALIASES: Readonly<Record<string, string>> = { protocol: 'protocoltype', proto: 'protocoltype' };

/** One key for a field however it is spelled: lower case, letters and digits only, aliases folded. */
export function canonicalField(name: string): string {
  const k = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return ALIASES[k] ?? k;
}

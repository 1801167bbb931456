/**
 * Dataset profiling: `profileTable` summarises a FlowTable as plain JSON, `formatProfile` prints
 * it for a terminal. The statistics underneath are exported for reuse (evaluate/, risk/).
 */
export { profileTable, type ClassCount, type ColumnProfile, type CorrelatedPair, type CorrelationSummary, type FeatureTest, type LabelProfile, type Profile, type ProfileOptions, type ValueCount } from './profile-table.js';
export { formatProfile } from './format-profile.js';
export { mannWhitneyU, mannWhitneyUSortInPlace, type MannWhitneyResult } from './mann-whitney.js';
export { chiSquareIndependence, type ChiSquareResult } from './chi-square.js';
export { chiSquareSf, gammaP, gammaQ, logGamma, normalCdf, normalSf } from './special-functions.js';

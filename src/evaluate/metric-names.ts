/**
 * The names `compare --sort` and `search --metric` accept, apart from the modules that compute
 * them, so the verbs' option tables (cli/verbs/compare-spec.ts, search-spec.ts) print them in
 * --help without loading the evaluation code and every model.
 */
export type SortKey = 'macro-f1' | 'accuracy' | 'weighted-f1' | 'roc-auc' | 'binary-roc-auc' | 'fit-time' | 'predict-time';
export const SORT_KEYS: readonly SortKey[] = ['macro-f1', 'accuracy', 'weighted-f1', 'roc-auc', 'binary-roc-auc', 'fit-time', 'predict-time'];

export type SearchMetric = 'macro-f1' | 'accuracy' | 'weighted-f1' | 'roc-auc' | 'binary-roc-auc';
export const SEARCH_METRICS: readonly SearchMetric[] = ['macro-f1', 'accuracy', 'weighted-f1', 'roc-auc', 'binary-roc-auc'];

/**
 * The file names the chart writers put in a --plots folder, in one cheap module (no chart code), so
 * a verb can check them against its inputs (src/cli/output-guard.ts) before drawing anything.
 */
const MODEL_CHARTS = ['confusion_matrix', 'roc_curve', 'feature_importance', 'training_loss'] as const;

/** what `train --plots DIR` and `evaluate --plots DIR` may write in DIR */
export const MODEL_PLOT_FILES: readonly string[] = MODEL_CHARTS.flatMap((c) => [`${c}.png`, `${c}.vl.json`]);

/** what `cluster -o DIR` writes in DIR */
export const CLUSTER_FILES: readonly string[] = ['clusters.csv', 'k_distance.png', 'clusters.png'];

/** what `analyze -o DIR` writes in DIR */
export const ANALYZE_FILES: readonly string[] = ['flows_scored.csv', 'alerts.jsonl', 'risky_ips.csv', 'risky_ips.txt', 'risk_scores.png', 'report.html', 'summary.json'];

/**
 * Charts for people (PNG) and for dashboards (Vega-Lite specs): one builder per chart, one
 * renderer for all. Builders take plain arrays, return plain JSON, and never touch the disk.
 */
export { confusionMatrixSpec, type CountMatrix } from './confusion-matrix.js';
export { rocCurvesSpec, type RocCurveInput, type RocChartOptions } from './roc-curves.js';
export { featureImportanceSpec, type FeatureImportanceOptions } from './feature-importance.js';
export { kDistanceSpec, type KDistanceChartOptions } from './k-distance.js';
export { clusterScatterSpec, KIND_BORDER, KIND_CORE, KIND_NOISE, type ClusterScatterOptions, type PointKindName } from './cluster-scatter.js';
export { trainingLossSpec, type LossSeries, type TrainingLossOptions } from './training-loss.js';
export { riskScoresSpec, type RiskChartOptions } from './risk-scores.js';
export { compileChart, renderPng, renderPngBuffer, renderSvg, type CompiledChart, type RenderedPng, type RenderOptions } from './render.js';
export { lttbIndices, sampleIndices } from './downsample.js';
export { readPngSize } from './png-header.js';
export { CHART_CONFIG, type ChartSpec, type ChartTextOptions } from './theme.js';

/**
 * Registers every estimator. Importing this module is what makes a model name usable from the
 * command line and loadable from a model file.
 */
import { register } from './registry.js';
// registrations (one line per estimator module; keep alphabetical)
import { autoencoder } from './neural/autoencoder.js';
register(autoencoder);
import { bagging } from './ensemble/bagging.js';
register(bagging);
import { dbscanDetector } from './cluster/dbscan-detector.js';
register(dbscanDetector);
import { decisionTree } from './trees/decision-tree.js';
register(decisionTree);
import { gradientBoosting } from './trees/gbdt.js';
register(gradientBoosting);
import { isolationForest } from './isolation-forest.js';
register(isolationForest);
import { linearSvm } from './linear/linear-svm.js';
register(linearSvm);
import { lof } from './lof.js';
register(lof);
import { logisticRegression } from './linear/logistic-regression.js';
register(logisticRegression);
import { mlp } from './neural/mlp.js';
register(mlp);
import { oneClassSvm } from './kernel/one-class-svm.js';
register(oneClassSvm);
import { randomForest } from './trees/random-forest.js';
register(randomForest);
import { svm } from './kernel/svm.js';
register(svm);
import { voting } from './ensemble/voting.js';
register(voting);

export { register };

/**
 * Registers every estimator. Importing this module is what makes a model name usable from the
 * command line and loadable from a model file.
 */
import { register } from './registry.js';
// registrations (one line per estimator module; keep alphabetical)
import { autoencoder } from './neural/autoencoder.js';
register(autoencoder);
import { dbscanDetector } from './cluster/dbscan-detector.js';
register(dbscanDetector);
import { isolationForest } from './isolation-forest.js';
register(isolationForest);
import { lof } from './lof.js';
register(lof);
import { mlp } from './neural/mlp.js';
register(mlp);

export { register };

/** The respond area's verbs in one import, so commands.ts gains one line. */
export { respond } from './respond.js';
export { decisions } from './decisions.js';
export { block } from './block.js';
export { notify } from './notify.js';

/**
 * Sweep item Lambda (the Distributed Map of `gridbot sweep --aws`): one combination of a parameter sweep per
 * invocation. Payload: one item of the sweep's items.json (`{ sweepId, index, params, inputs, market }`);
 * it runs that combination's simulation and writes the result row to `results/<sweepId>/<index>.json`.
 */
import { sweepItemHandler } from '../../shared/composition/sweep-lambda.js';

export const handler = sweepItemHandler();

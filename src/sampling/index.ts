/**
 * `gr2/sampling` — seeded randomness.
 *
 * @packageDocumentation
 */
export { Random, toRandom } from './random.js';

/**
 * Registers the `'js'` reference kernels and exports the backend class.
 *
 * @packageDocumentation
 */
import { registerKernel } from '../kernel_registry.js';
import { accumulateConfig } from './kernels/accumulate.js';
import { fullKlConfig } from './kernels/full_kl.js';
import { logSoftmaxGatherConfig } from './kernels/log_softmax_gather.js';
import { matMulConfig } from './kernels/mat_mul.js';
import { nearestConfig } from './kernels/nearest.js';
import { policyLossConfig } from './kernels/policy_loss.js';

export { JsBackend } from './backend.js';

for (const config of [nearestConfig, accumulateConfig, matMulConfig, logSoftmaxGatherConfig, policyLossConfig, fullKlConfig]) {
  registerKernel(config);
}

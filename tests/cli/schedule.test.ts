import { describe, expect, it } from 'vitest';
import { OneCycle } from '../../cli/schedule.js';

// torch.optim.lr_scheduler.OneCycleLR(max_lr=3e-3, total_steps=20) on AdamW, PyTorch 1.13
const TORCH_LR = [0.00012, 0.000395015528, 0.001115015528, 0.002004984472, 0.002724984472, 0.003, 0.002962392019, 0.002851453896, 0.002672748533, 0.002435236962, 0.002150829005, 0.001833786066, 0.001500006, 0.001166225934, 0.000849182995, 0.000564775038, 0.000327263467, 0.000148558104, 3.7619981e-05, 1.2e-08];
const TORCH_BETA1 = [0.95, 0.940450849719, 0.915450849719, 0.884549150281, 0.859549150281, 0.85, 0.851253604391, 0.854951556605, 0.860908425877, 0.868825509907, 0.878305813044, 0.888873953302, 0.9, 0.911126046698, 0.921694186956, 0.931174490093, 0.939091574123, 0.945048443395, 0.948746395609, 0.95];

describe('OneCycle', () => {
  it("matches PyTorch's OneCycleLR learning rates and beta1 at every step", () => {
    const oc = new OneCycle({ maxLr: 3e-3, totalSteps: 20 });
    TORCH_LR.forEach((lr, step) => {
      const [ours, beta1] = oc.at(step);
      expect(ours).toBeCloseTo(lr, 10);
      expect(beta1).toBeCloseTo(TORCH_BETA1[step], 9);
    });
  });
});

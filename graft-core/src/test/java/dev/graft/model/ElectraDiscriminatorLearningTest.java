package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.VectorKernels;
import dev.graft.train.AdamW;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The discriminator's training path learns what its input lets it learn. Originals are drawn from the lower
 * half of the vocabulary, replacements uniformly from all of it, so a token of the upper half is always a
 * replacement and one of the lower half rarely is: a discriminator that learns the token-identity prior
 * reaches the loss computed here in closed form, far under the loss of answering the replaced share
 * everywhere. This is the check that told a discriminator which does not learn from one that has nothing easy
 * left to learn (docs/FINETUNING.md: in real pretraining the generator learns word frequencies within ~50
 * updates, after which only context separates its samples from the text).
 */
class ElectraDiscriminatorLearningTest {
    private static final int VOCAB = 99;
    private static final int FIRST = 5;          // ids below are special
    private static final int ORIGINAL_END = 52;  // originals in [FIRST, ORIGINAL_END)
    private static final double MASK = 0.15;

    @Test
    void theDiscriminatorReachesTheTokenIdentityOptimum() {
        ModelConfig config = new ModelConfig(ModelConfig.Architecture.ENCODER, VOCAB, 32, 2, 2, 37, 16, 2, 1e-12f, 0f,
                0f, GeluForm.ERF, 0.02f, 0, false, true);
        try (Parallel pool = new Parallel(2)) {
            Compute compute = new Compute(new VectorKernels(pool), pool);
            ElectraModel m = new ElectraModel(compute, config, 0.25, 3);
            AdamW adam = new AdamW(compute, m.allParameters(), 0.9f, 0.98f, 1e-6f, 0.01f);
            SplittableRandom random = new SplittableRandom(11);
            int batch = 16;
            int time = 16;
            double first = Double.NaN;
            double last = 0;
            int lastSteps = 0;
            int steps = 250;
            for (int step = 1; step <= steps; step++) {
                int n = batch * time;
                int[] ids = new int[n];
                int[] targets = new int[n];
                int[] replacements = new int[n];
                int[] mask = new int[n];
                Arrays.fill(mask, 1);
                Arrays.fill(targets, TokenBatch.IGNORE);
                for (int i = 0; i < n; i++) {
                    int original = FIRST + random.nextInt(ORIGINAL_END - FIRST);
                    ids[i] = original;
                    replacements[i] = original;
                    if (random.nextDouble() < MASK) {
                        targets[i] = original;
                        ids[i] = 1;
                        replacements[i] = FIRST + random.nextInt(VOCAB - FIRST);
                    }
                }
                TokenBatch b = new TokenBatch(batch, time, ids, new int[n], mask, targets);
                m.allParameters().zeroGrads();
                ElectraModel.Losses l = m.forward(b, replacements, step, true,
                        1f / ElectraModel.countMasked(b), 50f / ElectraModel.countTokens(b));
                AdamW.clipGradientNorm(compute, m.allParameters(), 1.0);
                adam.step(1e-3f * Math.min(1f, step / 20f));
                if (step == 1) {
                    first = l.discriminatorLoss();
                }
                if (step > steps - 50) {
                    last += l.discriminatorLoss();
                    lastSteps++;
                }
            }
            last /= lastSteps;
            double[] bounds = bounds();
            double trivial = bounds[0];
            double optimum = bounds[1];
            assertThat(trivial - optimum).as("the task has something to learn").isGreaterThan(0.15);
            assertThat(first).as("the first update's loss").isGreaterThan(trivial - 0.02);
            // within 15% of the gap from the trivial answer to the optimum (batches of 256 tokens are noisy; measured: 5%)
            assertThat(last).as("mean loss of the last 50 updates (trivial %.4f, optimum %.4f)", trivial, optimum)
                    .isLessThan(optimum + 0.15 * (trivial - optimum))
                    .isGreaterThan(optimum - 0.05);
        }
    }

    /** {trivial loss (the replaced share everywhere), the optimum given only each token's identity}. */
    private static double[] bounds() {
        int originals = ORIGINAL_END - FIRST;
        int all = VOCAB - FIRST;
        double replacedShare = 0;
        double optimum = 0;
        for (int t = FIRST; t < VOCAB; t++) {
            double pOriginal = 0;
            double pReplaced;
            if (t < ORIGINAL_END) {
                // kept, or masked and replaced by itself (counts as original)
                pOriginal = (1 - MASK) / originals + MASK / originals / all;
                pReplaced = MASK * (originals - 1) / originals / all;
            } else {
                pReplaced = MASK / all;
            }
            double w = pOriginal + pReplaced;
            double p = pReplaced / w;
            optimum += w * entropy(p);
            replacedShare += pReplaced;
        }
        return new double[]{entropy(replacedShare), optimum};
    }

    private static double entropy(double p) {
        return p <= 0 || p >= 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
    }
}

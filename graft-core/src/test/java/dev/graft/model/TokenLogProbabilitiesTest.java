package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.KernelProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * {@link LanguageModel#tokenLogProbabilities} agrees with the loss: at the batch's target
 * positions, minus their mean is the cross-entropy {@code forward} returns; a position asked for
 * twice with two tokens gives each its own value; log-probabilities of all tokens at a position
 * sum (as probabilities) to one.
 */
class TokenLogProbabilitiesTest {
    private static final Parallel POOL = new Parallel(2);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(POOL), POOL);

    @AfterAll
    static void close() {
        POOL.close();
    }

    @ParameterizedTest
    @EnumSource(ModelConfig.Architecture.class)
    void agreesWithTheLossAndNormalizes(ModelConfig.Architecture architecture) {
        boolean enc = architecture == ModelConfig.Architecture.ENCODER;
        int vocab = 99;
        ModelConfig c = new ModelConfig(architecture, vocab, 32, 2, 4, 37, 17, enc ? 2 : 0, 1e-5f, 0f, 0f,
                enc ? GeluForm.ERF : GeluForm.TANH, 0.3f, -1);
        LanguageModel model = new LanguageModel(COMPUTE, c, 7);
        int b = 3;
        int t = 13;
        SplittableRandom r = new SplittableRandom(4);
        int[] ids = new int[b * t];
        int[] targets = new int[b * t];
        int count = 0;
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(vocab);
            targets[i] = r.nextInt(3) == 0 ? TokenBatch.IGNORE : r.nextInt(vocab);
            count += targets[i] == TokenBatch.IGNORE ? 0 : 1;
        }
        TokenBatch batch = new TokenBatch(b, t, ids, null, null, targets);
        int[] positions = new int[count];
        int[] tokens = new int[count];
        int j = 0;
        for (int i = 0; i < ids.length; i++) {
            if (targets[i] != TokenBatch.IGNORE) {
                positions[j] = i;
                tokens[j++] = targets[i];
            }
        }
        double[] lp = model.tokenLogProbabilities(batch, positions, tokens);
        double sum = 0;
        for (double x : lp) {
            assertThat(x).isNegative();
            sum += x;
        }
        float loss = model.forward(batch, false);
        assertThat(-sum / count).isCloseTo(loss, within(1e-5));

        int[] all = new int[vocab + 1];
        int[] everyToken = new int[vocab + 1];
        for (int v = 0; v < vocab; v++) {
            all[v] = 5;
            everyToken[v] = v;
        }
        all[vocab] = 20; // a second position in the same call
        everyToken[vocab] = 3;
        double[] row = model.tokenLogProbabilities(batch, all, everyToken);
        double total = 0;
        for (int v = 0; v < vocab; v++) {
            total += Math.exp(row[v]);
        }
        assertThat(total).isCloseTo(1.0, within(1e-9));
        assertThat(row[3]).isNotEqualTo(row[vocab]);
        double[] single = model.tokenLogProbabilities(batch, new int[] {20}, new int[] {3});
        assertThat(single[0]).isCloseTo(row[vocab], within(1e-6));

        assertThatThrownBy(() -> model.tokenLogProbabilities(batch, new int[] {b * t}, new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("position " + b * t);
        assertThatThrownBy(() -> model.tokenLogProbabilities(batch, new int[] {0}, new int[] {vocab}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token " + vocab);
    }
}

package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.ScalarKernels;
import dev.graft.tensor.kernel.VectorKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ELECTRA's loss and gradients: against PyTorch (tools/reference/make_electra_fixtures.py, the samples taken
 * from the fixture so both compute the same thing), against finite differences with the samples held
 * fixed, and the sampler's distribution and independence of the thread count.
 */
class ElectraModelTest {
    private static final Parallel POOL = new Parallel(2);
    private static final double TOLERANCE = 1e-4;

    @AfterAll
    static void close() {
        POOL.close();
    }

    static Stream<Compute> computes() {
        return Stream.of(new Compute(new ScalarKernels(), POOL), new Compute(new VectorKernels(POOL), POOL));
    }

    /** Each fixture (embeddings as wide as the model, and 24 for 32: tiny_electra_narrow) with each kernel. */
    static Stream<org.junit.jupiter.params.provider.Arguments> fixtures() {
        return Stream.of("tiny_electra", "tiny_electra_narrow").flatMap(f -> computes()
                .map(c -> org.junit.jupiter.params.provider.Arguments.of(f, c)));
    }

    private static int[] ints(SafeTensors.Entry e) {
        long[] l = e.longs();
        int[] a = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            a[i] = Math.toIntExact(l[i]);
        }
        return a;
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("fixtures")
    void matchesPyTorch(String fixture, Compute compute) throws Exception {
        Path file = PyTorchParityTest.fixture(fixture);
        Map<String, SafeTensors.Entry> t = SafeTensors.read(file);
        Map<String, String> meta = SafeTensors.metadata(file);
        ModelConfig config = PyTorchParityTest.configOf(Map.of("architecture", "Bert", "vocab_size",
                meta.get("vocab_size"), "hidden_size", meta.get("hidden_size"), "layers", meta.get("layers"),
                "num_heads", meta.get("num_heads"), "ffn", meta.get("ffn"), "max_positions", meta.get("max_positions"),
                "type_vocab_size", meta.get("type_vocab_size"), "eps", meta.get("eps"), "pad_token_id",
                meta.get("pad_token_id")));
        config = config.withFamily(ModelConfig.Family.ELECTRA, Integer.parseInt(meta.get("embedding_size")));
        assertThat(config.embeddingSize()).isEqualTo(fixture.endsWith("narrow") ? 24 : 32);
        ElectraModel model = new ElectraModel(compute, config, Double.parseDouble(meta.get("generator_size")), 1);
        model.setTraining(false);
        assertThat(model.generatorConfig().hiddenSize()).isEqualTo(Integer.parseInt(meta.get("generator_hidden")));
        assertThat(model.generatorConfig().numberOfHeads()).isEqualTo(Integer.parseInt(meta.get("generator_heads")));
        assertThat(model.generatorConfig().intermediateSize()).isEqualTo(Integer.parseInt(meta.get("generator_ffn")));

        List<String> fixtureParams = t.keySet().stream().filter(k -> k.startsWith("param.")).map(k -> k.substring(6))
                .sorted().toList();
        List<String> graftParams = model.allParameters().list().stream().map(Parameter::name).sorted().toList();
        assertThat(graftParams).as("parameter names").isEqualTo(fixtureParams);
        for (Parameter p : model.allParameters().list()) {
            p.value().copyFrom(t.get("param." + p.name()).floats());
        }
        int[] shape = t.get("input.input_ids").shape();
        TokenBatch batch = new TokenBatch(shape[0], shape[1], ints(t.get("input.input_ids")),
                ints(t.get("input.token_type_ids")), ints(t.get("input.attention_mask")), ints(t.get("input.labels")));
        int[] replaced = ints(t.get("input.replaced_ids"));
        int masked = ElectraModel.countMasked(batch);
        int tokens = ElectraModel.countTokens(batch);
        float weight = Float.parseFloat(meta.get("discriminator_weight"));

        model.allParameters().zeroGrads();
        ElectraModel.Losses l = model.forward(batch, replaced, 0, true, 1f / masked, weight / tokens);
        assertThat(l.discriminatorInput()).isEqualTo(replaced);
        assertThat(l.replaced()).isEqualTo(Integer.parseInt(meta.get("replaced_tokens")));
        List<String> failures = new ArrayList<>();
        check(failures, "generator loss", l.generatorLoss(), t.get("output.generator_loss").floats()[0]);
        check(failures, "discriminator loss", l.discriminatorLoss(), t.get("output.discriminator_loss").floats()[0]);
        check(failures, "loss", l.generatorLoss() + weight * l.discriminatorLoss(), t.get("output.loss").floats()[0]);
        double largest = 0;
        for (Parameter p : model.allParameters().list()) {
            for (float g : t.get("grad." + p.name()).floats()) {
                largest = Math.max(largest, Math.abs(g));
            }
        }
        for (Parameter p : model.allParameters().list()) {
            double err = PyTorchParityTest.relativeError(p.grad().toArray(), t.get("grad." + p.name()).floats(),
                    1e-3 * largest);
            if (!(err <= TOLERANCE)) {
                failures.add(String.format("grad %s: relative error %.3g", p.name(), err));
            }
        }
        assertThat(failures).as("differences from PyTorch beyond %s relative", TOLERANCE).isEmpty();
    }

    private static void check(List<String> failures, String what, double actual, float expected) {
        double err = Math.abs(actual - expected) / Math.max(1e-30, Math.abs(expected));
        if (!(err <= TOLERANCE)) {
            failures.add(String.format("%s: %.7g against PyTorch's %.7g", what, actual, expected));
        }
    }

    /** vocab 23, hidden 12 (3 heads), FFN 17, one layer, 9 positions; the generator half as wide. */
    static ModelConfig small(boolean preNorm, boolean bias) {
        return new ModelConfig(ModelConfig.Architecture.ENCODER, 23, 12, 1, 3, 17, 9, 2, 1e-5f, 0f, 0f,
                GeluForm.ERF, 0.3f, 0, preNorm, bias);
    }

    /** Two rows of 7 and 5 real tokens (no real token is the pad id 0), a few masked (mask id 1). */
    static TokenBatch smallBatch() {
        int time = 7;
        int[] ids = {5, 1, 7, 9, 1, 11, 3, 4, 6, 1, 8, 2, 0, 0};
        int[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
        int[] types = {0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0};
        int[] targets = new int[14];
        Arrays.fill(targets, TokenBatch.IGNORE);
        targets[1] = 13;
        targets[4] = 17;
        targets[9] = 21;
        targets[10] = 8; // selected but left unchanged (BERT's 10%)
        return new TokenBatch(2, time, ids, types, mask, targets);
    }

    private static void randomize(ElectraModel m, long seed) {
        Random r = new Random(seed);
        for (Parameter p : m.allParameters().list()) {
            float[] d = p.value().data();
            for (int i = 0; i < p.size(); i++) {
                d[p.value().offset() + i] += (float) (r.nextGaussian() * 0.1);
            }
        }
    }

    /**
     * Post-LN; pre-LN bias-free; and embeddings narrower than the model (ELECTRA-Small's shape): 8 wide, so the
     * discriminator projects 8 to 12 and the generator 8 to its 6; and 6 wide, as wide as the generator, which
     * then has no projection of its own.
     */
    @Test
    void gradientsMatchFiniteDifferences() {
        List<ModelConfig> configs = List.of(small(false, true), small(true, false),
                small(false, true).withFamily(ModelConfig.Family.ELECTRA, 8),
                small(false, true).withFamily(ModelConfig.Family.ELECTRA, 6));
        for (ModelConfig config : configs) {
            boolean preNorm = config.preNorm();
            Compute compute = new Compute(new ScalarKernels(), POOL);
            ElectraModel m = new ElectraModel(compute, config, 0.5, 3);
            List<String> names = m.allParameters().list().stream().map(Parameter::name).toList();
            assertThat(names.contains("bert.embeddings_project.weight")).isEqualTo(config.embeddingSize() != 12);
            assertThat(names.contains("generator.embeddings_project.weight")).isEqualTo(config.embeddingSize() != 6);
            randomize(m, 4);
            TokenBatch batch = smallBatch();
            // the samples are drawn once and then held fixed: the loss is smooth in the parameters
            int[] replaced = m.forward(batch, null, 11, false, 0, 0).discriminatorInput();
            int masked = ElectraModel.countMasked(batch);
            int tokens = ElectraModel.countTokens(batch);
            float weight = 50f;
            m.allParameters().zeroGrads();
            m.forward(batch, replaced, 0, true, 1f / masked, weight / tokens);
            float[] analytic = m.allParameters().grads().clone();
            double scale = 0;
            for (float g : analytic) {
                scale = Math.max(scale, Math.abs(g));
            }
            float[] values = m.allParameters().values();
            SplittableRandom pick = new SplittableRandom(5);
            List<String> failures = new ArrayList<>();
            int checked = 0;
            for (int i = 0; i < m.allParameters().list().size(); i++) {
                Parameter p = m.allParameters().list().get(i);
                int off = m.allParameters().offset(i);
                int samples = Math.min(p.size(), 6);
                for (int s = 0; s < samples; s++) {
                    int at = off + (p.size() <= 6 ? s : pick.nextInt(p.size()));
                    float original = values[at];
                    float h = Math.max(1e-2f * Math.abs(original), 1e-2f);
                    double f2 = loss(m, batch, replaced, values, at, original + 2 * h, weight);
                    double f1 = loss(m, batch, replaced, values, at, original + h, weight);
                    double m1 = loss(m, batch, replaced, values, at, original - h, weight);
                    double m2 = loss(m, batch, replaced, values, at, original - 2 * h, weight);
                    values[at] = original;
                    double numeric = (-f2 + 8 * f1 - 8 * m1 + m2) / (12.0 * h);
                    double err = Math.abs(numeric - analytic[at]) / (Math.abs(numeric) + 1e-3 * scale + 1e-6);
                    checked++;
                    if (err > 2e-2) {
                        failures.add(String.format("%s[%d]: numeric %.6g analytic %.6g", p.name(), at - off, numeric,
                                analytic[at]));
                    }
                }
            }
            assertThat(checked).isGreaterThan(100);
            assertThat(failures).as("finite-difference mismatches (pre-LN %s, embeddings %d)", preNorm,
                    config.embeddingSize()).isEmpty();
        }
    }

    private static double loss(ElectraModel m, TokenBatch batch, int[] replaced, float[] values, int at, float v,
                               float weight) {
        values[at] = v;
        ElectraModel.Losses l = m.forward(batch, replaced, 0, false, 0, 0);
        return l.generatorLoss() + weight * l.discriminatorLoss();
    }

    @Test
    void samplesFollowTheGeneratorsSoftmax() {
        float[] logits = {2f, 0f, -1f, 1f, 0.5f};
        double max = 2;
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        int[] counts = new int[logits.length];
        SplittableRandom r = new SplittableRandom(9);
        int n = 50_000;
        for (int i = 0; i < n; i++) {
            counts[ElectraModel.sample(logits, 0, logits.length, r)]++;
        }
        for (int i = 0; i < logits.length; i++) {
            // 4 standard deviations of a binomial share at n = 50,000 is below 0.009
            assertThat((double) counts[i] / n).as("share of token %d", i).isCloseTo(p[i] / sum,
                    org.assertj.core.data.Offset.offset(0.009));
        }
    }

    @Test
    void samplesDoNotDependOnTheThreadCount() {
        int[][] inputs = new int[3][];
        int k = 0;
        for (int threads : new int[] {1, 3}) {
            try (Parallel pool = new Parallel(threads)) {
                Compute compute = new Compute(new ScalarKernels(), pool);
                ElectraModel m = new ElectraModel(compute, small(false, true), 0.5, 3);
                randomize(m, 4);
                inputs[k++] = m.forward(smallBatch(), null, 21, false, 0, 0).discriminatorInput();
                if (threads == 3) {
                    inputs[k++] = m.forward(smallBatch(), null, 22, false, 0, 0).discriminatorInput();
                }
            }
        }
        assertThat(inputs[1]).as("1 thread against 3").isEqualTo(inputs[0]);
        assertThat(inputs[2]).as("another seed samples otherwise").isNotEqualTo(inputs[0]);
        // only masked positions change
        TokenBatch b = smallBatch();
        for (int i = 0; i < b.rows(); i++) {
            if (b.targets()[i] == TokenBatch.IGNORE) {
                assertThat(inputs[0][i]).isEqualTo(b.inputIds()[i]);
            }
        }
    }

    @Test
    void theGeneratorIsAQuarterOfTheDiscriminatorByDefault() {
        ModelConfig mini = Presets.get("bert-mini");
        ModelConfig g = ElectraModel.generatorConfig(mini, 0.25);
        assertThat(List.of(g.numberOfLayers(), g.hiddenSize(), g.numberOfHeads(), g.intermediateSize()))
                .containsExactly(4, 64, 1, 256);
        ModelConfig small = ElectraModel.generatorConfig(Presets.get("bert-small"), 0.25);
        assertThat(List.of(small.hiddenSize(), small.numberOfHeads(), small.intermediateSize()))
                .containsExactly(128, 2, 512);
    }
}

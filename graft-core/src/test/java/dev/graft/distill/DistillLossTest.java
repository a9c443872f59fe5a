package dev.graft.distill;

import dev.graft.model.Backbone;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.SafeTensors;
import dev.graft.model.SentenceEmbedder;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.nn.Dropout;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;
import dev.graft.nn.Pooling;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.KernelProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The distillation losses: values by hand, every gradient against finite differences (on the loss's inputs, its
 * projection, and through a tiny odd-sized encoder into every parameter, which checks the backbone's hooks for
 * inner-layer and attention gradients), and against the PyTorch twins' fixture
 * ({@code tools/reference/make_distill_fixture.py}).
 */
class DistillLossTest {
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);

    @AfterAll
    static void close() {
        ONE.close();
    }

    // ----------------------------------------------------------------------------- finite differences

    /**
     * Five-point central differences of {@code loss} in each element of {@code data[off, off + n)} (every
     * {@code stride}-th) against {@code analytic}; relative error with the denominator floored at 5% of the
     * largest analytic gradient, as graft's layer checks. The step is 1% of the value, at least {@code floor}:
     * small for probabilities (which must stay positive), larger where float32 noise in a deep forward would
     * drown a small step.
     */
    static void checkGradient(String what, DoubleSupplier loss, float[] data, int off, int n, float[] analytic,
                              int analyticOff, int stride, float floor) {
        checkGradient(what, loss, data, off, n, analytic, analyticOff, stride, floor, 0);
    }

    /**
     * As above, the denominator floored at 0.1% of {@code globalScale} too (the largest gradient of the whole
     * model): a gradient that is exactly 0, like an attention key bias's, shows only float noise.
     */
    static void checkGradient(String what, DoubleSupplier loss, float[] data, int off, int n, float[] analytic,
                              int analyticOff, int stride, float floor, double globalScale) {
        double maxAnalytic = 1e-12;
        for (int i = 0; i < n; i++) {
            maxAnalytic = Math.max(maxAnalytic, Math.abs(analytic[analyticOff + i]));
        }
        double worst = 0;
        String worstText = "";
        for (int i = 0; i < n; i += stride) {
            float original = data[off + i];
            float h = Math.max(1e-2f * Math.abs(original), floor);
            data[off + i] = original + 2 * h;
            double f2 = loss.getAsDouble();
            data[off + i] = original + h;
            double f1 = loss.getAsDouble();
            data[off + i] = original - h;
            double m1 = loss.getAsDouble();
            data[off + i] = original - 2 * h;
            double m2 = loss.getAsDouble();
            data[off + i] = original;
            double numeric = (-f2 + 8 * f1 - 8 * m1 + m2) / (12.0 * h);
            double a = analytic[analyticOff + i];
            double err = Math.abs(numeric - a) / (Math.abs(numeric) + 0.05 * maxAnalytic + 1e-3 * globalScale + 1e-9);
            if (err > worst) {
                worst = err;
                worstText = String.format("at %d numeric %.6g analytic %.6g", i, numeric, a);
            }
        }
        assertThat(worst).as(what + " worst relative error " + worstText).isLessThan(1e-2);
    }

    static float[] random(Random r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    /** Rows with 7, 5 and 2 real tokens of 7. */
    static TokenBatch batch(int b, int t, int[] real, int vocab, Random r) {
        int[] ids = new int[b * t];
        int[] mask = new int[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                ids[i * t + j] = j < real[i] ? 1 + r.nextInt(vocab - 1) : 0;
                mask[i * t + j] = j < real[i] ? 1 : 0;
            }
        }
        return new TokenBatch(b, t, ids, null, mask, null);
    }

    /** Softmax distributions (B, H, T, T) over the real keys, of scores N(0, 2²). */
    static float[] probabilities(Random r, int b, int heads, int t, int[] mask) {
        return probabilities(r, b, heads, t, mask, 2);
    }

    /** Softmax distributions (B, H, T, T) over the real keys, of scores N(0, spread²). */
    static float[] probabilities(Random r, int b, int heads, int t, int[] mask, double spread) {
        float[] p = new float[b * heads * t * t];
        for (int bi = 0; bi < b; bi++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < t; i++) {
                    int row = ((bi * heads + h) * t + i) * t;
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        if (mask[bi * t + j] != 0) {
                            p[row + j] = (float) Math.exp(spread * r.nextGaussian());
                            sum += p[row + j];
                        }
                    }
                    for (int j = 0; j < t; j++) {
                        p[row + j] = (float) (p[row + j] / sum);
                    }
                }
            }
        }
        return p;
    }

    private static void zeroGrads(List<Parameter> ps) {
        for (Parameter p : ps) {
            p.grad().zero();
        }
    }

    // ----------------------------------------------------------------------------- embedding loss

    @Test
    void embeddingLossByHand() {
        // one sequence of two real tokens and a padded one; widths equal, mean pooling, not normalized
        EmbeddingLoss loss = new EmbeddingLoss(COMPUTE, Pooling.MEAN, false, 2, 2);
        TokenBatch b = new TokenBatch(1, 3, new int[] {1, 2, 0}, null, new int[] {1, 1, 0}, null);
        float[] hidden = {1, 2, 3, 4, 100, 100}; // mean of the real tokens: (2, 3)
        double l = loss.forward(hidden, b, new float[] {0, 1});
        assertThat(l).isCloseTo((4 + 4) / 2.0, within(1e-9));
        float[] d = loss.backward(1);
        // dL/dmean = 2 (mean - t) / 2 = (2, 2); each real token gets half, the padding nothing
        assertThat(d).containsExactly(1f, 1f, 1f, 1f, 0f, 0f);
        // normalized: the student's direction against the teacher's
        EmbeddingLoss norm = new EmbeddingLoss(COMPUTE, Pooling.CLS, true, 2, 2);
        assertThat(norm.forward(new float[] {3, 4, 9, 9, 9, 9}, b, new float[] {0.6f, 0.8f})).isCloseTo(0, within(1e-12));
        assertThat(norm.lastMeanCosine()).isCloseTo(1, within(1e-7));
        norm.forward(new float[] {3, 4, 9, 9, 9, 9}, b, new float[] {0.8f, -0.6f});
        assertThat(norm.lastMeanCosine()).isCloseTo(0, within(1e-7));
    }

    @Test
    void embeddingLossGradientsAgainstFiniteDifferences() {
        Random r = new Random(5);
        int b = 3;
        int t = 7;
        int ds = 32;
        int dt = 23;
        TokenBatch batch = batch(b, t, new int[] {7, 5, 2}, 99, r);
        for (Pooling pooling : Pooling.values()) {
            for (boolean normalize : new boolean[] {false, true}) {
                for (int width : new int[] {dt, ds}) {
                    String what = pooling + (normalize ? " normalized" : "") + " " + ds + "->" + width;
                    EmbeddingLoss loss = new EmbeddingLoss(COMPUTE, pooling, normalize, ds, width);
                    new ParameterSet(loss.parameters());
                    for (Parameter p : loss.parameters()) {
                        float[] v = random(r, p.size(), 0.2);
                        p.value().copyFrom(v);
                    }
                    float[] hidden = random(r, b * t * ds, 1);
                    float[] target = random(r, b * width, 0.3);
                    zeroGrads(loss.parameters());
                    loss.forward(hidden, batch, target);
                    float[] dHidden = loss.backward(0.7).clone();
                    DoubleSupplier f = () -> 0.7 * loss.forward(hidden, batch, target);
                    checkGradient(what + " hidden", f, hidden, 0, hidden.length, dHidden, 0, 1, 1e-3f);
                    for (Parameter p : loss.parameters()) {
                        checkGradient(what + " " + p.name(), f, p.value().data(), p.value().offset(), p.size(),
                                p.grad().data(), p.grad().offset(), 1, 1e-3f);
                    }
                }
            }
        }
    }

    // ----------------------------------------------------------------------------- layer loss

    @Test
    void layerLossByHand() {
        // one pair, one sequence of two tokens, one head each side, equal widths (1)
        LayerLoss loss = new LayerLoss(COMPUTE, 1, 1, 1, 1, 1);
        TokenBatch b = new TokenBatch(1, 2, new int[] {1, 2}, null, new int[] {1, 1}, null);
        float[][] sh = {{1, 3}};
        float[][] th = {{0, 1}};
        float[][] sp = {{0.5f, 0.5f, 0.25f, 0.75f}};
        float[][] tp = {{0.5f, 0.5f, 0.5f, 0.5f}};
        double l = loss.forward(b, sh, sp, th, tp);
        assertThat(loss.lastHiddenLoss()).isCloseTo((1 + 4) / 2.0, within(1e-9));
        // KL rows: 0, and 0.5 log(0.5/0.25) + 0.5 log(0.5/0.75), over 2 queries
        double kl = (0.5 * Math.log(2) + 0.5 * Math.log(0.5 / 0.75)) / 2;
        assertThat(loss.lastAttentionLoss()).isCloseTo(kl, within(1e-7));
        assertThat(l).isCloseTo(2.5 + kl, within(1e-7));
        loss.backward(1);
        assertThat(loss.hiddenGradient(0)).containsExactly(1f, 2f); // 2 (s - t) / 2
        // -a_t / a_s / 2 queries
        assertThat(loss.probabilityGradient(0)[2]).isCloseTo(-0.5f / 0.25f / 2, within(1e-6f));
    }

    @Test
    void layerLossGradientsAgainstFiniteDifferences() {
        Random r = new Random(9);
        int b = 3;
        int t = 7;
        int ds = 32;
        int pairs = 2;
        TokenBatch batch = batch(b, t, new int[] {7, 5, 2}, 99, r);
        for (int[] shape : new int[][] {{23, 2, 4}, {32, 4, 4}, {32, 2, 1}}) {
            int dt = shape[0];
            int hs = shape[1];
            int ht = shape[2];
            int compared = LayerLoss.comparedHeads(hs, ht);
            String what = "widths " + ds + "->" + dt + ", heads " + hs + "/" + ht;
            LayerLoss loss = new LayerLoss(COMPUTE, pairs, ds, dt, hs, ht);
            new ParameterSet(loss.parameters());
            for (Parameter p : loss.parameters()) {
                p.value().copyFrom(random(r, p.size(), 0.2));
            }
            float[][] sh = new float[pairs][];
            float[][] sp = new float[pairs][];
            float[][] th = new float[pairs][];
            float[][] tp = new float[pairs][];
            for (int p = 0; p < pairs; p++) {
                sh[p] = random(r, b * t * ds, 1);
                th[p] = random(r, b * t * dt, 1);
                // mild distributions (no probability below a few percent): a finite-difference step stays a
                // small part of each value, and of each head average
                sp[p] = probabilities(r, b, hs, t, batch.attentionMask(), 0.5);
                float[] full = probabilities(r, b, ht, t, batch.attentionMask());
                tp[p] = new float[b * compared * t * t];
                if (compared == ht) {
                    tp[p] = full;
                } else {
                    LayerLoss.averageHeads(full, b, ht, t, tp[p]);
                }
            }
            zeroGrads(loss.parameters());
            loss.forward(batch, sh, sp, th, tp);
            loss.backward(1.3);
            DoubleSupplier f = () -> 1.3 * loss.forward(batch, sh, sp, th, tp);
            for (int p = 0; p < pairs; p++) {
                checkGradient(what + " hidden " + p, f, sh[p], 0, sh[p].length, loss.hiddenGradient(p).clone(), 0, 1,
                        1e-3f);
                checkGradient(what + " probabilities " + p, f, sp[p], 0, sp[p].length,
                        loss.probabilityGradient(p).clone(), 0, 1, 1e-3f);
            }
            for (Parameter p : loss.parameters()) {
                checkGradient(what + " " + p.name(), f, p.value().data(), p.value().offset(), p.size(),
                        p.grad().toArray(), 0, 1, 1e-3f);
            }
        }
    }

    // ----------------------------------------------------------------------------- through an encoder

    /** A tiny odd-sized encoder: vocab 99, hidden 32, FFN 37, 4 heads, 3 blocks, dropout off. */
    static ModelConfig tinyEncoder(int hidden, int heads, int ffn, int layers) {
        return new ModelConfig(ModelConfig.Architecture.ENCODER, 99, hidden, layers, heads, ffn, 16, 2, 1e-12f, 0f, 0f,
                GeluForm.ERF, 0.2f, 0);
    }

    /**
     * The layer loss through the student's blocks (the attention-probability gradients and the inner-block
     * gradients the backbone takes) into every parameter; the embedding loss through the whole encoder.
     */
    @Test
    void bothLossesThroughAnEncoderAgainstFiniteDifferences() {
        Random r = new Random(13);
        ModelConfig config = tinyEncoder(32, 4, 37, 3);
        Backbone student = new LanguageModel(COMPUTE, config, 3).backbone();
        ParameterSet params = new ParameterSet(student.parameters());
        for (Dropout d : student.dropouts()) {
            d.setTraining(false);
        }
        TokenBatch batch = batch(2, 5, new int[] {5, 3}, 99, r);
        int[] blocks = {0, 2};
        int dt = 23;
        int ht = 2;
        LayerLoss layers = new LayerLoss(COMPUTE, blocks.length, 32, dt, 4, ht);
        new ParameterSet(layers.parameters());
        for (Parameter p : layers.parameters()) {
            p.value().copyFrom(random(r, p.size(), 0.2));
        }
        float[][] th = new float[blocks.length][];
        float[][] tp = new float[blocks.length][];
        for (int p = 0; p < blocks.length; p++) {
            th[p] = random(r, batch.rows() * dt, 1);
            tp[p] = new float[batch.batch() * batch.time() * batch.time()];
            LayerLoss.averageHeads(probabilities(r, 2, ht, 5, batch.attentionMask()), 2, ht, 5, tp[p]);
        }
        DoubleSupplier layerLoss = () -> {
            student.forward(batch);
            float[][] sh = new float[blocks.length][];
            float[][] sp = new float[blocks.length][];
            for (int p = 0; p < blocks.length; p++) {
                sh[p] = student.blockOutput(blocks[p]);
                sp[p] = student.attention(blocks[p]).probabilities();
            }
            return layers.forward(batch, sh, sp, th, tp);
        };
        params.zeroGrads();
        layerLoss.getAsDouble();
        layers.backward(1);
        float[][] dBlocks = new float[config.numberOfLayers()][];
        for (int p = 0; p < blocks.length; p++) {
            dBlocks[blocks[p]] = layers.hiddenGradient(p);
            student.attention(blocks[p]).addProbabilityGradient(layers.probabilityGradient(p));
        }
        student.backward(new float[batch.rows() * 32], dBlocks);
        double global = maxAbs(params.grads());
        for (Parameter p : params.list()) {
            float[] analytic = p.grad().toArray();
            if (p.name().endsWith("attention.self.key.bias")) {
                // softmax is shift-invariant per query: the key bias's gradient is exactly 0 (float noise aside)
                assertThat(maxAbs(analytic)).as(p.name()).isLessThan(1e-6 * Math.max(1, global));
                continue;
            }
            // the token embedding: only the rows of ids in the batch have a gradient; check a spread of all
            checkGradient("layer loss " + p.name(), layerLoss, p.value().data(), p.value().offset(), p.size(),
                    analytic, 0, Math.max(1, p.size() / 60), 1e-2f, global);
        }

        EmbeddingLoss embedding = new EmbeddingLoss(COMPUTE, Pooling.MEAN, true, 32, dt);
        new ParameterSet(embedding.parameters());
        for (Parameter p : embedding.parameters()) {
            p.value().copyFrom(random(r, p.size(), 0.2));
        }
        float[] target = random(r, 2 * dt, 0.3);
        DoubleSupplier embeddingLoss = () -> embedding.forward(student.forward(batch), batch, target);
        params.zeroGrads();
        embeddingLoss.getAsDouble();
        student.backward(embedding.backward(1));
        global = maxAbs(params.grads());
        for (Parameter p : params.list()) {
            if (p.name().endsWith("attention.self.key.bias")) {
                assertThat(maxAbs(p.grad().toArray())).as(p.name()).isLessThan(1e-6 * Math.max(1, global));
                continue;
            }
            checkGradient("embedding loss " + p.name(), embeddingLoss, p.value().data(), p.value().offset(), p.size(),
                    p.grad().toArray(), 0, Math.max(1, p.size() / 60), 1e-2f, global);
        }
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    // ----------------------------------------------------------------------------- PyTorch

    private static Map<String, SafeTensors.Entry> fixture() throws IOException {
        var url = DistillLossTest.class.getResource("/fixtures/distill_losses.safetensors");
        assertThat(url).as("fixture distill_losses.safetensors (tools/reference/make_distill_fixture.py)").isNotNull();
        try {
            return SafeTensors.read(Path.of(url.toURI()));
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
    }

    private static void assertClose(String what, float[] actual, float[] expected) {
        assertThat(actual.length).as(what + " size").isGreaterThanOrEqualTo(expected.length);
        double scale = 1e-12;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
        }
        assertThat(worst).as(what + ": largest difference relative to the largest value").isLessThan(1e-4);
    }

    private static TokenBatch fixtureBatch(float[] mask, int b, int t) {
        int[] m = new int[b * t];
        for (int i = 0; i < m.length; i++) {
            m[i] = (int) mask[i];
        }
        return new TokenBatch(b, t, new int[b * t], null, m, null);
    }

    @Test
    void embeddingLossMatchesPyTorch() throws IOException {
        Map<String, SafeTensors.Entry> f = fixture();
        TokenBatch batch = fixtureBatch(f.get("mask").floats(), 3, 7);
        Object[][] cases = {{"emb_mean_norm", Pooling.MEAN, true},
            {"emb_cls", Pooling.CLS, false}, {"emb_same", Pooling.MEAN, false}};
        for (Object[] c : cases) {
            String name = (String) c[0];
            float[] target = f.get(name + ".target").floats();
            int dt = f.get(name + ".target").shape()[1];
            EmbeddingLoss loss = new EmbeddingLoss(COMPUTE, (Pooling) c[1], (Boolean) c[2], 32, dt);
            new ParameterSet(loss.parameters());
            if (loss.projection() != null) {
                loss.projection().weight().value().copyFrom(f.get(name + ".weight").floats());
                loss.projection().bias().value().copyFrom(f.get(name + ".bias").floats());
            }
            double l = loss.forward(f.get(name + ".hidden").floats(), batch, target);
            assertThat(l).as(name + " loss").isCloseTo(f.get(name + ".loss").floats()[0], within(1e-5 * Math.max(1, l)));
            assertClose(name + " d_hidden", loss.backward(1), f.get(name + ".d_hidden").floats());
            if (loss.projection() != null) {
                assertClose(name + " d_weight", loss.projection().weight().grad().toArray(),
                        f.get(name + ".d_weight").floats());
                assertClose(name + " d_bias", loss.projection().bias().grad().toArray(), f.get(name + ".d_bias").floats());
            }
        }
    }

    @Test
    void layerLossMatchesPyTorch() throws IOException {
        Map<String, SafeTensors.Entry> f = fixture();
        int b = 3;
        int t = 7;
        TokenBatch batch = fixtureBatch(f.get("mask").floats(), b, t);
        for (String name : List.of("layers_avg", "layers_heads")) {
            int[] ss = f.get(name + ".s_probs").shape(); // (P, B, Hs, T, T)
            int[] ts = f.get(name + ".t_probs").shape();
            int pairs = ss[0];
            int hs = ss[2];
            int ht = ts[2];
            int dt = f.get(name + ".t_hidden").shape()[3];
            LayerLoss loss = new LayerLoss(COMPUTE, pairs, 32, dt, hs, ht);
            new ParameterSet(loss.parameters());
            if (loss.projection() != null) {
                loss.projection().weight().value().copyFrom(f.get(name + ".weight").floats());
                loss.projection().bias().value().copyFrom(f.get(name + ".bias").floats());
            }
            int compared = LayerLoss.comparedHeads(hs, ht);
            float[][] sh = split(f.get(name + ".s_hidden").floats(), pairs);
            float[][] th = split(f.get(name + ".t_hidden").floats(), pairs);
            float[][] sp = split(f.get(name + ".s_probs").floats(), pairs);
            float[][] tpFull = split(f.get(name + ".t_probs").floats(), pairs);
            float[][] tp = new float[pairs][];
            for (int p = 0; p < pairs; p++) {
                if (compared == ht) {
                    tp[p] = tpFull[p];
                } else {
                    tp[p] = new float[b * t * t];
                    LayerLoss.averageHeads(tpFull[p], b, ht, t, tp[p]);
                }
            }
            loss.forward(batch, sh, sp, th, tp);
            assertThat(loss.lastHiddenLoss()).as(name + " hidden loss")
                    .isCloseTo(f.get(name + ".loss_hidden").floats()[0], within(1e-5));
            assertThat(loss.lastAttentionLoss()).as(name + " attention loss")
                    .isCloseTo(f.get(name + ".loss_attention").floats()[0], within(1e-5));
            loss.backward(1);
            float[][] dh = split(f.get(name + ".d_s_hidden").floats(), pairs);
            float[][] dp = split(f.get(name + ".d_s_probs").floats(), pairs);
            for (int p = 0; p < pairs; p++) {
                assertClose(name + " d_s_hidden " + p, loss.hiddenGradient(p), dh[p]);
                assertClose(name + " d_s_probs " + p, loss.probabilityGradient(p), dp[p]);
            }
            if (loss.projection() != null) {
                assertClose(name + " d_weight", loss.projection().weight().grad().toArray(),
                        f.get(name + ".d_weight").floats());
                assertClose(name + " d_bias", loss.projection().bias().grad().toArray(), f.get(name + ".d_bias").floats());
            }
        }
    }

    private static float[][] split(float[] all, int parts) {
        int n = all.length / parts;
        float[][] out = new float[parts][];
        for (int p = 0; p < parts; p++) {
            out[p] = Arrays.copyOfRange(all, p * n, (p + 1) * n);
        }
        return out;
    }

    // ----------------------------------------------------------------------------- layer map

    @Test
    void layerMaps() {
        assertThat(LayerMap.uniform(6, 12).toString()).isEqualTo("0:1,1:3,2:5,3:7,4:9,5:11");
        assertThat(LayerMap.uniform(4, 6).toString()).isEqualTo("0:0,1:2,2:3,3:5");
        assertThat(LayerMap.uniform(3, 3).toString()).isEqualTo("0:0,1:1,2:2");
        LayerMap m = LayerMap.parse("0:1, 2:5", 3, 6);
        assertThat(m.studentBlocks()).containsExactly(0, 2);
        assertThat(m.teacherBlocks()).containsExactly(1, 5);
        assertThat(LayerMap.parse(m.toString(), 3, 6)).isEqualTo(m);
        List<String> errors = new ArrayList<>();
        for (String bad : List.of("0-1", "3:1", "0:6", "0:1,0:2", "a:b", "")) {
            try {
                LayerMap.parse(bad, 3, 6);
                errors.add("accepted " + bad);
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).as(bad).contains("layerMap");
                assertThat(e).as(bad).isInstanceOf(dev.graft.SpecException.class);
            }
        }
        assertThat(errors).isEmpty();
        try {
            LayerMap.uniform(4, 2);
            errors.add("a student deeper than its teacher needs a map");
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).contains("give layerMap");
        }
        assertThat(errors).isEmpty();
    }
}

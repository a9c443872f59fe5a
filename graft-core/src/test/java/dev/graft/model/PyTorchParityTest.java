package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.ScalarKernels;
import dev.graft.tensor.kernel.VectorKernels;
import dev.graft.train.AdamW;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole models against PyTorch: tools/reference/make_fixtures.py builds a tiny BERT (post-LN, MLM
 * head, padding) and a tiny GPT-2 (pre-LN, causal) with odd sizes, make_electra_fixtures.py a pre-LN,
 * bias-free BERT (Cramming's encoder), and stores weights, inputs,
 * logits, loss, every gradient and the losses of 10 AdamW steps. graft loads the same weights and
 * must match each within 1e-4 relative (max |a - b| / max |b|), reported per named tensor.
 * Also checks AdamW: the losses of 10 steps on the same batch.
 */
class PyTorchParityTest {
    private static final double TOLERANCE = 1e-4;
    private static final Parallel POOL = new Parallel(2);

    @AfterAll
    static void close() {
        POOL.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (String fixture : List.of("tiny_bert", "tiny_gpt", "tiny_bert_preln")) {
            list.add(Arguments.of(fixture, new Compute(new ScalarKernels(), POOL)));
            list.add(Arguments.of(fixture, new Compute(new VectorKernels(POOL), POOL)));
        }
        return list.stream();
    }

    static Path fixture(String name) throws URISyntaxException {
        var url = PyTorchParityTest.class.getResource("/fixtures/" + name + ".safetensors");
        assertThat(url).as("fixture %s.safetensors on the test class path (regenerate with "
                + "tools/reference/make_fixtures.py)", name).isNotNull();
        return Path.of(url.toURI());
    }

    static ModelConfig configOf(Map<String, String> meta) {
        boolean encoder = meta.get("architecture").startsWith("Bert");
        return new ModelConfig(
                encoder ? ModelConfig.Architecture.ENCODER : ModelConfig.Architecture.DECODER,
                Integer.parseInt(meta.get("vocab_size")),
                Integer.parseInt(meta.get("hidden_size")),
                Integer.parseInt(meta.get("layers")),
                Integer.parseInt(meta.get("num_heads")),
                Integer.parseInt(meta.get("ffn")),
                Integer.parseInt(meta.get("max_positions")),
                encoder ? Integer.parseInt(meta.get("type_vocab_size")) : 0,
                Float.parseFloat(meta.get("eps")),
                0f, 0f,
                encoder ? GeluForm.ERF : GeluForm.TANH,
                0.02f,
                encoder ? Integer.parseInt(meta.get("pad_token_id")) : -1,
                encoder ? "true".equals(meta.get("pre_norm")) : true,
                !"false".equals(meta.get("linear_bias")));
    }

    private static int[] ints(SafeTensors.Entry e) {
        long[] l = e.longs();
        int[] a = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            a[i] = Math.toIntExact(l[i]);
        }
        return a;
    }

    /** max |a - b| / max(max |b|, floor). */
    static double relativeError(float[] actual, float[] expected, double floor) {
        assertThat(actual.length).isEqualTo(expected.length);
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs((double) actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / Math.max(scale, Math.max(floor, 1e-30));
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("cases")
    void matchesPyTorch(String name, Compute compute) throws Exception {
        Path file = fixture(name);
        Map<String, SafeTensors.Entry> t = SafeTensors.read(file);
        Map<String, String> meta = SafeTensors.metadata(file);
        ModelConfig config = configOf(meta);
        LanguageModel model = new LanguageModel(compute, config, 1);
        model.setTraining(false);

        // every parameter graft has comes from the fixture, and every fixture parameter is used
        List<String> fixtureParams = t.keySet().stream().filter(k -> k.startsWith("param.")).map(k -> k.substring(6))
                .sorted().toList();
        List<String> graftParams = model.parameters().stream().map(Parameter::name).sorted().toList();
        assertThat(graftParams).as("parameter names").isEqualTo(fixtureParams);
        for (Parameter p : model.parameters()) {
            SafeTensors.Entry e = t.get("param." + p.name());
            assertThat(e.shape()).as("shape of %s", p.name()).isEqualTo(p.shape());
            p.value().copyFrom(e.floats());
        }

        int[] shape = t.get("input.input_ids").shape();
        int b = shape[0];
        int time = shape[1];
        int[] ids = ints(t.get("input.input_ids"));
        int[] labels = ints(t.get("input.labels"));
        int[] types = t.containsKey("input.token_type_ids") ? ints(t.get("input.token_type_ids")) : null;
        int[] mask = t.containsKey("input.attention_mask") ? ints(t.get("input.attention_mask")) : null;
        int[] targets = config.isEncoder() ? labels : TokenBatch.shiftedTargets(b, time, labels);
        TokenBatch batch = new TokenBatch(b, time, ids, types, mask, targets);

        List<String> failures = new ArrayList<>();
        check(failures, "logits", model.allLogits(batch), t.get("output.logits").floats());

        model.parameterSet().zeroGrads();
        float loss = model.forward(batch, true);
        check(failures, "loss", new float[] {loss}, t.get("output.loss").floats());
        // A key bias's exact gradient is zero (softmax ignores a shift shared by all keys), so both
        // sides hold float noise near 1e-12: gradients are judged relative to the larger of their own
        // scale and 1e-3 of the model's largest gradient.
        double largest = 0;
        for (Parameter p : model.parameters()) {
            for (float g : t.get("grad." + p.name()).floats()) {
                largest = Math.max(largest, Math.abs(g));
            }
        }
        for (Parameter p : model.parameters()) {
            check(failures, "grad " + p.name(), p.grad().toArray(), t.get("grad." + p.name()).floats(),
                    1e-3 * largest);
        }

        float[] expectedLosses = t.get("steps.loss").floats();
        float[] losses = new float[expectedLosses.length];
        AdamW adam = new AdamW(compute, model.parameterSet(), 0.9f, 0.999f, 1e-8f, 0.01f);
        for (int step = 0; step < losses.length; step++) {
            model.parameterSet().zeroGrads();
            losses[step] = model.forward(batch, true);
            adam.step(1e-2f);
        }
        for (int step = 0; step < losses.length; step++) {
            check(failures, "loss of AdamW step " + (step + 1), new float[] {losses[step]},
                    new float[] {expectedLosses[step]});
        }
        assertThat(failures).as("tensors that differ from PyTorch by more than %s relative (%s)", TOLERANCE, name)
                .isEmpty();
    }

    private static void check(List<String> failures, String what, float[] actual, float[] expected) {
        check(failures, what, actual, expected, 0);
    }

    private static void check(List<String> failures, String what, float[] actual, float[] expected, double floor) {
        double err = relativeError(actual, expected, floor);
        if (!(err <= TOLERANCE)) {
            failures.add(String.format("%s: relative error %.3g", what, err));
        }
    }

    @org.junit.jupiter.api.Test
    void fixturesArePresent() throws Exception {
        for (String name : List.of("tiny_bert", "tiny_gpt", "tiny_bert_preln", "tiny_electra")) {
            assertThat(Files.size(fixture(name))).isGreaterThan(1000);
        }
    }
}

package dev.graft.nn;

import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.ScalarKernels;
import dev.graft.tensor.kernel.VectorKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cramming's encoder block (BERT names, pre-LN, with and without biases in the linears) against central
 * finite differences, with padding and dropout, with both kernel sets.
 */
class PreNormBlockGradientTest {
    private static final Parallel POOL = new Parallel(2);

    @AfterAll
    static void close() {
        POOL.close();
    }

    static Stream<Compute> computes() {
        return Stream.of(new Compute(new ScalarKernels(), POOL), new Compute(new VectorKernels(POOL), POOL));
    }

    @ParameterizedTest
    @MethodSource("computes")
    void preNormBertBlock(Compute c) {
        for (boolean bias : new boolean[] {true, false}) {
            Random r = new Random(17);
            int b = 2;
            int t = 3;
            int width = 9;
            TransformerBlock block = new TransformerBlock(c, "bert.encoder.layer.0", TransformerBlock.Placement.PRE_LN,
                    TransformerBlock.Naming.BERT, bias, width, 3, 7, false, 1e-5f, GeluForm.ERF, 0.2f, 0.2f, 3);
            new ParameterSet(block.parameters());
            for (Parameter p : block.parameters()) {
                float[] d = p.value().data();
                for (int i = 0; i < p.size(); i++) {
                    d[p.value().offset() + i] += (float) (r.nextGaussian() * 0.3);
                }
            }
            float[] x = GradientCheck.random(r, b * t * width, 1f);
            int[] mask = {1, 1, 1, 1, 1, 0};
            GradientCheck.check("pre-LN BERT block, bias " + bias, new GradientCheck.Subject() {
                public float[] forward() {
                    for (Dropout d : block.dropouts()) {
                        d.setCalls(0);
                    }
                    return block.forward(x, b, t, mask);
                }

                public float[] backward(float[] dOut) {
                    return block.backward(dOut);
                }
            }, x, block.parameters(), b * t * width, 19);
        }
    }

    @Test
    void namesTellPreFromPostAndBiasFreeLinearsHaveNone() {
        Compute c = new Compute(new ScalarKernels(), POOL);
        List<String> pre = new TransformerBlock(c, "bert.encoder.layer.0", TransformerBlock.Placement.PRE_LN,
                TransformerBlock.Naming.BERT, false, 8, 2, 5, false, 1e-5f, GeluForm.ERF, 0f, 0f, 1).parameters()
                .stream().map(Parameter::name).toList();
        assertThat(pre).containsExactly(
                "bert.encoder.layer.0.attention.input_LayerNorm.weight",
                "bert.encoder.layer.0.attention.input_LayerNorm.bias",
                "bert.encoder.layer.0.attention.self.query.weight",
                "bert.encoder.layer.0.attention.self.key.weight",
                "bert.encoder.layer.0.attention.self.value.weight",
                "bert.encoder.layer.0.attention.output.dense.weight",
                "bert.encoder.layer.0.intermediate.input_LayerNorm.weight",
                "bert.encoder.layer.0.intermediate.input_LayerNorm.bias",
                "bert.encoder.layer.0.intermediate.dense.weight",
                "bert.encoder.layer.0.output.dense.weight");
        List<String> post = new TransformerBlock(c, "bert.encoder.layer.0", TransformerBlock.Placement.POST_LN, 8, 2,
                5, false, 1e-5f, GeluForm.ERF, 0f, 0f, 1).parameters().stream().map(Parameter::name).toList();
        assertThat(post).hasSize(16).contains("bert.encoder.layer.0.attention.output.LayerNorm.weight",
                "bert.encoder.layer.0.output.LayerNorm.bias", "bert.encoder.layer.0.attention.self.query.bias");
    }
}

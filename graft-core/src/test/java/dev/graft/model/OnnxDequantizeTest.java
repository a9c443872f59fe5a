package dev.graft.model;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Dequantization worked by hand: (q - zero point) * scale, per column or for the whole matrix. */
class OnnxDequantizeTest {
    private static OnnxGraph.Tensor ints(String name, int type, long[] dims, long... values) {
        return new OnnxGraph.Tensor(name, type, dims, null, null, values, null, false, "test.onnx");
    }

    private static OnnxGraph.Tensor floats(String name, float... values) {
        return OnnxGraph.Tensor.ofFloats(name, new long[] {values.length}, values, "test.onnx");
    }

    @Test
    void perColumnAndPerTensor() throws IOException {
        // int8 weights, 2 x 3, zero points (1, 0, -2), scales (0.5, 2, 0.25)
        OnnxGraph.Tensor w = ints("w", OnnxGraph.INT8, new long[] {2, 3}, 3, -4, 6, -1, 0, -2);
        float[] perColumn = OnnxDequantize.dequantize(w, ints("zp", OnnxGraph.INT8, new long[] {3}, 1, 0, -2),
                floats("s", 0.5f, 2f, 0.25f), 2, 3, "test.onnx");
        // (3-1)*.5=1, (-4-0)*2=-8, (6+2)*.25=2 ; (-1-1)*.5=-1, 0*2=0, (-2+2)*.25=0
        assertThat(perColumn).containsExactly(1f, -8f, 2f, -1f, 0f, 0f);
        // uint8 table, one scale and zero point: (200 - 128) * 0.01 ...
        OnnxGraph.Tensor t = ints("t", OnnxGraph.UINT8, new long[] {2, 2}, 200, 128, 0, 255);
        float[] perTensor = OnnxDequantize.dequantize(t, ints("z", OnnxGraph.UINT8, new long[] {}, 128),
                floats("s", 0.01f), 2, 2, "test.onnx");
        assertThat(perTensor).containsExactly(72 * 0.01f, 0f, -128 * 0.01f, 127 * 0.01f);
        assertThat(OnnxDequantize.dequantize(t, null, floats("s", 2f), 2, 2, "test.onnx"))
                .containsExactly(400f, 256f, 0f, 510f);
        assertThatThrownBy(() -> OnnxDequantize.dequantize(w, null, floats("s", 1f, 2f), 2, 3, "test.onnx"))
                .hasMessageContaining("has 2 scales and 1 zero points: graft reads one per column or one for all");
    }
}

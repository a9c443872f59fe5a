package dev.graft.model;

import dev.graft.model.OnnxGraph.Node;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a graph quantized by ONNX Runtime's dynamic quantization ({@code quantize_dynamic}: the form of
 * all-MiniLM-L6-v2-q and other "model_quantized.onnx" files) back into the float graph {@link OnnxImport}
 * reads, by dequantizing its weights once, on import:
 * <ul>
 * <li>a Linear is {@code DynamicQuantizeLinear(x) → MatMulInteger(x_q, W_q, x_zp, W_zp) → Cast →
 * Mul(·, x_scale · W_scale)}; it becomes {@code MatMul(x, W)} with {@code W = (W_q − W_zp) · W_scale}
 * (per output column, or one scale and zero point for the whole matrix), named as the float export
 * names it ({@code .../query/MatMul}, weight {@code onnx::MatMul_NNN});</li>
 * <li>an embedding table is {@code Gather(T_q, ids) → DequantizeLinear(·, scale, zp)}; it becomes
 * {@code Gather(T, ids)} with {@code T = (T_q − zp) · scale}, named {@code embeddings.X.weight}.</li>
 * </ul>
 * graft then runs the model in float: the weights are exactly the values the int8 model holds, but
 * the activations are not rounded to 8 bits per tensor as ONNX Runtime's dynamic quantization rounds
 * them, so the outputs are the int8 weights' float model, close to ONNX Runtime's int8 outputs but not
 * equal to them (docs/CHECKPOINTS.md gives the measured agreement). A graph without these ops is
 * returned unchanged; one with a quantized op in another arrangement is an error naming the node.
 */
final class OnnxDequantize {
    private OnnxDequantize() {
    }

    /** Whether the graph holds dynamically quantized ops. */
    static boolean isQuantized(OnnxGraph graph) {
        for (Node n : graph.nodes()) {
            if (n.opType().equals("MatMulInteger") || n.opType().equals("DynamicQuantizeLinear")
                    || n.opType().equals("DequantizeLinear")) {
                return true;
            }
        }
        return false;
    }

    /** The float graph, and the number of weights dequantized (in {@code notes}). */
    static OnnxGraph rewrite(OnnxGraph graph, List<String> notes) throws IOException {
        if (!isQuantized(graph)) {
            return graph;
        }
        String where = graph.file().toString();
        Map<String, Node> producers = new HashMap<>();
        Map<String, List<Node>> consumers = new HashMap<>();
        for (Node n : graph.nodes()) {
            for (String out : n.outputs()) {
                producers.put(out, n);
            }
            for (String in : n.inputs()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        Map<String, OnnxGraph.Tensor> init = new LinkedHashMap<>(graph.initializers());
        Set<Node> removed = new HashSet<>();
        Map<Node, Node> replaced = new HashMap<>();
        Set<String> usedUp = new HashSet<>();
        int linears = 0;
        int tables = 0;
        for (Node n : graph.nodes()) {
            if (n.opType().equals("MatMulInteger")) {
                Node quantize = producers.get(n.input(0));
                if (quantize == null || !quantize.opType().equals("DynamicQuantizeLinear")) {
                    throw unexpected(where, n, "its input is not made by DynamicQuantizeLinear");
                }
                String wq = n.input(1);
                OnnxGraph.Tensor weight = init.get(wq);
                OnnxGraph.Tensor zero = init.get(n.input(3));
                if (weight == null || n.input(3).isEmpty() || zero == null) {
                    throw unexpected(where, n, "its weight or the weight's zero point is not an initializer");
                }
                Node cast = single(consumers, n.output(0), "Cast", where, n);
                Node scaleOut = single(consumers, cast.output(0), "Mul", where, n);
                String scalesName = scaleOut.input(0).equals(cast.output(0)) ? scaleOut.input(1) : scaleOut.input(0);
                Node scales = producers.get(scalesName);
                if (scales == null || !scales.opType().equals("Mul")
                        || !(scales.input(0).equals(quantize.output(1)) || scales.input(1).equals(quantize.output(1)))) {
                    throw unexpected(where, n, "its output is not scaled by the input's scale times the weight's");
                }
                String weightScaleName = scales.input(0).equals(quantize.output(1)) ? scales.input(1) : scales.input(0);
                OnnxGraph.Tensor scale = init.get(weightScaleName);
                if (scale == null) {
                    throw unexpected(where, n, "the weight's scale " + weightScaleName + " is not an initializer");
                }
                int[] shape = weight.shape();
                if (shape.length != 2) {
                    throw unexpected(where, n, "its weight " + wq + " is not a matrix");
                }
                String floatName = putDequantized(init, wq, weight, zero, scale, where);
                usedUp.add(wq);
                usedUp.add(n.input(3));
                usedUp.add(weightScaleName);
                String name = n.name().endsWith("_quant") ? n.name().substring(0, n.name().length() - "_quant".length())
                        : n.name() + "_dequantized";
                replaced.put(n, new Node(name, "MatMul", "", List.of(quantize.input(0), floatName),
                        List.of(scaleOut.output(0)), Map.of()));
                removed.add(cast);
                removed.add(scaleOut);
                removed.add(scales);
                linears++;
            } else if (n.opType().equals("DequantizeLinear")) {
                Node gather = producers.get(n.input(0));
                OnnxGraph.Tensor table = gather == null ? null : init.get(gather.input(0));
                OnnxGraph.Tensor scale = init.get(n.input(1));
                OnnxGraph.Tensor zero = n.input(2).isEmpty() ? null : init.get(n.input(2));
                if (gather == null || !gather.opType().equals("Gather") || table == null || scale == null) {
                    throw unexpected(where, n, "it does not dequantize the rows a Gather takes from a quantized "
                            + "table with a constant scale");
                }
                int[] shape = table.shape();
                if (shape.length != 2 || scale.elementCount() != 1 || (zero != null && zero.elementCount() != 1)) {
                    throw unexpected(where, n, "its table is not a matrix with one scale and zero point");
                }
                String tq = table.name();
                String floatName = putDequantized(init, tq, table, zero, scale, where);
                usedUp.add(tq);
                usedUp.add(n.input(1));
                if (zero != null) {
                    usedUp.add(n.input(2));
                }
                List<String> gatherInputs = new ArrayList<>(gather.inputs());
                gatherInputs.set(0, floatName);
                replaced.put(gather, new Node(gather.name(), "Gather", gather.domain(), gatherInputs,
                        List.of(n.output(0)), gather.attributes()));
                removed.add(n);
                tables++;
            } else if (n.opType().equals("DynamicQuantizeLinear")) {
                removed.add(n);
            }
        }
        for (Node n : graph.nodes()) {
            if (removed.contains(n)) {
                continue;
            }
            for (String in : n.inputs()) {
                if (usedUp.contains(in) && !replaced.containsKey(n)) {
                    throw unexpected(where, n, "it reads the quantized tensor " + in + " in a way graft does not "
                            + "dequantize");
                }
            }
        }
        List<Node> nodes = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (!removed.contains(n)) {
                nodes.add(replaced.getOrDefault(n, n));
            }
        }
        for (String name : usedUp) {
            init.remove(name);
        }
        notes.add("dequantized " + linears + " int8 Linear weights and " + tables + " uint8 embedding tables to "
                + "float (the model runs in float; ONNX Runtime's int8 run also rounds activations)");
        return graph.rewritten(nodes, init);
    }

    /** (q − zero) · scale, with one scale and zero point per column or for the whole matrix. */
    /**
     * Puts the float form of the quantized matrix {@code q} (named {@code quantizedName}) among the initializers,
     * under its name without "_quantized" (else with "_dequantized" added); returns that name.
     */
    private static String putDequantized(Map<String, OnnxGraph.Tensor> init, String quantizedName, OnnxGraph.Tensor q,
                                         OnnxGraph.Tensor zero, OnnxGraph.Tensor scale, String where)
            throws IOException {
        String name = quantizedName.endsWith("_quantized")
                ? quantizedName.substring(0, quantizedName.length() - "_quantized".length())
                : quantizedName + "_dequantized";
        int[] shape = q.shape();
        init.put(name, OnnxGraph.Tensor.ofFloats(name, q.dims(), dequantize(q, zero, scale, shape[0], shape[1], where),
                where));
        return name;
    }

    static float[] dequantize(OnnxGraph.Tensor q, OnnxGraph.Tensor zero, OnnxGraph.Tensor scale, int rows, int cols,
                              String where) throws IOException {
        int[] values = q.bytesAsInts();
        float[] s = scale.floats();
        int[] z = zero == null ? new int[] {0} : zero.bytesAsInts();
        if (!(s.length == 1 || s.length == cols) || !(z.length == 1 || z.length == cols) || z.length > s.length) {
            throw new IOException(where + ": " + q.name() + " (" + rows + " x " + cols + ") has " + s.length
                    + " scales and " + z.length + " zero points: graft reads one per column or one for all");
        }
        float[] out = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                out[i] = (values[i] - z[z.length == 1 ? 0 : c]) * s[s.length == 1 ? 0 : c];
            }
        }
        return out;
    }

    private static Node single(Map<String, List<Node>> consumers, String value, String op, String where, Node at)
            throws IOException {
        List<Node> users = consumers.getOrDefault(value, List.of());
        if (users.size() != 1 || !users.get(0).opType().equals(op)) {
            throw unexpected(where, at, "its output goes to " + users.stream().map(Node::opType).toList()
                    + ", not to one " + op);
        }
        return users.get(0);
    }

    private static IOException unexpected(String where, Node n, String why) {
        return new IOException(where + ": quantized node " + n.name() + " (" + n.opType() + ") is not in the form "
                + "graft dequantizes (" + why + "): re-export the model in float, or quantize it with ONNX Runtime's "
                + "quantize_dynamic");
    }
}

package dev.graft.model;

import dev.graft.SpecIOException;
import dev.graft.model.OnnxGraph.Node;
import dev.graft.tensor.Tensor;
import dev.graft.tensor.kernel.GeluForm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Imports a BERT-family encoder exported to ONNX by {@code torch.onnx.export} (such as
 * all-MiniLM-L6-v2) as graft's {@link Backbone} weights and {@link ModelConfig}, and writes it as a
 * Hugging Face-style {@code BertModel} checkpoint folder.
 *
 * <p><b>Weights.</b> The graph's initializers are the model's tensors. Most keep their PyTorch
 * names ({@code embeddings.word_embeddings.weight}, {@code encoder.layer.0.attention.self.query.bias},
 * optionally under {@code bert.}); they map to graft's names under {@code bert.}. The exporter
 * renames every Linear weight to {@code onnx::MatMul_NNN} and stores it transposed, (in, out), so
 * {@code x·W} is a plain MatMul: its real name comes from the scope of the MatMul node that consumes
 * it ({@code /encoder/layer.0/attention/self/query/MatMul} → {@code ...attention.self.query.weight})
 * and it is transposed back to PyTorch's (out, in). A {@code Gemm} consumer is read the same way,
 * honouring its {@code transB}. The {@code position_ids} buffer and a {@code pooler} (not part of
 * {@code last_hidden_state}) are dropped and reported; initializers of at most
 * {@value #MAX_CONSTANT_ELEMENTS} elements that feed no MatMul, Gemm or Gather are graph constants
 * (shapes, scales), not weights. Anything else is an error listing every such tensor, as is any
 * backbone tensor that is missing or has the wrong shape: nothing is left at zero.
 *
 * <p><b>Config.</b> Sizes come from the weights (vocabulary, hidden and positions from the
 * embedding tables, layers from the {@code encoder.layer.N} indices, FFN width from the
 * intermediate weight). What the weights do not hold is read from the graph:
 * <ul>
 * <li>heads: the attention's Reshape to (batch, time, heads, head size) has constant last two
 * entries (12 and 32 for MiniLM); the score scaling {@code Div} by sqrt(head size) cross-checks it.
 * Both must agree with each other and with an explicit {@link Options#numberOfHeads};</li>
 * <li>layer-norm epsilon: the {@code epsilon} of LayerNormalization nodes, or, for the decomposed
 * form older exporters write (ReduceMean, Sub, Pow, ReduceMean, Add ε, Sqrt, Div), the constant
 * added before the Sqrt; all layer norms must agree;</li>
 * <li>GELU: {@code Erf} nodes mean the exact form, {@code Tanh} (or a Gelu node with
 * {@code approximate="tanh"}) the tanh form.</li>
 * </ul>
 * Dropout and initializer range, which inference does not use, get BERT's defaults (0.1, 0.02)
 * for later fine-tuning.
 */
public final class OnnxImport {
    /** Initializers up to this many elements that no MatMul, Gemm or Gather reads are graph constants. */
    static final int MAX_CONSTANT_ELEMENTS = 16;
    /** The architecture written into config.json: the ONNX export has no MLM or pooler head. */
    public static final String ARCHITECTURE = "BertModel";

    private static final Pattern BACKBONE_NAME = Pattern.compile(
            "bert\\.embeddings\\.(word_embeddings|position_embeddings|token_type_embeddings)\\.weight"
                    + "|bert\\.embeddings\\.LayerNorm\\.(weight|bias)"
                    + "|bert\\.encoder\\.layer\\.(\\d+)\\.(attention\\.self\\.(query|key|value)|attention\\.output\\.dense"
                    + "|attention\\.output\\.LayerNorm|intermediate\\.dense|output\\.dense|output\\.LayerNorm)"
                    + "\\.(weight|bias)");
    private static final Pattern LAYER = Pattern.compile("bert\\.encoder\\.layer\\.(\\d+)\\.");

    private OnnxImport() {
    }

    /**
     * What the graph does not say, or a check on what it does.
     *
     * @param numberOfHeads attention heads, or null to read them from the graph (an error if the
     *                      graph disagrees)
     * @param layerNormEps  layer-norm epsilon, or null to read it from the graph
     * @param padTokenId    the padding token id for config.json (BERT's is 0)
     */
    public record Options(Integer numberOfHeads, Float layerNormEps, int padTokenId) {
        public static Options defaults() {
            return new Options(null, null, 0);
        }

        public Options withPadTokenId(int id) {
            return new Options(numberOfHeads, layerNormEps, id);
        }
    }

    /**
     * An imported encoder.
     *
     * @param config  the derived config (architecture ENCODER)
     * @param weights graft parameter names ({@code bert.}-prefixed) to (out, in) tensors, in
     *                {@link Backbone#parameters()} order
     * @param notes   how each derived value was found and which tensors were dropped, for the log
     * @param source  the ONNX file and producer
     */
    public record Imported(ModelConfig config, Map<String, Tensor> weights, List<String> notes, String source) {
    }

    /** Reads and maps an ONNX file. */
    public static Imported read(Path onnxFile, Options options) throws IOException {
        return fromGraph(OnnxGraph.read(onnxFile), options);
    }

    /** Maps an already-read graph. */
    public static Imported fromGraph(OnnxGraph original, Options options) throws IOException {
        String where = original.file().toString();
        List<String> notes = new ArrayList<>();
        OnnxGraph graph = OnnxDequantize.rewrite(original, notes); // a quantized export: its float model
        Map<String, List<Node>> consumers = new HashMap<>();
        Map<String, Node> producers = new HashMap<>();
        for (Node n : graph.nodes()) {
            for (String in : n.inputs()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
            for (String out : n.outputs()) {
                producers.put(out, n);
            }
        }
        rejectOtherFamilies(graph);

        // 1. initializer -> graft name (and whether to transpose)
        Map<String, Tensor> mapped = new HashMap<>();
        Map<String, String> origin = new HashMap<>();
        List<String> problems = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        int constants = 0;
        for (OnnxGraph.Tensor t : graph.initializers().values()) {
            String name = t.name();
            String bare = name.startsWith("bert.") ? name.substring(5) : name;
            String target = null;
            boolean transpose = false;
            if (bare.endsWith("position_ids")) {
                dropped.add(name + " (buffer of position indices 0..n-1; graft counts positions itself)");
                continue;
            }
            if (bare.startsWith("pooler.")) {
                dropped.add(name + " (pooler: not part of last_hidden_state)");
                continue;
            }
            List<Node> users = consumers.getOrDefault(name, List.of());
            Node weightUser = null;
            for (Node u : users) {
                if (("MatMul".equals(u.opType()) || "Gemm".equals(u.opType())) && name.equals(u.input(1))) {
                    if (weightUser != null) {
                        problems.add(name + " is the weight of two nodes, " + weightUser.name() + " and "
                                + u.name());
                    }
                    weightUser = u;
                }
            }
            // MatMul computes x·B, so a weight it reads directly is stored (in, out); Gemm says so by transB
            boolean inOut = weightUser != null
                    && ("MatMul".equals(weightUser.opType()) || intAttribute(weightUser, "transB", 0) == 0);
            if (BACKBONE_NAME.matcher("bert." + bare).matches()) {
                target = "bert." + bare;
                transpose = inOut;
            } else if (weightUser != null) {
                String path = scopePath(weightUser.name());
                if (path == null) {
                    problems.add(name + " " + Arrays.toString(t.dims()) + " is the weight of node '"
                            + weightUser.name() + "', whose name carries no module scope to name it by "
                            + "(export with torch 1.13 or newer, which names nodes /encoder/layer.0/...)");
                    continue;
                }
                target = "bert." + path + ".weight";
                transpose = inOut;
                if (path.startsWith("pooler.")) {
                    dropped.add(name + " (pooler weight: not part of last_hidden_state)");
                    continue;
                }
                if (!BACKBONE_NAME.matcher(target).matches()) {
                    problems.add(name + " " + Arrays.toString(t.dims()) + " is the weight of node '"
                            + weightUser.name() + "', which would make it " + target
                            + ", not a tensor of a BERT encoder");
                    continue;
                }
            } else if (t.elementCount() <= MAX_CONSTANT_ELEMENTS && users.stream().noneMatch(
                    u -> "Gather".equals(u.opType()) && name.equals(u.input(0)))) {
                constants++;
                continue;
            } else {
                problems.add("unknown initializer " + name + " " + OnnxGraph.typeName(t.dataType())
                        + Arrays.toString(t.dims()) + (users.isEmpty() ? " (used by no node)"
                        : " (used by " + users.get(0).opType() + " node '" + users.get(0).name() + "')"));
                continue;
            }
            if (!t.isFloatType()) {
                problems.add(name + " (" + target + ") holds " + OnnxGraph.typeName(t.dataType())
                        + " values, not floating-point weights");
                continue;
            }
            if (mapped.containsKey(target)) {
                problems.add("both " + origin.get(target) + " and " + name + " map to " + target);
                continue;
            }
            int[] shape = t.shape();
            float[] values = t.floats();
            if (transpose) {
                if (shape.length != 2) {
                    problems.add(name + " (" + target + ") has dims " + Arrays.toString(shape)
                            + "; a MatMul weight has two");
                    continue;
                }
                values = transpose(values, shape[0], shape[1]);
                shape = new int[] {shape[1], shape[0]};
            }
            mapped.put(target, Tensor.of(values, shape));
            origin.put(target, transpose ? name + " (transposed)" : name);
        }
        if (!problems.isEmpty()) {
            throw new IOException(where + ": " + problems.size() + " initializer(s) cannot be mapped to a BERT "
                    + "encoder's tensors: " + String.join("; ", problems));
        }

        // 2. config from the weights and the graph
        ModelConfig config = deriveConfig(graph, mapped, producers, options, notes);

        // 3. completeness and shapes
        Map<String, int[]> expected = backboneShapes(config);
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            Tensor t = mapped.get(e.getKey());
            if (t == null) {
                problems.add("missing " + e.getKey() + Arrays.toString(e.getValue()));
            } else if (!Arrays.equals(t.shape(), e.getValue())) {
                problems.add(e.getKey() + " (from " + origin.get(e.getKey()) + ") has shape "
                        + Arrays.toString(t.shape()) + " but the config needs " + Arrays.toString(e.getValue()));
            } else {
                ordered.put(e.getKey(), t);
            }
        }
        for (String name : new TreeSet<>(mapped.keySet())) {
            if (!expected.containsKey(name)) {
                problems.add("unexpected " + name + " (from " + origin.get(name) + ")");
            }
        }
        if (!problems.isEmpty()) {
            throw new IOException(where + ": the weights do not form a complete BERT encoder of " + describe(config)
                    + ": " + String.join("; ", problems));
        }
        if (!dropped.isEmpty()) {
            notes.add("dropped " + String.join(", ", dropped));
        }
        if (constants > 0) {
            notes.add(constants + " small initializers are graph constants, not weights");
        }
        long transposed = origin.values().stream().filter(s -> s.endsWith("(transposed)")).count();
        notes.add(ordered.size() + " tensors mapped, " + transposed + " of them MatMul weights named by their node "
                + "and transposed from (in, out) to (out, in)");
        String source = graph.file().getFileName() + (graph.producer().isEmpty() ? "" : " (" + graph.producer() + ")");
        return new Imported(config, ordered, List.copyOf(notes), source);
    }

    /**
     * Writes {@code imported} as a checkpoint folder: {@code config.json} (architectures
     * ["BertModel"]), {@code model.safetensors} with the bare names Hugging Face's BertModel
     * saves ({@code embeddings.word_embeddings.weight}, ...), and {@code tokenizer.json} copied
     * byte for byte when {@code tokenizerJson} is given. Atomic: staged, then renamed into place.
     */
    public static void save(Imported imported, Path tokenizerJson, Path folder) throws IOException {
        Pretrained.saveBackboneFolder(folder, imported.config(), imported.weights(),
                Map.of("graft.imported_from", imported.source()), tokenizerJson);
    }

    /**
     * The tensors of a BERT encoder (Hugging Face BertModel without pooler) under graft's names,
     * with their shapes, in {@link Backbone#parameters()} order.
     */
    public static Map<String, int[]> backboneShapes(ModelConfig c) {
        if (!c.isEncoder()) {
            throw new IllegalArgumentException("backboneShapes is for BERT encoders");
        }
        int h = c.hiddenSize();
        int f = c.intermediateSize();
        Map<String, int[]> m = new LinkedHashMap<>();
        m.put("bert.embeddings.word_embeddings.weight", new int[] {c.vocabSize(), h});
        m.put("bert.embeddings.position_embeddings.weight", new int[] {c.maxPositions(), h});
        if (c.typeVocabSize() > 0) {
            m.put("bert.embeddings.token_type_embeddings.weight", new int[] {c.typeVocabSize(), h});
        }
        m.put("bert.embeddings.LayerNorm.weight", new int[] {h});
        m.put("bert.embeddings.LayerNorm.bias", new int[] {h});
        for (int i = 0; i < c.numberOfLayers(); i++) {
            String p = "bert.encoder.layer." + i + ".";
            for (String qkv : List.of("query", "key", "value")) {
                m.put(p + "attention.self." + qkv + ".weight", new int[] {h, h});
                m.put(p + "attention.self." + qkv + ".bias", new int[] {h});
            }
            m.put(p + "attention.output.dense.weight", new int[] {h, h});
            m.put(p + "attention.output.dense.bias", new int[] {h});
            m.put(p + "attention.output.LayerNorm.weight", new int[] {h});
            m.put(p + "attention.output.LayerNorm.bias", new int[] {h});
            m.put(p + "intermediate.dense.weight", new int[] {f, h});
            m.put(p + "intermediate.dense.bias", new int[] {f});
            m.put(p + "output.dense.weight", new int[] {h, f});
            m.put(p + "output.dense.bias", new int[] {h});
            m.put(p + "output.LayerNorm.weight", new int[] {h});
            m.put(p + "output.LayerNorm.bias", new int[] {h});
        }
        return m;
    }

    // ------------------------------------------------------------------------------------ config

    private static ModelConfig deriveConfig(OnnxGraph graph, Map<String, Tensor> mapped, Map<String, Node> producers,
                                            Options options, List<String> notes) throws IOException {
        String where = graph.file().toString();
        Tensor words = require(mapped, "bert.embeddings.word_embeddings.weight", where);
        Tensor positions = require(mapped, "bert.embeddings.position_embeddings.weight", where);
        Tensor types = mapped.get("bert.embeddings.token_type_embeddings.weight");
        if (words.rank() != 2 || positions.rank() != 2) {
            throw new IOException(where + ": the embedding tables must be matrices, got word "
                    + Arrays.toString(words.shape()) + " and position " + Arrays.toString(positions.shape()));
        }
        int vocab = words.dim(0);
        int hidden = words.dim(1);
        int layers = 0;
        for (String name : mapped.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.lookingAt()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (layers == 0) {
            throw new IOException(where + ": no encoder.layer.N tensors: this is not a BERT encoder");
        }
        Tensor inter = mapped.get("bert.encoder.layer.0.intermediate.dense.weight");
        Tensor interBias = mapped.get("bert.encoder.layer.0.intermediate.dense.bias");
        int ffn = inter != null && inter.rank() == 2 ? inter.dim(0) : interBias != null ? interBias.size() : -1;
        if (ffn <= 0) {
            throw new IOException(where + ": missing bert.encoder.layer.0.intermediate.dense.{weight,bias}: cannot "
                    + "tell the feed-forward width");
        }
        int heads = heads(graph, producers, hidden, options.numberOfHeads(), notes);
        float eps = layerNormEps(graph, producers, options.layerNormEps(), notes);
        GeluForm gelu = gelu(graph, notes);
        try {
            return new ModelConfig(ModelConfig.Architecture.ENCODER, vocab, hidden, layers, heads, ffn,
                    positions.dim(0), types == null ? 0 : types.dim(0), eps, 0.1f, 0.1f, gelu, 0.02f,
                    options.padTokenId());
        } catch (IllegalArgumentException e) {
            throw new IOException(where + ": the derived config is invalid: " + e.getMessage(), e);
        }
    }

    private static Tensor require(Map<String, Tensor> mapped, String name, String where) throws IOException {
        Tensor t = mapped.get(name);
        if (t == null) {
            throw new IOException(where + ": no initializer maps to " + name + " (embeddings." + name.substring(16)
                    + "): this is not a BERT encoder export");
        }
        return t;
    }

    /** Heads from the attention Reshape constants, cross-checked by the score scale. */
    private static int heads(OnnxGraph graph, Map<String, Node> producers, int hidden, Integer given,
                             List<String> notes) throws IOException {
        TreeSet<Integer> fromReshape = new TreeSet<>();
        TreeSet<Integer> fromScale = new TreeSet<>();
        for (Node n : graph.nodes()) {
            if (!n.name().contains("attention/self")) {
                continue;
            }
            if ("Reshape".equals(n.opType())) {
                long[] shape = constantVector(graph, producers, n.input(1));
                if (shape != null && shape.length == 4 && shape[2] > 0 && shape[3] > 0
                        && shape[2] * shape[3] == hidden) {
                    fromReshape.add((int) shape[2]);
                }
            } else if ("Div".equals(n.opType())) {
                Float s = constantScalar(graph, producers, n.input(1));
                if (s != null && s > 0) {
                    long d = Math.round((double) s * s);
                    if (d > 0 && Math.abs((double) s * s - d) < 1e-3 * d && hidden % d == 0) {
                        fromScale.add((int) (hidden / d));
                    }
                }
            }
        }
        TreeSet<Integer> all = new TreeSet<>(fromReshape);
        all.addAll(fromScale);
        String where = graph.file().toString();
        if (all.size() > 1) {
            throw new IOException(where + ": the graph is ambiguous about the number of attention heads: its "
                    + "Reshape nodes say " + fromReshape + ", its score scaling says " + fromScale);
        }
        if (all.isEmpty()) {
            if (given == null) {
                throw new SpecIOException("numberOfHeads", where + ": cannot find the number of attention heads in "
                        + "the graph (no attention/self Reshape to (batch, time, heads, head size) with constant "
                        + "sizes, no Div by sqrt(head size)); give it explicitly as numberOfHeads (all-MiniLM-L6-v2 "
                        + "has 12)");
            }
            notes.add("heads " + given + " as given (the graph does not say)");
            return given;
        }
        int found = all.first();
        if (given != null && given != found) {
            throw new IOException(where + ": " + given + " heads were given but the graph has " + found
                    + " (attention Reshape and score scaling)");
        }
        notes.add("heads " + found + " from the graph ("
                + (fromReshape.isEmpty() ? "" : "attention Reshape to (batch, time, " + found + ", "
                + hidden / found + ")") + (fromReshape.isEmpty() || fromScale.isEmpty() ? "" : ", ")
                + (fromScale.isEmpty() ? "" : "scores divided by sqrt(" + hidden / found + ")") + ")");
        return found;
    }

    /** Epsilon of every layer norm: LayerNormalization attributes or the decomposed form's Add before Sqrt. */
    private static float layerNormEps(OnnxGraph graph, Map<String, Node> producers, Float given, List<String> notes)
            throws IOException {
        TreeSet<Float> found = new TreeSet<>();
        int count = 0;
        for (Node n : graph.nodes()) {
            switch (n.opType()) {
                case "LayerNormalization", "SkipLayerNormalization" -> {
                    OnnxGraph.Attribute a = n.attributes().get("epsilon");
                    found.add(a == null ? 1e-5f : a.f()); // the ONNX default
                    count++;
                }
                case "Sqrt" -> {
                    Node add = producers.get(n.input(0));
                    if (add != null && "Add".equals(add.opType())) {
                        Node mean = producers.get(add.input(0));
                        Float eps = constantScalar(graph, producers, add.input(1));
                        if (eps == null) {
                            mean = producers.get(add.input(1));
                            eps = constantScalar(graph, producers, add.input(0));
                        }
                        if (eps != null && mean != null && "ReduceMean".equals(mean.opType())) {
                            found.add(eps);
                            count++;
                        }
                    }
                }
                default -> {
                }
            }
        }
        String where = graph.file().toString();
        if (found.size() > 1) {
            throw new IOException(where + ": the layer norms use different epsilons " + found
                    + "; graft's config has one");
        }
        if (found.isEmpty()) {
            if (given == null) {
                throw new IOException(where + ": cannot find a layer norm's epsilon in the graph; give it "
                        + "explicitly (BERT's is 1e-12)");
            }
            notes.add("layer-norm epsilon " + given + " as given (the graph does not say)");
            return given;
        }
        float eps = found.first();
        if (given != null && given != eps) {
            throw new IOException(where + ": epsilon " + given + " was given but the graph's layer norms use " + eps);
        }
        notes.add("layer-norm epsilon " + eps + " from " + count + " layer norms in the graph");
        return eps;
    }

    private static GeluForm gelu(OnnxGraph graph, List<String> notes) throws IOException {
        boolean erf = false;
        boolean tanh = false;
        for (Node n : graph.nodes()) {
            switch (n.opType()) {
                case "Erf" -> erf = true;
                case "Tanh", "FastGelu" -> tanh = true;
                case "Gelu", "BiasGelu" -> {
                    OnnxGraph.Attribute a = n.attributes().get("approximate");
                    if (a != null && "tanh".equals(a.s())) {
                        tanh = true;
                    } else {
                        erf = true;
                    }
                }
                default -> {
                }
            }
        }
        String where = graph.file().toString();
        if (erf == tanh) {
            throw new IOException(where + (erf ? ": the graph has both Erf and Tanh nodes"
                    : ": the graph has no Erf, Tanh or Gelu node") + ": cannot tell which GELU the model uses");
        }
        notes.add("GELU " + (erf ? "erf (exact; the graph computes it with Erf)" : "tanh approximation"));
        return erf ? GeluForm.ERF : GeluForm.TANH;
    }

    private static void rejectOtherFamilies(OnnxGraph graph) throws IOException {
        for (String name : graph.initializers().keySet()) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.startsWith("roberta.") || n.startsWith("transformer.") || n.startsWith("h.0.")
                    || n.startsWith("wte.") || n.startsWith("distilbert.") || n.contains("rel_attn")) {
                throw new IOException(graph.file() + ": initializer '" + name + "' belongs to another model family; "
                        + "ONNX import reads BERT encoders (for GPT-2 and others, use a Hugging Face folder with "
                        + "model.safetensors)");
            }
        }
    }

    /** "/encoder/layer.0/attention/self/query/MatMul" → "encoder.layer.0.attention.self.query"; null without scope. */
    static String scopePath(String nodeName) {
        if (nodeName == null || !nodeName.startsWith("/")) {
            return null;
        }
        int last = nodeName.lastIndexOf('/');
        if (last <= 0) {
            return null;
        }
        String path = nodeName.substring(1, last);
        if (path.startsWith("bert/")) {
            path = path.substring(5);
        }
        return path.replace('/', '.');
    }

    private static long intAttribute(Node n, String name, long fallback) {
        OnnxGraph.Attribute a = n.attributes().get(name);
        return a == null ? fallback : a.i();
    }

    /** The values of a constant int vector (initializer, Constant node, or Concat of such; -1 where dynamic). */
    private static long[] constantVector(OnnxGraph graph, Map<String, Node> producers, String value)
            throws IOException {
        OnnxGraph.Tensor t = constantTensor(graph, producers, value);
        if (t != null) {
            return (t.dataType() == OnnxGraph.INT64 || t.dataType() == OnnxGraph.INT32) ? t.longs() : null;
        }
        Node p = producers.get(value);
        if (p == null || !"Concat".equals(p.opType())) {
            return null;
        }
        List<Long> parts = new ArrayList<>();
        for (String in : p.inputs()) {
            OnnxGraph.Tensor c = constantTensor(graph, producers, in);
            if (c != null && (c.dataType() == OnnxGraph.INT64 || c.dataType() == OnnxGraph.INT32)) {
                for (long v : c.longs()) {
                    parts.add(v);
                }
            } else {
                parts.add(-1L); // a dynamic entry (batch or time): one element, from Unsqueeze of a scalar
            }
        }
        return parts.stream().mapToLong(Long::longValue).toArray();
    }

    private static Float constantScalar(OnnxGraph graph, Map<String, Node> producers, String value)
            throws IOException {
        OnnxGraph.Tensor t = constantTensor(graph, producers, value);
        if (t == null || !t.isFloatType() || t.elementCount() != 1) {
            Node p = producers.get(value);
            if (p != null && "Constant".equals(p.opType()) && p.attributes().containsKey("value_float")) {
                return p.attributes().get("value_float").f();
            }
            return null;
        }
        return t.floats()[0];
    }

    private static OnnxGraph.Tensor constantTensor(OnnxGraph graph, Map<String, Node> producers, String value) {
        OnnxGraph.Tensor init = graph.initializers().get(value);
        if (init != null) {
            return init;
        }
        Node p = producers.get(value);
        if (p != null && "Constant".equals(p.opType())) {
            OnnxGraph.Attribute a = p.attributes().get("value");
            return a == null ? null : a.t();
        }
        return null;
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    private static String describe(ModelConfig c) {
        return c.numberOfLayers() + " layers, hidden " + c.hiddenSize() + ", " + c.numberOfHeads() + " heads, FFN "
                + c.intermediateSize() + ", vocabulary " + c.vocabSize() + ", " + c.maxPositions() + " positions";
    }
}

package dev.graft.model;

import dev.graft.nn.Pooling;
import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;

import java.io.BufferedOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code graft embed}'s job done by ONNX Runtime's Java API, as a process of its own, for the end-to-end
 * comparison of issue 22 (process start included): read the lines of a file, tokenize them with the
 * model's tokenizer (graft's Java tokenizer, as a Java user of ONNX Runtime needs one), sort them by length
 * into batches of 32 as {@code graft embed} does, run the ONNX graph, mean-pool, L2-normalize, and print one
 * JSON array per line in input order, as {@code graft embed} prints them.
 *
 * <pre>
 *   java -cp ... dev.graft.model.OrtEmbedMain extract DIR              # the ONNX file and tokenizer.json, once
 *   java -cp ... dev.graft.model.OrtEmbedMain DIR INPUT THREADS > out  # the embeddings
 * </pre>
 * Run it with {@code tools/bench/embed_e2e.sh}.
 */
public final class OrtEmbedMain {
    private static final int BATCH = 32;
    private static final int MAX_LENGTH = 256;

    private OrtEmbedMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("extract")) {
            Path dir = Files.createDirectories(Path.of(args[1]));
            MiniLmFixture.resource(MiniLmFixture.ONNX, dir);
            MiniLmFixture.resource(MiniLmFixture.TOKENIZER, dir);
            return;
        }
        if (args.length != 3) {
            System.err.println("usage: OrtEmbedMain extract DIR | OrtEmbedMain DIR INPUT THREADS");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        List<String> lines = Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8);
        int threads = Integer.parseInt(args[2]);
        Tokenizer tokenizer = Tokenizer.load(dir.resolve(MiniLmFixture.TOKENIZER));
        int pad = tokenizer.specialTokens().padding().orElse(0);
        List<Encoding> encodings = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            Encoding e = tokenizer.encode(lines.get(i), true);
            if (e.length() > MAX_LENGTH) {
                throw new IllegalArgumentException(args[1] + ":" + (i + 1) + ": " + e.length() + " tokens, more than "
                        + MAX_LENGTH + ": this comparison does not truncate; give shorter lines");
            }
            encodings.add(e);
        }
        Integer[] order = new Integer[lines.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(encodings.get(a).length(), encodings.get(b).length()));
        float[][] vectors = new float[lines.size()][];
        try (OnnxRuntimeOracle ort = new OnnxRuntimeOracle(dir.resolve(MiniLmFixture.ONNX), threads)) {
            for (int start = 0; start < order.length; start += BATCH) {
                int end = Math.min(order.length, start + BATCH);
                List<Encoding> batch = new ArrayList<>(end - start);
                for (int i = start; i < end; i++) {
                    batch.add(encodings.get(order[i]));
                }
                TokenBatch tokens = SentenceEmbedder.toTokenBatch(batch, pad);
                float[] hidden = ort.lastHiddenState(tokens);
                float[][] pooled = SentenceEmbedder.pool(hidden, tokens, Pooling.MEAN, true, hidden.length / tokens.rows());
                for (int i = start; i < end; i++) {
                    vectors[order[i]] = pooled[i - start];
                }
            }
        }
        try (PrintWriter out = new PrintWriter(new OutputStreamWriter(new BufferedOutputStream(System.out, 1 << 16),
                StandardCharsets.UTF_8), false)) {
            StringBuilder sb = new StringBuilder();
            for (float[] v : vectors) {
                sb.setLength(0);
                sb.append('[');
                for (int i = 0; i < v.length; i++) {
                    sb.append(i > 0 ? "," : "").append(v[i]);
                }
                out.println(sb.append(']'));
            }
        }
    }
}

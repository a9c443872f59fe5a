package dev.graft.cli;

import dev.graft.model.Pretrained;
import dev.graft.model.SentenceEmbedder;
import dev.graft.model.SentenceTransformersConfig;
import dev.graft.nn.Compute;
import dev.graft.nn.Pooling;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code graft embed --model DIR}: one JSON array per input line, the line's sentence embedding
 * (sentence-transformers' mean pooling over non-padding tokens, L2-normalized with
 * {@code --normalize}).
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Sentence embeddings: one JSON array of floats per input line (UTF-8, stdin or --input), "
                + "in input order.",
            "As sentence-transformers: [CLS] line [SEP] through the encoder, then mean pooling over the real "
                + "(non-padding) tokens, or the [CLS] vector with --pooling cls; --normalize scales each vector to "
                + "length 1 (what all-MiniLM-L6-v2 is meant to be used with). Lines longer than the model's "
                + "positions are truncated; stderr says how many."})
final class EmbedCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    /** Lines read, sorted by length and embedded together (bounds memory on long inputs). */
    static final int CHUNK_LINES = 4096;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Checkpoint folder (graft import, graft pretrain, or a Hugging Face BERT/GPT-2 folder) "
                    + "with its tokenizer.json.")
    Path model;

    @Option(names = "--input", paramLabel = "FILE", description = "Read this UTF-8 file instead of stdin.")
    Path input;

    @Option(names = "--pooling", description = "mean or cls (default: the model folder's sentence-transformers "
            + "setting, as graft import writes it; else mean).")
    String pooling;

    @Option(names = "--normalize", negatable = true, description = "L2-normalize each vector (default: as the model "
            + "folder's sentence-transformers settings say; else not).")
    Boolean normalize;

    @Option(names = "--prompt-name", paramLabel = "NAME", description = "Put the model's prompt NAME before each "
            + "line (e5-small: query or passage; default: the model's default prompt, if it has one).")
    String promptName;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Put TEXT before each line (instead of a named "
            + "prompt; --prompt '' for none).")
    String prompt;

    @Option(names = "--batch-size", description = "Lines per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Option(names = "--max-length", description = "Truncate to this many tokens, special tokens included "
            + "(default: the model folder's max_seq_length, else the model's positions).")
    Integer maxLength;

    @picocli.CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @Override
    public Integer call() throws IOException {
        PrintWriter stderr = command.commandLine().getErr();
        if (promptName != null && prompt != null) {
            throw new IllegalArgumentException("--prompt-name and --prompt: give one of them");
        }
        java.util.Optional<SentenceTransformersConfig> st = SentenceTransformersConfig.read(model);
        Pooling p = pooling != null ? ServeCommand.parse(pooling)
                : st.map(SentenceTransformersConfig::pooling).orElse(Pooling.MEAN);
        boolean normalizeVectors = normalize != null ? normalize
                : st.map(SentenceTransformersConfig::normalize).orElse(false);
        String prefix = prompt != null ? prompt
                : promptName != null ? st.orElseThrow(() -> new IllegalArgumentException("--prompt-name " + promptName
                        + ": " + model + " has no prompts (no sentence-transformers settings); give the text with "
                        + "--prompt")).prompt(promptName)
                : st.map(SentenceTransformersConfig::defaultPrompt).orElse("");
        if (st.isPresent()) {
            stderr.println("embed: " + p.name().toLowerCase(Locale.ROOT) + " pooling, "
                    + (normalizeVectors ? "normalized" : "not normalized") + (prefix.isEmpty() ? ""
                    : ", prompt \"" + prefix + "\"") + " (the model folder says: " + st.get().describe() + ")");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("--batch-size must be positive, got " + batchSize);
        }
        if (threads.threads() <= 0) {
            throw new IllegalArgumentException("--threads must be positive, got " + threads.threads());
        }
        if (input != null && !Files.isRegularFile(input)) {
            throw new java.nio.file.NoSuchFileException(input + ": no such input file");
        }
        Compute compute = Compute.create(threads.threads());
        try {
            Pretrained loaded = Pretrained.loadBackbone(model, compute);
            if (!loaded.config().isEncoder()) {
                stderr.println("graft: warning: " + model + " is a GPT-2 decoder (causal attention): its mean-pooled"
                        + " states are not trained as sentence embeddings");
            }
            int positions = loaded.config().maxPositions();
            int max = maxLength != null ? maxLength
                    : st.map(SentenceTransformersConfig::maxSeqLength).map(m -> Math.min(m, positions)).orElse(positions);
            if (max < 3 || max > positions) {
                throw new IllegalArgumentException("--max-length " + max + " must be in [3, " + positions
                        + "] (the model's positions)");
            }
            SentenceEmbedder embedder = new SentenceEmbedder(loaded.backbone(), loaded.requireTokenizer(), p,
                    normalizeVectors, batchSize, max);
            long started = System.nanoTime();
            long lines = 0;
            String source = input == null ? "stdin" : input.toString();
            try (InputStream in = input == null ? System.in : Files.newInputStream(input);
                 PrintWriter out = new PrintWriter(new OutputStreamWriter(new BufferedOutputStream(System.out, 1 << 16),
                         StandardCharsets.UTF_8), false)) {
                TokenizerCommand.LineReader reader = new TokenizerCommand.LineReader(in, source);
                List<String> chunk = new ArrayList<>();
                StringBuilder sb = new StringBuilder();
                String line;
                do {
                    line = reader.next();
                    if (line != null) {
                        chunk.add(prefix + (line.endsWith("\r") ? line.substring(0, line.length() - 1) : line));
                    }
                    if (chunk.size() == CHUNK_LINES || (line == null && !chunk.isEmpty())) {
                        float[][] vectors = embedder.embed(chunk);
                        for (float[] v : vectors) {
                            sb.setLength(0);
                            appendJson(sb, v);
                            out.println(sb);
                        }
                        lines += chunk.size();
                        chunk.clear();
                    }
                } while (line != null);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            if (embedder.truncatedCount() > 0) {
                stderr.printf(Locale.ROOT, "graft: warning: %d of %d lines were longer than %d tokens and were "
                        + "truncated%n", embedder.truncatedCount(), lines, max);
            }
            stderr.printf(Locale.ROOT, "embed: %d lines, %d dimensions, %.1f s (%.1f lines/s, %d threads)%n",
                    lines, embedder.dimension(), seconds, lines / Math.max(seconds, 1e-9),
                    threads.threads());
            return 0;
        } finally {
            compute.parallel().close();
        }
    }

    /** A JSON array of the floats, each in Java's shortest form that reads back to the same float. */
    static void appendJson(StringBuilder sb, float[] v) {
        sb.append('[');
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IllegalStateException("embedding value " + v[i] + " at " + i + " is not finite: the model's "
                        + "weights are broken");
            }
            if (i > 0) {
                sb.append(',');
            }
            sb.append(v[i]);
        }
        sb.append(']');
    }
}

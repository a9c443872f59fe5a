package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.Pooling;
import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Embedding throughput, graft against ONNX Runtime, side by side in one process: a model graft knows
 * by name ({@code -Dbench.model=NAME}, default {@code minilm}: all-MiniLM-L6-v2; also
 * {@code bge-small-en}, {@code e5-small}, {@code bge-small-zh}, {@code minilm-q}) imported from the
 * ONNX file both run, the same sentences (the committed KJV sample plus seeded generated lines, the
 * model's default prompt before each), the same batches (sorted by token length, cut into batches
 * of 32, padded to the longest), the model's own pooling and normalization done by the same Java
 * code for both. For {@code minilm-q} ONNX Runtime runs the int8 graph and graft the weights
 * dequantized on import (in float): the two compute different things, as their users get. graft runs
 * {@link EncoderInference} (what {@code graft embed} runs); with {@code -Dbench.backbone=true} the
 * training-path {@link Backbone#forward} is timed too.
 *
 * <p>These machines are shared: the engines are interleaved batch by batch (the first engine
 * rotating), so load changes hit both alike; each round's sentences/s is total sentences over the
 * engine's summed time; medians over the rounds are printed with their ratio, both for wall-clock
 * time and for the calling thread's CPU time (meaningful at one thread, where both engines compute
 * on the caller: it is immune to time-slicing by other processes). Tokenization is outside the
 * timed region (the same Java tokenizer for both).
 *
 * <p>With {@code -Dbench.phases=true} ({@code PHASES=1 tools/bench/embed_compare.sh}), graft's layers report their
 * phases to a {@link dev.graft.nn.PhaseClock} and a table gives each phase's milliseconds per round at the first
 * and the last thread count, and its speed-up.
 *
 * <p>Run with {@code tools/bench/embed_compare.sh [sentences] [rounds] [threads...]}.
 */
public final class EmbedBench {
    private EmbedBench() {
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int[] threadCounts = args.length > 2 ? Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {1, 2};
        int batchSize = Integer.getInteger("bench.batch", 32);
        boolean withBackbone = Boolean.getBoolean("bench.backbone");
        KnownModels.Known known = KnownModels.find(System.getProperty("bench.model", "minilm"));
        Path dir = Files.createTempDirectory("graft-embed-bench");
        try {
            Path onnx = MiniLmFixture.resource(known.onnxEntry(), dir);
            Path tokenizerFile = MiniLmFixture.resource(known.tokenizerEntry(), dir);
            Tokenizer tokenizer = Tokenizer.load(tokenizerFile);
            int pad = tokenizer.specialTokens().padding().orElse(0);
            long t0 = System.nanoTime();
            OnnxImport.Imported imported = OnnxImport.read(onnx, OnnxImport.Options.defaults().withPadTokenId(pad));
            Path folder = dir.resolve(known.name());
            OnnxImport.save(imported, tokenizerFile, folder);
            double importSeconds = (System.nanoTime() - t0) / 1e9;
            SentenceTransformersConfig how = known.embedding();
            pooling = how.pooling();
            normalize = how.normalize();

            List<String> sentences = MiniLmFixture.sentences(389, Math.max(0, count - 389), 60, 3);
            sentences = sentences.subList(0, Math.min(count, sentences.size()));
            List<Encoding> encodings = new ArrayList<>();
            long tokens = 0;
            for (String s : sentences) {
                Encoding e = tokenizer.encode(how.defaultPrompt() + s, true);
                encodings.add(e);
                tokens += e.length();
            }
            List<TokenBatch> batches = batches(encodings, batchSize, pad);
            long padded = batches.stream().mapToLong(TokenBatch::rows).sum();
            System.out.printf(Locale.ROOT, "%s (%s; %s): %d sentences, %d tokens (mean %.1f, padded to %d in "
                            + "%d batches of up to %d sorted by length); import from ONNX %.1f s; Java %s, %s%n",
                    known.name(), imported.config().numberOfLayers() + " x " + imported.config().hiddenSize(),
                    how.describe(), sentences.size(), tokens, (double) tokens / sentences.size(), padded, batches.size(), batchSize,
                    importSeconds, Runtime.version(), System.getProperty("os.arch"));
            System.out.printf(Locale.ROOT, "%-8s %14s %14s %10s %16s %16s %10s%n", "threads", "graft sent/s",
                    "ORT sent/s", "graft/ORT", "graft sent/cpu-s", "ORT sent/cpu-s", "graft/ORT");
            boolean phases = Boolean.getBoolean("bench.phases");
            if (phases && withBackbone) {
                throw new IllegalArgumentException("bench.phases and bench.backbone: give one (the phases would mix "
                        + "the two graft engines)");
            }
            List<dev.graft.bench.TrainBench.Measurement> measured = new ArrayList<>();
            for (int threads : threadCounts) {
                var pool = new dev.graft.tensor.Parallel(threads);
                var clock = phases ? dev.graft.nn.PhaseClock.measuring() : dev.graft.nn.PhaseClock.OFF;
                Compute compute = new Compute(dev.graft.tensor.kernel.KernelProvider.create(pool), pool, clock);
                Pretrained model = Pretrained.loadBackbone(folder, compute);
                model.backbone().dropouts().forEach(d -> d.setTraining(false));
                EncoderInference inference = new EncoderInference(model.backbone(), compute);
                try (OnnxRuntimeOracle ort = new OnnxRuntimeOracle(onnx, threads)) {
                    Engine[] engines = withBackbone
                            ? new Engine[] {b -> graft(inference, b), b -> ort(ort, b), b -> backbone(model, b)}
                            : new Engine[] {b -> graft(inference, b), b -> ort(ort, b)};
                    interleaved(engines, batches, 0); // warm-up: JIT for graft, allocator and kernels for ORT
                    double[][] wall = new double[engines.length][rounds];
                    double[][] cpu = new double[engines.length][rounds];
                    clock.reset();
                    double graftSeconds = 0;
                    for (int r = 0; r < rounds; r++) {
                        double[][] t = interleaved(engines, batches, r + 1);
                        graftSeconds += t[0][0];
                        for (int e = 0; e < engines.length; e++) {
                            wall[e][r] = sentences.size() / t[0][e];
                            cpu[e][r] = sentences.size() / t[1][e];
                        }
                    }
                    if (phases) {
                        measured.add(phaseMeasurement(threads, median(wall[0]), graftSeconds * 1e3 / rounds,
                                clock.nanos(), rounds));
                    }
                    double gw = median(wall[0]);
                    double ow = median(wall[1]);
                    double gc = median(cpu[0]);
                    double oc = median(cpu[1]);
                    System.out.printf(Locale.ROOT, "%-8d %14.1f %14.1f %10.2f %16.1f %16.1f %10.2f%n", threads, gw, ow,
                            gw / ow, gc, oc, gc / oc);
                    System.out.printf(Locale.ROOT, "         rounds, sentences/s: graft %s; ORT %s%s%n", fmt(wall[0]),
                            fmt(wall[1]), withBackbone ? "; Backbone.forward " + fmt(wall[2]) + " (median "
                            + String.format(Locale.ROOT, "%.1f", median(wall[2])) + ")" : "");
                } finally {
                    compute.parallel().close();
                }
            }
            if (phases && !measured.isEmpty()) {
                System.out.print(dev.graft.bench.TrainBench.phaseTable(measured.get(0),
                        measured.size() > 1 ? measured.get(measured.size() - 1) : null, "round",
                        "graft sentences/s (median round)"));
            }
        } finally {
            AtomicFiles.deleteRecursively(dir);
        }
    }

    /** graft's phases per round; what no phase covers (pooling, batch bookkeeping) is "other". */
    private static dev.graft.bench.TrainBench.Measurement phaseMeasurement(int threads, double sentencesPerSecond,
                                                                           double roundMillis, long[] nanos,
                                                                           int rounds) {
        double[] ms = new double[nanos.length];
        double sum = 0;
        for (int i = 0; i < nanos.length; i++) {
            ms[i] = nanos[i] / 1e6 / rounds;
            sum += ms[i];
        }
        ms[dev.graft.nn.PhaseClock.Phase.OTHER.ordinal()] += Math.max(0, roundMillis - sum);
        return new dev.graft.bench.TrainBench.Measurement(threads, sentencesPerSecond, roundMillis, ms);
    }

    /** Embeds one batch (hidden states, mean pooling, normalization) and returns a value to keep. */
    @FunctionalInterface
    interface Engine {
        float embed(TokenBatch batch) throws Exception;
    }

    /**
     * Runs every batch through every engine, batch by batch, rotating which engine goes first,
     * so that the machine's load changes touch all engines alike. Returns {wall seconds, CPU
     * seconds of this thread} per engine. (The CPU time counts the calling thread only: the whole
     * work at one thread for both engines, since graft's pool and ONNX Runtime's intra-op pool
     * both compute on the caller when given one thread.)
     */
    static double[][] interleaved(Engine[] engines, List<TokenBatch> batches, int round) throws Exception {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        double[][] out = new double[2][engines.length];
        float sink = 0;
        for (int i = 0; i < batches.size(); i++) {
            for (int j = 0; j < engines.length; j++) {
                int e = (i + round + j) % engines.length;
                long w = System.nanoTime();
                long c = mx.getCurrentThreadCpuTime();
                sink += engines[e].embed(batches.get(i));
                out[1][e] += (mx.getCurrentThreadCpuTime() - c) / 1e9;
                out[0][e] += (System.nanoTime() - w) / 1e9;
            }
        }
        if (Float.isNaN(sink)) {
            throw new AssertionError("NaN");
        }
        return out;
    }

    /** The benchmarked model's pooling and normalization, applied alike to both engines' states. */
    private static Pooling pooling = Pooling.MEAN;
    private static boolean normalize = true;

    static float graft(EncoderInference inference, TokenBatch b) {
        return SentenceEmbedder.pool(inference.forward(b), pooling, normalize)[0][0];
    }

    static float backbone(Pretrained model, TokenBatch b) {
        float[] h = model.backbone().forward(b);
        return SentenceEmbedder.pool(h, b, pooling, normalize, model.config().hiddenSize())[0][0];
    }

    static float ort(OnnxRuntimeOracle ort, TokenBatch b) throws Exception {
        float[] h = ort.lastHiddenState(b);
        return SentenceEmbedder.pool(h, b, pooling, normalize, h.length / b.rows())[0][0];
    }

    static List<TokenBatch> batches(List<Encoding> encodings, int batchSize, int pad) {
        List<Encoding> sorted = new ArrayList<>(encodings);
        sorted.sort((a, b) -> Integer.compare(a.length(), b.length()));
        List<TokenBatch> out = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i += batchSize) {
            out.add(SentenceEmbedder.toTokenBatch(sorted.subList(i, Math.min(sorted.size(), i + batchSize)), pad));
        }
        return out;
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String fmt(double[] a) {
        StringBuilder sb = new StringBuilder();
        for (double v : a) {
            sb.append(sb.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "%.0f", v));
        }
        return sb.toString();
    }
}

package dev.graft.cli;

import dev.graft.bench.GemmBench;
import dev.graft.bench.TrainBench;
import dev.graft.serve.InferenceServer;
import dev.graft.serve.LoadGenerator;
import dev.graft.serve.ModelSpec;
import dev.graft.serve.OfflineBaseline;
import dev.graft.serve.ServeSettings;
import dev.graft.serve.ServerLoad;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code graft bench gemm|train|serve}: figures for docs/PERFORMANCE.md and docs/SERVING.md. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure speed: GEMM GFLOP/s, tokens/s of whole training steps, or graft serve under load.",
        subcommands = {BenchCommand.Gemm.class, BenchCommand.Train.class, BenchCommand.Serve.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "gemm", mixinStandardHelpOptions = true,
            description = "GFLOP/s of the GEMM kernels at 256^3, 512^3, 1024^3 and 2048x256x1024.")
    static final class Gemm implements Runnable {
        @picocli.CommandLine.Mixin
        ThreadsOption threads = new ThreadsOption();

        @Override
        public void run() {
            GemmBench.run(threads.threads(), System.out);
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Tokens/s of whole training steps (forward, backward, AdamW) on synthetic ids; "
                    + "the last line is 'tokens/s: X'.")
    static final class Train implements Runnable {
        @Option(names = "--arch", description = "Model preset (default: ${DEFAULT-VALUE}).")
        String arch = "bert-mini";

        @picocli.CommandLine.Mixin
        ThreadsOption threads = new ThreadsOption();

        @Option(names = "--steps", description = "Measured steps (default: ${DEFAULT-VALUE}).")
        int steps = 20;

        @Option(names = "--warmup", description = "Warm-up steps, not measured (default: ${DEFAULT-VALUE}).")
        int warmup = 3;

        @Option(names = "--batch-size", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
        int batch = 16;

        @Option(names = "--seq-len", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
        int seqLen = 128;

        @Option(names = "--vocab-size", description = "Vocabulary size (default: ${DEFAULT-VALUE}).")
        int vocab = 8192;

        @picocli.CommandLine.Mixin
        SeedOption seed = new SeedOption(1);

        @Option(names = "--phases", description = "Run the steps at 1 thread, then at --threads, and print each "
                + "phase's milliseconds per step (GEMM families, attention, layer norm, GELU, embeddings, head, "
                + "optimizer) at both and its speed-up.")
        boolean phases;

        @Override
        public void run() {
            TrainBench.run(new TrainBench.Settings(arch, threads.threads(), steps, warmup, batch, seqLen, vocab,
                    seed.seed(), phases), System.out);
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = {"Load generator for graft serve: C concurrent clients, each sending one sentence per "
                    + "request and waiting for the answer; prints requests/s and p50/p95/p99 latency per client count.",
                "With --model, starts the server in this process on a free loopback port (with --threads); with "
                    + "--url, drives a running one. --offline also measures the same sentences through graft embed's "
                    + "(or graft predict's) offline path at the same thread count and prints the ratio."})
    static final class Serve implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        @Option(names = "--model", paramLabel = "[NAME=]DIR", description = "Serve this model in-process.")
        String model;

        @Option(names = "--url", description = "A running server, e.g. http://127.0.0.1:8080.")
        URI url;

        @Option(names = "--endpoint", description = "/embed, /v1/embeddings or /predict (default: /embed for an "
                + "embedding model, /predict for a fine-tuned one; with --url, read from the server's /info).")
        String endpoint;

        @Option(names = "--clients", split = ",", description = "Concurrent clients, one run each (default: 1,32).")
        List<Integer> clients = List.of(1, 32);

        @Option(names = "--requests", description = "Measured requests per run (default: ${DEFAULT-VALUE}).")
        int requests = 2000;

        @Option(names = "--warmup", description = "Requests before each run, not measured (default: ${DEFAULT-VALUE}).")
        int warmup = 200;

        @Option(names = "--max-time", converter = Durations.class,
                description = "A run stops after this long (default: 60s).")
        Duration maxTime = Duration.ofSeconds(60);

        @Option(names = "--input", paramLabel = "FILE", description = "Sentences, one per line (default: synthetic "
                + "English-like sentences of 6-24 words).")
        Path input;

        @Option(names = "--sentences", description = "How many synthetic sentences (default: ${DEFAULT-VALUE}).")
        int sentences = 1000;

        @picocli.CommandLine.Mixin
        ThreadsOption threads = new ThreadsOption();

        @Option(names = "--workers", description = "The in-process server's --workers (default: one per thread).")
        Integer workers;

        @Option(names = "--max-wait-ms", description = "The in-process server's --max-wait-ms (default: "
                + "${DEFAULT-VALUE}).")
        long maxWaitMillis = ServeSettings.DEFAULT_MAX_WAIT_MILLIS;

        @Option(names = "--offline", description = "Also measure the offline path on the same sentences.")
        boolean offline;

        @Option(names = "--api-key", description = "Bearer token to send (default: $GRAFT_API_KEY).")
        String apiKey;

        @Override
        public Integer call() throws Exception {
            PrintWriter stdout = command.commandLine().getOut();
            if ((model == null) == (url == null)) {
                throw new IllegalArgumentException("give --model DIR (a server in this process) or --url URL (a "
                        + "running server), not both");
            }
            if (offline && model == null) {
                throw new IllegalArgumentException("--offline needs --model (the folder to run offline)");
            }
            List<String> lines = input == null
                    ? LoadGenerator.syntheticSentences(sentences, 1)
                    : Files.readAllLines(input).stream().filter(l -> !l.isBlank()).toList();
            String key = apiKey != null ? apiKey : System.getenv(ServeCommand.API_KEY_ENV);
            InferenceServer server = null;
            URI base = url;
            String ep = endpoint;
            try {
                if (model != null) {
                    ModelSpec spec = ModelSpec.parse(model);
                    if (ep == null) {
                        ep = spec.fineTuned() ? "/predict" : "/embed";
                    }
                    ServeSettings settings = ServeSettings.defaults(threads.threads())
                            .withWorkers(workers != null ? workers : ServeSettings.defaultWorkers(threads.threads()))
                            .withPort(0).withApiKey(key)
                            .withBatching(ServeSettings.DEFAULT_MAX_BATCH_TOKENS, maxWaitMillis)
                            .withLimits(Math.max(ServeSettings.DEFAULT_MAX_QUEUE,
                                    Collections.max(clients) * 2), 32,
                                    ServeSettings.DEFAULT_MAX_BODY_BYTES);
                    server = InferenceServer.start(List.of(spec), settings, null, ServeCommand.version());
                    base = server.uri();
                    stdout.println("serving " + String.join(", ", server.describeModels()) + " on " + base
                            + " with " + threads.threads() + " threads in " + settings.workers() + " workers");
                } else if (ep == null) {
                    ep = LoadGenerator.endpointOf(base, key);
                }
                stdout.println("sending " + lines.size() + " distinct sentences to " + ep);
                List<LoadGenerator.Result> results = new ArrayList<>();
                for (int c : clients) {
                    InferenceServer inProcess = server;
                    ServerLoad[] before = new ServerLoad[1];
                    LoadGenerator.Result r = LoadGenerator.run(
                            new LoadGenerator.Settings(base, ep, null, c, requests, warmup, maxTime,
                                    lines, key), null, () -> {
                                if (inProcess != null) {
                                    before[0] = ServerLoad.of(inProcess.metricsText());
                                }
                            });
                    results.add(r);
                    stdout.println(r.line());
                    if (inProcess != null) { // where the workers' time went during the measured requests
                        stdout.println("  " + ServerLoad.of(inProcess.metricsText()).since(before[0])
                                .line(r.seconds(), inProcess.workers()));
                    }
                }
                if (server != null) {
                    server.close();
                    server = null;
                }
                if (offline) {
                    List<String> sample = new ArrayList<>();
                    for (int i = 0; i < requests; i++) {
                        sample.add(lines.get(i % lines.size()));
                    }
                    double offlineRate = OfflineBaseline.sentencesPerSecond(
                            ModelSpec.parse(model).folder(), sample, threads.threads(), 3);
                    stdout.printf(Locale.ROOT, "offline: %.1f sentences/s (%d sentences, %d threads, "
                            + "best of 3 passes)%n", offlineRate, sample.size(), threads.threads());
                    for (LoadGenerator.Result r : results) {
                        stdout.printf(Locale.ROOT, "clients %d: server/offline throughput %.3f%n",
                                r.clients(), r.requestsPerSecond() / offlineRate);
                    }
                }
                return results.stream().anyMatch(r -> r.errors() > 0) ? 1 : 0;
            } finally {
                if (server != null) {
                    server.close();
                }
            }
        }
    }
}

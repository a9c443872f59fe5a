package dev.graft.cli;

import dev.graft.model.SentenceEmbedder;
import dev.graft.nn.Pooling;
import dev.graft.serve.InferenceServer;
import dev.graft.serve.ModelSpec;
import dev.graft.serve.ServeSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code graft serve}: the HTTP inference server (docs/SERVING.md). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve models over HTTP: embeddings (text-embeddings-inference's POST /embed, OpenAI's "
                + "POST /v1/embeddings), classification and tagging (POST /predict), GET /health, /info, /metrics.",
            "Concurrent requests are batched per model (up to --max-batch-tokens, waiting at most --max-wait-ms); "
                + "a full queue answers 429; the models share the --threads compute threads. SIGTERM (Ctrl-C) stops accepting, finishes the queued requests and "
                + "exits. See docs/SERVING.md."})
final class ServeCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    /**
     * Seconds a client has to send its whole request (headers and body) before the JDK server closes the
     * connection ({@code sun.net.httpserver.maxReqTime}, read once when the server class loads): a client
     * that trickles bytes cannot hold a connection forever. The time to answer is not limited by it.
     */
    static final String MAX_REQUEST_TIME_PROPERTY = "sun.net.httpserver.maxReqTime";
    static final String DEFAULT_MAX_REQUEST_SECONDS = "60";

    /** The environment variable read when --api-key is not given. */
    static final String API_KEY_ENV = "GRAFT_API_KEY";

    @Option(names = "--model", required = true, paramLabel = "[NAME=]DIR",
            description = "A model folder: a fine-tuned classifier (single-label, multi-label or sentence-pair) or "
                    + "tagger (graft finetune) or an encoder (graft import, graft pretrain). Repeat for more models; "
                    + "NAME (default: the folder's name) is what requests' \"model\" field says.")
    List<String> models = new ArrayList<>();

    @Option(names = "--host", description = "Address to bind (default: ${DEFAULT-VALUE}, this machine only).")
    String host = ServeSettings.DEFAULT_HOST;

    @Option(names = "--port", description = "TCP port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port = ServeSettings.DEFAULT_PORT;

    @picocli.CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--workers", description = "Forward passes that run at once, each on threads / workers compute "
            + "threads: more workers keep the cores busy under many clients, one worker answers a lone request "
            + "fastest (default: one per thread).")
    Integer workers;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require 'Authorization: Bearer KEY' on every "
            + "endpoint but /health (default: the " + API_KEY_ENV + " environment variable; none when unset).")
    String apiKey;

    @Option(names = "--max-batch-tokens", description = "Tokens per batch (default: ${DEFAULT-VALUE}).")
    int maxBatchTokens = ServeSettings.DEFAULT_MAX_BATCH_TOKENS;

    @Option(names = "--max-wait-ms", description = "How long a batch waits for more requests, from its first "
            + "request's arrival (default: ${DEFAULT-VALUE}).")
    long maxWaitMillis = ServeSettings.DEFAULT_MAX_WAIT_MILLIS;

    @Option(names = "--max-queue", description = "Requests waiting per model before 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue = ServeSettings.DEFAULT_MAX_QUEUE;

    @Option(names = "--max-client-batch", description = "Texts in one request (default: ${DEFAULT-VALUE}).")
    int maxClientBatch = ServeSettings.DEFAULT_MAX_CLIENT_BATCH;

    @Option(names = "--max-body-bytes", description = "Request body size (default: ${DEFAULT-VALUE}).")
    int maxBodyBytes = ServeSettings.DEFAULT_MAX_BODY_BYTES;

    @Option(names = "--pooling", description = "Embeddings: mean or cls (default: each model folder's "
            + "sentence-transformers setting, as graft import writes it; else mean).")
    String pooling;

    @Option(names = "--drain-seconds", description = "On shutdown, how long requests in flight may take to "
            + "finish (default: ${DEFAULT-VALUE}).")
    int drainSeconds = ServeSettings.DEFAULT_DRAIN_SECONDS;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = command.commandLine().getOut();
        String key = apiKey != null ? apiKey : System.getenv(API_KEY_ENV);
        if (key != null && key.isEmpty()) {
            key = null;
        }
        ServeSettings settings = new ServeSettings(host, port, threads.threads(),
                workers != null ? workers : ServeSettings.defaultWorkers(threads.threads()), key, maxBatchTokens,
                maxWaitMillis, maxQueue,
                maxClientBatch, maxBodyBytes, drainSeconds, ServeSettings.DEFAULT_REQUEST_TIMEOUT_SECONDS);
        List<ModelSpec> specs = new ArrayList<>();
        for (String m : models) {
            specs.add(ModelSpec.parse(m));
        }
        PrintStream err = System.err;
        if (System.getProperty(MAX_REQUEST_TIME_PROPERTY) == null) {
            System.setProperty(MAX_REQUEST_TIME_PROPERTY, DEFAULT_MAX_REQUEST_SECONDS);
        }
        if (!settings.loopbackOnly()) {
            err.println("graft: warning: listening on " + host + ", not loopback: other machines can connect"
                    + (key == null ? ", and no API key is set (--api-key or " + API_KEY_ENV + ")" : ""));
        }
        InferenceServer server = InferenceServer.start(specs, settings, pooling == null ? null : parse(pooling), version());
        Thread hook = new Thread(() -> {
            err.println("graft serve: shutting down: no new connections; finishing the requests in flight");
            server.close();
            err.println("graft serve: stopped");
        }, "graft-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        for (String d : server.describeModels()) {
            err.println("graft serve: model " + d);
        }
        err.printf(Locale.ROOT, "graft serve: %d compute threads in %d workers; batches up to %d tokens, %d ms wait; "
                + "queue %d requests per model%s%n", threads.threads(), settings.workers(), maxBatchTokens, maxWaitMillis,
                maxQueue,
                key != null ? "; API key required" : "");
        stdout.println("listening on " + server.uri());
        stdout.flush();
        server.awaitTermination();
        return 0;
    }

    static Pooling parse(String pooling) {
        return switch (pooling.toLowerCase(Locale.ROOT)) {
            case "mean" -> Pooling.MEAN;
            case "cls" -> Pooling.CLS;
            default -> throw new IllegalArgumentException("--pooling " + pooling + ": choose mean or cls");
        };
    }

    static String version() {
        try {
            return new Main.Version().getVersion()[0].replaceFirst("^graft ", "");
        } catch (IOException e) {
            return "unknown";
        }
    }
}

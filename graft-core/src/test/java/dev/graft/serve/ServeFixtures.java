package dev.graft.serve;

import dev.graft.data.DatasetRegistry;
import dev.graft.finetune.FineTuneSpec;
import dev.graft.finetune.FineTuning;
import dev.graft.finetune.Fixtures;
import dev.graft.model.HeadConfig;
import dev.graft.model.ModelConfig;
import dev.graft.nn.Compute;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** Tiny models for the server tests (made in the test: a random encoder, a classifier and a tagger fine-tuned from it). */
final class ServeFixtures {
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());

    final Path encoder;
    final Path classifier;
    final Path tagger;

    private ServeFixtures(Path encoder, Path classifier, Path tagger) {
        this.encoder = encoder;
        this.classifier = classifier;
        this.tagger = tagger;
    }

    /** An encoder with 32 positions, a sentiment classifier and a PER/LOC tagger (one epoch each) under dir. */
    static ServeFixtures make(Path dir) throws IOException {
        Compute compute = Compute.create(1);
        try {
            Path encoder = Fixtures.checkpoint(dir.resolve("enc"), compute, Fixtures.wordPiece(),
                    ModelConfig.Architecture.ENCODER);
            Path train = Fixtures.writeClassification(dir.resolve("train.jsonl"), Fixtures.sentiment(120, 10));
            Path tags = Fixtures.writeTagging(dir.resolve("tags.conll"), Fixtures.chunks(80, 13));
            Path clf = dir.resolve("clf");
            FineTuning.run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), clf).from(encoder)
                    .run(ro -> ro.withEpochs(2)).learningRate(3e-3f).patience(0).run(ro -> ro.withThreads(1)).build(), DatasetRegistry.standard(), QUIET);
            Path tag = dir.resolve("tag");
            FineTuning.run(FineTuneSpec.builder(HeadConfig.Task.TAG, tags.toString(), tag).from(encoder)
                    .run(ro -> ro.withEpochs(2)).learningRate(3e-3f).patience(0).run(ro -> ro.withThreads(1)).build(), DatasetRegistry.standard(), QUIET);
            return new ServeFixtures(encoder, clf, tag);
        } finally {
            compute.parallel().close();
        }
    }

    /** A client that gives up quickly: every request here is on loopback and small. */
    static HttpClient client() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    static HttpResponse<String> post(HttpClient client, URI base, String path, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(HttpClient client, URI base, String path, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}

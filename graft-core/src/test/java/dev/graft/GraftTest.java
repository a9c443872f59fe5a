package dev.graft;

import dev.graft.api.Checkpoint;
import dev.graft.api.ClassPrediction;
import dev.graft.api.Classifier;
import dev.graft.api.Embedder;
import dev.graft.api.FineTuneOptions;
import dev.graft.api.LabeledData;
import dev.graft.api.Model;
import dev.graft.api.PretrainOptions;
import dev.graft.api.TaggedSentence;
import dev.graft.api.Tagger;
import dev.graft.api.Tagging;
import dev.graft.api.TextExample;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.eval.TaggingMetrics;
import dev.graft.finetune.Fixtures;
import dev.graft.model.SentenceTransformersConfig;
import dev.graft.train.TrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The library front door on a tiny model (vocabulary at most 99, hidden 32, FFN 37): every public method. */
class GraftTest {
    @TempDir
    static Path dir;
    static Checkpoint base;
    static final Recorder PRETRAIN_EVENTS = new Recorder();

    /** Every event a run sends, in order. */
    static final class Recorder implements TrainingListener {
        final List<Step> steps = new ArrayList<>();
        final List<Evaluation> evaluations = new ArrayList<>();
        final List<End> ends = new ArrayList<>();

        @Override
        public void onStep(Step step) {
            steps.add(step);
        }

        @Override
        public void onEvaluation(Evaluation evaluation) {
            evaluations.add(evaluation);
        }

        @Override
        public void onEnd(End end) {
            ends.add(end);
        }
    }

    /** The tiny shape every test uses: 1 block, hidden 32, 2 heads, FFN 37, vocabulary 99, 32 tokens. */
    static PretrainOptions tiny() {
        return PretrainOptions.defaults().withArch("bert-tiny").withShape(1, 32, 2, 37).withVocabSize(99)
                .withSeqLen(32).withBatchSize(8).withValidationSequences(4).withSteps(5);
    }

    static Path corpus(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String[] s : Fixtures.sentiment(300, 11)) {
            sb.append(s[0]).append('\n');
        }
        for (String[][] s : Fixtures.chunks(100, 12)) {
            sb.append(String.join(" ", s[0])).append('\n');
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    static List<TextExample> texts(int n, long seed) {
        List<TextExample> out = new ArrayList<>();
        for (String[] s : Fixtures.sentiment(n, seed)) {
            out.add(TextExample.of(s[0], s[1]));
        }
        return out;
    }

    static List<TaggedSentence> tagged(int n, long seed) {
        List<TaggedSentence> out = new ArrayList<>();
        for (String[][] s : Fixtures.chunks(n, seed)) {
            out.add(TaggedSentence.of(List.of(s[0]), List.of(s[1])));
        }
        return out;
    }

    @BeforeAll
    static void pretrain() throws IOException {
        try (Graft graft = Graft.withThreads(2)) {
            base = graft.pretrain(tiny().withCorpus(corpus(dir.resolve("corpus.txt"))).withOut(dir.resolve("base"))
                    .withListener(PRETRAIN_EVENTS));
        }
    }

    @Test
    void pretrainWritesACheckpointOfTheGivenShapeAndReportsEveryStep() throws IOException {
        assertThat(base.folder()).isEqualTo(dir.resolve("base"));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            assertThat(base.folder().resolve(f)).isRegularFile();
        }
        String config = Files.readString(base.folder().resolve("config.json"));
        assertThat(config).contains("\"hidden_size\" : 32").contains("\"intermediate_size\" : 37")
                .contains("\"num_hidden_layers\" : 1");
        assertThat(PRETRAIN_EVENTS.steps).extracting(TrainingListener.Step::step).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(PRETRAIN_EVENTS.steps).allSatisfy(s -> {
            assertThat(s.plannedSteps()).isEqualTo(5);
            assertThat(s.loss()).isFinite().isPositive();
            assertThat(s.learningRate()).isFinite().isNotNegative();
        });
        // the evaluation at the end of the run, on the held-out sequences
        assertThat(PRETRAIN_EVENTS.evaluations).isNotEmpty();
        TrainingListener.Evaluation last = PRETRAIN_EVENTS.evaluations.get(PRETRAIN_EVENTS.evaluations.size() - 1);
        assertThat(last.step()).isEqualTo(5);
        assertThat(last.metrics()).containsKey("val_loss");
        // the same figures metrics.jsonl records
        List<String> records = Files.readAllLines(base.folder().resolve("metrics.jsonl"));
        com.fasterxml.jackson.databind.JsonNode eval = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(records.stream().filter(l -> l.contains("\"eval\"")).reduce((a, b) -> b).orElseThrow());
        assertThat(eval.path("step").asLong()).isEqualTo(last.step());
        assertThat(eval.path("val_loss").asDouble()).isEqualTo(last.metrics().get("val_loss"));
        assertThat(PRETRAIN_EVENTS.ends).singleElement().satisfies(e -> {
            assertThat(e.steps()).isEqualTo(5);
            assertThat(e.stoppedBy()).isEqualTo("steps");
            assertThat(e.lastLoss()).isEqualTo(PRETRAIN_EVENTS.steps.get(4).loss());
        });
    }

    @Test
    void fineTunesAClassifierThatPredictsAndEvaluatesConsistently(@TempDir Path out) throws IOException {
        Recorder events = new Recorder();
        List<TextExample> test = texts(24, 7);
        try (Graft graft = Graft.withThreads(2)) {
            Classifier c = graft.fineTune(base, LabeledData.of(texts(40, 5)).withTest(LabeledData.of(test)),
                    FineTuneOptions.into(out).withEpochs(3).withBatchSize(8).withListener(events));
            assertThat(c.folder()).isEqualTo(out);
            assertThat(c.labels()).containsExactly("negative", "positive");
            // 36 training examples after the 10% dev carve, batches of 8: 5 updates an epoch, 3 epochs
            assertThat(events.steps).extracting(TrainingListener.Step::step)
                    .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L);
            assertThat(events.evaluations).isNotEmpty().allSatisfy(e -> assertThat(e.metrics())
                    .containsKeys("dev_loss", "dev_accuracy"));
            assertThat(events.ends).singleElement().satisfies(e -> assertThat(e.steps()).isEqualTo(15));
            assertThat(out.resolve("results.json")).isRegularFile();

            ClassPrediction one = c.predict("the movie was really great");
            assertThat(one.labels()).containsExactly("negative", "positive");
            assertThat(one.probabilities()[0] + one.probabilities()[1]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
            assertThat(one.label()).isEqualTo(one.probability("positive") >= one.probability("negative")
                    ? "positive" : "negative");
            assertThat(one.probabilityMap()).containsOnlyKeys("negative", "positive");

            List<String> sentences = test.stream().map(TextExample::text).toList();
            List<ClassPrediction> batch = c.predict(sentences);
            assertThat(batch).hasSize(test.size());
            int correct = 0;
            for (int i = 0; i < test.size(); i++) {
                // a batch gives each text the probabilities it gets alone, bit for bit
                assertThat(batch.get(i).probabilities()).containsExactly(c.predict(sentences.get(i)).probabilities());
                correct += batch.get(i).label().equals(test.get(i).label()) ? 1 : 0;
            }
            ClassificationMetrics m = c.evaluate(LabeledData.of(test));
            assertThat(m.total()).isEqualTo(test.size());
            assertThat(m.accuracy()).isEqualTo((double) correct / test.size());
            assertThat(c.predict(List.of())).isEmpty();

            // the same folder read back
            Model loaded = graft.load(out);
            assertThat(loaded).isInstanceOf(Classifier.class);
            assertThat(((Classifier) loaded).predict("the movie was really great").probabilities())
                    .containsExactly(one.probabilities());
            assertThatThrownBy(() -> graft.load(out, Tagger.class)).hasMessageContaining("not a Tagger");
            assertThatThrownBy(() -> c.evaluate(LabeledData.of(List.of(TextExample.of("so so", "neutral")))))
                    .hasMessageContaining("neutral").hasMessageContaining("[negative, positive]");
            assertThatThrownBy(() -> c.evaluate(LabeledData.of(test).withTest(LabeledData.of(test))))
                    .hasMessageContaining("data.test()");
        }
    }

    @Test
    void aListenerThatThrowsStopsTheRunWithItsException(@TempDir Path tmp) throws IOException {
        Path corpus = corpus(tmp.resolve("corpus.txt"));
        TrainingListener failing = new TrainingListener() {
            @Override
            public void onStep(Step step) {
                if (step.step() == 2) {
                    throw new IllegalStateException("stop at 2");
                }
            }
        };
        try (Graft graft = Graft.withThreads(1)) {
            assertThatThrownBy(() -> graft.pretrain(tiny().withCorpus(corpus).withOut(tmp.resolve("p"))
                    .withListener(failing))).isInstanceOf(IllegalStateException.class).hasMessage("stop at 2");
        }
    }

    @Test
    void readsLabeledFilesWithAnExplicitDevSet(@TempDir Path tmp) throws IOException {
        Path train = Fixtures.writeClassification(tmp.resolve("train.jsonl"), Fixtures.sentiment(30, 21));
        Path dev = Fixtures.writeClassification(tmp.resolve("dev.jsonl"), Fixtures.sentiment(10, 22));
        Recorder events = new Recorder();
        try (Graft graft = Graft.withThreads(1)) {
            Classifier c = graft.fineTune(base.folder(), LabeledData.fromFile(train).withDev(LabeledData.fromFile(dev)),
                    FineTuneOptions.into(tmp.resolve("model")).withEpochs(1).withBatchSize(10).withListener(events));
            // all 30 training examples (no carve, since a dev set is given): 3 updates
            assertThat(events.steps).hasSize(3);
            String run = Files.readString(tmp.resolve("model/run.json"));
            assertThat(run).contains("\"train_size\" : 30").contains("\"dev_size\" : 10").contains(dev.toString());
            assertThat(c.evaluate(LabeledData.fromFile(dev)).total()).isEqualTo(10);
            assertThatThrownBy(() -> c.evaluate(LabeledData.fromFile(tmp.resolve("missing.jsonl"))))
                    .hasMessageContaining("missing.jsonl").hasMessageContaining("does not exist");
        }
    }

    @Test
    void fineTunesATaggerWhoseSpansPointIntoTheText(@TempDir Path out) throws IOException {
        List<TaggedSentence> test = tagged(12, 32);
        try (Graft graft = Graft.withThreads(2)) {
            Tagger t = graft.fineTune(base, LabeledData.ofTagged(tagged(40, 31)),
                    FineTuneOptions.into(out).withEpochs(2).withBatchSize(8));
            assertThat(t.labels()).containsExactlyInAnyOrder("B-LOC", "B-PER", "I-PER", "O");
            assertThat(t.chunkTags()).isTrue();
            String text = "  john   smith went to  paris ";
            Tagging g = t.tag(text);
            assertThat(g.tokens()).containsExactly("john", "smith", "went", "to", "paris");
            assertThat(g.tags()).hasSize(5).allSatisfy(tag -> assertThat(t.labels()).contains(tag));
            for (Tagging.Span s : g.spans()) {
                assertThat(text.substring(s.start(), s.end())).isEqualTo(s.text());
                assertThat(s.text()).startsWith(g.tokens().get(s.firstToken())).endsWith(g.tokens().get(s.lastToken()));
            }
            assertThat(t.tag("   ").tokens()).isEmpty();
            List<Tagging> batch = t.tag(List.of(text, "", "mary lives in rome"));
            assertThat(batch.get(0)).isEqualTo(g);
            assertThat(batch.get(1).tags()).isEmpty();
            assertThat(batch.get(2).tokens()).hasSize(4);

            long words = 0;
            long correct = 0;
            for (TaggedSentence s : test) {
                Tagging p = t.tag(String.join(" ", s.tokens()));
                for (int i = 0; i < s.tags().size(); i++) {
                    correct += p.tags().get(i).equals(s.tags().get(i)) ? 1 : 0;
                }
                words += s.tags().size();
            }
            TaggingMetrics m = t.evaluate(LabeledData.ofTagged(test));
            assertThat(m.words()).isEqualTo(words);
            assertThat(m.tokenAccuracy()).isEqualTo((double) correct / words);
            assertThat(graft.load(out, Tagger.class).tag(text)).isEqualTo(g);
        }
    }

    @Test
    void embedsWithTheFolderDefaults(@TempDir Path tmp) throws IOException {
        try (Graft graft = Graft.withThreads(2)) {
            Embedder e = graft.embedder(base.folder());
            assertThat(e.dimension()).isEqualTo(32);
            List<String> texts = List.of("the movie was great", "john went to paris", "a");
            float[][] v = e.embed(texts);
            assertThat(v).hasNumberOfRows(3);
            for (int i = 0; i < 3; i++) {
                assertThat(v[i]).hasSize(32);
                assertThat(v[i]).containsExactly(e.embed(List.of(texts.get(i)))[0]);
                assertThat(norm(v[i])).isNotCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3)); // not normalized
            }
            assertThatThrownBy(() -> e.embed(texts, "query")).hasMessageContaining("no prompts");

            // the same model with sentence-transformers settings: normalized, with a default prompt
            Path st = tmp.resolve("st");
            Files.createDirectories(st);
            for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
                Files.copy(base.folder().resolve(f), st.resolve(f));
            }
            new SentenceTransformersConfig(dev.graft.nn.Pooling.MEAN, true, 16,
                    java.util.Map.of("query", "query: "), "query").write(st, 32);
            Embedder n = graft.embedder(st);
            float[][] w = n.embed(texts);
            for (int i = 0; i < 3; i++) {
                assertThat(norm(w[i])).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            }
            // the default prompt is the "query" prompt: asking for it by name gives the same vectors
            assertThat(n.embed(texts, "query")[1]).containsExactly(w[1]);
            assertThatThrownBy(() -> n.embed(texts, "passage")).hasMessageContaining("query");
        }
    }

    @Test
    void refusesWhatItCannotDoWithMessagesThatSayWhatToDo(@TempDir Path tmp) {
        try (Graft graft = Graft.withThreads(1)) {
            assertThatThrownBy(() -> graft.load(base.folder())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no task head").hasMessageContaining("embedder");
            assertThatThrownBy(() -> graft.load(tmp.resolve("nothing"))).hasMessageContaining("does not exist");
            assertThatThrownBy(() -> graft.pretrain(PretrainOptions.of(tmp.resolve("p"), tmp.resolve("c.txt"))))
                    .hasMessageContaining("give a length: run.steps");
            assertThatThrownBy(() -> graft.fineTune(base, LabeledData.of(texts(10, 1)),
                    FineTuneOptions.into(null))).hasMessageContaining("FineTuneOptions.into");
            assertThatThrownBy(() -> graft.fineTune(base, LabeledData.of(texts(20, 1))
                    .withDev(LabeledData.of(List.of(TextExample.of("meh", "neutral")))), FineTuneOptions.into(tmp.resolve("f"))))
                    .hasMessageContaining("neutral");
            assertThatThrownBy(() -> Graft.withThreads(0)).hasMessageContaining("at least 1");
            assertThatThrownBy(() -> graft.fineTune(base, LabeledData.fromRegistry("no-such-set",
                    dev.graft.data.Split.TRAIN), FineTuneOptions.into(tmp.resolve("r"))))
                    .hasMessageContaining("no-such-set").hasMessageContaining("sentiment-uci");
        }
    }

    @Test
    void multiLabelAndPairModelsNameTheCommandThatServesThem(@TempDir Path tmp) throws IOException {
        StringBuilder multi = new StringBuilder();
        StringBuilder pairs = new StringBuilder();
        List<String[]> rows = Fixtures.sentiment(20, 41);
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            multi.append("{\"text\": \"").append(r[0]).append("\", \"labels\": [\"").append(r[1])
                    .append(i % 3 == 0 ? "\", \"long\"]}\n" : "\"]}\n");
            pairs.append("{\"text\": \"").append(r[0]).append("\", \"text_pair\": \"").append(rows.get(19 - i)[0])
                    .append("\", \"label\": \"").append(r[1]).append("\"}\n");
        }
        Files.writeString(tmp.resolve("multi.jsonl"), multi);
        Files.writeString(tmp.resolve("pairs.jsonl"), pairs);
        java.io.PrintStream quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        for (var task : List.of(dev.graft.model.HeadConfig.Task.MULTI_LABEL, dev.graft.model.HeadConfig.Task.PAIR)) {
            Path data = tmp.resolve(task == dev.graft.model.HeadConfig.Task.PAIR ? "pairs.jsonl" : "multi.jsonl");
            Path out = tmp.resolve(task.id());
            dev.graft.finetune.FineTuning.run(dev.graft.finetune.FineTuneSpec.builder(task, data.toString(), out)
                    .from(base.folder()).run(ro -> ro.withEpochs(1)).batchSize(10).run(ro -> ro.withThreads(1)).build(), quiet);
            try (Graft graft = Graft.withThreads(1)) {
                assertThatThrownBy(() -> graft.load(out)).isInstanceOf(UnsupportedOperationException.class)
                        .hasMessageContaining("graft predict --model " + out).hasMessageContaining("graft eval");
            }
        }
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}

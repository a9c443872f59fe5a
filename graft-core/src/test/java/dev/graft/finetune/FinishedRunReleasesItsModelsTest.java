package dev.graft.finetune;

import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
import dev.graft.data.Dataset;
import dev.graft.data.DatasetDefinition;
import dev.graft.data.LabelSet;
import dev.graft.data.ResolvedSet;
import dev.graft.data.Split;
import dev.graft.model.Backbone;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.HeadModel;
import dev.graft.model.ModelConfig;
import dev.graft.nn.Compute;
import dev.graft.task.ClassificationBatch;
import dev.graft.task.ClassificationTask;
import dev.graft.task.Encoded;
import dev.graft.task.Head;
import dev.graft.task.HeadTask;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 22 (memory): once a fine-tuning run returns (what one cell of {@code graft experiment} or {@code graft demo}
 * runs: its cross-validation folds, then the final run), none of the models it made is reachable any more: no
 * cache, thread-local, pool or result keeps one, so a process that runs cell after cell holds only the models
 * of the cells running. The models are seen through a head that hands out the classification head's models
 * and keeps weak references to them.
 */
class FinishedRunReleasesItsModelsTest {
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);

    @AfterAll
    static void close() {
        ONE.close();
    }

    @Test
    void noModelOfAFinishedCrossValidatedRunStaysReachable(@TempDir Path dir) throws Exception {
        Path encoder = Fixtures.checkpoint(dir.resolve("enc"), COMPUTE, Fixtures.wordPiece(),
                ModelConfig.Architecture.ENCODER);
        List<WeakReference<HeadModel>> made = new ArrayList<>();
        Recording head = new Recording(ClassificationTask.HEAD, made);
        FineTuneSpec spec = FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, "keywords", dir.resolve("out"))
                .from(encoder).folds(2).learningRates(List.of(1e-3f))
                .run(ro -> ro.withEpochs(2).withSeed(3).withThreads(2)).build();
        FineTuneResult r = FineTuning.run(spec, head, new LabeledSplits<>(Fixtures.sentimentData(24, 20, "t"), null,
                Fixtures.sentimentData(12, 21, "x"), null), QUIET);

        assertThat(r.selection()).as("the run cross-validated").isNotNull();
        assertThat(made).as("two fold runs and the final run, each with its model").hasSize(3);
        for (int i = 0; i < 50 && made.stream().anyMatch(w -> w.get() != null); i++) {
            System.gc();
            Thread.sleep(20);
        }
        for (int i = 0; i < made.size(); i++) {
            assertThat(made.get(i).get()).as("model %d of %d is still reachable after the run returned", i + 1,
                    made.size()).isNull();
        }
        assertThat(r.testScore()).as("the result is still here (and holds no model)").isBetween(0.0, 1.0);
    }

    /** The classification head, recording every model it makes (weakly). */
    private record Recording(Head<ClassificationExample, ClassificationBatch> of, List<WeakReference<HeadModel>> made)
            implements Head<ClassificationExample, ClassificationBatch> {
        @Override
        public HeadConfig.Task task() {
            return of.task();
        }

        @Override
        public DatasetDefinition.SetKind registryKind() {
            return of.registryKind();
        }

        @Override
        public Dataset<ClassificationExample> fromRegistry(ResolvedSet set, Split split) throws IOException {
            return of.fromRegistry(set, split);
        }

        @Override
        public Dataset<ClassificationExample> readFile(Path file, Columns columns, LabelSet known, BadInput bad)
                throws IOException {
            return of.readFile(file, columns, known, bad);
        }

        @Override
        public LabelSet labels(Dataset<ClassificationExample> train) {
            return of.labels(train);
        }

        @Override
        public String labelWord() {
            return of.labelWord();
        }

        @Override
        public String modelWord() {
            return of.modelWord();
        }

        @Override
        public int defaultBatchSize() {
            return of.defaultBatchSize();
        }

        @Override
        public Encoded<ClassificationBatch> encode(Tokenizer tokenizer, List<ClassificationExample> examples,
                                                   LabelSet labels, int maxLength, int padId) {
            return of.encode(tokenizer, examples, labels, maxLength, padId);
        }

        @Override
        public void describeData(PrintStream log, LabelSet labels, int maxLength, Encoded<ClassificationBatch> train,
                                 Encoded<ClassificationBatch> dev, Encoded<ClassificationBatch> test) {
            of.describeData(log, labels, maxLength, train, dev, test);
        }

        @Override
        public HeadModel newModel(Compute compute, Backbone backbone, HeadConfig config, long seed) {
            HeadModel m = of.newModel(compute, backbone, config, seed);
            made.add(new WeakReference<>(m));
            return m;
        }

        @Override
        public HeadTask<ClassificationExample, ClassificationBatch> task(HeadModel model, HeadConfig config,
                List<ClassificationExample> devGold, Encoded<ClassificationBatch> dev, int evalBatchSize,
                Checkpoint.Extras modelExtras) {
            return of.task(model, config, devGold, dev, evalBatchSize, modelExtras);
        }

        @Override
        public HeadTask<ClassificationExample, ClassificationBatch> task(HeadModel model, HeadConfig config) {
            return of.task(model, config);
        }
    }
}

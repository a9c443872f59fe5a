package dev.graft.finetune;

import dev.graft.model.HeadConfig;
import dev.graft.model.HeadModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.nn.Compute;
import dev.graft.task.ClassificationTask;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 22 (memory): what a fine-tuning run holds.
 * <ul>
 * <li>Once a run returns (what one cell of {@code graft experiment} or {@code graft demo} runs: its
 * cross-validation folds, then the final run), none of the models it made is reachable any more: no cache,
 * thread-local, pool or result keeps one, so a process that runs cell after cell holds only the models of the
 * cells running. The models are seen through a head that hands out the classification head's models.</li>
 * <li>A run evaluates (its dev set during training, then dev and test at the end) in batches of its training
 * batch's size, so the layers' activation buffers, which grow to the largest batch a model has run, stay at the
 * training batch's size. They used to grow to evaluation batches of 64 texts, four times the rows of a training
 * batch of 16: the peak of two all-MiniLM-L6-v2 cells in {@code graft demo}.</li>
 * <li>While a run trains, the slabs of the language model it was loaded as (values and gradients, each the
 * size of the whole model) are no longer reachable: the head model moved the body's parameters into slabs of
 * its own. They used to stay reachable through the run's starting point: 182 MB of a MiniLM run's 917 MB of
 * live float arrays.</li>
 * </ul>
 */
class FineTuningMemoryTest {
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
        RecordingHead head = new RecordingHead(ClassificationTask.HEAD, m -> made.add(new WeakReference<>(m)));
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

    @Test
    void evaluationRunsNoBatchLargerThanTraining(@TempDir Path dir) throws Exception {
        Path encoder = Fixtures.checkpoint(dir.resolve("enc"), COMPUTE, Fixtures.wordPiece(),
                ModelConfig.Architecture.ENCODER);
        List<HeadModel> made = new ArrayList<>();
        int batch = 3;
        int maxLength = 12;
        FineTuneSpec spec = FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, "keywords", dir.resolve("out"))
                .from(encoder).batchSize(batch).maxLength(maxLength).learningRate(1e-3f)
                .run(ro -> ro.withEpochs(2).withSeed(5).withThreads(1)).build();
        int dev = 25;
        int test = 41;
        FineTuneResult r = FineTuning.run(spec, new RecordingHead(ClassificationTask.HEAD, made::add),
                new LabeledSplits<>(Fixtures.sentimentData(30, 7, "t"), Fixtures.sentimentData(dev, 8, "d"),
                        Fixtures.sentimentData(test, 9, "x"), null), QUIET);

        assertThat(r.testScore()).as("the test set was scored").isBetween(0.0, 1.0);
        assertThat(made).as("one run, one model").hasSize(1);
        SequenceClassifier model = (SequenceClassifier) made.get(0);
        int hidden = model.config().hiddenSize();
        int rows = model.backbone().blockOutput(0).length / hidden;
        // a batch of B texts of at most maxLength tokens has at most B * maxLength rows (tokens); the test set in one
        // batch of 64 would have had at least 41 texts of 5 or more tokens (3 words and two specials)
        assertThat(rows).as("rows of the largest batch the first block ever ran")
                .isLessThanOrEqualTo(batch * maxLength)
                .isLessThan(test * 5);
    }

    @Test
    void theLanguageModelsSlabsAreFreeWhileTheHeadTrains(@TempDir Path dir) throws Exception {
        Path encoder = Fixtures.checkpoint(dir.resolve("enc"), COMPUTE, Fixtures.wordPiece(),
                ModelConfig.Architecture.ENCODER);
        List<WeakReference<float[]>> slabs = new ArrayList<>();
        List<Boolean> freed = new ArrayList<>();
        RecordingHead head = new RecordingHead(ClassificationTask.HEAD, m -> { },
                body -> {
                    // the body's parameters still live in the slabs of the language model they were loaded into
                    var p = body.parameters().get(0);
                    slabs.add(new WeakReference<>(p.value().data()));
                    slabs.add(new WeakReference<>(p.grad().data()));
                },
                () -> {
                    for (int i = 0; i < 50 && slabs.stream().anyMatch(w -> w.get() != null); i++) {
                        System.gc();
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    freed.add(slabs.stream().allMatch(w -> w.get() == null));
                });
        FineTuneSpec spec = FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, "keywords", dir.resolve("out"))
                .from(encoder).learningRate(1e-3f).run(ro -> ro.withEpochs(1).withSeed(4).withThreads(1)).build();
        FineTuneResult r = FineTuning.run(spec, head, new LabeledSplits<>(Fixtures.sentimentData(20, 7, "t"), null,
                Fixtures.sentimentData(10, 9, "x"), null), QUIET);

        assertThat(r.testScore()).as("the run trained and scored its test set").isBetween(0.0, 1.0);
        assertThat(slabs).as("a value and a gradient slab of the one model").hasSize(2);
        assertThat(freed).as("checked once, when the run asked for its training task").hasSize(1);
        assertThat(freed.get(0)).as("the language model's slabs were collectable before training began").isTrue();
    }
}

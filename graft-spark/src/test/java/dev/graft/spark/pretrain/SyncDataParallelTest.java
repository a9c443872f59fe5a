package dev.graft.spark.pretrain;

import dev.graft.model.ModelOverrides;
import dev.graft.model.SafeTensors;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.pretrain.Pretraining;
import dev.graft.spark.Fixtures;
import dev.graft.train.Trainer;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The synchronous mode equals single-process gradient accumulation over the same micro-batches. */
class SyncDataParallelTest {

    private static PretrainSpec.Builder spec(Path out, int accumulate) throws IOException {
        Path corpus = Fixtures.corpus("sync-corpus.txt", 300, 6);
        return PretrainSpec.builder("bert-tiny", List.of(corpus.toString()), out)
                .model(new ModelOverrides(1, 32, 2, 37, null))
                .tokenizer(tok -> tok.withVocabSize(99)).seqLen(24).batchSize(4).accumulate(accumulate)
                .run(ro -> ro.withSteps(4)).monitoring(mon -> mon.withIntervals(1, 0, 2)).run(ro -> ro.withThreads(1)
                .withSeed(5)).optimizer(opt -> opt.withLearningRate(1e-3f));
    }

    @Test
    void twoWorkersEqualAccumulationOverTheSameMicroBatches() throws IOException {
        SparkSession spark = Fixtures.spark();
        Path root = Files.createTempDirectory(Fixtures.root(), "sync");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        // one process: 4 micro-batches per update
        Pretraining.run(spec(root.resolve("single"), 4).build(), quiet);
        // two workers, 2 micro-batches each per update: the same 4 micro-batches
        Trainer.Summary s = SyncDataParallel.run(spec(root.resolve("sync"), 2).build(), 2, spark, quiet);
        assertThat(s.steps()).isEqualTo(4);

        Map<Long, Double> expected = DilocoTest.losses(root.resolve("single"));
        Map<Long, Double> actual = DilocoTest.losses(root.resolve("sync"));
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet()).hasSize(4);
        for (long step : expected.keySet()) {
            assertThat(actual.get(step)).as("step %d", step).isCloseTo(expected.get(step),
                    within(1e-6 * Math.abs(expected.get(step))));
        }
        Map<String, SafeTensors.Entry> a = DilocoTest.weights(root.resolve("sync"));
        Map<String, SafeTensors.Entry> b = DilocoTest.weights(root.resolve("single"));
        for (String name : a.keySet()) {
            float[] x = a.get(name).floats();
            float[] y = b.get(name).floats();
            for (int i = 0; i < x.length; i++) {
                assertThat(x[i]).as("%s[%d]", name, i).isCloseTo(y[i], within(1e-6f));
            }
        }
        assertThat(Trainer.checkpoints(root.resolve("sync"))).isNotEmpty();
    }

    @Test
    void aResumedRunTakesTheSameSteps() throws IOException {
        SparkSession spark = Fixtures.spark();
        Path run = Files.createTempDirectory(Fixtures.root(), "sync-resume").resolve("run");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        SyncDataParallel.run(spec(run, 1).monitoring(mon -> mon.withKeepCheckpoints(3)).build(), 2, spark, quiet);
        Map<Long, Double> whole = DilocoTest.losses(run);
        Map<String, SafeTensors.Entry> weights = DilocoTest.weights(run);
        // as if the driver had died after the checkpoint of step 2: the later checkpoint and the model are gone
        dev.graft.model.AtomicFiles.deleteRecursively(run.resolve("checkpoint-0000004"));
        Files.delete(run.resolve("model.safetensors"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer.Summary s = SyncDataParallel.run(spec(run, 1).monitoring(mon -> mon.withKeepCheckpoints(3))
                .run(ro -> ro.withResume(true)).build(), 2, spark,
                new PrintStream(log, true));
        assertThat(log.toString()).contains("resuming from checkpoint-0000002 (step 2)");
        assertThat(s.steps()).isEqualTo(4);
        assertThat(DilocoTest.losses(run)).isEqualTo(whole).hasSize(4);
        Map<String, SafeTensors.Entry> again = DilocoTest.weights(run);
        for (String name : weights.keySet()) {
            assertThat(again.get(name).floats()).as(name).containsExactly(weights.get(name).floats());
        }
    }
}

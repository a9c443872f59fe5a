package dev.graft.spark.pretrain;

import dev.graft.model.ModelOverrides;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.model.Checkpoint;
import dev.graft.model.SafeTensors;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.pretrain.Pretraining;
import dev.graft.spark.Fixtures;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** DiLoCo on local Spark against graft's single-process pretraining, and resume. */
class DilocoTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tiny BERT (vocabulary 99, hidden 32, feed-forward 37, one layer) at one thread. */
    private static PretrainSpec.Builder spec(Path out, int steps) throws IOException {
        Path corpus = Fixtures.corpus("diloco-corpus.txt", 300, 4);
        return PretrainSpec.builder("bert-tiny", List.of(corpus.toString()), out)
                .model(new ModelOverrides(1, 32, 2, 37, null))
                .tokenizer(tok -> tok.withVocabSize(99)).seqLen(24).batchSize(8).run(ro -> ro.withSteps(steps))
                .monitoring(mon -> mon.withIntervals(1, 0, mon.checkpointEvery())).run(ro -> ro.withThreads(1)
                .withSeed(3)).optimizer(opt -> opt.withLearningRate(1e-3f));
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    /** Step to loss of the "train" records. */
    static Map<Long, Double> losses(Path run) throws IOException {
        Map<Long, Double> m = new TreeMap<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.path("type").asText().equals("train")) {
                m.put(n.path("step").asLong(), n.path("loss").asDouble());
            }
        }
        return m;
    }

    static Map<String, SafeTensors.Entry> weights(Path run) throws IOException {
        return SafeTensors.read(run.resolve(Checkpoint.WEIGHTS));
    }

    @Test
    void oneWorkerWithOuterLrOneAndNoMomentumTrainsAsGraftPretrain() throws IOException {
        SparkSession spark = Fixtures.spark();
        Path root = Files.createTempDirectory(Fixtures.root(), "diloco-k1");
        Pretraining.Result single = Pretraining.run(spec(root.resolve("single"), 6).build(), quiet());
        assertThat(single.trainer().steps()).isEqualTo(6);

        Path dist = root.resolve("diloco");
        Diloco.Result r = Diloco.run(spec(dist, 6).build(), new DilocoSettings(1, 3, 1.0, 0.0, true, 0), spark,
                quiet());
        assertThat(r.rounds()).isEqualTo(2);
        assertThat(r.innerSteps()).isEqualTo(6);

        Map<Long, Double> expected = losses(root.resolve("single"));
        Map<Long, Double> actual = losses(dist);
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet()).hasSize(6);
        for (long step : expected.keySet()) {
            if (step <= 3) { // the first round starts from the same parameters: the same floats
                assertThat(actual.get(step)).as("step %d", step).isEqualTo(expected.get(step));
            } else { // later rounds from θ - (θ - θ'), which may differ from θ' in the last bit
                assertThat(actual.get(step)).as("step %d", step).isCloseTo(expected.get(step), within(1e-5));
            }
        }
        Map<String, SafeTensors.Entry> a = weights(dist);
        Map<String, SafeTensors.Entry> b = weights(root.resolve("single"));
        assertThat(a.keySet()).isEqualTo(b.keySet());
        for (String name : a.keySet()) {
            float[] x = a.get(name).floats();
            float[] y = b.get(name).floats();
            for (int i = 0; i < x.length; i++) {
                assertThat(x[i]).as("%s[%d]", name, i).isCloseTo(y[i], within(1e-5f));
            }
        }
        // the final model is an ordinary graft checkpoint with its tokenizer
        assertThat(dist.resolve(Checkpoint.TOKENIZER)).exists();
        assertThat(dist.resolve(Checkpoint.CONFIG)).exists();
    }

    @Test
    void twoWorkersResumedFromARoundCheckpointGiveTheSameLosses() throws IOException {
        SparkSession spark = Fixtures.spark();
        Path root = Files.createTempDirectory(Fixtures.root(), "diloco-resume");
        DilocoSettings paper = DilocoSettings.paper(2, 2);
        Path whole = root.resolve("whole");
        Diloco.Result full = Diloco.run(spec(whole, 6).monitoring(mon -> mon.withKeepCheckpoints(5))
                .build(), paper, spark, quiet());
        assertThat(full.rounds()).isEqualTo(3);

        Path split = root.resolve("split");
        Diloco.Result first = Diloco.run(spec(split, 6).monitoring(mon -> mon.withKeepCheckpoints(5)).build(),
                new DilocoSettings(2, 2, 0.7, 0.9, true, 1), spark, quiet()); // "killed" after round 1
        assertThat(first.rounds()).isEqualTo(1);
        assertThat(first.stoppedBy()).isEqualTo("rounds");
        assertThat(split.resolve(Checkpoint.WEIGHTS)).doesNotExist();
        Diloco.Result rest = Diloco.run(spec(split, 6).monitoring(mon -> mon.withKeepCheckpoints(5))
                .run(ro -> ro.withResume(true)).build(), paper, spark, quiet());
        assertThat(rest.rounds()).isEqualTo(3);

        assertThat(losses(split)).isEqualTo(losses(whole)).hasSize(6);
        Map<String, SafeTensors.Entry> a = weights(whole);
        Map<String, SafeTensors.Entry> b = weights(split);
        for (String name : a.keySet()) {
            assertThat(b.get(name).floats()).as(name).containsExactly(a.get(name).floats());
        }
        // two workers train on different batches: their first-step losses are not one worker's
        assertThat(Diloco.roundCheckpoints(whole)).hasSize(3);
        assertThat(InnerJob.stateFile(whole, 1, 3)).exists();
    }

    @Test
    void resumingWithOtherWorkersIsAClearError() throws IOException {
        SparkSession spark = Fixtures.spark();
        Path run = Files.createTempDirectory(Fixtures.root(), "diloco-mismatch").resolve("run");
        Diloco.run(spec(run, 4).build(), new DilocoSettings(1, 2, 0.7, 0.9, true, 1), spark, quiet());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Diloco.run(spec(run, 4)
                .run(ro -> ro.withResume(true)).build(),
                        DilocoSettings.paper(2, 2), spark, quiet()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the run was started with workers 1; resume it with the same workers");
    }
}

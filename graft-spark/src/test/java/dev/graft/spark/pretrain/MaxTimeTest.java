package dev.graft.spark.pretrain;

import dev.graft.model.ModelOverrides;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.SpecException;
import dev.graft.model.Checkpoint;
import dev.graft.model.SafeTensors;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.spark.Fixtures;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DiLoCo with --max-time (rounds fitted to the budget), its resume, the rounds' timing records, --skip-nonfinite. */
class MaxTimeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static PretrainSpec.Builder spec(Path out, double budgetSeconds) throws IOException {
        Path corpus = Fixtures.corpus("max-time-corpus.txt", 300, 8);
        return PretrainSpec.builder("bert-tiny", List.of(corpus.toString()), out)
                .model(new ModelOverrides(1, 32, 2, 37, null))
                .tokenizer(tok -> tok.withVocabSize(99)).seqLen(24).batchSize(8)
                .monitoring(mon -> mon.withIntervals(1, 0, mon.checkpointEvery())).run(ro -> ro.withThreads(1)
                .withSeed(5))
                .optimizer(opt -> opt.withLearningRate(1e-3f)).monitoring(mon -> mon.withKeepCheckpoints(1))
                .run(ro -> ro.withMaxTime(Duration.ofMillis((long) (budgetSeconds * 1000))));
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    private static List<JsonNode> records(Path run, String type) throws IOException {
        List<JsonNode> list = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.path("type").asText().equals(type)) {
                list.add(n);
            }
        }
        return list;
    }

    @Test
    void theRoundsFillTheBudgetAndAResumedRunKeepsToIt() throws IOException {
        SparkSession spark = Fixtures.spark();
        Path run = Files.createTempDirectory(Fixtures.root(), "max-time").resolve("run");
        // a budget of a minute, stopped after two rounds (as a killed driver would be)
        Diloco.Result first = Diloco.run(spec(run, 60).build(), new DilocoSettings(2, 3, 0.7, 0.9, true, 2), spark,
                quiet());
        assertThat(first.stoppedBy()).isEqualTo("rounds");
        assertThat(first.rounds()).isEqualTo(2);
        assertThat(records(run, "plan")).hasSize(1);
        assertThat(run.resolve(Checkpoint.WEIGHTS)).doesNotExist();
        // resuming without the budget is a clear error
        assertThatThrownBy(() -> Diloco.run(spec(run, 60).run(ro -> ro.withMaxTime(null).withSteps(30)
                .withResume(true)).build(),
                DilocoSettings.paper(2, 3), spark, quiet()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resume it with the same maxTime");

        // resumed with a budget 6 s beyond the time spent: the budget counts the whole run's training
        double spent = records(run, "round").get(1).path("elapsed_s").asDouble();
        double budget = spent + 6;
        Diloco.Result rest = Diloco.run(spec(run, budget).run(ro -> ro.withResume(true))
                .build(), DilocoSettings.paper(2, 3), spark,
                quiet());
        assertThat(rest.stoppedBy()).isEqualTo("time");
        assertThat(rest.rounds()).isGreaterThan(2);
        assertThat(rest.innerSteps()).isEqualTo(3 * rest.rounds());
        assertThat(run.resolve(Checkpoint.WEIGHTS)).exists();

        List<JsonNode> rounds = records(run, "round");
        assertThat(rounds).hasSize((int) rest.rounds());
        double maxRound = 0;
        for (int i = 0; i < rounds.size(); i++) {
            JsonNode r = rounds.get(i);
            assertThat(r.path("round").asLong()).isEqualTo(i + 1);
            assertThat(r.path("step").asLong()).isEqualTo(3L * (i + 1));
            maxRound = Math.max(maxRound, r.path("seconds").asDouble());
            // where the round's time went: the parts are within the whole
            double seconds = r.path("seconds").asDouble();
            assertThat(r.path("compute_seconds_max").asDouble()).isPositive().isLessThanOrEqualTo(seconds);
            assertThat(r.path("task_seconds_max").asDouble())
                    .isGreaterThanOrEqualTo(r.path("compute_seconds_max").asDouble());
            assertThat(r.path("job_seconds").asDouble()).isLessThanOrEqualTo(seconds)
                    .isGreaterThanOrEqualTo(r.path("task_seconds_max").asDouble());
            assertThat(r.path("overhead_seconds").asDouble())
                    .isCloseTo(seconds - r.path("compute_seconds_max").asDouble(),
                            org.assertj.core.api.Assertions.within(1e-9));
            assertThat(r.path("round_tokens").asLong()).isPositive();
            assertThat(r.path("parameter_bytes_moved").asLong())
                    .isEqualTo(2L * 2 * r.path("broadcast_bytes").asLong());
        }
        // the broadcast is the model's float32 parameters
        long parameters = SafeTensors.read(run.resolve(Checkpoint.WEIGHTS)).values().stream()
                .mapToLong(e -> e.floats().length).sum();
        assertThat(rounds.get(0).path("broadcast_bytes").asLong()).isEqualTo(4 * parameters);
        // the run ends in the round during which the budget runs out, or when no further round fits its planned
        // share at the measured pace; the elapsed time counts across the resume
        double elapsed = rounds.get(rounds.size() - 1).path("elapsed_s").asDouble();
        assertThat(elapsed).isLessThanOrEqualTo(budget + maxRound + 1)
                .isGreaterThanOrEqualTo(budget * Diloco.PLAN_SHARE - maxRound);
        assertThat(rounds.get(rounds.size() - 1).path("planned_rounds").asLong()).isEqualTo(rest.rounds());
        JsonNode state = JSON.readTree(Diloco.latestRound(run).resolve(Checkpoint.TRAINING_STATE)
                .resolve(Diloco.ROUND_STATE).toFile());
        assertThat(state.path("max_time_seconds").asDouble()).isCloseTo(budget,
                org.assertj.core.api.Assertions.within(0.001));
        assertThat(state.path("total_inner_steps").asLong()).isEqualTo(rest.innerSteps());
    }

    @Test
    void stepsBoundATimedRun() throws IOException {
        SparkSession spark = Fixtures.spark();
        Path run = Files.createTempDirectory(Fixtures.root(), "max-time-steps").resolve("run");
        Diloco.Result r = Diloco.run(spec(run, 600).run(ro -> ro.withSteps(4).withMaxTime(Duration.ofMinutes(10)))
                .build(),
                DilocoSettings.paper(2, 2), spark, quiet());
        assertThat(r.stoppedBy()).isEqualTo("steps");
        assertThat(r.rounds()).isEqualTo(2);
        assertThat(r.innerSteps()).isEqualTo(4);
    }

    @Test
    void aBudgetThatDoesNotFitOneRoundIsAClearError() throws IOException {
        SparkSession spark = Fixtures.spark();
        Path run = Files.createTempDirectory(Fixtures.root(), "max-time-short").resolve("run");
        assertThatThrownBy(() -> Diloco.run(spec(run, 0.001).build(), DilocoSettings.paper(2, 3), spark, quiet()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit one round of 3 inner steps")
                .hasMessageContaining("give a longer maxTime or fewer innerSteps");
    }

    @Test
    void fitRoundsPlansWhatFitsTheBudgetsShare() {
        // 100 s budget, 97 s planned; 10 s gone, 8.5 s a round: 10 more rounds
        assertThat(Diloco.fitRounds(3, 10, 100, 8.5, Long.MAX_VALUE, 5)).isEqualTo(13);
        // capped by --steps 42 at H = 5 (9 rounds), never below the rounds done
        assertThat(Diloco.fitRounds(3, 10, 100, 8.5, 42, 5)).isEqualTo(9);
        assertThat(Diloco.fitRounds(3, 99, 100, 8.5, Long.MAX_VALUE, 5)).isEqualTo(3);
    }

    @Test
    void aDivergingRunStopsWithWhatToDoWithOrWithoutSkipNonFinite() throws IOException {
        SparkSession spark = Fixtures.spark();
        Path root = Files.createTempDirectory(Fixtures.root(), "nonfinite");
        assertThatThrownBy(() -> Diloco.run(spec(root.resolve("a"), 1).run(ro -> ro.withMaxTime(null).withSteps(6))
                .optimizer(opt -> opt.withLearningRate(1e30f)).build(),
                DilocoSettings.paper(2, 3), spark, quiet()))
                .isInstanceOf(SpecException.class).hasMessageContaining("the loss became")
                .hasMessageEndingWith("with a lower learningRate, or set skipNonFinite to skip such steps")
                .extracting(e -> ((SpecException) e).fields()).isEqualTo(List.of("learningRate", "skipNonFinite"));
        // skipping: no update from a non-finite loss; once every further step diverges too, a clear stop
        assertThatThrownBy(() -> Diloco.run(spec(root.resolve("b"), 1).run(ro -> ro.withMaxTime(null).withSteps(6))
                .optimizer(opt -> opt.withLearningRate(1e30f))
                        .skipNonFinite(true).build(), DilocoSettings.paper(2, 3), spark, quiet()))
                .isInstanceOf(SpecException.class).hasMessageContaining("skipped 3 inner steps")
                .hasMessageEndingWith("with a lower learningRate");
    }
}

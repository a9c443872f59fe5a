package dev.graft.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Item 10 of issue 23, the rough edges: short usage errors, durations as written, this run's and the total time. */
class RoughEdgesTest {
    @TempDir
    Path dir;

    @Test
    void aUsageErrorIsOneLineAndWhereToLook() {
        ChildJvm.Result r = CliFixtures.run("", "pretrain", "--arch", "bert-tiny", "--corpus", "x.txt", "--out", "o",
                "--stpes", "5");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("graft: Unknown options: '--stpes'", "Possible solutions: --steps", "see 'graft pretrain --help'")
                .doesNotContain("Usage:");
        assertThat(r.err().lines().count()).as(r.err()).isLessThanOrEqualTo(4);
        ChildJvm.Result missing = CliFixtures.run("", "tokenizer", "train", "--type", "bpe");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("Missing required", "see 'graft tokenizer train --help'")
                .doesNotContain("Usage:");
    }

    @Test
    void durationsArePrintedAsWritten() {
        ChildJvm.Result r = CliFixtures.run("", "pretrain", "--arch", "bert-tiny", "--corpus", "x.txt", "--out",
                dir.resolve("o").toString(), "--max-time", "0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--max-time must be more than 0, got 0s").doesNotContain("PT0S");
    }

    @Test
    void afterAResumeTheSummaryGivesThisRunsTimeAndTheTotal() throws IOException {
        Path corpus = CliFixtures.corpus(dir, 60);
        Path run = dir.resolve("run");
        ChildJvm.Result first = CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "3"));
        assertThat(first.exit()).as(first.both()).isZero();
        ChildJvm.Result second = CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "6", "--resume"));
        assertThat(second.exit()).as(second.both()).isZero();
        var firstSummary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                first.out().lines().reduce((a, b) -> b).orElseThrow());
        var summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                second.out().lines().reduce((a, b) -> b).orElseThrow());
        double total = summary.path("wall_s").asDouble();
        double thisRun = summary.path("run_wall_s").asDouble();
        assertThat(summary.has("run_wall_s")).isTrue();
        assertThat(thisRun).isLessThanOrEqualTo(total);
        assertThat(total).isCloseTo(firstSummary.path("wall_s").asDouble() + thisRun,
                org.assertj.core.data.Offset.offset(0.25));
        assertThat(firstSummary.path("run_wall_s").asDouble()).isEqualTo(firstSummary.path("wall_s").asDouble());
    }
}

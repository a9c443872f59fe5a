package dev.graft.experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.graft.experiment.ReportFixtures.OWN;
import static dev.graft.experiment.ReportFixtures.cells;
import static dev.graft.experiment.ReportFixtures.context;
import static dev.graft.experiment.ReportFixtures.pretrainedWins;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PretrainingSweepTest {
    static final CellResult.Cost QUARTER = new CellResult.Cost(1_250_000L, 60_000L, 1e13, 300, 30);
    static final CellResult.Cost HALF = new CellResult.Cost(2_500_000L, 60_000L, 1e13, 600, 30);

    /**
     * {@link ReportFixtures#pretrainedWins()} (full transfer at 5 M pretraining tokens) plus transfer after
     * 1.25 M and 2.5 M tokens, seeds 1-3:
     * <pre>
     *                  1.25 M          2.5 M           5 M (full)      slope per seed
     * 50 labels        .55 .59 .55     .59 .55 .55     .57 .55 .59     +.01 -.02 +.02: mean .0033, std .0208 (flat)
     * 200 labels       .57 .60 .63     .59 .62 .65     .61 .64 .67     +.02 each: rising, std 0
     * </pre>
     * At 200, bow (.70) is .06 above transfer (.64): 3 doublings (8 times); pretrained (.87) .23 above:
     * 11.5 doublings (2,896 times); scratch (.62) is below: reached.
     */
    static List<CellResult> withSweep() {
        List<CellResult> r = new ArrayList<>(pretrainedWins());
        r.addAll(cells("transfer@0.25", "50", 50, QUARTER, 0.55, 0.59, 0.55));
        r.addAll(cells("transfer@0.5", "50", 50, HALF, 0.59, 0.55, 0.55));
        r.addAll(cells("transfer@0.25", "200", 200, QUARTER, 0.57, 0.60, 0.63));
        r.addAll(cells("transfer@0.5", "200", 200, HALF, 0.59, 0.62, 0.65));
        return r;
    }

    @Test
    void fitsTheScorePerDoublingOfPretrainingPerSeedAndExtrapolatesOnlyWhereItRises() {
        PretrainingSweep sweep = PretrainingSweep.of(withSweep()).orElseThrow();
        assertThat(sweep.budgets()).extracting(PretrainingSweep.Budget::budget)
                .as("'all' has only the full run: no sweep there").containsExactly("50", "200");

        PretrainingSweep.Budget b200 = sweep.budgets().get(1);
        assertThat(b200.points()).extracting(PretrainingSweep.Point::arm)
                .containsExactly("transfer@0.25", "transfer@0.5", "transfer");
        assertThat(b200.points()).extracting(PretrainingSweep.Point::tokens)
                .containsExactly(1_250_000L, 2_500_000L, 5_000_000L);
        assertThat(b200.slope()).isCloseTo(0.02, within(1e-9));
        assertThat(b200.slopeStd()).isCloseTo(0.0, within(1e-9));
        assertThat(b200.seeds()).isEqualTo(3);
        assertThat(b200.trend()).isEqualTo(PretrainingSweep.Trend.RISING);
        assertThat(b200.targets()).extracting(PretrainingSweep.Target::strategy)
                .containsExactly("scratch", "bow", "pretrained");
        assertThat(b200.targets().get(0).doublings()).as("scratch .62 is below transfer's .64").isZero();
        assertThat(b200.targets().get(1).doublings()).isCloseTo(3.0, within(1e-6));
        assertThat(b200.targets().get(1).multiple()).isCloseTo(8.0, within(1e-5));
        assertThat(b200.targets().get(2).doublings()).isCloseTo(11.5, within(1e-6));

        PretrainingSweep.Budget b50 = sweep.budgets().get(0);
        assertThat(b50.slope()).isCloseTo(0.01 / 3, within(1e-9));
        assertThat(b50.slopeStd()).isCloseTo(Math.sqrt((Math.pow(-0.02 - 0.01 / 3, 2) + Math.pow(0.01 - 0.01 / 3, 2)
                + Math.pow(0.02 - 0.01 / 3, 2)) / 2), within(1e-9));
        assertThat(b50.trend()).isEqualTo(PretrainingSweep.Trend.FLAT);
        assertThat(b50.extrapolates()).isFalse();
        assertThat(b50.targets().get(0).doublings()).as("scratch .56 is below transfer's .57").isZero();
        assertThat(b50.targets().get(1).doublings()).as("bow above, flat slope: no estimate").isNaN();
    }

    @Test
    void aFallingSlopeAndASingleSeedAreToldApart() {
        List<CellResult> r = new ArrayList<>(pretrainedWins());
        // 200 labels: every seed falls by .03 per doubling
        r.addAll(cells("transfer@0.5", "200", 200, HALF, 0.64, 0.67, 0.70));
        PretrainingSweep.Budget falling = PretrainingSweep.of(r).orElseThrow().budgets().get(0);
        assertThat(falling.trend()).isEqualTo(PretrainingSweep.Trend.FALLING);
        assertThat(falling.slope()).isCloseTo(-0.03, within(1e-9));

        List<CellResult> one = new ArrayList<>();
        one.addAll(cells("transfer", "50", 50, OWN, 0.60));
        one.addAll(cells("transfer@0.5", "50", 50, HALF, 0.55));
        one.addAll(cells("pretrained", "50", 50, ReportFixtures.MINILM, 0.80));
        PretrainingSweep.Budget single = PretrainingSweep.of(one).orElseThrow().budgets().get(0);
        assertThat(single.trend()).isEqualTo(PretrainingSweep.Trend.ONE_SEED);
        assertThat(single.slopeStd()).isNaN();
        assertThat(single.extrapolates()).isTrue();
        assertThat(single.targets().get(0).doublings()).isCloseTo(0.20 / 0.05, within(1e-6));
    }

    @Test
    void theValidationLossAcrossTheSweepRunsIsFittedPerDoubling() {
        // the three runs' final losses: 7.0, 6.7, 6.4 at 1.25 M, 2.5 M, 5 M tokens (-0.3 per doubling); a run
        // with other token counts (a merged run) is not one of them
        List<PretrainingSummary> runs = List.of(run("base-0.25x", 1_250_000L, 7.0), run("base-0.5x", 2_500_000L, 6.7),
                run("base", 5_000_000L, 6.4), run("merged", 4_900_000L, 9.9));
        PretrainingSweep.Budget b = PretrainingSweep.of(withSweep()).orElseThrow().budgets().get(0);
        assertThat(ReportFindings.sweepLossSlope(b, context(runs))).isCloseTo(-0.3, within(1e-9));
        assertThat(ReportFindings.sweepLossSlope(b, context(List.of()))).isNaN();
        assertThat(ExperimentReport.answer(withSweep(), context(runs)))
                .contains("Across those runs the validation loss changed by -0.300 nats per doubling.");
    }

    private static PretrainingSummary run(String name, long tokens, double loss) {
        return new PretrainingSummary(name, tokens, 60, loss, Math.exp(loss), List.of());
    }

    @Test
    void resultsWithoutSweepArmsHaveNoSweepAndTheMainTableLeavesArmsOut() {
        assertThat(PretrainingSweep.of(pretrainedWins())).isEmpty();
        assertThat(PretrainingSweep.withoutSweepArms(withSweep())).isEqualTo(pretrainedWins());
        assertThat(PretrainingSweep.isSweepArm("transfer@0.25")).isTrue();
        assertThat(PretrainingSweep.isSweepArm("transfer")).isFalse();
        List<CellResult> bad = new ArrayList<>(pretrainedWins());
        bad.addAll(cells("transfer@half", "50", 50, HALF, 0.5));
        assertThatThrownBy(() -> PretrainingSweep.of(bad)).hasMessageContaining("transfer@half");
    }

    @Test
    void theAnswerAndTheReportSayHowMuchMorePretrainingTheCurvesSuggest(@TempDir Path dir) throws IOException {
        String answer = ExperimentReport.answer(withSweep(), context(List.of()));
        assertThat(answer).contains("transfer's score changed by +0.003 ± 0.021 at 50 labels and +0.020 ± 0.000 at "
                + "200 labels per doubling of pretraining tokens");
        assertThat(answer).contains("at 200 labels it would reach bow's 0.700 after 8.0 times the pretraining (about "
                + "40M tokens, 2.67 h here) and pretrained's 0.870 after 2,896 times the pretraining");
        assertThat(answer).contains("At 50 labels the score did not rise with pretraining beyond the paired 95% interval");
        assertThat(answer).as("the best strategy is still named from the main strategies only")
                .doesNotContain("transfer@");

        ExperimentReport.write(dir, withSweep(), context(List.of()));
        String md = Files.readString(dir.resolve("report.md"));
        String results = md.substring(md.indexOf("## Results"), md.indexOf("## Sample efficiency"));
        assertThat(results).doesNotContain("transfer@");
        String section = md.substring(md.indexOf("## Score against pretraining compute"), md.indexOf("## Configuration"));
        assertThat(section).contains("transfer@0.25 (1.3M tokens)").contains("| 8.0 times (0.700) |")
                .contains("no estimate (0.610)").contains("reached (0.620)");
    }
}

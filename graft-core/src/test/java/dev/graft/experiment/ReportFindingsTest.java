package dev.graft.experiment;

import dev.graft.eval.Interval;
import dev.graft.experiment.ReportFindings.AgainstReference;
import dev.graft.experiment.ReportFindings.BestArm;
import dev.graft.experiment.ReportFindings.CurveEnd;
import dev.graft.experiment.ReportFindings.NearChance;
import dev.graft.experiment.ReportFindings.PairedDifference;
import dev.graft.experiment.ReportFindings.Spread;
import dev.graft.experiment.ReportFindings.Trend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The report's findings, without prose, on numbers worked by hand. The paired 95% interval of three seeds is
 * mean ± t(0.975, 2) s / sqrt(3) with t = 4.303.
 */
class ReportFindingsTest {
    /** t(0.975, 2) as {@link Interval#t975} tabulates it (three decimals). */
    private static final double T2 = 4.303;

    @Test
    void bestArmAndItsMarginsAtFiftyLabels() {
        // ReportFixtures.pretrainedWins at 50: pretrained .80 .81 .82 (mean .81); scratch .54 .56 .58; bow .60 .61 .62
        ResultTable t = ResultTable.of(ReportFixtures.pretrainedWins());
        BestArm best = ReportFindings.bestArm(t, "50", "scratch");
        assertThat(best.best()).containsExactly("pretrained");
        assertThat(best.top().mean()).isCloseTo(0.81, within(1e-12));
        assertThat(best.margins()).extracting(ReportFindings.Margin::other).containsExactly("scratch", "bow");
        // per-seed differences .26 .25 .24: mean .25, s .01, half-width 4.303 * .01 / sqrt 3 = .0248: beyond
        assertThat(best.margins().get(0).difference()).isCloseTo(0.25, within(1e-12));
        assertThat(best.margins().get(0).otherMean()).isCloseTo(0.56, within(1e-12));
        assertThat(best.margins().get(0).spread()).isEqualTo(Spread.BEYOND);
        // against bow .20 .20 .20: no spread at all, so the interval is the point .20: beyond
        assertThat(best.margins().get(1).difference()).isCloseTo(0.20, within(1e-12));
        assertThat(best.margins().get(1).spread()).isEqualTo(Spread.BEYOND);
        // the reference is not a margin when it is itself best
        assertThat(ReportFindings.bestArm(t, "50", "pretrained").margins()).extracting(ReportFindings.Margin::other)
                .containsExactly("bow");
    }

    @Test
    void transferAgainstScratchIsWithinTheIntervalAtEveryBudget() {
        ResultTable t = ResultTable.of(ReportFixtures.pretrainedWins());
        assertThat(ReportFindings.ownPretraining(t)).containsExactly("transfer");
        List<AgainstReference> found = ReportFindings.againstReference(t, List.of("transfer"), "scratch",
                t.scoredBudgets());
        assertThat(found).hasSize(1);
        AgainstReference a = found.get(0);
        assertThat(a.compared()).containsExactly("50", "200", "all");
        // 50: .03 -.01 .01 (mean .01, s .02, half .0497); 200: .01 .02 .03 (mean .02, s .01, half .0248);
        // all: 0 .01 .02 (mean .01, s .01): every interval holds zero
        assertThat(a.differences().get(0)).isCloseTo(0.01, within(1e-12));
        assertThat(a.differences().get(1)).isCloseTo(0.02, within(1e-12));
        assertThat(a.differences().get(2)).isCloseTo(0.01, within(1e-12));
        assertThat(a.beat()).isEmpty();
        assertThat(a.worse()).isEmpty();
        assertThat(a.unknown()).isZero();
        assertThat(a.allUnknown()).isFalse();
        ResultTable.Cell transfer = t.scored("transfer", "200").orElseThrow();
        Interval d = transfer.pairedDifference(t.scored("scratch", "200").orElseThrow());
        assertThat(d.low()).isCloseTo(0.02 - T2 * 0.01 / Math.sqrt(3), within(1e-9));
        assertThat(d.high()).isCloseTo(0.02 + T2 * 0.01 / Math.sqrt(3), within(1e-9));
    }

    @Test
    void ownPretrainingComesFromTheGroupNotTheName() {
        List<CellResult> r = new ArrayList<>();
        for (String s : List.of("multitask", "scratch", "ulmfit", "transfer", "transfer@0.5", "labels-as-text")) {
            r.addAll(ReportFixtures.cells(s, "50", 50, ReportFixtures.OWN, 0.6, 0.62));
        }
        ResultTable t = ResultTable.of(r);
        // the group in Strategy's order, not the results' order; a sweep arm and labels-as-text are not in it
        assertThat(ReportFindings.ownPretraining(t)).containsExactly("transfer", "ulmfit", "multitask");
        assertThat(ReportFindings.isOwnPretraining("merged")).isTrue();
        assertThat(ReportFindings.isOwnPretraining("transfer@0.5")).isFalse();
        assertThat(ReportFindings.isOwnPretraining("scratch")).isFalse();
        assertThat(ReportFindings.isOwnPretraining("not-a-strategy")).isFalse();
    }

    @Test
    void pairedDifferencesAgainstTheReferenceThenBow() {
        ResultTable t = ResultTable.of(ReportFixtures.pretrainedWins());
        List<List<PairedDifference>> rows = ReportFindings.pairedDifferences(t, "scratch");
        List<String> names = rows.stream().map(r -> r.get(0).strategy() + "-" + r.get(0).against()).toList();
        // every other strategy minus scratch; then minus bow, without scratch - bow (listed as bow - scratch)
        assertThat(names).containsExactlyInAnyOrder("transfer-scratch", "bow-scratch", "pretrained-scratch",
                "transfer-bow", "pretrained-bow");
        assertThat(names.subList(0, 3)).allMatch(n -> n.endsWith("-scratch"));
        PairedDifference pretrainedBowAt50 = rows.get(names.indexOf("pretrained-bow")).get(0);
        assertThat(pretrainedBowAt50.budget()).isEqualTo("50");
        assertThat(pretrainedBowAt50.interval().mean()).isCloseTo(0.20, within(1e-12));
        assertThat(pretrainedBowAt50.interval().n()).isEqualTo(3);
        assertThat(pretrainedBowAt50.interval().excludesZero()).isTrue();
        assertThat(rows).allMatch(r -> r.size() == 3); // one entry per scored budget
    }

    private static CellResult chance(String strategy, int seed, long[][] confusion, double cv, double trainLoss) {
        List<List<Long>> rows = new ArrayList<>();
        long correct = 0;
        long total = 0;
        for (int i = 0; i < confusion.length; i++) {
            List<Long> row = new ArrayList<>();
            for (int j = 0; j < confusion[i].length; j++) {
                row.add(confusion[i][j]);
                total += confusion[i][j];
                correct += i == j ? confusion[i][j] : 0;
            }
            rows.add(row);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("confusion", rows);
        m.put("cv_score", cv);
        m.put("final_train_loss", trainLoss);
        return CellResult.ok(strategy, "50", 50, seed, "accuracy", (double) correct / total, Double.NaN, m,
                ReportFixtures.NONE);
    }

    @Test
    void nearChanceCellsWithTheirOwnNumbers() {
        List<CellResult> r = new ArrayList<>();
        // gold: 6 of class 0, 4 of class 1 (majority .6); seed 1 answers class 0 always, seed 2 gets 6 of 10
        r.add(chance("scratch", 1, new long[][] {{6, 0}, {4, 0}}, 0.55, 0.68));
        r.add(chance("scratch", 2, new long[][] {{5, 1}, {3, 1}}, 0.65, 0.70));
        // multitask: its loss adds the LM loss, so it is not read against ln 2
        r.add(chance("multitask", 1, new long[][] {{6, 0}, {4, 0}}, 0.9, 3.0));
        r.add(chance("multitask", 2, new long[][] {{6, 0}, {4, 0}}, 0.9, 3.0));
        // bow does not fine-tune: never listed; transfer .9 is far above chance
        r.add(chance("bow", 1, new long[][] {{6, 0}, {4, 0}}, 0.6, 0.1));
        r.add(chance("transfer", 1, new long[][] {{6, 0}, {1, 3}}, 0.9, 0.1));
        List<NearChance> found = ReportFindings.nearChance(ResultTable.of(r));
        assertThat(found).extracting(NearChance::strategy).containsExactlyInAnyOrder("scratch", "multitask");
        NearChance scratch = found.stream().filter(n -> n.strategy().equals("scratch")).findFirst().orElseThrow();
        assertThat(scratch.mean()).isCloseTo(0.6, within(1e-12));
        assertThat(scratch.majority()).isCloseTo(0.6, within(1e-12));
        assertThat(scratch.singleClassDraws()).isEqualTo(1);
        assertThat(scratch.seeds()).isEqualTo(2);
        assertThat(scratch.classes()).isEqualTo(2);
        assertThat(scratch.crossValidation()).isCloseTo(0.60, within(1e-12));
        // mean training loss .69 > 0.9 ln 2 = .624: it did not fit its labels
        assertThat(scratch.trainLoss()).isCloseTo(0.69, within(1e-12));
        assertThat(scratch.uniformLoss()).isCloseTo(Math.log(2), within(1e-12));
        assertThat(scratch.unfit()).isTrue();
        assertThat(scratch.nothingLearnable()).isTrue(); // .60 <= .60 + .05
        NearChance multitask = found.stream().filter(n -> n.strategy().equals("multitask")).findFirst().orElseThrow();
        assertThat(multitask.trainLoss()).isNaN();
        assertThat(multitask.unfit()).isFalse();
        assertThat(multitask.singleClassDraws()).isEqualTo(2);
        assertThat(multitask.nothingLearnable()).isFalse(); // cross-validation .9: fit the labels, did not carry
    }

    private static PretrainingSummary run(String name, double... losses) {
        List<double[]> curve = new ArrayList<>();
        for (int i = 0; i < losses.length; i++) {
            curve.add(new double[] {1000 * Math.pow(2, i), losses[i]});
        }
        return new PretrainingSummary(name, 8000, 60, losses[losses.length - 1],
                Math.exp(losses[losses.length - 1]), curve);
    }

    @Test
    void curveEndsAndFrequencyOnlyBases() {
        // tokens 1k 2k 4k 8k; the last half is 4k and 8k, one doubling apart
        PretrainingSummary falling = run("falling", 5.0, 4.9, 4.8, 4.7);   // drop .1 per doubling
        PretrainingSummary flat = run("flat", 5.0, 4.9, 4.8, 4.795);       // drop .005 <= .01
        PretrainingSummary rising = run("rising", 5.0, 4.9, 4.8, 4.85);    // change +.05
        PretrainingSummary oneHalfPoint = new PretrainingSummary("short", 10, 1, 4.0, Math.exp(4.0),
                List.of(new double[] {10, 4.0}));
        PretrainingSummary weak = new PretrainingSummary("weak", 8000, 60, 4.95, Math.exp(4.95), List.of(), 5.0);
        PretrainingSummary strong = new PretrainingSummary("strong", 8000, 60, 4.8, Math.exp(4.8), List.of(), 5.0);
        ReportContext c = ReportFixtures.context(List.of(falling, flat, rising, oneHalfPoint, weak, strong));
        List<CurveEnd> ends = ReportFindings.curveEnds(c);
        assertThat(ends).extracting(e -> e.run().name()).containsExactly("falling", "flat", "rising");
        assertThat(ends.get(0).dropPerDoubling()).isCloseTo(0.1, within(1e-9));
        assertThat(ends.get(0).lastTokens()).isEqualTo(8000);
        assertThat(ends).extracting(CurveEnd::trend).containsExactly(Trend.FALLING, Trend.FLAT, Trend.RISING);
        assertThat(ends.get(2).dropPerDoubling()).isCloseTo(-0.05, within(1e-9));
        // 4.95 is within .1 nats of the frequencies' 5.0; 4.8 is .2 better
        assertThat(ReportFindings.frequencyOnly(c)).extracting(PretrainingSummary::name).containsExactly("weak");
    }
}

package dev.graft.experiment;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The order cells run in: the costliest first, ties in the order given. */
class CellOrderTest {
    @Test
    void costGrowsWithLabelsAndWithWhatACellTrains() {
        double scratch50 = Experiment.cellCost(Strategy.SCRATCH, 50, 0.5);
        assertThat(Experiment.cellCost(Strategy.SCRATCH, 200, 0.5)).isEqualTo(4 * scratch50);
        assertThat(Experiment.cellCost(Strategy.TRANSFER, 50, 0.5)).isEqualTo(scratch50);
        assertThat(Experiment.cellCost(Strategy.BOW, 200, 0.5)).isLessThan(scratch50 / 10);
        assertThat(Experiment.cellCost(Strategy.PRETRAINED, 200, 0.5))
                .isGreaterThan(Experiment.cellCost(Strategy.SCRATCH, 200, 0.5));
        // multitask's LM batches: more of them cost more
        assertThat(Experiment.cellCost(Strategy.MULTITASK, 50, 0.5))
                .isGreaterThan(Experiment.cellCost(Strategy.MULTITASK, 50, 0.25))
                .isGreaterThan(scratch50);
        // a cell of no labels still costs something, so the time-left estimate never divides by zero
        assertThat(Experiment.cellCost(Strategy.BOW, 0, 0.5)).isPositive();
    }

    @Test
    void theCostliestRunFirstAndTiesKeepTheirOrder() {
        List<String> ran = new ArrayList<>();
        List<Runnable> cells = new ArrayList<>();
        String[] names = {"bow-50", "scratch-50", "scratch-200", "pretrained-50", "multitask-200", "transfer-50"};
        double[] costs = {0.5, 50, 200, 125, 650, 50};
        for (String n : names) {
            cells.add(() -> ran.add(n));
        }
        List<Double> c = new ArrayList<>();
        for (double d : costs) {
            c.add(d);
        }
        Experiment.longestFirst(cells, c).forEach(Runnable::run);
        assertThat(ran).containsExactly("multitask-200", "scratch-200", "pretrained-50", "scratch-50", "transfer-50",
                "bow-50");
    }
}

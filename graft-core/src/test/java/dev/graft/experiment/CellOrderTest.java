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
        Experiment.longestFirstOrder(c).forEach(i -> cells.get(i).run());
        assertThat(ran).containsExactly("multitask-200", "scratch-200", "pretrained-50", "scratch-50", "transfer-50",
                "bow-50");
    }

    /**
     * Two workers never run two large-model cells at once, yet never sit idle while a small cell waits: the
     * second large cell waits for the first while the small ones run beside it, in order.
     */
    @Test
    void atMostOneLargeModelCellRunsAtATime() throws Exception {
        java.util.concurrent.atomic.AtomicInteger largeNow = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger largeMax = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger bothMax = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger now = new java.util.concurrent.atomic.AtomicInteger();
        List<String> started = java.util.Collections.synchronizedList(new ArrayList<>());
        String[] names = {"large-a", "large-b", "small-1", "small-2", "large-c", "small-3"};
        List<Runnable> cells = new ArrayList<>();
        List<Boolean> large = new ArrayList<>();
        for (String n : names) {
            boolean isLarge = n.startsWith("large");
            large.add(isLarge);
            cells.add(() -> {
                started.add(n);
                bothMax.accumulateAndGet(now.incrementAndGet(), Math::max);
                if (isLarge) {
                    largeMax.accumulateAndGet(largeNow.incrementAndGet(), Math::max);
                }
                try {
                    Thread.sleep(isLarge ? 300 : 25);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                if (isLarge) {
                    largeNow.decrementAndGet();
                }
                now.decrementAndGet();
            });
        }
        Experiment.runCells(cells, large, 2);
        assertThat(started).containsExactlyInAnyOrder(names);
        assertThat(largeMax.get()).as("large cells at once").isEqualTo(1);
        assertThat(bothMax.get()).as("a small cell ran beside a large one").isEqualTo(2);
        // the second worker skipped large-b (large-a running) and took the next small cell
        assertThat(started.subList(0, 3)).containsExactlyInAnyOrder("large-a", "small-1", "small-2");

        // a failing cell stops the hand-out and reaches the caller as it was thrown
        List<Runnable> failing = List.of(() -> {
            throw new java.io.UncheckedIOException(new java.io.IOException("disk full"));
        }, () -> { }, () -> { });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Experiment.runCells(failing,
                List.of(false, false, false), 2)).isInstanceOf(java.io.IOException.class).hasMessage("disk full");
    }
}

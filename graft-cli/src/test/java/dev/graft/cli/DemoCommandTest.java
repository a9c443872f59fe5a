package dev.graft.cli;

import dev.graft.experiment.ExperimentSpec;
import dev.graft.experiment.Strategy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo runs the few-label protocol: the same rules for every strategy, the quick run only smaller. */
class DemoCommandTest {
    private static ExperimentSpec spec(boolean quick) {
        DemoCommand c = new DemoCommand();
        c.quick = quick;
        c.threads.threads = 2;
        return c.spec();
    }

    @Test
    void theFullDemoCrossValidatesEveryNeuralCellOverFiveDraws() {
        ExperimentSpec full = spec(false);
        assertThat(full.seeds()).isEqualTo(5);
        assertThat(full.protocol().folds()).isEqualTo(3);
        assertThat(full.budgets()).containsExactly(50, 200);
        assertThat(full.protocol().maxEpochs()).isEqualTo(DemoCommand.MAX_EPOCHS);
        assertThat(full.pretraining().sweep()).as("the sweep is graft experiment's: it cost 5 of 44 minutes").isEmpty();
        assertThat(full.strategies()).as("the question's arms, the cheap pretraining beside them, the references")
                .contains(Strategy.TRANSFER, Strategy.MULTITASK, Strategy.MERGED, Strategy.VECTORS,
                        Strategy.VECTORS_INIT, Strategy.BOW, Strategy.SCRATCH, Strategy.PRETRAINED);
        for (Strategy s : full.strategies()) {
            if (s.fineTunes()) {
                List<Float> rates = full.protocol().learningRates(s);
                assertThat(rates).as(s.id() + ": one rate, from its full grid").hasSize(1);
                assertThat(s.defaultRates()).contains(rates.get(0));
            }
        }
    }

    @Test
    void theQuickDemoIsSmallerButTrainsEveryArmByTheSameRules() {
        ExperimentSpec quick = spec(true);
        ExperimentSpec full = spec(false);
        assertThat(quick.strategies()).as("the full run's arms but merged, whose own base costs a minute")
                .containsExactlyElementsOf(full.strategies().stream().filter(s -> s != Strategy.MERGED).toList());
        assertThat(quick.pretraining().time()).isLessThan(full.pretraining().time());
        assertThat(quick.protocol().folds()).isEqualTo(full.protocol().folds());
        assertThat(quick.protocol().maxEpochs()).as("the same cap in epochs").isEqualTo(full.protocol().maxEpochs());
        assertThat(quick.budgets()).isEqualTo(full.budgets());
        assertThat(quick.seeds()).isEqualTo(1);
        assertThat(quick.pretraining().sweep()).isEmpty();
        for (Strategy s : quick.strategies()) {
            if (s.fineTunes()) {
                assertThat(quick.protocol().learningRates(s)).as(s.id()).isEqualTo(full.protocol().learningRates(s));
            }
        }
    }
}

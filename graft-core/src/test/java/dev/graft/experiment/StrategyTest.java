package dev.graft.experiment;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Each strategy's group, data and class. */
class StrategyTest {
    @Test
    void groupsAreDataInTheReportsOrder() {
        assertThat(Strategy.inGroup(Strategy.Group.OWN_PRETRAINING)).containsExactly(Strategy.TRANSFER,
                Strategy.ULMFIT, Strategy.MERGED, Strategy.MULTITASK, Strategy.VECTORS_INIT, Strategy.VECTORS_INIT_MLM,
                Strategy.SETFIT_OWN, Strategy.PROBE_OWN);
        assertThat(Strategy.inGroup(Strategy.Group.BASELINE)).containsExactly(Strategy.BOW, Strategy.VECTORS,
                Strategy.BOW_VECTORS);
        assertThat(Strategy.inGroup(Strategy.Group.FROM_SCRATCH)).containsExactly(Strategy.SCRATCH);
        assertThat(Strategy.inGroup(Strategy.Group.PRETRAINED_ELSEWHERE)).containsExactly(Strategy.PRETRAINED,
                Strategy.SETFIT, Strategy.DISTILLED, Strategy.PROBE, Strategy.PROBE_DISTILLED);
        assertThat(Strategy.inGroup(Strategy.Group.LABELS_IN_PRETRAINING)).containsExactly(Strategy.LABELS_AS_TEXT);
        // every strategy is in exactly one group
        assertThat(Arrays.stream(Strategy.Group.values()).mapToInt(g -> Strategy.inGroup(g).size()).sum())
                .isEqualTo(Strategy.values().length);
    }

    @Test
    void theDefaultsCompareWithStaticVectorsWhereTheyApply() {
        var classify = dev.graft.model.HeadConfig.Task.CLASSIFY;
        var tag = dev.graft.model.HeadConfig.Task.TAG;
        assertThat(Strategy.defaults(classify)).containsExactly(Strategy.BOW, Strategy.VECTORS, Strategy.SCRATCH,
                Strategy.TRANSFER);
        for (var task : dev.graft.model.HeadConfig.Task.values()) {
            if (task != classify) {
                assertThat(Strategy.defaults(task)).as(task.id()).containsExactly(Strategy.BOW, Strategy.SCRATCH,
                        Strategy.TRANSFER);
            }
        }
        // a spec built without strategies takes its task's defaults
        assertThat(ExperimentSpec.builder(classify, java.util.List.of("sentiment-uci"), java.nio.file.Path.of("x"))
                .build().strategies()).isEqualTo(Strategy.defaults(classify));
        assertThat(ExperimentSpec.builder(tag, java.util.List.of("brown-pos"), java.nio.file.Path.of("x"))
                .build().strategies()).isEqualTo(Strategy.defaults(tag));
        // the vectors pool a text into one label: refused for tagging when the spec is built, not mid-run
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ExperimentSpec.builder(tag,
                        java.util.List.of("brown-pos"), java.nio.file.Path.of("x"))
                        .strategies(java.util.List.of(Strategy.BOW, Strategy.VECTORS)).build())
                .hasMessageContaining("[vectors] do not apply to task tag")
                .hasMessageContaining("static-vector baselines pool one text into one label");
    }

    @Test
    void whatFineTunesHasRatesAndWhatDoesNotHasNone() {
        for (Strategy s : Strategy.values()) {
            assertThat(s.fineTunes()).as(s.id()).isEqualTo(s.run() instanceof FineTuneStrategy);
            assertThat(s.defaultRates().isEmpty()).as(s.id()).isEqualTo(!s.fineTunes());
        }
        assertThat(Strategy.ULMFIT.defaultRates()).containsExactly(1e-3f, 3e-3f);
        assertThat(Strategy.PRETRAINED.defaultRates()).containsExactly(3e-5f, 1e-4f);
        assertThat(Strategy.MERGED.defaultRates()).containsExactly(1e-4f, 3e-4f, 1e-3f);
    }

    @Test
    void eachStrategyRunsAsItsOwnObject() {
        for (Strategy s : Strategy.values()) {
            StrategyRun run = s.run();
            if (run instanceof FineTuneStrategy f) {
                assertThat(f.strategy()).isEqualTo(s);
            }
            // a new object per call: a run keeps no state between experiments
            assertThat(s.run()).isNotSameAs(run);
        }
        assertThat(Strategy.BOW.run()).isInstanceOf(BowStrategy.class);
        assertThat(Strategy.SETFIT.run()).isInstanceOf(SetFitStrategy.class);
        assertThat(((SetFitStrategy) Strategy.SETFIT_OWN.run()).strategy()).isEqualTo(Strategy.SETFIT_OWN);
        assertThat(((SetFitStrategy) Strategy.SETFIT.run()).strategy()).isEqualTo(Strategy.SETFIT);
        for (Strategy probe : java.util.List.of(Strategy.PROBE, Strategy.PROBE_OWN, Strategy.PROBE_DISTILLED)) {
            assertThat(((SetFitStrategy) probe.run()).strategy()).isEqualTo(probe);
            assertThat(probe.fitsEmbeddings()).isTrue();
            assertThat(probe.fineTunes()).as("a probe has no rate to choose").isFalse();
        }
        assertThat(Strategy.LABELS_AS_TEXT.run()).isInstanceOf(LabelsAsTextStrategy.class);
        assertThat(Strategy.BOW_VECTORS.run()).isInstanceOf(VectorsStrategy.class);
        assertThat(Arrays.stream(Strategy.values()).map(s -> s.run().getClass()).distinct().count())
                // the nine fine-tuning strategies share FineTuneStrategy (they differ in data: what they prepare,
                // where they start), vectors and bow+vectors share VectorsStrategy, setfit, setfit-own and the
                // three probes SetFitStrategy
                .isEqualTo(Strategy.values().length - 8 - 1 - 4);
    }

    @Test
    void corpusNeedsAndIds() {
        assertThat(Arrays.stream(Strategy.values()).filter(s -> !s.needsCorpus()))
                .containsExactly(Strategy.SCRATCH, Strategy.PRETRAINED, Strategy.SETFIT, Strategy.DISTILLED,
                        Strategy.PROBE, Strategy.PROBE_DISTILLED, Strategy.BOW);
        assertThat(Strategy.ofId("transfer@0.25")).isEqualTo(Strategy.TRANSFER);
        assertThat(Strategy.ofId("bow+vectors")).isEqualTo(Strategy.BOW_VECTORS);
        assertThat(Strategy.ofId("nope")).isNull();
        assertThat(Strategy.parse("setfit-own")).isEqualTo(Strategy.SETFIT_OWN);
        assertThat(Strategy.SETFIT_OWN.needsBasePretraining()).isTrue();
        assertThat(Strategy.SETFIT.needsBasePretraining()).isFalse();
        assertThat(Strategy.PROBE_OWN.needsBasePretraining()).isTrue();
        assertThat(Strategy.PROBE_DISTILLED.needsBasePretraining()).isFalse();
    }
}

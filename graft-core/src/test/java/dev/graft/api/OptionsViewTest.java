package dev.graft.api;

import dev.graft.finetune.FineTuneSpec;
import dev.graft.model.HeadConfig;
import dev.graft.pretrain.PretrainSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The option types are views of the specs: each withX reaches the spec's field, the rest are the spec's defaults. */
class OptionsViewTest {
    @Test
    void fineTuneOptionsAreChangesToTheSpecsBuilder() {
        Path out = Path.of("runs/ft");
        FineTuneSpec plain = FineTuneOptions.into(out).toSpec(HeadConfig.Task.CLASSIFY, Path.of("m"), "t", null, null, 3);
        assertThat(plain).isEqualTo(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, "t", out).from(Path.of("m"))
                .run(r -> r.withThreads(3)).build());
        FineTuneSpec s = FineTuneOptions.into(out).withEpochs(4).withLearningRate(3e-4f).withBatchSize(8)
                .withMaxLength(64).withDevFraction(0.2).withPatience(1).withRecipe(FineTuneSpec.Recipe.ULMFIT)
                .withFreezeBackbone(true).withSeed(5).withOverwrite(true).withOut(Path.of("runs/other"))
                .toSpec(HeadConfig.Task.CLASSIFY, Path.of("m"), "t", null, null, 2);
        assertThat(s.run()).isEqualTo(plain.run().withOut(Path.of("runs/other")).withEpochs(4).withSeed(5)
                .withOverwrite(true).withThreads(2));
        assertThat(List.of(s.batchSize(), s.maxLength(), s.patience())).containsExactly(8, 64, 1);
        assertThat(s.devFraction()).isEqualTo(0.2);
        assertThat(s.recipe()).isEqualTo(FineTuneSpec.Recipe.ULMFIT);
        assertThat(s.freezeBackbone()).isTrue();
        // the rate given, the schedule the recipe's
        assertThat(s.optimizer().learningRate()).isEqualTo(3e-4f);
        assertThat(s.optimizer().schedule()).isEqualTo(FineTuneSpec.Recipe.ULMFIT.optimizer.schedule());
        // the spec checks the values, naming its fields
        assertThatThrownBy(() -> FineTuneOptions.into(out).withBatchSize(-1)
                .toSpec(HeadConfig.Task.CLASSIFY, Path.of("m"), "t", null, null, 1))
                .hasMessage("batchSize must be >= 0, got -1");
    }

    @Test
    void pretrainOptionsAreChangesToTheSpecsBuilderAndTheRecipeComesLast() {
        Path out = Path.of("runs/p");
        PretrainOptions o = PretrainOptions.onDatasets(out, "moby-dick").withSteps(5);
        PretrainSpec plain = o.toSpec(1);
        assertThat(plain).isEqualTo(PretrainSpec.builder(PretrainSpec.DEFAULT_ARCH, List.of("moby-dick"), out)
                .run(r -> r.withThreads(1).withSteps(5)).build());
        PretrainSpec s = o.withArch("bert-tiny").withShape(1, 32, 2, 37).withVocabSize(99).withSeqLen(16)
                .withBatchSize(4).withEpochs(2).withMaxTime(Duration.ofMinutes(3)).withLearningRate(1e-3f)
                .withValidationSequences(7).withSeed(11).withOverwrite(true)
                .withRecipe(PretrainRecipe.defaults().withDropout(0f)).toSpec(2);
        assertThat(s.arch()).isEqualTo("bert-tiny");
        // the recipe's dropout joins the shape given before it
        assertThat(s.model()).isEqualTo(new dev.graft.model.ModelOverrides(1, 32, 2, 37, 0f));
        assertThat(s.tokenizer().vocabSize()).isEqualTo(99);
        assertThat(List.of(s.seqLen(), s.batchSize())).containsExactly(16, 4);
        assertThat(s.run()).isEqualTo(plain.run().withLength(5, 2, Duration.ofMinutes(3)).withSeed(11)
                .withOverwrite(true).withThreads(2));
        assertThat(s.optimizer().learningRate()).isEqualTo(1e-3f);
        assertThat(s.monitoring().validationSequences()).isEqualTo(7);
        // a later recipe replaces an earlier one
        PretrainSpec replaced = o.withRecipe(PretrainRecipe.defaults().withDropout(0f))
                .withRecipe(PretrainRecipe.defaults().withNoBias(true)).toSpec(1);
        assertThat(replaced.model().dropout()).isNull();
        assertThat(replaced.noBias()).isTrue();
        assertThatThrownBy(() -> PretrainOptions.onDatasets(out, "moby-dick").toSpec(1))
                .hasMessage("give a length: run.steps, run.epochs or run.maxTime");
    }
}

package dev.graft.finetune;

import dev.graft.SpecException;
import dev.graft.experiment.ExperimentSpec;
import dev.graft.model.HeadConfig;
import dev.graft.train.ScheduleKind;
import dev.graft.vectors.VectorsSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * FineTuneSpec, VectorsSpec and ExperimentSpec hold the shared records (optimizer, run, tokenizer): the
 * recipe's rate and schedule when none is given, the checks of the shared records, and what each spec refuses
 * of a record that does not fit it all (errors naming the nested field).
 */
class NestedSpecsTest {
    private static FineTuneSpec.Builder classify() {
        return FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, "train.jsonl", Path.of("out")).from(Path.of("m"));
    }

    @Test
    void aTaggerFineTunesAtItsOwnRateUnlessTheRecipeOrTheRunSaysOtherwise() {
        FineTuneSpec.Builder tag = FineTuneSpec.builder(HeadConfig.Task.TAG, "train.conll", Path.of("out"))
                .from(Path.of("m"));
        assertThat(tag.build().optimizer().learningRate()).isEqualTo(5e-4f);
        assertThat(classify().build().optimizer().learningRate()).isEqualTo(1e-4f);
        assertThat(FineTuneSpec.builder(HeadConfig.Task.MULTI_LABEL, "t.jsonl", Path.of("out")).from(Path.of("m"))
                .build().optimizer().learningRate()).isEqualTo(1e-4f);
        assertThat(tag.recipe(FineTuneSpec.Recipe.ULMFIT).build().optimizer().learningRate())
                .isEqualTo(FineTuneSpec.ULMFIT_LR);
        assertThat(tag.recipe(FineTuneSpec.Recipe.FULL).learningRate(2e-4f).build().optimizer().learningRate())
                .isEqualTo(2e-4f);
    }

    @Test
    void aFineTuningRunWithoutARateOrScheduleGetsItsRecipes() {
        for (FineTuneSpec.Recipe r : FineTuneSpec.Recipe.values()) {
            FineTuneSpec s = classify().recipe(r).build();
            assertThat(s.optimizer().learningRate()).as(r.id()).isEqualTo(r.optimizer.learningRate());
            assertThat(s.optimizer().schedule()).as(r.id()).isEqualTo(r.optimizer.schedule());
            // the rest of the optimizer is the builder's, whatever the recipe
            assertThat(s.optimizer().beta2()).isEqualTo(FineTuneSpec.DEFAULT_OPTIMIZER.beta2());
        }
        assertThat(classify().recipe(FineTuneSpec.Recipe.ULMFIT).build().optimizer().learningRate())
                .isEqualTo(FineTuneSpec.ULMFIT_LR);
        assertThat(classify().recipe(FineTuneSpec.Recipe.ULMFIT).build().optimizer().schedule())
                .isEqualTo(ScheduleKind.STLR);
        assertThat(classify().recipe(FineTuneSpec.Recipe.SETFIT).build().optimizer().learningRate())
                .isEqualTo(SetFit.DEFAULT_LR);
        // given, they stay, in either order and through toBuilder (where they count as given)
        FineTuneSpec given = classify().learningRate(7e-4f).schedule(ScheduleKind.COSINE)
                .recipe(FineTuneSpec.Recipe.ULMFIT).optimizer(o -> o.withWarmup(0.2)).build();
        assertThat(given.optimizer().learningRate()).isEqualTo(7e-4f);
        assertThat(given.optimizer().schedule()).isEqualTo(ScheduleKind.COSINE);
        assertThat(given.optimizer().warmup()).isEqualTo(0.2);
        assertThat(given.toBuilder().build()).isEqualTo(given);
        assertThat(given.toBuilder().recipe(FineTuneSpec.Recipe.FULL).build().optimizer().learningRate())
                .isEqualTo(7e-4f);
        assertThat(given.rateCandidates()).containsExactly(7e-4f);
    }

    @Test
    void fineTuningRefusesWhatItsRecordsHaveAndItCannotDo() {
        SpecException steps = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class,
                () -> classify().run(r -> r.withSteps(10)).build());
        assertThat(steps.fields()).containsExactly("run.steps");
        SpecException time = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class,
                () -> classify().schedule(ScheduleKind.COSINE_TIME).run(r -> r.withMaxTime(Duration.ofMinutes(1)))
                        .build());
        assertThat(time.fields()).containsExactly("optimizer.schedule");
        assertThat(time).hasMessage("optimizer.schedule cosine-time is for pretraining: use linear, stlr, constant "
                + "or cosine");
        assertThatThrownBy(() -> classify().learningRate(-1f).build())
                .hasMessage("optimizer.learningRate must be > 0, got -1");
        assertThatThrownBy(() -> classify().run(r -> r.withThreads(0)).build())
                .hasMessage("run.threads must be > 0, got 0");
    }

    @Test
    void vectorsTrainForAWholeNumberOfEpochs() {
        VectorsSpec d = VectorsSpec.defaults(VectorsSpec.Method.SGNS);
        // word2vec.c's published defaults
        assertThat(List.of(d.epochs(), d.window(), d.negatives(), d.minCount())).containsExactly(5, 5, 5, 5);
        assertThat(d.learningRate()).isEqualTo(0.025);
        assertThat(d.skipGramSettings().epochs()).isEqualTo(5);
        VectorsSpec.Builder b = VectorsSpec.builder(VectorsSpec.Method.SGNS, List.of("c.txt"), Path.of("o"));
        assertThat(b.run(r -> r.withEpochs(3).withSeed(9)).build().skipGramSettings().seed()).isEqualTo(9);
        assertThatThrownBy(() -> b.run(r -> r.withEpochs(2.5)).build())
                .hasMessage("run.epochs must be a whole number > 0, got 2.5");
        SpecException time = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class,
                () -> b.run(r -> r.withEpochs(2).withMaxTime(Duration.ofMinutes(5))).build());
        assertThat(time.fields()).contains("run.maxTime");
        SpecException resume = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class,
                () -> VectorsSpec.builder(VectorsSpec.Method.PPMI_SVD, List.of("c.txt"), Path.of("o"))
                        .run(r -> r.withResume(true)).build());
        assertThat(resume.fields()).containsExactly("run.resume", "run.overwrite");
    }

    @Test
    void anExperimentsTokenizerIsOnlyItsVocabularyAndItsJsonKeyIsTheOldOne(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("exp.json");
        Files.writeString(config, "{\"vocab_size\": 333}");
        ExperimentSpec.Builder b = ExperimentSpec.builder(HeadConfig.Task.CLASSIFY, List.of("sentiment-uci"),
                dir.resolve("e"));
        ExperimentSpec s = ExperimentSpec.readConfig(config, b).build();
        assertThat(s.pretraining().tokenizer().vocabSize()).isEqualTo(333);
        assertThat(ExperimentSpec.builder(HeadConfig.Task.CLASSIFY, List.of("sentiment-uci"), dir.resolve("e"))
                .build().pretraining().tokenizer().vocabSize()).isEqualTo(8192);
        SpecException path = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class,
                () -> ExperimentSpec.builder(HeadConfig.Task.CLASSIFY, List.of("sentiment-uci"), dir.resolve("e"))
                        .tokenizer(t -> t.withPath(dir)).build());
        assertThat(path.fields()).containsExactly("pretraining.tokenizer.path", "pretraining.tokenizer.type",
                "pretraining.tokenizer.cased");
        assertThatThrownBy(() -> ExperimentSpec.builder(HeadConfig.Task.CLASSIFY, List.of("sentiment-uci"),
                dir.resolve("e")).tokenizer(t -> t.withVocabSize(99)).build())
                .hasMessage("pretraining.tokenizer.vocabSize must be at least 100, got 99");
    }
}

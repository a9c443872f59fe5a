package dev.graft.experiment;

import dev.graft.SpecException;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.tokenizer.TokenizerSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The pretraining an experiment runs for its strategies of graft's own (the base of transfer and ulmfit, the
 * sweep, merged, labels-as-text): an {@link ExperimentSpec}'s {@code pretraining} component; immutable,
 * validated here (errors name {@code pretraining.time} and so on).
 *
 * @param time           wall-clock budget of each pretraining run (used when {@code steps} is 0)
 * @param steps          updates of each pretraining run instead of a time budget (0: use the time)
 * @param base           an existing graft pretraining run (its folder) to use as the base of transfer and ulmfit
 *                       instead of pretraining one; null to pretrain
 * @param sweep          shares of the pretraining budget (each in (0, 1)) at which transfer is also run, each
 *                       from its own shorter pretraining run (its own schedule, not a snapshot of the full run),
 *                       so the report can measure accuracy against pretraining compute and extrapolate it;
 *                       empty for none
 * @param tokenizer      the vocabulary of the tokenizers trained on the corpus (lowercase WordPiece for encoders,
 *                       BPE for decoders): only its {@code vocabSize} is set
 * @param seqLen         pretraining sequence length
 * @param inDomainRepeat how many times the task's unlabeled training text is mixed into the corpus of every
 *                       pretraining run of graft's own (base, sweep, merged, labels-as-text), 0 for none
 * @param recipe         the settings of every pretraining run of graft's own ({@link PretrainSpec.Recipe}: the
 *                       default, or Cramming's, whose 64 tokens then replace {@code seqLen}); null for the default
 */
public record PretrainingPlan(Duration time, long steps, Path base, List<Double> sweep, TokenizerSpec tokenizer,
                              int seqLen, int inDomainRepeat, PretrainSpec.Recipe recipe) {
    /** {@code graft experiment}'s pretraining: 20 minutes a run, no sweep, a vocabulary of 8,192, 128 tokens. */
    public static final PretrainingPlan DEFAULT = new PretrainingPlan(Duration.ofMinutes(20), 0, null, List.of(),
            TokenizerSpec.DEFAULT, 128, 0, PretrainSpec.Recipe.DEFAULT);

    /** A plan with the default recipe. */
    public PretrainingPlan(Duration time, long steps, Path base, List<Double> sweep, TokenizerSpec tokenizer,
                           int seqLen, int inDomainRepeat) {
        this(time, steps, base, sweep, tokenizer, seqLen, inDomainRepeat, PretrainSpec.Recipe.DEFAULT);
    }

    public PretrainingPlan {
        recipe = recipe == null ? PretrainSpec.Recipe.DEFAULT : recipe;
        if (steps < 0 || (steps == 0 && (time == null || time.isZero() || time.isNegative()))) {
            throw new SpecException(List.of("pretraining.time", "pretraining.steps"), "give a positive "
                    + "pretraining.time (e.g. 20m) or pretraining.steps");
        }
        if (base != null && !Files.isRegularFile(base.resolve("config.json"))) {
            throw new SpecException("pretraining.base", "pretraining.base " + base + " is not a checkpoint folder "
                    + "(no config.json): give the folder of a graft pretrain run");
        }
        sweep = sweep == null ? List.of() : sweep.stream().distinct().sorted().toList();
        for (double f : sweep) {
            if (!(f > 0 && f < 1)) {
                throw new SpecException("pretraining.sweep", "pretraining.sweep takes shares of the pretraining "
                        + "budget between 0 and 1 (e.g. 0.25,0.5), got " + f);
            }
        }
        tokenizer = tokenizer == null ? TokenizerSpec.DEFAULT : tokenizer;
        String t = "pretraining." + TokenizerSpec.FIELD;
        if (tokenizer.path() != null || tokenizer.type() != null || tokenizer.cased()) {
            throw new SpecException(List.of(t + ".path", t + ".type", t + ".cased"), "an experiment trains its "
                    + "tokenizers on its corpus (lowercase WordPiece for encoders, BPE for decoders): " + t + ".path, "
                    + t + ".type and " + t + ".cased are not for it");
        }
        if (tokenizer.vocabSize() < 100) {
            throw new SpecException(t + ".vocabSize", t + ".vocabSize must be at least 100, got "
                    + tokenizer.vocabSize());
        }
        PretrainSpec.requireSeqLen("pretraining.seqLen", seqLen, 8);
        SpecException.nonNegative("pretraining.inDomainRepeat", inDomainRepeat);
    }

    /** The step budget scaled by {@code share} (at least one step); 0 when the plan budgets time. */
    public long sweepSteps(double share) {
        return steps == 0 ? 0 : Math.max(1, Math.round(steps * share));
    }

    /** The time budget scaled by {@code share} (used when {@code steps} is 0). */
    public Duration sweepTime(double share) {
        return Duration.ofMillis(Math.max(1000, Math.round(time.toMillis() * share)));
    }
}

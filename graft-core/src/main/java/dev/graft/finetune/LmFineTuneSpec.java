package dev.graft.finetune;

import dev.graft.SpecException;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.train.OptimizerSpec;
import dev.graft.train.RunOptions;
import dev.graft.train.ScheduleKind;

import java.nio.file.Path;
import java.util.List;

/**
 * Task-adaptive language-model fine-tuning (ULMFiT stage 2, Howard and Ruder 2018; TAPT, Gururangan
 * et al. 2020): continue a checkpoint's pretraining objective (MLM for encoders, CLM for decoders)
 * on the task's unlabeled text. Immutable, validated here, errors naming the spec's fields.
 *
 * @param from            the pretrained checkpoint folder
 * @param corpus          text files and datasets (the train split's text of a labeled set, labels dropped)
 * @param batchSize       sequences per update
 * @param seqLen          tokens per sequence
 * @param maskProbability MLM selection probability
 * @param discriminative  factor between adjacent layer groups' rates (1: none; ULMFiT: 2.6); the optimizer's
 *                        rate is the top group's
 * @param optimizer       AdamW and the learning-rate schedule (linear, or ULMFiT's stlr)
 * @param run             the new checkpoint's folder, length (epochs, steps, time), threads, seed, resume
 */
public record LmFineTuneSpec(Path from, List<String> corpus, int batchSize, int seqLen, double maskProbability,
                             double discriminative, OptimizerSpec optimizer, RunOptions run) {
    /** The optimizer of {@code graft lm-finetune} unless changed: peak rate 1e-4, linear, β (0.9, 0.98). */
    public static final OptimizerSpec DEFAULT_OPTIMIZER = new OptimizerSpec(1e-4f, 0.06, ScheduleKind.LINEAR, 0.01f,
            1.0, 0.9f, 0.98f);

    /** The epochs of a run given no length. */
    public static final double DEFAULT_EPOCHS = 3;

    public LmFineTuneSpec {
        if (from == null) {
            throw new SpecException("from", "from is required: the checkpoint folder to continue");
        }
        corpus = dev.graft.data.Corpora.require(corpus);
        if (optimizer == null || run == null) {
            throw new IllegalArgumentException("optimizer and run are required: start from LmFineTuneSpec.defaults");
        }
        run.requireLength();
        optimizer.checkAgainst(run);
        if (!(discriminative >= 1)) {
            throw new SpecException("discriminative", "discriminative must be >= 1 (1: one rate for all layers), "
                    + "got " + discriminative);
        }
        SpecException.positive("batchSize", batchSize);
        PretrainSpec.requireSeqLen(seqLen, 4);
        if (!(maskProbability > 0 && maskProbability < 1)) {
            throw new SpecException("maskProbability", "maskProbability must be in (0, 1), got " + maskProbability);
        }
    }

    /** Where the new checkpoint is written. */
    public Path out() {
        return run.out();
    }

    /** Defaults of {@code graft lm-finetune}: 3 epochs, lr 1e-4, linear schedule, no discriminative rates. */
    public static LmFineTuneSpec defaults(Path from, List<String> corpus, Path out) {
        return new LmFineTuneSpec(from, corpus, 32, 128, 0.15, 1.0, DEFAULT_OPTIMIZER,
                RunOptions.defaults(out).withEpochs(DEFAULT_EPOCHS));
    }

    public LmFineTuneSpec withOptimizer(OptimizerSpec v) {
        return new LmFineTuneSpec(from, corpus, batchSize, seqLen, maskProbability, discriminative, v, run);
    }

    public LmFineTuneSpec withRun(RunOptions v) {
        return new LmFineTuneSpec(from, corpus, batchSize, seqLen, maskProbability, discriminative, optimizer, v);
    }

    /** This spec with {@code batch} sequences of {@code length} tokens per update and discriminative factor {@code d}. */
    public LmFineTuneSpec withBatches(int batch, int length, double d) {
        return new LmFineTuneSpec(from, corpus, batch, length, maskProbability, d, optimizer, run);
    }
}

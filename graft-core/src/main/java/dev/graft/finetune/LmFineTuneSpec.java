package dev.graft.finetune;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Task-adaptive language-model fine-tuning (ULMFiT stage 2, Howard and Ruder 2018; TAPT, Gururangan
 * et al. 2020): continue a checkpoint's pretraining objective (MLM for encoders, CLM for decoders)
 * on the task's unlabeled text.
 *
 * @param from           the pretrained checkpoint folder
 * @param corpus         text files and datasets (the train split's text of a labeled set, labels dropped)
 * @param out            the new checkpoint folder
 * @param epochs         passes over the corpus (0: none; then steps or maxTime must be set)
 * @param steps          updates (0: none)
 * @param maxTime        wall-clock budget, or null
 * @param learningRate   peak rate (the top group's with discriminative rates)
 * @param schedule       "linear" (warm-up + linear decay) or "stlr" (ULMFiT's slanted triangular)
 * @param warmup         warm-up fraction for linear
 * @param discriminative factor between adjacent layer groups' rates (1: none; ULMFiT: 2.6)
 * @param batchSize      sequences per update
 * @param seqLen         tokens per sequence
 * @param maskProbability MLM selection probability
 */
public record LmFineTuneSpec(Path from, List<String> corpus, Path out, double epochs, long steps, Duration maxTime,
                             float learningRate, String schedule, double warmup, double discriminative, int batchSize,
                             int seqLen, double maskProbability, float weightDecay, double clip, long seed, int threads,
                             boolean overwrite) {
    public LmFineTuneSpec {
        if (from == null) {
            throw new IllegalArgumentException("--from DIR is required: the checkpoint to continue");
        }
        corpus = corpus == null ? List.of() : List.copyOf(corpus);
        if (corpus.isEmpty()) {
            throw new IllegalArgumentException("--corpus is required: the task's text (files or dataset names)");
        }
        if (out == null) {
            throw new IllegalArgumentException("--out DIR is required");
        }
        if (epochs < 0 || steps < 0) {
            throw new IllegalArgumentException("epochs and steps must be >= 0");
        }
        if (epochs == 0 && steps == 0 && maxTime == null) {
            throw new IllegalArgumentException("give --epochs, --steps or --max-time");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
        if (!List.of("linear", "stlr", "constant", "cosine").contains(schedule)) {
            throw new IllegalArgumentException("unknown schedule '" + schedule + "': use linear, stlr, constant or cosine");
        }
        if (!(discriminative >= 1)) {
            throw new IllegalArgumentException("--discriminative must be >= 1, got " + discriminative);
        }
        if (batchSize < 1 || seqLen < 4 || threads < 1) {
            throw new IllegalArgumentException("batch size >= 1, sequence length >= 4 and threads >= 1 are required");
        }
    }

    /** Defaults of {@code graft lm-finetune}: 3 epochs, lr 1e-4, linear schedule, no discriminative rates. */
    public static LmFineTuneSpec defaults(Path from, List<String> corpus, Path out) {
        return new LmFineTuneSpec(from, corpus, out, 3, 0, null, 1e-4f, "linear", 0.06, 1.0, 32, 128, 0.15, 0.01f, 1.0,
                42, Runtime.getRuntime().availableProcessors(), false);
    }
}

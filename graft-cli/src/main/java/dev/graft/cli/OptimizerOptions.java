package dev.graft.cli;

import dev.graft.train.OptimizerSpec;
import dev.graft.train.ScheduleKind;
import picocli.CommandLine.Option;

/**
 * AdamW and the learning-rate schedule (--lr, --warmup, --schedule, --weight-decay, --clip, --beta1, --beta2), a
 * picocli mixin: a spec's {@link OptimizerSpec}. Its defaults are the command's spec's, given when the command
 * makes the mixin ({@code new OptimizerOptions(DEFAULTS.optimizer())}); the Java fields carry the spec's field
 * names, so an error about {@code optimizer.learningRate} prints {@code --lr}.
 */
final class OptimizerOptions {
    @Option(names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--warmup", description = "Warm-up fraction of the run (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--schedule", description = "linear, cosine or constant over the planned steps, stlr (ULMFiT's "
            + "slanted triangular), or linear-time or cosine-time: decay to 0 exactly when --max-time ends (not "
            + "bit-reproducible across machines) (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--weight-decay", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--clip", description = "Gradient-norm clip, 0 for none (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--beta1", description = "AdamW beta1 (default: ${DEFAULT-VALUE}).")
    float beta1;

    @Option(names = "--beta2", description = "AdamW beta2 (default: ${DEFAULT-VALUE}).")
    float beta2;

    OptimizerOptions(OptimizerSpec defaults) {
        learningRate = defaults.learningRate();
        warmup = defaults.warmup();
        schedule = defaults.schedule().id();
        weightDecay = defaults.weightDecay();
        clip = defaults.clip();
        beta1 = defaults.beta1();
        beta2 = defaults.beta2();
    }

    /** The optimizer given. */
    OptimizerSpec spec() {
        return new OptimizerSpec(learningRate, warmup, ScheduleKind.parse(schedule), weightDecay, clip, beta1, beta2);
    }
}

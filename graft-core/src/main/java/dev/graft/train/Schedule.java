package dev.graft.train;

import dev.graft.Named;

import java.util.Locale;

/**
 * A learning-rate schedule: the multiplier of the peak rate at a given step of a run of
 * {@code totalSteps} updates. Steps count from 0, as in Hugging Face's schedulers (so a run with
 * warm-up takes its first update at rate 0, as theirs does).
 */
public sealed interface Schedule {

    /** Multiplier in [0, 1] of the peak learning rate at {@code step} (0-based) of {@code totalSteps}. */
    double factor(long step, long totalSteps);

    /** A flag-friendly name ("linear", "cosine", "constant", "stlr"). */
    String name();

    /**
     * A linear rise over the first {@code warmupFraction} of the steps (none at 0), then {@code decay}: the
     * schedules of Hugging Face's {@code get_*_schedule_with_warmup}. {@link #constant}, {@link #linear} and
     * {@link #cosine} make them.
     */
    record Warmup(double warmupFraction, Decay decay) implements Schedule {
        public Warmup {
            checkFraction("warm-up", warmupFraction);
            if (decay == null) {
                throw new IllegalArgumentException("a decay is required (constant, linear or cosine)");
            }
        }

        @Override
        public double factor(long step, long totalSteps) {
            long warmup = (long) Math.ceil(warmupFraction * totalSteps);
            return step < warmup ? (double) step / warmup : decay.factor(step, warmup, totalSteps);
        }

        @Override
        public String name() {
            return decay.id();
        }
    }

    /** What follows the warm-up of a {@link Warmup} schedule. */
    enum Decay implements Named {
        /** The peak rate throughout (HF get_constant_schedule_with_warmup). */
        CONSTANT,
        /** A linear decay to 0 (HF get_linear_schedule_with_warmup; BERT). */
        LINEAR,
        /** Half a cosine down to 0 (HF get_cosine_schedule_with_warmup). */
        COSINE;

        /** The factor after the warm-up, from the step, the warm-up's steps and the run's. */
        double factor(long step, long warmup, long total) {
            return switch (this) {
                case CONSTANT -> 1.0;
                case LINEAR -> Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
                case COSINE -> {
                    double progress = (double) (step - warmup) / Math.max(1, total - warmup);
                    yield Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * Math.min(1.0, progress))));
                }
            };
        }
    }

    /** The peak rate throughout, after an optional linear warm-up (HF get_constant_schedule_with_warmup). */
    public static Schedule constant(double warmupFraction) {
        return new Warmup(warmupFraction, Decay.CONSTANT);
    }

    /** Linear warm-up then linear decay to 0 (HF get_linear_schedule_with_warmup; BERT). */
    public static Schedule linear(double warmupFraction) {
        return new Warmup(warmupFraction, Decay.LINEAR);
    }

    /** Linear warm-up then half a cosine down to 0 (HF get_cosine_schedule_with_warmup). */
    public static Schedule cosine(double warmupFraction) {
        return new Warmup(warmupFraction, Decay.COSINE);
    }

    /**
     * Slanted triangular learning rates (Howard and Ruder 2018, eq. 3): a short linear rise over
     * {@code cutFraction} of the steps, then a long linear decay; the lowest rate is 1/ratio of
     * the peak. ULMFiT uses cut_frac 0.1 and ratio 32.
     */
    record SlantedTriangular(double cutFraction, double ratio) implements Schedule {
        public SlantedTriangular {
            if (!(cutFraction > 0 && cutFraction < 1)) {
                throw new IllegalArgumentException("STLR cut fraction must be in (0, 1), got " + cutFraction);
            }
            if (!(ratio >= 1)) {
                throw new IllegalArgumentException("STLR ratio must be >= 1, got " + ratio);
            }
        }

        @Override
        public double factor(long step, long totalSteps) {
            long cut = Math.max(1, (long) Math.floor(totalSteps * cutFraction));
            double p = step < cut ? (double) step / cut
                    : 1.0 - (double) (step - cut) / Math.max(1e-9, cut * (1.0 / cutFraction - 1.0));
            p = Math.max(0.0, Math.min(1.0, p));
            return (1.0 + p * (ratio - 1.0)) / ratio;
        }

        @Override
        public String name() {
            return "stlr";
        }
    }

    /**
     * Warm-up then a linear or cosine decay to 0 over wall-clock time rather than steps (Cramming, Geiping
     * and Goldstein 2022: the rate reaches 0 exactly when the {@code --max-time} budget ends). The
     * {@link Trainer} computes the rate from {@link #factorAtTime} with the elapsed share of the budget and runs
     * until the budget is spent. The rate at a step then depends on how fast the machine is, so such a run is
     * not bit-reproducible across machines or loads (a resumed run continues from the recorded elapsed time).
     * Without a time budget, {@link #factor} falls back to the same shape over steps.
     */
    record TimeDecay(double warmupFraction, boolean cosine) implements Schedule {
        public TimeDecay {
            checkFraction("warm-up", warmupFraction);
        }

        /** Multiplier at {@code fraction} (elapsed / budget) of the time budget: 0 from the budget on. */
        public double factorAtTime(double fraction) {
            double f = Math.max(0.0, fraction);
            if (f >= 1.0) {
                return 0.0;
            }
            if (f < warmupFraction) {
                return f / warmupFraction;
            }
            double progress = (f - warmupFraction) / (1.0 - warmupFraction);
            return cosine ? 0.5 * (1.0 + Math.cos(Math.PI * progress)) : 1.0 - progress;
        }

        @Override
        public double factor(long step, long totalSteps) {
            return factorAtTime((double) step / Math.max(1, totalSteps));
        }

        @Override
        public String name() {
            return cosine ? "cosine-time" : "linear-time";
        }
    }

    /** Parses a flag value: constant, linear, cosine or stlr (STLR with ULMFiT's 0.1 and 32). */
    public static Schedule parse(String name, double warmupFraction) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "constant" -> constant(warmupFraction);
            case "linear" -> linear(warmupFraction);
            case "cosine" -> cosine(warmupFraction);
            case "stlr" -> new SlantedTriangular(0.1, 32);
            default -> throw new IllegalArgumentException("unknown schedule '" + name
                    + "': use constant, linear, cosine or stlr");
        };
    }

    private static void checkFraction(String what, double f) {
        if (!(f >= 0 && f < 1)) {
            throw new IllegalArgumentException(what + " fraction must be in [0, 1), got " + f);
        }
    }
}

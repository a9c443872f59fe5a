package dev.graft.train;

import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;

import java.util.Arrays;
import java.util.List;

/**
 * Discriminative fine-tuning and gradual unfreezing (Howard and Ruder 2018, sections 3.2 and 3.3):
 * parameter group l of G gets the learning rate lr / factor^(G-1-l), so the head (the last group)
 * trains at lr and each group below it 1/factor as fast (ULMFiT: 2.6); with gradual unfreezing only
 * the head trains in the first epoch, and each further epoch unfreezes the next group down. A
 * frozen parameter gets a rate scale of 0 (the optimizer skips it) and its gradient is zeroed so it
 * does not count in gradient clipping.
 */
public final class LayerwiseRates {
    private final int[] groupOfParameter;
    private final int groups;
    private final double factor;
    private final boolean gradualUnfreeze;
    private final long stepsPerEpoch;
    private int floor;
    private boolean[] frozen;

    /**
     * @param groupOfParameter group of each parameter (in {@link ParameterSet#list()} order), in [0, groups)
     * @param factor           ratio between the rates of adjacent groups, 1 for none
     * @param gradualUnfreeze  unfreeze one group per epoch, head first
     * @param stepsPerEpoch    updates per epoch (for unfreezing)
     */
    public LayerwiseRates(int[] groupOfParameter, int groups, double factor, boolean gradualUnfreeze,
                          long stepsPerEpoch) {
        if (!(factor >= 1)) {
            throw new IllegalArgumentException("the discriminative factor must be >= 1 (1 = the same rate everywhere), got "
                    + factor);
        }
        if (groups < 1) {
            throw new IllegalArgumentException("at least one parameter group is needed");
        }
        for (int g : groupOfParameter) {
            if (g < 0 || g >= groups) {
                throw new IllegalArgumentException("parameter group " + g + " is outside [0, " + groups + ")");
            }
        }
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("steps per epoch must be >= 1, got " + stepsPerEpoch);
        }
        this.groupOfParameter = groupOfParameter.clone();
        this.groups = groups;
        this.factor = factor;
        this.gradualUnfreeze = gradualUnfreeze;
        this.stepsPerEpoch = stepsPerEpoch;
    }

    /**
     * Keeps every group below {@code group} frozen for the whole run ({@code groups - 1}: the head
     * alone trains, as with a frozen backbone); returns this.
     */
    public LayerwiseRates frozenBelow(int group) {
        if (group < 0 || group >= groups) {
            throw new IllegalArgumentException("group " + group + " is outside [0, " + groups + ")");
        }
        this.floor = group;
        return this;
    }

    /**
     * Keeps the parameters marked in {@code parameters} (in {@link ParameterSet#list()} order) frozen for the
     * whole run, whatever their group (the token embedding table, say); returns this.
     */
    public LayerwiseRates frozenParameters(boolean[] parameters) {
        if (parameters.length != groupOfParameter.length) {
            throw new IllegalArgumentException(parameters.length + " flags for " + groupOfParameter.length
                    + " parameters");
        }
        this.frozen = parameters.clone();
        return this;
    }

    /** The lowest group that ever trains (0 unless {@link #frozenBelow} was set). */
    public int floor() {
        return floor;
    }

    /** The rate multiplier of group {@code g} when it is not frozen. */
    public float scale(int g) {
        return (float) Math.pow(factor, -(groups - 1 - g));
    }

    /** The lowest group that trains at update {@code step} (0-based): 0 when nothing is frozen. */
    public int lowestTrainable(long step) {
        if (!gradualUnfreeze) {
            return floor;
        }
        long epoch = step / stepsPerEpoch;
        return (int) Math.max(floor, groups - 1 - epoch);
    }

    /** Sets every parameter's rate scale for update {@code step} and zeroes the frozen gradients. */
    public void apply(long step, AdamW optimizer, ParameterSet parameters) {
        List<Parameter> list = parameters.list();
        if (list.size() != groupOfParameter.length) {
            throw new IllegalArgumentException("the rates were set up for " + groupOfParameter.length
                    + " parameters but the model has " + list.size());
        }
        int lowest = lowestTrainable(step);
        for (int i = 0; i < list.size(); i++) {
            int g = groupOfParameter[i];
            if (g < lowest || (frozen != null && frozen[i])) {
                optimizer.setLearningRateScale(i, 0f);
                Parameter p = list.get(i);
                Arrays.fill(p.grad().data(), p.grad().offset(), p.grad().offset() + p.size(), 0f);
            } else {
                optimizer.setLearningRateScale(i, scale(g));
            }
        }
    }

    /** A description for logs and run configs. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "%d groups, factor %.3g%s%s", groups, factor,
                gradualUnfreeze ? ", gradual unfreezing (one group per epoch, head first)" : "",
                floor > 0 ? ", groups below " + floor + " frozen" + (floor == groups - 1 ? " (head only)" : "") : "")
                + (frozen == null ? "" : ", " + count(frozen) + " parameter(s) frozen throughout");
    }

    private static int count(boolean[] flags) {
        int n = 0;
        for (boolean f : flags) {
            n += f ? 1 : 0;
        }
        return n;
    }
}

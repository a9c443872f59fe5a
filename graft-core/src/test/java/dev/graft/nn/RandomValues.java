package dev.graft.nn;

import java.util.List;
import java.util.Random;

/** Gaussian values for tests' parameters, element by element in parameter order (test scope). */
public final class RandomValues {
    private RandomValues() {
    }

    /** Adds N(0, scale²) noise to every value of {@code params}. */
    public static void add(List<Parameter> params, Random r, float scale) {
        fill(params, r, scale, true);
    }

    /** Replaces every value of {@code params} with N(0, scale²). */
    public static void set(List<Parameter> params, Random r, double scale) {
        fill(params, r, scale, false);
    }

    private static void fill(List<Parameter> params, Random r, double scale, boolean add) {
        for (Parameter p : params) {
            float[] d = p.value().data();
            for (int i = 0; i < p.size(); i++) {
                int at = p.value().offset() + i;
                d[at] = add ? d[at] + (float) (r.nextGaussian() * scale) : (float) (r.nextGaussian() * scale);
            }
        }
    }
}

package dev.graft.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Central finite differences against a layer's analytic backward. A five-point central stencil; the loss is L = Σ out·R with a
 * fixed random R, so ∂L/∂out = R. Sums are taken in double; perturbations are relative to each
 * value's magnitude. Every input element and every parameter element is checked (shapes are tiny).
 */
final class GradientCheck {
    /** A layer under test: forward from the current input and parameters, backward from dOut. */
    interface Subject {
        float[] forward();

        /** Returns dInput (or null when the subject has no float input). */
        float[] backward(float[] dOut);
    }

    private GradientCheck() {
    }

    static float[] random(Random r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    /**
     * Checks d(Σ out·R)/d(input) and d/d(every parameter).
     *
     * @param input      the array the subject reads its input from (perturbed in place), or null
     * @param outputSize number of output floats
     */
    static void check(String what, Subject subject, float[] input, List<Parameter> parameters, int outputSize,
                      long seed) {
        Random r = new Random(seed);
        float[] weights = random(r, outputSize, 1f);
        for (Parameter p : parameters) {
            p.grad().zero();
        }
        float[] out = subject.forward();
        assertThat(out.length).as("output size").isGreaterThanOrEqualTo(outputSize);
        float[] dIn = subject.backward(weights.clone());
        List<String> failures = new ArrayList<>();
        double globalScale = 0;
        for (float v : dIn == null ? new float[0] : dIn) {
            globalScale = Math.max(globalScale, Math.abs(v));
        }
        for (Parameter p : parameters) {
            for (float v : p.grad().toArray()) {
                globalScale = Math.max(globalScale, Math.abs(v));
            }
        }
        if (input != null) {
            float[] analytic = java.util.Arrays.copyOf(dIn, input.length);
            compare(what + " input", analytic, input, 0, input.length, subject, weights, outputSize, globalScale, failures);
        }
        for (Parameter p : parameters) {
            float[] analytic = p.grad().toArray();
            compare(what + " " + p.name(), analytic, p.value().data(), p.value().offset(), p.size(), subject,
                    weights, outputSize, globalScale, failures);
        }
        assertThat(failures).as("finite-difference mismatches for " + what).isEmpty();
    }

    private static void compare(String name, float[] analytic, float[] data, int off, int n, Subject subject,
                                float[] weights, int outputSize, double globalScale, List<String> failures) {
        double maxAnalytic = 0;
        for (float a : analytic) {
            maxAnalytic = Math.max(maxAnalytic, Math.abs(a));
        }
        double worst = 0;
        int worstAt = -1;
        double worstNumeric = 0;
        for (int i = 0; i < n; i++) {
            float original = data[off + i];
            float h = Math.max(1e-2f * Math.abs(original), 1e-2f);
            // five-point stencil: truncation error O(h^4), so h can be large enough to drown float noise
            double f2 = lossAt(data, off + i, original + 2 * h, subject, weights, outputSize);
            double f1 = lossAt(data, off + i, original + h, subject, weights, outputSize);
            double m1 = lossAt(data, off + i, original - h, subject, weights, outputSize);
            double m2 = lossAt(data, off + i, original - 2 * h, subject, weights, outputSize);
            data[off + i] = original;
            double numeric = (-f2 + 8 * f1 - 8 * m1 + m2) / (12.0 * h);
            double err = Math.abs(numeric - analytic[i]) / (Math.abs(numeric) + 0.05 * maxAnalytic + 1e-3 * globalScale + 1e-6);
            if (err > worst) {
                worst = err;
                worstAt = i;
                worstNumeric = numeric;
            }
        }
        // float32 forward passes bound how well a finite difference can agree; 1e-2 relative (with the
        // denominator floored at 5% of the tensor's largest gradient and 0.1% of the layer's, since a
        // gradient that is exactly zero, like a key bias's, only shows float noise) separates that noise
        // from a wrong formula, which is off by O(1).
        if (worst > 1e-2) {
            failures.add(String.format("%s: worst relative error %.3g at %d (numeric %.6g, analytic %.6g)", name,
                    worst, worstAt, worstNumeric, analytic[worstAt]));
        }
    }

    private static double lossAt(float[] data, int index, float value, Subject subject, float[] weights, int n) {
        data[index] = value;
        return loss(subject.forward(), weights, n);
    }

    static double loss(float[] out, float[] weights, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) out[i] * weights[i];
        }
        return s;
    }
}

package dev.graft.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * All parameters of a model in a stable order, their values in one slab and their gradients in
 * another (llm.c's single allocation), so that zeroing, clipping and the optimizer each run over
 * one array. A parameter shared by two layers (tied embeddings) appears once.
 *
 * <p>The gradient slab is allocated on first use ({@link #grads()}, or any parameter's
 * {@link Parameter#grad()}), so a model that only runs forward never allocates it. A parameter
 * belongs to the newest set built over it: building a second set moves it there (ELECTRA's whole
 * model over its discriminator's set), and the older set's slabs no longer back it.
 */
public final class ParameterSet {
    private final List<Parameter> parameters;
    private final Map<String, Parameter> byName;
    private final float[] values;
    /** Null until first asked for. */
    private volatile float[] grads;
    private final int[] offsets;

    public ParameterSet(List<Parameter> list) {
        Map<Parameter, Boolean> seen = new IdentityHashMap<>();
        List<Parameter> unique = new ArrayList<>();
        Map<String, Parameter> names = new LinkedHashMap<>();
        for (Parameter p : list) {
            if (seen.put(p, Boolean.TRUE) != null) {
                continue;
            }
            if (names.put(p.name(), p) != null) {
                throw new IllegalArgumentException("two different parameters are named " + p.name());
            }
            unique.add(p);
        }
        long total = 0;
        offsets = new int[unique.size()];
        for (int i = 0; i < unique.size(); i++) {
            offsets[i] = (int) total;
            total += unique.get(i).size();
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("model has " + total + " parameters; at most 2^31 are supported");
        }
        values = new float[(int) total];
        // gradients read before (a parameter moved from another set) come along; otherwise none yet
        boolean anyGrad = unique.stream().anyMatch(Parameter::hasGrad);
        float[] g = anyGrad ? new float[(int) total] : null;
        for (int i = 0; i < unique.size(); i++) {
            unique.get(i).moveTo(this, values, g, offsets[i]);
        }
        grads = g;
        this.parameters = Collections.unmodifiableList(unique);
        this.byName = Collections.unmodifiableMap(names);
    }

    public List<Parameter> list() {
        return parameters;
    }

    public Parameter get(String name) {
        Parameter p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return p;
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** Offset of parameter i in the slabs. */
    public int offset(int i) {
        return offsets[i];
    }

    public float[] values() {
        return values;
    }

    /** The gradient slab, allocated (zeros) and bound to the parameters on the first call. */
    public float[] grads() {
        float[] g = grads;
        return g != null ? g : allocateGrads();
    }

    private synchronized float[] allocateGrads() {
        if (grads == null) {
            float[] g = new float[values.length];
            for (int i = 0; i < parameters.size(); i++) {
                Parameter p = parameters.get(i);
                if (p.ownedBy(this)) {
                    p.bindGrad(g, offsets[i]);
                }
            }
            grads = g;
        }
        return grads;
    }

    public int count() {
        return values.length;
    }

    public void zeroGrads() {
        java.util.Arrays.fill(grads(), 0f);
    }

    /** {@link #zeroGrads()} split over the pool's threads. */
    public void zeroGrads(dev.graft.tensor.Parallel parallel) {
        float[] g = grads();
        parallel.forRange(g.length, 1 << 16, (s, e) -> java.util.Arrays.fill(g, s, e, 0f));
    }
}

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
 */
public final class ParameterSet {
    private final List<Parameter> parameters;
    private final Map<String, Parameter> byName;
    private final float[] values;
    private final float[] grads;
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
        grads = new float[(int) total];
        for (int i = 0; i < unique.size(); i++) {
            unique.get(i).moveTo(values, grads, offsets[i]);
        }
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

    public float[] grads() {
        return grads;
    }

    public int count() {
        return values.length;
    }

    public void zeroGrads() {
        java.util.Arrays.fill(grads, 0f);
    }

    /** {@link #zeroGrads()} split over the pool's threads. */
    public void zeroGrads(dev.graft.tensor.Parallel parallel) {
        parallel.forRange(grads.length, 1 << 16, (s, e) -> java.util.Arrays.fill(grads, s, e, 0f));
    }
}

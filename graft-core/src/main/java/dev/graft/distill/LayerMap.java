package dev.graft.distill;

import dev.graft.SpecException;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which teacher block each student block learns to reproduce in layer-wise distillation (TinyBERT's
 * mapping function n = g(m), Jiao et al. 2020, section 3.2). Blocks are numbered from 0; the embeddings
 * are not mapped. Not every student block need be mapped.
 *
 * @param studentLayers number of student blocks
 * @param teacherLayers number of teacher blocks
 * @param teacherOf     per student block, its teacher block, or -1 for none
 */
public record LayerMap(int studentLayers, int teacherLayers, int[] teacherOf) {

    public LayerMap {
        teacherOf = teacherOf.clone();
        if (teacherOf.length != studentLayers) {
            throw new IllegalArgumentException("a layer map needs one entry per student block (" + studentLayers
                    + "), got " + teacherOf.length);
        }
        boolean any = false;
        for (int s = 0; s < studentLayers; s++) {
            int t = teacherOf[s];
            if (t < -1 || t >= teacherLayers) {
                throw new IllegalArgumentException("layer map: teacher block " + t + " for student block " + s
                        + " is outside the teacher's blocks 0.." + (teacherLayers - 1));
            }
            any |= t >= 0;
        }
        if (!any) {
            throw new IllegalArgumentException("layer map maps no student block");
        }
    }

    /**
     * The uniform map (TinyBERT's g(m) = m·N/M counted from 1): student block s (from 0) learns teacher block
     * floor((s + 1)·N / M) - 1, so the last blocks meet and a 6-block student of a 12-block teacher learns
     * blocks 1, 3, 5, 7, 9, 11.
     */
    public static LayerMap uniform(int studentLayers, int teacherLayers) {
        if (studentLayers > teacherLayers) {
            throw new SpecException("layerMap", "the student has more blocks (" + studentLayers + ") than the teacher ("
                    + teacherLayers + "): give layerMap to say which teacher block each student block learns");
        }
        int[] t = new int[studentLayers];
        for (int s = 0; s < studentLayers; s++) {
            t[s] = (int) ((long) (s + 1) * teacherLayers / studentLayers) - 1;
        }
        return new LayerMap(studentLayers, teacherLayers, t);
    }

    /**
     * Parses a layer map, {@code "0:1,1:3,2:5"} (student block : teacher block, both from 0); student blocks not
     * named are not mapped. Errors name the bad item and the valid ranges.
     */
    public static LayerMap parse(String text, int studentLayers, int teacherLayers) {
        int[] t = new int[studentLayers];
        Arrays.fill(t, -1);
        if (text == null || text.isBlank()) {
            throw new SpecException("layerMap", "layerMap is empty: give student:teacher pairs, e.g. 0:1,1:3");
        }
        for (String item : text.split(",")) {
            String s = item.trim();
            int colon = s.indexOf(':');
            int student;
            int teacher;
            try {
                if (colon < 0) {
                    throw new NumberFormatException();
                }
                student = Integer.parseInt(s.substring(0, colon).trim());
                teacher = Integer.parseInt(s.substring(colon + 1).trim());
            } catch (NumberFormatException e) {
                throw new SpecException("layerMap", "layerMap item '" + s + "' is not student:teacher (two block "
                        + "numbers from 0, e.g. 0:1)");
            }
            if (student < 0 || student >= studentLayers) {
                throw new SpecException("layerMap", "layerMap item '" + s + "': student block " + student
                        + " is outside the student's blocks 0.." + (studentLayers - 1));
            }
            if (teacher < 0 || teacher >= teacherLayers) {
                throw new SpecException("layerMap", "layerMap item '" + s + "': teacher block " + teacher
                        + " is outside the teacher's blocks 0.." + (teacherLayers - 1));
            }
            if (t[student] >= 0) {
                throw new SpecException("layerMap", "layerMap maps student block " + student + " twice");
            }
            t[student] = teacher;
        }
        return new LayerMap(studentLayers, teacherLayers, t);
    }

    /** The mapped student blocks, in order. */
    public int[] studentBlocks() {
        return java.util.stream.IntStream.range(0, studentLayers).filter(s -> teacherOf[s] >= 0).toArray();
    }

    /** The mapped teacher blocks, in the order of {@link #studentBlocks()}. */
    public int[] teacherBlocks() {
        return Arrays.stream(teacherOf).filter(t -> t >= 0).toArray();
    }

    @Override
    public int[] teacherOf() {
        return teacherOf.clone();
    }

    /** "0:1,1:3,2:5": the form {@link #parse} reads. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int s = 0; s < studentLayers; s++) {
            if (teacherOf[s] >= 0) {
                b.append(b.isEmpty() ? "" : ",").append(String.format(Locale.ROOT, "%d:%d", s, teacherOf[s]));
            }
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerMap m && m.studentLayers == studentLayers && m.teacherLayers == teacherLayers
                && Arrays.equals(m.teacherOf, teacherOf);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * studentLayers + teacherLayers) + Arrays.hashCode(teacherOf);
    }
}

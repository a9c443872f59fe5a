package dev.graft.distill;

import dev.graft.model.Backbone;
import dev.graft.model.SentenceEmbedder;
import dev.graft.model.TokenBatch;

import dev.graft.nn.Pooling;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * What the student learns from the teacher on one batch: for the embedding loss, its pooled embeddings
 * (B, D_T); for the layer loss, the outputs (B·T, D_T) and attention distributions (B, H, T, T) of the mapped
 * teacher blocks, H the teacher's heads or 1 (their average) as {@link LayerLoss#comparedHeads} says. Copies,
 * not views of the teacher's buffers, so they survive its next forward and can be cached on disk.
 *
 * @param pooled    (B, D_T), or null for the layer loss
 * @param hidden    per mapped pair (B·T, D_T), or null for the embedding loss
 * @param attention per mapped pair (B, H, T, T), or null for the embedding loss
 */
public record TeacherOutputs(float[] pooled, float[][] hidden, float[][] attention) {
    private static final int MAGIC = 0x47445431; // "GDT1"

    /**
     * The teacher's pooled target after a training-path forward of {@code batch} that left {@code hidden} (the
     * student's path: a copy of the teacher reproduces it exactly).
     */
    public static TeacherOutputs embedding(float[] hidden, TokenBatch batch, Pooling pooling,
                                           boolean normalize, int width) {
        return new TeacherOutputs(EmbeddingLoss.target(hidden, batch, pooling, normalize, width), null, null);
    }

    /** The teacher's pooled target from its inference path's packed hidden states. */
    public static TeacherOutputs embedding(dev.graft.model.EncoderInference.Packed packed,
                                           Pooling pooling, boolean normalize) {
        return new TeacherOutputs(EmbeddingLoss.target(packed, pooling, normalize), null, null);
    }

    /** The mapped blocks' outputs and attention after a forward of {@code batch} through {@code teacher}. */
    public static TeacherOutputs layers(Backbone teacher, TokenBatch batch, int[] teacherBlocks, int studentHeads) {
        int n = batch.rows();
        int width = teacher.config().hiddenSize();
        int heads = teacher.config().numberOfHeads();
        int compared = LayerLoss.comparedHeads(studentHeads, heads);
        int tt = batch.time() * batch.time();
        float[][] hidden = new float[teacherBlocks.length][];
        float[][] attention = new float[teacherBlocks.length][];
        for (int p = 0; p < teacherBlocks.length; p++) {
            hidden[p] = Arrays.copyOf(teacher.blockOutput(teacherBlocks[p]), n * width);
            float[] probs = teacher.attention(teacherBlocks[p]).probabilities();
            if (compared == heads) {
                attention[p] = Arrays.copyOf(probs, batch.batch() * heads * tt);
            } else {
                attention[p] = new float[batch.batch() * tt];
                LayerLoss.averageHeads(probs, batch.batch(), heads, batch.time(), attention[p]);
            }
        }
        return new TeacherOutputs(null, hidden, attention);
    }

    /** Writes the arrays (little-endian floats after a small header). */
    void write(DataOutputStream out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(pooled == null ? 0 : 1);
        if (pooled != null) {
            writeArray(out, pooled);
        }
        int pairs = hidden == null ? 0 : hidden.length;
        out.writeInt(pairs);
        for (int p = 0; p < pairs; p++) {
            writeArray(out, hidden[p]);
            writeArray(out, attention[p]);
        }
    }

    /** Reads what {@link #write} wrote; {@code source} names the file in errors. */
    static TeacherOutputs read(DataInputStream in, String source) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException(source + ": not a graft teacher-cache file; delete it (it is recomputed)");
        }
        float[] pooled = in.readInt() == 1 ? readArray(in) : null;
        int pairs = in.readInt();
        if (pairs < 0 || pairs > 10_000) {
            throw new IOException(source + ": corrupt teacher-cache file (" + pairs + " layer pairs); delete it");
        }
        float[][] hidden = pairs == 0 ? null : new float[pairs][];
        float[][] attention = pairs == 0 ? null : new float[pairs][];
        for (int p = 0; p < pairs; p++) {
            hidden[p] = readArray(in);
            attention[p] = readArray(in);
        }
        return new TeacherOutputs(pooled, hidden, attention);
    }

    private static void writeArray(DataOutputStream out, float[] a) throws IOException {
        out.writeInt(a.length);
        ByteBuffer buf = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(a);
        out.write(buf.array());
    }

    private static float[] readArray(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("corrupt teacher-cache array length " + n);
        }
        byte[] bytes = new byte[n * 4];
        in.readFully(bytes);
        float[] a = new float[n];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(a);
        return a;
    }

    /** Bytes this holds (for the cache's size estimate). */
    public long bytes() {
        long b = pooled == null ? 0 : pooled.length * 4L;
        if (hidden != null) {
            for (int p = 0; p < hidden.length; p++) {
                b += hidden[p].length * 4L + attention[p].length * 4L;
            }
        }
        return b;
    }
}

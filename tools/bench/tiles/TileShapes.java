import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * GFLOP/s of GEMM register tiles of 6, 5 and 4 rows x 16 columns (8-lane AVX2 vectors) with the operands
 * in L1, as C2 compiles them: session 15 found that on a Zen 3 core C2 keeps only the 4-row tile's
 * accumulators in registers (docs/PERFORMANCE.md, "Session 15"). Compare with tiles.c, the 6 x 16 tile
 * in C intrinsics.
 *
 * <pre>java --add-modules jdk.incubator.vector tools/bench/tiles/TileShapes.java</pre>
 */
public class TileShapes {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final int L = 8;

    /** A 6 x 16 tile: 12 accumulators. */
    static void tile6(int kc, float[] ap, float[] bp, float[] c, int ldc) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
        for (int p = 0; p < kc; p++) {
            int ao = p * 6;
            int bo = p * 16;
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
            FloatVector x;
            x = FloatVector.broadcast(F, ap[ao + 0]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, ap[ao + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, ap[ao + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, ap[ao + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, ap[ao + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, ap[ao + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        c00.intoArray(c, 0 * ldc); c01.intoArray(c, 0 * ldc + L);
        c10.intoArray(c, 1 * ldc); c11.intoArray(c, 1 * ldc + L);
        c20.intoArray(c, 2 * ldc); c21.intoArray(c, 2 * ldc + L);
        c30.intoArray(c, 3 * ldc); c31.intoArray(c, 3 * ldc + L);
        c40.intoArray(c, 4 * ldc); c41.intoArray(c, 4 * ldc + L);
        c50.intoArray(c, 5 * ldc); c51.intoArray(c, 5 * ldc + L);
    }

    /** A 5 x 16 tile: 10 accumulators. */
    static void tile5(int kc, float[] ap, float[] bp, float[] c, int ldc) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z;
        for (int p = 0; p < kc; p++) {
            int ao = p * 5;
            int bo = p * 16;
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
            FloatVector x;
            x = FloatVector.broadcast(F, ap[ao + 0]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, ap[ao + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, ap[ao + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, ap[ao + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, ap[ao + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
        }
        c00.intoArray(c, 0 * ldc); c01.intoArray(c, 0 * ldc + L);
        c10.intoArray(c, 1 * ldc); c11.intoArray(c, 1 * ldc + L);
        c20.intoArray(c, 2 * ldc); c21.intoArray(c, 2 * ldc + L);
        c30.intoArray(c, 3 * ldc); c31.intoArray(c, 3 * ldc + L);
        c40.intoArray(c, 4 * ldc); c41.intoArray(c, 4 * ldc + L);
    }

    /** A 4 x 16 tile: 8 accumulators. */
    static void tile4(int kc, float[] ap, float[] bp, float[] c, int ldc) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        for (int p = 0; p < kc; p++) {
            int ao = p * 4;
            int bo = p * 16;
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
            FloatVector x;
            x = FloatVector.broadcast(F, ap[ao + 0]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, ap[ao + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, ap[ao + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, ap[ao + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        c00.intoArray(c, 0 * ldc); c01.intoArray(c, 0 * ldc + L);
        c10.intoArray(c, 1 * ldc); c11.intoArray(c, 1 * ldc + L);
        c20.intoArray(c, 2 * ldc); c21.intoArray(c, 2 * ldc + L);
        c30.intoArray(c, 3 * ldc); c31.intoArray(c, 3 * ldc + L);
    }

    public static void main(String[] args) {
        int kc = 256;
        int reps = 200_000;
        float[] ap = new float[kc * 6];
        float[] bp = new float[kc * 16];
        float[] c = new float[6 * 64];
        for (int i = 0; i < ap.length; i++) {
            ap[i] = (i % 7) * 0.01f;
        }
        for (int i = 0; i < bp.length; i++) {
            bp[i] = (i % 5) * 0.01f;
        }
        for (int round = 0; round < 5; round++) {
            long t = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                tile6(kc, ap, bp, c, 64);
            }
            double g6 = 2.0 * 6 * 16 * kc * reps / (System.nanoTime() - t);
            t = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                tile5(kc, ap, bp, c, 64);
            }
            double g5 = 2.0 * 5 * 16 * kc * reps / (System.nanoTime() - t);
            t = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                tile4(kc, ap, bp, c, 64);
            }
            double g4 = 2.0 * 4 * 16 * kc * reps / (System.nanoTime() - t);
            System.out.printf("round %d: 6x16 %.1f  5x16 %.1f  4x16 %.1f GFLOP/s (checksum %.4f)%n", round, g6, g5, g4,
                    c[5]);
        }
    }
}

package dev.graft.tensor.kernel;

import dev.graft.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the JDK Vector API ({@code jdk.incubator.vector}), with {@link ScalarKernels} as the
 * reference semantics. Every {@link Kernels} method is overridden here.
 *
 * <p><b>GEMM</b> follows the GotoBLAS/BLIS design (Goto and van de Geijn, "Anatomy of
 * High-Performance Matrix Multiplication", ACM TOMS 2008; Van Zee and van de Geijn, "BLIS", ACM
 * TOMS 2015): the k dimension is cut into blocks of {@link #KC}, B into column blocks of
 * {@link #NC} packed as panels of {@link #NR} columns, A into row blocks of {@link #MC} packed as
 * slivers of {@link #MR} rows, and a register-tiled micro-kernel computes an MR x NR tile of C
 * with fused multiply-adds. The three forms (NN, NT, TN) differ only in how they pack. Packing
 * buffers belong to the calling thread and are reused (grown only when a larger problem arrives).
 * A constant weight can be packed once ({@link #packWeight}: every B panel of every block, in the
 * layout the GEMM packs on the fly), and the GEMM then reads those panels instead of packing B.
 * Threads split only the output (rows of C, or column panels when C has few rows), never k, and
 * every element of C is computed by the same sequence of operations whatever tile or thread it
 * falls in, so results are bit-identical for any thread count.
 *
 * <p><b>Reductions</b> (dot, sums in softmax, layer norm, cross-entropy) keep per-lane partial sums
 * in float vectors over short chunks, add each chunk's lanes in a fixed order and accumulate the
 * chunks in double: {@code reduceLanes(ADD)} has an unspecified order that can differ between JIT
 * tiers. (No float-to-double vector conversions: C2 does not always intrinsify them.)
 *
 * <p><b>exp</b> is evaluated with a polynomial (Cephes {@code expf}: Cody-Waite reduction by ln 2,
 * degree-5 minimax polynomial, relative error about 1 ulp) built only from IEEE add, multiply and
 * fma, so interpreted, C1 and C2 code give the same bits; the scalar tails use the same formula.
 * GELU's erf form uses the same erfc approximation as the reference (Numerical Recipes' erfcc),
 * its tanh form tanh(u) = sign(u)·(1 - 2/(exp(2|u|)+1)). The fused epilogue of
 * {@link #linearTransB} (inference) evaluates the erf form without a division instead
 * ({@link #fusedGeluErfRows}: erfc = exp of a polynomial), which {@link #gelu} and
 * {@link #geluBackward} (training) do not use.
 */
public class VectorKernels extends ScalarKernels implements KernelProvider.VectorCapable {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Float lanes per vector. */
    static final int L = F.length();

    // ---------------------------------------------------------------- GEMM blocking
    /*
     * The block sizes below can be overridden for experiments by system properties read once when
     * this class initialises (graft.gemm.kc, graft.gemm.mcSlivers, graft.gemm.ncPanels,
     * graft.gemm.widePanels, graft.gemm.rowPieces): GemmConfigAB (test scope) loads this class once per configuration, each
     * in its own class loader, and times them interleaved in one JVM. Nothing else sets them.
     */
    /** Rows of the register tile: 8 with 32 vector registers (AVX-512), 6 with 16 (AVX2). */
    static final int MR = L >= 16 ? 8 : 6;
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * L;
    /** k block: one NR-wide B panel of KC rows stays in L1 while A slivers stream from L2. */
    static final int KC = tuning("graft.gemm.kc", 256);
    /**
     * Rows of A packed at once (kept in L2): 96 with the 8-row tile. Against 192, on MiniLM's four
     * layer GEMMs (GemmConfigAB, 100 passes, after the balanced column blocks): 1.025 (IQR
     * 1.015-1.034) and 1.021, A/A 1.003; on the training GEMMs (BenchShapeGemms) 1.005.
     */
    static final int MC = MR * tuning("graft.gemm.mcSlivers", 12);
    /**
     * The most columns of B packed at once (1152 with 16 lanes); an n-column GEMM cuts its columns
     * into equal blocks of whole panels of at most this ({@link #columnBlock}): 1152 stays one
     * block, 1536 two of 768, so that a block of KC rows (at most 1.2 MB) stays in the 2 MB L2 with
     * the A block while the wide GEMMs walk it sliver by sliver, and no block is a narrow remainder.
     * Measured on all-MiniLM-L6-v2's layer GEMMs (1160 rows; GemmConfigAB, configurations in their
     * own class loaders interleaved pass by pass): at most 768 columns per block, unbalanced (1152
     * as 768 + 384, whose narrow remainder runs panel by panel), against 4096: 1.032 (IQR
     * 1.013-1.060) and 1.015; balanced blocks of at most 1152 against that: the Q|K|V GEMM (1152 x
     * 384) 1.08, 1536 x 384 unchanged (the same blocks).
     */
    static final int NC = NR * tuning("graft.gemm.ncPanels", 36);
    /**
     * Whether column blocks are balanced ({@link #columnBlock}); {@code -Dgraft.gemm.balancedColumns=false}:
     * blocks of NC, then the remainder (the layout before, for A/B measurements).
     */
    static final boolean BALANCED_COLUMNS = !"false".equals(System.getProperty("graft.gemm.balancedColumns"));

    /** Columns per block for an n-column GEMM: n in equal blocks of whole panels, at most {@link #NC} each. */
    static int columnBlock(int n) {
        if (!BALANCED_COLUMNS || n <= NC) {
            return NC;
        }
        int blocks = (n + NC - 1) / NC;
        int panels = (n + NR - 1) / NR;
        return (panels + blocks - 1) / blocks * NR;
    }
    /**
     * From this many B panels on (768 columns with 16 lanes), the macro-kernel walks C sliver by
     * sliver instead of panel by panel. Measured in-process (GemmProbe-style A/B, 1152 rows, k 384,
     * alternating rep by rep): 1.05x at 768 columns, 1.09x at 1152, 1.02x at 1536; at 384 columns
     * the panel order is faster (the sliver order 0.95-0.97x).
     */
    static final int WIDE_PANELS = tuning("graft.gemm.widePanels", 24);

    /** A block size: the system property {@code name} when set (a positive integer), else {@code otherwise}. */
    private static int tuning(String name, int otherwise) {
        String v = System.getProperty(name);
        if (v == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("system property " + name + "=" + v + " is not a positive integer: "
                + "remove it or give a block size such as " + otherwise);
    }
    /** Below this many multiply-adds a GEMM takes the direct (unpacked) path. */
    static final long SMALL_MACS = 48L * 48 * 48;
    /**
     * The same for A·Bᵀ, lower: its direct path is a dot product per element, each ending in a lane
     * reduction, and packing pays from small sizes on (2x at one attention head's 37 x 37 x 32).
     */
    static final long SMALL_NT_MACS = 24L * 24 * 24;
    /**
     * Below this many multiply-adds (about 50 µs on one core) a GEMM stays on the calling thread:
     * handing work to a pool thread costs microseconds, far more when the machine is oversubscribed.
     */
    static final long PARALLEL_MACS = 1L << 22;
    /** From this many multiply-adds on, threads split rows of C (B packed once, shared) rather than columns. */
    static final long ROWS_SPLIT_MACS = 1L << 23;
    /** Pieces per thread when threads split the rows of C (handed out dynamically). */
    static final int ROW_PIECES = tuning("graft.gemm.rowPieces", 4);
    /** Padding (one cache line of floats) between packed slivers and panels against L1 set aliasing. */
    static final int PAD = 16;
    /** Eight float lanes, for copying one 8-row sliver column when packing Aᵀ. */
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    static final int NN = 0;
    static final int NT = 1;
    static final int TN = 2;

    private final Parallel parallel;

    public VectorKernels(Parallel parallel) {
        this.parallel = parallel;
    }

    @Override
    public String name() {
        return "vector-" + F.vectorBitSize();
    }

    @Override
    public boolean supported() {
        return F.vectorBitSize() >= 256;
    }

    /** A description of the GEMM micro-kernel and blocking, for benchmarks and logs. */
    public static String gemmDescription() {
        return "packed GEMM, " + MR + "x" + NR + " register tile (" + MR + " rows x " + (NR / L) + " vectors of "
                + L + " floats, fma), blocks KC=" + KC + " MC=" + MC + " NC=" + NC
                + "; direct path below " + SMALL_MACS + " multiply-adds";
    }

    // ================================================================= GEMM

    @Override
    public void matmul(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, boolean accumulate) {
        gemm(NN, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void matmulTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        gemm(NT, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void matmulTransA(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        gemm(TN, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void linearTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] w, int wOff, int ldw,
                             float[] bias, int biasOff, GeluForm act, float[] residual, int residualOff, int ldr,
                             float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (bias == null && act == null && residual == null) {
            gemm(NT, m, n, k, a, aOff, lda, w, wOff, ldw, c, cOff, ldc, false);
            return;
        }
        if (k <= 0 || direct(NT, m, n, k)) {
            // small: the plain GEMM, then the epilogue over the whole output
            gemm(NT, m, n, k, a, aOff, lda, w, wOff, ldw, c, cOff, ldc, false);
            epilogue(m, n, c, cOff, ldc, bias, biasOff, act, residual, residualOff, ldr);
            return;
        }
        GemmTask t = SCRATCH.get().task;
        t.epilogue(bias, biasOff, act, residual, residualOff, ldr);
        gemm(NT, m, n, k, a, aOff, lda, w, wOff, ldw, c, cOff, ldc, false);
    }

    /**
     * The vector kernels' packed weight: the B panels of every (column block, k block) of the A·Wᵀ
     * GEMM, laid out as the GEMM packs them on the fly, block (jb, kb) starting at
     * {@code data[blockOffset[jb·kBlocks + kb]]}.
     */
    record Panels(int outputs, int inputs, float[] data, int[] blockOffset) implements PackedWeight {
        int offset(int jc, int kb) {
            return blockOffset[jc / columnBlock(outputs) * ((inputs + KC - 1) / KC) + kb];
        }
    }

    @Override
    public PackedWeight packWeight(int n, int k, float[] w, int wOff, int ldw) {
        int kBlocks = (Math.max(k, 0) + KC - 1) / KC;
        int ncb = columnBlock(n);
        int jBlocks = (Math.max(n, 0) + ncb - 1) / ncb;
        int[] offsets = new int[jBlocks * kBlocks];
        long size = 0;
        for (int jb = 0; jb < jBlocks; jb++) {
            int panels = (Math.min(ncb, n - jb * ncb) + NR - 1) / NR;
            for (int kb = 0; kb < kBlocks; kb++) {
                offsets[jb * kBlocks + kb] = (int) size;
                size += (long) panels * GemmTask.bStride(Math.min(KC, k - kb * KC));
            }
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("weight " + n + " x " + k + " is too large to pack into one array");
        }
        float[] data = new float[(int) size];
        GemmTask t = new GemmTask();
        t.set(NT, 0, n, k, null, 0, 0, w, wOff, ldw, null, 0, 0, false);
        for (int jb = 0; jb < jBlocks; jb++) {
            int nc = Math.min(ncb, n - jb * ncb);
            for (int kb = 0; kb < kBlocks; kb++) {
                t.block(jb * ncb, nc, kb, kb + 1, data, offsets[jb * kBlocks + kb]);
                t.packB(0, (nc + NR - 1) / NR);
            }
        }
        t.clear();
        return new Panels(n, k, data, offsets);
    }

    @Override
    public void linearTransB(int m, float[] a, int aOff, int lda, PackedWeight w, float[] bias, int biasOff,
                             GeluForm act, float[] residual, int residualOff, int ldr, float[] c, int cOff, int ldc) {
        if (!(w instanceof Panels panels)) {
            throw PackedWeight.foreign(w, name());
        }
        int n = panels.outputs();
        int k = panels.inputs();
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            gemm(NT, m, n, k, a, aOff, lda, null, 0, 0, c, cOff, ldc, false);
            epilogue(m, n, c, cOff, ldc, bias, biasOff, act, residual, residualOff, ldr);
            return;
        }
        // always the packed path (no direct path for small problems: the weight is packed already)
        GemmTask t = SCRATCH.get().task;
        if (bias != null || act != null || residual != null) {
            t.epilogue(bias, biasOff, act, residual, residualOff, ldr);
        }
        packedGemm(NT, m, n, k, a, aOff, lda, null, 0, 0, c, cOff, ldc, false, panels);
    }

    /**
     * The epilogue of {@link #linearTransB} over a block of C: c = act(c + bias) + residual, each
     * part skipped when null, with the float operations of addBiasRows, gelu and add.
     */
    static void epilogue(int rows, int cols, float[] c, int ci, int ldc, float[] bias, int bOff, GeluForm act,
                         float[] res, int ri, int ldr) {
        if (act == GeluForm.ERF) {
            fusedGeluErfRows(rows, cols, c, ci, ldc, bias, bOff, c, ci, ldc);
        } else if (act == GeluForm.TANH) {
            geluTanhRows(rows, cols, c, ci, ldc, bias, bOff, c, ci, ldc);
        }
        float[] b = act == null ? bias : null;
        if (b == null && res == null) {
            return;
        }
        int bound = F.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int co = ci + r * ldc;
            int ro = ri + r * ldr;
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector v = FloatVector.fromArray(F, c, co + j);
                if (b != null) {
                    v = v.add(FloatVector.fromArray(F, b, bOff + j));
                }
                if (res != null) {
                    v = v.add(FloatVector.fromArray(F, res, ro + j));
                }
                v.intoArray(c, co + j);
            }
            for (; j < cols; j++) {
                float v = c[co + j];
                if (b != null) {
                    v += b[bOff + j];
                }
                if (res != null) {
                    v += res[ro + j];
                }
                c[co + j] = v;
            }
        }
    }

    /** Whether a GEMM of this form and shape takes the direct (unpacked) path. */
    private static boolean direct(int form, int m, int n, int k) {
        long macs = (long) m * n * k;
        return macs < (form == NT ? SMALL_NT_MACS : SMALL_MACS) || m < 4 || n < L || k < 4;
    }

    private void gemm(int form, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, boolean accumulate) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return;
        }
        if (direct(form, m, n, k)) {
            gemmDirect(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        packedGemm(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, null);
    }

    /**
     * The packed (Goto) GEMM for m, n, k >= 1, packing B on the fly, or reading its panels from
     * {@code prepacked} (an NT weight from {@link #packWeight}) when that is not null.
     */
    private void packedGemm(int form, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                            int ldb, float[] c, int cOff, int ldc, boolean accumulate, Panels prepacked) {
        long macs = (long) m * n * k;
        Scratch s = SCRATCH.get();
        GemmTask t = s.task;
        t.set(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        int threads = parallel.threads();
        boolean par = threads > 1 && macs >= PARALLEL_MACS;
        int kBlocks = (k + KC - 1) / KC;
        try {
            // Goto's loop order: column blocks of B, then k blocks (B packed once per block, shared by
            // the threads), then row blocks of A (packed per thread), then the macro-kernel
            int ncb = columnBlock(n);
            for (int jc = 0; jc < n; jc += ncb) {
                int nc = Math.min(ncb, n - jc);
                int panels = (nc + NR - 1) / NR;
                for (int kb = 0; kb < kBlocks; kb++) {
                    if (prepacked == null) {
                        t.block(jc, nc, kb, kb + 1, s.bPack(panels * (KC * NR + PAD)), 0);
                    } else {
                        t.block(jc, nc, kb, kb + 1, prepacked.data(), prepacked.offset(jc, kb));
                        t.prepacked = true;
                    }
                    int slivers = (m + MR - 1) / MR;
                    boolean fewColumns = panels < 2 * threads;
                    if (par && slivers >= 4 * threads && (fewColumns || macs >= ROWS_SPLIT_MACS)) {
                        // B is shared: pack its panels across threads, then split the rows of C.
                        if (prepacked == null) {
                            t.mode = GemmTask.PACK_B;
                            parallel.forRange(panels, 1, t);
                        }
                        // rows handed out in pieces to whichever thread is free (a vCPU slowed by
                        // another tenant does not hold the other back); same bits for any split
                        t.mode = GemmTask.ROWS;
                        parallel.forRangeDynamic(slivers, 2, ROW_PIECES, t);
                    } else if (par && !fewColumns) {
                        // few rows, or a small problem (one region instead of two): each thread packs
                        // its own B panels and all of A
                        t.mode = GemmTask.COLUMNS;
                        parallel.forRange(panels, 1, t);
                    } else {
                        t.mode = GemmTask.COLUMNS;
                        t.run(0, panels);
                    }
                }
            }
        } finally {
            t.clear();
        }
    }

    /** Per-thread packing buffers (grown when needed, never shrunk) and the reusable task. */
    static final class Scratch {
        float[] aPack = new float[0];
        float[] bPack = new float[0];
        final float[] tile = new float[MR * NR];
        final GemmTask task = new GemmTask();

        float[] aPack(int size) {
            if (aPack.length < size) {
                aPack = new float[size];
            }
            return aPack;
        }

        float[] bPack(int size) {
            if (bPack.length < size) {
                bPack = new float[size];
            }
            return bPack;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** One GEMM call's state, reused by the calling thread (no allocation per call). */
    static final class GemmTask implements Parallel.RangeBody {
        static final int PACK_B = 0;
        static final int ROWS = 1;
        static final int COLUMNS = 2;
        static final int DIRECT = 3;

        int form;
        int m;
        int n;
        int k;
        float[] a;
        int aOff;
        int lda;
        float[] b;
        int bOff;
        int ldb;
        float[] c;
        int cOff;
        int ldc;
        boolean accumulate;
        /** The epilogue applied to each tile after the last k block (linearTransB), or none. */
        boolean hasEpilogue;
        float[] bias;
        int biasOff;
        GeluForm act;
        float[] res;
        int resOff;
        int ldr;
        int jc;
        int nc;
        /** The k blocks [kb0, kb1) (of KC each, the last possibly shorter) whose B panels are packed. */
        int kb0;
        int kb1;
        float[] bPack;
        /** Offset in bPack of the panels of k block kb0. */
        int bBase0;
        /** Whether bPack holds a weight packed beforehand ({@link #packWeight}): never pack B. */
        boolean prepacked;
        volatile int mode;

        void set(int form, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                 float[] c, int cOff, int ldc, boolean accumulate) {
            this.form = form;
            this.m = m;
            this.n = n;
            this.k = k;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.b = b;
            this.bOff = bOff;
            this.ldb = ldb;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
            this.accumulate = accumulate;
        }

        /** Sets the epilogue of the next GEMM (cleared by {@link #clear}). */
        void epilogue(float[] bias, int biasOff, GeluForm act, float[] res, int resOff, int ldr) {
            this.hasEpilogue = true;
            this.bias = bias;
            this.biasOff = biasOff;
            this.act = act;
            this.res = res;
            this.resOff = resOff;
            this.ldr = ldr;
        }

        void block(int jc, int nc, int kb0, int kb1, float[] bPack, int bBase0) {
            this.jc = jc;
            this.nc = nc;
            this.kb0 = kb0;
            this.kb1 = kb1;
            this.bPack = bPack;
            this.bBase0 = bBase0;
        }

        /** Length of k block kb. */
        int kcOf(int kb) {
            return Math.min(KC, k - kb * KC);
        }

        /** Offset in bPack of the panels of k block kb. */
        int bBase(int kb) {
            return bBase0 + (kb - kb0) * ((nc + NR - 1) / NR) * (KC * NR + PAD);
        }

        void clear() {
            a = null;
            b = null;
            c = null;
            bPack = null;
            prepacked = false;
            hasEpilogue = false;
            bias = null;
            act = null;
            res = null;
        }

        @Override
        public void run(int start, int end) {
            switch (mode) {
                case PACK_B -> packB(start, end);
                case ROWS -> computeRows(start * MR, Math.min(m, end * MR));
                case DIRECT -> directRows(form, start, end, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc,
                        accumulate);
                default -> computeColumns(start, end);
            }
        }

        /** Floats between packed slivers of A: kc·MR plus a cache line, so slivers do not alias in L1. */
        static int aStride(int kc) {
            return kc * MR + PAD;
        }

        /** Floats between packed panels of B. */
        static int bStride(int kc) {
            return kc * NR + PAD;
        }

        private void computeRows(int r0, int r1) {
            Scratch s = SCRATCH.get();
            int panels = (nc + NR - 1) / NR;
            for (int ic = r0; ic < r1; ic += MC) {
                int mc = Math.min(MC, r1 - ic);
                for (int kb = kb0; kb < kb1; kb++) {
                    macroKernel(packA(s, ic, mc, kb), ic, mc, 0, panels, kb, s.tile);
                }
            }
        }

        private void computeColumns(int q0, int q1) {
            Scratch s = SCRATCH.get();
            if (!prepacked) {
                packB(q0, q1);
            }
            for (int ic = 0; ic < m; ic += MC) {
                int mc = Math.min(MC, m - ic);
                for (int kb = kb0; kb < kb1; kb++) {
                    macroKernel(packA(s, ic, mc, kb), ic, mc, q0, q1, kb, s.tile);
                }
            }
        }

        /**
         * Packs rows [ic, ic+mc) of k block kb of A as slivers (in the thread's scratch) and returns
         * them. (Reading full slivers of row-major A in place, without packing, was measured slower:
         * 0.78-0.97x at the shapes of GemmBench and MiniLM.)
         */
        private float[] packA(Scratch s, int ic, int mc, int kb) {
            int kc = kcOf(kb);
            float[] ap = s.aPack(((mc + MR - 1) / MR) * aStride(kc));
            packA(ap, ic, mc, kb * KC, kc);
            return ap;
        }

        /**
         * C[ic..ic+mc, panels q0..q1) (+)= packed A block · packed B panels of k block kb, tile by
         * tile, in one of two orders (the same arithmetic per tile, so the same bits). Narrow C: panel
         * by panel, GotoBLAS's order: one B panel stays in L1 while the A slivers stream from L2.
         * Wide C (at least {@link #WIDE_PANELS} panels): sliver by sliver: one A sliver stays in L1
         * while the B panels stream from L2, and the C tiles are visited along their rows (consecutive
         * addresses) instead of down a column of tiles (a stride of 8 rows of C, which for wide C jumps
         * by several kilobytes from tile to tile).
         */
        private void macroKernel(float[] ap, int ic, int mc, int q0, int q1, int kb, float[] tile) {
            if (q1 - q0 >= WIDE_PANELS) {
                for (int i0 = 0; i0 < mc; i0 += MR) {
                    for (int q = q0; q < q1; q++) {
                        tile(ap, ic, mc, i0, q, kb, tile);
                    }
                }
            } else {
                for (int q = q0; q < q1; q++) {
                    for (int i0 = 0; i0 < mc; i0 += MR) {
                        tile(ap, ic, mc, i0, q, kb, tile);
                    }
                }
            }
        }

        /** The C tile of sliver i0 (rows ic + i0 ..) and panel q of the packed blocks, then its epilogue. */
        private void tile(float[] ap, int ic, int mc, int i0, int q, int kb, float[] tile) {
            boolean first = kb == 0 && !accumulate;
            int kc = kcOf(kb);
            int j0 = q * NR;
            int cols = Math.min(NR, nc - j0);
            int bi = bBase(kb) + q * bStride(kc);
            int rows = Math.min(MR, mc - i0);
            int ai = (i0 / MR) * aStride(kc);
            int ci = cOff + (ic + i0) * ldc + jc + j0;
            if (rows == MR && cols == NR) {
                microKernel(kc, ap, ai, bPack, bi, c, ci, ldc, !first);
            } else {
                // edge tile: the same arithmetic into a scratch tile, then the valid part
                microKernel(kc, ap, ai, bPack, bi, tile, 0, NR, false);
                for (int r = 0; r < rows; r++) {
                    int cr = ci + r * ldc;
                    for (int j = 0; j < cols; j++) {
                        float v = tile[r * NR + j];
                        c[cr + j] = first ? v : c[cr + j] + v;
                    }
                }
            }
            if (hasEpilogue && kb == (k - 1) / KC) {
                // bias, GELU, residual while the tile is in L1
                int col = jc + j0;
                VectorKernels.epilogue(rows, cols, c, ci, ldc, bias, biasOff + col, act, res,
                        resOff + (ic + i0) * ldr + col, ldr);
            }
        }

        /**
         * Packs rows [ic, ic+mc) x k [pc, pc+kc) of A as slivers of MR rows,
         * ap[s·aStride + p·MR + r], rows past mc zero.
         */
        private void packA(float[] ap, int ic, int mc, int pc, int kc) {
            int aStride = aStride(kc);
            int full = mc / MR * MR;
            if (form == TN) {
                // A stored (k, m): row p holds consecutive i; copy MR at a time into each sliver
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (pc + p) * lda + ic;
                    int dst = p * MR;
                    int i0 = 0;
                    if (MR == 8 && L >= 8) {
                        for (; i0 < full; i0 += 8, dst += aStride) {
                            FloatVector.fromArray(F8, a, src + i0).intoArray(ap, dst);
                        }
                    } else {
                        for (; i0 < full; i0 += MR, dst += aStride) {
                            for (int r = 0; r < MR; r++) {
                                ap[dst + r] = a[src + i0 + r];
                            }
                        }
                    }
                    if (i0 < mc) {
                        for (int r = 0; r < MR; r++) {
                            ap[dst + r] = i0 + r < mc ? a[src + i0 + r] : 0f;
                        }
                    }
                }
            } else {
                // A stored (m, k): row i holds consecutive p; transpose 8 x 16 blocks
                int kc16 = TRANSPOSE16 ? kc & ~15 : 0;
                for (int i0 = 0; i0 < mc; i0 += MR) {
                    int rows = Math.min(MR, mc - i0);
                    int dst = (i0 / MR) * aStride;
                    int p0 = 0;
                    if (rows == MR) {
                        int src = aOff + (ic + i0) * lda + pc;
                        for (; p0 < kc16; p0 += 16) {
                            transpose8x16(a, src + p0, lda, ap, dst + p0 * MR);
                        }
                    }
                    for (int r = 0; r < rows; r++) {
                        int src = aOff + (ic + i0 + r) * lda + pc;
                        for (int p = p0; p < kc; p++) {
                            ap[dst + p * MR + r] = a[src + p];
                        }
                    }
                    for (int r = rows; r < MR; r++) {
                        for (int p = 0; p < kc; p++) {
                            ap[dst + p * MR + r] = 0f;
                        }
                    }
                }
            }
        }

        /**
         * Packs panels [q0, q1) (columns jc + q·NR ..) of the current B block:
         * bPack[q·bStride + p·NR + j], columns past nc zero.
         */
        private void packB(int q0, int q1) {
            for (int kb = kb0; kb < kb1; kb++) {
                packB(q0, q1, kb * KC, kcOf(kb), bBase(kb));
            }
        }

        private void packB(int q0, int q1, int pc, int kc, int base) {
            int bStride = bStride(kc);
            float[] bp = bPack;
            if (form == NT) {
                // B stored (n, k): row j holds consecutive p; transpose 16 x 16 blocks
                for (int q = q0; q < q1; q++) {
                    int j0 = jc + q * NR;
                    int cols = Math.min(NR, jc + nc - j0);
                    int dst = base + q * bStride;
                    // groups of 16 columns x 16 k transposed in registers, the rest element by element
                    int cols16 = TRANSPOSE16 ? cols & ~15 : 0;
                    int kc16 = cols16 > 0 ? kc & ~15 : 0;
                    for (int h = 0; h < cols16; h += 16) {
                        int src = bOff + (j0 + h) * ldb + pc;
                        for (int p = 0; p < kc16; p += 16) {
                            transpose16(b, src + p, ldb, bp, dst + p * NR + h, NR);
                        }
                    }
                    for (int j = 0; j < cols16; j++) {
                        int src = bOff + (j0 + j) * ldb + pc;
                        for (int p = kc16; p < kc; p++) {
                            bp[dst + p * NR + j] = b[src + p];
                        }
                    }
                    if (cols < NR) {
                        // columns past the edge are zero: clear [cols16, NR) of every k row, then copy
                        for (int p = 0; p < kc; p++) {
                            for (int v = cols16; v < NR; v += L) {
                                FloatVector.zero(F).intoArray(bp, dst + p * NR + v);
                            }
                        }
                    }
                    for (int j = cols16; j < cols; j++) {
                        int src = bOff + (j0 + j) * ldb + pc;
                        for (int p = 0; p < kc; p++) {
                            bp[dst + p * NR + j] = b[src + p];
                        }
                    }
                }
            } else {
                // B stored (k, n): row p holds consecutive j; copy each row across the panels
                int fullEnd = Math.min(q1, nc / NR);
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (pc + p) * ldb + jc;
                    int q = q0;
                    for (; q < fullEnd; q++) {
                        int s0 = src + q * NR;
                        int d0 = base + q * bStride + p * NR;
                        for (int v = 0; v < NR; v += L) {
                            FloatVector.fromArray(F, b, s0 + v).intoArray(bp, d0 + v);
                        }
                    }
                    for (; q < q1; q++) {
                        int cols = Math.min(NR, nc - q * NR);
                        int s0 = src + q * NR;
                        int d0 = base + q * bStride + p * NR;
                        for (int j = 0; j < NR; j++) {
                            bp[d0 + j] = j < cols ? b[s0 + j] : 0f;
                        }
                    }
                }
            }
        }
    }


    /** Whether the in-register transposes below apply (16 float lanes and the 8-row tile). */
    static final boolean TRANSPOSE16 = L == 16 && MR == 8;

    /*
     * One stage of an in-register transpose exchanges bit c of the lane index with one bit of the
     * vector index: for a pair of vectors (v, w) whose indexes differ in that bit,
     * lo = v.blend(w.rearrange(SWAPc), LANE_BITc) and hi = v.rearrange(SWAPc).blend(w, LANE_BITc),
     * where SWAPc exchanges lanes l and l ^ 2^c and LANE_BITc selects the lanes with bit c set.
     * (The two-vector selectFrom would take one instruction per output but needs JDK 24.)
     */
    private static final VectorShuffle<Float> SWAP0 = swapShuffle(0);
    private static final VectorShuffle<Float> SWAP1 = swapShuffle(1);
    private static final VectorShuffle<Float> SWAP2 = swapShuffle(2);
    private static final VectorShuffle<Float> SWAP3 = swapShuffle(3);
    private static final VectorMask<Float> LANE_BIT0 = laneBitMask(0);
    private static final VectorMask<Float> LANE_BIT1 = laneBitMask(1);
    private static final VectorMask<Float> LANE_BIT2 = laneBitMask(2);
    private static final VectorMask<Float> LANE_BIT3 = laneBitMask(3);

    private static VectorShuffle<Float> swapShuffle(int c) {
        return VectorShuffle.fromOp(F, lane -> (lane ^ (1 << c)) & (L - 1));
    }

    private static VectorMask<Float> laneBitMask(int c) {
        boolean[] bits = new boolean[L];
        for (int lane = 0; lane < L; lane++) {
            bits[lane] = (lane & (1 << c)) != 0;
        }
        return VectorMask.fromArray(F, bits, 0);
    }

    /**
     * Transposes a 16 x 16 block held in 16-lane vectors: element p of row j (src[s0 + j·ld + p])
     * goes to dst[d0 + p·dstride + j].
     */
    private static void transpose16(float[] src, int s0, int ld, float[] dst, int d0, int dstride) {
        FloatVector r0 = FloatVector.fromArray(F, src, s0);
        FloatVector r1 = FloatVector.fromArray(F, src, s0 + 1 * ld);
        FloatVector r2 = FloatVector.fromArray(F, src, s0 + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(F, src, s0 + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(F, src, s0 + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(F, src, s0 + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(F, src, s0 + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(F, src, s0 + 7 * ld);
        FloatVector r8 = FloatVector.fromArray(F, src, s0 + 8 * ld);
        FloatVector r9 = FloatVector.fromArray(F, src, s0 + 9 * ld);
        FloatVector r10 = FloatVector.fromArray(F, src, s0 + 10 * ld);
        FloatVector r11 = FloatVector.fromArray(F, src, s0 + 11 * ld);
        FloatVector r12 = FloatVector.fromArray(F, src, s0 + 12 * ld);
        FloatVector r13 = FloatVector.fromArray(F, src, s0 + 13 * ld);
        FloatVector r14 = FloatVector.fromArray(F, src, s0 + 14 * ld);
        FloatVector r15 = FloatVector.fromArray(F, src, s0 + 15 * ld);
        FloatVector sa0 = r0.blend(r1.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa1 = r0.rearrange(SWAP0).blend(r1, LANE_BIT0);
        FloatVector sa2 = r2.blend(r3.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa3 = r2.rearrange(SWAP0).blend(r3, LANE_BIT0);
        FloatVector sa4 = r4.blend(r5.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa5 = r4.rearrange(SWAP0).blend(r5, LANE_BIT0);
        FloatVector sa6 = r6.blend(r7.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa7 = r6.rearrange(SWAP0).blend(r7, LANE_BIT0);
        FloatVector sa8 = r8.blend(r9.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa9 = r8.rearrange(SWAP0).blend(r9, LANE_BIT0);
        FloatVector sa10 = r10.blend(r11.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa11 = r10.rearrange(SWAP0).blend(r11, LANE_BIT0);
        FloatVector sa12 = r12.blend(r13.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa13 = r12.rearrange(SWAP0).blend(r13, LANE_BIT0);
        FloatVector sa14 = r14.blend(r15.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa15 = r14.rearrange(SWAP0).blend(r15, LANE_BIT0);
        FloatVector sb0 = sa0.blend(sa2.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb2 = sa0.rearrange(SWAP1).blend(sa2, LANE_BIT1);
        FloatVector sb1 = sa1.blend(sa3.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb3 = sa1.rearrange(SWAP1).blend(sa3, LANE_BIT1);
        FloatVector sb4 = sa4.blend(sa6.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb6 = sa4.rearrange(SWAP1).blend(sa6, LANE_BIT1);
        FloatVector sb5 = sa5.blend(sa7.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb7 = sa5.rearrange(SWAP1).blend(sa7, LANE_BIT1);
        FloatVector sb8 = sa8.blend(sa10.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb10 = sa8.rearrange(SWAP1).blend(sa10, LANE_BIT1);
        FloatVector sb9 = sa9.blend(sa11.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb11 = sa9.rearrange(SWAP1).blend(sa11, LANE_BIT1);
        FloatVector sb12 = sa12.blend(sa14.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb14 = sa12.rearrange(SWAP1).blend(sa14, LANE_BIT1);
        FloatVector sb13 = sa13.blend(sa15.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb15 = sa13.rearrange(SWAP1).blend(sa15, LANE_BIT1);
        FloatVector sc0 = sb0.blend(sb4.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc4 = sb0.rearrange(SWAP2).blend(sb4, LANE_BIT2);
        FloatVector sc1 = sb1.blend(sb5.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc5 = sb1.rearrange(SWAP2).blend(sb5, LANE_BIT2);
        FloatVector sc2 = sb2.blend(sb6.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc6 = sb2.rearrange(SWAP2).blend(sb6, LANE_BIT2);
        FloatVector sc3 = sb3.blend(sb7.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc7 = sb3.rearrange(SWAP2).blend(sb7, LANE_BIT2);
        FloatVector sc8 = sb8.blend(sb12.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc12 = sb8.rearrange(SWAP2).blend(sb12, LANE_BIT2);
        FloatVector sc9 = sb9.blend(sb13.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc13 = sb9.rearrange(SWAP2).blend(sb13, LANE_BIT2);
        FloatVector sc10 = sb10.blend(sb14.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc14 = sb10.rearrange(SWAP2).blend(sb14, LANE_BIT2);
        FloatVector sc11 = sb11.blend(sb15.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc15 = sb11.rearrange(SWAP2).blend(sb15, LANE_BIT2);
        FloatVector sd0 = sc0.blend(sc8.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd8 = sc0.rearrange(SWAP3).blend(sc8, LANE_BIT3);
        FloatVector sd1 = sc1.blend(sc9.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd9 = sc1.rearrange(SWAP3).blend(sc9, LANE_BIT3);
        FloatVector sd2 = sc2.blend(sc10.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd10 = sc2.rearrange(SWAP3).blend(sc10, LANE_BIT3);
        FloatVector sd3 = sc3.blend(sc11.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd11 = sc3.rearrange(SWAP3).blend(sc11, LANE_BIT3);
        FloatVector sd4 = sc4.blend(sc12.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd12 = sc4.rearrange(SWAP3).blend(sc12, LANE_BIT3);
        FloatVector sd5 = sc5.blend(sc13.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd13 = sc5.rearrange(SWAP3).blend(sc13, LANE_BIT3);
        FloatVector sd6 = sc6.blend(sc14.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd14 = sc6.rearrange(SWAP3).blend(sc14, LANE_BIT3);
        FloatVector sd7 = sc7.blend(sc15.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd15 = sc7.rearrange(SWAP3).blend(sc15, LANE_BIT3);
        sd0.intoArray(dst, d0);
        sd1.intoArray(dst, d0 + 1 * dstride);
        sd2.intoArray(dst, d0 + 2 * dstride);
        sd3.intoArray(dst, d0 + 3 * dstride);
        sd4.intoArray(dst, d0 + 4 * dstride);
        sd5.intoArray(dst, d0 + 5 * dstride);
        sd6.intoArray(dst, d0 + 6 * dstride);
        sd7.intoArray(dst, d0 + 7 * dstride);
        sd8.intoArray(dst, d0 + 8 * dstride);
        sd9.intoArray(dst, d0 + 9 * dstride);
        sd10.intoArray(dst, d0 + 10 * dstride);
        sd11.intoArray(dst, d0 + 11 * dstride);
        sd12.intoArray(dst, d0 + 12 * dstride);
        sd13.intoArray(dst, d0 + 13 * dstride);
        sd14.intoArray(dst, d0 + 14 * dstride);
        sd15.intoArray(dst, d0 + 15 * dstride);
    }

    /**
     * Packs an 8 x 16 block of row-major A for the 8-row micro-kernel: element p of row r
     * (src[s0 + r·ld + p]) goes to dst[d0 + p·8 + r].
     */
    private static void transpose8x16(float[] src, int s0, int ld, float[] dst, int d0) {
        FloatVector r0 = FloatVector.fromArray(F, src, s0);
        FloatVector r1 = FloatVector.fromArray(F, src, s0 + 1 * ld);
        FloatVector r2 = FloatVector.fromArray(F, src, s0 + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(F, src, s0 + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(F, src, s0 + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(F, src, s0 + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(F, src, s0 + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(F, src, s0 + 7 * ld);
        FloatVector sa0 = r0.blend(r1.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa1 = r0.rearrange(SWAP0).blend(r1, LANE_BIT0);
        FloatVector sa2 = r2.blend(r3.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa3 = r2.rearrange(SWAP0).blend(r3, LANE_BIT0);
        FloatVector sa4 = r4.blend(r5.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa5 = r4.rearrange(SWAP0).blend(r5, LANE_BIT0);
        FloatVector sa6 = r6.blend(r7.rearrange(SWAP0), LANE_BIT0);
        FloatVector sa7 = r6.rearrange(SWAP0).blend(r7, LANE_BIT0);
        FloatVector sb0 = sa0.blend(sa2.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb2 = sa0.rearrange(SWAP1).blend(sa2, LANE_BIT1);
        FloatVector sb1 = sa1.blend(sa3.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb3 = sa1.rearrange(SWAP1).blend(sa3, LANE_BIT1);
        FloatVector sb4 = sa4.blend(sa6.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb6 = sa4.rearrange(SWAP1).blend(sa6, LANE_BIT1);
        FloatVector sb5 = sa5.blend(sa7.rearrange(SWAP1), LANE_BIT1);
        FloatVector sb7 = sa5.rearrange(SWAP1).blend(sa7, LANE_BIT1);
        FloatVector sc0 = sb0.blend(sb4.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc4 = sb0.rearrange(SWAP2).blend(sb4, LANE_BIT2);
        FloatVector sc1 = sb1.blend(sb5.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc5 = sb1.rearrange(SWAP2).blend(sb5, LANE_BIT2);
        FloatVector sc2 = sb2.blend(sb6.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc6 = sb2.rearrange(SWAP2).blend(sb6, LANE_BIT2);
        FloatVector sc3 = sb3.blend(sb7.rearrange(SWAP2), LANE_BIT2);
        FloatVector sc7 = sb3.rearrange(SWAP2).blend(sb7, LANE_BIT2);
        FloatVector sd0 = sc0.blend(sc1.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd1 = sc0.rearrange(SWAP3).blend(sc1, LANE_BIT3);
        FloatVector sd2 = sc2.blend(sc3.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd3 = sc2.rearrange(SWAP3).blend(sc3, LANE_BIT3);
        FloatVector sd4 = sc4.blend(sc5.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd5 = sc4.rearrange(SWAP3).blend(sc5, LANE_BIT3);
        FloatVector sd6 = sc6.blend(sc7.rearrange(SWAP3), LANE_BIT3);
        FloatVector sd7 = sc6.rearrange(SWAP3).blend(sc7, LANE_BIT3);
        // now lane bits are (r0, r1, r2, p0) and vector v holds p1 = bit 1, p2 = bit 2, p3 = bit 0 of v
        sd0.intoArray(dst, d0);
        sd1.intoArray(dst, d0 + 64);
        sd2.intoArray(dst, d0 + 16);
        sd3.intoArray(dst, d0 + 80);
        sd4.intoArray(dst, d0 + 32);
        sd5.intoArray(dst, d0 + 96);
        sd6.intoArray(dst, d0 + 48);
        sd7.intoArray(dst, d0 + 112);
    }

    static void microKernel(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc,
                            boolean add) {
        if (MR == 8) {
            kernel8(kc, ap, ai, bp, bi, c, ci, ldc, add);
        } else {
            kernel6(kc, ap, ai, bp, bi, c, ci, ldc, add);
        }
    }

    /** The 8 x 2L register tile: 16 accumulators, two B vectors, one broadcast of A per row. */
    static void kernel8(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc,
                        boolean add) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        FloatVector c60 = c00;
        FloatVector c61 = c00;
        FloatVector c70 = c00;
        FloatVector c71 = c00;
        for (int p = 0; p < kc; p++) {
            int ao = ai + p * 8;
            int bo = bi + p * (2 * L);
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
            FloatVector x = FloatVector.broadcast(F, ap[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, ap[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, ap[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, ap[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, ap[ao + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, ap[ao + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(F, ap[ao + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(F, ap[ao + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // stores written out here: a helper taking vectors that C2 declines to inline boxes them
        if (add) {
            FloatVector.fromArray(F, c, ci).add(c00).intoArray(c, ci);
            FloatVector.fromArray(F, c, ci + L).add(c01).intoArray(c, ci + L);
            FloatVector.fromArray(F, c, ci + ldc).add(c10).intoArray(c, ci + ldc);
            FloatVector.fromArray(F, c, ci + ldc + L).add(c11).intoArray(c, ci + ldc + L);
            FloatVector.fromArray(F, c, ci + 2 * ldc).add(c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(F, c, ci + 2 * ldc + L).add(c21).intoArray(c, ci + 2 * ldc + L);
            FloatVector.fromArray(F, c, ci + 3 * ldc).add(c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(F, c, ci + 3 * ldc + L).add(c31).intoArray(c, ci + 3 * ldc + L);
            FloatVector.fromArray(F, c, ci + 4 * ldc).add(c40).intoArray(c, ci + 4 * ldc);
            FloatVector.fromArray(F, c, ci + 4 * ldc + L).add(c41).intoArray(c, ci + 4 * ldc + L);
            FloatVector.fromArray(F, c, ci + 5 * ldc).add(c50).intoArray(c, ci + 5 * ldc);
            FloatVector.fromArray(F, c, ci + 5 * ldc + L).add(c51).intoArray(c, ci + 5 * ldc + L);
            FloatVector.fromArray(F, c, ci + 6 * ldc).add(c60).intoArray(c, ci + 6 * ldc);
            FloatVector.fromArray(F, c, ci + 6 * ldc + L).add(c61).intoArray(c, ci + 6 * ldc + L);
            FloatVector.fromArray(F, c, ci + 7 * ldc).add(c70).intoArray(c, ci + 7 * ldc);
            FloatVector.fromArray(F, c, ci + 7 * ldc + L).add(c71).intoArray(c, ci + 7 * ldc + L);
        } else {
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + L);
            c10.intoArray(c, ci + ldc);
            c11.intoArray(c, ci + ldc + L);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + L);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + L);
            c40.intoArray(c, ci + 4 * ldc);
            c41.intoArray(c, ci + 4 * ldc + L);
            c50.intoArray(c, ci + 5 * ldc);
            c51.intoArray(c, ci + 5 * ldc + L);
            c60.intoArray(c, ci + 6 * ldc);
            c61.intoArray(c, ci + 6 * ldc + L);
            c70.intoArray(c, ci + 7 * ldc);
            c71.intoArray(c, ci + 7 * ldc + L);
        }
    }

    /**
     * The 8 x 2L register tile of {@link #kernel8} on unpacked operands, for the direct path: row r of
     * the tile takes A(r, p) = a[ar + min(r, rows - 1)·aRowStep + p·aColStep] (rows past {@code rows}
     * repeat the last real row, so nothing outside A is read; the caller keeps only the real rows) and
     * B row p = b[bo + p·ldb ..]. Per element the same fma chain over p as every other path.
     * {@link #kernel8} is this kernel with the packed strides (1, 8, 2L) as constants, kept separate:
     * as a call to this one with those arguments, embedding ran at 0.82x (in-process A/B, 5 rounds,
     * 0.75-0.86).
     */
    static void kernel8s(int kc, float[] a, int ar, int aRowStep, int aColStep, int rows, float[] b, int bo,
                         int ldb, float[] c, int ci, int ldc, boolean add) {
        int a0 = ar;
        int a1 = ar + Math.min(1, rows - 1) * aRowStep;
        int a2 = ar + Math.min(2, rows - 1) * aRowStep;
        int a3 = ar + Math.min(3, rows - 1) * aRowStep;
        int a4 = ar + Math.min(4, rows - 1) * aRowStep;
        int a5 = ar + Math.min(5, rows - 1) * aRowStep;
        int a6 = ar + Math.min(6, rows - 1) * aRowStep;
        int a7 = ar + Math.min(7, rows - 1) * aRowStep;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        FloatVector c60 = c00;
        FloatVector c61 = c00;
        FloatVector c70 = c00;
        FloatVector c71 = c00;
        for (int p = 0; p < kc; p++) {
            int ap = p * aColStep;
            int bp = bo + p * ldb;
            FloatVector b0 = FloatVector.fromArray(F, b, bp);
            FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
            FloatVector x = FloatVector.broadcast(F, a[a0 + ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[a1 + ap]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[a2 + ap]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[a3 + ap]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[a4 + ap]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[a5 + ap]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(F, a[a6 + ap]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(F, a[a7 + ap]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        if (add) {
            FloatVector.fromArray(F, c, ci).add(c00).intoArray(c, ci);
            FloatVector.fromArray(F, c, ci + L).add(c01).intoArray(c, ci + L);
            FloatVector.fromArray(F, c, ci + ldc).add(c10).intoArray(c, ci + ldc);
            FloatVector.fromArray(F, c, ci + ldc + L).add(c11).intoArray(c, ci + ldc + L);
            FloatVector.fromArray(F, c, ci + 2 * ldc).add(c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(F, c, ci + 2 * ldc + L).add(c21).intoArray(c, ci + 2 * ldc + L);
            FloatVector.fromArray(F, c, ci + 3 * ldc).add(c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(F, c, ci + 3 * ldc + L).add(c31).intoArray(c, ci + 3 * ldc + L);
            FloatVector.fromArray(F, c, ci + 4 * ldc).add(c40).intoArray(c, ci + 4 * ldc);
            FloatVector.fromArray(F, c, ci + 4 * ldc + L).add(c41).intoArray(c, ci + 4 * ldc + L);
            FloatVector.fromArray(F, c, ci + 5 * ldc).add(c50).intoArray(c, ci + 5 * ldc);
            FloatVector.fromArray(F, c, ci + 5 * ldc + L).add(c51).intoArray(c, ci + 5 * ldc + L);
            FloatVector.fromArray(F, c, ci + 6 * ldc).add(c60).intoArray(c, ci + 6 * ldc);
            FloatVector.fromArray(F, c, ci + 6 * ldc + L).add(c61).intoArray(c, ci + 6 * ldc + L);
            FloatVector.fromArray(F, c, ci + 7 * ldc).add(c70).intoArray(c, ci + 7 * ldc);
            FloatVector.fromArray(F, c, ci + 7 * ldc + L).add(c71).intoArray(c, ci + 7 * ldc + L);
        } else {
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + L);
            c10.intoArray(c, ci + ldc);
            c11.intoArray(c, ci + ldc + L);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + L);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + L);
            c40.intoArray(c, ci + 4 * ldc);
            c41.intoArray(c, ci + 4 * ldc + L);
            c50.intoArray(c, ci + 5 * ldc);
            c51.intoArray(c, ci + 5 * ldc + L);
            c60.intoArray(c, ci + 6 * ldc);
            c61.intoArray(c, ci + 6 * ldc + L);
            c70.intoArray(c, ci + 7 * ldc);
            c71.intoArray(c, ci + 7 * ldc + L);
        }
    }

    /**
     * {@link #kernel8s} for one vector of columns (8 x L): the same operands and arguments, the same
     * fma chain per element, for a last L columns that a 2L-wide tile would pass (it would read and
     * write L columns past them). A copy, not a shared helper, for kernel8s's reason: a helper taking
     * vectors that C2 declines to inline boxes them.
     */
    static void kernel8h(int kc, float[] a, int ar, int aRowStep, int aColStep, int rows, float[] b, int bo,
                         int ldb, float[] c, int ci, int ldc, boolean add) {
        int a0 = ar;
        int a1 = ar + Math.min(1, rows - 1) * aRowStep;
        int a2 = ar + Math.min(2, rows - 1) * aRowStep;
        int a3 = ar + Math.min(3, rows - 1) * aRowStep;
        int a4 = ar + Math.min(4, rows - 1) * aRowStep;
        int a5 = ar + Math.min(5, rows - 1) * aRowStep;
        int a6 = ar + Math.min(6, rows - 1) * aRowStep;
        int a7 = ar + Math.min(7, rows - 1) * aRowStep;
        FloatVector c0 = FloatVector.zero(F);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        FloatVector c4 = c0;
        FloatVector c5 = c0;
        FloatVector c6 = c0;
        FloatVector c7 = c0;
        for (int p = 0; p < kc; p++) {
            int ap = p * aColStep;
            FloatVector b0 = FloatVector.fromArray(F, b, bo + p * ldb);
            c0 = FloatVector.broadcast(F, a[a0 + ap]).fma(b0, c0);
            c1 = FloatVector.broadcast(F, a[a1 + ap]).fma(b0, c1);
            c2 = FloatVector.broadcast(F, a[a2 + ap]).fma(b0, c2);
            c3 = FloatVector.broadcast(F, a[a3 + ap]).fma(b0, c3);
            c4 = FloatVector.broadcast(F, a[a4 + ap]).fma(b0, c4);
            c5 = FloatVector.broadcast(F, a[a5 + ap]).fma(b0, c5);
            c6 = FloatVector.broadcast(F, a[a6 + ap]).fma(b0, c6);
            c7 = FloatVector.broadcast(F, a[a7 + ap]).fma(b0, c7);
        }
        if (add) {
            FloatVector.fromArray(F, c, ci).add(c0).intoArray(c, ci);
            FloatVector.fromArray(F, c, ci + ldc).add(c1).intoArray(c, ci + ldc);
            FloatVector.fromArray(F, c, ci + 2 * ldc).add(c2).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(F, c, ci + 3 * ldc).add(c3).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(F, c, ci + 4 * ldc).add(c4).intoArray(c, ci + 4 * ldc);
            FloatVector.fromArray(F, c, ci + 5 * ldc).add(c5).intoArray(c, ci + 5 * ldc);
            FloatVector.fromArray(F, c, ci + 6 * ldc).add(c6).intoArray(c, ci + 6 * ldc);
            FloatVector.fromArray(F, c, ci + 7 * ldc).add(c7).intoArray(c, ci + 7 * ldc);
        } else {
            c0.intoArray(c, ci);
            c1.intoArray(c, ci + ldc);
            c2.intoArray(c, ci + 2 * ldc);
            c3.intoArray(c, ci + 3 * ldc);
            c4.intoArray(c, ci + 4 * ldc);
            c5.intoArray(c, ci + 5 * ldc);
            c6.intoArray(c, ci + 6 * ldc);
            c7.intoArray(c, ci + 7 * ldc);
        }
    }

    /** The 6 x 2L register tile for 16-register machines (AVX2). */
    static void kernel6(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc,
                        boolean add) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        for (int p = 0; p < kc; p++) {
            int ao = ai + p * 6;
            int bo = bi + p * (2 * L);
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
            FloatVector x = FloatVector.broadcast(F, ap[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, ap[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, ap[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, ap[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, ap[ao + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, ap[ao + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        // stores written out here: a helper taking vectors that C2 declines to inline boxes them
        if (add) {
            FloatVector.fromArray(F, c, ci).add(c00).intoArray(c, ci);
            FloatVector.fromArray(F, c, ci + L).add(c01).intoArray(c, ci + L);
            FloatVector.fromArray(F, c, ci + ldc).add(c10).intoArray(c, ci + ldc);
            FloatVector.fromArray(F, c, ci + ldc + L).add(c11).intoArray(c, ci + ldc + L);
            FloatVector.fromArray(F, c, ci + 2 * ldc).add(c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(F, c, ci + 2 * ldc + L).add(c21).intoArray(c, ci + 2 * ldc + L);
            FloatVector.fromArray(F, c, ci + 3 * ldc).add(c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(F, c, ci + 3 * ldc + L).add(c31).intoArray(c, ci + 3 * ldc + L);
            FloatVector.fromArray(F, c, ci + 4 * ldc).add(c40).intoArray(c, ci + 4 * ldc);
            FloatVector.fromArray(F, c, ci + 4 * ldc + L).add(c41).intoArray(c, ci + 4 * ldc + L);
            FloatVector.fromArray(F, c, ci + 5 * ldc).add(c50).intoArray(c, ci + 5 * ldc);
            FloatVector.fromArray(F, c, ci + 5 * ldc + L).add(c51).intoArray(c, ci + 5 * ldc + L);
        } else {
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + L);
            c10.intoArray(c, ci + ldc);
            c11.intoArray(c, ci + ldc + L);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + L);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + L);
            c40.intoArray(c, ci + 4 * ldc);
            c41.intoArray(c, ci + 4 * ldc + L);
            c50.intoArray(c, ci + 5 * ldc);
            c51.intoArray(c, ci + 5 * ldc + L);
        }
    }

    // ---------------------------------------------------------------- direct GEMM (small problems)

    /** Small GEMMs without packing: rows of C split across threads when there is enough work. */
    private void gemmDirect(int form, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                            int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        long macsPerRow = (long) n * k;
        int grain = (int) Math.max(1, Math.min(m, PARALLEL_MACS / Math.max(1, macsPerRow)));
        if (parallel.threads() == 1 || grain >= m) {
            directRows(form, 0, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        GemmTask t = SCRATCH.get().task;
        t.set(form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        t.mode = GemmTask.DIRECT;
        try {
            parallel.forRange(m, grain, t);
        } finally {
            t.clear();
        }
    }

    private static void directRows(int form, int i0, int i1, int n, int k, float[] a, int aOff, int lda,
                                   float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        if (form == NT) {
            for (int i = i0; i < i1; i++) {
                int ar = aOff + i * lda;
                int cr = cOff + i * ldc;
                int j = 0;
                for (; j + 4 <= n; j += 4) {
                    dot4(k, a, ar, b, bOff + j * ldb, ldb, c, cr + j, accumulate);
                }
                for (; j < n; j++) {
                    float s = dotF(k, a, ar, b, bOff + j * ldb);
                    c[cr + j] = accumulate ? c[cr + j] + s : s;
                }
            }
            return;
        }
        // NN and TN: C row i = Σ_p A(i,p)·B row p
        int aRowStep = form == NN ? lda : 1;
        int aColStep = form == NN ? 1 : lda;
        int n4;
        if (MR == 8) {
            // 8 x 2L register tiles on the operands as they are (a short last row group computed in
            // full into a scratch tile, its real rows kept)
            n4 = n - n % NR;
            float[] tile = n4 > 0 && (i1 - i0) % 8 != 0 ? SCRATCH.get().tile : null;
            for (int i = i0; i < i1; i += 8) {
                int rows = Math.min(8, i1 - i);
                int ar = aOff + i * aRowStep;
                for (int j = 0; j < n4; j += NR) {
                    int ci = cOff + i * ldc + j;
                    if (rows == 8) {
                        kernel8s(k, a, ar, aRowStep, aColStep, 8, b, bOff + j, ldb, c, ci, ldc, accumulate);
                    } else {
                        kernel8s(k, a, ar, aRowStep, aColStep, rows, b, bOff + j, ldb, tile, 0, NR, false);
                        for (int r = 0; r < rows; r++) {
                            for (int q = 0; q < NR; q++) {
                                float v = tile[r * NR + q];
                                c[ci + r * ldc + q] = accumulate ? c[ci + r * ldc + q] + v : v;
                            }
                        }
                    }
                }
            }
        } else {
            n4 = n - n % (4 * L);
            directRows4L(i0, i1, n4, k, a, aOff, aRowStep, aColStep, b, bOff, ldb, c, cOff, ldc, accumulate);
        }
        int n1 = n - n % L;
        if (n4 == n) {
            return;
        }
        // the columns past n4: four rows at a time (four independent fma chains), then row by row
        int i = i0;
        for (; i + 4 <= i1; i += 4) {
            directColumns4(n4, n1, n, k, a, aOff + i * aRowStep, aRowStep, aColStep, b, bOff, ldb, c,
                    cOff + i * ldc, ldc, accumulate);
        }
        for (; i < i1; i++) {
            int ar = aOff + i * aRowStep;
            int cr = cOff + i * ldc;
            int j = n4;
            for (; j < n1; j += L) {
                FloatVector s0 = FloatVector.zero(F);
                int bo = bOff + j;
                for (int p = 0; p < k; p++, bo += ldb) {
                    s0 = FloatVector.broadcast(F, a[ar + p * aColStep]).fma(FloatVector.fromArray(F, b, bo), s0);
                }
                storeOrAdd(c, cr + j, s0, accumulate);
            }
            if (j < n) {
                // the last columns with a lane mask: the same fma chain per column as above
                VectorMask<Float> mask = F.indexInRange(j, n);
                FloatVector s0 = FloatVector.zero(F);
                int bo = bOff + j;
                for (int p = 0; p < k; p++, bo += ldb) {
                    s0 = FloatVector.broadcast(F, a[ar + p * aColStep]).fma(FloatVector.fromArray(F, b, bo, mask), s0);
                }
                if (accumulate) {
                    FloatVector.fromArray(F, c, cr + j, mask).add(s0).intoArray(c, cr + j, mask);
                } else {
                    s0.intoArray(c, cr + j, mask);
                }
            }
        }
    }

    /**
     * Rows [i0, i1) of C, columns [0, n4) (a multiple of 4L), four vectors of one row at a time: the
     * NN/TN direct path where the 8-row tile does not fit the registers (AVX2).
     */
    private static void directRows4L(int i0, int i1, int n4, int k, float[] a, int aOff, int aRowStep, int aColStep,
                                     float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = i0; i < i1; i++) {
            int ar = aOff + i * aRowStep;
            int cr = cOff + i * ldc;
            int j = 0;
            for (; j < n4; j += 4 * L) {
                FloatVector s0 = FloatVector.zero(F);
                FloatVector s1 = s0;
                FloatVector s2 = s0;
                FloatVector s3 = s0;
                int bo = bOff + j;
                for (int p = 0; p < k; p++, bo += ldb) {
                    FloatVector x = FloatVector.broadcast(F, a[ar + p * aColStep]);
                    s0 = x.fma(FloatVector.fromArray(F, b, bo), s0);
                    s1 = x.fma(FloatVector.fromArray(F, b, bo + L), s1);
                    s2 = x.fma(FloatVector.fromArray(F, b, bo + 2 * L), s2);
                    s3 = x.fma(FloatVector.fromArray(F, b, bo + 3 * L), s3);
                }
                storeOrAdd(c, cr + j, s0, accumulate);
                storeOrAdd(c, cr + j + L, s1, accumulate);
                storeOrAdd(c, cr + j + 2 * L, s2, accumulate);
                storeOrAdd(c, cr + j + 3 * L, s3, accumulate);
            }
        }
    }

    /**
     * Columns [n4, n) of C rows r..r+3 (row r of A at a[ar], of C at c[cr]) for the NN and TN direct
     * path: per column vector the same fma chain over p as the one-row loops, four rows at a time.
     */
    private static void directColumns4(int n4, int n1, int n, int k, float[] a, int ar, int aRowStep, int aColStep,
                                       float[] b, int bOff, int ldb, float[] c, int cr, int ldc, boolean accumulate) {
        int ar1 = ar + aRowStep;
        int ar2 = ar1 + aRowStep;
        int ar3 = ar2 + aRowStep;
        int j = n4;
        for (; j < n1; j += L) {
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            int bo = bOff + j;
            for (int p = 0; p < k; p++, bo += ldb) {
                FloatVector bv = FloatVector.fromArray(F, b, bo);
                int ap = p * aColStep;
                s0 = FloatVector.broadcast(F, a[ar + ap]).fma(bv, s0);
                s1 = FloatVector.broadcast(F, a[ar1 + ap]).fma(bv, s1);
                s2 = FloatVector.broadcast(F, a[ar2 + ap]).fma(bv, s2);
                s3 = FloatVector.broadcast(F, a[ar3 + ap]).fma(bv, s3);
            }
            storeOrAdd(c, cr + j, s0, accumulate);
            storeOrAdd(c, cr + ldc + j, s1, accumulate);
            storeOrAdd(c, cr + 2 * ldc + j, s2, accumulate);
            storeOrAdd(c, cr + 3 * ldc + j, s3, accumulate);
        }
        if (j < n) {
            VectorMask<Float> mask = F.indexInRange(j, n);
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            int bo = bOff + j;
            for (int p = 0; p < k; p++, bo += ldb) {
                FloatVector bv = FloatVector.fromArray(F, b, bo, mask);
                int ap = p * aColStep;
                s0 = FloatVector.broadcast(F, a[ar + ap]).fma(bv, s0);
                s1 = FloatVector.broadcast(F, a[ar1 + ap]).fma(bv, s1);
                s2 = FloatVector.broadcast(F, a[ar2 + ap]).fma(bv, s2);
                s3 = FloatVector.broadcast(F, a[ar3 + ap]).fma(bv, s3);
            }
            storeOrAdd(c, cr + j, s0, mask, accumulate);
            storeOrAdd(c, cr + ldc + j, s1, mask, accumulate);
            storeOrAdd(c, cr + 2 * ldc + j, s2, mask, accumulate);
            storeOrAdd(c, cr + 3 * ldc + j, s3, mask, accumulate);
        }
    }

    private static void storeOrAdd(float[] c, int ci, FloatVector v, VectorMask<Float> mask, boolean add) {
        if (add) {
            FloatVector.fromArray(F, c, ci, mask).add(v).intoArray(c, ci, mask);
        } else {
            v.intoArray(c, ci, mask);
        }
    }

    private static void storeOrAdd(float[] c, int ci, FloatVector v, boolean add) {
        if (add) {
            FloatVector.fromArray(F, c, ci).add(v).intoArray(c, ci);
        } else {
            v.intoArray(c, ci);
        }
    }

    /**
     * Four dot products of x with rows y, y + ldy, y + 2·ldy, y + 3·ldy, computed exactly as
     * {@link #dotF} computes each (one accumulator per row, then the lanes, then the tail), into
     * c[ci..ci+4).
     */
    private static void dot4(int n, float[] x, int xOff, float[] y, int yOff, int ldy, float[] c, int ci,
                             boolean accumulate) {
        int y1 = yOff + ldy;
        int y2 = y1 + ldy;
        int y3 = y2 + ldy;
        int bound = F.loopBound(n);
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int i = 0;
        if (bound > 0) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (; i < bound; i += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
                a0 = xv.fma(FloatVector.fromArray(F, y, yOff + i), a0);
                a1 = xv.fma(FloatVector.fromArray(F, y, y1 + i), a1);
                a2 = xv.fma(FloatVector.fromArray(F, y, y2 + i), a2);
                a3 = xv.fma(FloatVector.fromArray(F, y, y3 + i), a3);
            }
            s0 = sumLanes(a0);
            s1 = sumLanes(a1);
            s2 = sumLanes(a2);
            s3 = sumLanes(a3);
        }
        for (; i < n; i++) {
            float xi = x[xOff + i];
            s0 = Math.fma(xi, y[yOff + i], s0);
            s1 = Math.fma(xi, y[y1 + i], s1);
            s2 = Math.fma(xi, y[y2 + i], s2);
            s3 = Math.fma(xi, y[y3 + i], s3);
        }
        if (accumulate) {
            c[ci] += s0;
            c[ci + 1] += s1;
            c[ci + 2] += s2;
            c[ci + 3] += s3;
        } else {
            c[ci] = s0;
            c[ci + 1] = s1;
            c[ci + 2] = s2;
            c[ci + 3] = s3;
        }
    }

    /** Σ x·y in float: one accumulator of per-lane sums, its lanes in a fixed order, then the tail. */
    private static float dotF(int n, float[] x, int xOff, float[] y, int yOff) {
        int bound = F.loopBound(n);
        float s = 0f;
        int i = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(F);
            for (; i < bound; i += L) {
                acc = FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.fromArray(F, y, yOff + i), acc);
            }
            s = sumLanes(acc);
        }
        for (; i < n; i++) {
            s = Math.fma(x[xOff + i], y[yOff + i], s);
        }
        return s;
    }

    // ================================================================= reductions helpers

    /**
     * The sum of the lanes of v in a fixed order (a butterfly: lanes l and l ^ 2^c added for c from
     * the widest stride down), unlike reduceLanes(ADD), whose order is unspecified and can differ
     * between JIT tiers. Only lanewise IEEE additions, so every tier gives the same bits.
     */
    static float sumLanes(FloatVector v) {
        if (L >= 16) {
            v = v.add(v.rearrange(SWAP3));
        }
        if (L >= 8) {
            v = v.add(v.rearrange(SWAP2));
        }
        if (L >= 4) {
            v = v.add(v.rearrange(SWAP1));
        }
        v = v.add(v.rearrange(SWAP0));
        return v.lane(0);
    }

    /** Floats are summed per lane in float over at most this many elements, then added into a double. */
    private static final int CHUNK = 32 * L;

    @Override
    public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        return (float) dotD(n, x, xOff, y, yOff);
    }

    /** Σ x·y: float fma per lane over chunks, each chunk's lanes in a fixed order, chunks in double. */
    static double dotD(int n, float[] x, int xOff, float[] y, int yOff) {
        double chunkSums = 0;
        int bound = F.loopBound(n);
        int i = 0;
        while (i < bound) {
            int end = Math.min(bound, i + CHUNK);
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            for (; i + 2 * L <= end; i += 2 * L) {
                acc0 = FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.fromArray(F, y, yOff + i), acc0);
                acc1 = FloatVector.fromArray(F, x, xOff + i + L).fma(FloatVector.fromArray(F, y, yOff + i + L), acc1);
            }
            if (i < end) {
                acc0 = FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.fromArray(F, y, yOff + i), acc0);
                i += L;
            }
            FloatVector acc = acc0.add(acc1);
            chunkSums += sumLanes(acc);
        }
        double s = chunkSums;
        for (; i < n; i++) {
            s += (double) x[xOff + i] * y[yOff + i];
        }
        return s;
    }

    /** Σ x, computed like {@link #dotD}. */
    static double sumD(int n, float[] x, int xOff) {
        double chunkSums = 0;
        int bound = F.loopBound(n);
        int i = 0;
        while (i < bound) {
            int end = Math.min(bound, i + CHUNK);
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            for (; i + 2 * L <= end; i += 2 * L) {
                acc0 = acc0.add(FloatVector.fromArray(F, x, xOff + i));
                acc1 = acc1.add(FloatVector.fromArray(F, x, xOff + i + L));
            }
            if (i < end) {
                acc0 = acc0.add(FloatVector.fromArray(F, x, xOff + i));
                i += L;
            }
            FloatVector acc = acc0.add(acc1);
            chunkSums += sumLanes(acc);
        }
        double s = chunkSums;
        for (; i < n; i++) {
            s += x[xOff + i];
        }
        return s;
    }

    @Override
    public double sumOfSquares(int n, float[] x, int xOff) {
        // per-lane float sums over short chunks, each chunk's lanes added in a fixed order into a double
        double chunkSums = 0;
        int bound = F.loopBound(n);
        int i = 0;
        while (i < bound) {
            int end = Math.min(bound, i + CHUNK);
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            for (; i + 2 * L <= end; i += 2 * L) {
                FloatVector v0 = FloatVector.fromArray(F, x, xOff + i);
                FloatVector v1 = FloatVector.fromArray(F, x, xOff + i + L);
                acc0 = v0.fma(v0, acc0);
                acc1 = v1.fma(v1, acc1);
            }
            if (i < end) {
                FloatVector v0 = FloatVector.fromArray(F, x, xOff + i);
                acc0 = v0.fma(v0, acc0);
                i += L;
            }
            chunkSums += sumLanes(acc0.add(acc1));
        }
        double s = chunkSums;
        for (; i < n; i++) {
            double v = x[xOff + i];
            s += v * v;
        }
        return s;
    }

    // ================================================================= element-wise

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        FloatVector va = FloatVector.broadcast(F, alpha);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
    }

    @Override
    public void add(int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff) {
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, a, aOff + i).add(FloatVector.fromArray(F, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    @Override
    public void mul(int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff) {
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, a, aOff + i).mul(FloatVector.fromArray(F, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).mul(alpha).intoArray(x, xOff + i);
        }
        for (; i < n; i++) {
            x[xOff + i] *= alpha;
        }
    }

    @Override
    public void addBiasRows(int rows, int n, float[] bias, int biasOff, float[] out, int outOff) {
        int bound = F.loopBound(n);
        for (int r = 0; r < rows; r++) {
            int o = outOff + r * n;
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector.fromArray(F, out, o + j).add(FloatVector.fromArray(F, bias, biasOff + j)).intoArray(out, o + j);
            }
            for (; j < n; j++) {
                out[o + j] += bias[biasOff + j];
            }
        }
    }

    @Override
    public void sumRowsInto(int rows, int n, float[] dy, int dyOff, float[] dBias, int dBiasOff) {
        // per column, over rows, with Kahan's compensated summation in float lanes (about as exact as
        // the reference's double sum, without widening), two vectors of columns at a time
        int bound2 = n - n % (2 * L);
        int j = 0;
        for (; j < bound2; j += 2 * L) {
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = s0;
            FloatVector c0 = s0;
            FloatVector c1 = s0;
            int o = dyOff + j;
            for (int r = 0; r < rows; r++, o += n) {
                FloatVector y0 = FloatVector.fromArray(F, dy, o).sub(c0);
                FloatVector y1 = FloatVector.fromArray(F, dy, o + L).sub(c1);
                FloatVector t0 = s0.add(y0);
                FloatVector t1 = s1.add(y1);
                c0 = t0.sub(s0).sub(y0);
                c1 = t1.sub(s1).sub(y1);
                s0 = t0;
                s1 = t1;
            }
            FloatVector.fromArray(F, dBias, dBiasOff + j).add(s0.sub(c0)).intoArray(dBias, dBiasOff + j);
            FloatVector.fromArray(F, dBias, dBiasOff + j + L).add(s1.sub(c1)).intoArray(dBias, dBiasOff + j + L);
        }
        for (; j < n; j++) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += dy[dyOff + r * n + j];
            }
            dBias[dBiasOff + j] += (float) s;
        }
    }


    // ================================================================= exp

    private static final float EXP_HI = 88.3762626647949f;
    private static final float EXP_LO = -87.3365478515625f;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND_MAGIC = 12582912f; // 1.5·2^23: adding it rounds to an integer
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    /**
     * e^x per lane (Cephes expf). Inputs above 88.376 saturate at e^88.376; inputs below -87.34
     * (including -inf) give 0; NaN gives NaN.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.min(EXP_HI).max(EXP_LO);
        FloatVector t = xc.fma(LOG2E, ROUND_MAGIC); // bits: 0x4B400000 + round(x·log2 e)
        FloatVector fx = t.sub(ROUND_MAGIC);
        FloatVector r = fx.fma(bc(-LN2_HI), xc);
        r = fx.fma(bc(-LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, bc(P2));
        p = p.fma(r, bc(P3));
        p = p.fma(r, bc(P4));
        p = p.fma(r, bc(P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        // 2^n from the integer in t's low mantissa bits (no float-to-int conversion)
        IntVector e = t.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23);
        y = y.mul(e.reinterpretAsFloats());
        return y.blend(0f, x.lt(EXP_LO));
    }

    private static FloatVector bc(float v) {
        return FloatVector.broadcast(F, v);
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, so the same bits. */
    static float exp(float x) {
        float xc = Math.max(Math.min(x, EXP_HI), EXP_LO);
        if (Float.isNaN(x)) {
            return Float.NaN;
        }
        float fx = Math.fma(xc, LOG2E, ROUND_MAGIC) - ROUND_MAGIC;
        float r = Math.fma(fx, -LN2_HI, xc);
        r = Math.fma(fx, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        y = y * Float.intBitsToFloat(((int) fx + 127) << 23);
        return x < EXP_LO ? 0f : y;
    }

    // ================================================================= softmax

    @Override
    public void softmax(int n, float[] x, int xOff) {
        if (n == 0) {
            return;
        }
        float max = max(n, x, xOff);
        if (max == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(x, xOff, xOff + n, 0f);
            return;
        }
        // exp(x - max) in place, summed like sumD
        FloatVector vmax = FloatVector.broadcast(F, max);
        double chunkSums = 0;
        int bound = F.loopBound(n);
        int i = 0;
        while (i < bound) {
            int end = Math.min(bound, i + CHUNK);
            FloatVector acc = FloatVector.zero(F);
            for (; i < end; i += L) {
                FloatVector e = exp(FloatVector.fromArray(F, x, xOff + i).sub(vmax));
                e.intoArray(x, xOff + i);
                acc = acc.add(e);
            }
            chunkSums += sumLanes(acc);
        }
        double sum = chunkSums;
        for (; i < n; i++) {
            float e = exp(x[xOff + i] - max);
            x[xOff + i] = e;
            sum += e;
        }
        scale(n, (float) (1.0 / sum), x, xOff);
    }

    /** Rows of a column block summed in float before the running total (a compensated sum) takes them. */
    private static final int COLUMN_CHUNK = 32;

    /**
     * Columns L at a time: the max, exp and sum run down the columns with vertical operations only
     * (no lane reductions, no scalar exp tails when cols is a multiple of L); per lane, rows are
     * summed in float over chunks of {@link #COLUMN_CHUNK}, the chunks added with Kahan's
     * compensation. The last cols mod L columns go through {@link #softmaxColumnsScalar}. exp is
     * written out in the loop (the operations of {@link #exp(FloatVector)}): called as a helper, C2
     * sometimes leaves it as a call that boxes its vectors (measured: a whole JVM's run at 0.6x).
     */
    @Override
    public void softmaxColumns(int rows, int cols, float scale, float[] x, int xOff, int ld) {
        if (rows <= 0) {
            return;
        }
        FloatVector negInf = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        FloatVector negLn2Hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p2 = FloatVector.broadcast(F, P2);
        FloatVector p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4);
        FloatVector p5 = FloatVector.broadcast(F, P5);
        int bound = F.loopBound(cols);
        int j = 0;
        for (; j < bound; j += L) {
            int o = xOff + j;
            FloatVector vmax = negInf;
            for (int i = 0; i < rows; i++) {
                // compare and blend: two instructions, where max's Java semantics (NaN, -0) cost six;
                // a NaN is not taken here but still makes its column NaN through exp below
                FloatVector v = FloatVector.fromArray(F, x, o + i * ld);
                vmax = vmax.blend(v, v.compare(VectorOperators.GT, vmax));
            }
            // a column of -inf: subtract -MAX_VALUE instead (exp(-inf) = 0, no NaN); its sum is then
            // 0 and 1/max(sum, MIN_NORMAL) times 0 gives zeros (a real column's sum is at least 1)
            vmax = vmax.max(-Float.MAX_VALUE);
            FloatVector total = FloatVector.zero(F);
            FloatVector comp = total;
            for (int i0 = 0; i0 < rows; i0 += COLUMN_CHUNK) {
                int i1 = Math.min(rows, i0 + COLUMN_CHUNK);
                FloatVector acc = FloatVector.zero(F);
                for (int i = i0; i < i1; i++) {
                    // v <= 0 (x <= max, scale > 0); below EXP_LO the lane is garbage until the blend
                    // to 0 at the end, so exp's clamp to [EXP_LO, EXP_HI] is left out (same bits)
                    FloatVector v = FloatVector.fromArray(F, x, o + i * ld).sub(vmax).mul(scale);
                    FloatVector vc = v;
                    FloatVector vt = vc.fma(LOG2E, ROUND_MAGIC);
                    FloatVector vf = vt.sub(ROUND_MAGIC);
                    FloatVector vr = vf.fma(negLn2Hi, vc);
                    vr = vf.fma(negLn2Lo, vr);
                    FloatVector vp = vr.fma(P0, P1);
                    vp = vp.fma(vr, p2);
                    vp = vp.fma(vr, p3);
                    vp = vp.fma(vr, p4);
                    vp = vp.fma(vr, p5);
                    FloatVector e = vp.fma(vr.mul(vr), vr).add(1f)
                            .mul(vt.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23)
                                    .reinterpretAsFloats())
                            .blend(0f, v.lt(EXP_LO));
                    e.intoArray(x, o + i * ld);
                    acc = acc.add(e);
                }
                FloatVector y = acc.sub(comp);
                FloatVector t = total.add(y);
                comp = t.sub(total).sub(y);
                total = t;
            }
            FloatVector inv = FloatVector.broadcast(F, 1f).div(total.max(Float.MIN_NORMAL));
            for (int i = 0; i < rows; i++) {
                FloatVector.fromArray(F, x, o + i * ld).mul(inv).intoArray(x, o + i * ld);
            }
        }
        for (; j < cols; j++) {
            softmaxColumnsScalar(rows, scale, x, xOff + j, ld);
        }
    }

    /** One column of {@link #softmaxColumns}, with the same float operations as one lane there. */
    private static void softmaxColumnsScalar(int rows, float scale, float[] x, int o, int ld) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < rows; i++) {
            max = Math.max(max, x[o + i * ld]);
        }
        max = Math.max(max, -Float.MAX_VALUE);
        float total = 0f;
        float comp = 0f;
        for (int i0 = 0; i0 < rows; i0 += COLUMN_CHUNK) {
            int i1 = Math.min(rows, i0 + COLUMN_CHUNK);
            float acc = 0f;
            for (int i = i0; i < i1; i++) {
                float e = exp((x[o + i * ld] - max) * scale);
                x[o + i * ld] = e;
                acc += e;
            }
            float y = acc - comp;
            float t = total + y;
            comp = (t - total) - y;
            total = t;
        }
        float inv = 1f / Math.max(total, Float.MIN_NORMAL);
        for (int i = 0; i < rows; i++) {
            x[o + i * ld] *= inv;
        }
    }

    // ================================================================= attention of one head

    /**
     * The composition, run directly on the register tiles: Q's head slice is transposed into the
     * scratch (Qᵀ, d x tp, columns past t zero), Sᵀ = K·Qᵀ is computed in 8 x 2L tiles
     * ({@link #kernel8s}; a last L-wide tile with {@link #kernel8h}), softmaxColumns normalises it, and
     * (P'ᵀ)ᵀ·V runs in 8 x 2L tiles over k blocks of {@link #KC} keys, as the packed GEMM splits them.
     * Each element is the fma chain the composition's GEMMs compute (they take the packed path or the
     * direct one by size, with the same chains), so the bits are the composition's; what is saved is
     * the packing of both operands of both products per head, and the edge tiles' copies (for t = 37,
     * two GEMMs of 44K multiply-adds each). Machines without 16-lane vectors, head sizes that are
     * not a multiple of L and sequences shorter than {@link #ATTENTION_TILES_FROM} run the composition.
     */
    @Override
    public void attention(int t, int d, float scale, float[] x, int qOff, int kOff, int vOff, int ld, float[] out,
                          int outOff, int ldo, float[] scratch) {
        if (t <= 0) {
            return;
        }
        int tp = (t + L - 1) / L * L;
        if (!TRANSPOSE16 || d % L != 0 || t < ATTENTION_TILES_FROM) {
            matmulTransB(t, t, d, x, kOff, ld, x, qOff, ld, scratch, 0, tp, false);
            softmaxColumns(t, tp, scale, scratch, 0, tp);
            matmulTransA(t, d, t, scratch, 0, tp, x, vOff, ld, out, outOff, ldo, false);
            return;
        }
        int sc = d * tp; // Sᵀ: (t rounded up to 8) x tp, after Qᵀ
        int tile = sc + ((t + MR - 1) / MR * MR) * tp; // MR x d, for a last group of fewer than 8 queries
        // Qᵀ[p, i] = Q[i, p]: 16 x 16 blocks in registers, then the last t mod 16 queries and zeros
        int t16 = t & ~15;
        for (int i0 = 0; i0 < t16; i0 += 16) {
            for (int p0 = 0; p0 < d; p0 += 16) {
                transpose16(x, qOff + i0 * ld + p0, ld, scratch, p0 * tp + i0, tp);
            }
        }
        for (int p = 0; p < d; p++) {
            for (int i = t16; i < tp; i++) {
                scratch[p * tp + i] = i < t ? x[qOff + i * ld + p] : 0f;
            }
        }
        // Sᵀ = K·Qᵀ, 8 keys at a time (rows past t of the last group are scratch)
        for (int j0 = 0; j0 < t; j0 += MR) {
            int rows = Math.min(MR, t - j0);
            int i0 = 0;
            for (; i0 + NR <= tp; i0 += NR) {
                kernel8s(d, x, kOff + j0 * ld, ld, 1, rows, scratch, i0, tp, scratch, sc + j0 * tp + i0, tp, false);
            }
            if (i0 < tp) {
                kernel8h(d, x, kOff + j0 * ld, ld, 1, rows, scratch, i0, tp, scratch, sc + j0 * tp + i0, tp, false);
            }
        }
        softmaxColumns(t, tp, scale, scratch, sc, tp);
        // out = (P'ᵀ)ᵀ·V, 8 queries at a time: A[i, j] = P'[j, i], k blocks of KC keys
        for (int i0 = 0; i0 < t; i0 += MR) {
            int rows = Math.min(MR, t - i0);
            boolean full = rows == MR;
            for (int c0 = 0; c0 < d; c0 += NR) {
                boolean wide = c0 + NR <= d;
                float[] dst = full ? out : scratch;
                int ci = full ? outOff + i0 * ldo + c0 : tile + c0;
                int ldc = full ? ldo : d;
                for (int pc = 0; pc < t; pc += KC) {
                    int kc = Math.min(KC, t - pc);
                    if (wide) {
                        kernel8s(kc, scratch, sc + pc * tp + i0, 1, tp, rows, x, vOff + pc * ld + c0, ld, dst, ci, ldc,
                                pc > 0);
                    } else {
                        kernel8h(kc, scratch, sc + pc * tp + i0, 1, tp, rows, x, vOff + pc * ld + c0, ld, dst, ci,
                                ldc, pc > 0);
                    }
                }
            }
            if (!full) {
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(scratch, tile + r * d, out, outOff + (i0 + r) * ldo, d);
                }
            }
        }
    }

    /**
     * Sequences shorter than this run the composition: below it the transposes and the partly empty
     * tiles cost more than the packing they save (one head, d = 32, in-process: the composition
     * 0.88 against 1.13 us at t = 12, 2.02 against 2.26 at t = 24; 6.13 against 5.82 at t = 37).
     */
    static final int ATTENTION_TILES_FROM = 32;

    @Override
    public int attentionScratch(int t, int d) {
        int tp = (t + L - 1) / L * L;
        return d * tp + ((t + MR - 1) / MR * MR) * tp + MR * d;
    }

    /** Maximum of x[0..n); order-independent, so reduceLanes(MAX) is safe. n must be positive. */
    private static float max(int n, float[] x, int xOff) {
        float max = Float.NEGATIVE_INFINITY;
        int bound = F.loopBound(n);
        int i = 0;
        if (bound > 0) {
            FloatVector vm = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += L) {
                vm = vm.max(FloatVector.fromArray(F, x, xOff + i));
            }
            max = vm.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, x[xOff + i]);
        }
        return max;
    }

    @Override
    public void softmaxBackward(int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                boolean accumulate) {
        float s = (float) dotD(n, y, yOff, dy, dyOff);
        FloatVector vs = FloatVector.broadcast(F, s);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(F, y, yOff + i).mul(FloatVector.fromArray(F, dy, dyOff + i).sub(vs));
            if (accumulate) {
                g = FloatVector.fromArray(F, dx, dxOff + i).add(g);
            }
            g.intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            float g = y[yOff + i] * (dy[dyOff + i] - s);
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
        }
    }

    // ================================================================= layer norm

    @Override
    public void layerNorm(int rows, int n, float[] x, int xOff, float[] gamma, int gOff, float[] beta, int bOff,
                          float eps, float[] out, int outOff, float[] mean, float[] rstd, int statsOff) {
        int bound = F.loopBound(n);
        for (int r = 0; r < rows; r++) {
            int xo = xOff + r * n;
            float mu = (float) (sumD(n, x, xo) / n);
            double var = sumSquaredDeviations(n, x, xo, mu);
            float rs = (float) (1.0 / Math.sqrt(var / n + eps));
            int oo = outOff + r * n;
            FloatVector vmu = FloatVector.broadcast(F, mu);
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector.fromArray(F, x, xo + j).sub(vmu).mul(rs)
                        .mul(FloatVector.fromArray(F, gamma, gOff + j))
                        .add(FloatVector.fromArray(F, beta, bOff + j))
                        .intoArray(out, oo + j);
            }
            for (; j < n; j++) {
                out[oo + j] = (x[xo + j] - mu) * rs * gamma[gOff + j] + beta[bOff + j];
            }
            mean[statsOff + r] = mu;
            rstd[statsOff + r] = rs;
        }
    }

    /** Σ (x - mu)², float per lane over chunks, each chunk's lanes in a fixed order, chunks in double. */
    private static double sumSquaredDeviations(int n, float[] x, int xo, float mu) {
        FloatVector vmu = FloatVector.broadcast(F, mu);
        double chunkSums = 0;
        int bound = F.loopBound(n);
        int i = 0;
        while (i < bound) {
            int end = Math.min(bound, i + CHUNK);
            FloatVector acc = FloatVector.zero(F);
            for (; i < end; i += L) {
                FloatVector d = FloatVector.fromArray(F, x, xo + i).sub(vmu);
                acc = d.fma(d, acc);
            }
            chunkSums += sumLanes(acc);
        }
        double s = chunkSums;
        for (; i < n; i++) {
            double d = x[xo + i] - mu;
            s += d * d;
        }
        return s;
    }

    @Override
    public void layerNormBackward(int rows, int n, float[] dy, int dyOff, float[] x, int xOff,
                                  float[] gamma, int gOff, float[] mean, float[] rstd, int statsOff,
                                  float[] dx, int dxOff, boolean accumulate,
                                  float[] dGamma, float[] dBeta, int dgOff) {
        int bound = F.loopBound(n);
        for (int r = 0; r < rows; r++) {
            int xo = xOff + r * n;
            int go = dyOff + r * n;
            float mu = mean[statsOff + r];
            float rs = rstd[statsOff + r];
            FloatVector vmu = FloatVector.broadcast(F, mu);
            // pass 1: Σ g, Σ g·x̂ (g = dy·γ) and the parameter gradients
            double sumG = 0;
            double sumGX = 0;
            int j = 0;
            while (j < bound) {
                int end = Math.min(bound, j + CHUNK);
                FloatVector accG = FloatVector.zero(F);
                FloatVector accGX = accG;
                for (; j < end; j += L) {
                    FloatVector xhat = FloatVector.fromArray(F, x, xo + j).sub(vmu).mul(rs);
                    FloatVector d = FloatVector.fromArray(F, dy, go + j);
                    FloatVector g = d.mul(FloatVector.fromArray(F, gamma, gOff + j));
                    accG = accG.add(g);
                    accGX = g.fma(xhat, accGX);
                    d.fma(xhat, FloatVector.fromArray(F, dGamma, dgOff + j)).intoArray(dGamma, dgOff + j);
                    FloatVector.fromArray(F, dBeta, dgOff + j).add(d).intoArray(dBeta, dgOff + j);
                }
                sumG += sumLanes(accG);
                sumGX += sumLanes(accGX);
            }
            for (; j < n; j++) {
                float xhat = (x[xo + j] - mu) * rs;
                float g = dy[go + j] * gamma[gOff + j];
                sumG += g;
                sumGX += (double) g * xhat;
                dGamma[dgOff + j] += dy[go + j] * xhat;
                dBeta[dgOff + j] += dy[go + j];
            }
            float meanG = (float) (sumG / n);
            float meanGX = (float) (sumGX / n);
            // pass 2: dx = rstd·(g - mean(g) - x̂·mean(g·x̂))
            int dxo = dxOff + r * n;
            FloatVector vMeanG = FloatVector.broadcast(F, meanG);
            FloatVector vMeanGX = FloatVector.broadcast(F, meanGX);
            j = 0;
            for (; j < bound; j += L) {
                FloatVector xhat = FloatVector.fromArray(F, x, xo + j).sub(vmu).mul(rs);
                FloatVector g = FloatVector.fromArray(F, dy, go + j).mul(FloatVector.fromArray(F, gamma, gOff + j));
                FloatVector v = g.sub(vMeanG).sub(xhat.mul(vMeanGX)).mul(rs);
                if (accumulate) {
                    v = FloatVector.fromArray(F, dx, dxo + j).add(v);
                }
                v.intoArray(dx, dxo + j);
            }
            for (; j < n; j++) {
                float xhat = (x[xo + j] - mu) * rs;
                float g = dy[go + j] * gamma[gOff + j];
                float v = rs * (g - meanG - xhat * meanGX);
                dx[dxo + j] = accumulate ? dx[dxo + j] + v : v;
            }
        }
    }

    // ================================================================= GELU

    private static final float F_INV_SQRT_2 = (float) INV_SQRT_2;
    private static final float F_INV_SQRT_2PI = (float) INV_SQRT_2PI;
    private static final float F_SQRT_2_OVER_PI = (float) SQRT_2_OVER_PI;
    private static final float F_GELU_C = (float) GELU_TANH_C;
    private static final float F_GELU_3C = (float) (3 * GELU_TANH_C);
    // Numerical Recipes erfcc coefficients
    private static final float E0 = -1.26551223f;
    private static final float E1 = 1.00002368f;
    private static final float E2 = 0.37409196f;
    private static final float E3 = 0.09678418f;
    private static final float E4 = -0.18628806f;
    private static final float E5 = 0.27886807f;
    private static final float E6 = -1.13520398f;
    private static final float E7 = 1.48851587f;
    private static final float E8 = -0.82215223f;
    private static final float E9 = 0.17087277f;

    /** erfc(w), Numerical Recipes' erfcc in float (the vector loops below do the same operations). */
    static float erfcF(float w) {
        float z = Math.abs(w);
        float t = 1f / Math.fma(z, 0.5f, 1f);
        float p = Math.fma(t, E9, E8);
        p = Math.fma(p, t, E7);
        p = Math.fma(p, t, E6);
        p = Math.fma(p, t, E5);
        p = Math.fma(p, t, E4);
        p = Math.fma(p, t, E3);
        p = Math.fma(p, t, E2);
        p = Math.fma(p, t, E1);
        p = Math.fma(p, t, E0);
        float ans = t * exp(Math.fma(-z, z, p));
        return w < 0f ? 2f - ans : ans;
    }

    static float tanhF(float u) {
        float e = exp(Math.abs(u) * 2f);
        float t = 1f - 2f / (e + 1f);
        return u < 0f ? -t : t;
    }

    static float geluS(GeluForm form, float x) {
        if (form == GeluForm.ERF) {
            return x * 0.5f * erfcF(x * -F_INV_SQRT_2);
        }
        float u = Math.fma(x * x * F_GELU_C, x, x) * F_SQRT_2_OVER_PI;
        return x * 0.5f * (tanhF(u) + 1f);
    }

    static float geluDerivativeS(GeluForm form, float x) {
        if (form == GeluForm.ERF) {
            float phi = exp(x * x * -0.5f) * F_INV_SQRT_2PI;
            return erfcF(x * -F_INV_SQRT_2) * 0.5f + x * phi;
        }
        float x2 = x * x;
        float u = Math.fma(x2 * F_GELU_C, x, x) * F_SQRT_2_OVER_PI;
        float t = tanhF(u);
        float du = Math.fma(x2, F_GELU_3C, 1f) * F_SQRT_2_OVER_PI;
        float sech2 = Math.fma(-t, t, 1f);
        return (t + 1f) * 0.5f + x * 0.5f * sech2 * du;
    }

    @Override
    public void gelu(GeluForm form, int n, float[] x, int xOff, float[] out, int outOff) {
        if (form == GeluForm.ERF) {
            geluErf(n, x, xOff, out, outOff);
        } else {
            geluTanh(n, x, xOff, out, outOff);
        }
    }

    @Override
    public void geluBackward(GeluForm form, int n, float[] x, int xOff, float[] dy, int dyOff,
                             float[] dx, int dxOff, boolean accumulate) {
        if (form == GeluForm.ERF) {
            geluErfBackward(n, x, xOff, dy, dyOff, dx, dxOff, accumulate);
        } else {
            geluTanhBackward(n, x, xOff, dy, dyOff, dx, dxOff, accumulate);
        }
    }

    /*
     * The four GELU loops below write erfc, tanh and exp out in full rather than calling vector
     * helpers: C2 does not always inline a chain of helpers that take and return vectors, and a
     * helper left as a call boxes its vectors (one allocation per vector, about 10x slower). Each
     * loop does the same float operations, in the same order, as its scalar twin (geluS,
     * geluDerivativeS, erfcF, tanhF, exp(float)), which computes the tail, so all lanes agree bit
     * for bit with the scalar twin.
     */

    /** gelu(x) = x/2·erfc(-x/√2), with erfc (as erfcF) and exp written out in the loop. */
    private static void geluErf(int n, float[] x, int xOff, float[] out, int outOff) {
        geluErfRows(1, n, x, xOff, 0, null, 0, out, outOff, 0);
    }

    /**
     * out[r, j] = gelu(x[r, j] (+ bias[j])) (erf form) for {@code rows} rows of n values, rows of
     * x and out at strides ldx and ldo; bias may be null. The bias is added first, as addBiasRows
     * adds it, so the result is the bits of addBiasRows followed by gelu.
     */
    private static void geluErfRows(int rows, int n, float[] x, int xOff, int ldx, float[] bias, int bOff,
                                    float[] out, int outOff, int ldo) {
        FloatVector negLn2Hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p2 = FloatVector.broadcast(F, P2);
        FloatVector p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4);
        FloatVector p5 = FloatVector.broadcast(F, P5);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector two = FloatVector.broadcast(F, 2f);
        FloatVector e0 = FloatVector.broadcast(F, E0);
        FloatVector e1 = FloatVector.broadcast(F, E1);
        FloatVector e2 = FloatVector.broadcast(F, E2);
        FloatVector e3 = FloatVector.broadcast(F, E3);
        FloatVector e4 = FloatVector.broadcast(F, E4);
        FloatVector e5 = FloatVector.broadcast(F, E5);
        FloatVector e6 = FloatVector.broadcast(F, E6);
        FloatVector e7 = FloatVector.broadcast(F, E7);
        int bound = F.loopBound(n);
        for (int row = 0; row < rows; row++) {
            int xo = xOff + row * ldx;
            int oo = outOff + row * ldo;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xo + i);
                if (bias != null) {
                    xv = xv.add(FloatVector.fromArray(F, bias, bOff + i));
                }
                FloatVector w = xv.mul(-F_INV_SQRT_2);
                FloatVector ecz = w.abs();
                FloatVector ect = one.div(ecz.fma(0.5f, 1f));
                FloatVector ecq = ect.fma(E9, E8);
                ecq = ecq.fma(ect, e7);
                ecq = ecq.fma(ect, e6);
                ecq = ecq.fma(ect, e5);
                ecq = ecq.fma(ect, e4);
                ecq = ecq.fma(ect, e3);
                ecq = ecq.fma(ect, e2);
                ecq = ecq.fma(ect, e1);
                ecq = ecq.fma(ect, e0);
                FloatVector eca = ecz.neg().fma(ecz, ecq);
                FloatVector ecxc = eca.min(EXP_HI).max(EXP_LO);
                FloatVector ecxt = ecxc.fma(LOG2E, ROUND_MAGIC);
                FloatVector ecxf = ecxt.sub(ROUND_MAGIC);
                FloatVector ecxr = ecxf.fma(negLn2Hi, ecxc);
                ecxr = ecxf.fma(negLn2Lo, ecxr);
                FloatVector ecxp = ecxr.fma(P0, P1);
                ecxp = ecxp.fma(ecxr, p2);
                ecxp = ecxp.fma(ecxr, p3);
                ecxp = ecxp.fma(ecxr, p4);
                ecxp = ecxp.fma(ecxr, p5);
                FloatVector ecx = ecxp.fma(ecxr.mul(ecxr), ecxr).add(1f)
                        .mul(ecxt.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                        .blend(0f, eca.lt(EXP_LO));
                FloatVector ecm = ect.mul(ecx);
                FloatVector ec = ecm.blend(two.sub(ecm), w.lt(0f));
                xv.mul(0.5f).mul(ec).intoArray(out, oo + i);
            }
            for (; i < n; i++) {
                float v = bias != null ? x[xo + i] + bias[bOff + i] : x[xo + i];
                out[oo + i] = geluS(GeluForm.ERF, v);
            }
        }
    }

    // ---------------------------------------------------------------- GELU of the fused epilogue (erf form)

    /*
     * linearTransB's epilogue (inference: EncoderInference's feed-forward) evaluates the erf GELU
     * without a division, as gelu(x) = x·Φ(x) with Φ(x) = 1 - erfc(t)/2 for x >= 0 and erfc(t)/2 for
     * x < 0, t = |x|/√2, and erfc(t) = exp(Q(t)) for t <= 3.925 (erf(3.925) rounds to 1 in float):
     * Q(t) = t·(c1 + t·(c2 + ... + t·c9)), a weighted minimax fit of log erfc(t) on [0, 3.925]
     * (weight max(erfc(t), 1e-4), coefficients rounded to float one at a time from the highest
     * degree, the others refitted, by tools/reference/fit_gelu_erfc.py: the MLAS/Eigen recipe of a
     * polynomial erf, one exp and no division). Beyond |x| = 5.55 Φ is 1 or 0 (the true gelu there differs from x or 0 by less than
     * 6e-8). Evaluated in float: |Φ - Φ_exact| <= 2e-7 over the real line, relative error of Φ below
     * 2e-4 for x > -5.55; gelu(±0) = ±0, gelu(+inf) = +inf, gelu(-inf) = NaN (as geluS), NaN -> NaN.
     * The erfcc form (geluErfRows) costs a vector division per 16 values, its most expensive
     * operation. gelu and geluBackward (training) keep erfcc, so training numbers do not change.
     */
    private static final float FG_T_MAX = 3.925f;
    private static final float FG_X_MAX = (float) (FG_T_MAX * Math.sqrt(2));
    private static final float FG_C1 = -1.128379822e+00f;
    private static final float FG_C2 = -6.366058588e-01f;
    private static final float FG_C3 = -1.028646156e-01f;
    private static final float FG_C4 = 1.941042766e-02f;
    private static final float FG_C5 = -2.442199329e-04f;
    private static final float FG_C6 = -1.310992055e-03f;
    private static final float FG_C7 = 4.579849192e-04f;
    private static final float FG_C8 = -7.316198025e-05f;
    private static final float FG_C9 = 4.719148365e-06f;

    /** The scalar twin of the fused epilogue's erf GELU ({@link #fusedGeluErfRows}): the same operations, the same bits. */
    static float fusedGeluErfS(float x) {
        float t = Math.min(Math.abs(x) * F_INV_SQRT_2, FG_T_MAX);
        // Q(t) by Estrin's scheme: pairs, then quadruples (a shorter dependency chain than Horner's)
        float t2 = t * t;
        float t4 = t2 * t2;
        float q12 = Math.fma(t, FG_C2, FG_C1);
        float q34 = Math.fma(t, FG_C4, FG_C3);
        float q56 = Math.fma(t, FG_C6, FG_C5);
        float q78 = Math.fma(t, FG_C8, FG_C7);
        float q14 = Math.fma(t2, q34, q12);
        float q58 = Math.fma(t2, q78, q56);
        float q59 = Math.fma(t4, FG_C9, q58);
        float q = Math.fma(t4, q59, q14) * t; // log erfc(t), in [-17.6, 0]: inside exp's range, no clamping
        float fx = Math.fma(q, LOG2E, ROUND_MAGIC) - ROUND_MAGIC;
        float r = Math.fma(fx, -LN2_HI, q);
        r = Math.fma(fx, -LN2_LO, r);
        // exp's polynomial, also by Estrin's scheme
        float r2 = r * r;
        float e45 = Math.fma(r, P4, P5);
        float e23 = Math.fma(r, P2, P3);
        float e01 = Math.fma(r, P0, P1);
        float p = Math.fma(r2, Math.fma(r2, e01, e23), e45);
        float y = Math.fma(p, r2, r) + 1f;
        float h = y * Float.intBitsToFloat(((int) fx + 126) << 23); // erfc(t)/2: 2^(n-1)
        float phi = x < 0f ? h : 1f - h;
        return x < -FG_X_MAX ? x * 0f : x * phi;
    }

    /**
     * out[r, j] = gelu(x[r, j] (+ bias[j])) (erf form, the division-free erf above) for {@code rows}
     * rows of n values at strides ldx and ldo; bias may be null. Lanes agree bit for bit with
     * {@link #fusedGeluErfS}, which computes the tails.
     */
    static void fusedGeluErfRows(int rows, int n, float[] x, int xOff, int ldx, float[] bias, int bOff,
                                 float[] out, int outOff, int ldo) {
        // every constant in a vector, made once (not a broadcast per use); both polynomials by
        // Estrin's scheme: the loop is bound by its dependency chain, not by its operation count
        // (in-process, one 8 x 32 tile at a time: 0.93 -> 0.74 ns per value)
        FloatVector negLn2Hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p0 = FloatVector.broadcast(F, P0);
        FloatVector p1 = FloatVector.broadcast(F, P1);
        FloatVector p2 = FloatVector.broadcast(F, P2);
        FloatVector p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4);
        FloatVector p5 = FloatVector.broadcast(F, P5);
        FloatVector zero = FloatVector.zero(F);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector invSqrt2 = FloatVector.broadcast(F, F_INV_SQRT_2);
        FloatVector tMax = FloatVector.broadcast(F, FG_T_MAX);
        FloatVector negXMax = FloatVector.broadcast(F, -FG_X_MAX);
        FloatVector log2e = FloatVector.broadcast(F, LOG2E);
        FloatVector magic = FloatVector.broadcast(F, ROUND_MAGIC);
        FloatVector c1 = FloatVector.broadcast(F, FG_C1);
        FloatVector c2 = FloatVector.broadcast(F, FG_C2);
        FloatVector c3 = FloatVector.broadcast(F, FG_C3);
        FloatVector c4 = FloatVector.broadcast(F, FG_C4);
        FloatVector c5 = FloatVector.broadcast(F, FG_C5);
        FloatVector c6 = FloatVector.broadcast(F, FG_C6);
        FloatVector c7 = FloatVector.broadcast(F, FG_C7);
        FloatVector c8 = FloatVector.broadcast(F, FG_C8);
        FloatVector c9 = FloatVector.broadcast(F, FG_C9);
        int bound = F.loopBound(n);
        for (int row = 0; row < rows; row++) {
            int xo = xOff + row * ldx;
            int oo = outOff + row * ldo;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xo + i);
                if (bias != null) {
                    xv = xv.add(FloatVector.fromArray(F, bias, bOff + i));
                }
                // min by compare and blend (two instructions; min's Java semantics cost six), the
                // same value for every t >= 0 and NaN
                FloatVector ta = xv.abs().mul(invSqrt2);
                FloatVector t = ta.blend(tMax, ta.compare(VectorOperators.GT, tMax));
                FloatVector t2 = t.mul(t);
                FloatVector t4 = t2.mul(t2);
                FloatVector q12 = t.fma(c2, c1);
                FloatVector q34 = t.fma(c4, c3);
                FloatVector q56 = t.fma(c6, c5);
                FloatVector q78 = t.fma(c8, c7);
                FloatVector q14 = t2.fma(q34, q12);
                FloatVector q58 = t2.fma(q78, q56);
                FloatVector q59 = t4.fma(c9, q58);
                FloatVector q = t4.fma(q59, q14).mul(t);
                FloatVector et = q.fma(log2e, magic);
                FloatVector ef = et.sub(magic);
                FloatVector er = ef.fma(negLn2Hi, q);
                er = ef.fma(negLn2Lo, er);
                FloatVector r2 = er.mul(er);
                FloatVector e45 = er.fma(p4, p5);
                FloatVector e23 = er.fma(p2, p3);
                FloatVector e01 = er.fma(p0, p1);
                FloatVector ep = r2.fma(r2.fma(e01, e23), e45);
                FloatVector h = ep.fma(r2, er).add(one)
                        .mul(et.reinterpretAsInts().add(126 - 0x4B400000).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
                FloatVector phi = one.sub(h).blend(h, xv.compare(VectorOperators.LT, zero));
                xv.mul(phi.blend(zero, xv.compare(VectorOperators.LT, negXMax))).intoArray(out, oo + i);
            }
            for (; i < n; i++) {
                out[oo + i] = fusedGeluErfS(bias != null ? x[xo + i] + bias[bOff + i] : x[xo + i]);
            }
        }
    }

    /** gelu(x) = x/2·(1 + tanh(√(2/π)(x + 0.044715x³))), tanh and exp written out in the loop. */
    private static void geluTanh(int n, float[] x, int xOff, float[] out, int outOff) {
        geluTanhRows(1, n, x, xOff, 0, null, 0, out, outOff, 0);
    }

    /** As {@link #geluErfRows} for the tanh form. */
    private static void geluTanhRows(int rows, int n, float[] x, int xOff, int ldx, float[] bias, int bOff,
                                     float[] out, int outOff, int ldo) {
        FloatVector negLn2Hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p2 = FloatVector.broadcast(F, P2);
        FloatVector p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4);
        FloatVector p5 = FloatVector.broadcast(F, P5);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector two = FloatVector.broadcast(F, 2f);
        int bound = F.loopBound(n);
        for (int row = 0; row < rows; row++) {
            int xo = xOff + row * ldx;
            int oo = outOff + row * ldo;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xo + i);
                if (bias != null) {
                    xv = xv.add(FloatVector.fromArray(F, bias, bOff + i));
                }
                FloatVector u = xv.mul(xv).mul(F_GELU_C).fma(xv, xv).mul(F_SQRT_2_OVER_PI);
                FloatVector tha = u.abs().mul(2f);
                FloatVector thec = tha.min(EXP_HI).max(EXP_LO);
                FloatVector thet = thec.fma(LOG2E, ROUND_MAGIC);
                FloatVector thef = thet.sub(ROUND_MAGIC);
                FloatVector ther = thef.fma(negLn2Hi, thec);
                ther = thef.fma(negLn2Lo, ther);
                FloatVector thep = ther.fma(P0, P1);
                thep = thep.fma(ther, p2);
                thep = thep.fma(ther, p3);
                thep = thep.fma(ther, p4);
                thep = thep.fma(ther, p5);
                FloatVector the = thep.fma(ther.mul(ther), ther).add(1f)
                        .mul(thet.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                        .blend(0f, tha.lt(EXP_LO));
                FloatVector thm = one.sub(two.div(the.add(1f)));
                FloatVector th = thm.blend(thm.neg(), u.lt(0f));
                xv.mul(0.5f).mul(th.add(1f)).intoArray(out, oo + i);
            }
            for (; i < n; i++) {
                float v = bias != null ? x[xo + i] + bias[bOff + i] : x[xo + i];
                out[oo + i] = geluS(GeluForm.TANH, v);
            }
        }
    }

    /** dx (+)= dy·gelu'(x) for the erf form, erfc and exp written out in the loop. */
    private static void geluErfBackward(int n, float[] x, int xOff, float[] dy, int dyOff, float[] dx,
                                           int dxOff, boolean accumulate) {
        FloatVector negLn2Hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p2 = FloatVector.broadcast(F, P2);
        FloatVector p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4);
        FloatVector p5 = FloatVector.broadcast(F, P5);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector two = FloatVector.broadcast(F, 2f);
        FloatVector e0 = FloatVector.broadcast(F, E0);
        FloatVector e1 = FloatVector.broadcast(F, E1);
        FloatVector e2 = FloatVector.broadcast(F, E2);
        FloatVector e3 = FloatVector.broadcast(F, E3);
        FloatVector e4 = FloatVector.broadcast(F, E4);
        FloatVector e5 = FloatVector.broadcast(F, E5);
        FloatVector e6 = FloatVector.broadcast(F, E6);
        FloatVector e7 = FloatVector.broadcast(F, E7);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            FloatVector pha = xv.mul(xv).mul(-0.5f);
            FloatVector phc = pha.min(EXP_HI).max(EXP_LO);
            FloatVector pht = phc.fma(LOG2E, ROUND_MAGIC);
            FloatVector phf = pht.sub(ROUND_MAGIC);
            FloatVector phr = phf.fma(negLn2Hi, phc);
            phr = phf.fma(negLn2Lo, phr);
            FloatVector php = phr.fma(P0, P1);
            php = php.fma(phr, p2);
            php = php.fma(phr, p3);
            php = php.fma(phr, p4);
            php = php.fma(phr, p5);
            FloatVector ph = php.fma(phr.mul(phr), phr).add(1f)
                    .mul(pht.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .blend(0f, pha.lt(EXP_LO));
            FloatVector phi = ph.mul(F_INV_SQRT_2PI);
            FloatVector w = xv.mul(-F_INV_SQRT_2);
            FloatVector ecz = w.abs();
            FloatVector ect = one.div(ecz.fma(0.5f, 1f));
            FloatVector ecq = ect.fma(E9, E8);
            ecq = ecq.fma(ect, e7);
            ecq = ecq.fma(ect, e6);
            ecq = ecq.fma(ect, e5);
            ecq = ecq.fma(ect, e4);
            ecq = ecq.fma(ect, e3);
            ecq = ecq.fma(ect, e2);
            ecq = ecq.fma(ect, e1);
            ecq = ecq.fma(ect, e0);
            FloatVector eca = ecz.neg().fma(ecz, ecq);
            FloatVector ecxc = eca.min(EXP_HI).max(EXP_LO);
            FloatVector ecxt = ecxc.fma(LOG2E, ROUND_MAGIC);
            FloatVector ecxf = ecxt.sub(ROUND_MAGIC);
            FloatVector ecxr = ecxf.fma(negLn2Hi, ecxc);
            ecxr = ecxf.fma(negLn2Lo, ecxr);
            FloatVector ecxp = ecxr.fma(P0, P1);
            ecxp = ecxp.fma(ecxr, p2);
            ecxp = ecxp.fma(ecxr, p3);
            ecxp = ecxp.fma(ecxr, p4);
            ecxp = ecxp.fma(ecxr, p5);
            FloatVector ecx = ecxp.fma(ecxr.mul(ecxr), ecxr).add(1f)
                    .mul(ecxt.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .blend(0f, eca.lt(EXP_LO));
            FloatVector ecm = ect.mul(ecx);
            FloatVector ec = ecm.blend(two.sub(ecm), w.lt(0f));
            FloatVector d = ec.mul(0.5f).add(xv.mul(phi));
            FloatVector g = FloatVector.fromArray(F, dy, dyOff + i).mul(d);
            if (accumulate) {
                FloatVector.fromArray(F, dx, dxOff + i).add(g).intoArray(dx, dxOff + i);
            } else {
                g.intoArray(dx, dxOff + i);
            }
        }
        for (; i < n; i++) {
            float g = dy[dyOff + i] * geluDerivativeS(GeluForm.ERF, x[xOff + i]);
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
        }
    }

    /** dx (+)= dy·gelu'(x) for the tanh form, tanh and exp written out in the loop. */
    private static void geluTanhBackward(int n, float[] x, int xOff, float[] dy, int dyOff, float[] dx,
                                            int dxOff, boolean accumulate) {
        FloatVector negLn2Hi = FloatVector.broadcast(F, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p2 = FloatVector.broadcast(F, P2);
        FloatVector p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4);
        FloatVector p5 = FloatVector.broadcast(F, P5);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector two = FloatVector.broadcast(F, 2f);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            FloatVector x2 = xv.mul(xv);
            FloatVector u = x2.mul(F_GELU_C).fma(xv, xv).mul(F_SQRT_2_OVER_PI);
            FloatVector tha = u.abs().mul(2f);
            FloatVector thec = tha.min(EXP_HI).max(EXP_LO);
            FloatVector thet = thec.fma(LOG2E, ROUND_MAGIC);
            FloatVector thef = thet.sub(ROUND_MAGIC);
            FloatVector ther = thef.fma(negLn2Hi, thec);
            ther = thef.fma(negLn2Lo, ther);
            FloatVector thep = ther.fma(P0, P1);
            thep = thep.fma(ther, p2);
            thep = thep.fma(ther, p3);
            thep = thep.fma(ther, p4);
            thep = thep.fma(ther, p5);
            FloatVector the = thep.fma(ther.mul(ther), ther).add(1f)
                    .mul(thet.reinterpretAsInts().add(127 - 0x4B400000).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .blend(0f, tha.lt(EXP_LO));
            FloatVector thm = one.sub(two.div(the.add(1f)));
            FloatVector th = thm.blend(thm.neg(), u.lt(0f));
            FloatVector du = x2.fma(F_GELU_3C, 1f).mul(F_SQRT_2_OVER_PI);
            FloatVector sech2 = th.neg().fma(th, one);
            FloatVector d = th.add(1f).mul(0.5f).add(xv.mul(0.5f).mul(sech2).mul(du));
            FloatVector g = FloatVector.fromArray(F, dy, dyOff + i).mul(d);
            if (accumulate) {
                FloatVector.fromArray(F, dx, dxOff + i).add(g).intoArray(dx, dxOff + i);
            } else {
                g.intoArray(dx, dxOff + i);
            }
        }
        for (; i < n; i++) {
            float g = dy[dyOff + i] * geluDerivativeS(GeluForm.TANH, x[xOff + i]);
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
        }
    }


    // ================================================================= cross-entropy

    @Override
    public float crossEntropy(int n, float[] logits, int lOff, int target, int ignoreIndex, float gradScale,
                              float[] dLogits, int dOff) {
        if (target == ignoreIndex) {
            java.util.Arrays.fill(dLogits, dOff, dOff + n, 0f);
            return 0f;
        }
        if (target < 0 || target >= n) {
            throw new IllegalArgumentException("target " + target + " outside [0, " + n + ")");
        }
        float max = max(n, logits, lOff);
        float targetLogit = logits[lOff + target];
        // pass 1: e = exp(logit - max) written to dLogits (which may alias logits), Σ e
        FloatVector vmax = FloatVector.broadcast(F, max);
        double chunkSums = 0;
        int bound = F.loopBound(n);
        int i = 0;
        while (i < bound) {
            int end = Math.min(bound, i + CHUNK);
            FloatVector acc = FloatVector.zero(F);
            for (; i < end; i += L) {
                FloatVector e = exp(FloatVector.fromArray(F, logits, lOff + i).sub(vmax));
                e.intoArray(dLogits, dOff + i);
                acc = acc.add(e);
            }
            chunkSums += sumLanes(acc);
        }
        double sum = chunkSums;
        for (; i < n; i++) {
            float e = exp(logits[lOff + i] - max);
            dLogits[dOff + i] = e;
            sum += e;
        }
        float loss = (float) (Math.log(sum) + max) - targetLogit;
        // pass 2: dLogits = softmax·gradScale, minus gradScale at the target
        float targetE = dLogits[dOff + target];
        scale(n, (float) (gradScale / sum), dLogits, dOff);
        dLogits[dOff + target] = ((float) (targetE / sum) - 1f) * gradScale;
        return loss;
    }

    // ================================================================= AdamW

    @Override
    public void adamW(int n, float[] p, int pOff, float[] g, int gOff, float[] m, float[] v, int mOff,
                      float lr, float beta1, float beta2, float eps, float weightDecay,
                      float biasCorrection1, float biasCorrection2) {
        // the same float operations in the same order as the reference, so the same bits
        float stepSize = lr / biasCorrection1;
        float sqrtBc2 = (float) Math.sqrt(biasCorrection2);
        float decay = 1f - lr * weightDecay;
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector gi = FloatVector.fromArray(F, g, gOff + i);
            FloatVector mi = FloatVector.fromArray(F, m, mOff + i).mul(beta1).add(gi.mul(oneMinusBeta1));
            FloatVector vi = FloatVector.fromArray(F, v, mOff + i).mul(beta2).add(gi.mul(oneMinusBeta2).mul(gi));
            mi.intoArray(m, mOff + i);
            vi.intoArray(v, mOff + i);
            FloatVector denom = vi.sqrt().div(sqrtBc2).add(eps);
            FloatVector.fromArray(F, p, pOff + i).mul(decay).sub(mi.mul(stepSize).div(denom)).intoArray(p, pOff + i);
        }
        for (; i < n; i++) {
            float gi = g[gOff + i];
            float mi = beta1 * m[mOff + i] + oneMinusBeta1 * gi;
            float vi = beta2 * v[mOff + i] + oneMinusBeta2 * gi * gi;
            m[mOff + i] = mi;
            v[mOff + i] = vi;
            float denom = (float) Math.sqrt(vi) / sqrtBc2 + eps;
            p[pOff + i] = p[pOff + i] * decay - stepSize * mi / denom;
        }
    }
}

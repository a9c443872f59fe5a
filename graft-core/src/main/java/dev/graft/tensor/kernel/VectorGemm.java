package dev.graft.tensor.kernel;

import static dev.graft.tensor.kernel.GemmMicroKernels.MR;
import static dev.graft.tensor.kernel.GemmMicroKernels.NR;
import static dev.graft.tensor.kernel.GemmMicroKernels.microKernel;
import static dev.graft.tensor.kernel.Lanes.F;
import static dev.graft.tensor.kernel.Lanes.L;
import static dev.graft.tensor.kernel.Lanes.transpose16;
import static dev.graft.tensor.kernel.Lanes.transpose8x16;

import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.Kernels.PackedWeight;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM engine of {@link VectorKernels}. It follows the GotoBLAS/BLIS design (Goto and van de
 * Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 2008; Van Zee and van de
 * Geijn, "BLIS", ACM TOMS 2015): the k dimension is cut into blocks of kc, B into column blocks of at
 * most nc columns packed as panels of {@link GemmMicroKernels#NR NR} columns, A into row blocks of mc
 * rows packed as slivers of {@link GemmMicroKernels#MR MR} rows, and a register-tiled micro-kernel
 * ({@link GemmMicroKernels}) computes an MR x NR tile of C with fused multiply-adds; the block sizes
 * come from a {@link GemmBlocking}. The three forms (NN, NT, TN) differ only in how they pack.
 * Packing buffers belong to the calling thread and are reused (grown only when a larger problem
 * arrives). A constant weight can be packed once ({@link #packWeight}: every B panel of every block,
 * in the layout the GEMM packs on the fly), and the GEMM then reads those panels instead of packing B.
 * Small products take a direct path on the operands as they lie. Threads split only the output (rows
 * of C, or column panels when C has few rows), never k, and every element of C is computed by the
 * same sequence of operations whatever tile or thread it falls in, so results are bit-identical for
 * any thread count.
 */
final class VectorGemm {
    /** Below this many multiply-adds a GEMM takes the direct (unpacked) path. */
    static final long SMALL_MACS = 48L * 48 * 48;
    /**
     * The same for A·Bᵀ, lower: its direct path is a dot product per element, each ending in a lane
     * reduction, and packing pays from small sizes on.
     */
    static final long SMALL_NT_MACS = 24L * 24 * 24;
    /**
     * Below this many multiply-adds (about 50 µs on one core) a GEMM stays on the calling thread:
     * handing work to a pool thread costs microseconds, far more when the machine is oversubscribed.
     */
    static final long PARALLEL_MACS = 1L << 22;
    /** From this many multiply-adds on, threads split rows of C (B packed once, shared) rather than columns. */
    static final long ROWS_SPLIT_MACS = 1L << 23;
    /** Padding (one cache line of floats) between packed slivers and panels against L1 set aliasing. */
    static final int PAD = 16;
    /** Eight float lanes, for copying one 8-row sliver column when packing Aᵀ. */
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    /** Whether the in-register transposes of {@link Lanes} apply (16 float lanes and the 8-row tile). */
    static final boolean TRANSPOSE16 = L == 16 && MR == 8;

    /** The forms: C = A·B, C = A·Bᵀ, C = Aᵀ·B. */
    static final int NN = 0;
    static final int NT = 1;
    static final int TN = 2;

    private final Parallel parallel;
    private final GemmBlocking blocking;
    /** The k block (KC). */
    final int kcBlock;
    /** Rows of A packed at once (MC): whole slivers. */
    final int mcBlock;
    /** The most columns of B packed at once (NC): whole panels. */
    final int ncBlock;
    private final int widePanels;
    private final int rowPieces;
    private final boolean balancedColumns;

    VectorGemm(Parallel parallel, GemmBlocking blocking) {
        this.parallel = parallel;
        this.blocking = blocking;
        this.kcBlock = blocking.kc();
        this.mcBlock = MR * blocking.mcSlivers();
        this.ncBlock = NR * blocking.ncPanels();
        this.widePanels = blocking.widePanels();
        this.rowPieces = blocking.rowPieces();
        this.balancedColumns = blocking.balancedColumns();
    }

    GemmBlocking blocking() {
        return blocking;
    }

    /** A description of the micro-kernel and the blocking, for benchmarks and logs. */
    String description() {
        return "packed GEMM, " + MR + "x" + NR + " register tile (" + MR + " rows x " + (NR / L) + " vectors of "
                + L + " floats, fma), blocks KC=" + kcBlock + " MC=" + mcBlock + " NC=" + ncBlock
                + "; direct path below " + SMALL_MACS + " multiply-adds";
    }

    /**
     * Columns per block for an n-column GEMM: with balanced columns, n in equal blocks of whole
     * panels, at most NC each (so that no block is a narrow remainder); otherwise blocks of NC.
     */
    int columnBlock(int n) {
        if (!balancedColumns || n <= ncBlock) {
            return ncBlock;
        }
        int blocks = (n + ncBlock - 1) / ncBlock;
        int panels = (n + NR - 1) / NR;
        return (panels + blocks - 1) / blocks * NR;
    }

    /**
     * {@link Kernels#linearTransB(int, int, int, float[], int, int, float[], int, int, float[], int, GeluForm,
     * float[], int, int, float[], int, int) linearTransB}: on the packed path the epilogue runs on each
     * tile of C while it is in cache; small products take the plain GEMM, then the epilogue.
     */
    void linearTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] w, int wOff, int ldw,
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
     * GEMM under {@code blocking}, laid out as the GEMM packs them on the fly, block (jb, kb)
     * starting at {@code data[blockOffset[jb·kBlocks + kb]]}.
     */
    record Panels(int outputs, int inputs, float[] data, int[] blockOffset, GemmBlocking blocking, int columnBlock,
                  int kBlocks) implements PackedWeight {
        int offset(int jc, int kb) {
            return blockOffset[jc / columnBlock * kBlocks + kb];
        }
    }

    /** {@link Kernels#packWeight}: the panels of every block, packed as the GEMM packs B on the fly. */
    Panels packWeight(int n, int k, float[] w, int wOff, int ldw) {
        int kBlocks = (Math.max(k, 0) + kcBlock - 1) / kcBlock;
        int ncb = columnBlock(n);
        int jBlocks = (Math.max(n, 0) + ncb - 1) / ncb;
        int[] offsets = new int[jBlocks * kBlocks];
        long size = 0;
        for (int jb = 0; jb < jBlocks; jb++) {
            int panels = (Math.min(ncb, n - jb * ncb) + NR - 1) / NR;
            for (int kb = 0; kb < kBlocks; kb++) {
                offsets[jb * kBlocks + kb] = (int) size;
                size += (long) panels * GemmTask.bStride(Math.min(kcBlock, k - kb * kcBlock));
            }
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("weight " + n + " x " + k + " is too large to pack into one array");
        }
        float[] data = new float[(int) size];
        for (int jb = 0; jb < jBlocks; jb++) {
            int nc = Math.min(ncb, n - jb * ncb);
            for (int kb = 0; kb < kBlocks; kb++) {
                int pc = kb * kcBlock;
                packPanels(w, wOff + jb * ncb * ldw + pc, ldw, nc, Math.min(kcBlock, k - pc), data,
                        offsets[jb * kBlocks + kb]);
            }
        }
        return new Panels(n, k, data, offsets, blocking, ncb, kBlocks);
    }

    /**
     * The panels {@link GemmTask#packB} makes of an (n, k) block stored row by row ({@link #NT}):
     * {@code bp[base + q·bStride + p·NR + j] = w[wOff + (q·NR + j)·ldw + p]}, columns past {@code nc}
     * left zero ({@code bp} is new). Element by element in plain Java rather than with packB's
     * register transposes: a weight is packed once, when a model is loaded, and the transposes are
     * then not yet compiled (run cold, they took 0.3 s of graft embed's start-up with MiniLM; a plain
     * copy loop is compiled within a few thousand iterations). The same floats land in the same places.
     */
    private static void packPanels(float[] w, int wOff, int ldw, int nc, int kc, float[] bp, int base) {
        int bStride = GemmTask.bStride(kc);
        for (int j = 0; j < nc; j++) {
            int src = wOff + j * ldw;
            int dst = base + (j / NR) * bStride + j % NR;
            for (int p = 0; p < kc; p++) {
                bp[dst + p * NR] = w[src + p];
            }
        }
    }

    /**
     * {@link Kernels#linearTransB(int, float[], int, int, PackedWeight, float[], int, GeluForm, float[], int,
     * int, float[], int, int)} with panels packed under this engine's blocking.
     */
    void linearTransB(int m, float[] a, int aOff, int lda, Panels panels, float[] bias, int biasOff,
                      GeluForm act, float[] residual, int residualOff, int ldr, float[] c, int cOff, int ldc) {
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
     * part skipped when null, row by row with the loops of gelu (which adds the bias first, as
     * addBiasRows would) and add, so with their float operations.
     */
    static void epilogue(int rows, int cols, float[] c, int ci, int ldc, float[] bias, int bOff, GeluForm act,
                         float[] res, int ri, int ldr) {
        if (act == GeluForm.ERF) {
            VectorMath.fusedGeluErfRows(rows, cols, c, ci, ldc, bias, bOff, c, ci, ldc);
        } else if (act == GeluForm.TANH) {
            VectorMath.geluTanhRows(rows, cols, c, ci, ldc, bias, bOff, c, ci, ldc);
        }
        float[] b = act == null ? bias : null;
        if (b == null && res == null) {
            return;
        }
        for (int r = 0; r < rows; r++) {
            int co = ci + r * ldc;
            if (b != null) {
                VectorKernels.addOrMul(false, cols, c, co, b, bOff, c, co);
            }
            if (res != null) {
                VectorKernels.addOrMul(false, cols, c, co, res, ri + r * ldr, c, co);
            }
        }
    }

    /** Whether a GEMM of this form and shape takes the direct (unpacked) path. */
    static boolean direct(int form, int m, int n, int k) {
        long macs = (long) m * n * k;
        return macs < (form == NT ? SMALL_NT_MACS : SMALL_MACS) || m < 4 || n < L || k < 4;
    }

    /** C (+)= the product of the given form ({@link #NN}, {@link #NT}, {@link #TN}): the direct or the packed path. */
    void gemm(int form, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
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
        t.set(this, form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        int threads = parallel.threads();
        boolean par = threads > 1 && macs >= PARALLEL_MACS;
        int kBlocks = (k + kcBlock - 1) / kcBlock;
        try {
            // Goto's loop order: column blocks of B, then k blocks (B packed once per block, shared by
            // the threads), then row blocks of A (packed per thread), then the macro-kernel
            int ncb = columnBlock(n);
            for (int jc = 0; jc < n; jc += ncb) {
                int nc = Math.min(ncb, n - jc);
                int panels = (nc + NR - 1) / NR;
                for (int kb = 0; kb < kBlocks; kb++) {
                    if (prepacked == null) {
                        t.block(jc, nc, kb, kb + 1, s.bPack(panels * (kcBlock * NR + PAD)), 0);
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
                        parallel.forRangeDynamic(slivers, 2, rowPieces, t);
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

    static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

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
        /** The blocking of the engine that set this GEMM: {@link VectorGemm#kcBlock}, {@link VectorGemm#mcBlock}. */
        int kcBlock;
        int mcBlock;
        int widePanels;
        /** The last k block, (k - 1) / kcBlock: the one after which the epilogue runs. */
        int lastKb;
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
        /** Whether bPack holds a weight packed beforehand ({@link VectorGemm#packWeight}): never pack B. */
        boolean prepacked;
        volatile int mode;

        void set(VectorGemm engine, int form, int m, int n, int k, float[] a, int aOff, int lda, float[] b,
                 int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
            this.kcBlock = engine.kcBlock;
            this.mcBlock = engine.mcBlock;
            this.widePanels = engine.widePanels;
            this.lastKb = (k - 1) / engine.kcBlock;
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
            return Math.min(kcBlock, k - kb * kcBlock);
        }

        /** Offset in bPack of the panels of k block kb. */
        int bBase(int kb) {
            return bBase0 + (kb - kb0) * ((nc + NR - 1) / NR) * (kcBlock * NR + PAD);
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
                case DIRECT -> GemmDirect.rows(form, start, end, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc,
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
            for (int ic = r0; ic < r1; ic += mcBlock) {
                int mc = Math.min(mcBlock, r1 - ic);
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
            for (int ic = 0; ic < m; ic += mcBlock) {
                int mc = Math.min(mcBlock, m - ic);
                for (int kb = kb0; kb < kb1; kb++) {
                    macroKernel(packA(s, ic, mc, kb), ic, mc, q0, q1, kb, s.tile);
                }
            }
        }

        /**
         * Packs rows [ic, ic+mc) of k block kb of A as slivers (in the thread's scratch) and returns
         * them. (Reading full slivers of row-major A in place, without packing, was measured slower.)
         */
        private float[] packA(Scratch s, int ic, int mc, int kb) {
            int kc = kcOf(kb);
            float[] ap = s.aPack(((mc + MR - 1) / MR) * aStride(kc));
            packA(ap, ic, mc, kb * kcBlock, kc);
            return ap;
        }

        /**
         * C[ic..ic+mc, panels q0..q1) (+)= packed A block · packed B panels of k block kb, tile by
         * tile, in one of two orders (the same arithmetic per tile, so the same bits). Narrow C: panel
         * by panel, GotoBLAS's order: one B panel stays in L1 while the A slivers stream from L2.
         * Wide C (at least {@link GemmBlocking#widePanels} panels): sliver by sliver: one A sliver stays in L1
         * while the B panels stream from L2, and the C tiles are visited along their rows (consecutive
         * addresses) instead of down a column of tiles (a stride of 8 rows of C, which for wide C jumps
         * by several kilobytes from tile to tile).
         */
        private void macroKernel(float[] ap, int ic, int mc, int q0, int q1, int kb, float[] tile) {
            if (q1 - q0 >= widePanels) {
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
            if (hasEpilogue && kb == lastKb) {
                // bias, GELU, residual while the tile is in L1
                int col = jc + j0;
                VectorGemm.epilogue(rows, cols, c, ci, ldc, bias, biasOff + col, act, res,
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
                packB(q0, q1, kb * kcBlock, kcOf(kb), bBase(kb));
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

    // ---------------------------------------------------------------- direct GEMM (small problems)

    /** Small GEMMs without packing: rows of C split across threads when there is enough work. */
    private void gemmDirect(int form, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                            int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        long macsPerRow = (long) n * k;
        int grain = (int) Math.max(1, Math.min(m, PARALLEL_MACS / Math.max(1, macsPerRow)));
        if (parallel.threads() == 1 || grain >= m) {
            GemmDirect.rows(form, 0, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        GemmTask t = SCRATCH.get().task;
        t.set(this, form, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        t.mode = GemmTask.DIRECT;
        try {
            parallel.forRange(m, grain, t);
        } finally {
            t.clear();
        }
    }
}

package dev.graft.tensor.kernel;

/**
 * How {@link VectorKernels}' packed GEMM cuts a product into cache blocks (the GotoBLAS/BLIS
 * blocking: k blocks of {@code kc}, row blocks of A, column blocks of B). Sizes of row and column
 * blocks are counted in units of the register tile (slivers of its rows, panels of its columns), so
 * one record fits every vector width: with 16-lane vectors a sliver is 8 rows and a panel 32 columns,
 * with 8-lane vectors 6 rows and 16 columns.
 *
 * <p>Only {@code kc} changes the order of floating-point operations (each k block's partial sums are
 * added into C); the other parameters change only which tiles are computed when and by which thread,
 * so two blockings with the same {@code kc} give the same bits. Whatever the blocking, results do not
 * depend on the thread count.
 *
 * <p>A blocking is a value handed to {@code new VectorKernels(parallel, blocking)}; nothing in the
 * kernels reads a system property. Only at the edge, {@link KernelProvider#blockingFromSystemProperties()}
 * builds one from {@code -Dgraft.gemm.*} for tuning experiments.
 *
 * @param kc the k block: one B panel of kc rows stays in L1 while the A slivers stream from L2
 * @param mcSlivers the rows of A packed at once (kept in L2), in slivers
 * @param ncPanels the most columns of B packed at once, in panels; an n-column GEMM cuts its columns
 *     into blocks of at most this many panels
 * @param widePanels from this many panels in a column block on, the macro-kernel walks C sliver by
 *     sliver (one A sliver in L1, the B panels streamed) instead of panel by panel
 * @param rowPieces the pieces per thread when threads split the rows of C (handed out dynamically)
 * @param balancedColumns whether the column blocks of an n-column GEMM are equal (whole panels, at
 *     most {@code ncPanels} each) rather than full blocks and a narrow remainder
 */
public record GemmBlocking(int kc, int mcSlivers, int ncPanels, int widePanels, int rowPieces,
                           boolean balancedColumns) {

    private static final GemmBlocking DEFAULTS = new GemmBlocking(256, 12, 36, 24, 4, true);

    public GemmBlocking {
        positive("kc", kc);
        positive("mcSlivers", mcSlivers);
        positive("ncPanels", ncPanels);
        positive("widePanels", widePanels);
        positive("rowPieces", rowPieces);
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("GemmBlocking " + field + " = " + value
                    + " is not a positive block size: give a positive integer (GemmBlocking.defaults() has the tuned ones)");
        }
    }

    /**
     * The blocking tuned for the machines graft is measured on (2 MB L2 per core, AVX-512):
     * kc 256, 12 slivers (96 rows), 36 panels (1152 columns), sliver order from 24 panels, 4 row
     * pieces per thread, balanced column blocks. docs/PERFORMANCE.md ("Kernel tuning history") has
     * the measurements behind each value.
     */
    public static GemmBlocking defaults() {
        return DEFAULTS;
    }
}

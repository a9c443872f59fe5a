package dev.graft.spark.pretrain;

/** Package-private names of the pretrain package that tests elsewhere need. */
public final class DilocoTestAccess {
    /** {@link InnerJob#HALT_ONCE}. */
    public static final String HALT_ONCE = InnerJob.HALT_ONCE;

    private DilocoTestAccess() {
    }
}

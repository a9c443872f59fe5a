/**
 * The {@code graft} command line. It exports nothing: no one builds on it. picocli reads the commands' and
 * mixins' annotated fields and methods by reflection, so the package is open to it.
 *
 * <p>The launcher runs the shaded {@code graft.jar} on the class path (see docs/ARCHITECTURE.md): this
 * descriptor is checked when the module is compiled (graft-core's internal packages are readable only where
 * graft-core exports them to {@code dev.graft.cli}) and when its tests run on the module path.
 */
module dev.graft.cli {
    requires dev.graft;
    requires info.picocli;
    requires java.logging;

    opens dev.graft.cli to info.picocli;
}

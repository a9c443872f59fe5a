package dev.graft.tensor.kernel;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No vector kernel allocates once compiled: {@link KernelBoxingProbe} in a fresh JVM (C2's inlining
 * depends on the process's history, so not in this one), kernels in a training step's order, at this
 * machine's vector width and, on a 16-lane machine, at 8 lanes (-XX:UseAVX=2) as an AVX2 machine runs
 * them. A kernel that boxes its vectors stays bit-identical and only gets slower, so no other test sees it.
 *
 * <p>And in the reverse order ({@code --reverse}) with {@code -Xbatch} (each compilation waited for, so
 * C2 sees the same profiles in every run): there {@code linearTransB GELU erf} allocated 20,480 bytes per
 * call in 6 runs of 6 until its kernel ({@link VectorMath}'s fusedGeluErfRows) stopped keeping a zero
 * vector made before its loop, whose box C2 left in place. Without {@code -Xbatch} the reverse order is
 * not checked: in session 23, in about one fresh JVM of three on the AMD Zen 5 machine, C2 left a vector
 * operation of {@code geluBackward ERF} as a call (81,920 bytes per call), a choice that depends on
 * timing and did not recur in 14 runs in session 24 (docs/PERFORMANCE.md, "Session 24").
 */
class KernelBoxingTest {

    @Test
    void noKernelAllocatesOnceCompiledAtThisWidthInBothOrdersAndAtEightLanes() throws Exception {
        assertNoKernelAllocates(List.of());
        assertNoKernelAllocates(List.of("--reverse"), "-Xbatch");
        if (Lanes.L != 8) { // at 8 lanes this machine's own width is what the run above checked
            assertNoKernelAllocates(List.of(), "-XX:UseAVX=2");
        }
    }

    private static void assertNoKernelAllocates(List<String> args, String... jvmFlags)
            throws IOException, InterruptedException, URISyntaxException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g"));
        command.addAll(List.of(jvmFlags));
        command.addAll(List.of("-cp", location(VectorKernels.class) + java.io.File.pathSeparator
                + location(KernelBoxingProbe.class), KernelBoxingProbe.class.getName()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("the probe ends").isTrue();
        String printed = new String(out, StandardCharsets.UTF_8);
        String what = String.join(" ", jvmFlags) + " " + String.join(" ", args);
        assertThat(printed).as(what).contains("linearTransB packed GELU tanh", "adamW", "layerNorm", "attention")
                .doesNotContain("allocates");
        assertThat(p.exitValue()).as(what + ": " + printed).isZero();
    }

    /** The folder or jar a class was loaded from (target/classes, target/test-classes). */
    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}

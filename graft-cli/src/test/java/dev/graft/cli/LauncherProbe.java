package dev.graft.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The program {@link LauncherTest} runs through the {@code ./graft} launcher (as its jar): says it
 * started, then either echoes standard input and exits 3, or waits to be stopped and says it stopped
 * cleanly (its shutdown hook ran, as graft's checkpointing one does), or prints the JVM's options, its
 * garbage collectors or its maximum heap.
 */
public final class LauncherProbe {
    private LauncherProbe() {
    }

    public static void main(String[] args) throws Exception {
        System.err.println("probe: started");
        if (args.length > 0 && args[0].equals("jvm-options")) { // what the launcher gave the JVM
            System.out.println(String.join(" ",
                    java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()));
            return;
        }
        if (args.length > 0 && args[0].equals("collectors")) { // the garbage collectors the JVM runs
            System.out.println(String.join(",", java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()
                    .stream().map(java.lang.management.GarbageCollectorMXBean::getName).toList()));
            return;
        }
        if (args.length > 0 && args[0].equals("max-heap")) { // the heap's maximum and the machine's memory, bytes
            // com.sun.management's bean, through reflection: this module does not read jdk.management
            Object os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            Object total = Class.forName("com.sun.management.OperatingSystemMXBean")
                    .getMethod("getTotalMemorySize").invoke(os);
            System.out.println(Runtime.getRuntime().maxMemory() + " " + total);
            return;
        }
        if (args.length > 0 && args[0].equals("wait")) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println("probe: stopped cleanly")));
            Thread.sleep(120_000);
            return;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("echo: " + in.readLine());
        System.exit(3);
    }
}

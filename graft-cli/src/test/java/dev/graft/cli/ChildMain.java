package dev.graft.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The main class of {@link ChildJvm}: runs one or more graft command lines, separated by {@code ::},
 * in one JVM (saving a JVM start per command), and exits with the first non-zero exit code.
 */
public final class ChildMain {
    private ChildMain() {
    }

    public static void main(String[] args) {
        Logging.configure();
        List<String> command = new ArrayList<>();
        for (String a : args) {
            if (a.equals("::")) {
                runOrExit(command);
                command.clear();
            } else {
                command.add(a);
            }
        }
        runOrExit(command);
        System.exit(0);
    }

    private static void runOrExit(List<String> command) {
        if (command.isEmpty()) {
            return;
        }
        int code = Main.run(command.toArray(String[]::new));
        System.out.flush();
        if (code != 0) {
            System.err.println("child: " + Arrays.toString(command.toArray()) + " exited " + code);
            System.exit(code);
        }
    }
}

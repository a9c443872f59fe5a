package dev.graft.io;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One staging folder for an output that is built whole and then renamed into place (an imported
 * model): {@code PARENT/.NAME.graft-staging} beside the output {@code PARENT/NAME}, on the same file
 * system (so the final rename is atomic), under one name that says what it is. It holds the
 * downloads and extracted files ({@link #work()}) and the output being built ({@link #output()}). It
 * is removed when the command ends, however the command fails; one left by a killed command is
 * removed by the next command writing the same output, which says so. A staging folder in use by a
 * live process is locked ({@link RunLock}), and never removed.
 */
public final class Staging implements AutoCloseable {
    private final Path folder;
    private final RunLock lock;

    private Staging(Path folder, RunLock lock) {
        this.folder = folder;
        this.lock = lock;
    }

    /** The staging folder of {@code output}. */
    public static Path folderOf(Path output) {
        Path absolute = output.toAbsolutePath().normalize();
        return absolute.resolveSibling("." + absolute.getFileName() + ".graft-staging");
    }

    /** Creates (after removing a stale one) and locks the staging folder of {@code output}. */
    public static Staging open(Path output, String command, PrintStream log) throws IOException {
        Path folder = folderOf(output);
        Files.createDirectories(folder.getParent());
        if (Files.isDirectory(folder)) {
            RunLock.probe(folder, command);
            log.println("graft: removing " + folder + ", left by a " + command + " that was stopped");
            RunFolder.deleteRecursively(folder);
        } else if (Files.exists(folder)) {
            throw new IllegalArgumentException(folder + " is in the way of graft " + command + "'s staging folder: "
                    + "move or delete it");
        }
        Files.createDirectory(folder);
        RunLock lock = RunLock.acquire(folder, command, log);
        return new Staging(folder, lock);
    }

    /** The staging folder. */
    public Path folder() {
        return folder;
    }

    /** Scratch space: downloads, extracted archives. */
    public Path work() throws IOException {
        return Files.createDirectories(folder.resolve("work"));
    }

    /** Where the output is built before it is renamed into place (not created: writers stage it whole). */
    public Path output() {
        return folder.resolve("output");
    }

    /** Removes the staging folder and everything left in it. */
    @Override
    public void close() throws IOException {
        try {
            RunFolder.deleteRecursively(folder);
        } finally {
            lock.close();
        }
    }
}

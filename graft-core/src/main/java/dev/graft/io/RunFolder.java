package dev.graft.io;

import dev.graft.SpecException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The output folder of a graft command ({@code pretrain}, {@code finetune}, {@code lm-finetune},
 * {@code tokenizer train}, ...), and the rules every command applies to it:
 *
 * <ul>
 * <li>a new or empty folder is used; graft writes its marker file {@value #MARKER} into it, so that it
 *     is recognizably a graft run from then on;</li>
 * <li>a folder with files but without the marker is never written into nor deleted: graft did not make
 *     it (a {@code thesis.tex}, a data folder, a model from elsewhere);</li>
 * <li>a graft run is replaced only on request ({@code --overwrite}), continued only on request
 *     ({@code --resume}, where the command has it); a {@code --resume} with no checkpoint starts the run
 *     anew and says so;</li>
 * <li>one process at a time: {@link RunLock} is held from {@link #open} to {@link #close};</li>
 * <li>nothing is changed before the caller has validated its settings and inputs: {@link #open} only
 *     checks, creates the folder when missing, marks and locks it; {@link #begin} clears the old run
 *     (overwrite, or a resume with nothing to resume); {@link #close} removes a folder that {@link
 *     #open} created when {@link #begin} was never reached, so a refused run leaves nothing behind.</li>
 * </ul>
 */
public final class RunFolder implements AutoCloseable {
    /** The marker file every run folder graft makes holds. */
    public static final String MARKER = ".graft-run.json";
    private static final Set<String> OWN_FILES = Set.of(MARKER, RunLock.FILE);
    /** Names of unfinished writes: staged folders, folders set aside, temporary files. */
    private static final java.util.regex.Pattern LEFTOVER =
            java.util.regex.Pattern.compile("\\..+(\\.staging-.+|\\.old-\\d+|\\.tmp)");

    /** Finds a run's newest checkpoint, or null when it has none. */
    @FunctionalInterface
    public interface ResumePoint {
        Path find(Path folder) throws IOException;
    }

    /**
     * What a command asks of its folder.
     *
     * @param command     the command, as the user types it ("pretrain", "tokenizer train")
     * @param overwrite   replace a graft run already in the folder
     * @param resume      continue the run in the folder
     * @param resumePoint how to find the checkpoint to continue from; null when the command cannot resume
     */
    public record Request(String command, boolean overwrite, boolean resume, ResumePoint resumePoint) {
        public Request {
            if (resume && resumePoint == null) {
                throw new IllegalArgumentException("graft " + command + " cannot resume a run");
            }
        }

        /** A command without resume. */
        public static Request of(String command, boolean overwrite) {
            return new Request(command, overwrite, false, null);
        }
    }

    private final Path folder;
    private final Request request;
    private final PrintStream log;
    private final Path createdTop;
    private final boolean markedHere;
    private final RunLock lock;
    private final Path resumeFrom;
    private final boolean clear;
    private boolean begun;

    private RunFolder(Path folder, Request request, PrintStream log, Path createdTop, boolean markedHere,
                      RunLock lock, Path resumeFrom, boolean clear) {
        this.folder = folder;
        this.request = request;
        this.log = log;
        this.createdTop = createdTop;
        this.markedHere = markedHere;
        this.lock = lock;
        this.resumeFrom = resumeFrom;
        this.clear = clear;
    }

    /**
     * Checks {@code folder} against the rules above, then creates, marks and locks it. Throws
     * {@link IllegalArgumentException} with what to do when the folder may not be used, and {@link
     * RunLock.BusyException} when another process holds it.
     */
    public static RunFolder open(Path folder, Request request, PrintStream log) throws IOException {
        check(folder, request);
        boolean created = false;
        Path createdTop = null; // the outermost folder this call creates: removed again if the run never begins
        if (!Files.isDirectory(folder)) {
            Path parent = folder.toAbsolutePath().getParent();
            for (Path p = folder.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
                createdTop = p;
            }
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(folder);
                created = true;
            } catch (FileAlreadyExistsException e) {
                check(folder, request); // made by someone else in the meantime
            }
        }
        boolean markedHere = false;
        if (!Files.exists(folder.resolve(MARKER))) {
            writeMarker(folder, request.command());
            markedHere = true;
        }
        // when the lock is refused the holder owns the folder, even one this process created: leave it
        RunLock lock = RunLock.acquire(folder, request.command(), log);
        try {
            // decided under the lock: the folder cannot change any more
            boolean hasRun = hasRunFiles(folder);
            Path resumeFrom = null;
            boolean clear = false;
            if (request.resume()) {
                resumeFrom = request.resumePoint().find(folder);
                if (resumeFrom == null) {
                    clear = hasRun;
                    log.println("graft: " + folder + " has no checkpoint to resume from: starting the run from "
                            + "scratch");
                }
            } else if (hasRun) {
                if (!request.overwrite()) {
                    throw occupied(folder, request);
                }
                clear = true;
            }
            return new RunFolder(folder, request, log, created ? createdTop : null, markedHere, lock, resumeFrom,
                    clear);
        } catch (IOException | RuntimeException e) {
            try {
                if (created) {
                    deleteIfOnlyOwnFiles(folder, createdTop); // under the lock
                }
            } finally {
                lock.close();
            }
            throw e;
        }
    }

    /** The checks of {@link #open} that need no write: refusals come before anything is touched. */
    public static void check(Path folder, Request request) throws IOException {
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new SpecException("out", folder + " is a file, not a folder: out must be a folder (a new one, or "
                    + "one graft " + request.command() + " made before)");
        }
        if (!Files.isDirectory(folder) || !hasAnyFiles(folder)) {
            return;
        }
        RunLock.probe(folder, request.command()); // a run in progress is the first thing to say
        boolean legacyRun = request.resume() && request.resumePoint().find(folder) != null; // made before markers
        if (!Files.exists(folder.resolve(MARKER)) && !legacyRun) {
            throw new SpecException(request.overwrite() ? List.of("overwrite", "out") : List.of("out"), folder
                    + " already holds files that graft did not write (it has no " + MARKER + " marker), so graft "
                    + request.command() + " will not write into it" + (request.overwrite() ? " nor delete it, even "
                    + "with overwrite" : "") + ": choose a new folder as out, or empty this one yourself");
        }
        if (!request.resume() && !request.overwrite() && hasRunFiles(folder)) {
            throw occupied(folder, request);
        }
    }

    private static SpecException occupied(Path folder, Request request) throws IOException {
        String what = folder + " holds a graft " + commandOf(folder, request.command()) + " run";
        if (request.resumePoint() == null) {
            return new SpecException(List.of("overwrite", "out"), what + ": replace it (overwrite), or choose a new "
                    + "folder as out");
        }
        Path latest = request.resumePoint().find(folder);
        if (latest == null) {
            return new SpecException(List.of("overwrite", "resume", "out"), what + " that stopped before its first "
                    + "checkpoint: start it again (overwrite, or resume), or choose a new folder as out");
        }
        return new SpecException(List.of("resume", "overwrite", "out"), what + " (newest checkpoint: "
                + latest.getFileName() + "): continue it (resume), start it again (overwrite), or choose a new "
                + "folder as out");
    }

    /** The folder. */
    public Path path() {
        return folder;
    }

    /** The checkpoint to continue from: set when resuming and the folder has one, else null. */
    public Path resumeFrom() {
        return resumeFrom;
    }

    /** True when the run continues from {@link #resumeFrom()}. */
    public boolean resuming() {
        return resumeFrom != null;
    }

    /**
     * Called once the settings and inputs are validated, before the first write: clears the old run
     * when it is replaced (everything in the folder but the marker and the lock).
     */
    public void begin() throws IOException {
        if (begun) {
            return;
        }
        if (clear) {
            log.println("graft: " + folder + ": " + (request.overwrite() ? "replacing" : "clearing")
                    + " the run that was there");
            try (Stream<Path> entries = Files.list(folder)) {
                for (Path p : entries.filter(p -> !OWN_FILES.contains(p.getFileName().toString())).toList()) {
                    deleteRecursively(p);
                }
            }
        }
        if (clear || markedHere) {
            writeMarker(folder, request.command());
        }
        removeLeftovers();
        begun = true;
    }

    /**
     * Removes what a killed writer leaves in a run folder: a checkpoint being staged
     * ({@code .checkpoint-N.staging-*}), one set aside while replaced ({@code .NAME.old-*}), a file
     * being written ({@code .NAME*.tmp}). Only under the lock: no one else writes here.
     */
    private void removeLeftovers() throws IOException {
        List<Path> left;
        try (Stream<Path> entries = Files.list(folder)) {
            left = entries.filter(p -> LEFTOVER.matcher(p.getFileName().toString()).matches()).toList();
        }
        for (Path p : left) {
            deleteRecursively(p);
        }
        if (!left.isEmpty()) {
            log.println("graft: " + folder + ": removed " + left.size() + " unfinished file(s) of a run that was "
                    + "stopped: " + String.join(", ", left.stream().map(p -> p.getFileName().toString()).toList()));
        }
    }

    /** Releases the lock; removes the folder (or the marker) again when the run never began. */
    @Override
    public void close() throws IOException {
        try {
            if (!begun) { // refused before the first write: leave the folder as it was (under the lock)
                if (createdTop != null) {
                    deleteIfOnlyOwnFiles(folder, createdTop);
                } else if (markedHere && !hasRunFiles(folder)) {
                    Files.deleteIfExists(folder.resolve(MARKER));
                    Files.deleteIfExists(folder.resolve(RunLock.FILE));
                }
            }
        } finally {
            lock.close();
        }
    }

    /** Writes the marker of a folder graft made (for outputs published whole, e.g. an imported model). */
    public static void writeMarker(Path folder, String command) throws IOException {
        String text = "{\"graft\": \"run folder\", \"command\": \"" + command + "\", \"created\": \""
                + Instant.now() + "\"}\n";
        Path tmp = FileModes.createTempFile(folder, MARKER + ".", ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, folder.resolve(MARKER), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The command named in a folder's marker, or {@code fallback}. */
    static String commandOf(Path folder, String fallback) {
        try {
            String text = Files.readString(folder.resolve(MARKER), StandardCharsets.UTF_8);
            var m = java.util.regex.Pattern.compile("\"command\":\\s*\"([^\"]*)\"").matcher(text);
            return m.find() ? m.group(1) : fallback;
        } catch (IOException e) {
            return fallback;
        }
    }

    /** True when {@code folder} has the marker of a graft run. */
    public static boolean isGraftRun(Path folder) {
        return Files.isRegularFile(folder.resolve(MARKER));
    }

    private static boolean hasAnyFiles(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.findAny().isPresent();
        }
    }

    /** Entries other than the marker and the lock. */
    private static boolean hasRunFiles(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.anyMatch(p -> !OWN_FILES.contains(p.getFileName().toString()));
        }
    }

    /** Removes {@code folder} when it holds only graft's own files, and its parents up to {@code top} if empty. */
    private static void deleteIfOnlyOwnFiles(Path folder, Path top) throws IOException {
        if (hasRunFiles(folder)) {
            return;
        }
        for (String own : List.of(MARKER, RunLock.FILE)) {
            Files.deleteIfExists(folder.resolve(own));
        }
        Path absoluteTop = top == null ? null : top.toAbsolutePath();
        try {
            for (Path p = folder.toAbsolutePath(); p != null; p = p.getParent()) {
                Files.deleteIfExists(p);
                if (p.equals(absoluteTop) || absoluteTop == null) {
                    break;
                }
            }
        } catch (DirectoryNotEmptyException e) {
            // someone else put a file there in the meantime: leave it
        }
    }

    /** Deletes a file or a folder with everything in it. */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
